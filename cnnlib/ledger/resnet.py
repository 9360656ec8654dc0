"""Lecture claims about ResNet (He et al. 2015, arXiv:1512.03385) and the networks built on it:
pre-activation ResNets (He et al. 2016, arXiv:1603.05027), wide ResNets (Zagoruyko & Komodakis
2016, arXiv:1605.07146), ResNeXt (Xie et al. 2016, arXiv:1611.05431) and SENet (Hu et al. 2017,
arXiv:1709.01507).

Sizes, depths and costs are traced from the zoo's real networks with :func:`cnnlib.summarize`,
on the meta device (shapes only, no memory, fast). Error rates are the published figures of
:mod:`cnnlib.published` or the paper tables cited below.
"""
from __future__ import annotations

import functools

from cnnlib.ledger import claim, not_a_claim, uncheckable
from cnnlib.ledger._shared import meta_model as _meta, only as _only

_2017, _2023, _UMICH, _DECK = "cs231n-2017", "cs231n-2023", "eecs498-2022", "senet-deck"

_FAMILY = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")
_LABEL = {n: f"ResNet-{n[len('resnet'):]}" for n in _FAMILY}

# He et al. 2016 ("Identity Mappings in Deep Residual Networks", arXiv:1603.05027), Table 5:
# single-crop top-1 error (%) on the ILSVRC 2012 validation set, trained on 224 crops and tested
# on 320 crops, original (post-activation) vs pre-activation residual units.
_PREACT_TABLE5 = {
    "ResNet-152 original": 21.3, "ResNet-152 pre-activation": 21.1,
    "ResNet-200 original": 21.8, "ResNet-200 pre-activation": 20.7,
}
# He et al. 2015 (arXiv:1512.03385), Sec. 3.4 (ImageNet): "We use SGD with a mini-batch size of 256."
_PAPER_IMAGENET_BATCH = 256
# He et al. 2015, Sec. 4.2: the 1202-layer CIFAR net is the 6n + 2 network with n = 200.
_CIFAR_1202_N = 200


# ---- helpers ----------------------------------------------------------------------------------



@functools.lru_cache(maxsize=None)
def _summary(name: str, size: int = 224, v1: bool = False):
    """``summarize`` of zoo model ``name`` at ``size``; ``v1``: the paper's stride placement."""
    from cnnlib.summary import summarize

    bottleneck = name in ("resnet50", "resnet101", "resnet152")
    kwargs = {"stride_in_1x1": True} if v1 and bottleneck else {}
    return summarize(_meta(name, **kwargs), (3, size, size))


def _layers(name: str, size: int = 224) -> int:
    from cnnlib.costs import count_layers

    return count_layers(_summary(name, size))




def _branch_convs(block):
    """The convolutions on a residual block's main path (not its projection shortcut)."""
    from torch import nn

    return [m for n, m in block.named_modules()
            if isinstance(m, nn.Conv2d) and "shortcut" not in n.split(".")]


def _block_summary(kind: str, channels: int, size: int):
    """A zoo basic block (``channels`` in and out) or bottleneck (``channels`` in and out, width
    ``channels // 4``), summarized on a ``channels x size x size`` input."""
    from cnnlib.models.resnet import BasicBlock, Bottleneck
    from cnnlib.summary import summarize

    block = {"basic": BasicBlock, "bottleneck": Bottleneck}[kind](channels, channels)
    return summarize(block, (channels, size, size))


@functools.lru_cache(maxsize=None)
def _init_variance_ratio() -> float:
    """Variance of a freshly built ResNet's 3x3 conv weights times their fan (fan_out, as
    ResNet.init_weights): 2 for He's rule, 1 for Xavier's. Averaged over resnet20's 3x3 convs."""
    import torch
    from torch import nn

    from cnnlib.registry import get_model

    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = get_model("resnet20")
    ratios = [m.weight.var().item() * m.out_channels * 9 for m in model.modules()
              if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)]
    return sum(ratios) / len(ratios)


def _ilsvrc(year: int):
    from cnnlib.published import ILSVRC_WINNERS

    return _only([e for e in ILSVRC_WINNERS if e.year == year], f"ILSVRC {year} winners")


# ---- the ResNet case study (CS231n 2017 / 2023, the SENet deck) --------------------------------

_CASE = "Case Study: ResNet"
_DEPTHS_2017 = "Total depths of 34, 50, 101, or 152 layers for ImageNet"
_DEPTHS_2023 = "Total depths of 18, 34, 50, 101, or 152 layers for ImageNet"


@claim(key="resnet-imagenet-depths", topic="resnet", quantity="Depths of the ImageNet ResNets",
       stated={"ResNet-18": "18", "ResNet-34": "34", "ResNet-50": "50", "ResNet-101": "101",
               "ResNet-152": "152"},
       method="cnnlib.costs.count_layers (convs and FC on the main path; projection shortcuts "
              "are not counted, as in the paper's Table 1) of the zoo's resnet18 ... resnet152, "
              "traced on the meta device",
       sources=[(_2017, _CASE, _DEPTHS_2017), (_2023, _CASE, _DEPTHS_2023),
                (_2017, _CASE, "- 152-layer model for ImageNet"),
                (_2023, _CASE, "- 152-layer model for ImageNet"),
                (_2023, "MSRA @ ILSVRC & COCO 2015 Competitions",
                 '- ImageNet Classification: "Ultra-deep" (quote Yann) 152-layer nets')])
def _imagenet_depths() -> dict[str, int]:
    return {_LABEL[n]: _layers(n) for n in _FAMILY}


_RESULTS = "Case Study: ResNet, Experimental Results"
_VERY_DEEP = ("- Able to train very deep networks without degrading (152 layers on ImageNet, "
              "1202 on Cifar)")


@claim(key="resnet-trained-depths", topic="resnet",
       quantity="Deepest ResNets trained (ImageNet, CIFAR-10)",
       stated={"ImageNet": "152", "CIFAR-10": "1202"},
       method="count_layers of the zoo's resnet152; for CIFAR, the 6n + 2 network with n = 200 "
              "(He et al. 2015, Sec. 4.2): the stem, head and per-block weighted layers measured "
              "on the zoo's resnet20 (count_layers by part), scaled to 3 stages of 200 blocks",
       sources=[(_2017, _RESULTS, _VERY_DEEP), (_2023, _RESULTS, _VERY_DEEP)])
def _trained_depths() -> dict[str, int]:
    from cnnlib.costs import stage_costs

    parts = {p.part: p.layers for p in stage_costs(_summary("resnet20", 32))}
    blocks = {f"stage {i + 1}": len(stage) for i, stage in enumerate(_meta("resnet20").stages)}
    per_block = _only([parts[s] // n for s, n in blocks.items()], "layers per block")
    cifar = parts["stem"] + parts["head"] + len(blocks) * _CIFAR_1202_N * per_block
    return {"ImageNet": _layers("resnet152"), "CIFAR-10": cifar}


@claim(key="resnet-ilsvrc15-top5", topic="resnet", unit="%",
       quantity="ILSVRC 2015 classification winner (ResNet ensemble), top-5 test error",
       stated="3.57%",
       method="cnnlib.published.ILSVRC_WINNERS, the 2015 entry (He et al. 2015, Table 5)",
       sources=[(_2017, _CASE, "- ILSVRC’15 classification winner (3.57% top 5 error)"),
                (_2023, _CASE, "- ILSVRC'15 classification winner (3.57% top 5 error)")])
def _ilsvrc15() -> float:
    return _ilsvrc(2015).top5_error


_HUMAN_2017 = ("ILSVRC 2015 classification winner (3.6% top 5 error) -- better than “human "
               "performance”! (Russakovsky 2014)")
_HUMAN_2023 = ('ILSVRC 2015 classification winner (3.6% top 5 error) -- better than "human '
               'performance"! (Russakovsky 2014)')


@claim(key="resnet-ilsvrc15-top5-rounded", topic="resnet", unit="%",
       quantity="ILSVRC 2015 classification winner, top-5 error (rounded)", stated="3.6%",
       method="cnnlib.published.ILSVRC_WINNERS, the 2015 entry (3.57%)",
       sources=[(_2017, _RESULTS, _HUMAN_2017), (_2023, _RESULTS, _HUMAN_2023)])
def _ilsvrc15_rounded() -> float:
    return _ilsvrc(2015).top5_error


@claim(key="resnet-better-than-human", topic="resnet", numeric=False,
       quantity="ResNet's ILSVRC 2015 top-5 error is below the human one",
       stated="better than human performance",
       method="ILSVRC_WINNERS's 2015 entry (3.57%) against cnnlib.published.HUMAN_TOP5_ERROR "
              "(5.1%, Russakovsky et al. 2015, Sec. 6.4)",
       sources=[(_2017, _RESULTS, _HUMAN_2017), (_2023, _RESULTS, _HUMAN_2023)])
def _better_than_human() -> bool:
    from cnnlib.published import HUMAN_TOP5_ERROR

    return _ilsvrc(2015).top5_error < HUMAN_TOP5_ERROR.top1


_SWEPT = "- Swept 1st place in all ILSVRC and COCO 2015 competitions"

uncheckable(key="resnet-swept-2015", topic="resnet", stated=None,
            quantity="ResNets won every main ILSVRC and COCO 2015 track",
            why="Competition results: the course stores only the classification winners' top-5 "
                "errors (cnnlib.published.ILSVRC_WINNERS, whose 2015 entry is MSRA's ResNet), not "
                "the detection, localization and COCO leaderboards.",
            sources=[(_2017, _CASE, "- Swept all classification and detection competitions in "
                                    "ILSVRC’15 and COCO’15!"),
                     (_2023, _CASE, "- Swept all classification and detection competitions in "
                                    "ILSVRC'15 and COCO'15!"),
                     (_2017, _RESULTS, _SWEPT), (_2023, _RESULTS, _SWEPT),
                     (_2023, "MSRA @ ILSVRC & COCO 2015 Competitions",
                      "• 1st places in all five main tracks"),
                     (_UMICH, "Residual Networks (results)",
                      "- Swept 1st place in all ILSVRC and COCO 2015 competitions")])

uncheckable(key="resnet-2015-margins", topic="resnet",
            quantity="MSRA's 2015 margins over the second-placed entries",
            stated={"ImageNet detection": "16%", "ImageNet localization": "27%",
                    "COCO detection": "11%", "COCO segmentation": "12%"},
            why="Relative margins over the runners-up of the ILSVRC and COCO 2015 leaderboards, "
                "which the course does not store (only the classification winners' errors).",
            sources=[(_2023, "MSRA @ ILSVRC & COCO 2015 Competitions",
                      "- ImageNet Detection: 16% better than 2nd - ImageNet Localization: 27% "
                      "better than 2nd - COCO Detection: 11% better than 2nd - COCO "
                      "Segmentation: 12% better than 2nd")])


# ---- the degradation experiment ---------------------------------------------------------------

@claim(key="resnet-degradation-depths", topic="resnet",
       quantity="Plain nets of the degradation experiment (CIFAR-10): deeper and shallower",
       stated={"deeper plain net": "56", "shallower plain net": "20"},
       method="count_layers of the zoo's plain56 and plain20 (He et al. 2015, Fig. 1: the "
              "56-layer plain net has the higher training and test error); the course's "
              "cnnlib.experiments.degradation trains both on CIFAR-10 (GPU) to show the ordering",
       sources=[(_2017, _CASE, "56-layer model performs worse on both training and test error"),
                (_2023, _CASE, "56-layer model performs worse on both test and training error"),
                (_UMICH, "Residual Networks (test error)", "Iterations 56-layer 20-layer Test error"),
                (_UMICH, "Residual Networks (training error)",
                 "Training error Iterations 56-layer 20-layer")])
def _degradation() -> dict[str, int]:
    return {"deeper plain net": _layers("plain56", 32),
            "shallower plain net": _layers("plain20", 32)}


uncheckable(key="resnet-bn-10-layers", topic="resnet", stated=None,
            quantity="With batch normalization, networks of 10+ layers train",
            why="A statement about what trains, not a size: only training shows it (the "
                "course's GPU experiments train 20- and 56-layer plain nets with batch norm, "
                "cnnlib.experiments.degradation).",
            sources=[(_UMICH, "Residual Networks",
                      "Once we have Batch Normalization, we can train networks with 10+ layers.")])


@claim(key="resnet-zero-branch-identity", topic="resnet", numeric=False,
       quantity="A residual block with its branch weights set to 0 computes the identity",
       stated="set these to 0: the whole block computes the identity",
       method="a zoo BasicBlock(16, 16) in eval mode with both conv weights zeroed, on a "
              "non-negative input (the output of the previous block's ReLU): output == input",
       sources=[(_UMICH, "Residual Networks (residual block)",
                 "If you set these to 0, the whole block will compute the identity function!")])
def _zero_branch() -> bool:
    import torch

    from cnnlib.models.resnet import BasicBlock

    with torch.random.fork_rng():
        torch.manual_seed(0)
        block = BasicBlock(16, 16).eval()
        x = torch.relu(torch.randn(2, 16, 8, 8))
    with torch.no_grad():
        block.conv1.weight.zero_()
        block.conv2.weight.zero_()
        return bool(torch.equal(block(x), x))


# ---- the architecture ---------------------------------------------------------------------------

_DIAGRAM_2017A = ("Softmax 3x3 conv, 64 7x7 conv, 64 / 2 FC 1000 Pool 3x3 conv, 64 3x3 conv, 64 "
                  "3x3 conv, 64 3x3 conv, 64 3x3 conv, 64 3x3 conv, 128 3x3 conv, 128 / 2")
_DIAGRAM_2017B = ("Softmax 3x3 conv, 64 7x7 conv, 64, / 2 FC 1000 Pool 3x3 conv, 64 3x3 conv, 64 "
                  "3x3 conv, 64 3x3 conv, 64 3x3 conv, 64 3x3 conv, 128 3x3 conv, 128, / 2")
_DIAGRAM_UMICH = (_DIAGRAM_2017B + " 3x3 conv, 128 3x3 conv, 128 3x3 conv, 128 3x3 conv, 128 .. . "
                  "3x3 conv, 512 3x3 conv, 512, /2 3x3 conv, 512 3x3 conv, 512 3x3 conv, 512")


@claim(key="resnet-34-diagram", topic="resnet", quantity="The ResNet-34 diagram's layers",
       stated={"stem conv kernel": "7", "stem conv filters": "64", "stem conv stride": "2",
               "stage 1 filters": "64", "stage 2 filters": "128", "stage 2 first conv stride": "2",
               "stage 4 filters": "512", "stage 4 first conv stride": "2",
               "residual conv kernel": "3", "FC outputs": "1000"},
       method="kernel, filters and stride of the stem conv and of each stage's first conv in "
              "summarize(resnet34) on the meta device; the fc layer's outputs",
       sources=[(_2017, _CASE, _DIAGRAM_2017A), (_2017, "Case Study: ResNet (full architecture)",
                                                 _DIAGRAM_2017B),
                (_2017, "Case Study: ResNet (full architecture)", "3x3 conv, 512 3x3 conv, 512, /2"),
                (_UMICH, "Residual Networks (architecture)", _DIAGRAM_UMICH)])
def _diagram() -> dict[str, int]:
    s = _summary("resnet34")
    stem, fc = s.row("stem.0.0"), s.row("fc")
    first = [s.row(f"stages.{i}.0.conv1") for i in range(4)]
    kernels = {r.kernel[0] for r in s if r.kind == "Conv2d" and r.name.startswith("stages")
               and "shortcut" not in r.name}
    return {"stem conv kernel": stem.kernel[0], "stem conv filters": stem.output_shape[0],
            "stem conv stride": stem.stride[0], "stage 1 filters": first[0].output_shape[0],
            "stage 2 filters": first[1].output_shape[0],
            "stage 2 first conv stride": first[1].stride[0],
            "stage 4 filters": first[3].output_shape[0],
            "stage 4 first conv stride": first[3].stride[0],
            "residual conv kernel": _only(kernels, "residual conv kernels"),
            "FC outputs": fc.output_shape[0]}


_BLOCK = "Case Study: ResNet (full architecture)"


@claim(key="resnet-basic-block-convs", topic="resnet",
       quantity="Convolutions in a (basic) residual block",
       stated={"convs per block": "2", "conv kernel": "3"},
       method="the main-path convs of every block of the zoo's resnet18 and resnet34 (meta): "
              "their number and kernel side",
       sources=[(_2017, _BLOCK, "- Every residual block has two 3x3 conv layers"),
                (_2017, _BLOCK, "Residual block 3x3 conv 3x3 conv"),
                (_2023, _CASE, "- Every residual block has two 3x3 conv layers"),
                (_UMICH, "Residual Networks (architecture)",
                 "Regular design, like VGG: each residual block has two 3x3 conv"),
                (_UMICH, "Residual Networks (architecture)", "Residual block 3x3 conv 3x3 conv")])
def _basic_block() -> dict[str, int]:
    blocks = [b for n in ("resnet18", "resnet34") for stage in _meta(n).stages for b in stage]
    return {"convs per block": _only([len(_branch_convs(b)) for b in blocks], "conv counts"),
            "conv kernel": _only([c.kernel_size[0] for b in blocks for c in _branch_convs(b)],
                                 "kernels")}


_DOUBLE = ("- Periodically, double # of filters and downsample spatially using stride 2 "
           "(/2 in each dimension)")


@claim(key="resnet-stage-doubling", topic="resnet",
       quantity="From stage to stage: filters doubled, map halved by a stride-2 conv",
       stated={"filters, next stage / this stage": "2", "stride of a stage's first conv": "2",
               "map side, this stage / next stage": "2"},
       method="stage widths, strides of the first conv of stages 2-4 and output sides of the "
              "stages in summarize(resnet34) on the meta device",
       sources=[(_2017, _BLOCK, _DOUBLE),
                (_2017, _BLOCK, "3x3 conv, 64 filters 3x3 conv, 128 filters, /2 spatially with "
                                "stride 2"),
                (_2023, _CASE, _DOUBLE),
                (_UMICH, "Residual Networks (architecture)",
                 "Network is divided into stages: the first block of each stage halves the "
                 "resolution (with stride-2 conv) and doubles the number of channels")])
def _doubling() -> dict[str, int]:
    s = _summary("resnet34")
    last = {i: [r for r in s if r.name.startswith(f"stages.{i}.")][-1].output_shape
            for i in range(4)}
    return {"filters, next stage / this stage":
                _only([last[i + 1][0] / last[i][0] for i in range(3)], "width ratios"),
            "stride of a stage's first conv":
                _only([s.row(f"stages.{i}.0.conv1").stride[0] for i in (1, 2, 3)], "strides"),
            "map side, this stage / next stage":
                _only([last[i][1] / last[i + 1][1] for i in range(3)], "side ratios")}


@claim(key="resnet-single-fc", topic="resnet",
       quantity="ResNet's fully connected layers: one, to the 1000 classes",
       stated={"FC layers": "1", "FC outputs": "1000"},
       method="the Linear rows of summarize() of the five zoo ImageNet ResNets (meta)",
       sources=[(_2017, _BLOCK, "- No FC layers at the end (only FC 1000 to output classes)"),
                (_2017, _BLOCK, "No FC layers besides FC 1000 to output classes"),
                (_2023, _CASE, "- No FC layers at the end (only FC 1000 to output classes)"),
                (_UMICH, "Residual Networks (architecture)",
                 "Like GoogLeNet, no big fully-connected-layers: instead use global average "
                 "pooling and a single linear layer at the end")])
def _single_fc() -> dict[str, int]:
    fcs = [[r for r in _summary(n) if r.kind == "Linear"] for n in _FAMILY]
    return {"FC layers": _only([len(f) for f in fcs], "FC counts"),
            "FC outputs": _only([r.output_shape[0] for f in fcs for r in f], "FC outputs")}


_STEM_QUOTE = ("Uses the same aggressive stem as GoogleNet to downsample the input 4x before "
               "applying residual blocks: Input size Layer Output size Layer C H/W filters kernel "
               "stride pad C H/W memory (KB) params (k) flop (M) conv 3 224 64 7 2 3 64 112 3136 "
               "9 118 max-pool 64 112 3 2 1 64 56 784 0 2")


@claim(key="resnet-stem-table", topic="resnet", status="convention",
       quantity="ResNet's stem, per layer (Michigan table)",
       stated={"conv in C": "3", "conv in H/W": "224", "conv filters": "64", "conv kernel": "7",
               "conv stride": "2", "conv pad": "3", "conv out C": "64", "conv out H/W": "112",
               "conv memory (KB)": "3136", "conv params (k)": "9", "conv flop (M)": "118",
               "max-pool in C": "64", "max-pool in H/W": "112", "max-pool kernel": "3",
               "max-pool stride": "2", "max-pool pad": "1", "max-pool out C": "64",
               "max-pool out H/W": "56", "max-pool memory (KB)": "784", "max-pool params (k)": "0",
               "max-pool flop (M)": "2", "downsampling": "4"},
       method="the stem rows of summarize(resnet18) on the meta device: shapes, kernel, stride, "
              "padding, params / 1000, output bytes / 1024, the conv's MACs / 1e6 and the pool's "
              "comparisons (other_ops) / 1e6; downsampling = 224 / the stem's output side",
       why="The table's 'flop' counts one multiply-add as one operation (118 M MACs are 236 M "
           "FLOPs) and the pool's window comparisons, and its 'KB' are KiB of float32 outputs "
           "(1 KB = 1,024 bytes), as all of the Michigan lecture's tables.",
       sources=[(_UMICH, "Residual Networks (stem)", _STEM_QUOTE)])
def _stem() -> dict[str, float]:
    s = _summary("resnet18")
    conv, pool = s.row("stem.0.0"), s.row("stem.1")
    out = {"conv filters": conv.output_shape[0],
           "downsampling": conv.input_shape[1] / pool.output_shape[1]}
    for name, r, ops in (("conv", conv, conv.macs), ("max-pool", pool, pool.other_ops)):
        out.update({f"{name} in C": r.input_shape[0], f"{name} in H/W": r.input_shape[1],
                    f"{name} kernel": r.kernel[0], f"{name} stride": r.stride[0],
                    f"{name} pad": r.padding[0], f"{name} out C": r.output_shape[0],
                    f"{name} out H/W": r.output_shape[1],
                    f"{name} memory (KB)": r.memory_bytes / 1024,
                    f"{name} params (k)": r.params / 1000, f"{name} flop (M)": ops / 1e6})
    return out


# ---- the Michigan ResNet table ------------------------------------------------------------------

_TABLE = "Residual Networks: ResNet-18 ... ResNet-152 table"
_TABLE_QUOTE = (
    "Stage 1 Stage 2 Stage 3 Stage 4 Block type Stem layers Blocks Layers Blocks Layers Blocks "
    "Layers Blocks Layers FC layers GFLOP ImageNet top-5 error "
    "ResNet-18 Basic 1 2 4 2 4 2 4 2 4 1 1.8 10.92 ResNet-34 Basic 1 3 6 4 8 6 12 3 6 1 3.6 8.58 "
    "ResNet-50 Bottle 1 3 9 4 12 6 18 3 9 1 3.8 7.13 ResNet-101 Bottle 1 3 9 4 12 23 69 3 9 1 7.6 "
    "6.44 ResNet-152 Bottle 1 3 9 8 24 36 108 3 9 1 11.3 5.94")
_R18 = ("ResNet-18: Stem: 1 conv layer Stage 1 (C=64): 2 res. block = 4 conv Stage 2 (C=128): 2 "
        "res. block = 4 conv Stage 3 (C=256): 2 res. block = 4 conv Stage 4 (C=512): 2 res. block "
        "= 4 conv Linear")
_R34 = ("ResNet-34: Stem: 1 conv layer Stage 1: 3 res. block = 6 conv Stage 2: 4 res. block = 8 "
        "conv Stage 3: 6 res. block = 12 conv Stage 4: 3 res. block = 6 conv Linear")
_TORCHVISION = "Error rates are 224x224 single-crop testing, reported by torchvision"

_CONFIG_STATED = {
    "ResNet-18": (1, (2, 4, 2, 4, 2, 4, 2, 4), 1), "ResNet-34": (1, (3, 6, 4, 8, 6, 12, 3, 6), 1),
    "ResNet-50": (1, (3, 9, 4, 12, 6, 18, 3, 9), 1),
    "ResNet-101": (1, (3, 9, 4, 12, 23, 69, 3, 9), 1),
    "ResNet-152": (1, (3, 9, 8, 24, 36, 108, 3, 9), 1),
}


def _config_rows(stem, stages, fc) -> dict:
    rows = {"stem layers": stem, "FC layers": fc}
    for i in range(4):
        rows[f"stage {i + 1} blocks"] = stages[2 * i]
        rows[f"stage {i + 1} layers"] = stages[2 * i + 1]
    return rows


@claim(key="resnet-config-table", topic="resnet",
       quantity="ResNet-18 ... 152: stem, blocks and layers per stage, FC layers; ResNet-18 widths",
       stated={**{f"{net} {row}": str(v) for net, (stem, stages, fc) in _CONFIG_STATED.items()
                  for row, v in _config_rows(stem, stages, fc).items()},
               **{f"ResNet-18 stage {i + 1} C": str(c) for i, c in enumerate((64, 128, 256, 512))}},
       method="cnnlib.costs.stage_costs (weighted main-path layers per part) of summarize() of "
              "the zoo's resnet18 ... resnet152 on the meta device; blocks = len(model.stages[i]); "
              "C = the output channels of ResNet-18's blocks in each stage",
       sources=[(_UMICH, _TABLE, _TABLE_QUOTE), (_UMICH, "Residual Networks (ResNet-18)", _R18),
                (_UMICH, "Residual Networks (ResNet-34)", _R34)])
def _config() -> dict[str, int]:
    from cnnlib.costs import stage_costs

    out = {}
    for name in _FAMILY:
        parts = {p.part: p.layers for p in stage_costs(_summary(name))}
        stages = _meta(name).stages
        out[f"{_LABEL[name]} stem layers"] = parts["stem"]
        out[f"{_LABEL[name]} FC layers"] = parts["head"]
        for i, stage in enumerate(stages):
            out[f"{_LABEL[name]} stage {i + 1} blocks"] = len(stage)
            out[f"{_LABEL[name]} stage {i + 1} layers"] = parts[f"stage {i + 1}"]
    for i, stage in enumerate(_meta("resnet18").stages):
        widths = [_branch_convs(b)[-1].out_channels for b in stage]
        out[f"ResNet-18 stage {i + 1} C"] = _only(widths, "block widths")
    return out


@claim(key="resnet-table-gflop", topic="resnet", status="wrong", erratum="resnet-table-gflop",
       quantity="GFLOP of ResNet-18 ... 152 (Michigan table)",
       stated={"ResNet-18": "1.8", "ResNet-34": "3.6", "ResNet-50": "3.8", "ResNet-101": "7.6",
               "ResNet-152": "11.3"},
       method="2 x the MACs of summarize() of the paper's networks (ResNet v1: a bottleneck's "
              "stride on its first 1x1 conv, stride_in_1x1=True) at 224x224, on the meta device",
       why="The column is the paper's Table 1 'FLOPs', which are multiply-adds: in FLOPs every "
           "entry doubles. The torchvision networks whose errors sit next to it (v1.5) cost a "
           "little more still.",
       sources=[(_UMICH, _TABLE, _TABLE_QUOTE),
                (_UMICH, "Residual Networks (ResNet-18)", "GFLOP: 1.8"),
                (_UMICH, "Residual Networks (ResNet-34)", "GFLOP: 3.6")])
def _table_gflop() -> dict[str, float]:
    return {_LABEL[n]: _summary(n, v1=True).total_flops / 1e9 for n in _FAMILY}


@claim(key="resnet-table-top5", topic="resnet", unit="%",
       quantity="ImageNet top-5 error of torchvision's ResNet-18 ... 152 (224 single crop)",
       stated={"ResNet-18": "10.92", "ResNet-34": "8.58", "ResNet-50": "7.13", "ResNet-101": "6.44",
               "ResNet-152": "5.94"},
       method="cnnlib.published.TORCHVISION_LEGACY_ERRORS (torchvision's documented 1-crop "
              "224x224 error table for its original weights, the source the slide names)",
       sources=[(_UMICH, _TABLE, _TABLE_QUOTE), (_UMICH, _TABLE, _TORCHVISION),
                (_UMICH, "Residual Networks (ResNet-18)", "ImageNet top-5 error: 10.92"),
                (_UMICH, "Residual Networks (ResNet-34)", "ImageNet top-5 error: 8.58")])
def _table_top5() -> dict[str, float]:
    from cnnlib.published import TORCHVISION_LEGACY_ERRORS

    return {_LABEL[n]: TORCHVISION_LEGACY_ERRORS[n].top5_error for n in _FAMILY}


_BOTTLENECK_2017 = ("For deeper networks (ResNet-50+), use “bottleneck” layer to improve "
                    "efficiency (similar to GoogLeNet)")


@claim(key="resnet-block-types", topic="resnet", numeric=False,
       quantity="Block type by depth: basic for ResNet-18/34, bottleneck from ResNet-50 on",
       stated="Basic: ResNet-18, 34; Bottleneck: ResNet-50, 101, 152",
       method="the class of every residual block of the five zoo ImageNet ResNets (meta)",
       sources=[(_2017, "Case Study: ResNet (bottleneck)", _BOTTLENECK_2017),
                (_2023, "Case Study: ResNet (bottleneck)",
                 'For deeper networks (ResNet-50+), use "bottleneck" layer to improve efficiency '
                 "(similar to GoogLeNet)"),
                (_DECK, "Deeper Bottleneck Architectures",
                 "¡ Deeper bottleneck architectures are adopted in ResNet-50, -101, and -152."),
                (_UMICH, _TABLE, _TABLE_QUOTE)])
def _block_types() -> bool:
    kinds = {n: {type(b).__name__ for stage in _meta(n).stages for b in stage} for n in _FAMILY}
    return all(kinds[n] == ({"BasicBlock"} if _layers(n) < 50 else {"Bottleneck"}) for n in _FAMILY)


@claim(key="resnet-50-is-34-with-bottlenecks", topic="resnet", numeric=False,
       quantity="ResNet-50 = ResNet-34 with bottleneck instead of basic blocks",
       stated="ResNet-50 is the same as ResNet-34, but replaces Basic blocks with Bottleneck Blocks",
       method="the zoo's resnet34 and resnet50 (meta): the same number of blocks per stage, and "
              "each stage's 3x3 convs have the same width (the bottleneck's 1x1 convs around them "
              "are what is new)",
       sources=[(_UMICH, _TABLE, "ResNet-50 is the same as ResNet-34, but replaces Basic blocks "
                                 "with Bottleneck Blocks.")])
def _fifty_is_34() -> bool:
    r34, r50 = _meta("resnet34").stages, _meta("resnet50").stages
    same_blocks = [len(s) for s in r34] == [len(s) for s in r50]
    width = lambda stage: {c.out_channels for b in stage for c in _branch_convs(b)  # noqa: E731
                           if c.kernel_size == (3, 3)}
    return same_blocks and all(width(a) == width(b) for a, b in zip(r34, r50))


@claim(key="resnet-deeper-more-accurate", topic="resnet", numeric=False,
       quantity="ResNet-101/152: more accurate than ResNet-50, but more compute",
       stated="Deeper ResNet-101 and ResNet-152 models are more accurate, but also more "
              "computationally heavy",
       method="top-5 errors of cnnlib.published.TORCHVISION_LEGACY_ERRORS decrease and the MACs "
              "of summarize() (meta) increase from resnet50 to resnet101 to resnet152",
       sources=[(_UMICH, _TABLE, "Deeper ResNet-101 and ResNet-152 models are more accurate, but "
                                 "also more computationally heavy")])
def _deeper() -> bool:
    from cnnlib.published import TORCHVISION_LEGACY_ERRORS

    nets = ("resnet50", "resnet101", "resnet152")
    errors = [TORCHVISION_LEGACY_ERRORS[n].top5_error for n in nets]
    macs = [_summary(n).total_macs for n in nets]
    return errors == sorted(errors, reverse=True) and macs == sorted(macs) and len(set(macs)) == 3


# ---- block arithmetic ---------------------------------------------------------------------------

@claim(key="resnet-block-flops", topic="resnet", status="wrong", erratum="resnet-block-flops",
       quantity="FLOPs of a basic block (C channels) and a bottleneck (4C channels), in HWC^2",
       stated={"basic 3x3 conv": "9", "basic total": "18", "bottleneck 1x1 4C->C": "4",
               "bottleneck 3x3 C->C": "9", "bottleneck 1x1 C->4C": "4", "bottleneck total": "17"},
       method="2 x the MACs of the convs of a zoo BasicBlock(64, 64) and Bottleneck(256, 256) "
              "on 56x56 maps (summarize), divided by H*W*C^2 with C = 64",
       why="The algebra counts multiply-adds (MACs); a multiply-add is 2 FLOPs, so the blocks "
           "cost 36 HWC^2 and 34 HWC^2 FLOPs (the comparison between them holds).",
       sources=[(_UMICH, "Residual Networks: Basic Block",
                 "Conv(3x3, C->C) Conv(3x3, C->C) FLOPs: 9HWC2 FLOPs: 9HWC2 Total FLOPs: 18HWC2"),
                (_UMICH, "Residual Networks: Bottleneck Block",
                 "Total FLOPs: 18HWC2 “Bottleneck” Residual block"),
                (_UMICH, "Residual Networks: Bottleneck Block",
                 "Conv(1x1, 4C->C) Conv(3x3, C->C) Conv(1x1, C->4C) FLOPs: 9HWC2 FLOPs: 9HWC2 "
                 "FLOPs: 4HWC2 FLOPs: 9HWC2 FLOPs: 4HWC2 Total FLOPs: 18HWC2 Total FLOPs: 17HWC2")])
def _block_flops() -> dict[str, float]:
    c, size = 64, 56
    unit = size * size * c * c
    basic = [r.flops / unit for r in _block_summary("basic", c, size) if r.kind == "Conv2d"]
    neck = [r.flops / unit for r in _block_summary("bottleneck", 4 * c, size) if r.kind == "Conv2d"]
    return {"basic 3x3 conv": _only(basic, "basic conv costs"), "basic total": sum(basic),
            "bottleneck 1x1 4C->C": neck[0], "bottleneck 3x3 C->C": neck[1],
            "bottleneck 1x1 C->4C": neck[2], "bottleneck total": sum(neck)}


_NECK_2017 = ("1x1 conv, 256 3x3 conv, 64 1x1 conv, 64 28x28x256 input " + _BOTTLENECK_2017 +
              " 1x1 conv, 64 filters to project to 28x28x64 3x3 conv operates over only 64 feature "
              "maps 1x1 conv, 256 filters projects back to 256 feature maps (28x28x256) 28x28x256 "
              "output")
_NECK_DECK = ("1x1 conv, 64 3x3 conv, 64 𝑥 ReLU ReLU ⊕ 1x1 conv, 256 28x28x256 28x28x256 "
              "28x28x256 28x28x256 28x28x64 28x28x64 28x28x256")
_NECK_PARAMS_DECK = ("Deeper Bottleneck Architectures 3x3 conv, 256 3x3 conv, 256 𝑥 ReLU ReLU ⊕ "
                     + _NECK_DECK + " Total param: 2x(256x3x3x256) =1,179,648 Total param: "
                     "256x1x1x64+64x3x 3x64+64x1x1x256= 69,632")


@claim(key="resnet-bottleneck-shapes", topic="resnet",
       quantity="A bottleneck block on a 28x28x256 input: its layers' filters and outputs",
       stated={"input C": "256", "input H/W": "28", "1x1 reduce filters": "64",
               "1x1 reduce output C": "64", "3x3 conv filters": "64", "1x1 expand filters": "256",
               "output C": "256", "output H/W": "28"},
       method="summarize() of a zoo Bottleneck(256, 256) on a 256x28x28 input. (In ResNet-50 this "
              "256-channel block is conv2_x and runs on 56x56 maps; the slides take the 28x28x256 "
              "input of their GoogLeNet example, and the block's shapes are the same at any size.)",
       sources=[(_2017, "Case Study: ResNet (bottleneck)", _NECK_2017),
                (_DECK, "Deeper Bottleneck Architectures", _NECK_DECK)])
def _bottleneck_shapes() -> dict[str, int]:
    s = _block_summary("bottleneck", 256, 28)
    c1, c2, c3 = (s.row(n) for n in ("conv1", "conv2", "conv3"))
    return {"input C": c1.input_shape[0], "input H/W": c1.input_shape[1],
            "1x1 reduce filters": c1.output_shape[0], "1x1 reduce output C": c1.output_shape[0],
            "3x3 conv filters": c2.output_shape[0], "1x1 expand filters": c3.output_shape[0],
            "output C": s[len(s) - 1].output_shape[0], "output H/W": s[len(s) - 1].output_shape[1]}


@claim(key="resnet-bottleneck-params", topic="resnet", status="convention",
       quantity="Parameters of two 3x3 convs on 256 channels vs a 256-64-64-256 bottleneck",
       stated={"two 3x3 convs, 256 channels": "1,179,648", "bottleneck 256-64-64-256": "69,632"},
       method="the conv weights of a zoo BasicBlock(256, 256) and Bottleneck(256, 256) "
              "(summarize on 256x28x28, Conv2d rows)",
       why="The slide counts the conv weights only; the blocks' batch norms add 2 parameters per "
           "channel (1,024 in the basic block, 768 in the bottleneck).",
       sources=[(_DECK, "Deeper Bottleneck Architectures", _NECK_PARAMS_DECK)])
def _bottleneck_params() -> dict[str, int]:
    conv = lambda s: sum(r.params for r in s if r.kind == "Conv2d")  # noqa: E731
    return {"two 3x3 convs, 256 channels": conv(_block_summary("basic", 256, 28)),
            "bottleneck 256-64-64-256": conv(_block_summary("bottleneck", 256, 28))}


# ---- training -----------------------------------------------------------------------------------

_TRAINING = "Training ResNet in practice"


@claim(key="resnet-init-he", topic="resnet",
       quantity="ResNet's init: weight variance in units of Xavier's 1/fan ('Xavier/2')",
       stated="2",
       method="variance x fan_out of the 3x3 conv weights of a freshly built zoo resnet20 "
              "(seed 0; ResNet.init_weights uses He et al. 2015, arXiv:1502.01852: std "
              "sqrt(2/fan)), averaged over its convs",
       sources=[(_2017, _TRAINING, "- Xavier/2 initialization from He et al.")])
def _init_he() -> float:
    return _init_variance_ratio()


@claim(key="resnet-init-xavier", topic="resnet", status="wrong", erratum="resnet-init-xavier",
       numeric=False, quantity="ResNet's init rule", stated="Xavier initialization from He et al.",
       method="whether the 3x3 conv weights of a freshly built zoo resnet20 have Xavier's "
              "variance 1/fan (their variance x fan is within 0.25 of 1)",
       why="He et al.'s rule is not Xavier's: weight variance 2/fan instead of 1/fan, because a "
           "ReLU zeroes half of its inputs (the 2017 slide's 'Xavier/2').",
       sources=[(_2023, _TRAINING, "- Xavier initialization from He et al.")])
def _init_xavier() -> bool:
    return abs(_init_variance_ratio() - 1) < 0.25


_HPARAMS = ("- SGD + Momentum (0.9) - Learning rate: 0.1, divided by 10 when validation error "
            "plateaus - Mini-batch size 256")


@claim(key="resnet-training-hyperparameters", topic="resnet",
       quantity="ResNet's ImageNet training: momentum, learning rate and its divisor, batch size",
       stated={"momentum": "0.9", "learning rate": "0.1", "learning-rate divisor": "10",
               "mini-batch size": "256"},
       method="momentum, lr and 1/gamma of cnnlib.experiments.RESNET_CIFAR_SCHEDULE (He et al. "
              "2015 use the same values on ImageNet, Sec. 3.4); the mini-batch of 256 is the "
              "paper's ImageNet setting (Sec. 3.4; the CIFAR runs use 128)",
       sources=[(_2017, _TRAINING, _HPARAMS), (_2023, _TRAINING, _HPARAMS),
                (_DECK, "ResNet Training",
                 "¡ SGD + Momentum (0.9). ¡ Learning rate: 0.1, divided by 10 when validation "
                 "error plateaus. ¡ Mini-batch size 256.")])
def _hparams() -> dict[str, float]:
    from cnnlib.experiments import RESNET_CIFAR_SCHEDULE as s

    return {"momentum": s["momentum"], "learning rate": s["lr"],
            "learning-rate divisor": 1 / s["gamma"], "mini-batch size": _PAPER_IMAGENET_BATCH}


def _weight_decay() -> float:
    from cnnlib.experiments import RESNET_CIFAR_SCHEDULE

    return RESNET_CIFAR_SCHEDULE["weight_decay"]


for _lecture, _quote in ((_2017, "- Weight decay of 1e-5"), (_2023, "- Weight decay of 1e-5"),
                         (_DECK, "¡ Weight decay of 1e-5.")):
    claim(key=f"resnet-weight-decay-{_lecture}", topic="resnet", status="wrong",
          erratum=f"resnet-weight-decay-{_lecture}", quantity="ResNet's weight decay",
          stated="0.00001",
          method="weight_decay of cnnlib.experiments.RESNET_CIFAR_SCHEDULE (He et al. 2015: "
                 "0.0001 on ImageNet, Sec. 3.4, and on CIFAR-10, Sec. 4.2); the slide writes 1e-5",
          why="He et al. 2015 train with a weight decay of 0.0001 (1e-4): ten times the slide's.",
          sources=[(_lecture, _TRAINING, _quote)])(_weight_decay)


# ---- improving ResNets --------------------------------------------------------------------------

@claim(key="resnet-preact-errors", topic="resnet", unit="%",
       quantity="ImageNet top-1 error, original vs pre-activation ResNet-152 and ResNet-200",
       stated={"ResNet-152 original": "21.3", "ResNet-152 pre-activation": "21.1",
               "ResNet-200 original": "21.8", "ResNet-200 pre-activation": "20.7"},
       method="He et al. 2016 (arXiv:1603.05027), Table 5: single-crop validation error, "
              "trained on 224 crops and tested on 320x320 crops (the slide does not say so)",
       sources=[(_UMICH, "Improving Residual Networks: Block Design",
                 "(ImageNet top-1 error) ResNet-152: 21.3 vs 21.1 ResNet-200: 21.8 vs 20.7")])
def _preact() -> dict[str, float]:
    return dict(_PREACT_TABLE5)


_WIDE_50 = "- 50-layer wide ResNet outperforms 152-layer original ResNet"


@claim(key="resnet-wide-50-vs-152", topic="resnet", numeric=False,
       quantity="A 50-layer wide ResNet beats the 152-layer ResNet",
       stated="50-layer wide ResNet outperforms 152-layer original ResNet",
       method="count_layers of the zoo's wide_resnet50_2 (50) and resnet152 (152), and their "
              "ImageNet top-1 in cnnlib.published.PUBLISHED_TOP1 (78.47% vs 78.31%; "
              "Zagoruyko & Komodakis 2016 report the same ordering for WRN-50-2-bottleneck)",
       sources=[(_2017, "Improving ResNets... Wide Residual Networks", _WIDE_50),
                (_DECK, "Wide ResNet", "¡ 50-layer wide ResNet outperforms 152-layer original "
                                       "ResNet.")])
def _wide_50() -> bool:
    from cnnlib.published import PUBLISHED_TOP1

    return (_layers("wide_resnet50_2") == 50 and _layers("resnet152") == 152
            and PUBLISHED_TOP1["wide_resnet50_2"].top1 > PUBLISHED_TOP1["resnet152"].top1)


@claim(key="resnet-wide-block", topic="resnet", numeric=False,
       quantity="Wide residual block: two 3x3 convs of F x k filters instead of F",
       stated="3x3 conv, F x k; 3x3 conv, F x k",
       method="the branch convs of the zoo's wide_resnet28_10 (k = 10) on meta: all 3x3, and "
              "each stage's width is k times the CIFAR ResNet's (cnnlib.models.resnet.CIFAR_WIDTHS)",
       sources=[(_2017, "Improving ResNets... Wide Residual Networks",
                 "3x3 conv, F 3x3 conv, F 3x3 conv, F x k 3x3 conv, F x k"),
                (_2017, "Improving ResNets... Wide Residual Networks",
                 "- User wider residual blocks (F x k filters instead of F filters in each layer)"),
                (_DECK, "Wide ResNet", "¡ Use wider residual blocks (F x k filters instead of F "
                                       "filters in each layer).")])
def _wide_block() -> bool:
    from cnnlib.models.preact_resnet import WIDE_RESNETS
    from cnnlib.models.resnet import CIFAR_WIDTHS

    _, k = WIDE_RESNETS["wide_resnet28_10"]
    stages = _meta("wide_resnet28_10").stages
    convs = [[c for b in stage for c in _branch_convs(b)] for stage in stages]
    return (all(c.kernel_size == (3, 3) for stage in convs for c in stage)
            and [{c.out_channels for c in stage} for stage in convs]
            == [{k * f} for f in CIFAR_WIDTHS])


_RESNEXT_2017 = ("1x1 conv, 256 3x3 conv, 64 1x1 conv, 64 256-d out 256-d in 1x1 conv, 256 3x3 "
                 "conv, 4 1x1 conv, 4 256-d out 256-d in 1x1 conv, 256 3x3 conv, 4 1x1 conv, 4 1x1 "
                 "conv, 256 3x3 conv, 4 1x1 conv, 4 ... 32 paths")


@claim(key="resnet-resnext-block", topic="resnet",
       quantity="ResNet bottleneck vs ResNeXt block (32 paths of width 4), on 256 channels",
       stated={"bottleneck in": "256", "bottleneck 1x1 reduce": "64", "bottleneck 3x3": "64",
               "bottleneck 1x1 expand": "256", "ResNeXt in": "256", "ResNeXt paths": "32",
               "ResNeXt 1x1 reduce per path": "4", "ResNeXt 3x3 per path": "4",
               "ResNeXt 1x1 expand": "256"},
       method="the second block of stage 1 (256 channels in and out) of the zoo's resnet50 and "
              "resnext50_32x4d (meta): conv widths, and for ResNeXt the 3x3 conv's groups (paths) "
              "and channels per group (Xie et al. 2016, Fig. 1 / Fig. 3b: the grouped 3x3 conv "
              "is the 32 paths)",
       sources=[(_2017, "Improving ResNets... ResNeXt", _RESNEXT_2017)])
def _resnext() -> dict[str, int]:
    r = _meta("resnet50").stages[0][1]
    x = _meta("resnext50_32x4d").stages[0][1]
    paths = x.conv2.groups
    return {"bottleneck in": r.conv1.in_channels, "bottleneck 1x1 reduce": r.conv1.out_channels,
            "bottleneck 3x3": r.conv2.out_channels, "bottleneck 1x1 expand": r.conv3.out_channels,
            "ResNeXt in": x.conv1.in_channels, "ResNeXt paths": paths,
            "ResNeXt 1x1 reduce per path": x.conv1.out_channels // paths,
            "ResNeXt 3x3 per path": x.conv2.out_channels // paths,
            "ResNeXt 1x1 expand": x.conv3.out_channels}


_SENET = "Improving ResNets... Squeeze-and-Excitation Networks (SENet)"


@claim(key="resnet-se-two-fc", topic="resnet", quantity="FC layers in a squeeze-excitation block",
       stated="2",
       method="the weighted layers (1x1 convs acting on the pooled 1x1 map, i.e. FC layers) of "
              "the SqueezeExcitation blocks of the zoo's se_resnet50 (Hu et al. 2017, Fig. 3)",
       sources=[(_2023, _SENET, "- Global information (global avg. pooling layer) + 2 FC layers "
                                "used to determine feature map weights")])
def _se_fc() -> int:
    from torch import nn

    from cnnlib.layers import SqueezeExcitation

    ses = [m for m in _meta("se_resnet50").modules() if isinstance(m, SqueezeExcitation)]
    return _only([sum(isinstance(c, (nn.Conv2d, nn.Linear)) for c in se.modules()) for se in ses],
                 "FC counts")


@claim(key="resnet-senet-ilsvrc17", topic="resnet", numeric=False,
       quantity="SENet won ILSVRC 2017 classification, on a ResNeXt-152 base",
       stated="ILSVRC’17 classification winner (using ResNeXt-152 as a base architecture)",
       method="the 2017 entry of cnnlib.published.ILSVRC_WINNERS is SENet's; a ResNeXt built "
              "from the zoo's blocks with ResNet-152's stages (3, 8, 36, 3) and the 64x4d "
              "template has 152 layers (count_layers, meta). Hu et al. 2017 (Appendix): "
              "SENet-154 adds SE blocks to a modified 64x4d ResNeXt-152",
       sources=[(_2023, _SENET, "- ILSVRC’17 classification winner (using ResNeXt-152 as a base "
                                "architecture)")])
def _senet_ilsvrc() -> bool:
    import torch

    from cnnlib.costs import count_layers
    from cnnlib.models.resnet import IMAGENET_RESNETS, Bottleneck, build_resnet
    from cnnlib.summary import summarize

    with torch.device("meta"):
        model = build_resnet(Bottleneck, IMAGENET_RESNETS["resnet152"][1], groups=64, base_width=4)
    depth = count_layers(summarize(model, (3, 224, 224)))
    return "SENet" in _ilsvrc(2017).team and depth == 152


# ---- lines that state nothing to check ----------------------------------------------------------

_PAGE = "the slide's page number"
not_a_claim(_2017, "H(x) = F(x) + x 72", _PAGE)
not_a_claim(_2017, "two 3x3 conv layers 73", _PAGE)
not_a_claim(_2017, "COCO 2015 competitions 81", _PAGE)
not_a_claim(_2017, "Improving ResNets... 93", _PAGE)
not_a_claim(_DECK, "RESNET 36", "the section title's page number")
not_a_claim(_DECK, "¡ Training error increases as network gets deeper. 38", _PAGE)
not_a_claim(_DECK, "¡ Fit the residual ℱ 𝑥 = ℋ 𝑥 − 𝑥 instead of ℋ 𝑥 directly. 40", _PAGE)
not_a_claim(_DECK, "¡ Dotted lines are the shortcut connections with increased size. 42", _PAGE)
not_a_claim(_DECK, "ResNet Architectures 44", _PAGE)
not_a_claim(_DECK, "¡ Scale: Reweight feature maps. 49", _PAGE)
not_a_claim(_DECK, "more nonlinearity and reduce model parameters. 50", _PAGE)
not_a_claim(_DECK, "computationally efficient. 54 Image source: Lecture 9, cs231n.",
            "the slide's page number and its image credit (the CS231n lecture)")
not_a_claim(_DECK, "Inception module. 55", _PAGE)
not_a_claim(_DECK, "Architecture of ResNet-34",
            "the caption of the paper's Fig. 3; ResNet-34's depth is checked by resnet-imagenet-depths")
not_a_claim(_DECK, 'Image source: He, Kaiming, Xiangyu Zhang, Shaoqing Ren, and Jian Sun. "Deep '
                   'residual learning for image recognition." In Proceedings of the IEEE conference '
                   'on computer vision and pattern recognition, pp. 770-778. 2016.',
            "a citation (page numbers and year)")
not_a_claim(_DECK, 'Image source: Hu, Jie, Li Shen, and Gang Sun. "Squeeze-and-excitation '
                   'networks." In Proceedings of the IEEE conference on computer vision and pattern '
                   'recognition, pp. 7132-7141. 2018.', "a citation (page numbers and year)")
not_a_claim(_DECK, 'neural networks." In Proceedings of the IEEE conference on computer vision and '
                   'pattern recognition, pp. 1492-1500. 2017.', "a citation (page numbers and year)")
