"""Memory soak: does resident memory stay flat over 10,000 training steps?

The network is the book's chapter-9 one (784 -> 100 tanh -> dropout -> 10, softmax +
cross-entropy, no biases, SGD), trained on 1,000 fixed synthetic images (labelled by a
random linear map, so the loss falls) so the run needs no download. A graph that leaked
(a reference cycle, a saved array kept alive, a gradient that grows a history) would show
as steady growth after the warm-up.

    python benchmarks/memory_soak.py                 # 10,000 steps, prints the numbers
    python benchmarks/memory_soak.py --steps 2000    # quicker

The cycle collector is left as Python leaves it; tests/test_memory.py checks separately
that it never has anything to collect after a training step.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn, optim

LIMIT_MB = 5.0


def rss_mb() -> float | None:
    """Resident set size of this process in MB (Linux /proc), or None if unreadable."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def chapter9_network() -> nn.Module:
    net = nn.Sequential(nn.Linear(784, 100, bias=False), nn.Tanh(), nn.Dropout(0.5),
                        nn.Linear(100, 10, bias=False))
    with ta.no_grad():   # the book's initialisation
        net[0].weight[...] = ta.rand(100, 784) * 0.02 - 0.01
        net[3].weight[...] = ta.rand(10, 100) * 0.2 - 0.1
    return net


def soak(steps: int = 10_000, warmup: int = 1_000, batch: int = 100,
         report_every: int = 1_000) -> dict | None:
    """Train for ``steps`` steps; return RSS after warm-up, at the end, the peak after the
    warm-up and the growth (peak - after warm-up), all in MB; None without /proc."""
    if rss_mb() is None:
        return None
    ta.manual_seed(0)
    rng = np.random.default_rng(0)
    images = rng.random((1_000, 784), dtype=np.float32)
    labels = (images @ rng.standard_normal((784, 10))).argmax(axis=1)  # learnable labels
    model = chapter9_network()
    opt = optim.SGD(model.parameters(), lr=0.1)
    base = peak = None
    start = time.perf_counter()
    for step in range(1, steps + 1):
        rows = slice((step * batch) % 1_000, (step * batch) % 1_000 + batch)
        opt.zero_grad()
        loss = F.cross_entropy(model(ta.tensor(images[rows])), ta.tensor(labels[rows]))
        loss.backward()
        opt.step()
        if step == warmup:
            base = peak = rss_mb()
        elif step > warmup:
            peak = max(peak, rss_mb())
        if report_every and step % report_every == 0:
            print(f"step {step:6d}  loss {loss.item():.4f}  rss {rss_mb():8.2f} MB")
    return {"steps": steps, "warmup": warmup, "rss_after_warmup_mb": base,
            "rss_end_mb": rss_mb(), "rss_peak_mb": peak, "growth_mb": peak - base,
            "seconds": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--warmup", type=int, default=1_000)
    args = parser.parse_args()
    result = soak(args.steps, min(args.warmup, args.steps))
    if result is None:
        print("memory_soak: cannot read resident memory (/proc/self/statm) on this platform")
        return
    verdict = "flat" if result["growth_mb"] < LIMIT_MB else "GROWING"
    print(f"\n{result['steps']} steps in {result['seconds']:.1f} s")
    print(f"RSS after {result['warmup']} warm-up steps: {result['rss_after_warmup_mb']:.2f} MB")
    print(f"RSS at the end:                   {result['rss_end_mb']:.2f} MB")
    print(f"peak RSS after warm-up:           {result['rss_peak_mb']:.2f} MB")
    print(f"growth after warm-up:             {result['growth_mb']:.2f} MB "
          f"(limit {LIMIT_MB} MB): {verdict}")
    if verdict != "flat":
        raise SystemExit(1)


if __name__ == "__main__":
    main()
