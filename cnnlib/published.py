"""Published numbers the book cites, never measures: every value carries its source.

* :data:`PUBLISHED_TOP1` -- ImageNet top-1 accuracy (single 224 crop unless noted) of zoo
  models. Values from torchvision's documented weights metrics are attached only to models
  whose architecture equals torchvision's (the tests check that the parameter counts agree
  exactly).
* :data:`ILSVRC_WINNERS` -- the ILSVRC classification top-5 error of the winning entry (and
  the runner-up VGG in 2014), as published by the challenge and the papers;
  :data:`HUMAN_TOP5_ERROR`.
* :data:`PUBLISHED_VARIANT` -- which variant of its paper a zoo model is, where its name does
  not say (``mnasnet1_0`` is MnasNet-B1); :data:`PAPER_RESULTS` -- published results of
  networks the zoo does not build (MnasNet-A1), kept apart from :data:`PUBLISHED_TOP1`.
"""
from __future__ import annotations

from typing import NamedTuple

__all__ = ["Published", "PUBLISHED_TOP1", "TORCHVISION_METRICS", "IlsvrcEntry", "ILSVRC_WINNERS",
           "HUMAN_TOP5_ERROR", "PUBLISHED_VARIANT", "PaperResult", "PAPER_RESULTS"]


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
    # The released B1-B7 (the same networks as torchvision's), each evaluated by torchvision
    # at its own crop (the weights' transforms), not at 224:
    "efficientnet_b1": Published(78.642, TORCHVISION_METRICS + ", 240 crop"),
    "efficientnet_b2": Published(80.608, TORCHVISION_METRICS + ", 288 crop"),
    "efficientnet_b3": Published(82.008, TORCHVISION_METRICS + ", 300 crop"),
    "efficientnet_b4": Published(83.384, TORCHVISION_METRICS + ", 380 crop"),
    "efficientnet_b5": Published(83.444, TORCHVISION_METRICS + ", 456 crop"),
    "efficientnet_b6": Published(84.008, TORCHVISION_METRICS + ", 528 crop"),
    "efficientnet_b7": Published(84.122, TORCHVISION_METRICS + ", 600 crop"),
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


#: The published network each zoo model is, where the zoo's name does not say which variant
#: of its paper it builds (the top-1 in :data:`PUBLISHED_TOP1` belongs to this variant).
PUBLISHED_VARIANT: dict[str, str] = {
    "mnasnet1_0": "MnasNet-B1 1.0 (no squeeze-and-excitation): torchvision's mnasnet1_0, whose "
                  "source says it 'implements the B1 variant', = mnasnet_b1 of the authors' "
                  "TensorFlow reference (tensorflow/tpu models/official/mnasnet)",
}


class PaperResult(NamedTuple):
    """A published result of a network the zoo does not build."""

    network: str
    top1: float  # percent, ImageNet, single 224 crop
    source: str
    params_m: float | None = None
    latency_ms: float | None = None  # as measured by the authors, on the device they name
    device: str = ""


#: Headline results of papers whose headline network is not in the zoo, keyed by a name that
#: is *not* a zoo model's, so that they are never shown as a zoo model's accuracy.
PAPER_RESULTS: dict[str, PaperResult] = {
    "mnasnet_a1": PaperResult(
        "MnasNet-A1 1.0 (with squeeze-and-excitation)", 75.2,
        "Tan et al. 2018 (arXiv:1807.11626; CVPR 2019), abstract and Table 1",
        params_m=3.9, latency_ms=78, device="Pixel 1 phone"),
}


# ---- appended for the ResNet ledger (cnnlib/ledger/resnet.py) ----------------------------------
class LegacyErrors(NamedTuple):
    """Top-1 and top-5 error (%) of a model's original torchvision weights, as first documented."""

    top1_error: float
    top5_error: float


#: Where :data:`TORCHVISION_LEGACY_ERRORS` comes from.
TORCHVISION_LEGACY_SOURCE = ("torchvision's documentation (releases 0.1.x to 0.12), models page, table "
                             "'ImageNet 1-crop error rates (224x224)', e.g. "
                             "https://docs.pytorch.org/0.1.12/torchvision/models.html")

#: torchvision's original error table for its first ImageNet weights (the ``IMAGENET1K_V1``
#: weights of today). The metrics documented since torchvision 0.13 (:data:`PUBLISHED_TOP1`)
#: re-evaluate the same weights and differ in the second decimal (ResNet-50: 23.87 / 7.14).
TORCHVISION_LEGACY_ERRORS: dict[str, LegacyErrors] = {
    "resnet18": LegacyErrors(30.24, 10.92),
    "resnet34": LegacyErrors(26.70, 8.58),
    "resnet50": LegacyErrors(23.85, 7.13),
    "resnet101": LegacyErrors(22.63, 6.44),
    "resnet152": LegacyErrors(21.69, 5.94),
    "vgg16": LegacyErrors(28.41, 9.62),
}

__all__ += ["LegacyErrors", "TORCHVISION_LEGACY_SOURCE", "TORCHVISION_LEGACY_ERRORS"]

# MobileNet V1 with standard 3x3 convolutions in place of the depthwise separable ones (the
# ablation of the MobileNet paper; cnnlib.ledger.efficient builds it to count its MACs).
PAPER_RESULTS["conv_mobilenet_v1"] = PaperResult(
    "Conv MobileNet (MobileNet V1 with standard convolutions)", 71.7,
    "Howard et al. 2017 (arXiv:1704.04861), Table 4: 71.7% top-1, 4866M mult-adds, 29.3M "
    "parameters (MobileNet: 70.6%, 569M, 4.2M)", params_m=29.3)


#: The places the VGG team's entries took in ILSVRC 2014, as its paper states them: "our team
#: secured the first and the second places in the localisation and classification tracks
#: respectively" (Simonyan & Zisserman 2015, arXiv:1409.1556, abstract). The classification
#: place agrees with :data:`ILSVRC_WINNERS` (GoogLeNet 6.67% < VGG 7.3%).
VGG_ILSVRC2014_PLACES: dict[str, int] = {"localization": 1, "classification": 2}
VGG_ILSVRC2014_PLACES_SOURCE = "Simonyan & Zisserman 2015 (arXiv:1409.1556), abstract"
