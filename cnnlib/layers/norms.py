"""Normalization layers written from scratch with elementwise tensor math and reductions.

Each layer computes ``(x - mean) / sqrt(var + eps)`` over a different set of axes, then an
optional learned per-channel (or per-element) affine map. Only the axes change:

* BatchNorm -- Ioffe & Szegedy 2015, arXiv:1502.03167, Algorithm 1 (train) and 2 (inference).
* LayerNorm -- Ba, Kiros & Hinton 2016, arXiv:1607.06450, Eq. 4.
* InstanceNorm -- Ulyanov, Vedaldi & Lempitsky 2016, arXiv:1607.08022, Eq. 2.
* GroupNorm -- Wu & He 2018, arXiv:1803.08494, Eq. 1-7 and Fig. 2 (which
  :func:`normalization_axes` reproduces).
* Local response normalization -- Krizhevsky, Sutskever & Hinton 2012 (AlexNet, NeurIPS),
  Section 3.3; it normalizes by neighbouring *channels* instead of by statistics.

The modules keep PyTorch's constructor arguments, parameter/buffer names and ``extra_repr``,
so a ``torch.nn`` state dict loads into them and ``tests/test_layers_scratch.py`` can use
``torch.nn`` as the oracle. Variance is the biased one (divide by ``n``) for normalizing, as in
the papers; BatchNorm's running variance stores the unbiased one (divide by ``n - 1``).
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

__all__ = [
    "normalization_axes",
    "BatchNorm1d",
    "BatchNorm2d",
    "LayerNorm",
    "InstanceNorm2d",
    "GroupNorm",
    "LocalResponseNorm",
]

_KINDS = ("batch", "layer", "instance", "group")


def normalization_axes(kind: str, input_shape: Sequence[int]) -> tuple[int, ...]:
    """Axes of an ``(N, C, *spatial)`` tensor that one normalization averages over.

    ``"batch"``: every axis but the channel axis, ``(0, 2, 3)`` for NCHW (one mean per channel).
    ``"layer"``: every axis but the batch axis, ``(1, 2, 3)`` (one mean per sample).
    ``"instance"``: the spatial axes, ``(2, 3)`` (one mean per sample and channel).
    ``"group"``: ``(1, 2, 3)`` like layer norm, but along axis 1 only the ``C / G`` channels of
    one group are pooled. No single set of NCHW axes says that, so :class:`GroupNorm` reshapes
    to ``(N, G, C // G * H * W)`` and averages the last axis; ``G = 1`` is layer norm over
    ``(C, H, W)`` and ``G = C`` is instance norm (Wu & He 2018, Fig. 2).
    """
    shape = tuple(input_shape)
    if kind not in _KINDS:
        raise ValueError(f"unknown normalization kind {kind!r}; expected one of {_KINDS}")
    if len(shape) < 2:
        raise ValueError(
            f"input_shape must be (N, C, *spatial) with at least 2 axes, got {shape}"
        )
    spatial = tuple(range(2, len(shape)))
    if kind == "batch":
        return (0,) + spatial
    if kind == "instance":
        if not spatial:
            raise ValueError(
                f"instance normalization needs at least one spatial axis, got shape {shape}"
            )
        return spatial
    return (1,) + spatial  # "layer" and "group"


def _moments(x: torch.Tensor, axes: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and biased variance of ``x`` over ``axes`` (kept as size-1 axes)."""
    mean = x.mean(dim=axes, keepdim=True)
    var = (x - mean).square().mean(dim=axes, keepdim=True)
    return mean, var


def _channel_view(t: torch.Tensor, ndim: int) -> torch.Tensor:
    """Reshape a per-channel ``(C,)`` vector to ``(1, C, 1, ...)`` with ``ndim`` axes."""
    return t.reshape((1, -1) + (1,) * (ndim - 2))


def _factory(device: torch.device | str | None, dtype: torch.dtype | None) -> dict:
    return {"device": device, "dtype": dtype}


def _set_running_norm_args(norm: nn.Module, num_features: int, eps: float,
                           momentum: float | None, affine: bool, track_running_stats: bool) -> None:
    """Check and store the arguments batch and instance norm share (as torch names them)."""
    if num_features <= 0:
        raise ValueError(f"num_features must be positive, got {num_features}")
    if eps <= 0:
        raise ValueError(f"eps must be positive, got {eps}")
    if momentum is not None and not 0.0 <= momentum <= 1.0:
        raise ValueError(f"momentum must be in [0, 1] or None, got {momentum}")
    norm.num_features, norm.eps, norm.momentum = num_features, eps, momentum
    norm.affine, norm.track_running_stats = affine, track_running_stats


class _BatchNorm(nn.Module):
    """Shared code of :class:`BatchNorm1d` and :class:`BatchNorm2d`."""

    _allowed_dims: tuple[int, ...] = ()
    _layout = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        _set_running_norm_args(self, num_features, eps, momentum, affine, track_running_stats)
        kw = _factory(device, dtype)
        if affine:
            self.weight = nn.Parameter(torch.empty(num_features, **kw))  # gamma
            if bias:
                self.bias = nn.Parameter(torch.empty(num_features, **kw))  # beta
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features, **kw))
            self.register_buffer("running_var", torch.ones(num_features, **kw))
            self.register_buffer(
                "num_batches_tracked", torch.tensor(0, dtype=torch.long, device=device)
            )
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1.0)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """gamma = 1, beta = 0: the layer starts as a pure standardization (paper, Sec. 3)."""
        self.reset_running_stats()
        if self.weight is not None:
            nn.init.ones_(self.weight)
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def _check_input(self, x: torch.Tensor) -> None:
        name = type(self).__name__
        if x.dim() not in self._allowed_dims:
            raise ValueError(
                f"{name} expects a {self._layout} input, got a {x.dim()}-D tensor of shape "
                f"{tuple(x.shape)}"
            )
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"{name} expected {self.num_features} channels (dim 1), got {x.shape[1]} "
                f"(input shape {tuple(x.shape)}); make num_features match the previous layer"
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        ndim = x.dim()
        # Batch statistics in training, and always when there are no running statistics.
        use_batch_stats = self.training or self.running_mean is None
        if use_batch_stats:
            axes = normalization_axes("batch", x.shape)
            n = x.numel() // x.shape[1]  # values per channel
            if n <= 1:
                raise ValueError(
                    f"Expected more than 1 value per channel when training, got input size "
                    f"{tuple(x.shape)}; use a batch larger than 1 or call .eval()"
                )
            mean, var = _moments(x, axes)  # 1 x C x 1 x 1, biased variance
            if self.training and self.track_running_stats:
                self._update_running_stats(mean, var, n)
        else:
            mean = _channel_view(self.running_mean, ndim)
            var = _channel_view(self.running_var, ndim)
        y = (x - mean) * torch.rsqrt(var + self.eps)
        if self.weight is not None:
            y = y * _channel_view(self.weight, ndim)
        if self.bias is not None:
            y = y + _channel_view(self.bias, ndim)
        return y

    @torch.no_grad()
    def _update_running_stats(self, mean: torch.Tensor, var: torch.Tensor, n: int) -> None:
        # PyTorch's rule: an exponential moving average with factor `momentum`, or with
        # factor 1/t after t batches when momentum is None (= the cumulative average).
        self.num_batches_tracked.add_(1)
        if self.momentum is None:
            factor = self.num_batches_tracked.to(self.running_mean.dtype).reciprocal()
        else:
            factor = self.momentum
        unbiased_var = var.flatten() * (n / (n - 1))
        self.running_mean.mul_(1 - factor).add_(factor * mean.flatten())
        self.running_var.mul_(1 - factor).add_(factor * unbiased_var)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization of ``(N, C)`` or ``(N, C, L)`` input; one mean/variance per channel."""

    _allowed_dims = (2, 3)
    _layout = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization of ``(N, C, H, W)`` input; statistics over ``N, H, W`` per channel.

    Training: normalize with the batch mean and biased variance, and update
    ``running_mean``/``running_var`` (unbiased) with ``momentum`` (``None``: cumulative average).
    Eval: normalize with the running statistics, a fixed per-channel affine map
    (see :func:`cnnlib.layers.bn_fold.batchnorm_as_affine`). With
    ``track_running_stats=False`` batch statistics are used in both modes.
    """

    _allowed_dims = (4,)
    _layout = "(N, C, H, W)"


class LayerNorm(nn.Module):
    """Layer normalization over the trailing ``normalized_shape`` axes of each sample.

    For a CNN feature map, ``normalized_shape=(C, H, W)`` gives the "layer" column of
    :func:`normalization_axes`. The affine weight/bias are per *element* of
    ``normalized_shape``, as in ``torch.nn.LayerNorm``. Same in train and eval mode.
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        if not self.normalized_shape or any(s <= 0 for s in self.normalized_shape):
            raise ValueError(
                f"normalized_shape must be non-empty with positive sizes, got {normalized_shape}"
            )
        if eps <= 0:
            raise ValueError(f"eps must be positive, got {eps}")
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        kw = _factory(device, dtype)
        if elementwise_affine:
            self.weight = nn.Parameter(torch.ones(self.normalized_shape, **kw))
            if bias:
                self.bias = nn.Parameter(torch.zeros(self.normalized_shape, **kw))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0."""
        if self.weight is not None:
            nn.init.ones_(self.weight)
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k = len(self.normalized_shape)
        if x.dim() < k or tuple(x.shape[-k:]) != self.normalized_shape:
            raise ValueError(
                f"LayerNorm expected input ending in normalized_shape {self.normalized_shape}, "
                f"got shape {tuple(x.shape)}"
            )
        mean, var = _moments(x, tuple(range(-k, 0)))
        y = (x - mean) * torch.rsqrt(var + self.eps)
        if self.weight is not None:  # trailing shapes broadcast without reshaping
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class InstanceNorm2d(nn.Module):
    """Instance normalization of ``(N, C, H, W)`` or ``(C, H, W)``: statistics over ``H, W``.

    Defaults follow ``torch.nn.InstanceNorm2d`` (no affine, no running statistics, so train
    and eval agree). With ``track_running_stats=True`` the running mean/variance move towards
    the per-instance statistics averaged over the batch, and eval mode uses them.

    Deviations from ``torch.nn.InstanceNorm2d``, both deliberate: a channel count different
    from ``num_features`` is always a ``ValueError`` (torch only warns when ``affine=False``);
    and ``momentum=None`` means the cumulative average, as in BatchNorm (torch treats it as 0,
    so its running statistics never move, and never counts ``num_batches_tracked``).
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        _set_running_norm_args(self, num_features, eps, momentum, affine, track_running_stats)
        kw = _factory(device, dtype)
        if affine:
            self.weight = nn.Parameter(torch.ones(num_features, **kw))
            if bias:
                self.bias = nn.Parameter(torch.zeros(num_features, **kw))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features, **kw))
            self.register_buffer("running_var", torch.ones(num_features, **kw))
            self.register_buffer(
                "num_batches_tracked", torch.tensor(0, dtype=torch.long, device=device)
            )
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 3:  # unbatched (C, H, W)
            return self.forward(x.unsqueeze(0)).squeeze(0)
        if x.dim() != 4:
            raise ValueError(
                f"InstanceNorm2d expects (N, C, H, W) or (C, H, W) input, got shape "
                f"{tuple(x.shape)}"
            )
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"InstanceNorm2d expected {self.num_features} channels (dim 1), got "
                f"{x.shape[1]} (input shape {tuple(x.shape)})"
            )
        if self.training or not self.track_running_stats:
            n = x.shape[2] * x.shape[3]
            if n <= 1:
                raise ValueError(
                    f"Expected more than 1 spatial element when training, got input size "
                    f"{tuple(x.shape)}"
                )
            mean, var = _moments(x, normalization_axes("instance", x.shape))  # N x C x 1 x 1
            if self.training and self.track_running_stats:
                self._update_running_stats(mean, var, n)
        else:
            mean = _channel_view(self.running_mean, 4)
            var = _channel_view(self.running_var, 4)
        y = (x - mean) * torch.rsqrt(var + self.eps)
        if self.weight is not None:
            y = y * _channel_view(self.weight, 4)
        if self.bias is not None:
            y = y + _channel_view(self.bias, 4)
        return y

    @torch.no_grad()
    def _update_running_stats(self, mean: torch.Tensor, var: torch.Tensor, n: int) -> None:
        self.num_batches_tracked.add_(1)
        if self.momentum is None:
            factor = self.num_batches_tracked.to(self.running_mean.dtype).reciprocal()
        else:
            factor = self.momentum
        # Per-instance statistics, averaged over the batch (what torch's instance_norm does).
        batch_mean = mean.flatten(1).mean(0)
        batch_var = (var * (n / (n - 1))).flatten(1).mean(0)
        self.running_mean.mul_(1 - factor).add_(factor * batch_mean)
        self.running_var.mul_(1 - factor).add_(factor * batch_var)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class GroupNorm(nn.Module):
    """Group normalization: split the ``C`` channels into ``G`` groups; statistics per sample
    and group over ``(C/G, H, W)`` (Wu & He 2018, Eq. 7). Independent of the batch size, so
    train and eval agree. The affine weight/bias are per channel.
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_groups <= 0 or num_channels <= 0:
            raise ValueError(
                f"num_groups and num_channels must be positive, got {num_groups}, {num_channels}"
            )
        if num_channels % num_groups:
            divisors = [g for g in range(1, num_channels + 1) if num_channels % g == 0]
            raise ValueError(
                f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups}); "
                f"valid num_groups for {num_channels} channels: {divisors}"
            )
        if eps <= 0:
            raise ValueError(f"eps must be positive, got {eps}")
        kw = _factory(device, dtype)
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = nn.Parameter(torch.ones(num_channels, **kw))
            if bias:
                self.bias = nn.Parameter(torch.zeros(num_channels, **kw))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0."""
        if self.weight is not None:
            nn.init.ones_(self.weight)
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() < 2 or x.shape[1] != self.num_channels:
            raise ValueError(
                f"GroupNorm expected (N, {self.num_channels}, *) input, got shape "
                f"{tuple(x.shape)}"
            )
        n = x.shape[0]
        grouped = x.reshape(n, self.num_groups, -1)  # N x G x (C/G * H * W)
        mean, var = _moments(grouped, (2,))
        y = ((grouped - mean) * torch.rsqrt(var + self.eps)).reshape(x.shape)
        if self.weight is not None:
            y = y * _channel_view(self.weight, x.dim())
        if self.bias is not None:
            y = y + _channel_view(self.bias, x.dim())
        return y

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class LocalResponseNorm(nn.Module):
    """AlexNet's local response normalization across channels (Krizhevsky et al. 2012, Sec. 3.3).

    ``b_c = a_c / (k + alpha / size * sum_{c'} a_{c'}^2) ** beta``, the sum running over the
    window ``c - size // 2 <= c' <= c + (size - 1) // 2``, with zeros beyond the first and last
    channel. This is ``torch.nn.LocalResponseNorm``'s formula. Deviation from the paper: the
    paper multiplies the *sum* by alpha (its alpha=1e-4 with n=5, k=2, beta=0.75), PyTorch and
    this module multiply the *average*, so the paper's alpha is ``size`` times smaller than
    the equivalent ``alpha`` here. For even ``size`` the window is one channel longer before
    ``c`` than after.
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        if size <= 0:
            raise ValueError(f"size must be a positive number of channels, got {size}")
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() < 3:
            raise ValueError(
                f"LocalResponseNorm expects (N, C, *spatial) input with at least 3 axes, got "
                f"shape {tuple(x.shape)}"
            )
        sq = x.square()
        before, after = self.size // 2, (self.size - 1) // 2
        pad_shape = list(x.shape)
        pad_shape[1] = before
        zeros_before = sq.new_zeros(pad_shape)
        pad_shape[1] = after
        padded = torch.cat([zeros_before, sq, sq.new_zeros(pad_shape)], dim=1)
        c = x.shape[1]
        # Window sum: output channel i sums padded channels i .. i + size - 1.
        window = sum(padded[:, j : j + c] for j in range(self.size))
        return x / (self.k + self.alpha / self.size * window).pow(self.beta)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
