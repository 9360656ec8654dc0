"""Published numbers the book cites, never measures: every value carries its source.

* :data:`PUBLISHED_TOP1` -- ImageNet top-1 accuracy (single 224 crop unless noted) of zoo
  models. Values from torchvision's documented weights metrics are attached only to models
  whose architecture equals torchvision's (the tests check that the parameter counts agree
  exactly).
* :data:`ILSVRC_WINNERS` -- the ILSVRC classification top-5 error of the winning entry (and
  the runner-up VGG in 2014), as published by the challenge and the papers;
  :data:`HUMAN_TOP5_ERROR`.
"""
from __future__ import annotations

from typing import NamedTuple

__all__ = ["Published", "PUBLISHED_TOP1", "TORCHVISION_METRICS", "IlsvrcEntry", "ILSVRC_WINNERS",
           "HUMAN_TOP5_ERROR"]


class Published(NamedTuple):
    top1: float  # percent
    source: str


#: torchvision's documented ``IMAGENET1K_V1`` weights metrics ("acc@1"), listed on
#: https://pytorch.org/vision/stable/models.html (each weights enum's ``meta["_metrics"]``).
TORCHVISION_METRICS = "torchvision IMAGENET1K_V1 weights, documented acc@1"

PUBLISHED_TOP1: dict[str, Published] = {
    "alexnet_owt": Published(56.522, TORCHVISION_METRICS + " (torchvision's alexnet = 'one weird trick' AlexNet)"),
    "vgg11": Published(69.020, TORCHVISION_METRICS),
    "vgg13": Published(69.928, TORCHVISION_METRICS),
    "vgg16": Published(71.592, TORCHVISION_METRICS),
    "vgg19": Published(72.376, TORCHVISION_METRICS),
    "vgg16_bn": Published(73.360, TORCHVISION_METRICS),
    "resnet18": Published(69.758, TORCHVISION_METRICS),
    "resnet34": Published(73.314, TORCHVISION_METRICS),
    "resnet50": Published(76.130, TORCHVISION_METRICS),
    "resnet101": Published(77.374, TORCHVISION_METRICS),
    "resnet152": Published(78.312, TORCHVISION_METRICS),
    "resnext50_32x4d": Published(77.618, TORCHVISION_METRICS),
    "resnext101_32x8d": Published(79.312, TORCHVISION_METRICS),
    "wide_resnet50_2": Published(78.468, TORCHVISION_METRICS),
    "wide_resnet101_2": Published(78.848, TORCHVISION_METRICS),
    "densenet121": Published(74.434, TORCHVISION_METRICS),
    "densenet169": Published(75.600, TORCHVISION_METRICS),
    "densenet201": Published(76.896, TORCHVISION_METRICS),
    "densenet161": Published(77.138, TORCHVISION_METRICS),
    "squeezenet1_0": Published(58.092, TORCHVISION_METRICS),
    "squeezenet1_1": Published(58.178, TORCHVISION_METRICS),
    "mobilenet_v2": Published(71.878, TORCHVISION_METRICS),
    "shufflenet_v2_x0_5": Published(60.552, TORCHVISION_METRICS),
    "shufflenet_v2_x1_0": Published(69.362, TORCHVISION_METRICS),
    "shufflenet_v2_x1_5": Published(72.996, TORCHVISION_METRICS),
    "shufflenet_v2_x2_0": Published(76.230, TORCHVISION_METRICS),
    "mnasnet1_0": Published(73.456, TORCHVISION_METRICS),
    "efficientnet_b0": Published(77.692, TORCHVISION_METRICS),
    "mobilenet_v1": Published(70.6, "Howard et al. 2017 (arXiv:1704.04861), Table 8, 1.0 MobileNet-224"),
    "nasnet_a_mobile": Published(74.0, "Zoph et al. 2018 (arXiv:1707.07012), Table 2, NASNet-A (4 @ 1056)"),
    "se_resnet50": Published(76.71, "Hu et al. 2018 (arXiv:1709.01507), Table 2: top-1 error 23.29"),
}


class IlsvrcEntry(NamedTuple):
    year: int
    team: str
    top5_error: float  # percent, test set, as published
    source: str


#: ILSVRC classification, top-5 error (%) on the test set of each year's entry.
ILSVRC_WINNERS: tuple[IlsvrcEntry, ...] = (
    IlsvrcEntry(2010, "NEC-UIUC (Lin et al.)", 28.2, "ILSVRC 2010 results; Russakovsky et al. 2015 (arXiv:1409.0575), Table 7"),
    IlsvrcEntry(2011, "XRCE (Sanchez & Perronnin)", 25.8, "ILSVRC 2011 results; Russakovsky et al. 2015, Table 7"),
    IlsvrcEntry(2012, "SuperVision (AlexNet), 5 CNNs", 16.4, "Krizhevsky et al. 2012, Table 2 (5 CNNs, test)"),
    IlsvrcEntry(2012, "SuperVision (AlexNet), winning entry (7 CNNs, extra data)", 15.3, "Krizhevsky et al. 2012, Table 2 (7 CNNs*, test)"),
    IlsvrcEntry(2013, "Clarifai (Zeiler)", 11.7, "ILSVRC 2013 results; Russakovsky et al. 2015, Table 7"),
    IlsvrcEntry(2014, "VGG (runner-up)", 7.3, "Simonyan & Zisserman 2015 (arXiv:1409.1556), Table 7 (ILSVRC submission)"),
    IlsvrcEntry(2014, "GoogLeNet", 6.67, "Szegedy et al. 2015 (arXiv:1409.4842), Table 2"),
    IlsvrcEntry(2015, "MSRA (ResNet)", 3.57, "He et al. 2016 (arXiv:1512.03385), Table 5"),
    IlsvrcEntry(2016, "Trimps-Soushen (Shao et al.)", 2.99, "ILSVRC 2016 results"),
    IlsvrcEntry(2017, "WMW (SENet)", 2.251, "Hu et al. 2018 (arXiv:1709.01507), Section 7 / Table 8"),
)

#: Human top-5 error on ILSVRC (one trained annotator), Russakovsky et al. 2015, Section 6.4.
HUMAN_TOP5_ERROR = Published(5.1, "Russakovsky et al. 2015 (arXiv:1409.0575), Section 6.4")
