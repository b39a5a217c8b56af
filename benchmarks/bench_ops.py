"""Per-op overhead: forward + backward of each activation and basic op on a 1-element
tensor, against the same math written by hand in numpy (and PyTorch when installed).

The ``ours-np`` column is the framework's cost over the op's own numpy math (issue 17's
target: within 3 µs for every registered activation). The last rows count the tensor
creation a user writes (``x = ta.tensor([0.5], requires_grad=True)``) inside the timing:
tanh forward + backward (target 8 µs) and the chain x*w -> tanh -> sum (target 15 µs).

    python benchmarks/bench_ops.py [--quick] [--json PATH]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import tinygrad_acts as ta

from common import alternate, emit, machine, ratio_row, try_torch

TARGETS = {"activation over its numpy math": 3.0, "tanh with creation": 8.0,
           "chain with creation": 15.0}  # µs, issue 17

# name -> (framework fn of x, hand-written numpy forward+backward of x). The hand-written
# versions use the same output-based rules, so the ratio is pure framework overhead.
ONE = np.ones(1)


def _hand(spec, params):
    """The activation's own numpy math: its registered forward and backward functions,
    called directly on the array with the upstream gradient of ones."""
    forward, backward, saves_output = spec.forward, spec.backward, spec.saves == "output"

    def run(x):
        y = forward(x, **params)
        return backward(np.ones_like(y), y if saves_output else x, **params)
    return run


def framework_cases():
    cases = {}
    for name, spec in ta.activations.items():
        kw = {"pieces": 1} if name == "maxout" else {}
        cases[f"act {name}"] = (lambda x, s=spec, kw=kw: s(x, **kw),
                                _hand(spec, {**spec.params, **kw}))
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
    parser.add_argument("--json", help="append result rows to this file (for report.py)")
    args = parser.parse_args()
    rounds, number = (3, 200) if args.quick else (15, 2000)
    torch = try_torch()
    if torch is not None:
        # NOTE: one thread: a 1-element op has nothing to share, and idle OpenMP workers
        # keep spinning and slow whatever runs next (see bench_ch9.py)
        torch.set_num_threads(1)
    print(f"per-op overhead, 1-element float32 tensor, forward + backward, medians of "
          f"thread CPU time  [{machine()}]")
    print(f"{'op':<22}{'numpy µs':>10}{'ours µs':>10}{'ours/np':>9}"
          + (f"{'torch µs':>10}{'torch/ours':>11}" if torch else "") + f"{'ours-np µs':>12}")
    xs = np.array([0.5], dtype=np.float32)
    worst = ("", -1.0)
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
        med = alternate(contenders, rounds, number, clock=time.thread_time)
        over = (med["ours"] - med["numpy"]) * 1e6
        if name.startswith("act ") and over > worst[1]:
            worst = (name[4:], over)
        print(ratio_row(name, med, 1e6, width=22) + f"{over:>12.2f}")
        emit(args.json, bench="ops", label=name, unit="µs", rounds=rounds, quick=args.quick,
             **med)
    created = creation_cases(torch, rounds, number)
    for name, med in created.items():
        print(ratio_row(name, med, 1e6, width=22) + f"{(med['ours'] - med['numpy']) * 1e6:>12.2f}")
        emit(args.json, bench="ops", label=name, unit="µs", rounds=rounds, quick=args.quick,
             **med)
    print(f"\nissue 17's targets: the worst activation over its numpy math is {worst[0]}, "
          f"{worst[1]:.2f} µs (target {TARGETS['activation over its numpy math']:.0f})")
    for name, med in created.items():
        ours, target = med["ours"] * 1e6, TARGETS[name]
        print(f"{name}: {ours:.2f} µs (target {target:.0f}): "
              f"{'met' if ours <= target else 'not met'}")


def creation_cases(torch, rounds: int, number: int) -> dict[str, dict[str, float]]:
    """The two timings that count ``ta.tensor(..., requires_grad=True)``, as a user writes
    it: tanh forward + backward, and the chain x*w -> tanh -> sum."""
    w = ta.tensor(np.array([0.3], np.float32), requires_grad=True)
    wn = np.array([0.3], np.float32)

    def tanh_ours():
        ta.tensor([0.5], requires_grad=True).tanh().backward()

    def tanh_np():
        x = np.array([0.5], np.float32)
        y = np.tanh(x)
        return np.ones_like(y) * (1 - y * y)

    def chain_ours():
        w.grad = None
        x = ta.tensor([0.5], requires_grad=True)
        (x * w).tanh().sum().backward()

    def chain_np():
        x = np.array([0.5], np.float32)
        h = x * wn
        y = np.tanh(h)
        s = y.sum()
        gy = np.ones_like(y) * np.ones_like(s)
        gh = gy * (1 - y * y)
        return gh * wn, gh * x, s

    tanh = {"numpy": tanh_np, "ours": tanh_ours}
    chain = {"numpy": chain_np, "ours": chain_ours}
    if torch is not None:
        tw = torch.tensor(wn, requires_grad=True)

        def tanh_torch():
            torch.tensor([0.5], requires_grad=True).tanh().backward()

        def chain_torch():
            tw.grad = None
            ((torch.tensor([0.5], requires_grad=True) * tw).tanh().sum()).backward()
        tanh["torch"], chain["torch"] = tanh_torch, chain_torch
    return {"tanh with creation": alternate(tanh, rounds, number, clock=time.thread_time),
            "chain with creation": alternate(chain, rounds, number, clock=time.thread_time)}


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
