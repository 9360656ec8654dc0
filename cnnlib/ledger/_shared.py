"""Helpers the topic modules of the ledger share: zoo networks and their summaries on the meta
device (shapes only: no memory, no initialisation), cached because many claims read the same
network."""
from __future__ import annotations

import functools
from typing import Any, Callable, Iterable

from cnnlib.ledger import LedgerError


@functools.lru_cache(maxsize=None)
def meta_model(name: str, **kwargs: Any):
    """Zoo model ``name`` on the meta device (cached: treat it as read-only)."""
    from cnnlib.costs import meta_model as build

    return build(name, **kwargs)


def meta_summary(name: str, size: int = 224):
    """``cnnlib.summarize`` of zoo model ``name`` on a ``3 x size x size`` input (cached)."""
    from cnnlib.costs import meta_summary as summary

    return summary(name, size)


def on_meta(build: Callable[[], Any]) -> Any:
    """``build()`` with the meta device as default: a network built for its shapes only."""
    import torch

    with torch.device("meta"):
        return build()


def only(values: Iterable, what: str):
    """The one value all the measured layers share (a slide states one value for all)."""
    values = set(values)
    if len(values) != 1:
        raise LedgerError(f"several {what}: {sorted(values)}")
    return values.pop()
