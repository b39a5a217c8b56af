"""A transformer encoder training step: tinygrad_acts (eager, and compiled when the step
compiler exists) against PyTorch CPU eager.

Two nn.TransformerEncoderLayer blocks (d_model 64, 4 heads, feed-forward 256 with ReLU,
torch's default, or GELU, dropout 0.1, batch_first), mean over the sequence, nn.Linear to
10 classes, cross-entropy, one SGD step; batch 32 of sequences of length 32, float32. Both
are written the same way (the model code below runs on either library) and start from the same
state_dict; before any timing the first step's loss and gradients are compared in eval mode
(dropout off), so the two do the same work. There is no hand-written numpy version: the
yardstick here is PyTorch. Ours eager and ours compiled (``ta.compile`` of the same step on
a twin model with the same weights) alternate in one process, torch runs after them on its
own; medians. A compiled step that falls back to eager is reported as such, never as a
compiled time.

    python benchmarks/bench_transformer.py [--quick] [--json PATH]   # 1 BLAS thread, default
    python benchmarks/bench_transformer.py --threads 1         # just one of the two
    python benchmarks/bench_transformer.py --activation gelu   # one activation only
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# NOTE: BLAS reads its thread count when numpy loads, so each setting runs in its own
# process (see main): these imports come after the caller has set the variable.
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import tinygrad_acts as ta
from tinygrad_acts import nn, optim

from common import (
    alternate,
    blas_name,
    cpu_model,
    emit,
    machine,
    run_in_thread_settings,
    settle_compiled,
    try_compile,
    try_torch,
)

BATCH, SEQ, D_MODEL, HEADS, FF, LAYERS, CLASSES, LR = 32, 32, 64, 4, 256, 2, 10, 0.01


def encoder(module=nn, activation="relu"):
    """The model, in tinygrad_acts (module=nn) or torch (module=torch.nn): same code."""
    layer = module.TransformerEncoderLayer(D_MODEL, HEADS, FF, dropout=0.1, activation=activation,
                                           batch_first=True)
    return module.ModuleDict({
        "encoder": module.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False),
        "head": module.Linear(D_MODEL, CLASSES)})


def loss_of(lib, model, x, y):
    """The step's loss: the encoder, a mean over the sequence, the head, cross-entropy."""
    h = model["encoder"](x).mean(dim=1)
    return lib.nn.functional.cross_entropy(model["head"](h), y)


def batch() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return (rng.standard_normal((BATCH, SEQ, D_MODEL)).astype(np.float32),
            rng.integers(0, CLASSES, BATCH))


def step(lib, model, opt, x, y):
    """One training step on the batch (x, y), as a function of nothing (for ``alternate``)."""
    train = train_step(lib, model, opt)
    return lambda: train(x, y)


def train_step(lib, model, opt):
    """The training step, with the batch as its arguments (as ``ta.compile`` wants it)."""
    def run(x, y):
        opt.zero_grad()
        loss = loss_of(lib, model, x, y)
        loss.backward()
        opt.step()
    return run


def same_work(torch, ours, theirs, x, y) -> tuple[float, float]:
    """(|loss difference|, largest gradient difference relative to the largest gradient)
    between ours and torch on one batch from the same weights, in eval mode.

    NOTE: relative to the largest gradient of all, not each one's own: the key bias's
    gradient is 0 in exact arithmetic (softmax ignores a shift shared by a row), so its
    float32 values are rounding noise in both libraries."""
    ours.eval()
    theirs.eval()
    loss = loss_of(ta, ours, ta.from_numpy(x), ta.from_numpy(y))
    tloss = loss_of(torch, theirs, torch.from_numpy(x), torch.from_numpy(y))
    loss.backward()
    tloss.backward()
    named = dict(ours.named_parameters())
    pairs = [(named[k].grad.numpy(), p.grad.numpy()) for k, p in theirs.named_parameters()]
    scale = max(float(np.abs(g).max()) for _, g in pairs)
    worst = max(float(np.abs(a - g).max()) for a, g in pairs) / scale
    ours.train()
    theirs.train()
    ours.zero_grad()
    theirs.zero_grad()
    return abs(loss.item() - tloss.item()), worst


def measure(rounds: int, activation: str, json_path: str | None = None,
            quick: bool = False) -> None:
    """One thread setting (this process's) and activation: print a table row for it."""
    x, y = batch()
    ta.manual_seed(0)
    ours = encoder(nn, activation)
    twin = encoder(nn, activation)
    twin.load_state_dict({k: ta.tensor(np.array(v)) for k, v in ours.state_dict().items()})
    torch = try_torch()
    theirs = check = None
    if torch is not None:
        threads = os.environ.get("OPENBLAS_NUM_THREADS")
        if threads:
            torch.set_num_threads(int(threads))
        theirs = encoder(torch.nn, activation)
        theirs.load_state_dict({k: torch.from_numpy(np.array(v))
                                for k, v in ours.state_dict().items()})
        check = same_work(torch, ours, theirs, x, y)
    xs, ys = ta.from_numpy(x), ta.from_numpy(y)
    runs = {"ours": step(ta, ours, optim.SGD(ours.parameters(), lr=LR), xs, ys)}
    compiled = try_compile(ta, train_step(ta, twin, optim.SGD(twin.parameters(), lr=LR)))
    if compiled is not None:
        runs["compiled"] = lambda: compiled(xs, ys)
    med = alternate(runs, rounds, warmup=3)
    compiled_fields = settle_compiled(med, compiled)
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    line = f"{threads:<9}{activation:<6}{med['ours'] * 1e3:>10.2f}"
    if "compiled" in compiled_fields:
        line += f"{compiled_fields['compiled'] * 1e3:>10.2f}"
    else:
        line += f"{'eager' if compiled_fields else '-':>10}"
    if torch is not None and theirs is not None and check is not None:
        # NOTE: torch runs on its own, after ours: its OpenMP threads keep spinning after
        # each op and slow whatever runs in between (see bench_ch9.py).
        opt = torch.optim.SGD(theirs.parameters(), lr=LR)
        med.update(alternate({"torch": step(torch, theirs, opt, torch.from_numpy(x),
                                            torch.from_numpy(y))}, rounds, warmup=3))
        line += (f"{med['torch'] * 1e3:>10.2f}{med['ours'] / med['torch']:>11.2f}   (same "
                 f"batch and weights: loss diff {check[0]:.1e}, gradient diff "
                 f"{check[1]:.1e})")
    print(line, flush=True)
    if "compiled_eager" in compiled_fields:
        print(f"  compiled: ran eagerly: {compiled_fields['compiled_eager']}")
    emit(json_path, bench="transformer", label=f"transformer encoder, {LAYERS} layers, "
         f"d_model {D_MODEL}, {activation}, batch {BATCH} x {SEQ}", dtype="float32",
         unit="ms/step", rounds=rounds, quick=quick, **med, **compiled_fields)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--threads", choices=["1", "default", "both"], default="both",
                        help="BLAS threads: one, the library's default, or both (default)")
    parser.add_argument("--activation", choices=["relu", "gelu", "both"], default="both",
                        help="the feed-forward activation (default: both, one row each)")
    parser.add_argument("--json", help="append result rows to this file (for report.py)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    rounds = 3 if args.quick else 31
    if args.child:                       # the environment was set by the parent
        for activation in ["relu", "gelu"] if args.activation == "both" else [args.activation]:
            measure(rounds, activation, args.json, args.quick)
        return
    print(f"Transformer encoder training step: {LAYERS} layers, d_model {D_MODEL}, {HEADS} "
          f"heads, feed-forward {FF}, batch {BATCH} x seq {SEQ}, float32, forward + backward "
          f"+ SGD  [{machine().rsplit(', OPENBLAS', 1)[0]}, {cpu_model()}, {blas_name()}]")
    print(f"{'threads':<9}{'act':<6}{'ours ms':>10}{'comp ms':>10}"
          + (f"{'torch ms':>10}{'ours/torch':>11}" if try_torch() is not None else ""))
    child = ["--activation", args.activation] + (["--quick"] if args.quick else [])
    child += [f"--json={args.json}"] if args.json else []
    run_in_thread_settings(__file__, args.threads, child)


if __name__ == "__main__":
    main()
