"""Cost calculators: parameters, MACs and memory of blocks, stages and whole networks.

Every calculator builds the real ``cnnlib`` module on the meta device (no memory, no
initialisation arithmetic) and measures it with :func:`cnnlib.summarize`; nothing is typed in
from a paper. Results are frozen dataclasses; they also read like the dicts they replace
(``cost["params"]`` is ``cost.params``).

* VGG: :func:`vgg_stage_cost`, :func:`vgg16_stage_costs`, :func:`config_table`.
* Inception: :func:`inception_cost` (naive module vs 1x1 bottlenecks), :func:`module_totals`.
* ResNet: :func:`stage_of`, :func:`stage_costs`, :func:`count_layers`, :func:`model_costs`,
  :func:`resnet_config_costs`.
* Improvements: :func:`se_block_channels`, :func:`se_cost`, :func:`densenet_cost`.
* Efficient networks: :func:`separable_vs_standard`, :func:`scaled_efficientnet`.
* Memory: :func:`activation_memory` under one of :data:`MEMORY_CONVENTIONS`.
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import torch
from torch import nn

from cnnlib.arithmetic import BYTES_PER_FLOAT32, receptive_field
from cnnlib.checks import positive_int
from cnnlib.display import Table
from cnnlib.models.densenet import DENSENETS, DenseNet
from cnnlib.models.efficientnet import EFFICIENTNET_BASE_RESOLUTION, EfficientNet
from cnnlib.models.googlenet import Inception, InceptionNaive
from cnnlib.models.mobilenet import DepthwiseSeparableConv
from cnnlib.models.resnet import IMAGENET_WIDTHS, BasicBlock, Bottleneck, build_resnet
from cnnlib.models.vgg import VGG_CFGS, make_vgg_stage
from cnnlib.registry import get_model
from cnnlib.summary import Summary, summarize

__all__ = [
    "meta_model", "meta_summary", "MEMORY_CONVENTIONS", "activation_memory",
    "StageCost", "vgg_stage_cost", "vgg16_stage_costs", "CONFIG_MODELS", "config_table",
    "BRANCHES", "InceptionCost", "inception_cost", "module_totals",
    "BLOCKS", "PartCost", "stage_of", "stage_costs", "count_layers", "ModelCost", "model_costs",
    "ResNetConfigCost", "resnet_config_costs",
    "se_block_channels", "SECost", "se_cost", "DenseNetCost", "densenet_cost",
    "SeparableCost", "separable_vs_standard", "EfficientNetCost", "scaled_efficientnet",
]


def meta_model(name: str, **kwargs: Any) -> nn.Module:
    """Zoo model ``name`` built on the meta device: shapes only, no memory, no init."""
    with torch.device("meta"):
        return get_model(name, **kwargs)


@functools.lru_cache(maxsize=None)
def meta_summary(name: str, size: int = 224):
    """``summarize`` of zoo model ``name`` (on the meta device) on a ``3 x size x size`` input.
    Cached, as the errata and the ledger read the same networks many times: treat it as
    read-only."""
    from cnnlib.summary import summarize

    return summarize(meta_model(name), (3, size, size))


# ------------------------------------------------------------------------------ memory
#: Two ways of counting a network's activation memory that the book uses. Both count float32
#: numbers for one image in the forward pass only (training also keeps gradients); they differ
#: in which layers' outputs count.
MEMORY_CONVENTIONS = {
    "every_layer": "the outputs of every layer the trace records (convs, norms, activations, "
                   "pools, dropout, FC), the input not included; an in-place ReLU's output counts "
                   "again although it reuses its input's storage",
    "conv_pool_fc": "the input image plus the outputs of the conv, pool and FC layers only (the "
                    "CS231n VGG-16 table's count; activations and norms add no rows)",
}
_CONV_POOL_FC = ("Conv2d", "MaxPool2d", "AvgPool2d", "Linear")


def activation_memory(summary: Summary, convention: str = "every_layer") -> int:
    """Activation memory in bytes of a :func:`~cnnlib.summarize` table under ``convention``
    (a key of :data:`MEMORY_CONVENTIONS`). ``"every_layer"`` is the table's
    ``total_memory_bytes``; ``"conv_pool_fc"`` adds the input to the conv, pool and FC outputs."""
    if convention == "every_layer":
        return summary.total_memory_bytes
    if convention == "conv_pool_fc":
        image = summary.batch_size * BYTES_PER_FLOAT32
        for d in summary.input_size:
            image *= d
        return image + sum(r.memory_bytes for r in summary if r.kind in _CONV_POOL_FC)
    raise ValueError(f"convention must be one of {list(MEMORY_CONVENTIONS)}, got {convention!r}")


class _Record(Mapping):
    """Base of the cost dataclasses: fields read as attributes or as ``record["field"]``."""

    def __getitem__(self, key: str) -> Any:
        if key not in self._names():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def _names(self) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(self))


# ------------------------------------------------------------------------------ VGG
#: The zoo's builder for each configuration of the paper's Table 1 (C and A-LRN are not built).
CONFIG_MODELS = {"A": "vgg11", "B": "vgg13", "D": "vgg16", "E": "vgg19"}


@dataclass(frozen=True)
class StageCost(_Record):
    """Cost of one VGG stage on a ``in_channels x size x size`` input.

    ``params`` counts weights and biases, ``weights`` the conv weights only (the lectures'
    count); ``memory_bytes`` the float32 outputs of the convs and the pool (the ReLUs work in
    place); ``receptive_field`` is the window of the stage's input that one output of its last
    conv sees (``2 * num_convs + 1``).
    """

    in_channels: int
    out_channels: int
    num_convs: int
    size: int
    out_size: int
    params: int
    weights: int
    macs: int
    memory_bytes: int
    receptive_field: int

    @property
    def flops(self) -> int:
        return 2 * self.macs

    def report(self) -> str:
        """The stage as a few lines of text (what the explorer prints)."""
        return (
            f"stage: {self.num_convs} x [3x3 conv, {self.out_channels}] + 2x2 max pool\n"
            f"shape: {self.in_channels} x {self.size} x {self.size} -> "
            f"{self.out_channels} x {self.out_size} x {self.out_size}\n"
            f"params: {self.params:,} ({self.weights:,} weights + biases)\n"
            f"MACs: {self.macs:,} ({self.macs / 1e6:,.1f} M) = {self.flops / 1e6:,.1f} MFLOP\n"
            f"memory (conv + pool outputs): {self.memory_bytes / 1024:,.0f} KB\n"
            f"receptive field of the last conv: {self.receptive_field} x {self.receptive_field}"
            f" pixels of the stage input")


def vgg_stage_cost(in_channels: int, out_channels: int, num_convs: int, size: int) -> StageCost:
    """Build :func:`~cnnlib.models.vgg.make_vgg_stage` on the meta device (no memory), trace it
    with :func:`cnnlib.summarize` on a ``in_channels x size x size`` input and report its cost."""
    in_channels = positive_int("in_channels", in_channels)
    out_channels = positive_int("out_channels", out_channels)
    num_convs = positive_int("num_convs", num_convs)
    size = positive_int("size", size, minimum=2)  # the 2x2 / stride-2 pool needs 2 pixels
    with torch.device("meta"):
        stage = make_vgg_stage(in_channels, out_channels, num_convs)
    table = summarize(stage, (in_channels, size, size))
    shown = [r for r in table if r.kind in ("Conv2d", "MaxPool2d")]
    weights = sum(m.weight.numel() for m in stage.modules() if isinstance(m, nn.Conv2d))
    return StageCost(
        in_channels=in_channels, out_channels=out_channels, num_convs=num_convs, size=size,
        out_size=table.output_shape[-1], params=table.total_params, weights=weights,
        macs=table.total_macs, memory_bytes=sum(r.memory_bytes for r in shown),
        receptive_field=receptive_field([(3, 1)] * num_convs).size,
    )


def vgg16_stage_costs(size: int = 224) -> list[StageCost]:
    """:func:`vgg_stage_cost` of each of VGG-16's five stages (configuration D) at ``size``."""
    costs, c_in = [], 3
    for width, n in VGG_CFGS["D"]:
        costs.append(vgg_stage_cost(c_in, width, n, size))
        c_in, size = width, costs[-1].out_size
    return costs


def config_table(size: int = 224) -> Table:
    """The paper's Table 1 configurations that the zoo builds (A, B, D, E), each built on the
    meta device and traced at ``size``: convs per stage, weight layers, parameters, MACs."""
    size = positive_int("size", size, minimum=32)
    rows = []
    for cfg, name in CONFIG_MODELS.items():
        s = summarize(meta_model(name), (3, size, size))
        convs = [n for _, n in VGG_CFGS[cfg]]
        linear = sum(1 for r in s if r.kind == "Linear")
        rows.append({
            "config": cfg, "model": name,
            "convs per stage": "-".join(map(str, convs)),
            "weight layers": sum(convs) + linear,
            "params (M)": s.total_params / 1e6,
            "GMACs": s.total_macs / 1e9,
        })
    return Table(rows, formats={"params (M)": ".2f", "GMACs": ".2f"},
                 caption=f"VGG configurations (Simonyan & Zisserman, Table 1) at {size}x{size}")


# ------------------------------------------------------------------------------ Inception
#: Display names of the four branches (``branch1`` ... ``branch4`` in both module classes).
BRANCHES = {"branch1": "1x1", "branch2": "3x3", "branch3": "5x5", "branch4": "pool"}

# Layers whose outputs module_totals counts as memory.
_MEMORY_KINDS = ("Conv2d", "Linear", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
                 "AdaptiveMaxPool2d")


@dataclass(frozen=True)
class InceptionCost(_Record):
    """A naive Inception module next to the same branches with 1x1 bottlenecks, on an
    ``in_channels x size x size`` input. Parameters include the biases; MACs count the convs
    (the pools do comparisons, not multiply-adds). ``*_branch_macs`` map ``branch1`` (1x1),
    ``branch2`` (3x3), ``branch3`` (5x5) and ``branch4`` (pool) to their MACs."""

    in_channels: int
    size: int
    bottleneck: int
    pool_proj: int
    naive_out_channels: int
    reduced_out_channels: int
    naive_params: int
    reduced_params: int
    naive_macs: int
    reduced_macs: int
    naive_branch_macs: dict[str, int]
    reduced_branch_macs: dict[str, int]

    def report(self) -> str:
        """Both versions side by side, as text (what the calculator prints)."""
        def line(kind, out, params, macs):
            return (f"{kind:<16} output {out} x {self.size} x {self.size} | params {params:>11,} | "
                    f"MACs {macs / 1e6:>9,.1f} M")
        return "\n".join([
            f"input {self.in_channels} x {self.size} x {self.size}; bottleneck width "
            f"{self.bottleneck}, pool projection {self.pool_proj}",
            line("naive", self.naive_out_channels, self.naive_params, self.naive_macs),
            line("with 1x1 reduce", self.reduced_out_channels, self.reduced_params, self.reduced_macs),
            f"the bottlenecks cut MACs {self.naive_macs / self.reduced_macs:.1f}x and parameters "
            f"{self.naive_params / self.reduced_params:.1f}x",
        ])


def _branch_macs(table: Summary) -> dict[str, int]:
    out = {b: 0 for b in BRANCHES}
    for r in table:
        out[r.name.split(".")[0]] += r.macs
    return out


def inception_cost(in_channels: int, size: int, c1x1: int, c3x3: int, c5x5: int,
                   bottleneck: int, *, pool_proj: int | None = None) -> InceptionCost:
    """Cost of :class:`~cnnlib.models.googlenet.InceptionNaive` ``(in_channels, c1x1, c3x3,
    c5x5)`` (the pool branch passes its ``in_channels`` through) and of
    :class:`~cnnlib.models.googlenet.Inception` with the same branch widths, ``bottleneck`` 1x1
    filters before the 3x3 and the 5x5 convs and ``pool_proj`` (default: ``bottleneck``) after
    the pool. Both are built on the meta device and traced at ``size``.

    The lectures' example is ``inception_cost(256, 28, 128, 192, 96, 64)``.
    """
    in_channels = positive_int("in_channels", in_channels)
    size = positive_int("size", size)
    widths = {k: positive_int(k, v) for k, v in
              dict(c1x1=c1x1, c3x3=c3x3, c5x5=c5x5, bottleneck=bottleneck).items()}
    proj = widths["bottleneck"] if pool_proj is None else positive_int("pool_proj", pool_proj)
    with torch.device("meta"):
        naive = InceptionNaive(in_channels, widths["c1x1"], widths["c3x3"], widths["c5x5"])
        reduced = Inception(in_channels, widths["c1x1"], widths["bottleneck"], widths["c3x3"],
                            widths["bottleneck"], widths["c5x5"], proj)
    shape = (in_channels, size, size)
    sn, sr = summarize(naive, shape), summarize(reduced, shape)
    return InceptionCost(
        in_channels=in_channels, size=size, bottleneck=widths["bottleneck"], pool_proj=proj,
        naive_out_channels=sn.output_shape[0], reduced_out_channels=sr.output_shape[0],
        naive_params=sn.total_params, reduced_params=sr.total_params,
        naive_macs=sn.total_macs, reduced_macs=sr.total_macs,
        naive_branch_macs=_branch_macs(sn), reduced_branch_macs=_branch_macs(sr),
    )


def module_totals(summary: Summary, depth: int = 1) -> Table:
    """Rows of ``summary`` grouped by the first ``depth`` parts of their names (``stem``,
    ``inception3a`` ... for GoogLeNet), in the order they run: parameters, MACs, and the memory
    of the conv, pool and linear outputs (the lectures' convention; activations and norms are
    left out, as ReLUs work in place)."""
    depth = positive_int("depth", depth)
    totals: dict[str, dict] = {}
    for r in summary:
        key = ".".join(r.name.split(".")[:depth])
        t = totals.setdefault(key, {"module": key, "params": 0, "macs": 0, "memory_bytes": 0})
        t["params"] += r.params
        t["macs"] += r.macs
        if r.kind in _MEMORY_KINDS:
            t["memory_bytes"] += r.memory_bytes
    return Table(list(totals.values()), caption=f"{summary.model_name} by module")


# ------------------------------------------------------------------------------ ResNet
#: Block types by the name the lectures' table uses.
BLOCKS = {"basic": BasicBlock, "bottleneck": Bottleneck}

_WEIGHTED = ("Conv2d", "Linear")


@dataclass(frozen=True)
class PartCost(_Record):
    """One part of a ResNet (``"stem"``, ``"stage 1"`` ... ``"head"``): its parameters, MACs,
    output memory and the weighted layers on its main path."""

    part: str
    params: int
    macs: int
    memory_bytes: int
    layers: int


def stage_of(name: str) -> str:
    """The part of a ResNet a summary row belongs to: ``"stem"``, ``"stage 1"`` ... or ``"head"``.

    Rows are named by their module path (``stages.2.0.conv1``): ``stages.i`` is stage ``i + 1``
    (the paper's ``conv{i + 2}_x``); everything after the stages (final norm, pooling, fc) is the
    head.
    """
    parts = name.split(".")
    if parts[0] == "stem":
        return "stem"
    if parts[0] == "stages" and len(parts) > 1 and parts[1].isdigit():
        return f"stage {int(parts[1]) + 1}"
    return "head"


def _is_main_path(row_name: str) -> bool:
    return "shortcut" not in row_name.split(".")


def stage_costs(summary: Summary) -> list[PartCost]:
    """Parameters, MACs, output memory and weighted layers per part (stem, stages, head).

    ``layers`` counts the convolutions and linear layers on the main path, the way the lectures
    and the paper's Table 1 count depth (a projection shortcut is not a layer of the depth).
    The parts add up to the summary's totals.
    """
    if not isinstance(summary, Summary):
        raise ValueError(f"stage_costs needs a cnnlib.Summary, got {type(summary).__name__}")
    parts: dict[str, dict[str, Any]] = {}
    for r in summary:
        part = parts.setdefault(stage_of(r.name), {"part": stage_of(r.name), "params": 0, "macs": 0,
                                                   "memory_bytes": 0, "layers": 0})
        part["params"] += r.params
        part["macs"] += r.macs
        part["memory_bytes"] += r.memory_bytes
        part["layers"] += int(r.kind in _WEIGHTED and _is_main_path(r.name))
    if "stage 1" not in parts:
        raise ValueError("no rows named stages.<i>...: stage_costs expects a cnnlib ResNet-style model")
    return [PartCost(**p) for p in parts.values()]


def count_layers(summary: Summary) -> int:
    """Weighted layers on the main path: the depth in a name like ResNet-50."""
    return sum(p.layers for p in stage_costs(summary))


@dataclass(frozen=True)
class ModelCost(_Record):
    """A zoo model's size at one input size. ``flops`` is 2 x ``macs``."""

    model: str
    params: int
    macs: int
    flops: int


def model_costs(names: Sequence[str], input_size: Sequence[int] = (3, 224, 224),
                **kwargs: Any) -> list[ModelCost]:
    """One :class:`ModelCost` per zoo model in ``names`` for ``input_size``.

    Models are built on the meta device and traced with :func:`cnnlib.summarize`, so even
    ResNet-152 costs a fraction of a second. ``kwargs`` go to every builder.
    """
    if isinstance(names, str):
        raise ValueError(f"names must be a list of model names, got the string {names!r}")
    rows = []
    for name in names:
        s = summarize(meta_model(name, **kwargs), tuple(input_size))
        rows.append(ModelCost(model=name, params=s.total_params, macs=s.total_macs,
                              flops=s.total_flops))
    return rows


@dataclass(frozen=True)
class ResNetConfigCost(_Record):
    """An ImageNet ResNet configuration: ``layers`` is the depth in its name; ``stages`` the
    per-part costs of :func:`stage_costs`."""

    block: str
    depths: tuple[int, ...]
    layers: int
    params: int
    macs: int
    stages: list[PartCost]


def resnet_config_costs(block: str, depths: Sequence[int], *, input_size: int = 224,
                        stride_in_1x1: bool = False) -> ResNetConfigCost:
    """Cost of an ImageNet ResNet with ``depths`` blocks of type ``block`` in its stages,
    built with :func:`cnnlib.models.resnet.build_resnet`. ``stride_in_1x1=True`` puts a
    bottleneck's stride on its first 1x1 conv, as the paper (ResNet v1) does.
    """
    if block not in BLOCKS:
        raise ValueError(f"block must be one of {sorted(BLOCKS)}, got {block!r}")
    depths = tuple(int(d) for d in depths)
    if not 1 <= len(depths) <= len(IMAGENET_WIDTHS) or min(depths) < 1:
        raise ValueError(f"depths needs 1 to {len(IMAGENET_WIDTHS)} positive block counts, got {depths}")
    kwargs = {"stride_in_1x1": True} if stride_in_1x1 and block == "bottleneck" else {}
    with torch.device("meta"):
        model = build_resnet(BLOCKS[block], depths, widths=IMAGENET_WIDTHS[: len(depths)], **kwargs)
    s = summarize(model, (3, input_size, input_size))
    stages = stage_costs(s)
    return ResNetConfigCost(block=block, depths=depths, layers=sum(p.layers for p in stages),
                            params=s.total_params, macs=s.total_macs, stages=stages)


# ------------------------------------------------------------------------------ SE, DenseNet
@functools.lru_cache(maxsize=8)
def se_block_channels(base: str = "resnet50") -> tuple[int, ...]:
    """Output channels of each residual block of zoo model ``base`` (where an SE block sits)."""
    stages = getattr(meta_model(base), "stages", None)
    if stages is None:
        raise ValueError(f"{base} has no residual stages; use a ResNet of the zoo")
    channels = []
    for stage in stages:
        for block in stage:
            branch = [m for n, m in block.named_modules()
                      if isinstance(m, nn.Conv2d) and "shortcut" not in n.split(".")]
            channels.append(branch[-1].out_channels)  # the branch's last conv: the block's width
    return tuple(channels)


@dataclass(frozen=True)
class SECost(_Record):
    """What squeeze-and-excitation blocks of ``reduction`` r add to a network of ``blocks``
    residual blocks."""

    reduction: int
    blocks: int
    params: int
    macs: int


def se_cost(reduction: int, *, base: str = "resnet50") -> SECost:
    """What SE blocks with reduction ``r`` add to ``base`` (Hu et al. 2017, arXiv:1709.01507).

    Each block's SE has two 1x1 "FC" layers with biases, ``C -> C // r -> C``:
    ``2 * C * (C // r) + C // r + C`` parameters and ``2 * C * (C // r)`` MACs (they act on
    the pooled 1x1 map), summed over the blocks of ``base``.
    """
    reduction = positive_int("reduction", reduction)
    channels = se_block_channels(base)
    hidden = [max(1, c // reduction) for c in channels]  # as cnnlib.layers.SqueezeExcitation
    params = sum(2 * c * h + h + c for c, h in zip(channels, hidden))
    macs = sum(2 * c * h for c, h in zip(channels, hidden))
    return SECost(reduction=reduction, blocks=len(channels), params=params, macs=macs)


@dataclass(frozen=True)
class DenseNetCost(_Record):
    """A DenseNet-BC of growth rate k: parameters, MACs and the final width."""

    growth_rate: int
    params: int
    macs: int
    num_features: int


@functools.lru_cache(maxsize=16)
def densenet_cost(growth_rate: int, block_config: tuple[int, ...] = DENSENETS["densenet121"][1],
                  *, input_size: int = 224) -> DenseNetCost:
    """Parameters, MACs and final width of a DenseNet-BC with growth rate ``k``.

    The layout is DenseNet-121's (blocks of 6, 12, 24, 16 layers) with the paper's stem of
    ``2k`` channels (Huang et al. 2016, Table 1 and Sec. 3); ``k = 32`` is DenseNet-121.
    """
    growth_rate = positive_int("growth_rate", growth_rate)
    with torch.device("meta"):
        model = DenseNet(growth_rate, tuple(block_config), 2 * growth_rate)
    s = summarize(model, (3, input_size, input_size))
    return DenseNetCost(growth_rate=growth_rate, params=s.total_params, macs=s.total_macs,
                        num_features=model.num_features)


# ------------------------------------------------------------------------------ efficient networks
@dataclass(frozen=True)
class SeparableCost(_Record):
    """A standard 3x3 conv next to a depthwise separable one with the same shapes: weights
    (no biases) and MACs of each, their ratios (separable / standard) and the paper's
    prediction ``formula = 1/N + 1/k^2``."""

    standard_params: int
    separable_params: int
    standard_macs: int
    separable_macs: int
    params_ratio: float
    macs_ratio: float
    formula: float


def separable_vs_standard(in_channels: int, out_channels: int, size: int, *,
                          stride: int = 1) -> SeparableCost:
    """A standard 3x3 conv and a depthwise separable one (3x3 depthwise + 1x1 pointwise,
    :class:`~cnnlib.models.mobilenet.DepthwiseSeparableConv`), without norm/activation, on an
    ``in_channels x size x size`` input, measured with :func:`cnnlib.summarize`; the formula
    is Howard et al. 2017 (arXiv:1704.04861), Eq. 5, with ``N = out_channels``, ``k = 3``.
    """
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                        ("size", size)):
        positive_int(name, value)
    if stride not in (1, 2):
        raise ValueError(f"stride must be 1 or 2 (as in MobileNet), got {stride!r}")
    standard = nn.Conv2d(in_channels, out_channels, 3, stride, padding=1, bias=False)
    separable = DepthwiseSeparableConv(in_channels, out_channels, stride,
                                       norm_layer=None, act_layer=None)
    s = summarize(standard, (in_channels, size, size))
    d = summarize(separable, (in_channels, size, size))
    # DepthwiseSeparableConv without a norm layer gives its convs biases; count weights only.
    weights = sum(m.weight.numel() for m in separable.modules() if isinstance(m, nn.Conv2d))
    return SeparableCost(
        standard_params=s.total_params, separable_params=weights,
        standard_macs=s.total_macs, separable_macs=d.total_macs,
        params_ratio=weights / s.total_params, macs_ratio=d.total_macs / s.total_macs,
        formula=1 / out_channels + 1 / 9,
    )


@dataclass(frozen=True)
class EfficientNetCost(_Record):
    """Parameters and MACs of a scaled EfficientNet-B0."""

    params: int
    macs: int


@functools.lru_cache(maxsize=64)
def scaled_efficientnet(depth: float = 1.0, width: float = 1.0,
                        resolution: int = EFFICIENTNET_BASE_RESOLUTION) -> EfficientNetCost:
    """EfficientNet-B0 with its depth and width multiplied by ``depth`` / ``width`` (with the
    authors' rounding of repeats and channels) at ``resolution x resolution`` (Tan & Le 2019,
    arXiv:1905.11946, Eq. 3): built on the meta device and measured with :func:`cnnlib.summarize`."""
    if not (depth >= 1 and width >= 1):
        raise ValueError(f"depth and width multipliers must be >= 1 (B0 is 1.0), got "
                         f"depth={depth!r}, width={width!r}")
    positive_int("resolution", resolution)
    if resolution < 32:
        raise ValueError(f"resolution must be at least 32 pixels (B0 downsamples by 32), "
                         f"got {resolution}")
    with torch.device("meta"):
        model = EfficientNet(width_mult=width, depth_mult=depth, default_input_size=resolution)
    s = summarize(model, (3, resolution, resolution))
    return EfficientNetCost(params=s.total_params, macs=s.total_macs)
