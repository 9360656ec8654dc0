"""cnnlib.data: the real torchvision loading paths on tiny files written here, errors, digits.

CIFAR-10 and torchvision's checksums: ``torchvision.datasets.CIFAR10`` checks the MD5 of
every batch file against the official values before loading and has no switch to skip it,
so tiny files written by a test can never pass it. The tests therefore (1) check that the
default ``cifar10(verify_md5=True)`` refuses such files with a clear error, and (2) load
them with ``verify_md5=False``, which checks the pickles' structure instead and then runs
torchvision's own ``CIFAR10`` code with its checksum table set to ``None`` (torchvision's
``check_integrity`` then checks that each file exists). Nothing is monkeypatched for that;
the one monkeypatch below replaces the network download to simulate being offline.
"""
from __future__ import annotations

import pickle
import struct
from urllib.error import URLError

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnlib import data
from cnnlib.data import DatasetUnavailableError
from helpers import CIFAR_FILES, LABEL_NAMES, dump_py2_pickle, write_fake_cifar10

@pytest.fixture()
def fake_cifar(tmp_path):
    return tmp_path, write_fake_cifar10(tmp_path)


def test_fake_files_have_the_official_layout(fake_cifar):
    root, _ = fake_cifar
    with open(root / "cifar-10-batches-py" / "data_batch_1", "rb") as f:
        entry = pickle.load(f, encoding="bytes")  # as on the dataset's web page
    assert entry[b"data"].dtype == np.uint8 and entry[b"data"].shape == (4, 3072)
    assert len(entry[b"labels"]) == 4


def test_default_loader_keeps_torchvision_md5_check(fake_cifar):
    root, _ = fake_cifar
    with pytest.raises(DatasetUnavailableError, match="MD5") as info:
        data.cifar10(root, download=False)
    assert "data_batch_1" in str(info.value) and "verify_md5=False" in str(info.value)


def test_cifar10_loads_through_torchvision(fake_cifar):
    import torchvision

    root, written = fake_cifar
    train = data.cifar10(root, train=True, augment=False, verify_md5=False)
    test = data.cifar10(root, train=False, augment=False, verify_md5=False)
    assert isinstance(train, torchvision.datasets.CIFAR10)
    assert len(train) == 20 and len(test) == 4
    assert train.classes == LABEL_NAMES
    mean = torch.tensor(data.CIFAR10_MEAN)[:, None, None]
    std = torch.tensor(data.CIFAR10_STD)[:, None, None]
    # image 5 is the second row of data_batch_2; rows are channel-major 3 x 32 x 32
    x, y = train[5]
    raw, labels = written["data_batch_2"]
    expected = (torch.from_numpy(raw[1].reshape(3, 32, 32)).float() / 255 - mean) / std
    assert x.shape == (3, 32, 32)
    torch.testing.assert_close(x, expected)
    assert y == labels[1]
    x_test, y_test = test[3]
    raw_test, labels_test = written["test_batch"]
    expected_test = (torch.from_numpy(raw_test[3].reshape(3, 32, 32)).float() / 255 - mean) / std
    torch.testing.assert_close(x_test, expected_test)
    assert y_test == labels_test[3]


def test_cifar10_augmentation_is_pad4_crop_and_flip(fake_cifar):
    root, written = fake_cifar
    ds = data.cifar10(root, train=True, augment=True, normalize=False, verify_md5=False)
    original = torch.from_numpy(written["data_batch_1"][0][0].reshape(3, 32, 32)).float() / 255
    padded = F.pad(original, (4, 4, 4, 4))
    candidates = [padded[:, i:i + 32, j:j + 32] for i in range(9) for j in range(9)]
    candidates += [c.flip(-1) for c in candidates]
    torch.manual_seed(0)
    seen = set()
    for _ in range(12):
        x, _ = ds[0]
        matches = [k for k, c in enumerate(candidates) if torch.allclose(x, c)]
        assert matches, "augmented image is not a flipped/unflipped crop of the 4-padded image"
        seen.add(matches[0])
    assert len(seen) > 1  # it is random
    # the test split is never augmented
    test = data.cifar10(root, train=False, augment=True, normalize=False, verify_md5=False)
    raw_test = torch.from_numpy(written["test_batch"][0][0].reshape(3, 32, 32)).float() / 255
    for _ in range(3):
        torch.testing.assert_close(test[0][0], raw_test)


def test_dataloaders_and_holdout(fake_cifar):
    root, _ = fake_cifar
    train, val = data.dataloaders("cifar10", root=root, batch_size=8, num_workers=0, verify_md5=False)
    x, y = next(iter(train))
    assert x.shape == (8, 3, 32, 32) and y.shape == (8,) and y.dtype == torch.long
    assert len(train.dataset) == 20 and len(val.dataset) == 4
    train, val = data.dataloaders("cifar10", root=root, batch_size=8, num_workers=0, holdout=5,
                                  verify_md5=False)
    assert len(train.dataset) == 15 and len(val.dataset) == 5
    assert not set(train.dataset.indices) & set(val.dataset.indices)
    with pytest.raises(ValueError, match="leaves no training images"):
        data.dataloaders("cifar10", root=root, holdout=20, num_workers=0, verify_md5=False)


def test_channel_stats_recomputes_constants(fake_cifar):
    root, written = fake_cifar
    ds = data.cifar10(root, train=True, augment=False, normalize=False, verify_md5=False)
    mean, std = data.channel_stats(ds, batch_size=7)
    pixels = np.concatenate([written[f"data_batch_{i}"][0] for i in range(1, 6)])
    pixels = pixels.reshape(-1, 3, 1024).transpose(1, 0, 2).reshape(3, -1) / 255.0
    np.testing.assert_allclose(mean, pixels.mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(std, pixels.std(axis=1), rtol=1e-6)


def test_missing_cifar_files_say_where_to_put_them(tmp_path):
    with pytest.raises(DatasetUnavailableError) as info:
        data.cifar10(tmp_path / "nowhere")
    msg = str(info.value)
    folder = str((tmp_path / "nowhere" / "cifar-10-batches-py").resolve())
    assert folder in msg
    for name in CIFAR_FILES:
        assert name in msg
    assert "download=True" in msg and "digits" in msg and "cifar-10-python.tar.gz" in msg
    assert isinstance(info.value, RuntimeError)


def test_one_missing_file_is_named(fake_cifar):
    root, _ = fake_cifar
    (root / "cifar-10-batches-py" / "data_batch_3").unlink()
    with pytest.raises(DatasetUnavailableError, match="lacks data_batch_3 "):
        data.cifar10(root, verify_md5=False)


def test_malformed_batch_is_reported(fake_cifar):
    root, _ = fake_cifar
    dump_py2_pickle({"data": np.zeros((2, 100), dtype=np.uint8), "labels": [0, 1]},
              root / "cifar-10-batches-py" / "data_batch_2")
    with pytest.raises(DatasetUnavailableError, match=r"\(N, 3072\)"):
        data.cifar10(root, verify_md5=False)


def test_failed_download_is_a_clear_error(tmp_path, monkeypatch):
    import torchvision.datasets.cifar as tv_cifar

    def offline(*args, **kwargs):
        raise URLError("no network (simulated)")

    monkeypatch.setattr(tv_cifar, "download_and_extract_archive", offline)
    with pytest.raises(DatasetUnavailableError, match="download failed") as info:
        data.cifar10(tmp_path, download=True)
    assert "no network" in str(info.value) and "digits" in str(info.value)


# --- MNIST through torchvision, on idx files written here -----------------------------
def _write_idx(path, array, magic):
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def write_fake_mnist(root, folder="MNIST", n=6, seed=0):
    raw = root / folder / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    out = {}
    for split in ("train", "t10k"):
        x = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, size=n, dtype=np.uint8)
        _write_idx(raw / f"{split}-images-idx3-ubyte", x, 2051)
        _write_idx(raw / f"{split}-labels-idx1-ubyte", y, 2049)
        out[split] = (x, y)
    return out


def test_mnist_loads_through_torchvision(tmp_path):
    written = write_fake_mnist(tmp_path)
    ds = data.mnist(tmp_path, train=True)
    x, y = ds[2]
    assert x.shape == (1, 28, 28)
    expected = (torch.from_numpy(written["train"][0][2]).float() / 255 - 0.1307) / 0.3081
    torch.testing.assert_close(x[0], expected)
    assert y == int(written["train"][1][2])
    x32, _ = data.mnist(tmp_path, train=False, size=32, channels=3, normalize=False)[0]
    assert x32.shape == (3, 32, 32)
    digit = torch.from_numpy(written["t10k"][0][0]).float().div(255)
    torch.testing.assert_close(x32[:, 2:30, 2:30], digit.expand(3, -1, -1))
    assert x32[:, :2].abs().sum() == 0  # LeNet-5 style zero padding
    train, val = data.dataloaders("mnist", root=tmp_path, batch_size=4, num_workers=0)
    assert next(iter(train))[0].shape == (4, 1, 28, 28)


def test_missing_mnist_and_fashion_mnist(tmp_path):
    with pytest.raises(DatasetUnavailableError) as info:
        data.mnist(tmp_path)
    msg = str(info.value)
    assert str((tmp_path / "MNIST" / "raw").resolve()) in msg and "train-images-idx3-ubyte" in msg
    with pytest.raises(DatasetUnavailableError, match="Fashion-MNIST not found"):
        data.fashion_mnist(tmp_path)
    write_fake_mnist(tmp_path, folder="FashionMNIST")
    assert len(data.fashion_mnist(tmp_path)) == 6


# --- digits: the offline dataset -------------------------------------------------------
def test_digits_shapes_classes_and_split():
    train, val = data.digits_datasets()
    x, y = train.tensors
    assert x.shape == (1437, 3, 32, 32) and x.dtype == torch.float32
    assert val.tensors[0].shape == (360, 3, 32, 32)
    assert sorted(torch.unique(y).tolist()) == list(range(10))
    assert sorted(torch.unique(val.tensors[1]).tolist()) == list(range(10))  # stratified
    # normalized with the training split's statistics
    torch.testing.assert_close(x.mean(dim=(0, 2, 3)), torch.zeros(3), atol=1e-5, rtol=0)
    torch.testing.assert_close(x.std(dim=(0, 2, 3)), torch.ones(3), atol=1e-4, rtol=0)
    assert torch.equal(x[:, 0], x[:, 1]) and torch.equal(x[:, 0], x[:, 2])  # gray repeated


def test_digits_values_come_from_sklearn():
    from sklearn.datasets import load_digits

    raw = load_digits()
    train, val = data.digits_datasets(size=8, channels=1, normalize=False)
    all_x = torch.cat([train.tensors[0], val.tensors[0]])
    all_y = torch.cat([train.tensors[1], val.tensors[1]])
    assert all_x.shape == (1797, 1, 8, 8)
    # every image is one of sklearn's, divided by 16, with its own label
    order = np.lexsort(raw.images.reshape(1797, -1).T)
    ours = np.lexsort((all_x.reshape(1797, -1) * 16).round().numpy().T)
    ours_flat = (all_x.reshape(1797, -1) * 16).numpy()
    np.testing.assert_array_equal(raw.images.reshape(1797, -1)[order], ours_flat[ours])
    np.testing.assert_array_equal(raw.target[order], all_y.numpy()[ours])
    up, _ = data.digits_datasets(size=32, channels=1, normalize=False)
    expected = F.interpolate(train.tensors[0][:3], size=(32, 32), mode="bilinear", align_corners=False)
    torch.testing.assert_close(up.tensors[0][:3], expected)


def test_digits_is_deterministic_under_seed():
    a_train, a_val = data.digits_datasets(seed=3)
    b_train, b_val = data.digits_datasets(seed=3)
    c_train, _ = data.digits_datasets(seed=4)
    assert torch.equal(a_train.tensors[0], b_train.tensors[0])
    assert torch.equal(a_val.tensors[1], b_val.tensors[1])
    assert not torch.equal(a_train.tensors[1], c_train.tensors[1])


def test_digits_loaders_and_augmentation():
    train, val = data.digits(batch_size=32, size=16, augment=True)
    x, y = next(iter(train))
    assert x.shape == (32, 3, 16, 16) and y.shape == (32,)
    vx, _ = next(iter(val))
    assert torch.equal(vx, next(iter(val))[0])  # validation is not shuffled or augmented
    # a shifted image keeps its pixels, moved by at most size // 8 = 2, zeros filled in
    plain = data.digits_datasets(size=16)[0].tensors[0][:4]
    collate = data._RandomShiftCollate(2)
    torch.manual_seed(0)
    shifted, _ = collate([(plain[i], torch.tensor(0)) for i in range(4)])
    padded = F.pad(plain, (2, 2, 2, 2))
    for i in range(4):
        assert any(torch.equal(shifted[i], padded[i, :, a:a + 16, b:b + 16])
                   for a in range(5) for b in range(5))


@pytest.mark.parametrize("call, match", [
    (lambda: data.digits_datasets(channels=2), "channels must be 1 or 3"),
    (lambda: data.digits_datasets(size=4), "size must be between"),
    (lambda: data.digits_datasets(val_fraction=1.0), "val_fraction"),
    (lambda: data.digits(batch_size=0), "batch_size"),
    (lambda: data.dataloaders("imagenet"), "unknown dataset"),
    (lambda: data.dataloaders("digits", holdout=10), "val_fraction"),
    (lambda: data.mnist("x", channels=2), "channels must be 1 or 3"),
    (lambda: data.mnist("x", size=20), "size must be >= 28"),
])
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---- whole splits on the device (DeviceBatches): the same data and augmentation ------------------

def _stacked(ds, n):
    return torch.stack([ds[i][0] for i in range(n)]), torch.tensor([ds[i][1] for i in range(n)])


def test_device_batches_give_torchvisions_tensors_without_augmentation(fake_cifar, tmp_path):
    root, _ = fake_cifar
    train, val = data.device_dataloaders("cifar10", root=root, batch_size=8, augment=False,
                                         verify_md5=False, device="cpu")
    assert (len(train), len(val), train.num_images, val.num_images) == (3, 1, 20, 4)  # 5 x 4 train
    assert train.input_shape == (3, 32, 32) and val.batch_size == 256
    x, y = next(iter(val))
    want_x, want_y = _stacked(data.cifar10(root, train=False, augment=False, verify_md5=False), 4)
    torch.testing.assert_close(x, want_x, rtol=0, atol=1e-6)
    assert torch.equal(y, want_y) and x.dtype == torch.float32
    # MNIST as LeNet-5 takes it: 28x28 padded to 32x32, the gray channel repeated
    write_fake_mnist(tmp_path / "m")
    _, mval = data.device_dataloaders("mnist", root=tmp_path / "m", size=32, channels=3, device="cpu")
    x, y = next(iter(mval))
    want_x, want_y = _stacked(data.mnist(tmp_path / "m", train=False, size=32, channels=3), x.shape[0])
    torch.testing.assert_close(x, want_x, rtol=0, atol=1e-6)
    assert torch.equal(y, want_y) and mval.input_shape == (3, 32, 32)


def test_device_batches_crop_and_flip_each_image_on_its_own():
    """Every training image is one of the 81 crops of the 4-padded image, flipped or not (as
    RandomCrop(32, padding=4) + RandomHorizontalFlip), drawn per image: all 162 occur."""
    image = torch.randint(0, 256, (1, 3, 32, 32), generator=torch.Generator().manual_seed(0),
                          dtype=torch.uint8)
    mean, std = (0.25, 0.5, 0.75), (0.2, 0.3, 0.4)
    batches = data.DeviceBatches(image.expand(2000, -1, -1, -1), torch.arange(2000), batch_size=250,
                                 mean=mean, std=std, shuffle=True, crop_padding=4, flip=True)
    padded = F.pad(image[0], (4, 4, 4, 4))
    candidates = torch.stack([padded[:, i:i + 32, j:j + 32] for i in range(9) for j in range(9)])
    candidates = torch.cat([candidates, candidates.flip(-1)]).flatten(1)  # (162, 3072) uint8
    torch.manual_seed(0)
    seen = torch.zeros(162, dtype=torch.long)
    labels = []
    for x, y in batches:
        pixels = (x * torch.tensor(std).view(1, 3, 1, 1) + torch.tensor(mean).view(1, 3, 1, 1)) * 255
        pixels = pixels.round().to(torch.uint8).flatten(1)
        match = (pixels[:, None] == candidates[None]).all(-1)  # (B, 162)
        assert match.any(1).all(), "not a crop (or flipped crop) of the 4-padded image"
        seen += match.float().argmax(1).bincount(minlength=162)
        labels.append(y)
    assert (seen > 0).all() and seen.sum() == 2000  # each offset and flip, about 12 times each
    assert torch.equal(torch.cat(labels).sort().values, torch.arange(2000))  # each image once


def test_device_batches_keep_images_with_their_labels(fake_cifar):
    root, _ = fake_cifar
    train, _ = data.device_dataloaders("cifar10", root=root, batch_size=8, augment=False,
                                       verify_md5=False, device="cpu")
    want_x, want_y = _stacked(data.cifar10(root, train=True, augment=False, verify_md5=False), 20)
    torch.manual_seed(0)
    order = []
    for x, y in train:
        index = (x[:, None] - want_x[None]).abs().flatten(2).amax(-1).argmin(1)
        torch.testing.assert_close(x, want_x[index], rtol=0, atol=1e-6)
        assert torch.equal(y, want_y[index])
        order += index.tolist()
    assert sorted(order) == list(range(20)) and order != list(range(20))  # shuffled, each once


def test_device_batches_repeat_under_a_seed_and_follow_it(fake_cifar):
    root, _ = fake_cifar
    train, _ = data.device_dataloaders("cifar10", root=root, batch_size=8, verify_md5=False, device="cpu")

    def epoch(seed):
        torch.manual_seed(seed)
        return [(x.clone(), y.clone()) for x, y in train]

    a, b, c = epoch(1), epoch(1), epoch(2)
    assert all(torch.equal(x1, x2) and torch.equal(y1, y2) for (x1, y1), (x2, y2) in zip(a, b))
    assert not all(torch.equal(x1, x3) for (x1, _), (x3, _) in zip(a, c))
    # one pass draws once from the global generator, as a shuffling DataLoader does
    torch.manual_seed(1)
    list(train)
    after_pass = torch.rand(1)
    torch.manual_seed(1)
    torch.empty((), dtype=torch.int64).random_()
    assert torch.equal(after_pass, torch.rand(1))
    dropped = data.DeviceBatches(train.images, train.labels, batch_size=8, mean=(0.5,), std=(0.5,),
                                 drop_last=True, channels=3)  # RGB already: channels=3 is a no-op
    assert len(dropped) == 2 and all(x.shape[0] == 8 for x, _ in dropped)


@pytest.mark.parametrize("make, match", [
    (lambda: data.DeviceBatches(torch.zeros(2, 3, 4, 4), torch.zeros(2), batch_size=1, mean=(0,), std=(1,)),
     "uint8"),
    (lambda: data.DeviceBatches(torch.zeros(2, 3, 4, 4, dtype=torch.uint8), torch.zeros(3), batch_size=1,
                                mean=(0,), std=(1,)), "one entry per image"),
    (lambda: data.DeviceBatches(torch.zeros(2, 3, 4, 4, dtype=torch.uint8), torch.zeros(2), batch_size=0,
                                mean=(0,), std=(1,)), "batch_size"),
    (lambda: data.DeviceBatches(torch.zeros(2, 3, 4, 4, dtype=torch.uint8), torch.zeros(2), batch_size=1,
                                mean=(0, 0), std=(1, 1)), "1 or 3 values"),
    (lambda: data.DeviceBatches(torch.zeros(2, 2, 4, 4, dtype=torch.uint8), torch.zeros(2), batch_size=1,
                                mean=(0,), std=(1,), channels=3), "gray image"),
    (lambda: data.device_dataloaders("digits"), "'cifar10', 'mnist' or 'fashion_mnist'"),
    (lambda: data.device_dataloaders("cifar10", size=28), "3x32x32"),
])
def test_device_batches_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()
