"""Helpers shared by the test modules (``from helpers import meta_model, ...``; pytest puts
``tests/`` on ``sys.path``)."""
from __future__ import annotations

import io
import pickle
import struct
from pathlib import Path

import numpy as np
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


# ---- CIFAR-10 in its official on-disk format, tiny (load with verify_md5=False) ----------------

CIFAR_FILES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]
LABEL_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


class _Py2Pickler(pickle._Pickler):
    """Writes ``str`` and ``bytes`` as Python 2 strings, as the official CIFAR-10 pickles
    (made with Python 2) store them: they load with ``encoding="latin1"`` (torchvision) as
    ``str`` keys and with ``encoding="bytes"`` (the dataset page's snippet) as ``b"data"``."""

    dispatch = pickle._Pickler.dispatch.copy()

    def _save_py2_string(self, obj):
        raw = obj.encode("latin1") if isinstance(obj, str) else bytes(obj)
        if len(raw) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(raw)]) + raw)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(raw)) + raw)
        self.memoize(obj)

    dispatch[str] = _save_py2_string
    dispatch[bytes] = _save_py2_string


def dump_py2_pickle(obj, path):
    buf = io.BytesIO()
    _Py2Pickler(buf, protocol=2).dump(obj)
    path.write_bytes(buf.getvalue())


def write_fake_cifar10(root, n_per_batch=4, seed=0):
    """Tiny CIFAR-10 in the official python format; returns {file name: (data, labels)}."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    written = {}
    for name in CIFAR_FILES[:-1]:
        x = rng.integers(0, 256, size=(n_per_batch, 3072), dtype=np.uint8)
        y = [int(v) for v in rng.integers(0, 10, size=n_per_batch)]
        dump_py2_pickle({"batch_label": name, "data": x, "labels": y,
                   "filenames": [f"{name}_{i}.png" for i in range(n_per_batch)]}, folder / name)
        written[name] = (x, y)
    dump_py2_pickle({"label_names": LABEL_NAMES, "num_cases_per_batch": n_per_batch, "num_vis": 3072},
              folder / "batches.meta")
    return written


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
