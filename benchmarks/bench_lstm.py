"""The LSTM training step: tinygrad_acts against hand-written numpy (and the step compiler,
and PyTorch, when there).

nn.LSTM(32, H), a linear head on the last step's h, mean squared error, one SGD step, batch
32, float32, for (H, T) = (64, 32) and (128, 64). Ours is written as a PyTorch user writes
it; the numpy step is benchmarks/numpy_lstm.py (the same math and the same stable sigmoid,
by hand, with BPTT written out). All start from the same weights, and the first step's
loss and gradients are compared with numpy's before any timing. Steps alternate in one
process; medians. When the step compiler exists (``ta.compile``), the same step compiled on
a twin model is a third contender, whose weights must equal the eager model's bit for bit
after the timing; a compiled step that falls back to eager is reported as such, never as a
compiled time. PyTorch, when installed, is timed afterwards on its own; issue #16's
targets are ours/np <= 1.3 and ours/torch <= 2.

    python benchmarks/bench_lstm.py [--quick] [--json PATH]    # one BLAS thread, then default
    python benchmarks/bench_lstm.py --threads 1                # just one of the two
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

# NOTE: BLAS reads its thread count when numpy loads, so each setting runs in its own
# process (see main): these imports come after the caller has set the variable.
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from numpy_lstm import init_params, loss_and_grads, sgd_step

import tinygrad_acts as ta
from tinygrad_acts import nn, optim

from common import (
    alternate,
    blas_name,
    check_same_weights,
    compiled_cells,
    cpu_model,
    emit,
    machine,
    run_in_thread_settings,
    settle_compiled,
    try_compile,
    try_torch,
)

BATCH, INPUT, LR = 32, 32, 0.05
SIZES = [(64, 32), (128, 64)]  # (hidden, steps)


class Model:
    """LSTM + head, in tinygrad_acts (module=nn) or torch (module=torch.nn): same code."""

    def __init__(self, module, hidden: int):
        self.lstm, self.head = module.LSTM(INPUT, hidden), module.Linear(hidden, 1)

    def parameters(self):
        return [*self.lstm.parameters(), *self.head.parameters()]

    def load(self, params: dict, wrap) -> None:
        self.lstm.load_state_dict({k: wrap(v.copy()) for k, v in params.items()
                                   if not k.startswith("head.")})
        self.head.load_state_dict({"weight": wrap(params["head.weight"].copy()),
                                   "bias": wrap(params["head.bias"].copy())})

    def loss(self, x, y):
        out, _ = self.lstm(x)
        return ((self.head(out[-1]) - y) ** 2).mean()


def data(hidden: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return (rng.standard_normal((steps, BATCH, INPUT)).astype(np.float32),
            rng.standard_normal((BATCH, 1)).astype(np.float32))


def step(model, opt, x, y):
    """One training step on the batch (x, y), as a function of nothing (for ``alternate``)."""
    train = train_step(model, opt)
    return lambda: train(x, y)


def train_step(model, opt):
    """The training step, with the batch as its arguments (as ``ta.compile`` wants it)."""
    def run(x, y):
        opt.zero_grad()
        model.loss(x, y).backward()
        opt.step()
    return run


def framework_model(params: dict, hidden: int) -> Model:
    model = Model(nn, hidden)
    model.load(params, ta.tensor)
    return model


def same_work(model, params, x, y) -> tuple[float, float]:
    """(|loss difference|, largest gradient difference relative to its scale) between ours
    and the numpy step on the same batch and weights."""
    loss, grads = loss_and_grads(params, x, y)
    ours = model.loss(ta.from_numpy(x), ta.from_numpy(y))
    ours.backward()
    named = {**dict(model.lstm.named_parameters()),
             **{"head." + k: v for k, v in model.head.named_parameters()}}
    worst = max(float(np.abs(named[k].grad.numpy() - g).max() / (np.abs(g).max() + 1e-30))
                for k, g in grads.items())
    for p in model.parameters():
        p.grad = None
    return abs(float(ours.item()) - loss), worst


def measure(rounds: int, json_path: str | None = None, quick: bool = False) -> None:
    """One thread setting (this process's): a table row per size."""
    label = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    torch = try_torch()
    for hidden, steps in SIZES:
        x, y = data(hidden, steps)
        params = init_params(INPUT, hidden, seed=0)
        model = framework_model(params, hidden)
        loss_diff, grad_diff = same_work(model, params, x, y)
        xs, ys = ta.from_numpy(x), ta.from_numpy(y)
        runs = {"numpy": lambda p=params, x=x, y=y: sgd_step(p, x, y, LR),
                "ours": step(model, optim.SGD(model.parameters(), lr=LR), xs, ys)}
        twin = framework_model(init_params(INPUT, hidden, seed=0), hidden)
        compiled = try_compile(ta, train_step(twin, optim.SGD(twin.parameters(), lr=LR)))
        if compiled is not None:
            runs["compiled"] = lambda f=compiled, a=xs, b=ys: f(a, b)
        med = alternate(runs, rounds, warmup=3)
        compiled_fields = settle_compiled(med, compiled)
        if torch is not None:
            # NOTE: torch runs on its own, after numpy and ours: its OpenMP threads keep
            # spinning after each op and slow whatever runs in between (see bench_ch9.py).
            threads = os.environ.get("OPENBLAS_NUM_THREADS")
            if threads:
                torch.set_num_threads(int(threads))
            tmodel = Model(torch.nn, hidden)
            tmodel.load(init_params(INPUT, hidden, seed=0), torch.from_numpy)
            topt = torch.optim.SGD(tmodel.parameters(), lr=LR)
            med.update(alternate({"torch": step(tmodel, topt, torch.from_numpy(x),
                                                torch.from_numpy(y))}, rounds, warmup=2))
        line = (f"{label:<9}{f'H={hidden} T={steps}':<14}{med['numpy'] * 1e3:>10.2f}"
                f"{med['ours'] * 1e3:>10.2f}{med['ours'] / med['numpy']:>9.3f}"
                + compiled_cells(compiled_fields, med["numpy"]))
        line += (f"{med['torch'] * 1e3:>10.2f}{med['torch'] / med['numpy']:>9.3f}"
                 f"{med['ours'] / med['torch']:>11.2f}"
                 if "torch" in med else f"{'-':>10}{'-':>9}{'-':>11}")
        print(line + f"   (loss diff {loss_diff:.1e}, gradient diff {grad_diff:.1e})",
              flush=True)
        if "compiled_eager" in compiled_fields:
            print(f"  compiled: ran eagerly: {compiled_fields['compiled_eager']}")
        check_same_weights("bench_lstm", model, twin, compiled_fields)
        emit(json_path, bench="lstm", label=f"LSTM, hidden {hidden}, {steps} steps, batch "
             f"{BATCH}", dtype="float32", unit="ms/step", rounds=rounds, quick=quick, **med,
             **compiled_fields)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--threads", choices=["1", "default", "both"], default="both",
                        help="BLAS threads: one, the library's default, or both (default)")
    parser.add_argument("--json", help="append result rows to this file (for report.py)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    rounds = 3 if args.quick else 21
    if args.child:                       # the environment was set by the parent
        measure(rounds, args.json, args.quick)
        return
    print(f"LSTM training step, batch {BATCH}, input {INPUT}, float32, forward + BPTT + SGD  "
          f"[{machine().rsplit(', OPENBLAS', 1)[0]}, {cpu_model()}, {blas_name()}]")
    print(f"{'threads':<9}{'size':<14}{'numpy ms':>10}{'ours ms':>10}{'ours/np':>9}"
          f"{'comp ms':>10}{'comp/np':>9}"
          + (f"{'torch ms':>10}{'torch/np':>9}{'ours/torch':>11}"
             if importlib.util.find_spec("torch") else ""))
    child = (["--quick"] if args.quick else []) + ([f"--json={args.json}"] if args.json else [])
    run_in_thread_settings(__file__, args.threads, child)


if __name__ == "__main__":
    main()
