"""Can one attention layer learn to reverse a sequence, and can we see it doing so?

A tiny transformer encoder, built the PyTorch way from ``nn.Embedding``, a sinusoidal
positional encoding, ``nn.TransformerEncoderLayer`` (multi-head self-attention, a GELU
feed-forward net, layer norm) and a Linear head, is trained to output a sequence of 8
random digits reversed (``--task sort``: sorted, which takes two layers). Reversing needs
attention: output position i must copy input position 7 - i, which only a query that finds
its key by position can do, so the attention weights of a trained model should be an
anti-diagonal. The lab prints

- the token and whole-sequence accuracy on new sequences as training goes;
- the entropy of each head's attention weights (``ActivationMonitor``): from nearly
  log 8 = 2.08 nats (spread evenly) at initialisation down to about 1 nat once each query
  puts most of its weight on its key (with ``--task sort`` the first layer stays spread
  out: it counts, and the second one picks);
- for one example, where each output position looks, and (``--plot PATH``) a heat map of
  the weights (``plots.plot_attention``).

    python examples/tiny_transformer.py                  # about 3 s
    python examples/tiny_transformer.py --task sort --layers 2 --steps 1500 --plot attn.png
"""
from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

# NOTE: small matrices: one BLAS thread beats several fighting over busy cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # after the thread settings, which numpy reads on import

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn, optim
from tinygrad_acts.diagnostics import ActivationMonitor, attention_weights

VOCAB = 10


def positional_encoding(length: int, d_model: int) -> np.ndarray:
    """Vaswani et al.'s sinusoids: PE[p, 2k] = sin(p / 10000^(2k/d)), PE[p, 2k+1] = cos(...)."""
    pos = np.arange(length)[:, None]
    freq = 10000.0 ** (-np.arange(0, d_model, 2) / d_model)
    pe = np.zeros((length, d_model), np.float32)
    pe[:, 0::2], pe[:, 1::2] = np.sin(pos * freq), np.cos(pos * freq)
    return pe


class TinyTransformer(nn.Module):
    """Embedding + positional encoding -> encoder layers -> a Linear head per position."""

    pe: ta.Tensor

    def __init__(self, length: int, d_model: int, heads: int, layers: int):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, d_model)
        self.register_buffer("pe", ta.tensor(positional_encoding(length, d_model)))
        layer = nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=2 * d_model,
                                           dropout=0.0, activation="gelu", batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, VOCAB)

    def forward(self, tokens: ta.Tensor) -> ta.Tensor:
        return self.head(self.encoder(self.embed(tokens) + self.pe))


def batch(rng: np.random.Generator, n: int, length: int, task: str) -> tuple:
    x = rng.integers(0, VOCAB, (n, length))
    y = x[:, ::-1] if task == "reverse" else np.sort(x, axis=1)
    return ta.tensor(x), ta.tensor(np.ascontiguousarray(y))


def accuracy(model: TinyTransformer, x: ta.Tensor, y: ta.Tensor) -> tuple[float, float]:
    """(share of tokens right, share of whole sequences right)."""
    with ta.no_grad():
        right = model(x).numpy().argmax(-1) == y.numpy()
    return float(right.mean()), float(right.all(1).mean())


def entropy_line(monitor: ActivationMonitor) -> str:
    rows = [s for s in monitor.stats().values() if s.head_entropy]
    return "; ".join(f"layer {i}: " + " ".join(f"{h:.2f}" for h in s.head_entropy or [])
                     for i, s in enumerate(rows))


def look(model: TinyTransformer, tokens: ta.Tensor) -> list[np.ndarray]:
    """Each layer's attention weights (heads, L, S) for one sequence, replayed from the
    inputs its self-attention saw (the encoder layers ask for no weights)."""
    seen: list[np.ndarray] = []

    def hook(module: nn.Module, args: tuple, kwargs: dict, out: object) -> None:
        seen.append(attention_weights(module, args[0], args[1], args[2],
                                      kwargs.get("key_padding_mask"),
                                      kwargs.get("attn_mask"))[0])

    handles = [m.register_forward_hook(hook, with_kwargs=True) for m in model.modules()
               if isinstance(m, nn.MultiheadAttention)]
    with ta.no_grad():
        model(tokens[None])
    for h in handles:
        h.remove()
    return seen


def say(text: str) -> None:
    print(textwrap.fill(text, 96, subsequent_indent="    "))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--task", choices=("reverse", "sort"), default="reverse")
    p.add_argument("--length", type=int, default=8)
    p.add_argument("--d-model", type=int, default=32)
    p.add_argument("--heads", type=int, default=2)
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--test", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", type=Path, default=None, help="draw one example's attention")
    args = p.parse_args(argv)

    ta.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = TinyTransformer(args.length, args.d_model, args.heads, args.layers)
    test = batch(np.random.default_rng(args.seed + 1), args.test, args.length, args.task)
    params = sum(p.numel() for p in model.parameters())
    say(f"Task: {args.task} {args.length} random digits. Model: embedding + sinusoidal "
        f"positions, {args.layers} encoder layer(s) of d_model {args.d_model}, {args.heads} "
        f"heads, GELU feed-forward {2 * args.d_model}, post-norm; {params:,} parameters. "
        f"Adam (lr {args.lr}), batches of {args.batch}; accuracy on {args.test} new "
        "sequences.")
    monitor = ActivationMonitor(model)
    with monitor.paused():
        token, whole = accuracy(model, *test)
    monitor.reset()
    with ta.no_grad():
        model(test[0][:200])
    print()
    print(f"  {'step':>5} {'loss':>8} {'tokens':>8} {'sequences':>10}   attention entropy "
          f"per head (nats; log {args.length} = {np.log(args.length):.2f})")
    print(f"  {0:>5} {'-':>8} {100 * token:>7.1f}% {100 * whole:>9.1f}%   "
          f"{entropy_line(monitor)}")
    opt = optim.Adam(model.parameters(), lr=args.lr)
    every = max(1, args.steps // 4)
    for step in range(1, args.steps + 1):
        x, y = batch(rng, args.batch, args.length, args.task)
        with monitor.paused():
            loss = F.cross_entropy(model(x).reshape(-1, VOCAB), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % every == 0 or step == args.steps:
            with monitor.paused():
                token, whole = accuracy(model, *test)
            monitor.reset()
            with ta.no_grad():
                model(test[0][:200])
            print(f"  {step:>5} {loss.item():>8.4f} {100 * token:>7.1f}% {100 * whole:>9.1f}%"
                  f"   {entropy_line(monitor)}")
    monitor.remove()

    tokens = test[0][0]
    weights = look(model, tokens)
    digits = [str(int(d)) for d in tokens.numpy()]
    with ta.no_grad():
        answer = "".join(str(int(d)) for d in model(tokens[None]).numpy()[0].argmax(-1))
    print()
    print(f"one example: input {''.join(digits)} -> output {answer}")
    last = weights[-1]
    print(f"  where each output position looks (layer {len(weights) - 1}, the key with the "
          "most weight, per head):")
    for q in range(len(digits)):
        picks = ", ".join(f"key {int(last[h, q].argmax())} ({last[h, q].max():.2f})"
                          for h in range(len(last)))
        print(f"    query {q}: {picks}")
    if args.plot is not None:
        try:
            from tinygrad_acts.plots import plot_attention
            plot_attention(last, args.plot, queries=[f"{q}" for q in range(len(digits))],
                           keys=digits, title=f"{args.task} {''.join(digits)}: attention")
            print(f"wrote {args.plot}")
        except ImportError as e:
            print(f"(no plot: {e})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
