"""NASNet-A (Zoph, Vasudevan, Shlens, Le, "Learning Transferable Architectures for Scalable
Image Recognition", arXiv:1707.07012), mobile size "NASNet-A (4 @ 1056)".

Neural architecture search (a controller RNN trained with reinforcement learning) looks for
two *cells*, not a whole network: a **Normal cell** that keeps the spatial size and a
**Reduction cell** that halves it (stride 2 on the cell inputs). The network stacks N normal
cells between reduction cells (Fig. 2); "4 @ 1056" means N=4 and 1056 filters in the
penultimate layer. Searched on CIFAR-10, the same cells transfer to ImageNet.

A cell takes the outputs of the two previous cells, ``h_i`` (state 0) and ``h_{i-1}`` (state
1). Each of its 5 blocks picks two existing states, applies one op to each, and adds the
results, making a new state; the unused states are concatenated as the cell's output.

The cells as data (Fig. 4, in the indexing of the authors' TF code ``nasnet_utils.py``):
each block is ``(op_left, input_left, op_right, input_right)``; states 2..6 are the blocks'
outputs in order; ``concat`` lists the states that form the output.

Simplifications and deviations (none change the parameter count of the main network):

* No auxiliary classifier: the paper's training-only side head is left out.
* ScheduledDropPath: the drop probability of each op is ``drop_path_rate * (cell + 1) / cells``
  (the TF code's layer ratio); the paper's linear ramp over *training time* is left to the
  training loop (set ``model.set_drop_path_rate(...)``). Mobile NASNet trains with it off (0.0).
* Padding is symmetric (PyTorch); TensorFlow's "SAME" padding puts the extra pixel of a
  stride-2 layer on the bottom/right. Same shapes and weights, slightly shifted sampling.
* Batch norm: eps 1e-3 as the TF code; PyTorch's default momentum.
"""
from __future__ import annotations

from collections import OrderedDict
from functools import partial
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from cnnlib.layers import DropPath, LayerFactory, linear_drop_rates
from cnnlib.layers.weight_init import apply_init, he_normal_
from cnnlib.models._base import ImageClassifier
from cnnlib.registry import register_model

__all__ = [
    "CellGenotype", "NASNET_A_NORMAL", "NASNET_A_REDUCTION", "SeparableConv2d",
    "StackedSeparableConv", "FactorizedReduce", "NASNetCell", "NASNet", "nasnet_a_mobile",
]


class CellGenotype(NamedTuple):
    blocks: tuple[tuple[str, int, str, int], ...]
    concat: tuple[int, ...]
    reduction: bool


# Zoph et al. 2018, Fig. 4 (left): NASNet-A Normal cell. State 0 = h_i, state 1 = h_{i-1}.
NASNET_A_NORMAL = CellGenotype(
    blocks=(
        ("sep5x5", 0, "sep3x3", 1),
        ("sep5x5", 1, "sep3x3", 1),
        ("avg3x3", 0, "identity", 1),
        ("avg3x3", 1, "avg3x3", 1),
        ("sep3x3", 0, "identity", 0),
    ),
    concat=(1, 2, 3, 4, 5, 6),  # h_{i-1} and the 5 new states: 6 x C channels
    reduction=False,
)
# Fig. 4 (right): NASNet-A Reduction cell. Ops on the cell inputs (states 0, 1) use stride 2.
NASNET_A_REDUCTION = CellGenotype(
    blocks=(
        ("sep5x5", 0, "sep7x7", 1),
        ("max3x3", 0, "sep7x7", 1),
        ("avg3x3", 0, "sep5x5", 1),
        ("identity", 3, "avg3x3", 2),
        ("sep3x3", 2, "max3x3", 0),
    ),
    concat=(3, 4, 5, 6),  # 4 x C channels
    reduction=True,
)
# NASNet-A (4 @ 1056), the paper's mobile ImageNet model: N=4 normal cells per stage,
# penultimate 1056 = 24 x 44 filters. The ImageNet stem (Fig. 2, right) is a 3x3 / 2 conv with
# 32 filters and two reduction cells.
NASNET_MOBILE_N, NASNET_MOBILE_PENULTIMATE, NASNET_MOBILE_STEM = 4, 1056, 32


class SeparableConv2d(nn.Sequential):
    """Depthwise k x k conv (stride) + pointwise 1x1 conv, no bias, no norm in between."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1) -> None:
        super().__init__(OrderedDict([
            ("depthwise", nn.Conv2d(in_channels, in_channels, kernel_size, stride,
                                    kernel_size // 2, groups=in_channels, bias=False)),
            ("pointwise", nn.Conv2d(in_channels, out_channels, 1, bias=False)),
        ]))


class StackedSeparableConv(nn.Sequential):
    """The cells' "sep k x k" op: (act, separable conv, norm) twice; only the first has the
    stride and changes the channels (the TF code's ``_stacked_separable_conv``)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int, *,
                 norm_layer: LayerFactory, act_layer: LayerFactory) -> None:
        super().__init__(OrderedDict([
            ("act1", act_layer()),
            ("sep1", SeparableConv2d(in_channels, out_channels, kernel_size, stride)),
            ("norm1", norm_layer(out_channels)),
            ("act2", act_layer()),
            ("sep2", SeparableConv2d(out_channels, out_channels, kernel_size, 1)),
            ("norm2", norm_layer(out_channels)),
        ]))


class FactorizedReduce(nn.Module):
    """Halve the spatial size of ``h_{i-1}`` to match ``h_i`` (TF ``factorized_reduction``).

    act, then two 1x1 convs on the even pixels and on the pixels shifted by one, each giving
    half the channels, concatenated and normalized: all pixels are seen, no information is
    thrown away by a plain stride-2 1x1 conv.
    """

    def __init__(self, in_channels: int, out_channels: int, *, norm_layer: LayerFactory,
                 act_layer: LayerFactory) -> None:
        super().__init__()
        self.act = act_layer()
        self.subsample = nn.AvgPool2d(1, stride=2)
        self.path1 = nn.Conv2d(in_channels, out_channels // 2, 1, bias=False)
        self.path2 = nn.Conv2d(in_channels, out_channels - out_channels // 2, 1, bias=False)
        self.norm = norm_layer(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act(x)
        shifted = F.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]  # move the image up-left by one pixel
        return self.norm(torch.cat([self.path1(self.subsample(x)),
                                    self.path2(self.subsample(shifted))], dim=1))


def _make_op(name: str, in_channels: int, channels: int, stride: int, *, norm_layer: LayerFactory,
             act_layer: LayerFactory) -> nn.Module:
    if name.startswith("sep"):
        k = int(name[3])
        return StackedSeparableConv(in_channels, channels, k, stride,
                                    norm_layer=norm_layer, act_layer=act_layer)
    if in_channels != channels:
        raise ValueError(f"op {name!r} keeps the channel count, but its input has {in_channels} "
                         f"channels and the cell {channels}; feed it a preprocessed state")
    if name == "avg3x3":
        # TF's "SAME" average pooling does not count the padding (count_include_pad=False).
        return nn.AvgPool2d(3, stride, padding=1, count_include_pad=False)
    if name == "max3x3":
        return nn.MaxPool2d(3, stride, padding=1)
    if name == "identity":
        if stride != 1:
            raise ValueError("an identity op can't reduce the spatial size (stride 2)")
        return nn.Identity()
    raise ValueError(f"unknown NASNet op {name!r}; use sep3x3, sep5x5, sep7x7, avg3x3, max3x3 "
                     f"or identity")


class NASNetCell(nn.Module):
    """One Normal or Reduction cell built from a :class:`CellGenotype`.

    ``prev_mode`` says how ``h_{i-1}`` is brought to the cell's shape: ``"factorized"`` when it
    has twice the spatial size of ``h_i`` (after a reduction), ``"conv"`` (act, 1x1, norm) when
    only the channels differ, ``"identity"`` for the first stem cell, which has no previous
    cell and sees the stem conv's output as both inputs (as the TF code).
    """

    def __init__(
        self,
        genotype: CellGenotype,
        cur_channels: int,
        prev_channels: int,
        channels: int,
        *,
        prev_mode: str,
        norm_layer: LayerFactory,
        act_layer: LayerFactory,
        drop_path_rate: float = 0.0,
    ) -> None:
        super().__init__()
        _check_genotype(genotype)
        self.genotype = genotype
        self.preprocess_cur = nn.Sequential(OrderedDict([
            ("act", act_layer()),
            ("conv", nn.Conv2d(cur_channels, channels, 1, bias=False)),
            ("norm", norm_layer(channels)),
        ]))
        if prev_mode == "factorized":
            self.preprocess_prev: nn.Module = FactorizedReduce(
                prev_channels, channels, norm_layer=norm_layer, act_layer=act_layer)
            prev_out = channels
        elif prev_mode == "conv":
            self.preprocess_prev = nn.Sequential(OrderedDict([
                ("act", act_layer()),
                ("conv", nn.Conv2d(prev_channels, channels, 1, bias=False)),
                ("norm", norm_layer(channels)),
            ]))
            prev_out = channels
        elif prev_mode == "identity":
            self.preprocess_prev = nn.Identity()
            prev_out = prev_channels
        else:
            raise ValueError(f"prev_mode must be 'factorized', 'conv' or 'identity', got {prev_mode!r}")
        state_channels = [channels, prev_out]
        ops = []
        for left, i_left, right, i_right in genotype.blocks:
            for name, index in ((left, i_left), (right, i_right)):
                stride = 2 if genotype.reduction and index < 2 else 1
                ops.append(_make_op(name, state_channels[index], channels, stride,
                                    norm_layer=norm_layer, act_layer=act_layer))
            state_channels.append(channels)
        for j in genotype.concat:
            if state_channels[j] != channels:
                raise ValueError(f"state {j} has {state_channels[j]} channels, not the cell's "
                                 f"{channels}; it can't be concatenated")
        self.ops = nn.ModuleList(ops)
        self.drop_path = DropPath(drop_path_rate)
        self.out_channels = len(genotype.concat) * channels

    def forward(self, cur: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:
        states = [self.preprocess_cur(cur), self.preprocess_prev(prev)]
        for b, (_, i_left, _, i_right) in enumerate(self.genotype.blocks):
            out = 0
            for op, index in ((self.ops[2 * b], i_left), (self.ops[2 * b + 1], i_right)):
                h = op(states[index])
                # The TF code drops every op output except identities.
                out = out + (h if isinstance(op, nn.Identity) else self.drop_path(h))
            states.append(out)
        return torch.cat([states[j] for j in self.genotype.concat], dim=1)


def _check_genotype(g: CellGenotype) -> None:
    for b, (_, i_left, _, i_right) in enumerate(g.blocks):
        for index in (i_left, i_right):
            if not 0 <= index < 2 + b:
                raise ValueError(f"block {b} reads state {index}, but only states 0..{1 + b} "
                                 f"exist at that point")
    if not g.concat or any(not 0 <= j < 2 + len(g.blocks) for j in g.concat):
        raise ValueError(f"concat {g.concat} must name existing states 0..{1 + len(g.blocks)}")


class NASNet(ImageClassifier):
    """ImageNet NASNet-A: stem conv, two reduction stem cells, then [N normal cells,
    reduction cell] x 2 and N normal cells, act, global pool, dropout, FC.

    Filters: ``C = penultimate_filters / 24`` in the first stage, doubled at each reduction
    (the last stage's normal cells output ``6 x 4C = 24C``); the stem cells use ``C/4`` and
    ``C/2``. Shapes at 224x224 (mobile): stem conv N x 32 x 111 x 111, stem cells N x 44 x 56 x 56
    and N x 88 x 28 x 28, stage 1 N x 264 x 28 x 28, reduction N x 352 x 14 x 14, stage 2
    N x 528 x 14 x 14, reduction N x 704 x 7 x 7, stage 3 N x 1056 x 7 x 7.
    """

    def __init__(
        self,
        num_classes: int = 1000,
        *,
        num_normal: int = NASNET_MOBILE_N,
        penultimate_filters: int = NASNET_MOBILE_PENULTIMATE,
        stem_filters: int = NASNET_MOBILE_STEM,
        normal: CellGenotype = NASNET_A_NORMAL,
        reduction: CellGenotype = NASNET_A_REDUCTION,
        in_channels: int = 3,
        norm_layer: LayerFactory = partial(nn.BatchNorm2d, eps=1e-3),
        act_layer: LayerFactory = nn.ReLU,
        dropout: float = 0.5,
        drop_path_rate: float = 0.0,
    ) -> None:
        super().__init__()
        if num_normal < 1:
            raise ValueError(f"num_normal (the paper's N) must be >= 1, got {num_normal}")
        if penultimate_filters <= 0 or penultimate_filters % 24:
            raise ValueError(f"penultimate_filters must be a positive multiple of 24 (the last "
                             f"stage outputs 24 x C), got {penultimate_filters}")
        c = penultimate_filters // 24
        if c % 4:
            raise ValueError(f"penultimate_filters / 24 = {c} must be divisible by 4 (the first "
                             f"stem cell uses C/4 filters); e.g. 1056 or 4032")
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.stem = nn.Sequential(OrderedDict([
            # "VALID" padding as in the TF code: 224 -> 111.
            ("conv", nn.Conv2d(in_channels, stem_filters, 3, stride=2, padding=0, bias=False)),
            ("norm", norm_layer(stem_filters)),
        ]))
        # (genotype, filters) for every cell; the two stem cells first.
        plan: list[tuple[CellGenotype, int]] = [(reduction, c // 4), (reduction, c // 2)]
        for stage in range(3):
            if stage:
                plan.append((reduction, c * 2**stage))
            plan += [(normal, c * 2**stage)] * num_normal
        rates = linear_drop_rates(drop_path_rate, len(plan) - 2)

        cells = []
        # (channels, resolution level) of h_i and h_{i-1}; the stem conv plays both for cell 0.
        cur, prev = (stem_filters, 0), (stem_filters, 0)
        for k, (genotype, filters) in enumerate(plan):
            if k == 0:
                mode = "identity"
            elif prev[1] != cur[1]:
                mode = "factorized"
            else:
                mode = "conv"
            cell = NASNetCell(genotype, cur[0], prev[0], filters, prev_mode=mode,
                              norm_layer=norm_layer, act_layer=act_layer,
                              drop_path_rate=rates[k - 2] if k >= 2 else 0.0)
            cells.append(cell)
            prev, cur = cur, (cell.out_channels, cur[1] + int(genotype.reduction))
        self.cells = nn.ModuleList(cells)
        self.num_stem_cells = 2
        self.final_act = act_layer()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)  # TF mobile NASNet keeps 50% before the FC
        self.fc = nn.Linear(cur[0], num_classes)
        self.init_weights()

    def set_drop_path_rate(self, drop_path_rate: float) -> None:
        """Set the (final) drop-path rate, e.g. from a training-time schedule (ScheduledDropPath)."""
        rates = linear_drop_rates(drop_path_rate, len(self.cells) - self.num_stem_cells)
        for cell, rate in zip(self.cells[self.num_stem_cells:], rates):
            cell.drop_path.p = rate

    def init_weights(self) -> None:
        """He-normal fan_out for convs and the FC (the TF code's
        ``variance_scaling_initializer(mode='FAN_OUT')``, i.e. He et al. 2015,
        arXiv:1502.01852); biases 0; norm weight 1, bias 0."""
        apply_init(self, conv=he_normal_, linear=he_normal_)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        cur, prev = x, x
        for cell in self.cells:
            cur, prev = cell(cur, prev), cur
        return cur  # N x 1056 x 7 x 7 at 224x224 (mobile)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(torch.flatten(self.pool(self.final_act(x)), 1)))


@register_model
def nasnet_a_mobile(*, num_classes: int = 1000, **kwargs) -> NASNet:
    """NASNet-A (4 @ 1056), the mobile model (arXiv:1707.07012, Fig. 2 stem, Fig. 4 cells).

    The paper's mobile table reports 5.3M parameters and 564M mult-adds; the tests compute
    both here.
    """
    return NASNet(num_classes, **kwargs)
