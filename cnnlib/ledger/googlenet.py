"""Lecture claims about GoogLeNet and its Inception module (Szegedy et al., "Going Deeper with
Convolutions", arXiv:1409.4842, CVPR 2015: Table 1, Fig. 2 and 3).

Everything is computed from ``cnnlib``'s models built on the meta device and traced by
:func:`cnnlib.summarize`: the whole network (``googlenet``, paper-faithful: 5x5 branches, no
BatchNorm, auxiliary heads only with ``aux_logits=True``), and the lectures' example module on a
28x28x256 input (1x1/128, 3x3/192, 5x5/96, 3x3 max pool; with 64-channel bottlenecks and pool
projection in the reduced version), built from :class:`~cnnlib.models.googlenet.InceptionNaive`
and :class:`~cnnlib.models.googlenet.Inception`. That example is inception(3b)'s widths on the
output of inception(3a). The Andrew Ng example (28x28x192 to 28x28x32 through a 5x5 conv, with a
16-channel bottleneck) is inception(3a)'s 5x5 branch, read off the real network.

Where a slide writes a table or a list of products, the numbers are read from the slide's own
words (the quotes below) and every row is recomputed.
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter

from cnnlib.ledger import LedgerError, claim, not_a_claim
from cnnlib.ledger._shared import meta_model as _model, meta_summary as _summary, on_meta as _meta, only as _only

_A, _S, _C23, _J, _D = "cs231n-2017", "survey-ng", "cs231n-2023", "eecs498-2022", "senet-deck"
_CASE = "Case Study: GoogLeNet"
_NAIVE_SLIDE = _CASE + ": Naive Inception module"
_REDUCED_SLIDE = _CASE + ": Inception module with dimension reduction"
_SURVEY = "Google Net (Szegedy et. al. 2014)"
_NG = "Inception Networks: Computational Cost (Andrew Ng)"
_STEM = "GoogLeNet: Aggressive Stem"
_GAP = "GoogLeNet: Global Average Pooling"
_DECK_MODULE = "Inception Module (SENet deck)"

# The example module: a 28x28x256 input and the branch widths of inception(3b).
_IN, _SIZE = 256, 28
_C1, _C3, _C5, _BOTTLENECK = 128, 192, 96, 64


# ---------------------------------------------------------------------------------- helpers








@functools.lru_cache(maxsize=None)
def _example(reduced: bool):
    """(module, summary) of the lectures' example module, naive or with 1x1 bottlenecks."""
    from cnnlib.models.googlenet import Inception, InceptionNaive
    from cnnlib.summary import summarize

    if reduced:
        module = _meta(lambda: Inception(_IN, _C1, _BOTTLENECK, _C3, _BOTTLENECK, _C5, _BOTTLENECK))
    else:
        module = _meta(lambda: InceptionNaive(_IN, _C1, _C3, _C5))
    return module, summarize(module, (_IN, _SIZE, _SIZE))


def _example_convs(reduced: bool):
    """(kernel, out channels, MACs, weights) of every conv of the example module."""
    _, s = _example(reduced)
    return [(r.kernel[0], r.output_shape[0], r.macs, r.params - r.output_shape[0])
            for r in s if r.kind == "Conv2d"]


def _out(summary, name: str):
    """Output shape (C, H, W) of the row called ``name``."""
    return summary.row(name).output_shape


def _branch_out(summary, branch: str):
    """Output shape of a branch of a module summary (its last row)."""
    return [r for r in summary if r.name.split(".")[0] == branch][-1].output_shape


_PRODUCT = re.compile(r"\[(\d)x\d conv, (\d+)\]\s*([\dx]+)")


def _products(text: str) -> Counter:
    """(kernel, filters, product) of each '[kxk conv, C] AxBx...' line of a slide."""
    return Counter((int(k), int(c), math.prod(int(f) for f in p.split("x")))
                   for k, c, p in _PRODUCT.findall(text))


def _slide_pattern(summary, names: dict[str, str]) -> str:
    """Layer kinds of a summary in a slide's notation (ReLUs, norms and dropout left out)."""
    tokens = []
    for r in summary:
        if r.kind == "Conv2d":
            tokens.append(names.get(f"Conv{r.kernel[0]}", names["Conv"]))
        elif r.kind in names:
            tokens.append(names[r.kind])
    return "-".join(tokens)


def _longest_path(model) -> tuple[int, list[int]]:
    """Layers with weights along the network's longest path (parallel branches count once),
    and the longest branch of each Inception module."""
    from torch import nn

    from cnnlib.models.googlenet import Inception

    def convs(m):
        return sum(isinstance(x, nn.Conv2d) for x in m.modules())

    per_module = [max(convs(getattr(m, f"branch{i}")) for i in range(1, 5))
                  for m in model.modules() if isinstance(m, Inception)]
    return convs(model.stem) + sum(per_module) + 1, per_module  # + the final classifier


# ------------------------------------------------------------------------ the whole network
@claim(key="googlenet-depth", topic="googlenet", quantity="GoogLeNet's depth in layers with "
                                                          "weights", stated="22",
       method="layers with weights along the longest path of cnnlib's googlenet (no auxiliary "
              "heads): the stem's 3 convs, the longest branch of each of the 9 Inception modules "
              "(2 convs) and the classifier, as the paper counts ('22 layers deep when counting "
              "only layers with parameters')",
       sources=[(_A, _CASE, "- 22 layers"), (_S, _SURVEY, "- 22 layers"),
                (_C23, _CASE, "- 22 layers"),
                (_C23, _CASE + ": Full GoogLeNet architecture", "22 total layers with weights"),
                (_D, "GoogLeNet", "¡ 22 layers")])
def _depth() -> int:
    return _longest_path(_model("googlenet"))[0]


@claim(key="googlenet-depth-per-module", topic="googlenet",
       quantity="Layers per Inception module, parallel layers counted as one", stated="2",
       method="the longest branch (in convs) of every Inception module of cnnlib's googlenet; "
              "the auxiliary heads are not built (googlenet(aux_logits=False))",
       sources=[(_C23, _CASE + ": Full GoogLeNet architecture",
                 "(parallel layers count as 1 layer => 2 layers per Inception module. Don't "
                 "count auxiliary output layers)")])
def _per_module() -> int:
    return _only(_longest_path(_model("googlenet"))[1], "module depths")


@claim(key="googlenet-depth-every-parallel-layer", topic="googlenet", status="wrong",
       quantity="GoogLeNet's layers with weights, every parallel layer of a module counted",
       stated="22",
       method="number of nn.Conv2d and nn.Linear layers of cnnlib's googlenet (no auxiliary heads)",
       why="Counting each parallel layer of the Inception modules, as the parenthesis says, gives "
           "58 layers with weights (3 stem convs, 6 convs in each of the 9 modules, the "
           "classifier). The paper's 22 counts the depth: parallel layers count once, 2 layers "
           "per module, as the 2023 slide rewords it (googlenet-depth-per-module).",
       sources=[(_A, _CASE + ": Full GoogLeNet architecture",
                 "22 total layers with weights (including each parallel layer in an Inception "
                 "module)")])
def _every_layer() -> int:
    from torch import nn

    return sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in _model("googlenet").modules())


@claim(key="googlenet-5-million", topic="googlenet", status="wrong", erratum="googlenet-5-million",
       quantity="GoogLeNet's parameters", stated="5M",
       method="summarize(googlenet, 224).total_params (Table 1's network with its 1024 x 1000 "
              "classifier, without the auxiliary heads, which are dropped after training)",
       why="GoogLeNet has 7.0 million parameters (6,998,552).",
       sources=[(_A, _CASE, "Only 5 million parameters!"),
                (_S, _SURVEY, "Only 5 million parameters!"),
                (_C23, _CASE, "Only 5 million parameters!")])
def _five_million() -> int:
    return _summary("googlenet").total_params


@claim(key="googlenet-12x-alexnet", topic="googlenet", status="wrong",
       erratum="googlenet-12x-alexnet",
       quantity="AlexNet's parameters / GoogLeNet's", stated="12",
       method="summarize(alexnet, 227).total_params (the two-GPU AlexNet of 2012) / "
              "summarize(googlenet, 224).total_params",
       why="60.97M / 7.00M = 8.7x: the paper's '12 times fewer' (and the slides' 5 million) "
           "do not count GoogLeNet's whole classifier.",
       sources=[(_A, _CASE, "12x less than AlexNet"),
                (_A, _CASE + " (summary)", "12x less params than AlexNet"),
                (_S, _SURVEY, "12x less than AlexNet"),
                (_C23, _CASE, "- 12x less than AlexNet"),
                (_C23, _CASE + " (summary)", "- 12x less params than AlexNet"),
                (_D, "GoogLeNet", "12x less params than AlexNet")])
def _vs_alexnet() -> float:
    return _summary("alexnet", 227).total_params / _summary("googlenet").total_params


@claim(key="googlenet-27x-vgg16", topic="googlenet", status="wrong",
       erratum="googlenet-27x-vgg16",
       quantity="VGG-16's parameters / GoogLeNet's", stated="27",
       method="summarize(vgg16, 224).total_params / summarize(googlenet, 224).total_params",
       why="138.4M / 7.0M = 19.8x; 27x is 138M over the slides' 5 million.",
       sources=[(_C23, _CASE, "27x less than VGG-16"),
                (_C23, _CASE + " (summary)", "27x less params than VGG-16"),
                (_D, "GoogLeNet", "27x less params than VGG-16")])
def _vs_vgg16() -> float:
    return _summary("vgg16").total_params / _summary("googlenet").total_params


@claim(key="googlenet-ilsvrc-top5", topic="googlenet", unit="%",
       quantity="GoogLeNet's top-5 error, ILSVRC 2014 classification (the winning entry)",
       stated="6.7%",
       method="cnnlib.published.ILSVRC_WINNERS, 2014 GoogLeNet entry (Szegedy et al. 2015, "
              "Table 2: 6.67%), the lowest error of 2014",
       sources=[(_A, _CASE, "- ILSVRC’14 classification winner\n(6.7% top 5 error)"),
                (_S, _SURVEY, "- ILSVRC’14 classification winner\n(6.7% top 5 error)"),
                (_C23, _CASE, "ILSVRC'14 classification winner (6.7% top 5 error)"),
                (_D, "GoogLeNet", "ILSVRC’14 classification winner (6.7% top 5 error)")])
def _top5() -> float:
    from cnnlib.published import ILSVRC_WINNERS

    entries = [e for e in ILSVRC_WINNERS if e.year == 2014]
    winner = min(entries, key=lambda e: e.top5_error)
    if "GoogLeNet" not in winner.team:
        raise LedgerError("GoogLeNet is not the 2014 winner in ILSVRC_WINNERS")
    return winner.top5_error


@claim(key="googlenet-stem-pattern", topic="googlenet", numeric=False,
       quantity="GoogLeNet's stem network", stated="Conv-Pool-2x Conv-Pool",
       method="conv and pool rows of summarize(googlenet.stem, (3, 224, 224)) (its ReLUs and "
              "local response norms left out): Conv-Pool-Conv-Conv-Pool?",
       sources=[(_A, _CASE + ": Full GoogLeNet architecture",
                 "Stem Network:\nConv-Pool-\n2x Conv-Pool"),
                (_S, "Inception Network: Google Net", "Stem Network:\nConv-Pool-\n2x Conv-Pool"),
                (_C23, _CASE + ": Full GoogLeNet architecture",
                 "Stem Network:\nConv-Pool-\n2x Conv-Pool"),
                (_D, "GoogLeNet", "Conv-Pool-\n2xConv-Pool")])
def _stem_pattern() -> bool:
    from cnnlib.summary import summarize

    stem = summarize(_model("googlenet").stem, (3, 224, 224))
    return _slide_pattern(stem, {"Conv": "Conv", "MaxPool2d": "Pool"}) == "Conv-Pool-Conv-Conv-Pool"


@claim(key="googlenet-aux-classifier", topic="googlenet", numeric=False,
       quantity="GoogLeNet's auxiliary classifiers", stated="AvgPool-1x1Conv-FC-FC-Softmax",
       method="layers of summarize() of both auxiliary heads of googlenet(aux_logits=True) on "
              "their inputs (inception 4a's and 4d's 14x14 outputs), ReLU and dropout left out; "
              "the softmax is the loss's, as for the main classifier",
       sources=[(_A, _CASE + ": Full GoogLeNet architecture",
                 "Auxiliary classification outputs to inject additional gradient at lower layers\n"
                 "(AvgPool-1x1Conv-FC-FC-Softmax)")])
def _aux() -> bool:
    from cnnlib.summary import summarize

    model = _model("googlenet", aux_logits=True)
    names = {"Conv1": "1x1Conv", "Conv": "Conv", "AdaptiveAvgPool2d": "AvgPool",
             "AvgPool2d": "AvgPool", "Linear": "FC"}
    size = _out(_summary("googlenet"), "inception4a.branch1.0")[1]  # 14 at 224x224
    patterns = [_slide_pattern(summarize(head, (tap.out_channels, size, size)), names)
                for head, tap in ((model.aux1, model.inception4a), (model.aux2, model.inception4d))]
    return patterns == ["AvgPool-1x1Conv-FC-FC"] * 2


# ------------------------------------------------------------------ the naive module example
@claim(key="inception-branch-kernels", topic="googlenet",
       quantity="The Inception module's parallel operations: conv kernels and pool window",
       stated={"conv 1": "1", "conv 2": "3", "conv 3": "5", "max pool": "3"},
       method="kernel_size of the convs of InceptionNaive's branches 1-3 and of the max pool of "
              "branch 4 (as in every Inception module of googlenet)",
       sources=[(_A, _NAIVE_SLIDE, "- Multiple receptive field sizes\nfor convolution (1x1, 3x3,\n"
                                   "5x5)\n- Pooling operation (3x3)"),
                (_A, _NAIVE_SLIDE + " (figure)", "Previous Layer\n3x3 max\npooling\n5x5\n"
                                                 "convolution\n3x3\nconvolution\n1x1\nconvolution"),
                (_S, _SURVEY, "- Multiple receptive field sizes for convolution (1x1, 3x3, 5x5)\n"
                              "- Pooling operation (3x3)"),
                (_C23, _CASE, "- Multiple receptive field sizes for convolution (1x1, 3x3, 5x5)\n"
                              "- Pooling operation (3x3)"),
                (_D, "Inception Module", "¡ Multiple receptive field sizes\nfor convolution (1x1, "
                                         "3x3, 5x5).\n¡ Pooling operation (3x3).")])
def _kernels() -> dict[str, int]:
    _, s = _example(reduced=False)
    convs = [r.kernel[0] for r in s if r.kind == "Conv2d"]
    return {"conv 1": convs[0], "conv 2": convs[1], "conv 3": convs[2],
            "max pool": _only((r.kernel[0] for r in s if r.kind == "MaxPool2d"), "pools")}


@claim(key="inception-naive-1x1-output", topic="googlenet",
       quantity="Example (28x28x256 input): output of the 1x1 conv with 128 filters",
       stated={"H": "28", "W": "28", "C": "128"},
       method="output_shape of branch 1 of summarize(InceptionNaive(256, 128, 192, 96), "
              "(256, 28, 28))",
       sources=[(_A, _NAIVE_SLIDE, "Q1: What is the output size of the\n1x1 conv, with 128 "
                                   "filters?\n28x28x128")])
def _q1() -> dict[str, int]:
    c, h, w = _branch_out(_example(reduced=False)[1], "branch1")
    return {"H": h, "W": w, "C": c}


_BRANCHES = {"branch1": "1x1 conv", "branch2": "3x3 conv", "branch3": "5x5 conv",
             "branch4": "3x3 pool"}


@claim(key="inception-naive-branch-outputs", topic="googlenet",
       quantity="Example: output sizes of the naive module's four branches",
       stated={"H": "28", "W": "28", "1x1 conv C": "128", "3x3 conv C": "192", "5x5 conv C": "96",
               "3x3 pool C": "256"},
       method="output_shape of each branch of summarize(InceptionNaive(256, 128, 192, 96), "
              "(256, 28, 28)); H and W are the same for all four",
       sources=[(_A, _NAIVE_SLIDE, "Q2: What are the output sizes of\nall different filter "
                                   "operations?\n28x28x128 28x28x192 28x28x96 28x28x256"),
                (_D, _DECK_MODULE + ", naive version", "28x28x128 28x28x192 28x28x96 28x28x256")])
def _q2() -> dict[str, int]:
    s = _example(reduced=False)[1]
    shapes = {b: _branch_out(s, b) for b in _BRANCHES}
    out = {"H": _only((x[1] for x in shapes.values()), "heights"),
           "W": _only((x[2] for x in shapes.values()), "widths")}
    out.update({f"{name} C": shapes[b][0] for b, name in _BRANCHES.items()})
    return out


@claim(key="inception-naive-concat", topic="googlenet",
       quantity="Example: output size of the naive module after filter concatenation",
       stated={"H": "28", "W": "28", "C": "672"},
       method="output_shape of summarize(InceptionNaive(256, 128, 192, 96), (256, 28, 28))",
       sources=[(_A, _NAIVE_SLIDE, "Q3:What is output size after\nfilter concatenation?\n"
                                   "28x28x128 28x28x192 28x28x96 28x28x256\n"
                                   "28x28x(128+192+96+256) = 28x28x672"),
                (_D, _DECK_MODULE + ", naive version", "28x28x672")])
def _q3() -> dict[str, int]:
    c, h, w = _example(reduced=False)[1].output_shape
    return {"H": h, "W": w, "C": c}


@claim(key="inception-naive-output-numbers", topic="googlenet", status="wrong",
       erratum="inception-naive-output-numbers",
       quantity="Example: numbers in the naive module's output", stated="529k",
       method="product of the output_shape of summarize(InceptionNaive(256, 128, 192, 96), "
              "(256, 28, 28))",
       why="28 x 28 x 672 = 526,848, which rounds to 527k.",
       sources=[(_A, _NAIVE_SLIDE, "28x28x(128+192+96+256) = 529k")])
def _output_numbers() -> int:
    return math.prod(_example(reduced=False)[1].output_shape)


_NAIVE_OPS = ("Conv Ops:\n[1x1 conv, 128] 28x28x128x1x1x256\n[3x3 conv, 192] 28x28x192x3x3x256\n"
              "[5x5 conv, 96] 28x28x96x5x5x256")


@claim(key="inception-naive-op-rows", topic="googlenet", numeric=False,
       quantity="Example: multiply-adds of each conv of the naive module (the slide's products)",
       stated="[1x1 conv, 128] 28x28x128x1x1x256; [3x3 conv, 192] 28x28x192x3x3x256; "
              "[5x5 conv, 96] 28x28x96x5x5x256",
       method="each product on the slide against the MACs of the conv with that kernel and "
              "width in summarize(InceptionNaive(256, 128, 192, 96), (256, 28, 28))",
       sources=[(_A, _NAIVE_SLIDE, _NAIVE_OPS),
                (_S, _SURVEY + ": Naive Inception module",
                 "[1x1 conv, 128] $28 \\times 28 \\times 128 \\times 1 \\times 1 \\times 256$ "
                 "[3x3 conv, 192] $28 \\times 28 \\times 192 \\times 3 \\times 3 \\times 256$ "
                 "[5x5 conv, 96] $28 \\times 28 \\times 96 \\times 5 \\times 5 \\times 256$"),
                (_C23, _CASE, _NAIVE_OPS)])
def _naive_rows() -> bool:
    return _products(_NAIVE_OPS) == Counter((k, c, m) for k, c, m, _ in _example_convs(False))


@claim(key="inception-naive-ops", topic="googlenet",
       quantity="Example: multiply-adds of the naive module ('ops')", stated="854M",
       method="summarize(InceptionNaive(256, 128, 192, 96), (256, 28, 28)).total_macs (the convs' "
              "multiply-adds; the slide's ops are its products)",
       sources=[(_A, _NAIVE_SLIDE, "Total: 854M ops"), (_S, _SURVEY, "**Total: 854M ops**"),
                (_C23, _CASE, "Total: 854M ops"),
                (_A, _REDUCED_SLIDE, "Compared to 854M ops for naive version"),
                (_S, _CASE + ": Inception module with dimension reduction",
                 "Compared to 854M ops for naive version")])
def _naive_ops() -> int:
    return _example(reduced=False)[1].total_macs


@claim(key="inception-5x5-most-expensive", topic="googlenet", numeric=False,
       quantity="Which conv of the naive module costs most",
       stated="5x5 convolutions are especially expensive",
       method="the branch with the most MACs in summarize(InceptionNaive(256, 128, 192, 96), "
              "(256, 28, 28)): the 5x5 conv (482M of 854M)?",
       sources=[(_D, "Inception Module", "¡ 5x5 convolutions are especially\nexpensive.")])
def _five_expensive() -> bool:
    k, *_ = max(_example_convs(False), key=lambda c: c[2])
    return k == 5


_NAIVE_PARAMS = ("[1x1 conv, 128] 128x1x1x256\n[3x3 conv, 192] 192x3x3x256\n"
                 "[5x5 conv, 96] 96x5x5x256")


@claim(key="inception-naive-param-rows", topic="googlenet", numeric=False,
       quantity="Example: weights of each conv of the naive module (the slide's products)",
       stated="128x1x1x256; 192x3x3x256; 96x5x5x256",
       method="each product on the slide against the weights (parameters less biases) of the "
              "conv with that kernel and width of InceptionNaive(256, 128, 192, 96)",
       sources=[(_D, _DECK_MODULE + ": Parameters", _NAIVE_PARAMS)])
def _naive_param_rows() -> bool:
    return _products(_NAIVE_PARAMS) == Counter((k, c, w) for k, c, _, w in _example_convs(False))


@claim(key="inception-naive-params", topic="googlenet", status="wrong",
       erratum="inception-naive-params",
       quantity="Example: weights of the naive module", stated="108k",
       method="sum of the conv weights (no biases, as the slide's products) of "
              "InceptionNaive(256, 128, 192, 96)",
       why="Its own products add up to 1,089,536 weights, about 1.09M: ten times the slide's "
           "total.",
       sources=[(_D, _DECK_MODULE + ": Parameters", "Total: 108k")])
def _naive_params() -> int:
    return sum(w for *_, w in _example_convs(False))


# ---------------------------------------------------------------- the reduced module example
_REDUCED_OPS = ("Conv Ops:\n[1x1 conv, 64] 28x28x64x1x1x256\n[1x1 conv, 64] 28x28x64x1x1x256\n"
                "[1x1 conv, 128] 28x28x128x1x1x256\n[3x3 conv, 192] 28x28x192x3x3x64\n"
                "[5x5 conv, 96] 28x28x96x5x5x64\n[1x1 conv, 64] 28x28x64x1x1x256")


@claim(key="inception-reduced-op-rows", topic="googlenet", numeric=False,
       quantity="Example with 1x1 bottlenecks: multiply-adds of each of its six convs (the "
                "slide's products)",
       stated="two [1x1 conv, 64] 28x28x64x1x1x256; [1x1 conv, 128] 28x28x128x1x1x256; "
              "[3x3 conv, 192] 28x28x192x3x3x64; [5x5 conv, 96] 28x28x96x5x5x64; "
              "[1x1 conv, 64] 28x28x64x1x1x256",
       method="each product against the MACs of the conv with that kernel and width in "
              "summarize(Inception(256, 128, 64, 192, 64, 96, 64), (256, 28, 28)): the same six "
              "convs, the same products",
       sources=[(_A, _REDUCED_SLIDE, _REDUCED_OPS),
                (_S, _CASE + ": Inception module with dimension reduction",
                 _REDUCED_OPS.replace("Conv Ops:", "## Conv Ops:"))])
def _reduced_rows() -> bool:
    return _products(_REDUCED_OPS) == Counter((k, c, m) for k, c, m, _ in _example_convs(True))


@claim(key="inception-reduced-ops", topic="googlenet", status="wrong",
       erratum="inception-reduced-ops",
       quantity="Example with 1x1 bottlenecks: multiply-adds ('ops')", stated="358M",
       method="summarize(Inception(256, 128, 64, 192, 64, 96, 64), (256, 28, 28)).total_macs",
       why="The six products the slide lists add up to 271M (a 3.2x saving, not 2.4x); 358M "
           "counts the 3x3 conv (86.7M) twice.",
       sources=[(_A, _REDUCED_SLIDE, "Total: 358M ops"),
                (_S, _CASE + ": Inception module with dimension reduction",
                 "**Total: 358M ops**")])
def _reduced_ops() -> int:
    return _example(reduced=True)[1].total_macs


@claim(key="inception-reduced-outputs", topic="googlenet",
       quantity="Example with 1x1 bottlenecks: output sizes inside the module",
       stated={"H": "28", "W": "28", "3x3 reduce C": "64", "5x5 reduce C": "64",
               "3x3 pool C": "256", "1x1 conv C": "128", "3x3 conv C": "192",
               "5x5 conv C": "96", "pool projection C": "64"},
       method="output_shape of every conv and of the pool of summarize(Inception(256, 128, 64, "
              "192, 64, 96, 64), (256, 28, 28)); H and W are the same for all",
       sources=[(_A, _REDUCED_SLIDE, "28x28x64 28x28x64 28x28x256\n"
                                     "28x28x128 28x28x192 28x28x96 28x28x64"),
                (_D, _DECK_MODULE + " with dimensionality reduction",
                 "28x28x128\n28x28x192 28x28x96 28x28x64\n28x28x64 28x28x64 28x28x256"),
                (_D, _DECK_MODULE + " with dimensionality reduction", "Decreased from 256")])
def _reduced_outputs() -> dict[str, int]:
    s = _example(reduced=True)[1]
    shapes = {"3x3 reduce C": _out(s, "branch2.0.0"), "5x5 reduce C": _out(s, "branch3.0.0"),
              "3x3 pool C": _out(s, "branch4.0"), "1x1 conv C": _out(s, "branch1.0"),
              "3x3 conv C": _out(s, "branch2.1.0"), "5x5 conv C": _out(s, "branch3.1.0"),
              "pool projection C": _out(s, "branch4.1.0")}
    out = {"H": _only((x[1] for x in shapes.values()), "heights"),
           "W": _only((x[2] for x in shapes.values()), "widths")}
    out.update({k: v[0] for k, v in shapes.items()})
    return out


@claim(key="inception-reduced-concat", topic="googlenet",
       quantity="Example with 1x1 bottlenecks: output size after filter concatenation",
       stated={"H": "28", "W": "28", "C": "480"},
       method="output_shape of summarize(Inception(256, 128, 64, 192, 64, 96, 64), "
              "(256, 28, 28)) (also inception(3b)'s output in googlenet)",
       sources=[(_A, _REDUCED_SLIDE, "28x28x480"),
                (_D, _DECK_MODULE + " with dimensionality reduction", "28x28x480")])
def _reduced_concat() -> dict[str, int]:
    c, h, w = _example(reduced=True)[1].output_shape
    return {"H": h, "W": w, "C": c}


_REDUCED_PARAMS = ("[1x1 conv, 64] 64x1x1x256\n[1x1 conv, 64] 64x1x1x256\n"
                   "[1x1 conv, 128] 128x1x1x256\n[3x3 conv, 192] 192x3x3x64\n"
                   "[5x5 conv, 96] 96x5x5x64\n[1x1 conv, 64] 64x1x1x256")


@claim(key="inception-reduced-param-rows", topic="googlenet", numeric=False,
       quantity="Example with 1x1 bottlenecks: weights of each of its six convs (the slide's "
                "products)",
       stated="64x1x1x256 (twice); 128x1x1x256; 192x3x3x64; 96x5x5x64; 64x1x1x256",
       method="each product against the weights of the conv with that kernel and width of "
              "Inception(256, 128, 64, 192, 64, 96, 64)",
       sources=[(_D, _DECK_MODULE + ": Parameters", _REDUCED_PARAMS)])
def _reduced_param_rows() -> bool:
    return _products(_REDUCED_PARAMS) == Counter((k, c, w) for k, c, _, w in _example_convs(True))


@claim(key="inception-reduced-params", topic="googlenet", status="wrong",
       erratum="inception-reduced-params",
       quantity="Example with 1x1 bottlenecks: weights", stated="33k",
       method="sum of the conv weights (no biases) of Inception(256, 128, 64, 192, 64, 96, 64)",
       why="Its own six products add up to 346,112 weights, about 346k: ten times the slide's "
           "total (the naive 108k is off by ten the same way, so the ratio, 3.1x, is right).",
       sources=[(_D, _DECK_MODULE + ": Parameters",
                 "¡ Total: 33k, decreased from\n108k for naïve version.")])
def _reduced_params() -> int:
    return sum(w for *_, w in _example_convs(True))


# ------------------------------------------------------------------------ 1x1 convolutions
def _one_by_one(c_in: int, c_out: int, size: int):
    from torch import nn

    from cnnlib.summary import summarize

    conv = _meta(lambda: nn.Conv2d(c_in, c_out, 1))
    return conv, summarize(conv, (c_in, size, size))


@claim(key="googlenet-1x1-conv-example", topic="googlenet",
       quantity="A 1x1 conv with 32 filters on a 56x56x64 input",
       stated={"output H": "56", "output W": "56", "output C": "32", "filter depth": "64",
               "dot product length": "64"},
       method="summarize(nn.Conv2d(64, 32, 1), (64, 56, 56)): output_shape; the weight's input "
              "dimension; MACs per output number",
       sources=[(_A, "Reminder: 1x1 convolutions",
                 "Reminder: 1x1 convolutions\n64\n56\n56\n1x1 CONV\nwith 32 filters\n32\n56\n56\n"
                 "(each filter has size\n1x1x64, and performs a\n64-dimensional dot\nproduct)"),
                (_C23, "Review: 1x1 convolutions",
                 "Review: 1x1 convolutions\n1x1 CONV\nwith 32 filters\n(each filter has size\n"
                 "1x1x64, and performs a\n64-dimensional dot product)")])
def _one_by_one_example() -> dict[str, float]:
    conv, s = _one_by_one(64, 32, 56)
    c, h, w = s.output_shape
    return {"output H": h, "output W": w, "output C": c, "filter depth": conv.weight.shape[1],
            "dot product length": s.total_macs / math.prod(s.output_shape)}


@claim(key="googlenet-1x1-conv-weights", topic="googlenet", status="convention",
       quantity="Parameters of the 1x1 conv, 64 channels in, 32 filters", stated="2048",
       method="weights of nn.Conv2d(64, 32, 1): conv.weight.numel()",
       why="The slide counts the weights only; with the 32 biases the conv has 2,080 parameters.",
       sources=[(_D, "1x1 Convolution Filter",
                 "¡ Number of parameters for\n1x1 convolution filters:\n64x32=2048")])
def _one_by_one_weights() -> int:
    return _one_by_one(64, 32, 56)[0].weight.numel()


@claim(key="googlenet-1x1-conv-6x6", topic="googlenet",
       quantity="A 1x1 conv on a 6x6x32 input: output size, filter depth, numbers summed per "
                "output",
       stated={"output H": "6", "output W": "6", "filter depth": "32", "channels summed": "32"},
       method="summarize(nn.Conv2d(32, F, 1), (32, 6, 6)) (F = 8 filters): output_shape, the "
              "weight's input dimension, MACs per output number",
       sources=[(_S, "What does 1x1 convolution do?", "6 × 6 × # filters"),
                (_S, "1X1 Convolutions", "$6 \\times 6 \\times 32$ \\* = $1 \\times 1 \\times 32$"),
                (_S, "1X1 Convolutions", "Pixel values from each of the 32 channels are "
                                         "multiplied with corresponding convolution kernel "
                                         "coefficients and are series summed to get one pixel "
                                         "of response matrix.")])
def _six_by_six() -> dict[str, float]:
    conv, s = _one_by_one(32, 8, 6)
    _, h, w = s.output_shape
    return {"output H": h, "output W": w, "filter depth": conv.weight.shape[1],
            "channels summed": s.total_macs / math.prod(s.output_shape)}


@claim(key="googlenet-1x1-bottlenecks", topic="googlenet", numeric=False,
       quantity="GoogLeNet's 1x1 bottlenecks", stated="1x1 convs reduce the channels before the "
                                                      "expensive 3x3 and 5x5 convs",
       method="in every Inception module of googlenet, the 3x3 and 5x5 branches start with a "
              "1x1 conv with fewer output channels than the module's input?",
       sources=[(_J, "GoogLeNet: Inception Module", "Uses 1x1 “Bottleneck”\nlayers to reduce "
                                                    "channel\ndimension before\nexpensive conv"),
                (_A, _NAIVE_SLIDE, "Solution: “bottleneck” layers that\nuse 1x1 convolutions "
                                   "to reduce\nfeature depth"),
                (_A, _CASE, "1x1 conv “bottleneck”\nlayers"),
                (_C23, _CASE, "Solution: “bottleneck” layers that use 1x1 convolutions to "
                              "reduce feature channel size"),
                (_S, "1X1 Convolutions", "1X1 filters are often used to reduce the "
                                         "dimensionality of a layer"),
                (_D, "1x1 Convolution Filter", "1X1 convolution was used to reduce/augment the\n"
                                               "number of channels while introducing "
                                               "non-linearity")])
def _bottlenecks() -> bool:
    from cnnlib.models.googlenet import Inception

    ok = True
    for m in _model("googlenet").modules():
        if isinstance(m, Inception):
            for branch in (m.branch2, m.branch3):
                first = branch[0][0]  # ConvNormAct -> its conv
                ok &= first.kernel_size == (1, 1) and first.out_channels < first.in_channels
    return ok


# ------------------------------------------------------------- Andrew Ng's cost example
def _ng_rows():
    """inception(3a)'s 5x5 branch in googlenet: its 1x1 reduce and its 5x5 conv."""
    s = _summary("googlenet")
    return s.row("inception3a.branch3.0.0"), s.row("inception3a.branch3.1.0")


def _ng_naive_macs() -> int:
    """The same 5x5 conv applied to inception(3a)'s whole input, without the reduce."""
    from torch import nn

    from cnnlib.summary import summarize

    reduce, five = _ng_rows()
    c, h, w = reduce.input_shape
    conv = _meta(lambda: nn.Conv2d(c, five.output_shape[0], five.kernel, padding=five.padding))
    return summarize(conv, (c, h, w)).total_macs


@claim(key="googlenet-ng-naive-5x5", topic="googlenet",
       quantity="Multiplications of a 5x5 conv, 28x28x192 to 28x28x32", stated="120M",
       method="summarize(nn.Conv2d(192, 32, 5, padding=2), (192, 28, 28)).total_macs, with "
              "192, 32 and 28 read off inception(3a)'s 5x5 branch in summarize(googlenet)",
       sources=[(_S, _NG, "One output pixel requires $5 \\times 5 \\times 192$ multiplications "
                          "There are total $28 \\times 28 \\times 32$ output pixels "
                          "Total # of multiplications required = $(5 \\times 5 \\times 192) "
                          "\\times (28 \\times 28 \\times 32) = \\mathbf{120M}$")])
def _ng_naive() -> int:
    return _ng_naive_macs()


@claim(key="googlenet-ng-bottleneck-shapes", topic="googlenet",
       quantity="The 5x5 branch with a 1x1 bottleneck: input, bottleneck and output sizes",
       stated={"H": "28", "W": "28", "input C": "192", "bottleneck C": "16", "output C": "32"},
       method="input and output shapes of inception(3a)'s 5x5 branch (branch3.0.0, the 1x1 "
              "reduce, and branch3.1.0, the 5x5 conv) in summarize(googlenet, 224)",
       sources=[(_S, "How Computational cost can be reduced with 1X1 Convolutions",
                 "$28 \\times 28 \\times 192$"),
                (_S, "How Computational cost can be reduced with 1X1 Convolutions",
                 "$28 \\times 28 \\times 16$"),
                (_S, "How Computational cost can be reduced with 1X1 Convolutions",
                 "$28 \\times 28 \\times 32$")])
def _ng_shapes() -> dict[str, int]:
    reduce, five = _ng_rows()
    return {"H": _only({reduce.input_shape[1], reduce.output_shape[1], five.output_shape[1]}, "H"),
            "W": _only({reduce.input_shape[2], reduce.output_shape[2], five.output_shape[2]}, "W"),
            "input C": reduce.input_shape[0], "bottleneck C": reduce.output_shape[0],
            "output C": five.output_shape[0]}


@claim(key="bottleneck-5x5-typo", topic="googlenet", status="wrong", erratum="bottleneck-5x5-typo",
       quantity="Multiplications of the 1x1 bottleneck (28x28x192 to 28x28x16): its product",
       stated={"filters": "6", "multiplications": "2.4M"},
       method="output channels and MACs of inception(3a)'s branch3.0.0 (the 1x1 reduce) in "
              "summarize(googlenet, 224)",
       why="The product's factor is the bottleneck's 16 filters, not 6: 28 x 28 x 16 x 192 = "
           "2.4M (the result is right; 28 x 28 x 6 x 192 would be 0.9M).",
       sources=[(_S, "How Computational cost can be reduced with 1X1 Convolutions",
                 "Multiplications for first layer $= 28 \\times 28 \\times 6 \\times 192 = 2.4 "
                 "\\text{ M}$")])
def _ng_first() -> dict[str, int]:
    reduce, _ = _ng_rows()
    return {"filters": reduce.output_shape[0], "multiplications": reduce.macs}


@claim(key="googlenet-ng-bottleneck-5x5", topic="googlenet",
       quantity="Multiplications of the 5x5 conv after the bottleneck (28x28x16 to 28x28x32)",
       stated="10M",
       method="MACs of inception(3a)'s branch3.1.0 in summarize(googlenet, 224)",
       sources=[(_S, "How Computational cost can be reduced with 1X1 Convolutions",
                 "Multiplications for second layer $= (28 \\times 28 \\times 32) \\times (5 "
                 "\\times 5 \\times 16) = 10 \\text{ M}$")])
def _ng_second() -> int:
    return _ng_rows()[1].macs


@claim(key="googlenet-ng-bottleneck-total", topic="googlenet",
       quantity="Multiplications of the 5x5 branch with its bottleneck, and their fraction of "
                "the 5x5 conv alone",
       stated={"total": "12.4M", "fraction": "0.1"},
       method="MACs of inception(3a)'s branch3 (reduce + 5x5) in summarize(googlenet, 224), and "
              "their ratio to googlenet-ng-naive-5x5's 120M; the slide's 'approximately one "
              "tenth' is read as 0.1 (0.05..0.15)",
       sources=[(_S, "How Computational cost can be reduced with 1X1 Convolutions",
                 "Total # of Multiplications $= 2.4 + 10 = 12.4 \\text{ M}$ which is "
                 "approximately **one tenth** of the previous inception model (120 M)")])
def _ng_total() -> dict[str, float]:
    reduce, five = _ng_rows()
    total = reduce.macs + five.macs
    return {"total": total, "fraction": total / _ng_naive_macs()}


@claim(key="googlenet-gap-output", topic="googlenet", numeric=False,
       quantity="GoogLeNet's global average pooling: HxWxc to 1x1xc", stated="HxWxc 1x1xc",
       method="input and output shapes of the pool row of summarize(googlenet, 224): (1024, 7, "
              "7) to (1024, 1, 1)?",
       sources=[(_D, "GoogLeNet", "HxWxc 1x1xc\nAvgPool")])
def _gap_output() -> bool:
    r = _summary("googlenet").row("pool")
    return r.output_shape == (r.input_shape[0], 1, 1)


# ---------------------------------------------------------------- Michigan: the stem table
_STEM_TABLE = ("conv 3 224 64 7 2 3 64 112 3136 9 118\nmax-pool 64 112 3 2 1 64 56 784 0 2\n"
               "conv 64 56 64 1 1 0 64 56 784 4 13\nconv 64 56 192 3 1 1 192 56 2352 111 347\n"
               "max-pool 192 56 3 2 1 192 28 588 0 1")
_STEM_ROWS = ("conv1", "pool1", "conv2_reduce", "conv2", "pool2")  # the model's names, in order
_CONV_COLS = ("C in", "H in", "filters", "kernel", "stride", "pad", "C out", "H out",
              "memory KB", "params K", "MFLOP")
_POOL_COLS = ("C in", "H in", "kernel", "stride", "pad", "C out", "H out", "memory KB",
              "params K", "MFLOP")


def _read_table(text: str, names: tuple[str, ...], columns: dict[str, tuple[str, ...]]):
    """{(row name, column): number as written} from a slide table's lines; ``columns`` maps a
    line's first word (the layer type) to its columns."""
    lines = text.splitlines()
    if len(lines) != len(names):
        raise LedgerError(f"{len(lines)} table lines for rows {names}")
    out = {}
    for name, line in zip(names, lines):
        kind, *numbers = line.split()
        cols = columns[kind]
        if len(numbers) != len(cols):
            raise LedgerError(f"row {line!r}: {len(numbers)} numbers for columns {cols}")
        out.update({(name, col): n for col, n in zip(cols, numbers)})
    return out


_STEM_READ = _read_table(_STEM_TABLE, _STEM_ROWS, {"conv": _CONV_COLS, "max-pool": _POOL_COLS})


def _stated(table: dict, keep) -> dict[str, str]:
    return {f"{row} {col}": text for (row, col), text in table.items() if keep(row, col)}


def _is_pool(row: str) -> bool:
    return "pool" in row


def _stem_rows():
    rows = [r for r in _summary("googlenet") if r.name.startswith("stem.")
            and r.kind in ("Conv2d", "MaxPool2d")]
    names = tuple(r.name.split(".")[1] for r in rows)
    if names != _STEM_ROWS:
        raise LedgerError(f"googlenet's stem is {names}, the slide's {_STEM_ROWS}")
    return rows


def _floor_pad(r) -> int:
    """The padding with which the floor formula (W - K + 2P) / S + 1 gives the pool's output
    size (the model pools with ceil_mode and no padding, as Caffe did)."""
    from cnnlib.arithmetic import pool_output_size

    k, s = r.kernel[0], r.stride[0]
    for p in range(k // 2 + 1):
        if pool_output_size(r.input_shape[1], k, s, p) == r.output_shape[1]:
            return p
    raise LedgerError(f"no padding gives {r.name}'s output size with the floor formula")


def _stem_values() -> dict[str, float]:
    out = {}
    for r in _stem_rows():
        name = r.name.split(".")[1]
        conv = r.kind == "Conv2d"
        v = {"C in": r.input_shape[0], "H in": r.input_shape[1], "kernel": r.kernel[0],
             "stride": r.stride[0], "C out": r.output_shape[0], "H out": r.output_shape[1],
             "memory KB": r.memory_bytes / 1024, "params K": r.params / 1e3,
             "pad": r.padding[0] if conv else _floor_pad(r),
             "MFLOP": (r.macs if conv else r.other_ops) / 1e6}
        if conv:
            v["filters"] = r.output_shape[0]
        out.update({f"{name} {col}": x for col, x in v.items()})
    return out


def _pick(values: dict, stated: dict) -> dict:
    return {k: values[k] for k in stated}


_STEM_SHAPES = _stated(_STEM_READ, lambda row, col: col != "MFLOP"
                       and not (_is_pool(row) and col == "pad"))
_STEM_PADS = _stated(_STEM_READ, lambda row, col: _is_pool(row) and col == "pad")
_STEM_FLOPS = _stated(_STEM_READ, lambda row, col: col == "MFLOP")


@claim(key="googlenet-stem-table", topic="googlenet",
       quantity="GoogLeNet's stem, per layer: input and output size, filters, kernel, stride, "
                "conv padding, memory (KB), parameters (K)",
       stated=_STEM_SHAPES,
       method="the stem's conv and max-pool rows of summarize(googlenet, 224): shapes, kernel, "
              "stride, padding, memory_bytes / 1024, params / 1000 (weights and biases)",
       sources=[(_J, _STEM, _STEM_TABLE)])
def _stem_table() -> dict[str, float]:
    return _pick(_stem_values(), _STEM_SHAPES)


@claim(key="googlenet-stem-pool-pad", topic="googlenet", status="convention",
       quantity="GoogLeNet's stem: padding of the two 3x3 / stride-2 max pools",
       stated=_STEM_PADS,
       method="the padding with which the floor formula (W - K + 2P) / S + 1 gives each pool's "
              "output size in summarize(googlenet, 224) (cnnlib.arithmetic.pool_output_size)",
       why="The paper's pools (Caffe's, and cnnlib's) pad nothing and round the output size up "
           "(ceil_mode): 112 -> 56 and 56 -> 28. The slide's pad 1 with the floor formula gives "
           "the same sizes.",
       sources=[(_J, _STEM, _STEM_TABLE)])
def _stem_pads() -> dict[str, float]:
    return _pick(_stem_values(), _STEM_PADS)


@claim(key="googlenet-stem-mflop-column", topic="googlenet", status="convention",
       quantity="GoogLeNet's stem, per layer: 'flop (M)'", stated=_STEM_FLOPS,
       method="MACs / 1e6 of the stem's convs and other_ops / 1e6 of its pools (one operation "
              "per window element) in summarize(googlenet, 224)",
       why="The column counts multiply-adds for the convs (FLOPs would be twice: conv1 236, "
           "conv2 694) and one operation per element of each pooling window.",
       sources=[(_J, _STEM, _STEM_TABLE)])
def _stem_flops() -> dict[str, float]:
    return _pick(_stem_values(), _STEM_FLOPS)


def _stem_totals() -> dict[str, float]:
    rows = _stem_rows()
    return {"input H": rows[0].input_shape[1], "output H": rows[-1].output_shape[1],
            "memory MB": sum(r.memory_bytes for r in rows) / 2**20,
            "params": sum(r.params for r in rows),
            "MFLOP": sum(r.macs + r.other_ops for r in rows) / 1e6}


@claim(key="googlenet-stem-totals", topic="googlenet", status="convention",
       quantity="GoogLeNet's stem in total: from 224 to 28, memory (MB), parameters",
       stated={"input H": "224", "output H": "28", "memory MB": "7.5", "params": "124K"},
       method="sums over the stem's conv and max-pool rows of summarize(googlenet, 224): "
              "memory_bytes / 2^20, params",
       why="MB here is 2^20 bytes (1024 of the table's KB): the rows add up to 7,644 KB = "
           "7.46 MB; in decimal megabytes it is 7.8 MB.",
       sources=[(_J, _STEM, "Total from 224 to 28 spatial resolution:\nMemory: 7.5 MB\n"
                            "Params: 124K")])
def _stem_total() -> dict[str, float]:
    t = _stem_totals()
    return {k: t[k] for k in ("input H", "output H", "memory MB", "params")}


@claim(key="googlenet-stem-mflop", topic="googlenet", status="wrong",
       erratum="googlenet-stem-mflop",
       quantity="GoogLeNet's stem in total: 'MFLOP'", stated="418",
       method="sum of the stem's 'flop (M)' column as computed in googlenet-stem-mflop-column "
              "(conv MACs + pool window operations)",
       why="The slide's own rows (118 + 2 + 13 + 347 + 1) add up to 481: the total's digits are "
           "swapped.",
       sources=[(_J, _STEM, "MFLOP: 418")])
def _stem_mflop() -> float:
    return _stem_totals()["MFLOP"]


@claim(key="googlenet-stem-vs-vgg16", topic="googlenet", status="wrong",
       erratum="googlenet-stem-vs-vgg16",
       quantity="VGG-16 from 224 to 28 (stages 1-3) against GoogLeNet's stem",
       stated={"memory MB": "42.9", "memory ratio": "5.7", "params": "1.1M",
               "params ratio": "8.9", "MFLOP": "7485", "MFLOP ratio": "17.8"},
       method="the conv and max-pool rows of stages 1-3 of summarize(vgg16, 224), counted as the "
              "stem (memory_bytes / 2^20, params, MACs + pool window operations), and their "
              "ratios to googlenet-stem-totals",
       why="VGG-16 from 224 to 28 is seven convs and three pools: 51.3 MB (6.9x), 1.7M "
           "parameters (14x), 9,341 M (19.4x). The slide's figures are those of its first six "
           "convs, without conv3-3 (the two-conv stage 3 of the design-rules slide) and without "
           "the pools.",
       sources=[(_J, _STEM, "Compare VGG-16:\nMemory: 42.9 MB (5.7x)\nParams: 1.1M (8.9x)\n"
                            "MFLOP: 7485 (17.8x)")])
def _stem_vs_vgg() -> dict[str, float]:
    rows = [r for r in _summary("vgg16") if r.kind in ("Conv2d", "MaxPool2d")
            and r.name.split(".")[1] in ("stage1", "stage2", "stage3")]
    stem = _stem_totals()
    memory = sum(r.memory_bytes for r in rows) / 2**20
    params = sum(r.params for r in rows)
    mflop = sum(r.macs + r.other_ops for r in rows) / 1e6
    return {"memory MB": memory, "memory ratio": memory / stem["memory MB"], "params": params,
            "params ratio": params / stem["params"], "MFLOP": mflop,
            "MFLOP ratio": mflop / stem["MFLOP"]}


# ---------------------------------------------------- Michigan: global average pooling
_GAP_GOOGLENET = "avg-pool 1024 7 7 1 0 1024 1 4 0 0\nfc 1024 1000 1000 0 1025 1"
_GAP_VGG = ("flatten 512 7 25088 98\nfc6 25088 4096 4096 16 102760 103\n"
            "fc7 4096 4096 4096 16 16777 17\nfc8 4096 1000 1000 4 4096 4")
_FC_COLS = ("C in", "filters", "C out", "memory KB", "params K", "MFLOP")
_GAP_READ = {**_read_table(_GAP_GOOGLENET, ("avg-pool", "fc"),
                           {"avg-pool": _POOL_COLS, "fc": _FC_COLS}),
        **_read_table(_GAP_VGG, ("vgg16 flatten", "vgg16 fc6", "vgg16 fc7", "vgg16 fc8"),
                      {"flatten": ("C in", "H in", "C out", "memory KB"), "fc6": _FC_COLS,
                       "fc7": _FC_COLS, "fc8": _FC_COLS})}
_GAP_SOURCES = [(_J, _GAP + " (GoogLeNet)", _GAP_GOOGLENET),
                (_J, _GAP + ": Compare with VGG-16", _GAP_VGG + "\nCompare with VGG-16:")]


def _gap_values() -> dict[str, float]:
    g, v = _summary("googlenet"), _summary("vgg16")
    pool, fc = g.row("pool"), g.row("fc")
    (c, h, _), (_, ho, _) = pool.input_shape, pool.output_shape
    window = -(-h // ho)  # an adaptive pool to 1x1 averages the whole map
    out = {"avg-pool C in": c, "avg-pool H in": h, "avg-pool kernel": window,
           "avg-pool pad": (ho * window - h) // 2, "avg-pool C out": pool.output_shape[0],
           "avg-pool H out": ho, "avg-pool memory KB": pool.memory_bytes / 1024,
           "avg-pool params K": pool.params / 1e3, "avg-pool MFLOP": pool.other_ops / 1e6}
    for name, r in (("fc", fc), ("vgg16 fc6", v.row("classifier.fc6")),
                    ("vgg16 fc7", v.row("classifier.fc7")), ("vgg16 fc8", v.row("classifier.fc8"))):
        out.update({f"{name} C in": r.input_shape[0], f"{name} filters": r.output_shape[0],
                    f"{name} C out": r.output_shape[0], f"{name} memory KB": r.memory_bytes / 1024,
                    f"{name} params K": r.params / 1e3, f"{name} MFLOP": r.macs / 1e6})
    last = v.row("pool")  # VGG-16's last maps, flattened into fc6
    out.update({"vgg16 flatten C in": last.output_shape[0],
                "vgg16 flatten H in": last.output_shape[1],
                "vgg16 flatten C out": v.row("classifier.fc6").input_shape[0],
                "vgg16 flatten memory KB": last.memory_bytes / 1024})
    return out


_GAP_PARAMS_VGG = _stated(_GAP_READ,
                          lambda row, col: row.startswith("vgg16 fc") and col == "params K")
_GAP_FC_MEMORY = _stated(_GAP_READ, lambda row, col: row == "fc" and col == "memory KB")
_GAP_FLOPS = _stated(_GAP_READ, lambda row, col: col == "MFLOP")
_GAP_SHAPES = _stated(_GAP_READ, lambda row, col: col not in ("MFLOP", "stride")
                      and f"{row} {col}" not in {**_GAP_PARAMS_VGG, **_GAP_FC_MEMORY})


@claim(key="googlenet-gap-table", topic="googlenet",
       quantity="GoogLeNet's average pool and classifier, and VGG-16's flatten and FC layers: "
                "sizes, memory (KB), parameters (K)",
       stated=_GAP_SHAPES,
       method="the pool and fc rows of summarize(googlenet, 224) and the last pool and "
              "classifier rows of summarize(vgg16, 224): shapes, memory_bytes / 1024, params / "
              "1000; an adaptive pool to 1x1 averages the whole 7x7 map, so its window is 7 and "
              "it pads nothing (its stride, the slide's 1, does not matter for a single window "
              "and is not checked)",
       sources=_GAP_SOURCES)
def _gap_table() -> dict[str, float]:
    return _pick(_gap_values(), _GAP_SHAPES)


@claim(key="googlenet-gap-mflop", topic="googlenet", status="convention",
       quantity="GoogLeNet's average pool and classifier, VGG-16's FC layers: 'flop (M)'",
       stated=_GAP_FLOPS,
       method="MACs / 1e6 of the FC rows and other_ops / 1e6 (one addition per averaged number) "
              "of the pool row of the same summaries",
       why="The column counts multiply-adds: VGG-16's fc6 is 102.8 M MACs (205.5 MFLOP); the "
           "average pool's 50,176 additions round to 0.",
       sources=_GAP_SOURCES)
def _gap_flops() -> dict[str, float]:
    return _pick(_gap_values(), _GAP_FLOPS)


@claim(key="googlenet-gap-fc-memory", topic="googlenet", status="wrong",
       quantity="GoogLeNet's final FC layer: memory of its output (KB)", stated=_GAP_FC_MEMORY,
       method="memory_bytes / 1024 of the fc row of summarize(googlenet, 224)",
       why="The classifier outputs 1000 float32 scores, 3.9 KB, as VGG-16's fc8 on the same "
           "slide (its 4 KB); the row says 0.",
       sources=[(_J, _GAP + " (GoogLeNet)", _GAP_GOOGLENET)])
def _gap_fc_memory() -> dict[str, float]:
    return _pick(_gap_values(), _GAP_FC_MEMORY)


@claim(key="gap-vs-fc-bias", topic="googlenet", status="wrong", erratum="gap-vs-fc-bias",
       quantity="VGG-16's FC layers: parameters (K), next to GoogLeNet's 1,025K",
       stated=_GAP_PARAMS_VGG,
       method="params / 1000 (weights and biases, as GoogLeNet's row counts them) of vgg16's "
              "fc6, fc7, fc8 in summarize(vgg16, 224)",
       why="The VGG-16 rows leave out the biases that GoogLeNet's row counts (1024 x 1000 + 1000 "
           "= 1,025K): with them fc6 has 102,765K, fc7 16,781K, fc8 4,097K. The difference is "
           "small, but the two tables count differently.",
       sources=[(_J, _GAP + ": Compare with VGG-16", _GAP_VGG)])
def _gap_params() -> dict[str, float]:
    return _pick(_gap_values(), _GAP_PARAMS_VGG)


# ------------------------------------------------------------------ lines that are not claims
_SETUP = "the worked example's given input and branch widths (inception(3b)'s), not a result"
not_a_claim(_A, "Input\n3x3 pool5x5 conv,\n96\n3x3 conv,\n192\n1x1 conv,\n128\nFilter\n"
                "concatenation", _SETUP)
for _lec in (_A, _D):
    not_a_claim(_lec, "Module input:\n28x28x256", _SETUP)
not_a_claim(_A, "Using same parallel layers as\nnaive example, and adding “1x1\nconv, 64 filter” "
                "bottlenecks:\nModule input:\n28x28x256\n1x1 conv,\n64\nPrevious Layer\n3x3 pool\n"
                "5x5 conv,\n96\n3x3 conv,\n192\nFilter\nconcatenation\n1x1 conv,\n64\n1x1 conv,\n"
                "64\n1x1 conv,\n128", _SETUP + ", with its 64-filter 1x1 bottlenecks")
not_a_claim(_S, "Using same parallel layers as naive example, and adding “1x1 conv, 64 filter” "
                "bottlenecks:", _SETUP + ", with its 64-filter 1x1 bottlenecks")
not_a_claim(_D, "¡ Using same parallel layers as\nnaive example, and adding\n"
                "“1x1 conv, 64 filter”\n"
                "bottlenecks:", _SETUP + ", with its 64-filter 1x1 bottlenecks")
_QUESTION = "the worked example's question; its answer is in a figure the transcript lacks"
not_a_claim(_S, "Q1: What is the output size of the\n1x1 conv, with 128 filters?", _QUESTION)
not_a_claim(_S, "Q2: What are the output sizes of\nall different filter operations?", _QUESTION)
not_a_claim(_S, "Q3: What is output size after filter concatenation?", _QUESTION)
not_a_claim(_C23, "Example: Q1: What are the output sizes of all different filter operations?",
            _QUESTION)
not_a_claim(_C23, "Q2: What is output size after filter concatenation?", _QUESTION)
not_a_claim(_S, "## How Computational cost can be reduced with 1X1 Convolutions",
            "section title; the example below it is googlenet-ng-*")
not_a_claim(_A, "Fei-Fei Li & Justin Johnson & Serena Yeung Lecture 9 - May 2, 2017Fei-Fei Li & "
                "Justin Johnson & Serena Yeung Lecture 9 - May 2, 201758", "slide footer")
not_a_claim(_D, "¡ Pooling operation (3x3).\n26\nInception module, naïve version", "page number")
not_a_claim(_D, "GoogLeNet\n34\n¡ Instead of multiple expensive FC layers", "page number")
not_a_claim(_D, "(6.7% top 5 error)\n35\nImage source: Szegedy", "page number")
not_a_claim(_D, "with convolutions.\" In Proceedings of the IEEE conference on computer vision and "
                "pattern recognition, pp. 1-9. 2015.", "the figure's citation (the paper's pages)")


# ---- Network in Network, GoogLeNet's precursor (CS231n 2017, the survey) --------------------

_NIN = "Network in Network (NiN) [Lin et al. 2014]"


@claim(key="nin-micronetwork-1x1", topic="googlenet", numeric=False,
       quantity="NiN's micro-network: the layers after each mlpconv's first conv are 1x1 convs",
       stated="FC, i.e. 1x1 conv layers",
       method="every nn.Conv2d after the first of each mlpconv block of cnnlib's nin (Lin et al. "
              "2014, Sec. 3.2 and the authors' CIFAR-10 model) has a 1x1 kernel",
       sources=[("cs231n-2017", _NIN, "Micronetwork uses multilayer\nperceptron (FC, i.e. 1x1 conv\nlayers)"),
                ("survey-ng", _NIN, "- Micronetwork uses multilayer perceptron (FC, i.e. 1x1 conv layers)")])
def _nin_1x1() -> bool:
    import torch
    from torch import nn

    from cnnlib.registry import get_model

    with torch.device("meta"):
        model = get_model("nin")
    blocks = [m for name, m in model.body.named_children() if name.startswith("mlpconv")]
    kernels = [[c.kernel_size for c in b.modules() if isinstance(c, nn.Conv2d)][1:] for b in blocks]
    return bool(blocks) and all(k == [(1, 1), (1, 1)] for k in kernels)
