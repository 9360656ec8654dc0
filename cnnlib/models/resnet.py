"""ResNet family: residual networks for ImageNet and CIFAR, ResNeXt, wide and SE variants.

He et al., "Deep Residual Learning for Image Recognition", 2015, arXiv:1512.03385.
A residual block computes ``act(F(x) + shortcut(x))``: the stacked layers fit the residual
``F(x) = H(x) - x`` instead of ``H(x)``, so an extra block can fall back to the identity.

What lives here (the architecture tables follow right below):

* ImageNet ResNets 18/34/50/101/152 (paper Table 1), parameter-for-parameter equal to
  torchvision's, including its "ResNet v1.5" stride placement (see :class:`Bottleneck`).
* CIFAR ResNets 20/32/44/56/110 and their plain twins (paper Sec. 4.2, Fig. 6).
* ResNeXt (Xie et al. 2016, arXiv:1611.05431), wide ImageNet ResNets (Zagoruyko & Komodakis
  2016, arXiv:1605.07146) and SE-ResNet-50 (Hu et al. 2017, arXiv:1709.01507).
* The CIFAR wide ResNet WRN-28-10 is a pre-activation network; it is built in
  ``preact_resnet.py`` next to the pre-activation blocks it is made of.

Every builder accepts ``drop_path_rate`` (stochastic depth, Huang et al. 2016,
arXiv:1603.09382): block ``l`` of ``L`` drops its residual branch with probability
``drop_path_rate * l / L`` during training (``cnnlib.layers.linear_drop_rates``).
"""
from __future__ import annotations

import inspect
from functools import partial
from typing import Any, Callable, Mapping, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from cnnlib.layers import ConvNormAct, DropPath, SqueezeExcitation, linear_drop_rates
from cnnlib.layers.factory import LayerFactory, make_activation
from cnnlib.layers.weight_init import (apply_init, he_normal_, zero_init_last_norm_,
                                       zero_init_residuals_)
from cnnlib.models._base import ImageClassifier, check_num_classes
from cnnlib.registry import register_model

__all__ = [
    "IMAGENET_RESNETS", "IMAGENET_WIDTHS", "IMAGENET_STRIDES",
    "CIFAR_DEPTHS", "CIFAR_WIDTHS", "CIFAR_STRIDES", "RESNEXTS",
    "BasicBlock", "Bottleneck", "PadShortcut", "make_shortcut", "make_stage", "make_stages",
    "ResNet", "build_resnet", "cifar_resnet",
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "resnet20", "resnet32", "resnet44", "resnet56", "resnet110",
    "plain20", "plain32", "plain44", "plain56", "plain110",
    "wide_resnet50_2", "wide_resnet101_2", "resnext50_32x4d", "resnext101_32x8d",
    "se_resnet50",
]

# --- The architectures as data ------------------------------------------------------------
# He et al. 2015, Table 1: block type and number of blocks in conv2_x, conv3_x, conv4_x, conv5_x.
IMAGENET_RESNETS: dict[str, tuple[str, tuple[int, ...]]] = {
    "resnet18": ("basic", (2, 2, 2, 2)),
    "resnet34": ("basic", (3, 4, 6, 3)),
    "resnet50": ("bottleneck", (3, 4, 6, 3)),
    "resnet101": ("bottleneck", (3, 4, 23, 3)),
    "resnet152": ("bottleneck", (3, 8, 36, 3)),
}
# Table 1: stage widths ("planes"); a stage outputs width * block.expansion channels.
IMAGENET_WIDTHS = (64, 128, 256, 512)
IMAGENET_STRIDES = (1, 2, 2, 2)  # conv3_1, conv4_1, conv5_1 halve the map (56 -> 28 -> 14 -> 7)

# He et al. 2015, Sec. 4.2: CIFAR nets have 6n + 2 weighted layers: a 3x3 conv with 16
# filters, three stages of n basic blocks on 32x32, 16x16, 8x8 maps with 16, 32, 64 filters,
# global average pooling and a 10-way fully connected layer. depth -> n:
CIFAR_DEPTHS: dict[int, int] = {20: 3, 32: 5, 44: 7, 56: 9, 110: 18}
CIFAR_WIDTHS = (16, 32, 64)
CIFAR_STRIDES = (1, 2, 2)

# Xie et al. 2016, Table 1: ResNeXt "depth (cardinality x width per group)"; the table shows
# 50 (32x4d); the 101 (32x8d) variant is the one torchvision ships.
RESNEXTS: dict[str, tuple[str, int, int]] = {
    "resnext50_32x4d": ("resnet50", 32, 4),
    "resnext101_32x8d": ("resnet101", 32, 8),
}


# --- Shortcuts -----------------------------------------------------------------------------
class PadShortcut(nn.Module):
    """Option A of He et al. 2015 (Sec. 3.3): a parameter-free shortcut.

    The identity, subsampled with ``stride`` when the map shrinks, with the extra output
    channels filled with zeros. The zero channels are appended after the input's channels
    (some CIFAR re-implementations pad both sides instead; the count of parameters, zero, and
    of MACs, zero, is the same).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        if out_channels < in_channels:
            raise ValueError(
                f"option A shortcuts can only add channels (zero padding); got {in_channels} -> "
                f"{out_channels}. Use shortcut='B' (projection) to reduce channels."
            )
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride > 1:
            x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, 0, self.out_channels - self.in_channels))

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, stride={self.stride}"


def make_shortcut(
    kind: Optional[str],
    in_channels: int,
    out_channels: int,
    stride: int = 1,
    *,
    norm_layer: LayerFactory = nn.BatchNorm2d,
) -> Optional[nn.Module]:
    """The shortcut path of a residual block (He et al. 2015, Sec. 3.3 and Table 3).

    ``"A"``: identity, zero-padded where the shape changes (no parameters).
    ``"B"``: identity, a 1x1 projection + norm where the shape changes (torchvision).
    ``"C"``: a 1x1 projection + norm on every block.
    ``None``: no shortcut at all, i.e. a plain network.
    """
    if kind not in ("A", "B", "C", None):
        raise ValueError(f"shortcut must be 'A', 'B', 'C' or None (plain), got {kind!r}")
    if kind is None:
        return None
    same_shape = stride == 1 and in_channels == out_channels
    if kind == "A":
        return nn.Identity() if same_shape else PadShortcut(in_channels, out_channels, stride)
    if kind == "B" and same_shape:
        return nn.Identity()
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 1, stride, bias=False), norm_layer(out_channels)
    )


def _check_drop_path(drop_path: float, shortcut: Optional[nn.Module]) -> None:
    if shortcut is None and drop_path > 0:
        raise ValueError(
            f"drop_path={drop_path} needs a shortcut: dropping the only path of a plain block "
            "zeroes its output. Use drop_path_rate=0 for plain networks."
        )


# --- Blocks --------------------------------------------------------------------------------
class BasicBlock(nn.Module):
    """Two 3x3 convs with a shortcut (He et al. 2015, Fig. 2 / Fig. 5 left).

    ``conv-norm-act-conv-norm [-attn] [-drop_path] (+ shortcut) -act``. ``attn_layer(channels)``
    (e.g. squeeze-excitation) rescales the residual branch before the addition;
    ``drop_path`` is the stochastic-depth probability of the branch.
    """

    expansion = 1

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        stride: int = 1,
        *,
        groups: int = 1,
        base_width: int = 64,
        shortcut: Optional[str] = "B",
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU,
        attn_layer: Optional[LayerFactory] = None,
        drop_path: float = 0.0,
    ) -> None:
        super().__init__()
        if groups != 1 or base_width != 64:
            raise ValueError(
                f"BasicBlock supports only groups=1 and base_width=64 (got {groups}, {base_width}); "
                "use Bottleneck for ResNeXt / wide variants."
            )
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = norm_layer(out_channels)
        self.act1 = make_activation(act_layer)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = norm_layer(out_channels)
        self.attn = attn_layer(out_channels) if attn_layer is not None else nn.Identity()
        self.shortcut = make_shortcut(shortcut, in_channels, out_channels, stride, norm_layer=norm_layer)
        _check_drop_path(drop_path, self.shortcut)
        self.drop_path = DropPath(drop_path)
        self.act2 = make_activation(act_layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.act1(self.bn1(self.conv1(x)))
        out = self.attn(self.bn2(self.conv2(out)))
        if self.shortcut is None:  # plain network
            return self.act2(out)
        out = self.drop_path(out)
        out += self.shortcut(x)  # in place, as torchvision: saves a copy (and is fast on meta)
        return self.act2(out)

    def zero_init_last(self) -> None:
        """Goyal et al. 2017 (arXiv:1706.02677, Sec. 5.1): gamma = 0 in the branch's last norm."""
        _check_residual(self.shortcut)
        zero_init_last_norm_(self.bn2)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3, 1x1 expand (x4), with a shortcut (He et al. 2015, Fig. 5 right).

    ResNet v1.5: the stride of a downsampling block sits on the 3x3 conv, as in torchvision.
    The paper (and ResNet v1) puts it on the first 1x1 conv, which then throws away 3/4 of
    its input positions unseen; ``stride_in_1x1=True`` restores the paper's placement (same
    parameters, fewer MACs). ``groups`` and ``base_width`` give ResNeXt (Xie et al. 2016):
    the 3x3 conv has ``groups * int(planes * base_width / 64)`` channels, ``planes =
    out_channels // 4``.
    """

    expansion = 4

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        stride: int = 1,
        *,
        groups: int = 1,
        base_width: int = 64,
        stride_in_1x1: bool = False,
        shortcut: Optional[str] = "B",
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU,
        attn_layer: Optional[LayerFactory] = None,
        drop_path: float = 0.0,
    ) -> None:
        super().__init__()
        if out_channels % self.expansion:
            raise ValueError(
                f"Bottleneck out_channels={out_channels} must be a multiple of {self.expansion}"
            )
        if groups < 1 or base_width < 1:
            raise ValueError(f"groups and base_width must be positive, got {groups}, {base_width}")
        planes = out_channels // self.expansion
        width = int(planes * base_width / 64) * groups
        if width == 0:
            raise ValueError(f"base_width={base_width} gives a 0-channel bottleneck; make it larger")
        stride1, stride3 = (stride, 1) if stride_in_1x1 else (1, stride)
        self.conv1 = nn.Conv2d(in_channels, width, 1, stride1, bias=False)
        self.bn1 = norm_layer(width)
        self.act1 = make_activation(act_layer)
        self.conv2 = nn.Conv2d(width, width, 3, stride3, 1, groups=groups, bias=False)
        self.bn2 = norm_layer(width)
        self.act2 = make_activation(act_layer)
        self.conv3 = nn.Conv2d(width, out_channels, 1, bias=False)
        self.bn3 = norm_layer(out_channels)
        self.attn = attn_layer(out_channels) if attn_layer is not None else nn.Identity()
        self.shortcut = make_shortcut(shortcut, in_channels, out_channels, stride, norm_layer=norm_layer)
        _check_drop_path(drop_path, self.shortcut)
        self.drop_path = DropPath(drop_path)
        self.act3 = make_activation(act_layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.act1(self.bn1(self.conv1(x)))
        out = self.act2(self.bn2(self.conv2(out)))
        out = self.attn(self.bn3(self.conv3(out)))
        if self.shortcut is None:
            return self.act3(out)
        out = self.drop_path(out)
        out += self.shortcut(x)  # in place, as torchvision: saves a copy (and is fast on meta)
        return self.act3(out)

    def zero_init_last(self) -> None:
        """Goyal et al. 2017 (arXiv:1706.02677, Sec. 5.1): gamma = 0 in the branch's last norm."""
        _check_residual(self.shortcut)
        zero_init_last_norm_(self.bn3)


def _check_residual(shortcut: Optional[nn.Module]) -> None:
    if shortcut is None:
        raise ValueError(
            "zero_init_residual needs residual blocks; in a plain network it would zero every "
            "block's output. Use zero_init_residual=False."
        )


# --- Stage builders (pure: explicit channels in, nn.Sequential out) -------------------------
def make_stage(
    block: type[nn.Module],
    in_channels: int,
    out_channels: int,
    num_blocks: int,
    stride: int = 1,
    *,
    drop_path_rates: Optional[Sequence[float]] = None,
    first_block_kwargs: Optional[Mapping[str, Any]] = None,
    **block_kwargs: Any,
) -> nn.Sequential:
    """``num_blocks`` blocks; the first maps ``in_channels`` to ``out_channels`` with ``stride``.

    ``drop_path_rates`` gives each block's stochastic-depth probability (default all 0);
    ``first_block_kwargs`` are extra arguments for the first block only.
    """
    if num_blocks < 1:
        raise ValueError(f"a stage needs at least one block, got num_blocks={num_blocks}")
    rates = [0.0] * num_blocks if drop_path_rates is None else [float(r) for r in drop_path_rates]
    if len(rates) != num_blocks:
        raise ValueError(f"got {len(rates)} drop_path_rates for {num_blocks} blocks; give one per block")
    blocks = []
    for i, rate in enumerate(rates):
        extra = dict(first_block_kwargs or {}) if i == 0 else {}
        blocks.append(
            block(
                in_channels if i == 0 else out_channels,
                out_channels,
                stride if i == 0 else 1,
                drop_path=rate,
                **block_kwargs,
                **extra,
            )
        )
    return nn.Sequential(*blocks)


def make_stages(
    block: type[nn.Module],
    in_channels: int,
    widths: Sequence[int],
    depths: Sequence[int],
    strides: Sequence[int],
    *,
    drop_path_rate: float = 0.0,
    first_block_kwargs: Optional[Mapping[str, Any]] = None,
    **block_kwargs: Any,
) -> tuple[nn.Sequential, int]:
    """All stages of a network and its output channel count.

    Stage ``i`` has ``depths[i]`` blocks and outputs ``widths[i] * block.expansion`` channels;
    its first block has stride ``strides[i]``. Stochastic-depth rates grow linearly over *all*
    blocks of the network (Huang et al. 2016, Eq. 4), so the last block drops with
    ``drop_path_rate``. ``first_block_kwargs`` go to the network's very first block.
    """
    if not len(widths) == len(depths) == len(strides):
        raise ValueError(
            f"widths, depths and strides need one entry per stage; got {len(widths)}, "
            f"{len(depths)}, {len(strides)}"
        )
    _check_block_kwargs(block, {**block_kwargs, **(first_block_kwargs or {})})
    rates = linear_drop_rates(drop_path_rate, sum(depths))
    stages, start = [], 0
    for i, (width, depth, stride) in enumerate(zip(widths, depths, strides)):
        out_channels = width * block.expansion
        stages.append(
            make_stage(
                block, in_channels, out_channels, depth, stride,
                drop_path_rates=rates[start : start + depth],
                first_block_kwargs=first_block_kwargs if i == 0 else None,
                **block_kwargs,
            )
        )
        in_channels, start = out_channels, start + depth
    return nn.Sequential(*stages), in_channels


def _check_block_kwargs(block: type[nn.Module], kwargs: Mapping[str, Any]) -> None:
    params = inspect.signature(block).parameters
    accepted = sorted(n for n, p in params.items() if p.kind is p.KEYWORD_ONLY and n != "drop_path")
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise ValueError(
            f"unknown option(s) {unknown} for {block.__name__}; the blocks accept {accepted}, "
            "the network also takes num_classes, in_channels, drop_path_rate, drop_rate and "
            "zero_init_residual"
        )


# --- The network ---------------------------------------------------------------------------
class ResNet(ImageClassifier):
    """``stem -> stages -> final`` then ``global average pool -> dropout -> fc``.

    The pieces are built by the builders below (and in ``preact_resnet.py``); ``final`` is the
    closing norm + activation of pre-activation networks (identity otherwise).
    """

    def __init__(
        self,
        stem: nn.Module,
        stages: nn.Sequential,
        num_features: int,
        *,
        num_classes: int = 1000,
        in_channels: int = 3,
        final: Optional[nn.Module] = None,
        drop_rate: float = 0.0,
        zero_init_residual: bool = False,
    ) -> None:
        super().__init__()
        check_num_classes(num_classes)
        self.in_channels = in_channels
        self.num_features = num_features
        self.stem = stem
        self.stages = stages
        self.final = final if final is not None else nn.Identity()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(drop_rate)
        self.fc = nn.Linear(num_features, num_classes)
        self.init_weights(zero_init_residual=zero_init_residual)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        # resnet50 at 224x224 / CIFAR resnet56 at 32x32:
        x = self.stem(x)  # N x 64 x 56 x 56 / N x 16 x 32 x 32
        # resnet50 stages: N x 256 x 56 x 56, N x 512 x 28 x 28, N x 1024 x 14 x 14, N x 2048 x 7 x 7
        # resnet56 stages: N x 16 x 32 x 32, N x 32 x 16 x 16, N x 64 x 8 x 8
        x = self.stages(x)
        return self.final(x)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(self.pool(x), 1)  # N x num_features
        return self.fc(self.dropout(x))

    def init_weights(self, *, zero_init_residual: bool = False) -> None:
        """Initialise all weights; the rules and their sources:

        * conv: He et al. 2015 (arXiv:1502.01852, Eq. 14), normal with std sqrt(2 / fan)
          for ReLU nets, using fan_out as torchvision does (the paper shows either fan works);
        * norm layers: scale 1, shift 0, so each starts as a plain standardisation;
        * fc: PyTorch's default uniform init, as torchvision leaves it;
        * ``zero_init_residual``: each block's last norm scale = 0, so every residual block
          starts as the identity (Goyal et al. 2017, arXiv:1706.02677, Sec. 5.1).
        """
        apply_init(self, conv=he_normal_)
        if zero_init_residual:
            zero_init_residuals_(self)


_BLOCKS: dict[str, type[nn.Module]] = {"basic": BasicBlock, "bottleneck": Bottleneck}


def build_resnet(
    block: type[nn.Module],
    depths: Sequence[int],
    *,
    num_classes: int = 1000,
    in_channels: int = 3,
    widths: Sequence[int] = IMAGENET_WIDTHS,
    norm_layer: LayerFactory = nn.BatchNorm2d,
    act_layer: LayerFactory = nn.ReLU,
    drop_path_rate: float = 0.0,
    drop_rate: float = 0.0,
    zero_init_residual: bool = False,
    first_block_kwargs: Optional[Mapping[str, Any]] = None,
    final: Optional[Callable[[int, LayerFactory, LayerFactory], nn.Module]] = None,
    **block_kwargs: Any,
) -> ResNet:
    """An ImageNet-style ResNet: 7x7/2 conv + 3x3/2 max-pool stem, then four stages.

    ``block_kwargs`` go to every block (``groups``, ``base_width``, ``shortcut``,
    ``attn_layer``, ``stride_in_1x1``), ``first_block_kwargs`` to the very first one only;
    ``final(num_features, norm_layer, act_layer)`` builds what closes the last stage (nothing
    by default; pre-activation networks put their last norm and activation there).
    """
    stem = nn.Sequential(
        # N x 64 x 112 x 112
        ConvNormAct(in_channels, 64, 7, 2, norm_layer=norm_layer, act_layer=act_layer),
        nn.MaxPool2d(3, 2, 1),  # N x 64 x 56 x 56
    )
    stages, num_features = make_stages(
        block, 64, widths, depths, IMAGENET_STRIDES[: len(depths)],
        drop_path_rate=drop_path_rate, first_block_kwargs=first_block_kwargs,
        norm_layer=norm_layer, act_layer=act_layer, **block_kwargs,
    )
    return ResNet(
        stem, stages, num_features, num_classes=num_classes, in_channels=in_channels,
        final=None if final is None else final(num_features, norm_layer, act_layer),
        drop_rate=drop_rate, zero_init_residual=zero_init_residual,
    )


def _imagenet(name: str, **kwargs: Any) -> ResNet:
    block, depths = IMAGENET_RESNETS[name]
    return build_resnet(_BLOCKS[block], depths, **kwargs)


def cifar_resnet(
    depth: int,
    *,
    num_classes: int = 10,
    in_channels: int = 3,
    shortcut: Optional[str] = "A",
    norm_layer: LayerFactory = nn.BatchNorm2d,
    act_layer: LayerFactory = nn.ReLU,
    drop_path_rate: float = 0.0,
    drop_rate: float = 0.0,
    zero_init_residual: bool = False,
    **block_kwargs: Any,
) -> ResNet:
    """He et al. 2015, Sec. 4.2: the 6n+2-layer CIFAR ResNet (``shortcut=None``: plain net).

    The paper's CIFAR nets use option A shortcuts everywhere (identity, zero-padded where
    the width doubles; no parameters), so a ResNet and its plain twin have exactly the same
    parameters. ``shortcut='B'`` gives 1x1 projections where the shape changes instead.
    """
    if depth < 8 or (depth - 2) % 6:
        raise ValueError(
            f"CIFAR ResNet depth must be 6n + 2 with n >= 1 (20, 32, 44, 56, 110, ...), got {depth}"
        )
    n = (depth - 2) // 6
    # N x 16 x 32 x 32
    stem = ConvNormAct(in_channels, 16, 3, norm_layer=norm_layer, act_layer=act_layer)
    stages, num_features = make_stages(
        BasicBlock, 16, CIFAR_WIDTHS, (n, n, n), CIFAR_STRIDES,
        drop_path_rate=drop_path_rate, shortcut=shortcut,
        norm_layer=norm_layer, act_layer=act_layer, **block_kwargs,
    )
    return ResNet(
        stem, stages, num_features, num_classes=num_classes, in_channels=in_channels,
        drop_rate=drop_rate, zero_init_residual=zero_init_residual,
    )


# --- Registered builders -------------------------------------------------------------------
@register_model
def resnet18(*, num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """ResNet-18 (arXiv:1512.03385, Table 1: basic blocks [2, 2, 2, 2])."""
    return _imagenet("resnet18", num_classes=num_classes, **kwargs)


@register_model
def resnet34(*, num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """ResNet-34 (arXiv:1512.03385, Table 1: basic blocks [3, 4, 6, 3])."""
    return _imagenet("resnet34", num_classes=num_classes, **kwargs)


@register_model
def resnet50(*, num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """ResNet-50 v1.5 (arXiv:1512.03385, Table 1: bottlenecks [3, 4, 6, 3])."""
    return _imagenet("resnet50", num_classes=num_classes, **kwargs)


@register_model
def resnet101(*, num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """ResNet-101 v1.5 (arXiv:1512.03385, Table 1: bottlenecks [3, 4, 23, 3])."""
    return _imagenet("resnet101", num_classes=num_classes, **kwargs)


@register_model
def resnet152(*, num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """ResNet-152 v1.5 (arXiv:1512.03385, Table 1: bottlenecks [3, 8, 36, 3])."""
    return _imagenet("resnet152", num_classes=num_classes, **kwargs)


@register_model
def resnet20(*, num_classes: int = 10, **kwargs: Any) -> ResNet:
    """CIFAR ResNet-20 (arXiv:1512.03385, Sec. 4.2: n = 3, option A shortcuts)."""
    return cifar_resnet(20, num_classes=num_classes, **kwargs)


@register_model
def resnet32(*, num_classes: int = 10, **kwargs: Any) -> ResNet:
    """CIFAR ResNet-32 (arXiv:1512.03385, Sec. 4.2: n = 5, option A shortcuts)."""
    return cifar_resnet(32, num_classes=num_classes, **kwargs)


@register_model
def resnet44(*, num_classes: int = 10, **kwargs: Any) -> ResNet:
    """CIFAR ResNet-44 (arXiv:1512.03385, Sec. 4.2: n = 7, option A shortcuts)."""
    return cifar_resnet(44, num_classes=num_classes, **kwargs)


@register_model
def resnet56(*, num_classes: int = 10, **kwargs: Any) -> ResNet:
    """CIFAR ResNet-56 (arXiv:1512.03385, Sec. 4.2: n = 9, option A shortcuts)."""
    return cifar_resnet(56, num_classes=num_classes, **kwargs)


@register_model
def resnet110(*, num_classes: int = 10, **kwargs: Any) -> ResNet:
    """CIFAR ResNet-110 (arXiv:1512.03385, Sec. 4.2: n = 18, option A shortcuts)."""
    return cifar_resnet(110, num_classes=num_classes, **kwargs)


@register_model
def plain20(*, num_classes: int = 10, **kwargs: Any) -> ResNet:
    """Plain-20: ResNet-20 without shortcuts (arXiv:1512.03385, Sec. 4.2, Fig. 6 left)."""
    return cifar_resnet(20, num_classes=num_classes, shortcut=None, **kwargs)


@register_model
def plain32(*, num_classes: int = 10, **kwargs: Any) -> ResNet:
    """Plain-32: ResNet-32 without shortcuts (arXiv:1512.03385, Sec. 4.2, Fig. 6 left)."""
    return cifar_resnet(32, num_classes=num_classes, shortcut=None, **kwargs)


@register_model
def plain44(*, num_classes: int = 10, **kwargs: Any) -> ResNet:
    """Plain-44: ResNet-44 without shortcuts (arXiv:1512.03385, Sec. 4.2, Fig. 6 left)."""
    return cifar_resnet(44, num_classes=num_classes, shortcut=None, **kwargs)


@register_model
def plain56(*, num_classes: int = 10, **kwargs: Any) -> ResNet:
    """Plain-56: ResNet-56 without shortcuts (arXiv:1512.03385, Sec. 4.2, Fig. 6 left)."""
    return cifar_resnet(56, num_classes=num_classes, shortcut=None, **kwargs)


@register_model
def plain110(*, num_classes: int = 10, **kwargs: Any) -> ResNet:
    """Plain-110: ResNet-110 without shortcuts (arXiv:1512.03385, Sec. 4.2)."""
    return cifar_resnet(110, num_classes=num_classes, shortcut=None, **kwargs)


@register_model
def wide_resnet50_2(*, num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """Wide ResNet-50-2 (arXiv:1605.07146, ImageNet runs: bottleneck inner width doubled)."""
    return _imagenet("resnet50", num_classes=num_classes, base_width=128, **kwargs)


@register_model
def wide_resnet101_2(*, num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """Wide ResNet-101-2 (arXiv:1605.07146: ResNet-101, bottleneck inner width doubled)."""
    return _imagenet("resnet101", num_classes=num_classes, base_width=128, **kwargs)


@register_model
def resnext50_32x4d(*, num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """ResNeXt-50 (32x4d) (arXiv:1611.05431, Table 1: cardinality 32, width 4 per group)."""
    base, groups, width = RESNEXTS["resnext50_32x4d"]
    return _imagenet(base, num_classes=num_classes, groups=groups, base_width=width, **kwargs)


@register_model
def resnext101_32x8d(*, num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """ResNeXt-101 (32x8d) (arXiv:1611.05431 Table 1 template; 32 groups of 8, as torchvision)."""
    base, groups, width = RESNEXTS["resnext101_32x8d"]
    return _imagenet(base, num_classes=num_classes, groups=groups, base_width=width, **kwargs)


@register_model
def se_resnet50(*, num_classes: int = 1000, reduction: int = 16, **kwargs: Any) -> ResNet:
    """SE-ResNet-50 (arXiv:1709.01507, Fig. 3: an SE block with r = 16 on every residual branch).

    Squeeze-excitation rescales the residual branch before the addition (Fig. 3). Its
    1x1-conv "FC" layers carry biases; with 1000 classes we count 28,088,024 parameters
    (ResNet-50's 25,557,032 plus 2,530,992 in the SE layers), matching the paper's ~28.1M
    (~2.5M more than ResNet-50). The block strides follow ResNet v1.5 like the rest of this
    file; the authors' Caffe models put it in the first 1x1 conv (``stride_in_1x1=True``).
    """
    attn = partial(SqueezeExcitation, reduction=reduction)
    return _imagenet("resnet50", num_classes=num_classes, attn_layer=attn, **kwargs)
