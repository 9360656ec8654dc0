"""EfficientNet (Tan & Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural
Networks", ICML 2019, arXiv:1905.11946): the B0 baseline (Table 1), the released B0-B7 and
compound scaling (Eq. 3).

**B0** is a stack of MBConv blocks (MobileNetV2's inverted residual + squeeze-and-excitation,
SiLU/"swish" activations, stochastic depth), found by a MnasNet-style search.

**Compound scaling** grows depth, width and resolution together with one coefficient phi:
``depth = alpha^phi``, ``width = beta^phi``, ``resolution = gamma^phi``, under the constraint
``alpha * beta^2 * gamma^2 ~= 2`` so that FLOPs grow by about ``2^phi`` (FLOPs are linear in
depth and quadratic in width and resolution). A small grid search on B0 gave alpha=1.2,
beta=1.1, gamma=1.15 (Section 4).

Two families are built from the same B0 code, under different names:

* ``efficientnet_b0`` .. ``efficientnet_b7``: **the published networks**, the ones the paper's
  Table 2 reports (e.g. B1: 7.8M parameters, 0.70B FLOPs) and torchvision ships. Their
  (width, depth, resolution, dropout) are the authors' table, ``efficientnet_params`` in
  ``efficientnet_builder.py`` of the official TensorFlow code (github.com/tensorflow/tpu,
  ``models/official/efficientnet``), which torchvision's ``efficientnet_b0..b7`` copy:
  :data:`EFFICIENTNET_RELEASED`. Parameter and MAC counts equal torchvision's exactly
  (tests/test_zoo_names.py).
* ``efficientnet_phi1`` .. ``efficientnet_phi7`` (and :func:`efficientnet_phi` for phi 0..7):
  **the formula**, B0 scaled by ``beta^phi``, ``alpha^phi`` and ``224 * gamma^phi`` at integer
  phi. No published network has these multipliers; they show what Eq. 3 alone gives, and they
  are not B1..B7. ``efficientnet_phi(0)`` is B0.

Released networks (the authors' table; counts with 1000 classes, MACs at the listed
resolution, both computed by the tests for this file and for torchvision's models):

=======  =====  =====  ==========  =======  ==========  ==============
variant  width  depth  resolution  dropout  params      MACs
=======  =====  =====  ==========  =======  ==========  ==============
b0       1.0    1.0    224         0.2      5,288,548   385,814,752
b1       1.0    1.1    240         0.2      7,794,184   686,802,832
b2       1.1    1.2    260         0.3      9,109,994   993,561,872
b3       1.2    1.4    300         0.3      12,233,232  1,827,141,392
b4       1.4    1.8    380         0.4      19,341,616  4,393,771,024
b5       1.6    2.2    456         0.4      30,389,784  10,266,384,752
b6       1.8    2.6    528         0.5      43,040,704  19,067,593,536
b7       2.0    3.1    600         0.5      66,347,960  37,745,884,192
=======  =====  =====  ==========  =======  ==========  ==============

Computed from Eq. 3 (resolution ``224 * gamma^phi`` rounded to the nearest pixel; dropout
raised linearly from 0.2 at phi=0 to 0.5 at phi=7, our reading of Section 5.2's "linearly
increased from 0.2 for EfficientNet-B0 to 0.5 for B7"; the released table steps it instead):

=======  ======  ======  ==========  =======  ==========  ==============
name     width   depth   resolution  dropout  params      MACs
=======  ======  ======  ==========  =======  ==========  ==============
phi1     1.1000  1.2000  258         0.243    9,109,994   992,629,472
phi2     1.2100  1.4400  296         0.286    12,255,408  1,810,522,464
phi3     1.3310  1.7280  341         0.329    16,350,296  3,250,916,456
phi4     1.4641  2.0736  392         0.371    25,916,448  6,319,727,088
phi5     1.6105  2.4883  451         0.414    33,726,740  11,374,487,904
phi6     1.7716  2.9860  518         0.457    45,464,648  20,094,026,560
phi7     1.9487  3.5832  596         0.500    68,741,810  39,663,901,696
=======  ======  ======  ==========  =======  ==========  ==============

Where the two part: the released table is a hand-rounded schedule, not Eq. 3 at integer phi
(the paper does not say how it was rounded). phi=1 gives (1.1, 1.2, 258): the released *B2*
width and depth, so ``efficientnet_phi1`` has exactly B2's parameters at a 258-pixel input.
The released B1 keeps width 1.0 and takes depth 1.1 at 240 pixels, about phi=0.5 in depth and
resolution. At every index N the released BN is shallower than ``alpha^N`` (B7: depth 3.1
against alpha^7 = 3.58) and has fewer parameters and MACs than phiN; its resolution trails
``224 * gamma^N`` up to B4 and passes it from B5 on, its width passes ``beta^N`` from B6 on
(B7: width 2.0 against 1.95, 600 pixels against 596).

Deviations from the released models, none of which changes a count: BatchNorm keeps
PyTorch's defaults (the TF models use eps=1e-3 and momentum 0.99, i.e. 0.01 in PyTorch's
convention, which torchvision uses for B5-B7 only); padding is symmetric ``k // 2`` (as in
torchvision) where the TF code pads "same", asymmetric for the stride-2 convs.
"""
from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

from cnnlib.layers import ConvNormAct, DropPath, LayerFactory, SqueezeExcitation, make_divisible
from cnnlib.layers.weight_init import apply_init, he_normal_
from cnnlib.models._base import ImageClassifier
from cnnlib.registry import register_model

__all__ = [
    "EfficientNetStage", "EFFICIENTNET_B0_STAGES", "CompoundScaling", "compound_scaling",
    "EfficientNetVariant", "EFFICIENTNET_RELEASED", "released_variant", "phi_variant",
    "MBConv", "EfficientNet", "efficientnet_phi",
    "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
    "efficientnet_b4", "efficientnet_b5", "efficientnet_b6", "efficientnet_b7",
    "efficientnet_phi1", "efficientnet_phi2", "efficientnet_phi3", "efficientnet_phi4",
    "efficientnet_phi5", "efficientnet_phi6", "efficientnet_phi7",
]


@dataclass(frozen=True)
class EfficientNetStage:
    """One row of Table 1: ``repeats`` MBConv blocks (the first one with ``stride``)."""

    expand_ratio: int
    kernel: int
    stride: int
    in_channels: int
    out_channels: int
    repeats: int


# Tan & Le 2019, Table 1 (EfficientNet-B0), stages 2-8; stage 1 is the 3x3 / 2 stem conv to 32
# channels and stage 9 the 1x1 conv to 1280 + pool + FC. Shapes at 224x224 after each stage:
EFFICIENTNET_B0_STAGES: tuple[EfficientNetStage, ...] = (
    #                  t  k  s  in   out  n               stem: N x 32 x 112 x 112
    EfficientNetStage(1, 3, 1, 32, 16, 1),    # MBConv1 3x3:  N x 16 x 112 x 112
    EfficientNetStage(6, 3, 2, 16, 24, 2),    # MBConv6 3x3:  N x 24 x 56 x 56
    EfficientNetStage(6, 5, 2, 24, 40, 2),    # MBConv6 5x5:  N x 40 x 28 x 28
    EfficientNetStage(6, 3, 2, 40, 80, 3),    # MBConv6 3x3:  N x 80 x 14 x 14
    EfficientNetStage(6, 5, 1, 80, 112, 3),   # MBConv6 5x5:  N x 112 x 14 x 14
    EfficientNetStage(6, 5, 2, 112, 192, 4),  # MBConv6 5x5:  N x 192 x 7 x 7
    EfficientNetStage(6, 3, 1, 192, 320, 1),  # MBConv6 3x3:  N x 320 x 7 x 7
)
EFFICIENTNET_B0_HEAD = 1280                   # conv1x1:      N x 1280 x 7 x 7
EFFICIENTNET_BASE_RESOLUTION = 224


# --------------------------------------------------------------------------- compound scaling
@dataclass(frozen=True)
class CompoundScaling:
    """Multipliers for one phi (Eq. 3): ``depth = alpha^phi``, ``width = beta^phi``,
    ``resolution_mult = gamma^phi``; ``resolution`` is the input side in pixels."""

    phi: float
    depth: float
    width: float
    resolution_mult: float
    resolution: int

    @property
    def flops_mult(self) -> float:
        """The FLOPs factor the scaling implies: ``depth * width^2 * resolution_mult^2``."""
        return self.depth * self.width**2 * self.resolution_mult**2


def compound_scaling(
    phi: float,
    alpha: float = 1.2,
    beta: float = 1.1,
    gamma: float = 1.15,
    base_resolution: int = EFFICIENTNET_BASE_RESOLUTION,
) -> CompoundScaling:
    """Depth/width/resolution multipliers for compound coefficient ``phi`` (paper Eq. 3).

    Defaults are the paper's grid-searched alpha=1.2, beta=1.1, gamma=1.15 (Section 4, step 1).
    The resolution is ``base_resolution * gamma^phi`` rounded to the nearest pixel.
    """
    if not (isinstance(phi, (int, float)) and math.isfinite(phi) and phi >= 0):
        raise ValueError(f"phi must be a finite number >= 0 (B0 is phi=0), got {phi!r}")
    for name, value in (("alpha", alpha), ("beta", beta), ("gamma", gamma)):
        if not value >= 1:  # the paper's constraint alpha, beta, gamma >= 1
            raise ValueError(f"{name} must be >= 1 (scaling never shrinks the network), got {value}")
    if base_resolution <= 0:
        raise ValueError(f"base_resolution must be positive, got {base_resolution}")
    resolution_mult = gamma**phi
    return CompoundScaling(
        phi=phi,
        depth=alpha**phi,
        width=beta**phi,
        resolution_mult=resolution_mult,
        resolution=int(round(base_resolution * resolution_mult)),
    )


# --------------------------------------------------------------------------- the two families
@dataclass(frozen=True)
class EfficientNetVariant:
    """One member of a family: B0's width and depth multipliers, the input side in pixels
    (``resolution``, the model's ``default_input_size``) and the classifier's dropout."""

    name: str
    width: float
    depth: float
    resolution: int
    dropout: float


# The released EfficientNet-B0..B7: (width_coefficient, depth_coefficient, resolution,
# dropout_rate) of the authors' ``efficientnet_builder.efficientnet_params`` (TF code,
# github.com/tensorflow/tpu, models/official/efficientnet), the models of the paper's Table 2;
# torchvision's efficientnet_b0..b7 use the same width_mult, depth_mult and dropout.
EFFICIENTNET_RELEASED: tuple[EfficientNetVariant, ...] = (
    #                   name               width  depth  resolution  dropout
    EfficientNetVariant("efficientnet_b0", 1.0, 1.0, 224, 0.2),
    EfficientNetVariant("efficientnet_b1", 1.0, 1.1, 240, 0.2),
    EfficientNetVariant("efficientnet_b2", 1.1, 1.2, 260, 0.3),
    EfficientNetVariant("efficientnet_b3", 1.2, 1.4, 300, 0.3),
    EfficientNetVariant("efficientnet_b4", 1.4, 1.8, 380, 0.4),
    EfficientNetVariant("efficientnet_b5", 1.6, 2.2, 456, 0.4),
    EfficientNetVariant("efficientnet_b6", 1.8, 2.6, 528, 0.5),
    EfficientNetVariant("efficientnet_b7", 2.0, 3.1, 600, 0.5),
)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def released_variant(index: int) -> EfficientNetVariant:
    """The released EfficientNet-B``index`` (0..7): a row of :data:`EFFICIENTNET_RELEASED`."""
    if not _is_int(index) or index not in range(len(EFFICIENTNET_RELEASED)):
        raise ValueError(f"the released EfficientNets are B0..B7, got B{index!r}")
    return EFFICIENTNET_RELEASED[index]


def phi_variant(phi: int) -> EfficientNetVariant:
    """B0 scaled by compound scaling at integer ``phi`` (0..7) with the paper's alpha, beta,
    gamma (:func:`compound_scaling`), and dropout raised linearly from 0.2 (phi=0) to 0.5
    (phi=7). Not a published network for phi >= 1: see the module docstring."""
    if not _is_int(phi) or phi not in range(8):
        raise ValueError(f"phi must be an integer 0..7 (the range the paper scales over), got {phi!r}")
    s = compound_scaling(phi)
    return EfficientNetVariant(f"efficientnet_phi{phi}", s.width, s.depth, s.resolution,
                               dropout=0.2 + (0.5 - 0.2) * phi / 7)


# --------------------------------------------------------------------------- blocks
class MBConv(nn.Module):
    """Mobile inverted bottleneck with squeeze-and-excitation (MnasNet/EfficientNet).

    expand 1x1 (``expand_ratio``; skipped when 1) -> depthwise ``k x k`` (stride) -> SE ->
    linear 1x1 project. SE squeezes to ``se_ratio * in_channels`` (the block's *input* width,
    as the authors' code and torchvision). With a skip connection (stride 1, in == out) the
    branch is dropped per sample with probability ``drop_path_rate`` in training (stochastic
    depth, Huang et al. 2016).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        expand_ratio: float,
        kernel_size: int,
        stride: int,
        se_ratio: float = 0.25,
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.SiLU,
        drop_path_rate: float = 0.0,
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"MBConv: stride must be 1 or 2, got {stride}")
        if kernel_size % 2 == 0:
            raise ValueError(f"MBConv: kernel_size must be odd for 'same' padding, got {kernel_size}")
        if expand_ratio < 1:
            raise ValueError(f"MBConv: expand_ratio must be >= 1, got {expand_ratio}")
        hidden = make_divisible(in_channels * expand_ratio, 8)
        layers: list[tuple[str, nn.Module]] = []
        if hidden != in_channels:
            layers.append(("expand", ConvNormAct(in_channels, hidden, 1,
                                                 norm_layer=norm_layer, act_layer=act_layer)))
        layers.append(("depthwise", ConvNormAct(hidden, hidden, kernel_size, stride, groups=hidden,
                                                norm_layer=norm_layer, act_layer=act_layer)))
        if se_ratio > 0:
            layers.append(("se", SqueezeExcitation(
                hidden, squeeze_channels=max(1, int(in_channels * se_ratio)), act_layer=act_layer)))
        layers.append(("project", ConvNormAct(hidden, out_channels, 1,
                                              norm_layer=norm_layer, act_layer=None)))
        self.block = nn.Sequential(OrderedDict(layers))
        self.use_residual = stride == 1 and in_channels == out_channels
        self.drop_path = DropPath(drop_path_rate) if self.use_residual else nn.Identity()
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.block(x)
        return x + self.drop_path(out) if self.use_residual else out


def scale_stages(
    stages: tuple[EfficientNetStage, ...], width_mult: float, depth_mult: float
) -> tuple[EfficientNetStage, ...]:
    """Apply width (channels, rounded to multiples of 8) and depth (repeats, rounded *up*) to a
    stage table, as the authors' ``round_filters`` / ``round_repeats``."""
    return tuple(
        EfficientNetStage(
            s.expand_ratio, s.kernel, s.stride,
            make_divisible(s.in_channels * width_mult, 8),
            make_divisible(s.out_channels * width_mult, 8),
            int(math.ceil(s.repeats * depth_mult)),
        )
        for s in stages
    )


class EfficientNet(ImageClassifier):
    """Stem conv 3x3 / 2, scaled MBConv stages, 1x1 head conv, pool, dropout, FC.

    ``default_input_size`` is the variant's recommended input resolution (square side).
    """

    def __init__(
        self,
        num_classes: int = 1000,
        *,
        width_mult: float = 1.0,
        depth_mult: float = 1.0,
        stages: tuple[EfficientNetStage, ...] = EFFICIENTNET_B0_STAGES,
        default_input_size: int = EFFICIENTNET_BASE_RESOLUTION,
        in_channels: int = 3,
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.SiLU,
        dropout: float = 0.2,
        drop_path_rate: float = 0.2,
    ) -> None:
        super().__init__()
        if not (width_mult > 0 and depth_mult > 0):
            raise ValueError(f"width_mult and depth_mult must be positive, "
                             f"got {width_mult}, {depth_mult}")
        if not stages:
            raise ValueError("stages must contain at least one EfficientNetStage")
        if not 0.0 <= drop_path_rate < 1.0:
            raise ValueError(f"drop_path_rate must be in [0, 1), got {drop_path_rate}")
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.width_mult, self.depth_mult = width_mult, depth_mult
        self.default_input_size = default_input_size
        self.stage_table = scale_stages(stages, width_mult, depth_mult)

        stem = self.stage_table[0].in_channels
        head = make_divisible(EFFICIENTNET_B0_HEAD * width_mult, 8)  # authors' round_filters(1280)
        total_blocks = sum(s.repeats for s in self.stage_table)
        layers: list[tuple[str, nn.Module]] = [
            ("stem", ConvNormAct(in_channels, stem, 3, 2, norm_layer=norm_layer, act_layer=act_layer)),
        ]
        c, block_index = stem, 0
        for i, s in enumerate(self.stage_table, start=1):
            blocks = []
            for j in range(s.repeats):
                # Stochastic depth grows linearly with the block index from 0 (first block) to
                # drop_path_rate * (L-1)/L (the authors' code: rate * idx / len(blocks)).
                blocks.append(MBConv(
                    c, s.out_channels, expand_ratio=s.expand_ratio, kernel_size=s.kernel,
                    stride=s.stride if j == 0 else 1, norm_layer=norm_layer, act_layer=act_layer,
                    drop_path_rate=drop_path_rate * block_index / total_blocks))
                c, block_index = s.out_channels, block_index + 1
            layers.append((f"stage{i}", nn.Sequential(*blocks)))
        layers.append(("head_conv", ConvNormAct(c, head, 1, norm_layer=norm_layer,
                                                act_layer=act_layer)))
        self.body = nn.Sequential(OrderedDict(layers))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(head, num_classes)
        self.init_weights()

    def init_weights(self) -> None:
        """The authors' code (and torchvision): convs He-normal fan_out (He et al. 2015,
        arXiv:1502.01852); FC uniform(+-1/sqrt(num_classes)); norm weight 1, bias 0."""
        apply_init(self, conv=he_normal_, linear=_dense_init_)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)  # N x 1280 x 7 x 7 for B0 at 224x224

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(torch.flatten(self.pool(x), 1)))


def _dense_init_(weight: torch.Tensor) -> torch.Tensor:
    """U(+-1/sqrt(out_features)): the authors' ``dense_kernel_initializer`` (TF EfficientNet)."""
    bound = 1.0 / math.sqrt(weight.shape[0])
    return nn.init.uniform_(weight, -bound, bound)


def _build(variant: EfficientNetVariant, num_classes: int, **kwargs) -> EfficientNet:
    kwargs.setdefault("dropout", variant.dropout)
    return EfficientNet(
        num_classes,
        width_mult=variant.width,
        depth_mult=variant.depth,
        default_input_size=variant.resolution,
        **kwargs,
    )


def efficientnet_phi(phi: int, *, num_classes: int = 1000, **kwargs) -> EfficientNet:
    """B0 compound-scaled at integer ``phi`` (0..7) by Eq. 3 alone (:func:`phi_variant`).

    Not the published B``phi``: the released B1..B7 (``efficientnet_b1`` ..) use the authors'
    rounded table. ``efficientnet_phi(0)`` equals ``efficientnet_b0``.
    """
    return _build(phi_variant(phi), num_classes, **kwargs)


# ------------------------------------------------------------------ released networks (Table 2)
@register_model
def efficientnet_b0(*, num_classes: int = 1000, **kwargs) -> EfficientNet:
    """EfficientNet-B0 (arXiv:1905.11946, Table 1), 224x224; equals torchvision's model."""
    return _build(released_variant(0), num_classes, **kwargs)


@register_model
def efficientnet_b1(*, num_classes: int = 1000, **kwargs) -> EfficientNet:
    """The released EfficientNet-B1 (arXiv:1905.11946, Table 2; the authors' width 1.0,
    depth 1.1, 240x240, dropout 0.2); equals torchvision's model."""
    return _build(released_variant(1), num_classes, **kwargs)


@register_model
def efficientnet_b2(*, num_classes: int = 1000, **kwargs) -> EfficientNet:
    """The released EfficientNet-B2 (arXiv:1905.11946, Table 2; the authors' width 1.1,
    depth 1.2, 260x260, dropout 0.3); equals torchvision's model."""
    return _build(released_variant(2), num_classes, **kwargs)


@register_model
def efficientnet_b3(*, num_classes: int = 1000, **kwargs) -> EfficientNet:
    """The released EfficientNet-B3 (arXiv:1905.11946, Table 2; the authors' width 1.2,
    depth 1.4, 300x300, dropout 0.3); equals torchvision's model."""
    return _build(released_variant(3), num_classes, **kwargs)


@register_model
def efficientnet_b4(*, num_classes: int = 1000, **kwargs) -> EfficientNet:
    """The released EfficientNet-B4 (arXiv:1905.11946, Table 2; the authors' width 1.4,
    depth 1.8, 380x380, dropout 0.4); equals torchvision's model."""
    return _build(released_variant(4), num_classes, **kwargs)


@register_model
def efficientnet_b5(*, num_classes: int = 1000, **kwargs) -> EfficientNet:
    """The released EfficientNet-B5 (arXiv:1905.11946, Table 2; the authors' width 1.6,
    depth 2.2, 456x456, dropout 0.4); equals torchvision's model."""
    return _build(released_variant(5), num_classes, **kwargs)


@register_model
def efficientnet_b6(*, num_classes: int = 1000, **kwargs) -> EfficientNet:
    """The released EfficientNet-B6 (arXiv:1905.11946, Table 2; the authors' width 1.8,
    depth 2.6, 528x528, dropout 0.5); equals torchvision's model."""
    return _build(released_variant(6), num_classes, **kwargs)


@register_model
def efficientnet_b7(*, num_classes: int = 1000, **kwargs) -> EfficientNet:
    """The released EfficientNet-B7 (arXiv:1905.11946, Table 2; the authors' width 2.0,
    depth 3.1, 600x600, dropout 0.5); equals torchvision's model."""
    return _build(released_variant(7), num_classes, **kwargs)


# ------------------------------------------------------------------ Eq. 3 alone (not published)
@register_model
def efficientnet_phi1(*, num_classes: int = 1000, **kwargs) -> EfficientNet:
    """B0 compound-scaled at phi=1 (Eq. 3: width 1.1, depth 1.2, 258x258); not the published
    B1 (see :func:`efficientnet_b1`); its parameters equal the released B2's."""
    return efficientnet_phi(1, num_classes=num_classes, **kwargs)


@register_model
def efficientnet_phi2(*, num_classes: int = 1000, **kwargs) -> EfficientNet:
    """B0 compound-scaled at phi=2 (Eq. 3); not the published B2 (:func:`efficientnet_b2`)."""
    return efficientnet_phi(2, num_classes=num_classes, **kwargs)


@register_model
def efficientnet_phi3(*, num_classes: int = 1000, **kwargs) -> EfficientNet:
    """B0 compound-scaled at phi=3 (Eq. 3); not the published B3 (:func:`efficientnet_b3`)."""
    return efficientnet_phi(3, num_classes=num_classes, **kwargs)


@register_model
def efficientnet_phi4(*, num_classes: int = 1000, **kwargs) -> EfficientNet:
    """B0 compound-scaled at phi=4 (Eq. 3); not the published B4 (:func:`efficientnet_b4`)."""
    return efficientnet_phi(4, num_classes=num_classes, **kwargs)


@register_model
def efficientnet_phi5(*, num_classes: int = 1000, **kwargs) -> EfficientNet:
    """B0 compound-scaled at phi=5 (Eq. 3); not the published B5 (:func:`efficientnet_b5`)."""
    return efficientnet_phi(5, num_classes=num_classes, **kwargs)


@register_model
def efficientnet_phi6(*, num_classes: int = 1000, **kwargs) -> EfficientNet:
    """B0 compound-scaled at phi=6 (Eq. 3); not the published B6 (:func:`efficientnet_b6`)."""
    return efficientnet_phi(6, num_classes=num_classes, **kwargs)


@register_model
def efficientnet_phi7(*, num_classes: int = 1000, **kwargs) -> EfficientNet:
    """B0 compound-scaled at phi=7 (Eq. 3); not the published B7 (:func:`efficientnet_b7`)."""
    return efficientnet_phi(7, num_classes=num_classes, **kwargs)
