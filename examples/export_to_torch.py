"""Can a model trained here move to PyTorch when I outgrow this framework?

Yes: the layers have PyTorch's names and layouts (``0.weight`` is (out, in)), so a
``state_dict`` saved with ``ta.save`` loads into the same ``torch.nn`` architecture and
gives the same predictions. This script trains a small ReLU network with Adam on a
three-armed spiral (a classic 2-D toy problem), saves it, loads the file into
``torch.nn.Sequential`` and compares the outputs on every point.

    python examples/export_to_torch.py
"""
from __future__ import annotations

import os
import tempfile

import numpy as np

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn, optim


def spiral(points_per_class: int = 100, classes: int = 3, seed: int = 0
           ) -> tuple[np.ndarray, np.ndarray]:
    """Points on ``classes`` interleaved spiral arms, with a little noise."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for k in range(classes):
        r = np.linspace(0.0, 1.0, points_per_class)
        theta = np.linspace(k * 4.0, (k + 1) * 4.0, points_per_class)
        theta += rng.normal(0, 0.2, points_per_class)
        xs.append(np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1))
        ys.append(np.full(points_per_class, k))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys)


def make_model() -> nn.Sequential:
    return nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                         nn.Linear(64, 3))


def train(x: np.ndarray, y: np.ndarray, steps: int = 300) -> nn.Sequential:
    ta.manual_seed(0)
    model = make_model()
    opt = optim.Adam(model.parameters(), lr=0.01)
    inputs = ta.tensor(x)
    for _ in range(steps):
        loss = F.cross_entropy(model(inputs), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


def main() -> float | None:
    x, y = spiral()
    model = train(x, y)
    with ta.no_grad():
        ours = model(ta.tensor(x)).numpy()
    print(f"Trained here: {model.num_parameters():,} parameters, training accuracy "
          f"{(ours.argmax(1) == y).mean():.1%} on {len(x)} spiral points.")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "spiral.npz")
        ta.save(model.state_dict(), path)
        saved = ta.load(path)
    print(f"Saved with ta.save and read back with ta.load: {', '.join(saved)}")

    try:
        import torch
    except ImportError:
        print("PyTorch is not installed, so the export half is skipped "
              "(pip install torch to run it).")
        return None
    torch_model = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.ReLU(),
                                      torch.nn.Linear(64, 64), torch.nn.ReLU(),
                                      torch.nn.Linear(64, 3))
    # ta.load gives Tensors, as torch.load does; .numpy() shares their memory with torch
    state = {name: torch.from_numpy(tensor.numpy()) for name, tensor in saved.items()}
    torch_model.load_state_dict(state)  # strict: every key and shape must match
    with torch.no_grad():
        theirs = torch_model(torch.from_numpy(x)).numpy()
    diff = float(np.abs(ours - theirs).max())
    same = int((ours.argmax(1) == theirs.argmax(1)).sum())
    print(f"Loaded into torch.nn.Sequential (PyTorch {torch.__version__}): "
          f"the same class for {same}/{len(x)} points, largest score difference {diff:.1e}.")
    return diff


if __name__ == "__main__":
    main()
