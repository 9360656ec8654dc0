"""Lecture claims about the ImageNet challenge (ILSVRC): the Michigan lecture's chart of the
winners' top-5 error, their depths and the human error.

Error rates are published figures (:data:`cnnlib.published.ILSVRC_WINNERS`,
:data:`cnnlib.published.HUMAN_TOP5_ERROR`); depths are counted on the zoo's models, built on the
meta device, the way the papers count them (:func:`_weighted_depth`).
"""
from __future__ import annotations

import functools

from cnnlib.ledger import claim, not_a_claim, uncheckable

MI, SE = "eecs498-2022", "senet-deck"
_CHART = "ImageNet Classification Challenge (bar chart of the winners)"
_ERRORS = "28.2 25.8 16.4 11.7 7.3 6.7 3.6 3 2.3"
_DEPTHS = "8 layers 8 layers 19 layers 22 layers 152 layers 152 layers 152 layers"

#: The chart's bars: label -> (year, a word of the team's name in ILSVRC_WINNERS).
_BARS = {
    "2010 (Lin et al)": (2010, "NEC"), "2011 (Sanchez & Perronnin)": (2011, "Sanchez"),
    "2012 (Krizhevsky et al, AlexNet)": (2012, "winning entry"),
    "2013 (Zeiler & Fergus)": (2013, "Zeiler"), "2014 (Simonyan & Zisserman, VGG)": (2014, "VGG"),
    "2014 (Szegedy et al, GoogLeNet)": (2014, "GoogLeNet"),
    "2015 (He et al, ResNet)": (2015, "ResNet"),
    "2016 (Shao et al)": (2016, "Trimps"), "2017 (Hu et al, SENet)": (2017, "SENet"),
}


def _entry(year: int, word: str):
    from cnnlib.published import ILSVRC_WINNERS

    return next(e for e in ILSVRC_WINNERS if e.year == year and word in e.team)


@claim(key="ilsvrc-chart-top5-error", topic="ilsvrc", unit="%", status="wrong",
       erratum="ilsvrc-2012-winner",
       quantity="ILSVRC classification winners' top-5 error, 2010-2017",
       stated=dict(zip(_BARS, ("28.2", "25.8", "16.4", "11.7", "7.3", "6.7", "3.6", "3", "2.3"))),
       method="cnnlib.published.ILSVRC_WINNERS: each year's winning entry (and VGG, the 2014 "
              "runner-up), test set, as published by the challenge and the papers",
       why="The 2012 bar is AlexNet's 5-CNN ensemble (16.4%); the entry that won ILSVRC 2012 "
           "averaged 7 CNNs and scored 15.3% (Krizhevsky et al. 2012, Table 2). Every other bar "
           "agrees.",
       sources=[(MI, _CHART, _ERRORS)])
def _chart_errors() -> dict[str, float]:
    return {bar: _entry(*key).top5_error for bar, key in _BARS.items()}


@claim(key="ilsvrc-human-top5-error", topic="ilsvrc", unit="%",
       quantity="human top-5 error on ILSVRC", stated="5.1",
       method="cnnlib.published.HUMAN_TOP5_ERROR (Russakovsky et al. 2015, arXiv:1409.0575, "
              "Section 6.4: one trained annotator on 1500 test images)",
       sources=[(MI, _CHART, "5.1 0 5 10 15 20 25 30 2010 2011 2012 2013 2014 2014 2015 2016 2017 "
                             "Human")])
def _human() -> float:
    from cnnlib.published import HUMAN_TOP5_ERROR

    return HUMAN_TOP5_ERROR.top1  # the Published tuple's number field (here a top-5 error)


def _weighted_depth(module) -> int:
    """Layers with weights on the longest path: convs and linears add up along a sequence, the
    parallel branches of an Inception module count as the deepest one, residual shortcuts and
    attention side branches do not count (how the AlexNet, VGG, GoogLeNet and ResNet papers
    count depth)."""
    from torch import nn

    from cnnlib.models.googlenet import Inception

    if isinstance(module, (nn.Conv2d, nn.Linear)):
        return 1
    if isinstance(module, Inception):
        return max(_weighted_depth(b) for b in
                   (module.branch1, module.branch2, module.branch3, module.branch4))
    return sum(_weighted_depth(m) for n, m in module.named_children()
               if n not in ("shortcut", "attn"))


@functools.lru_cache(maxsize=None)
def _depth(name: str) -> int:
    import torch

    from cnnlib.registry import get_model

    with torch.device("meta"):
        return _weighted_depth(get_model(name))


_DEPTH_BARS = {"2012 (AlexNet)": "alexnet", "2013 (Zeiler & Fergus)": "zfnet",
               "2014 (VGG)": "vgg19", "2014 (GoogLeNet)": "googlenet", "2015 (ResNet)": "resnet152"}


@claim(key="ilsvrc-chart-depths", topic="ilsvrc",
       quantity="depth of the ILSVRC winners, 2012-2015 (chart labels)",
       stated=dict(zip(_DEPTH_BARS, ("8", "8", "19", "22", "152"))),
       method="layers with weights on the longest path of alexnet(), zfnet(), vgg19(), "
              "googlenet() (an Inception module counts as its deepest branch, 2 layers) and "
              "resnet152() (shortcuts not counted), built on the meta device",
       sources=[(MI, _CHART, _DEPTHS)])
def _chart_depths() -> dict[str, int]:
    return {bar: _depth(name) for bar, name in _DEPTH_BARS.items()}


uncheckable(key="ilsvrc-chart-depths-2016-2017", topic="ilsvrc",
            quantity="depth of the ILSVRC 2016 and 2017 winners (chart labels)",
            stated={"2016 (Shao et al)": "152", "2017 (Hu et al, SENet)": "152"},
            why="neither winner is one network of that depth in the course's zoo: the 2016 entry "
                "(Trimps-Soushen) is a multi-scale ensemble of Inception, Inception-ResNet, "
                "ResNet and Wide ResNet models, and the 2017 entry is SENet-154, a modified "
                "64x4d ResNeXt-152 with SE blocks and a three-conv stem, which the zoo does not "
                "build",
            sources=[(MI, _CHART, _DEPTHS)])

uncheckable(key="ilsvrc-last-year", topic="ilsvrc", quantity="last year of the ILSVRC challenge",
            stated="2017", why="a date: nothing in the course can recompute it",
            sources=[(SE, "ILSVRC", "Annual ImageNet competition no longer held after 2017.")])

not_a_claim(MI, "0 5 10 15 20 25 30 2010 2011 2012 2013 2014 2014 2015 2016 2017 Human",
            "the chart's y-axis ticks and the years under its bars")
