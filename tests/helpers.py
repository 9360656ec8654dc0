"""Helpers shared by the test modules (``from helpers import meta_model, ...``; pytest puts
``tests/`` on ``sys.path``)."""
from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from cnnlib.registry import get_model


def num_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def meta_model(name: str, **kwargs) -> nn.Module:
    """A zoo model on the meta device: shapes and counts without memory or time."""
    with torch.device("meta"):
        return get_model(name, **kwargs)


def torchvision_meta(name: str, **kwargs) -> nn.Module:
    """torchvision's model of that name, untrained, on the meta device (an outside oracle)."""
    with torch.device("meta"):
        return getattr(torchvision.models, name)(weights=None, **kwargs)


def flop_counter_macs(model: nn.Module, input_size: tuple[int, ...]) -> int:
    """Multiply-accumulates of one image by torch's own FlopCounterMode (FLOPs / 2)."""
    model.eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.empty(1, *input_size, device="meta"))
    return counter.get_total_flops() // 2


def require_sandbox() -> None:
    """Skip the calling test where bubblewrap cannot run (``.ci/run`` installs it, so `make
    test` never skips); the reason names what is missing."""
    from cnnlib.course.sandbox import SandboxUnavailable, check_sandbox

    try:
        check_sandbox()
    except SandboxUnavailable as exc:
        pytest.skip(f"needs the bubblewrap sandbox: {exc}")
