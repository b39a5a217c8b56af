"""Per-op overhead: forward + backward of each activation and basic op on a 1-element
tensor, against the same math written by hand in numpy (and PyTorch when installed).

    python benchmarks/bench_ops.py [--quick]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import tinygrad_acts as ta

from common import alternate, machine, ratio_row, try_torch

# name -> (framework fn of x, hand-written numpy forward+backward of x). The hand-written
# versions use the same output-based rules, so the ratio is pure framework overhead.
ONE = np.ones(1)


def _hand(forward, backward, saves="output"):
    def run(x):
        y = forward(x)
        return backward(np.ones_like(y), y if saves == "output" else x)
    return run


def framework_cases():
    cases = {}
    for name, spec in ta.activations.items():
        kw = {"pieces": 1} if name == "maxout" else {}
        cases[f"act {name}"] = (lambda x, s=spec, kw=kw: s(x, **kw),
                                _hand(lambda a, s=spec, kw=kw: s.forward(a, **{**s.params, **kw}),
                                      lambda g, v, s=spec, kw=kw: s.backward(g, v, **{**s.params,
                                                                                    **kw}),
                                      spec.saves))
    w_np = np.full(1, 0.3, dtype=np.float32)
    w_ta = ta.tensor(w_np)
    cases["op mul"] = (lambda x, w=w_ta: x * w, lambda x: (x * w_np, ONE * w_np))
    cases["op add"] = (lambda x: x + 1.0, lambda x: (x + 1.0, ONE))
    cases["op exp"] = (lambda x: x.exp(), lambda x: (lambda y: (y, ONE * y))(np.exp(x)))
    cases["op sum"] = (lambda x: x.sum(), lambda x: (x.sum(), np.full(x.shape, 1.0)))
    eye_np = np.ones((1, 1), dtype=np.float32)
    eye_ta = ta.tensor(eye_np)
    cases["op matmul"] = (lambda x, w=eye_ta: x @ w, lambda x, w=eye_np: (x @ w, ONE @ w.T))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    rounds, number = (3, 200) if args.quick else (15, 2000)
    torch = try_torch()
    print(f"per-op overhead, 1-element float32 tensor, forward + backward  [{machine()}]")
    print(f"{'op':<18}{'numpy µs':>10}{'ours µs':>10}{'ours/np':>9}"
          + (f"{'torch µs':>10}{'torch/ours':>11}" if torch else ""))
    xs = np.array([0.5], dtype=np.float32)
    for name, (ours, hand) in framework_cases().items():
        x = ta.tensor(xs, requires_grad=True)

        def run_ours(x=x, ours=ours):
            x.grad = None
            ours(x).backward()

        contenders = {"numpy": lambda hand=hand: hand(xs), "ours": run_ours}
        if torch is not None:
            t = torch.tensor(xs, requires_grad=True)
            tfn = TORCH.get(name)
            if tfn is not None:
                def run_torch(t=t, tfn=tfn):
                    t.grad = None
                    tfn(torch, t).backward()
                contenders["torch"] = run_torch
        print(ratio_row(name, alternate(contenders, rounds, number), 1e6))

    # The 3-op chain: x*w -> tanh -> sum.
    x = ta.tensor(xs, requires_grad=True)
    w = ta.tensor(np.array([0.3], np.float32), requires_grad=True)

    def chain_ours():
        x.grad = w.grad = None
        (x * w).tanh().sum().backward()

    wn = np.array([0.3], np.float32)

    def chain_np():
        h = xs * wn
        y = np.tanh(h)
        s = y.sum()
        gy = np.ones_like(y) * np.ones_like(s)
        gh = gy * (1 - y * y)
        return gh * wn, gh * xs, s

    contenders = {"numpy": chain_np, "ours": chain_ours}
    if torch is not None:
        tx = torch.tensor(xs, requires_grad=True)
        tw = torch.tensor(wn, requires_grad=True)

        def chain_torch():
            tx.grad = tw.grad = None
            (tx * tw).tanh().sum().backward()
        contenders["torch"] = chain_torch
    print(ratio_row("chain x*w,tanh,sum", alternate(contenders, rounds, number), 1e6))


TORCH = {
    "act relu": lambda torch, t: torch.relu(t),
    "act leaky_relu": lambda torch, t: torch.nn.functional.leaky_relu(t, 0.01),
    "act sigmoid": lambda torch, t: torch.sigmoid(t),
    "act tanh": lambda torch, t: torch.tanh(t),
    "act softmax": lambda torch, t: torch.softmax(t, -1),
    "act log_softmax": lambda torch, t: torch.log_softmax(t, -1),
    "act elu": lambda torch, t: torch.nn.functional.elu(t),
    "act softplus": lambda torch, t: torch.nn.functional.softplus(t),
    "act silu": lambda torch, t: torch.nn.functional.silu(t),
    "act gelu": lambda torch, t: torch.nn.functional.gelu(t),
    "act hardtanh": lambda torch, t: torch.nn.functional.hardtanh(t),
    "op mul": lambda torch, t: t * torch.tensor([0.3]),
    "op add": lambda torch, t: t + 1.0,
    "op exp": lambda torch, t: t.exp(),
    "op sum": lambda torch, t: t.sum(),
    "op matmul": lambda torch, t: t @ torch.ones(1, 1),
}

if __name__ == "__main__":
    main()
