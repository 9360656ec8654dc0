"""Pre-activation ResNets and the CIFAR wide ResNet WRN-28-10.

He et al., "Identity Mappings in Deep Residual Networks", 2016, arXiv:1603.05027.
Moving BN and ReLU *before* each convolution ("full pre-activation", Fig. 4e) leaves the
shortcut a pure identity from block to block: ``x_{l+1} = x_l + F(x_l)``, so the signal and
its gradient pass through the whole network unchanged (Eqs. 4-5). Because no block ends in
an activation any more, the network closes with one extra BN-ReLU before pooling.

Zagoruyko & Komodakis, "Wide Residual Networks", 2016, arXiv:1605.07146, use these blocks
on CIFAR with few, wide stages (Table 1): WRN-d-k has (d - 4) / 6 blocks per stage and
widths 16k, 32k, 64k, with optional dropout between the two convs of a block (Sec. 2.4).

Stages are built with the pure stage builder of ``resnet.py`` and live in the same
``ResNet`` container (stem -> stages -> final BN-ReLU -> pool -> fc).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import torch
from torch import nn

from cnnlib.layers import DropPath, LayerFactory, make_activation
from cnnlib.models.resnet import IMAGENET_RESNETS, ResNet, build_resnet, make_stages
from cnnlib.registry import register_model

__all__ = [
    "WIDE_RESNETS", "PreActBasicBlock", "PreActBottleneck", "build_preact_resnet",
    "cifar_wide_resnet",
    "preact_resnet18", "preact_resnet34", "preact_resnet50", "preact_resnet101",
    "preact_resnet152", "wide_resnet28_10",
]

# The ImageNet depths are those of He et al. 2015, Table 1 (IMAGENET_RESNETS in resnet.py).
# Zagoruyko & Komodakis 2016, Table 1 / Sec. 3: CIFAR WRN-d-k, (depth d, widening factor k).
WIDE_RESNETS: dict[str, tuple[int, int]] = {"wide_resnet28_10": (28, 10)}
WIDE_BASE_WIDTHS = (16, 32, 64)  # times k
WIDE_STRIDES = (1, 2, 2)


def _projection(in_channels: int, out_channels: int, stride: int) -> Optional[nn.Module]:
    """1x1 projection where the shape changes (no norm: the next block's BN follows)."""
    if stride == 1 and in_channels == out_channels:
        return None
    return nn.Conv2d(in_channels, out_channels, 1, stride, bias=False)


class _PreActBlock(nn.Module):
    """Shared forward of the pre-activation blocks.

    ``pre = act(norm(x))`` feeds the residual branch, and also the projection shortcut where
    the shape changes (as in the authors' Torch code, fb.resnet.torch ``preresnet.lua``, and
    the WRN code); identity shortcuts carry the raw ``x``. With ``preact=False`` the block
    skips its own BN-ReLU because its input is already activated: the network's first block
    after a conv-BN-ReLU stem (He et al. 2016, Sec. 4.1).
    """

    def _pre(self, x: torch.Tensor) -> torch.Tensor:
        return self.act1(self.bn1(x))

    def _branch(self, pre: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = self._pre(x)
        shortcut = x if self.shortcut is None else self.shortcut(pre)
        out = self.drop_path(self.attn(self._branch(pre)))
        out += shortcut  # in place: saves a copy (and is fast on the meta device)
        return out


class PreActBasicBlock(_PreActBlock):
    """BN-ReLU-conv3x3, BN-ReLU-[dropout]-conv3x3, plus the identity (He et al. 2016, Fig. 4e).

    ``dropout`` sits between the convolutions as in wide ResNets (arXiv:1605.07146, Sec. 2.4).
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
        preact: bool = True,
        dropout: float = 0.0,
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU,
        attn_layer: Optional[LayerFactory] = None,
        drop_path: float = 0.0,
    ) -> None:
        super().__init__()
        if groups != 1 or base_width != 64:
            raise ValueError(
                f"PreActBasicBlock supports only groups=1 and base_width=64 (got {groups}, "
                f"{base_width}); use PreActBottleneck for grouped or wider bottlenecks."
            )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.bn1 = norm_layer(in_channels) if preact else nn.Identity()
        self.act1 = make_activation(act_layer) if preact else nn.Identity()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn2 = norm_layer(out_channels)
        self.act2 = make_activation(act_layer)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.attn = attn_layer(out_channels) if attn_layer is not None else nn.Identity()
        self.shortcut = _projection(in_channels, out_channels, stride)
        self.drop_path = DropPath(drop_path)

    def _branch(self, pre: torch.Tensor) -> torch.Tensor:
        out = self.conv1(pre)
        return self.conv2(self.dropout(self.act2(self.bn2(out))))

    def zero_init_last(self) -> None:
        """Zero the branch's last conv so the block starts as the identity.

        The pre-activation analogue of Goyal et al. 2017 (arXiv:1706.02677, Sec. 5.1): the
        branch ends in a conv, not a norm (timm's ``resnetv2`` does the same).
        """
        nn.init.zeros_(self.conv2.weight)


class PreActBottleneck(_PreActBlock):
    """BN-ReLU-conv1x1, BN-ReLU-conv3x3 (stride), BN-ReLU-conv1x1 (x4), plus the identity.

    The stride sits on the 3x3 conv, as in the authors' Torch code (fb.resnet.torch); the
    1x1/3x3/1x1 widths follow ``Bottleneck`` in ``resnet.py`` (``groups``, ``base_width``).
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
        preact: bool = True,
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU,
        attn_layer: Optional[LayerFactory] = None,
        drop_path: float = 0.0,
    ) -> None:
        super().__init__()
        if out_channels % self.expansion:
            raise ValueError(
                f"PreActBottleneck out_channels={out_channels} must be a multiple of {self.expansion}"
            )
        width = int(out_channels // self.expansion * base_width / 64) * groups
        if width < 1:
            raise ValueError(f"groups={groups}, base_width={base_width} give an empty bottleneck")
        self.bn1 = norm_layer(in_channels) if preact else nn.Identity()
        self.act1 = make_activation(act_layer) if preact else nn.Identity()
        self.conv1 = nn.Conv2d(in_channels, width, 1, bias=False)
        self.bn2 = norm_layer(width)
        self.act2 = make_activation(act_layer)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, groups=groups, bias=False)
        self.bn3 = norm_layer(width)
        self.act3 = make_activation(act_layer)
        self.conv3 = nn.Conv2d(width, out_channels, 1, bias=False)
        self.attn = attn_layer(out_channels) if attn_layer is not None else nn.Identity()
        self.shortcut = _projection(in_channels, out_channels, stride)
        self.drop_path = DropPath(drop_path)

    def _branch(self, pre: torch.Tensor) -> torch.Tensor:
        out = self.act2(self.bn2(self.conv1(pre)))
        out = self.act3(self.bn3(self.conv2(out)))
        return self.conv3(out)

    def zero_init_last(self) -> None:
        """Zero the branch's last conv (see ``PreActBasicBlock.zero_init_last``)."""
        nn.init.zeros_(self.conv3.weight)


_BLOCKS: dict[str, type[nn.Module]] = {"basic": PreActBasicBlock, "bottleneck": PreActBottleneck}


def _final(channels: int, norm_layer: LayerFactory, act_layer: LayerFactory) -> nn.Sequential:
    # He et al. 2016, Sec. 4.1: "an extra activation right after [the last] addition".
    return nn.Sequential(norm_layer(channels), make_activation(act_layer))


def build_preact_resnet(block: type[nn.Module], depths: Sequence[int], **kwargs: Any) -> ResNet:
    """An ImageNet pre-activation ResNet (He et al. 2016, Sec. 4.1 on the first and last units):
    :func:`cnnlib.models.resnet.build_resnet` (same stem, stages and keyword arguments) where the
    first block skips its own BN-ReLU ("for the first Residual Unit ... we adopt the first
    activation right after conv1 and before splitting into two paths") and a final BN-ReLU
    closes the last stage.
    """
    return build_resnet(block, depths, first_block_kwargs={"preact": False}, final=_final, **kwargs)


def _imagenet(name: str, **kwargs: Any) -> ResNet:
    block, depths = IMAGENET_RESNETS[name]
    return build_preact_resnet(_BLOCKS[block], depths, **kwargs)


def cifar_wide_resnet(
    depth: int,
    widen_factor: int,
    *,
    num_classes: int = 10,
    in_channels: int = 3,
    dropout: float = 0.0,
    norm_layer: LayerFactory = nn.BatchNorm2d,
    act_layer: LayerFactory = nn.ReLU,
    drop_path_rate: float = 0.0,
    zero_init_residual: bool = False,
) -> ResNet:
    """WRN-``depth``-``widen_factor`` for 32x32 inputs (Zagoruyko & Komodakis 2016, Table 1).

    A plain 3x3 conv with 16 filters (no BN-ReLU: the first block's pre-activation follows),
    three stages of ``(depth - 4) / 6`` pre-activation basic blocks with 16k, 32k, 64k
    channels, then BN-ReLU, global average pooling and the classifier. ``dropout`` is the
    probability between the two convs of each block (the paper's best CIFAR runs use 0.3).
    """
    if depth < 10 or (depth - 4) % 6:
        raise ValueError(f"WRN depth must be 6n + 4 with n >= 1 (16, 22, 28, 40, ...), got {depth}")
    if widen_factor < 1:
        raise ValueError(f"widen_factor must be a positive integer, got {widen_factor}")
    n = (depth - 4) // 6
    stem = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)  # N x 16 x 32 x 32
    widths = [w * widen_factor for w in WIDE_BASE_WIDTHS]  # WRN-28-10: 160, 320, 640
    stages, num_features = make_stages(
        PreActBasicBlock, 16, widths, (n, n, n), WIDE_STRIDES,
        drop_path_rate=drop_path_rate, dropout=dropout, norm_layer=norm_layer, act_layer=act_layer,
    )  # WRN-28-10: N x 160 x 32 x 32, N x 320 x 16 x 16, N x 640 x 8 x 8
    return ResNet(
        stem, stages, num_features, num_classes=num_classes, in_channels=in_channels,
        final=_final(num_features, norm_layer, act_layer), zero_init_residual=zero_init_residual,
    )


# --- Registered builders -------------------------------------------------------------------
@register_model
def preact_resnet18(*, num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """Pre-activation ResNet-18 (arXiv:1603.05027; depths of arXiv:1512.03385 Table 1)."""
    return _imagenet("resnet18", num_classes=num_classes, **kwargs)


@register_model
def preact_resnet34(*, num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """Pre-activation ResNet-34 (arXiv:1603.05027; depths of arXiv:1512.03385 Table 1)."""
    return _imagenet("resnet34", num_classes=num_classes, **kwargs)


@register_model
def preact_resnet50(*, num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """Pre-activation ResNet-50 (arXiv:1603.05027; depths of arXiv:1512.03385 Table 1)."""
    return _imagenet("resnet50", num_classes=num_classes, **kwargs)


@register_model
def preact_resnet101(*, num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """Pre-activation ResNet-101 (arXiv:1603.05027; depths of arXiv:1512.03385 Table 1)."""
    return _imagenet("resnet101", num_classes=num_classes, **kwargs)


@register_model
def preact_resnet152(*, num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """Pre-activation ResNet-152 (arXiv:1603.05027; depths of arXiv:1512.03385)."""
    return _imagenet("resnet152", num_classes=num_classes, **kwargs)


@register_model
def wide_resnet28_10(*, num_classes: int = 10, **kwargs: Any) -> ResNet:
    """CIFAR WRN-28-10 (arXiv:1605.07146, Table 1: pre-activation basic blocks, k = 10).

    The paper's CIFAR comparison table gives it 36.5M parameters; the tests count 36,479,194
    with 10 classes."""
    depth, k = WIDE_RESNETS["wide_resnet28_10"]
    return cifar_wide_resnet(depth, k, num_classes=num_classes, **kwargs)
