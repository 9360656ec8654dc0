"""Random images in the real on-disk formats of CIFAR-10 and MNIST.

They go through the same loaders, transforms and training loop as the real files, so a
size of an experiment can be run, timed or tested without downloading anything:

    from cnnlib import experiments, synthetic
    synthetic.write_cifar10("fake-data")                    # 60,000 random 32x32 images
    experiments.degradation("gpu", root="fake-data", verify_md5=False, dry_run=True)

The pixels and labels are random: what trains on them learns nothing. The files pass
torchvision's format checks but not its MD5 check, so load them with ``verify_md5=False``
(:func:`cnnlib.data.cifar10`); nothing in ``cnnlib`` ever reads them in place of the real
data unless given their folder.
"""
from __future__ import annotations

import io
import os
import pickle
import struct
from pathlib import Path

import numpy as np

__all__ = ["CIFAR10_LABEL_NAMES", "CIFAR10_FILES", "write_cifar10", "write_mnist",
           "dump_py2_pickle"]

#: The class names of ``batches.meta``, in label order.
CIFAR10_LABEL_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                       "ship", "truck")
#: The files of ``cifar-10-batches-py/``: five training batches, the test batch, the metadata.
CIFAR10_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch", "batches.meta")


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


def dump_py2_pickle(obj, path: str | os.PathLike) -> None:
    """Pickle ``obj`` to ``path`` (protocol 2, strings as Python 2 strings)."""
    buf = io.BytesIO()
    _Py2Pickler(buf, protocol=2).dump(obj)
    Path(path).write_bytes(buf.getvalue())


def write_cifar10(root: str | os.PathLike, images_per_file: int = 10_000, seed: int = 0,
                  ) -> dict[str, tuple[np.ndarray, list[int]]]:
    """Write ``root/cifar-10-batches-py/`` with random images, as the official archive unpacks.

    Five training batches and a test batch of ``images_per_file`` images each (10,000: the
    true size), rows of 3,072 uint8 values (red, green, blue planes of 32x32), labels 0-9,
    and ``batches.meta``. Returns ``{file name: (data, labels)}`` of the six batches.
    """
    if images_per_file < 1:
        raise ValueError(f"images_per_file must be at least 1, got {images_per_file}")
    folder = Path(root).expanduser() / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    written = {}
    for name in CIFAR10_FILES[:-1]:
        x = rng.integers(0, 256, size=(images_per_file, 3072), dtype=np.uint8)
        y = [int(v) for v in rng.integers(0, 10, size=images_per_file)]
        dump_py2_pickle({"batch_label": name, "data": x, "labels": y,
                         "filenames": [f"{name}_{i}.png" for i in range(images_per_file)]},
                        folder / name)
        written[name] = (x, y)
    dump_py2_pickle({"label_names": list(CIFAR10_LABEL_NAMES),
                     "num_cases_per_batch": images_per_file, "num_vis": 3072},
                    folder / "batches.meta")
    return written


def write_mnist(root: str | os.PathLike, train_images: int = 60_000, test_images: int = 10_000,
                seed: int = 0) -> Path:
    """Write ``root/MNIST/raw/`` with random 28x28 digits in the idx format torchvision reads
    (the four uncompressed files; 60,000 and 10,000 images: the true sizes). Returns the
    folder."""
    if train_images < 1 or test_images < 1:
        raise ValueError(f"give at least one image per split, got {train_images} and {test_images}")
    raw = Path(root).expanduser() / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for split, n in (("train", train_images), ("t10k", test_images)):
        for kind, magic, shape, high in (("images-idx3", 2051, (n, 28, 28), 256),
                                         ("labels-idx1", 2049, (n,), 10)):
            a = rng.integers(0, high, size=shape, dtype=np.uint8)
            header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in a.shape)
            (raw / f"{split}-{kind}-ubyte").write_bytes(header + a.tobytes())
    return raw
