"""CUDA paths: every model, the from-scratch layers and ``cnnlib.train`` on a GPU.

Skipped where no CUDA device is present (CI has none). Run on a GPU machine with
``pytest tests/test_cuda.py``; what was last measured there is in benchmarks/RESULTS.md.
"""
from __future__ import annotations

import pytest
import torch
from torch import nn

import cnnlib
from cnnlib import data
from cnnlib.layers import activations as act
from cnnlib.layers import norms
from cnnlib.experiments import resnet9
from cnnlib.train import evaluate, fit, seed_everything

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

CIFAR_SIZED = ("resnet20", "resnet32", "resnet44", "resnet56", "resnet110", "plain",
               "wide_resnet28", "fractalnet")


def paper_input_size(name: str) -> int:
    if name == "lenet5" or name.startswith(CIFAR_SIZED):
        return 32
    if name.startswith(("alexnet", "zfnet")) and name != "alexnet_owt":
        return 227
    return 224


@pytest.fixture(autouse=True)
def _exact_fp32():
    """Compare GPU and CPU in true fp32: no TF32 in convolutions or matrix products."""
    old = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old


@pytest.mark.parametrize("name", cnnlib.list_models())
def test_model_on_gpu_matches_cpu_and_trains_in_bf16(name):
    """Eval-mode fp32 output on the GPU equals the CPU's; a bf16 channels_last training step
    gives finite gradients for every parameter."""
    torch.manual_seed(0)
    # FractalNet's drop-path leaves whole columns without gradient in a training step: switch it
    # off here so that every parameter must get one.
    kwargs = dict(local_drop_prob=0.0, global_drop_prob=0.0) if name == "fractalnet" else {}
    model = cnnlib.get_model(name, num_classes=10, **kwargs).eval()
    size = paper_input_size(name)
    x = torch.randn(2, model.in_channels, size, size)
    with torch.no_grad():
        ref = model(x)
        gpu = model.cuda()(x.cuda()).cpu()
    scale = ref.abs().max().item() + 1e-6
    assert (gpu - ref).abs().max().item() <= 1e-3 * scale, name

    model.train().to(memory_format=torch.channels_last)
    xb = torch.randn(4, model.in_channels, size, size, device="cuda").contiguous(
        memory_format=torch.channels_last)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        out = model(xb)
        logits = out[0] if isinstance(out, tuple) else out
        loss = nn.functional.cross_entropy(logits.float(), torch.arange(4, device="cuda"))
    loss.backward()
    assert torch.isfinite(loss)
    for pname, p in model.named_parameters():
        if p.requires_grad:
            assert p.grad is not None and torch.isfinite(p.grad).all(), f"{name}.{pname}"


@pytest.mark.parametrize("make", [
    lambda: (norms.BatchNorm2d(16), nn.BatchNorm2d(16)),
    lambda: (norms.GroupNorm(4, 16), nn.GroupNorm(4, 16)),
    lambda: (norms.InstanceNorm2d(16, affine=True), nn.InstanceNorm2d(16, affine=True)),
    lambda: (norms.LayerNorm([16, 12, 12]), nn.LayerNorm([16, 12, 12])),
    lambda: (norms.LocalResponseNorm(5), nn.LocalResponseNorm(5)),
    lambda: (act.Mish(), nn.Mish()),
    lambda: (act.GELU(), nn.GELU()),
    lambda: (act.SELU(), nn.SELU()),
], ids=["batchnorm", "groupnorm", "instancenorm", "layernorm", "lrn", "mish", "gelu", "selu"])
def test_scratch_layers_on_gpu_equal_torch(make):
    ours, theirs = (m.cuda() for m in make())
    x = torch.randn(8, 16, 12, 12, device="cuda", requires_grad=True)
    x2 = x.detach().clone().requires_grad_(True)
    a, b = ours(x), theirs(x2)
    torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
    grad = torch.randn_like(a)
    a.backward(grad)
    b.backward(grad)
    torch.testing.assert_close(x.grad, x2.grad, rtol=1e-4, atol=1e-5)


@pytest.fixture(scope="module")
def digits32():
    return data.digits(batch_size=128, size=32, channels=3)


@pytest.mark.parametrize("precision, compile", [("fp32", False), ("bf16", False),
                                                ("fp16", False), ("bf16", True)])
def test_fit_on_gpu_learns(digits32, precision, compile):
    train_loader, val_loader = digits32
    seed_everything(0)
    model = resnet9(widths=(16, 32, 64, 128))
    history = fit(model, train_loader, val_loader, epochs=4, lr=0.2, momentum=0.9, nesterov=True,
                  weight_decay=5e-4, schedule="onecycle", label_smoothing=0.1, precision=precision,
                  channels_last=True, compile=compile, device="cuda", seed=0, progress=False)
    assert next(model.parameters()).device.type == "cuda"
    assert history.val_acc[-1] > 0.8, (precision, compile, history.val_acc)
    assert all(r > 0 for r in history.images_per_sec)
    result = evaluate(model, val_loader, precision=precision)
    assert abs(result["acc"] - history.val_acc[-1]) < 0.02


def test_checkpoint_resume_on_gpu(digits32, tmp_path):
    train_loader, _ = digits32
    ckpt = tmp_path / "run.pt"
    seed_everything(0)
    first = resnet9(widths=(16, 32, 64, 128))
    fit(first, train_loader, epochs=2, lr=0.1, precision="fp16", device="cuda",
        checkpoint_path=ckpt, max_steps_per_epoch=3, progress=False)
    seed_everything(1)
    resumed = resnet9(widths=(16, 32, 64, 128))
    history = fit(resumed, train_loader, epochs=3, lr=0.1, precision="fp16", device="cuda",
                  resume_from=ckpt, max_steps_per_epoch=3, progress=False)
    assert history.epochs == 3
    assert next(resumed.parameters()).device.type == "cuda"
