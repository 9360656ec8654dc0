"""A toy neural architecture search: a search space, random sampling, training, a Pareto front.

* :class:`SearchSpace` -- networks of a few blocks, each picking a width, a kernel and residual
  or not; :meth:`SearchSpace.size` counts the architectures.
* :func:`sample_architectures`, :func:`random_search` -- draw candidates and train each briefly
  (:class:`~cnnlib.models.tinynet.TinyNet`); :class:`Candidate` holds the result.
* :func:`pareto_front` -- the candidates no other one beats on cost and accuracy.
* :func:`mnas_reward` -- MnasNet's objective ``ACC(m) * [LAT(m) / T]^w`` (Tan et al. 2018,
  arXiv:1807.11626, Eq. 2).

Figures of all this are in :mod:`cnnlib.figures.search`.
"""
from __future__ import annotations

import itertools
import random
import time
from dataclasses import dataclass
from typing import Iterable, Sequence

import torch

from cnnlib.checks import positive_int
from cnnlib.models.tinynet import BlockSpec, TinyNet
from cnnlib.summary import summarize

__all__ = ["SearchSpace", "sample_architectures", "Candidate", "random_search", "pareto_front",
           "mnas_reward"]


@dataclass(frozen=True)
class SearchSpace:
    """Networks of ``depth`` blocks; each block picks a width, a kernel and residual or not."""

    depths: tuple[int, ...] = (1, 2, 3)
    widths: tuple[int, ...] = (8, 16, 32)
    kernels: tuple[int, ...] = (3, 5)
    residual: tuple[bool, ...] = (False, True)
    per_block: bool = True  # False: one choice shared by all blocks of a network

    def __post_init__(self) -> None:
        for name in ("depths", "widths", "kernels", "residual"):
            values = getattr(self, name)
            if not values:
                raise ValueError(f"{name} is empty: give at least one option")
            if len(set(values)) != len(values):
                raise ValueError(f"{name} has repeated options: {values}")
        for name in ("depths", "widths", "kernels"):
            bad = [v for v in getattr(self, name) if not isinstance(v, int) or v < 1]
            if bad:
                raise ValueError(f"{name} must be positive integers, got {bad}")
        if any(k % 2 == 0 for k in self.kernels):
            raise ValueError(f"kernels must be odd (same padding), got {self.kernels}")

    @property
    def block_choices(self) -> int:
        return len(self.widths) * len(self.kernels) * len(self.residual)

    def size(self) -> int:
        """Number of distinct architectures: sum over depths d of choices^d (per block), or
        |depths| x choices (shared)."""
        if self.per_block:
            return sum(self.block_choices ** d for d in self.depths)
        return len(self.depths) * self.block_choices

    def all_blocks(self) -> list[BlockSpec]:
        return [BlockSpec(w, k, r) for w, k, r in
                itertools.product(self.widths, self.kernels, self.residual)]


def sample_architectures(space: SearchSpace, n: int, *, seed: int = 0) -> list[tuple[BlockSpec, ...]]:
    """``n`` distinct architectures drawn uniformly: a depth, then each block's options (one
    shared choice when ``space.per_block`` is False)."""
    n = positive_int("n", n)
    if n > space.size():
        raise ValueError(f"the space holds only {space.size()} architectures; asked for {n}")
    rng = random.Random(seed)
    blocks = space.all_blocks()
    found: dict[tuple[BlockSpec, ...], None] = {}
    while len(found) < n:
        d = rng.choice(space.depths)
        arch = (tuple(rng.choice(blocks) for _ in range(d)) if space.per_block
                else (rng.choice(blocks),) * d)
        found.setdefault(arch, None)
    return list(found)


@dataclass
class Candidate:
    arch: tuple[BlockSpec, ...]
    params: int
    macs: int
    val_acc: float
    seconds: float

    @property
    def name(self) -> str:
        return "-".join(str(b) for b in self.arch)


def random_search(space: SearchSpace, n: int, train_data: Iterable, val_data: Iterable, *,
                  input_size: tuple[int, int, int], num_classes: int = 10, epochs: int = 1,
                  lr: float = 3e-3, optimizer: str = "adamw", seed: int = 0,
                  max_steps_per_epoch: int | None = None, device: str | None = "cpu") -> list[Candidate]:
    """Sample ``n`` architectures, train each briefly with :func:`cnnlib.train.fit` (same seed,
    same schedule) and record its parameters, MACs (:func:`cnnlib.summarize`) and final
    validation accuracy."""
    from cnnlib.train import fit

    out = []
    for arch in sample_architectures(space, n, seed=seed):
        torch.manual_seed(seed)
        model = TinyNet(arch, in_channels=input_size[0], num_classes=num_classes)
        table = summarize(model, input_size)
        start = time.perf_counter()
        history = fit(model, train_data, val_data, epochs=epochs, lr=lr, optimizer=optimizer,
                      seed=seed, progress=False, max_steps_per_epoch=max_steps_per_epoch,
                      device=device)
        out.append(Candidate(arch, table.total_params, table.total_macs, history.val_acc[-1],
                             time.perf_counter() - start))
    return out


def pareto_front(costs: Sequence[float], scores: Sequence[float]) -> list[int]:
    """Indices of the points no other point beats (cost <= and score >=, one strictly), sorted
    by cost."""
    if len(costs) != len(scores):
        raise ValueError(f"costs and scores differ in length: {len(costs)} vs {len(scores)}")
    front = []
    for i, (c, s) in enumerate(zip(costs, scores)):
        dominated = any(c2 <= c and s2 >= s and (c2 < c or s2 > s)
                        for j, (c2, s2) in enumerate(zip(costs, scores)) if j != i)
        if not dominated:
            front.append(i)
    return sorted(front, key=lambda i: (costs[i], -scores[i]))


def mnas_reward(acc: float, latency: float, target: float, *, alpha: float = -0.07,
                beta: float = -0.07) -> float:
    """``acc * (latency / target) ** w`` with ``w = alpha`` if latency <= target else ``beta``
    (Tan et al. 2018, Eq. 2; the paper's soft constraint is alpha = beta = -0.07)."""
    if latency <= 0 or target <= 0:
        raise ValueError(f"latency and target must be positive, got {latency}, {target}")
    if not 0 <= acc <= 1:
        raise ValueError(f"acc is a fraction in [0, 1], got {acc}")
    w = alpha if latency <= target else beta
    return acc * (latency / target) ** w
