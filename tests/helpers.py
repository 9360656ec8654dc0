"""Helpers shared by the test modules (``from helpers import meta_model, ...``; pytest puts
``tests/`` on ``sys.path``)."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torchvision
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from cnnlib import synthetic
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


# ---- CIFAR-10 in its official on-disk format, tiny (load with verify_md5=False) ----------------

CIFAR_FILES = list(synthetic.CIFAR10_FILES)
LABEL_NAMES = list(synthetic.CIFAR10_LABEL_NAMES)
dump_py2_pickle = synthetic.dump_py2_pickle


def write_fake_cifar10(root, n_per_batch=4, seed=0):
    """Tiny CIFAR-10 in the official python format; returns {file name: (data, labels)}."""
    return synthetic.write_cifar10(root, images_per_file=n_per_batch, seed=seed)


def live_processes() -> list[dict]:
    """Every live (not zombie) process: pid, ppid, comm, command line."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        comm, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
        if rest[0] != "Z":
            found.append({"pid": int(entry.name), "ppid": int(rest[1]), "comm": comm, "cmdline": cmdline})
    return found
