"""Datasets for the course: CIFAR-10, MNIST, Fashion-MNIST (torchvision) and offline digits.

The three torchvision datasets are loaded with torchvision's own classes, the standard
augmentation and the usual normalization constants. When their files are missing (and
``download`` is off or fails, e.g. without network) a :class:`DatasetUnavailableError` says
exactly which files to put where. Nothing here ever switches to other data silently: the
offline dataset, :func:`digits`, is only used when asked for by name.

:func:`digits` is scikit-learn's bundled 8x8 handwritten digits (1,797 images, 10 classes,
no download), upscaled so the CIFAR-sized networks of the zoo can train on it on a CPU in
seconds. The book uses it for everything that must run without a GPU or network.
"""
from __future__ import annotations

import functools
import os
import pickle
from pathlib import Path
from typing import Any, Sequence
from urllib.error import URLError

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, Subset, TensorDataset

__all__ = [
    "DatasetUnavailableError",
    "CIFAR10_MEAN", "CIFAR10_STD", "MNIST_MEAN", "MNIST_STD",
    "FASHION_MNIST_MEAN", "FASHION_MNIST_STD", "DATASETS",
    "cifar10", "mnist", "fashion_mnist", "digits", "digits_datasets", "dataloaders",
    "DeviceBatches", "device_dataloaders", "channel_stats",
]

# Per-channel mean and standard deviation of the 50,000 CIFAR-10 training images, pixels
# scaled to [0, 1]; the values used by Keller Jordan's airbench (arXiv:2404.00498) and
# its DAWNBench replication. (The (0.2023, 0.1994, 0.2010) "std" seen in many repositories
# is not the per-pixel standard deviation of the training set.) Recompute them with
# ``channel_stats(cifar10(augment=False, normalize=False))``.
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)
# MNIST: mean/std of the 60,000 training images in [0, 1], as in PyTorch's own MNIST
# example (pytorch/examples, mnist/main.py).
MNIST_MEAN = (0.1307,)
MNIST_STD = (0.3081,)
# Fashion-MNIST: the same statistic over its 60,000 training images (the widely used values;
# recompute with ``channel_stats``).
FASHION_MNIST_MEAN = (0.2860,)
FASHION_MNIST_STD = (0.3530,)

#: Names accepted by :func:`dataloaders`.
DATASETS = ("cifar10", "mnist", "fashion_mnist", "digits")


class DatasetUnavailableError(RuntimeError):
    """A dataset's files are missing or damaged and could not be downloaded."""


# --------------------------------------------------------------------------------------
# CIFAR-10
# --------------------------------------------------------------------------------------
_CIFAR10_DIR = "cifar-10-batches-py"
_CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_CIFAR10_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch", "batches.meta")


def _cifar10_class():
    from torchvision.datasets import CIFAR10

    return CIFAR10


@functools.lru_cache(maxsize=1)
def _cifar10_unverified_class():
    """torchvision's ``CIFAR10`` with its table of MD5 checksums replaced by ``None``.

    torchvision verifies every file's MD5 before loading and offers no switch for it. With
    ``md5=None`` its own ``check_integrity`` checks only that each file exists; loading,
    indexing and transforms are torchvision's code, unchanged. :func:`cifar10` uses this
    class only when called with ``verify_md5=False``, after checking the pickles'
    structure itself (see :func:`_check_cifar10_structure`).
    """
    CIFAR10 = _cifar10_class()

    class CIFAR10Unverified(CIFAR10):
        train_list = [[name, None] for name, _ in CIFAR10.train_list]
        test_list = [[name, None] for name, _ in CIFAR10.test_list]
        meta = {**CIFAR10.meta, "md5": None}

    return CIFAR10Unverified


def _cifar10_help(folder: Path, root: Path) -> str:
    return (
        "To fix this, do one of:\n"
        f"  * call again with download=True on a machine with internet access (it fetches "
        f"{_CIFAR10_URL} and extracts it into {str(root)!r});\n"
        f"  * download cifar-10-python.tar.gz yourself and extract it into {str(root)!r}, so "
        f"that {str(folder / 'data_batch_1')!r} exists (expected files in {str(folder)!r}: "
        f"{', '.join(_CIFAR10_FILES)});\n"
        "  * or, without network, use the offline dataset cnnlib.data.digits() "
        "(or dataloaders('digits', ...)), which needs no download."
    )


def _check_cifar10_structure(folder: Path) -> None:
    """Raise :class:`DatasetUnavailableError` unless the pickles look like CIFAR-10's."""
    for name in _CIFAR10_FILES:
        path = folder / name
        try:
            with open(path, "rb") as f:
                entry = pickle.load(f, encoding="latin1")
        except Exception as err:  # unreadable or not a pickle
            raise DatasetUnavailableError(f"{str(path)!r} is not a readable pickle: {err}") from err
        if not isinstance(entry, dict):
            raise DatasetUnavailableError(f"{str(path)!r} should hold a dict, got {type(entry).__name__}")
        if name == "batches.meta":
            names = entry.get("label_names")
            if not isinstance(names, list) or len(names) != 10:
                raise DatasetUnavailableError(
                    f"{str(path)!r} needs 'label_names', a list of the 10 class names"
                )
            continue
        data, labels = entry.get("data"), entry.get("labels")
        if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2
                and data.shape[1] == 3 * 32 * 32):
            raise DatasetUnavailableError(
                f"{str(path)!r}: 'data' must be a uint8 array of shape (N, 3072) "
                f"(N images of 3x32x32, channel-major), got "
                f"{getattr(data, 'dtype', type(data).__name__)} {getattr(data, 'shape', '')}"
            )
        if labels is None or len(labels) != data.shape[0] or not all(0 <= int(v) < 10 for v in labels):
            raise DatasetUnavailableError(
                f"{str(path)!r}: 'labels' must list {data.shape[0]} class indices in 0..9"
            )


def cifar10(
    root: str | os.PathLike = "data",
    train: bool = True,
    download: bool = False,
    augment: bool = True,
    *,
    normalize: bool = True,
    verify_md5: bool = True,
) -> Dataset:
    """CIFAR-10 (Krizhevsky 2009) through ``torchvision.datasets.CIFAR10``.

    ``augment`` (training split only) is the standard CIFAR augmentation of the ResNet paper
    (He et al. 2015, arXiv:1512.03385, Sec. 4.2): pad 4 pixels, random 32x32 crop, random
    horizontal flip. ``normalize`` subtracts :data:`CIFAR10_MEAN` and divides by
    :data:`CIFAR10_STD`. Files are expected in ``root/cifar-10-batches-py/``.

    ``verify_md5=True`` (default) keeps torchvision's check of each file against the
    official MD5 checksums. ``verify_md5=False`` checks the files' structure instead (dicts
    with ``data``: uint8 (N, 3072) and ``labels``) and then loads them with torchvision's
    code; use it only for files you made yourself, such as a test fixture.
    """
    from torchvision import transforms as T

    root = Path(root).expanduser().resolve()
    folder = root / _CIFAR10_DIR
    CIFAR10 = _cifar10_class()
    cls = CIFAR10 if verify_md5 else _cifar10_unverified_class()

    steps: list[Any] = []
    if augment and train:
        steps += [T.RandomCrop(32, padding=4), T.RandomHorizontalFlip()]
    steps.append(T.ToTensor())
    if normalize:
        steps.append(T.Normalize(CIFAR10_MEAN, CIFAR10_STD))
    transform = T.Compose(steps)

    if download:
        try:
            # torchvision's download() skips the fetch when the files are already there.
            return cls(str(root), train=train, transform=transform, download=True)
        except (URLError, OSError, RuntimeError) as err:
            present = all((folder / n).is_file() for n in _CIFAR10_FILES)
            why = (" The files in that folder exist but failed the integrity check, so it tried "
                   "to download them again." if present else "")
            raise DatasetUnavailableError(
                f"CIFAR-10 download failed ({type(err).__name__}: {err}).{why}\n"
                + _cifar10_help(folder, root)
            ) from err

    missing = [n for n in _CIFAR10_FILES if not (folder / n).is_file()]
    if missing:
        raise DatasetUnavailableError(
            f"CIFAR-10 not found: {str(folder)!r} lacks {', '.join(missing)} "
            "(and download=False).\n" + _cifar10_help(folder, root)
        )
    if not verify_md5:
        _check_cifar10_structure(folder)
    try:
        return cls(str(root), train=train, transform=transform, download=False)
    except RuntimeError as err:
        if not verify_md5:
            raise
        from torchvision.datasets.utils import check_integrity

        table = CIFAR10.train_list + CIFAR10.test_list + [[CIFAR10.meta["filename"], CIFAR10.meta["md5"]]]
        bad = [name for name, md5 in table if not check_integrity(str(folder / name), md5)]
        raise DatasetUnavailableError(
            f"CIFAR-10 files are in {str(folder)!r} but {', '.join(bad) or 'some'} do not match "
            "the official MD5 checksums (a partial or corrupted download, or not the official "
            "files). Delete the folder and download again. Only for files you made yourself "
            "(e.g. a test fixture) pass verify_md5=False."
        ) from err


# --------------------------------------------------------------------------------------
# MNIST and Fashion-MNIST
# --------------------------------------------------------------------------------------
_MNIST_RAW = (
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
)


def _mnist_like(
    cls_name: str, title: str, mean: tuple[float, ...], std: tuple[float, ...],
    root: str | os.PathLike, train: bool, download: bool, augment: bool,
    size: int, channels: int, normalize: bool,
) -> Dataset:
    import torchvision.datasets as tvd
    from torchvision import transforms as T

    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    if size < 28:
        raise ValueError(f"size must be >= 28 (the images are 28x28), got {size}")
    cls = getattr(tvd, cls_name)
    root = Path(root).expanduser().resolve()
    raw = root / cls_name / "raw"

    steps: list[Any] = []
    if size != 28:
        # LeNet-5 (LeCun et al. 1998) used 32x32 inputs: the 28x28 digits padded by 2.
        left = (size - 28) // 2
        steps.append(T.Pad((left, left, size - 28 - left, size - 28 - left)))
    if augment and train:
        # No flips: digits and most clothing classes are not mirror-symmetric in the same way.
        steps.append(T.RandomCrop(size, padding=2))
    if channels == 3:
        steps.append(T.Grayscale(num_output_channels=3))
        mean, std = mean * 3, std * 3
    steps.append(T.ToTensor())
    if normalize:
        steps.append(T.Normalize(mean, std))
    transform = T.Compose(steps)

    def help_text() -> str:
        return (
            "To fix this, do one of:\n"
            f"  * call again with download=True on a machine with internet access;\n"
            f"  * put the four uncompressed files {', '.join(_MNIST_RAW)} into {str(raw)!r} "
            f"(torchvision reads them from there);\n"
            "  * or, without network, use the offline dataset cnnlib.data.digits()."
        )

    if download:
        try:
            return cls(str(root), train=train, transform=transform, download=True)
        except (URLError, OSError, RuntimeError) as err:
            raise DatasetUnavailableError(
                f"{title} download failed ({type(err).__name__}: {err}).\n" + help_text()
            ) from err
    missing = [n for n in _MNIST_RAW if not (raw / n).is_file()]
    if missing:
        raise DatasetUnavailableError(
            f"{title} not found: {str(raw)!r} lacks {', '.join(missing)} (and download=False).\n"
            + help_text()
        )
    return cls(str(root), train=train, transform=transform, download=False)


def mnist(
    root: str | os.PathLike = "data",
    train: bool = True,
    download: bool = False,
    augment: bool = False,
    *,
    size: int = 28,
    channels: int = 1,
    normalize: bool = True,
) -> Dataset:
    """MNIST (LeCun et al. 1998) through ``torchvision.datasets.MNIST``.

    ``size=32`` pads the 28x28 digits by 2 pixels (LeNet-5's input size); ``channels=3``
    repeats the gray channel for networks that expect RGB. ``augment`` (training split
    only): random crop with 2-pixel padding. Files: ``root/MNIST/raw/``.
    """
    return _mnist_like("MNIST", "MNIST", MNIST_MEAN, MNIST_STD, root, train, download,
                       augment, size, channels, normalize)


def fashion_mnist(
    root: str | os.PathLike = "data",
    train: bool = True,
    download: bool = False,
    augment: bool = False,
    *,
    size: int = 28,
    channels: int = 1,
    normalize: bool = True,
) -> Dataset:
    """Fashion-MNIST (Xiao et al. 2017, arXiv:1708.07747) via ``torchvision.datasets.FashionMNIST``.

    Same options as :func:`mnist`; files: ``root/FashionMNIST/raw/``.
    """
    return _mnist_like("FashionMNIST", "Fashion-MNIST", FASHION_MNIST_MEAN, FASHION_MNIST_STD,
                       root, train, download, augment, size, channels, normalize)


# --------------------------------------------------------------------------------------
# Offline digits (scikit-learn)
# --------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _digits_tensors(size: int, channels: int) -> tuple[torch.Tensor, torch.Tensor]:
    from sklearn.datasets import load_digits

    raw = load_digits()
    x = torch.from_numpy(raw.images).float().div_(16.0).unsqueeze(1)  # N x 1 x 8 x 8, in [0, 1]
    if size != 8:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    if channels == 3:
        x = x.expand(-1, 3, -1, -1)
    return x.contiguous(), torch.from_numpy(raw.target).long()


def digits_datasets(
    *,
    size: int = 32,
    channels: int = 3,
    val_fraction: float = 0.2,
    seed: int = 0,
    normalize: bool = True,
) -> tuple[TensorDataset, TensorDataset]:
    """scikit-learn's 8x8 digits as ``(train, val)`` TensorDatasets of ``(image, label)``.

    1,797 images of 10 classes (``sklearn.datasets.load_digits``; bundled, no download),
    pixels scaled from 0..16 to [0, 1], upscaled bilinearly to ``size`` x ``size``, with
    ``channels`` 1 or 3 (gray repeated). The split is stratified by class and fixed by
    ``seed``. ``normalize`` subtracts the training split's mean and divides by its standard
    deviation (computed here; stored as ``.mean`` / ``.std`` on both datasets).
    """
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    if not 8 <= size <= 512:
        raise ValueError(f"size must be between 8 (the native size) and 512, got {size}")
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    from sklearn.model_selection import train_test_split

    x, y = _digits_tensors(size, channels)
    idx_train, idx_val = train_test_split(
        np.arange(len(y)), test_size=val_fraction, stratify=y.numpy(), random_state=seed
    )
    idx_train, idx_val = torch.from_numpy(np.sort(idx_train)), torch.from_numpy(np.sort(idx_val))
    x_train, x_val = x[idx_train].clone(), x[idx_val].clone()
    mean = x_train.mean(dim=(0, 2, 3))
    std = x_train.std(dim=(0, 2, 3))
    if normalize:
        x_train = (x_train - mean[:, None, None]) / std[:, None, None]
        x_val = (x_val - mean[:, None, None]) / std[:, None, None]
    train_ds, val_ds = TensorDataset(x_train, y[idx_train]), TensorDataset(x_val, y[idx_val])
    for ds in (train_ds, val_ds):
        ds.classes = [str(c) for c in range(10)]
        ds.mean, ds.std = tuple(mean.tolist()), tuple(std.tolist())
    return train_ds, val_ds


class _RandomShiftCollate:
    """Collate a batch and shift each image by up to ``max_shift`` pixels (zero fill).

    The digits' analogue of CIFAR's pad-and-random-crop; no flips (a mirrored 3 is no 3).
    Uses the global torch RNG, so ``fit(seed=...)`` makes it reproducible.
    """

    def __init__(self, max_shift: int) -> None:
        self.max_shift = max_shift

    def __call__(self, batch: Sequence[tuple[torch.Tensor, torch.Tensor]]):
        x = torch.stack([b[0] for b in batch])
        y = torch.stack([torch.as_tensor(b[1]) for b in batch])
        p = self.max_shift
        n, _, h, w = x.shape
        padded = F.pad(x, (p, p, p, p))
        dy = torch.randint(0, 2 * p + 1, (n,)).tolist()
        dx = torch.randint(0, 2 * p + 1, (n,)).tolist()
        out = torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])
        return out, y


def digits(
    *,
    batch_size: int = 64,
    size: int = 32,
    channels: int = 3,
    val_fraction: float = 0.2,
    seed: int = 0,
    augment: bool = False,
    shuffle: bool = True,
    drop_last: bool = False,
    normalize: bool = True,
) -> tuple[DataLoader, DataLoader]:
    """``(train_loader, val_loader)`` over :func:`digits_datasets` (the offline dataset).

    ``augment`` shifts training images by up to ``size // 8`` pixels. Shuffling uses the
    global torch RNG (seed it, or pass ``seed=`` to ``cnnlib.train.fit``).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    train_ds, val_ds = digits_datasets(size=size, channels=channels, val_fraction=val_fraction,
                                       seed=seed, normalize=normalize)
    collate = _RandomShiftCollate(max(1, size // 8)) if augment else None
    train = DataLoader(train_ds, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
                       collate_fn=collate)
    val = DataLoader(val_ds, batch_size=max(batch_size, 256), shuffle=False)
    return train, val


# --------------------------------------------------------------------------------------
# One entry point
# --------------------------------------------------------------------------------------
def dataloaders(
    name: str,
    *,
    root: str | os.PathLike = "data",
    batch_size: int = 128,
    num_workers: int | None = None,
    download: bool = False,
    augment: bool = True,
    holdout: int = 0,
    seed: int = 0,
    pin_memory: bool | None = None,
    drop_last: bool = False,
    **dataset_kwargs: Any,
) -> tuple[DataLoader, DataLoader]:
    """``(train_loader, val_loader)`` for ``"cifar10"``, ``"mnist"``, ``"fashion_mnist"`` or ``"digits"``.

    For the torchvision datasets the validation loader is the official test split, unless
    ``holdout > 0``: then the last ``holdout`` images of a seeded permutation of the
    training split (without augmentation) are the validation set and the rest train (the
    ResNet paper's 45k/5k split is ``holdout=5000``). ``num_workers=None`` picks
    ``min(8, cpu_count)``. Extra keyword arguments go to the dataset function (e.g.
    ``size=32, channels=3`` for MNIST, ``verify_md5`` for CIFAR-10, ``size`` for digits).
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if name == "digits":
        if holdout:
            raise ValueError("digits has its own split; use val_fraction=... instead of holdout")
        return digits(batch_size=batch_size, augment=augment, seed=seed, drop_last=drop_last,
                      **dataset_kwargs)
    make = {"cifar10": cifar10, "mnist": mnist, "fashion_mnist": fashion_mnist}[name]
    if holdout < 0:
        raise ValueError(f"holdout must be >= 0, got {holdout}")
    if holdout:
        train_full = make(root, train=True, download=download, augment=augment, **dataset_kwargs)
        val_full = make(root, train=True, download=False, augment=False, **dataset_kwargs)
        n = len(train_full)
        if holdout >= n:
            raise ValueError(f"holdout={holdout} leaves no training images (the split has {n})")
        perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
        train_ds: Dataset = Subset(train_full, perm[: n - holdout])
        val_ds: Dataset = Subset(val_full, perm[n - holdout:])
    else:
        train_ds = make(root, train=True, download=download, augment=augment, **dataset_kwargs)
        val_ds = make(root, train=False, download=download, augment=False, **dataset_kwargs)
    if num_workers is None:
        num_workers = min(8, os.cpu_count() or 1)
    if pin_memory is None:
        pin_memory = torch.cuda.is_available()
    common = dict(num_workers=num_workers, pin_memory=pin_memory,
                  persistent_workers=num_workers > 0)
    train = DataLoader(train_ds, batch_size=batch_size, shuffle=True, drop_last=drop_last, **common)
    val = DataLoader(val_ds, batch_size=max(batch_size, 256), shuffle=False, **common)
    return train, val


# --------------------------------------------------------------------------------------
# Whole splits on the device (the fast CIFAR-10 recipes' loader)
# --------------------------------------------------------------------------------------
class DeviceBatches:
    """A whole split held as one uint8 tensor on the device, batched and augmented there.

    The fast CIFAR-10 recipes (Page 2018, "How to train your ResNet"; airbench,
    arXiv:2404.00498) keep the 150 MB of CIFAR-10 in GPU memory and augment whole batches
    there: per image a random crop of the zero-padded image and a random horizontal flip,
    then scaling to [0, 1] and normalizing, the same steps and distribution as the torchvision
    transforms of :func:`cifar10` (``RandomCrop(32, padding=4)``, ``RandomHorizontalFlip``,
    ``ToTensor``, ``Normalize``), without a worker process per CPU core. On a free Colab
    session (2 CPU cores) the worker processes, not the GPU, limit small networks.

    ``images``: uint8 ``(N, C, H, W)``; ``labels``: ``(N,)`` class indices. ``pad``: zero
    pixels added on every side first (MNIST's 28x28 to LeNet-5's 32x32 is ``pad=2``);
    ``crop_padding``: the random crop's padding (0: no crop); ``flip``: random horizontal
    flips; ``channels``: repeat a gray channel to 3. Iterating gives ``(x, y)`` batches on
    the device: ``x`` float32, normalized with ``mean`` / ``std``. As a shuffling
    ``DataLoader`` does, each pass seeds its random order, crops and flips from torch's global
    random generator, so ``torch.manual_seed`` repeats a run exactly.
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, *, batch_size: int,
                 mean: Sequence[float], std: Sequence[float], shuffle: bool = False,
                 pad: int = 0, crop_padding: int = 0, flip: bool = False,
                 channels: int | None = None, drop_last: bool = False,
                 device: str | torch.device | None = None) -> None:
        if images.dtype != torch.uint8 or images.dim() != 4:
            raise ValueError(f"images must be a uint8 tensor (N, C, H, W), got "
                             f"{images.dtype} {tuple(images.shape)}")
        if labels.shape != images.shape[:1]:
            raise ValueError(f"labels must have one entry per image: {tuple(labels.shape)} "
                             f"for {images.shape[0]} images")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if min(pad, crop_padding) < 0:
            raise ValueError(f"pad and crop_padding must be >= 0, got {pad} and {crop_padding}")
        if channels not in (None, images.shape[1], 3) or (channels == 3 and images.shape[1] not in (1, 3)):
            raise ValueError(f"channels={channels}: only a gray image (1 channel) can be "
                             f"repeated to 3; these have {images.shape[1]}")
        self.device = torch.device(device) if device is not None else images.device
        if pad:
            images = F.pad(images, (pad, pad, pad, pad))
        self.images = images.to(self.device)
        self.labels = labels.to(self.device, torch.long)
        self.repeat = 3 if channels == 3 and images.shape[1] == 1 else 1
        n = images.shape[1] * self.repeat
        self.mean = torch.tensor(mean, dtype=torch.float32, device=self.device).view(1, -1, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32, device=self.device).view(1, -1, 1, 1)
        if self.mean.shape[1] not in (1, n) or self.std.shape[1] not in (1, n):
            raise ValueError(f"mean and std need 1 or {n} values, got {len(mean)} and {len(std)}")
        self.batch_size, self.shuffle, self.drop_last = batch_size, shuffle, drop_last
        self.crop_padding, self.flip = crop_padding, flip
        self.generator = torch.Generator(device=self.device)

    @property
    def num_images(self) -> int:
        return self.images.shape[0]

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """``(channels, height, width)`` of one batch's images."""
        c, h, w = self.images.shape[1:]
        return c * self.repeat, h, w

    def __len__(self) -> int:
        n, b = self.num_images, self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __iter__(self):
        n = self.num_images
        # One draw from the global generator per pass, as torch's RandomSampler makes.
        self.generator.manual_seed(int(torch.empty((), dtype=torch.int64).random_().item()))
        order = (torch.randperm(n, generator=self.generator, device=self.device) if self.shuffle
                 else torch.arange(n, device=self.device))
        for i in range(len(self)):
            idx = order[i * self.batch_size:(i + 1) * self.batch_size]
            yield self._batch(self.images[idx]), self.labels[idx]

    def _batch(self, x: torch.Tensor) -> torch.Tensor:
        if self.crop_padding:
            x = _random_crops(x, self.crop_padding, self.generator)
        if self.flip:
            flip = torch.rand(x.shape[0], generator=self.generator, device=x.device) < 0.5
            x = torch.where(flip.view(-1, 1, 1, 1), x.flip(3), x)
        if self.repeat > 1:
            x = x.expand(-1, self.repeat, -1, -1)
        return (x.float().div_(255) - self.mean) / self.std


def _random_crops(x: torch.Tensor, padding: int, generator: torch.Generator) -> torch.Tensor:
    """For each image its own random ``H x W`` crop of the image zero-padded by ``padding``."""
    b, _, h, w = x.shape
    padded = F.pad(x, (padding, padding, padding, padding))
    dy, dx = (torch.randint(0, 2 * padding + 1, (b, 1), generator=generator, device=x.device)
              for _ in range(2))
    rows = dy + torch.arange(h, device=x.device)  # (B, H)
    cols = dx + torch.arange(w, device=x.device)  # (B, W)
    batch = torch.arange(b, device=x.device).view(-1, 1, 1)
    # Advanced indices around a slice: the result is (B, H, W, C).
    return padded[batch, :, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


def device_dataloaders(
    name: str,
    *,
    root: str | os.PathLike = "data",
    batch_size: int = 128,
    device: str | torch.device | None = None,
    download: bool = False,
    augment: bool = True,
    drop_last: bool = False,
    size: int | None = None,
    channels: int = 1,
    verify_md5: bool = True,
) -> tuple[DeviceBatches, DeviceBatches]:
    """``(train, val)`` as :class:`DeviceBatches`: :func:`dataloaders`' data and augmentation,
    every image already on ``device`` (default: CUDA if available).

    ``"cifar10"``: pad-4 random crops and flips (``augment``); ``"mnist"`` /
    ``"fashion_mnist"``: ``size`` (28 or more: zero-padded) and ``channels`` as in
    :func:`mnist`, random crops with 2-pixel padding (``augment``). The files are found,
    checked and downloaded exactly as :func:`dataloaders` does; the validation split is the
    official test split.
    """
    if name not in ("cifar10", "mnist", "fashion_mnist"):
        raise ValueError(f"device_dataloaders takes 'cifar10', 'mnist' or 'fashion_mnist', "
                         f"got {name!r} (the digits are small enough for dataloaders('digits'))")
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    common = dict(batch_size=batch_size, device=device)
    if name == "cifar10":
        if size not in (None, 32) or channels not in (1, 3):
            raise ValueError("CIFAR-10's images are 3x32x32: leave size and channels as they are")
        splits = [cifar10(root, train=t, download=download, augment=False, verify_md5=verify_md5)
                  for t in (True, False)]
        tensors = [(torch.from_numpy(ds.data).permute(0, 3, 1, 2).contiguous(),
                    torch.as_tensor(ds.targets)) for ds in splits]
        stats = dict(mean=CIFAR10_MEAN, std=CIFAR10_STD)
        train_aug = dict(crop_padding=4 if augment else 0, flip=augment)
    else:
        size = 28 if size is None else size
        make = mnist if name == "mnist" else fashion_mnist
        splits = [make(root, train=t, download=download, size=size, channels=channels)
                  for t in (True, False)]
        tensors = [(ds.data.unsqueeze(1), ds.targets) for ds in splits]
        stats = dict(mean=MNIST_MEAN, std=MNIST_STD) if name == "mnist" else \
            dict(mean=FASHION_MNIST_MEAN, std=FASHION_MNIST_STD)
        left = (size - 28) // 2
        if size - 28 != 2 * left:
            raise ValueError(f"size={size}: the device loader pads evenly; give an even size")
        common.update(pad=left, channels=channels)
        train_aug = dict(crop_padding=2 if augment else 0)
    (xt, yt), (xv, yv) = tensors
    train = DeviceBatches(xt, yt, shuffle=True, drop_last=drop_last, **stats,
                          **train_aug, **common)
    val = DeviceBatches(xv, yv, **stats, **dict(common, batch_size=max(batch_size, 256)))
    return train, val


def channel_stats(
    data: Dataset | DataLoader, *, batch_size: int = 1000
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel ``(mean, std)`` over all pixels of a dataset of ``(image, label)`` pairs.

    Pass an un-normalized, un-augmented dataset (e.g. ``cifar10(augment=False,
    normalize=False)``) to recompute the constants at the top of this module.
    """
    loader = data if isinstance(data, DataLoader) else DataLoader(data, batch_size=batch_size)
    total = total_sq = None
    count = 0
    for x, _ in loader:
        x = x.double()
        s, sq = x.sum(dim=(0, 2, 3)), (x * x).sum(dim=(0, 2, 3))
        total = s if total is None else total + s
        total_sq = sq if total_sq is None else total_sq + sq
        count += x.shape[0] * x.shape[2] * x.shape[3]
    if total is None:
        raise ValueError("channel_stats got an empty dataset")
    mean = total / count
    std = (total_sq / count - mean * mean).clamp_min(0).sqrt()
    return tuple(mean.tolist()), tuple(std.tolist())
