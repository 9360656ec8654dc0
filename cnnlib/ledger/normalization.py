"""Lecture claims about the normalization layers: batch, layer and instance norm.

The Michigan lecture opens with a recap of batch normalization (Ioffe & Szegedy 2015,
arXiv:1502.03167) and its relatives; CS231n 2023 shows the standardization formula. The
transcript renders the slides' math as placeholders (``?`` for each symbol), so the quotes below
are the transcript's own garbled text: e.g. ``?, ? ∶ 1 × ? × 1 × 1`` is
"mu, sigma: 1 x C x 1 x 1".

Everything is checked on the course's from-scratch layers (:mod:`cnnlib.layers.norms`, which
the test suite checks against ``torch.nn``): statistics shapes with
:func:`~cnnlib.layers.norms.normalization_axes`, the shape of the learned scale and shift by
probing the layer itself (:func:`_affine_shape`).
"""
from __future__ import annotations

from cnnlib.ledger import claim, not_a_claim

_MICHIGAN = "eecs498-2022"
_N, _C, _H, _W, _D = 4, 3, 5, 6, 7  # sizes of the probe inputs (any distinct sizes will do)

_BN_FC = "? ∶ ? × ? ?, ? ∶ 1 × ? ?, ? ∶ 1 × ?"
_BN_CONV = "? ∶ ? × ? × ? × ? ?, ? ∶ 1 × ? × 1 × 1 ?, ? ∶ 1 × ? × 1 × 1"
_LN = "? ∶ ? × ? ?, ? ∶ ? × 1 ?, ? ∶ 1 × ?"
_IN = "? ∶ ? × ? × ? × ? ?, ? ∶ ? × ? × 1 × 1 ?, ? ∶ 1 × ? × 1 × 1"


def _probe(shape: tuple[int, ...]):
    import torch

    return torch.randn(shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)


def _stats_shape(kind: str, x) -> tuple[int, ...]:
    """Shape of the mean (and std) one normalization computes, kept broadcastable to ``x``."""
    from cnnlib.layers.norms import normalization_axes

    return tuple(x.mean(dim=normalization_axes(kind, x.shape), keepdim=True).shape)


def _constant_along(t, axis: int) -> bool:
    import torch

    return torch.allclose(t, t.narrow(axis, 0, 1).expand_as(t))


def _affine_shape(layer, x) -> tuple[int, ...]:
    """How the layer's learned scale (gamma) and shift (beta) broadcast against ``x``: probe the
    layer with gamma = 1, 2, 3, ... (and then beta = 1, 2, 3, ...), and call an axis of ``x``
    shared (size 1) if the value applied does not change along it."""
    import torch

    layer = layer.to(torch.float64)
    numbers = torch.arange(1.0, layer.weight.numel() + 1, dtype=torch.float64)
    shapes = set()
    with torch.no_grad():
        for param in ("weight", "bias"):
            layer.weight.fill_(1.0)
            layer.bias.zero_()
            base = layer(x)
            getattr(layer, param).copy_(numbers.reshape(layer.weight.shape))
            applied = layer(x) / base if param == "weight" else layer(x) - base
            shapes.add(tuple(1 if _constant_along(applied, a) else x.shape[a]
                             for a in range(x.dim())))
    if len(shapes) != 1:
        raise ValueError(f"gamma and beta broadcast differently: {shapes}")
    return shapes.pop()


def _shapes(kind: str, layer, x) -> dict[str, tuple[int, ...]]:
    return {"x": tuple(x.shape), "mu, sigma": _stats_shape(kind, x),
            "gamma, beta": _affine_shape(layer, x)}


@claim(key="batchnorm-fc-shapes", topic="normalization", numeric=False,
       quantity="Batch norm for fully-connected layers: shapes",
       stated="x: N x D; mu, sigma: 1 x D; gamma, beta: 1 x D",
       method="cnnlib.layers.norms: mean over normalization_axes('batch', (N, D)), and the "
              "broadcast shape of BatchNorm1d(D)'s weight and bias, probed on an N x D input",
       sources=[(_MICHIGAN, "Batch Normalization for ConvNets (slide 15) and Layer Normalization "
                            "(slide 19), left: batch norm for fully-connected networks", _BN_FC)])
def _bn_fc() -> bool:
    from cnnlib.layers.norms import BatchNorm1d

    return _shapes("batch", BatchNorm1d(_D), _probe((_N, _D))) == {
        "x": (_N, _D), "mu, sigma": (1, _D), "gamma, beta": (1, _D)}


@claim(key="batchnorm-conv-shapes", topic="normalization", numeric=False,
       quantity="Batch norm for conv layers (BatchNorm2d): shapes",
       stated="x: N x C x H x W; mu, sigma: 1 x C x 1 x 1; gamma, beta: 1 x C x 1 x 1",
       method="cnnlib.layers.norms: mean over normalization_axes('batch', (N, C, H, W)), and "
              "the broadcast shape of BatchNorm2d(C)'s weight and bias, probed on an "
              "N x C x H x W input",
       sources=[(_MICHIGAN, "Batch Normalization for ConvNets (slide 15), right, and Instance "
                            "Normalization (slide 20), left", _BN_CONV)])
def _bn_conv() -> bool:
    from cnnlib.layers.norms import BatchNorm2d

    return _shapes("batch", BatchNorm2d(_C), _probe((_N, _C, _H, _W))) == {
        "x": (_N, _C, _H, _W), "mu, sigma": (1, _C, 1, 1), "gamma, beta": (1, _C, 1, 1)}


@claim(key="layernorm-fc-shapes", topic="normalization", numeric=False,
       quantity="Layer norm for fully-connected layers: shapes",
       stated="x: N x D; mu, sigma: N x 1; gamma, beta: 1 x D",
       method="cnnlib.layers.norms: mean over normalization_axes('layer', (N, D)), and the "
              "broadcast shape of LayerNorm(D)'s weight and bias, probed on an N x D input",
       sources=[(_MICHIGAN, "Layer Normalization (slide 19), right", _LN)])
def _ln() -> bool:
    from cnnlib.layers.norms import LayerNorm

    return _shapes("layer", LayerNorm(_D), _probe((_N, _D))) == {
        "x": (_N, _D), "mu, sigma": (_N, 1), "gamma, beta": (1, _D)}


@claim(key="instancenorm-shapes", topic="normalization", numeric=False,
       quantity="Instance norm for conv layers: shapes",
       stated="x: N x C x H x W; mu, sigma: N x C x 1 x 1; gamma, beta: 1 x C x 1 x 1",
       method="cnnlib.layers.norms: mean over normalization_axes('instance', (N, C, H, W)), and "
              "the broadcast shape of InstanceNorm2d(C, affine=True)'s weight and bias, probed "
              "on an N x C x H x W input",
       sources=[(_MICHIGAN, "Instance Normalization (slide 20), right", _IN)])
def _in() -> bool:
    from cnnlib.layers.norms import InstanceNorm2d

    return _shapes("instance", InstanceNorm2d(_C, affine=True), _probe((_N, _C, _H, _W))) == {
        "x": (_N, _C, _H, _W), "mu, sigma": (_N, _C, 1, 1), "gamma, beta": (1, _C, 1, 1)}


@claim(key="batchnorm-standardization", topic="normalization", numeric=False,
       quantity="Batch norm's standardization (the 1/N mean and variance)",
       stated="x^_ij = (x_ij - mu_j) / sqrt(sigma_j^2 + eps), with mu_j = 1/N sum_i x_ij and "
              "sigma_j^2 = 1/N sum_i (x_ij - mu_j)^2",
       method="cnnlib.layers.norms.BatchNorm1d(D) in training mode on an N x D batch (N = 4) "
              "against the formula with the biased (1/N) variance; it must also differ from "
              "the formula with the unbiased 1/(N-1) variance",
       sources=[("cs231n-2023", "Components of CNNs: Normalization",
                 r"$$\hat{x}_{i,j} = \frac{x_{i,j} - \mu_j}{\sqrt{\sigma_j^2 + \epsilon}}$$"),
                (_MICHIGAN, "Batch Normalization (slide 7): per-channel mean and std",
                 "?# = 1 ?-! ' %& ?!,# ?# $ = 1 ?-! ' %& ?!,# − ?# $ "
                 "! ?!,# = ?!,# − ?# ?# $ + ?"),
                (_MICHIGAN, "Batch Normalization: Test-Time (slide 12)",
                 "$ = ? 1 -! ' %& ?!,# − ?# $")])
def _standardization() -> bool:
    import torch

    from cnnlib.layers.norms import BatchNorm1d

    layer = BatchNorm1d(_D).to(torch.float64).train()
    x = _probe((_N, _D))
    y = layer(x)

    def formula(var):
        return (x - x.mean(0)) / torch.sqrt(var + layer.eps)

    return (torch.allclose(y, formula(x.var(0, correction=0)))
            and not torch.allclose(y, formula(x.var(0, correction=1))))


@claim(key="batchnorm-running-mean-init", topic="normalization",
       quantity="Batch norm: running mean before training", stated="0",
       method="cnnlib.layers.norms.BatchNorm1d(D).running_mean as built (largest |value|)",
       sources=[(_MICHIGAN, "Batch Normalization: Test-Time (slide 12)",
                 '"#$" = 0 For each training iteration:')])
def _running_init() -> float:
    from cnnlib.layers.norms import BatchNorm1d

    return float(BatchNorm1d(_D).running_mean.abs().max())


@claim(key="batchnorm-running-average", topic="normalization", status="convention",
       quantity="Batch norm: running-average update (weight of the old average, of the batch)",
       stated={"old": "0.99", "new": "0.01"},
       method="cnnlib.layers.norms.BatchNorm1d(D, momentum=0.01), one training step: the old "
              "weight is the running mean after a zero-mean batch from running mean 1, the new "
              "weight the running mean after a batch of mean 1 from running mean 0",
       why="0.99 / 0.01 is TensorFlow/Keras's default (BatchNormalization(momentum=0.99), "
           "momentum = the old average's weight). PyTorch's and cnnlib's BatchNorm count the "
           "other way (momentum = the new batch's weight) and default to momentum=0.1, i.e. "
           "0.9 / 0.1; the slide's update is momentum=0.01 there.",
       sources=[(_MICHIGAN, "Batch Normalization: Test-Time (slide 12)",
                 '"#$" = 0.99 ?! "#$" + 0.01 ?! (Similar for ?)')])
def _running_average() -> dict[str, float]:
    import torch

    from cnnlib.layers.norms import BatchNorm1d

    def step(start: float, batch_mean: float) -> float:
        layer = BatchNorm1d(1, momentum=0.01).to(torch.float64).train()
        layer.running_mean.fill_(start)
        layer(torch.tensor([[batch_mean - 1.0], [batch_mean + 1.0]], dtype=torch.float64))
        return float(layer.running_mean[0])

    return {"old": step(1.0, 0.0), "new": step(0.0, 1.0)}


not_a_claim(_MICHIGAN, "(Spatial Batchnorm, BatchNorm2D)",
            "the layer's names: the 2D is the input's two spatial axes, not a count (the "
            "shapes on the slide are the claim batchnorm-conv-shapes)")
