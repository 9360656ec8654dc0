"""Lecture claims about comparing networks: the "Comparing complexity" slides, which annotate
the charts of Canziani, Paszke & Culurciello 2016, "An analysis of deep neural network models
for practical applications" (arXiv:1605.07678): top-1 accuracy against operations (bubble size:
parameters), and memory.

The slides' labels carry no numbers of their own; the ones that rank networks are checked on
the networks of the chart that ``cnnlib`` builds (:data:`CHART_MODELS`; the chart's BN-AlexNet,
BN-NIN, ENet, Inception-v3 and Inception-v4 are not in the zoo), with
:func:`cnnlib.figures.comparison.compare` (parameters and MACs from :func:`cnnlib.summarize`,
published top-1 from :mod:`cnnlib.published`).
"""
from __future__ import annotations

import functools

from cnnlib.ledger import claim, not_a_claim

_CS231N_2017, _CS231N_2023, _MICHIGAN, _DECK = ("cs231n-2017", "cs231n-2023", "eecs498-2022",
                                                "senet-deck")
_SLIDE = "Comparing complexity (Canziani et al. 2017)"
_DECK_SLIDE = "ILSVRC Model Comparison (Canziani et al.)"

#: The networks of Canziani et al.'s charts that the zoo builds (original AlexNet at 227).
CHART_MODELS = ("alexnet", "googlenet", "resnet18", "resnet34", "resnet50", "resnet101",
                "resnet152", "vgg16", "vgg19")

#: Szegedy, Ioffe, Vanhoucke & Alemi 2017, "Inception-v4, Inception-ResNet and the Impact of
#: Residual Connections on Learning" (AAAI; arXiv:1602.07261), Sections 3.1-3.2 and Fig. 9:
#: Inception-v4 is built from pure Inception blocks; the residual hybrids are
#: Inception-ResNet-v1 and -v2 (the abstract's "an ensemble of three residual and one
#: Inception-v4").
INCEPTION_V4_HAS_RESIDUAL_CONNECTIONS = False

_VGG = {"vgg16", "vgg19"}


@functools.lru_cache(maxsize=None)
def _records() -> dict[str, dict]:
    from cnnlib.figures.comparison import compare

    return {r["name"]: r for r in compare(CHART_MODELS)}


def _memory(record: dict) -> int:
    """Weights plus one image's activations, float32: the parameters and the CS231n table's
    activation count (input, conv, pool and FC outputs)."""
    return 4 * record["params"] + record["memory_conv_pool_fc_bytes"]


def _top(key, n: int) -> set[str]:
    return set(sorted(_records(), key=lambda name: -key(_records()[name]))[:n])


_VGG_2017 = "VGG: Highest memory, most operations"
_ALEXNET_2017 = "AlexNet: Smaller compute, still memory heavy, lower accuracy"
_ALEXNET_2022 = "AlexNet: Low compute, lots of parameters"


@claim(key="canziani-inception-v4-residual", topic="comparison", numeric=False, status="wrong",
       quantity="Inception-v4 of the Canziani chart", stated="Inception-v4 = ResNet + Inception",
       method="the paper: Szegedy et al. 2017 (arXiv:1602.07261), Sections 3.1-3.2 and Fig. 9 "
              "(INCEPTION_V4_HAS_RESIDUAL_CONNECTIONS)",
       why="Inception-v4 is the paper's pure Inception network, without residual connections; "
           "the ResNet + Inception hybrids of the same paper are Inception-ResNet-v1 and -v2 "
           "(the chart plots Inception-v4).",
       sources=[(_CS231N_2017, _SLIDE, "Inception-v4: Resnet + Inception!"),
                (_CS231N_2023, _SLIDE, "Inception-v4: Resnet + Inception!"),
                (_MICHIGAN, "Comparing Complexity (slide 102)",
                 "Inception-v4: Resnet + Inception!"),
                (_DECK, _DECK_SLIDE, "Inception-v4: Resnet + Inception")])
def _inception_v4() -> bool:
    return INCEPTION_V4_HAS_RESIDUAL_CONNECTIONS


@claim(key="canziani-vgg-most-operations", topic="comparison", numeric=False,
       quantity="VGG: the most operations of the chart",
       stated="VGG-16 and VGG-19: most operations",
       method="the two largest total_macs of compare(CHART_MODELS) are VGG-16's and VGG-19's",
       sources=[(_CS231N_2017, _SLIDE, _VGG_2017),
                (_MICHIGAN, "Comparing Complexity (slide 103)", _VGG_2017),
                (_DECK, _DECK_SLIDE, "VGG: most parameters, most operations")])
def _vgg_ops() -> bool:
    return _top(lambda r: r["macs"], 2) == _VGG


@claim(key="canziani-vgg-highest-memory", topic="comparison", numeric=False,
       quantity="VGG: the highest memory of the chart", stated="VGG-16 and VGG-19: highest memory",
       method="the two largest memory footprints of compare(CHART_MODELS), counted as float32 "
              "weights plus one image's activations (input, conv, pool and FC outputs), are "
              "VGG-16's and VGG-19's",
       sources=[(_CS231N_2017, _SLIDE, _VGG_2017),
                (_MICHIGAN, "Comparing Complexity (slide 103)", _VGG_2017)])
def _vgg_memory() -> bool:
    return _top(_memory, 2) == _VGG


@claim(key="canziani-vgg-most-parameters", topic="comparison", numeric=False,
       quantity="VGG: the most parameters of the chart",
       stated="VGG-16 and VGG-19: most parameters",
       method="the two largest total_params of compare(CHART_MODELS) are VGG-16's and VGG-19's",
       sources=[(_DECK, _DECK_SLIDE, "VGG: most parameters, most operations")])
def _vgg_params() -> bool:
    return _top(lambda r: r["params"], 2) == _VGG


@claim(key="canziani-alexnet-low-compute", topic="comparison", numeric=False,
       quantity="AlexNet: compute", stated="AlexNet: the least compute",
       method="AlexNet has the smallest total_macs of compare(CHART_MODELS)",
       sources=[(_CS231N_2017, _SLIDE, _ALEXNET_2017),
                (_MICHIGAN, "Comparing Complexity (slide 105)", _ALEXNET_2022)])
def _alexnet_compute() -> bool:
    return _top(lambda r: -r["macs"], 1) == {"alexnet"}


@claim(key="canziani-alexnet-many-parameters", topic="comparison", numeric=False,
       quantity="AlexNet: parameters (weight memory)",
       stated="AlexNet: lots of parameters, memory heavy",
       method="AlexNet has more parameters, so more float32 weight memory, than every network "
              "of compare(CHART_MODELS) but the two VGGs",
       sources=[(_CS231N_2017, _SLIDE, _ALEXNET_2017),
                (_MICHIGAN, "Comparing Complexity (slide 105)", _ALEXNET_2022)])
def _alexnet_params() -> bool:
    return _top(lambda r: r["params"], 3) == _VGG | {"alexnet"}


@claim(key="canziani-alexnet-lower-accuracy", topic="comparison", numeric=False,
       quantity="AlexNet: accuracy", stated="AlexNet: the lowest accuracy",
       method="cnnlib.published.PUBLISHED_TOP1: AlexNet's top-1 (torchvision's AlexNet, "
              "alexnet_owt) is below that of every network of CHART_MODELS with a published "
              "top-1 (GoogLeNet has none in cnnlib.published)",
       sources=[(_CS231N_2017, _SLIDE, _ALEXNET_2017)])
def _alexnet_accuracy() -> bool:
    from cnnlib.published import PUBLISHED_TOP1

    others = [PUBLISHED_TOP1[n].top1 for n in CHART_MODELS if n in PUBLISHED_TOP1]
    return bool(others) and all(PUBLISHED_TOP1["alexnet_owt"].top1 < t for t in others)


not_a_claim(_CS231N_2017, "Fei-Fei Li & Justin Johnson & Serena Yeung Lecture 9 - May 2, "
                          "2017Fei-Fei Li & Justin Johnson & Serena Yeung Lecture 9 - May 2, "
                          "201787",
            "the footer of the 'Comparing complexity' slide: its number, 87")
not_a_claim(_DECK, "ILSVRC Model Comparison 46", "the slide's number")
