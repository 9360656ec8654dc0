"""A zoo name promises the published network: every registered name is checked against an
outside source, or listed here with the reason it cannot be.

Each name falls in at least one of these groups (``test_every_zoo_name_is_accounted_for``
fails for a name in none, and for a stale entry):

* **torchvision, same name** (found automatically): parameters equal torchvision's
  ``weights=None`` model exactly, and the ``num_params`` torchvision documents for its weights;
  MACs equal too, both counted by ``cnnlib.summarize`` at our model's default input size
  (``default_input_size``, else 224).
* :data:`TORCHVISION_ALIAS`: the same network under another torchvision name; same checks.
* :data:`NOT_TORCHVISIONS`: torchvision has the name but a different network; ours is the
  paper's. The counts must differ (else the entry is stale) and our docstring must say so.
* :data:`PAPER`: a count the paper prints (parameters, or mult-adds), matched at the printed
  precision, or within a stated tolerance where the paper's figure is a round number.
* :data:`NO_PUBLISHED_COUNT`: a published network whose source prints no count; the reason,
  and where else its structure is checked.
* :data:`DEVIATIONS`: not (exactly) the published network, or not reproducing a figure its
  paper prints; the builder's or its module's docstring must say so (the phrase listed).

Everything runs on the meta device with the ``nn.init`` functions switched off: building the
whole list costs seconds, and ``summarize`` of the largest model (EfficientNet-B7 at 600x600)
about 0.05 s, so no check here needs ``@pytest.mark.slow``.
"""
from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from unittest import mock

import pytest
import torch
import torchvision
from torch import nn

import cnnlib
from cnnlib.published import PUBLISHED_TOP1, TORCHVISION_METRICS
from cnnlib.registry import get_model_builder

ZOO = cnnlib.list_models()
TV_CLASSIFIERS = set(torchvision.models.list_models(module=torchvision.models))


# ------------------------------------------------------------------------------ the lists
#: ours -> torchvision's name for the same network.
TORCHVISION_ALIAS = {
    "alexnet_owt": "alexnet",  # Krizhevsky 2014 (arXiv:1404.5997), torchvision's alexnet
}

#: Same name in torchvision, different network (ours is the paper's); the phrase our builder's
#: docstring must contain is "torchvision".
NOT_TORCHVISIONS = {
    "alexnet": "torchvision's alexnet is the 2014 'one weird trick' network (our alexnet_owt); "
               "ours is the 2012 two-tower network",
    "googlenet": "torchvision's googlenet adds BatchNorm, drops LRN and uses 3x3 convs for the "
                 "5x5 branches; test_models_classic counts the difference exactly",
}


@dataclass(frozen=True)
class Figure:
    """A count as the paper prints it, in millions (``printed``, a string to keep its digits)."""

    source: str
    quantity: str  # "params" or "macs" (the papers' "FLOPs" / "mult-adds" count multiply-adds)
    printed: str
    rel_tol: float | None = None  # None: our count must round to the printed digits
    size: int = 224  # input side for MACs

    def matches(self, count: int) -> bool:
        value = count / 1e6
        if self.rel_tol is not None:
            return abs(value / float(self.printed) - 1) <= self.rel_tol
        decimals = len(self.printed.partition(".")[2])
        return round(value, decimals) == float(self.printed)


_TABLE6 = "He et al. 2015 (arXiv:1512.03385), Table 6"
_PLAIN = " (the ResNet of the same depth: option-A shortcuts add no parameters)"

#: Counts printed in the papers.
PAPER: dict[str, list[Figure]] = {
    "alexnet": [Figure("Krizhevsky et al. 2012, abstract: '60 million parameters' (a round "
                       "figure; ours is 1.6% above)", "params", "60", rel_tol=0.02)],
    "mobilenet_v1": [Figure("Howard et al. 2017 (arXiv:1704.04861), Table 8", "params", "4.2"),
                     Figure("Howard et al. 2017, Table 8: 569M mult-adds", "macs", "569")],
    "nasnet_a_mobile": [
        Figure("Zoph et al. 2018 (arXiv:1707.07012), mobile table, NASNet-A (4 @ 1056)",
               "params", "5.3"),
        Figure("Zoph et al. 2018, mobile table: 564M mult-adds", "macs", "564")],
    "shufflenet_v1": [Figure("Zhang et al. 2017 (arXiv:1707.01083), Table 1/2: ShuffleNet 1x "
                             "(g = 3), 140 MFLOPs (a rounded budget the widths are designed "
                             "for; ours is 1.8% below)", "macs", "140", rel_tol=0.02)],
    "se_resnet50": [Figure("Hu et al. 2018 (arXiv:1709.01507): '~28.1M'", "params", "28.1")],
    "wide_resnet28_10": [Figure("Zagoruyko & Komodakis 2016 (arXiv:1605.07146), CIFAR "
                                "comparison table: 36.5M", "params", "36.5")],
    **{f"resnet{d}": [Figure(_TABLE6, "params", p)]
       for d, p in ((20, "0.27"), (32, "0.46"), (44, "0.66"), (56, "0.85"), (110, "1.7"))},
    **{f"plain{d}": [Figure(_TABLE6 + _PLAIN, "params", p)]
       for d, p in ((20, "0.27"), (32, "0.46"), (44, "0.66"), (56, "0.85"), (110, "1.7"))},
}

#: Published networks whose source prints no count for them.
NO_PUBLISHED_COUNT = {
    "nin": "Lin et al. describe the CIFAR-10 net only in words; widths from the authors' "
           "released configuration (module docstring)",
    "zfnet": "Zeiler & Fergus give the layers (Fig. 3), not a parameter count",
    "zfnet_cs231n": "the 512-1024-512 variant of Zeiler & Fergus' Table 2, which prints its "
                    "error, not its count",
    "resnet9": "Page's DAWNBench network (a blog post and dawn.py, no paper, no printed count)",
    **{f"preact_resnet{d}": "He et al. 2016 (arXiv:1603.05027) print no count for these "
                            "ImageNet depths; same convolutions as the ResNet of the same depth "
                            "(test_models_resnet)"
       for d in (18, 34, 50, 101, 152)},
}

#: Not the published network, or not reproducing a figure its paper prints: the reason, and a
#: phrase the builder's docstring or its module's docstring must contain.
DEVIATIONS: dict[str, tuple[str, str]] = {
    "alexnet_ungrouped": ("the CS231n lecture's one-tower table, a teaching variant", "one tower"),
    "lenet5": ("full C3, plain tanh, average pooling and linear logits by default; "
               "sparse_c3=True gives the paper's 60,000 (test_models_classic)",
               "what the paper did differently"),
    "googlenet": ("the paper's '12 times fewer parameters than AlexNet' is 8.7x with the "
                  "classifier counted", "12 times fewer"),
    "tinynet": ("a toy-search candidate", "not a published network"),
    "fractalnet": ("Larsson et al. 2017 (arXiv:1605.07648), Table 1: 'FractalNet (20 layers, "
                   "38.6M params)'; the network as Sec. 4 describes it (B = 5, C = 3, "
                   "64-128-256-512-512) has 33.7M, as in the authors' released generator and "
                   "two reimplementations (test_models_fractalnet)", "38.6M"),
    **{f"efficientnet_phi{phi}": ("B0 scaled by Eq. 3 alone, not the released B1-B7",
                                  "not the published")
       for phi in range(1, 8)},
}


# ------------------------------------------------------------------------------ helpers
_INIT_FUNCTIONS = [n for n in dir(nn.init) if n.endswith("_") and not n.startswith("_")]


@contextlib.contextmanager
def _no_init():
    """The ``nn.init`` functions as no-ops: counts need shapes, not values."""
    with contextlib.ExitStack() as stack:
        for name in _INIT_FUNCTIONS:
            stack.enter_context(mock.patch.object(nn.init, name, lambda tensor, *a, **k: tensor))
        yield


def ours(name: str) -> nn.Module:
    with _no_init(), torch.device("meta"):
        return get_model_builder(name)()


def theirs(name: str) -> nn.Module:
    """torchvision's ``name`` with ``weights=None``; RegNets on the CPU, as their builder
    computes the widths with tensors (which need data)."""
    builder = torchvision.models.get_model_builder(name)
    with _no_init(), (contextlib.nullcontext() if name.startswith("regnet")
                      else torch.device("meta")):
        return builder(weights=None)


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def input_side(model: nn.Module) -> int:
    return int(getattr(model, "default_input_size", None) or 224)


def docstrings(name: str) -> str:
    builder = get_model_builder(name)
    module = __import__(builder.__module__, fromlist=["_"])
    text = f"{builder.__doc__ or ''}\n{module.__doc__ or ''}"
    return " ".join(text.split()).lower()


TORCHVISION_SAME = sorted({n: n for n in ZOO if n in TV_CLASSIFIERS and n not in NOT_TORCHVISIONS}
                          | TORCHVISION_ALIAS)
TORCHVISION_PAIRS = [(n, TORCHVISION_ALIAS.get(n, n)) for n in TORCHVISION_SAME]


# ------------------------------------------------------------------------------ the checks
def test_every_zoo_name_is_accounted_for():
    checked = set(TORCHVISION_SAME) | set(PAPER) | set(NO_PUBLISHED_COUNT) | set(DEVIATIONS)
    unaccounted = [n for n in ZOO if n not in checked]
    assert not unaccounted, (
        f"{unaccounted}: match each to torchvision, to a published count (PAPER), or list it "
        "in NO_PUBLISHED_COUNT / DEVIATIONS with the reason (and say so in its docstring)")
    lists = {"TORCHVISION_ALIAS": TORCHVISION_ALIAS, "NOT_TORCHVISIONS": NOT_TORCHVISIONS,
             "PAPER": PAPER, "NO_PUBLISHED_COUNT": NO_PUBLISHED_COUNT, "DEVIATIONS": DEVIATIONS}
    for label, entries in lists.items():
        stale = sorted(set(entries) - set(ZOO))
        assert not stale, f"{label} names unregistered models {stale}"
    # A name torchvision uses for another network still needs its own source.
    for name in NOT_TORCHVISIONS:
        assert name in TV_CLASSIFIERS, f"{name}: torchvision has no such model any more"
        assert name in set(PAPER) | set(NO_PUBLISHED_COUNT) | set(DEVIATIONS), name
    # A published network has no count to miss, or is checked: not both.
    assert not set(NO_PUBLISHED_COUNT) & (set(PAPER) | set(TORCHVISION_SAME))
    assert not set(DEVIATIONS) & set(TORCHVISION_SAME)
    assert set(TORCHVISION_ALIAS.values()) <= TV_CLASSIFIERS


@pytest.mark.parametrize("name,tv_name", TORCHVISION_PAIRS)
def test_same_network_as_torchvision(name, tv_name):
    model, reference = ours(name), theirs(tv_name)
    count = n_params(model)
    assert count == n_params(reference), f"{name}: parameters differ from torchvision's {tv_name}"
    for weights in torchvision.models.get_model_weights(tv_name):
        assert count == weights.meta["num_params"], weights
    side = input_side(model)
    shape = (3, side, side)
    assert cnnlib.summarize(model, shape).total_macs == cnnlib.summarize(reference, shape).total_macs


@pytest.mark.filterwarnings("ignore:The default weight initialization of GoogleNet")
@pytest.mark.parametrize("name", sorted(NOT_TORCHVISIONS))
def test_names_torchvision_uses_for_another_network(name):
    assert n_params(ours(name)) != n_params(theirs(name)), (
        f"{name} now equals torchvision's: move it out of NOT_TORCHVISIONS")
    assert "torchvision" in get_model_builder(name).__doc__


@pytest.mark.parametrize("name", sorted(PAPER))
def test_published_counts(name):
    model = ours(name)
    for figure in PAPER[name]:
        if figure.quantity == "params":
            count = n_params(model)
        else:
            count = cnnlib.summarize(model, (model.in_channels, figure.size, figure.size)).total_macs
        assert figure.matches(count), f"{name}: {count:,} {figure.quantity} vs {figure}"


@pytest.mark.parametrize("name", sorted(DEVIATIONS))
def test_deviations_are_documented(name):
    reason, phrase = DEVIATIONS[name]
    assert phrase.lower() in docstrings(name), (
        f"{name} ({reason}): its docstring must say how it differs from the published network")


def test_efficientnet_names_are_the_released_networks():
    """The issue behind this file: efficientnet_bN is the released BN (torchvision's, checked
    above), efficientnet_phiN is not, and every released default resolution is the table's."""
    released = [f"efficientnet_b{i}" for i in range(8)]
    assert set(released) <= set(TORCHVISION_SAME)
    assert [ours(n).default_input_size for n in released] == [
        224, 240, 260, 300, 380, 456, 528, 600]
    for phi in range(1, 8):
        assert n_params(ours(f"efficientnet_phi{phi}")) != n_params(theirs(f"efficientnet_b{phi}"))


def test_torchvision_accuracies_belong_to_torchvision_networks():
    """cnnlib.published attaches torchvision's documented accuracy only to a network this file
    shows equal to torchvision's, with the value and evaluation crop of its IMAGENET1K_V1
    weights."""
    for name, pub in PUBLISHED_TOP1.items():
        if not pub.source.startswith(TORCHVISION_METRICS):
            continue
        assert name in TORCHVISION_SAME, name
        weights = torchvision.models.get_model_weights(TORCHVISION_ALIAS.get(name, name))
        v1 = weights["IMAGENET1K_V1"]
        assert pub.top1 == v1.meta["_metrics"]["ImageNet-1K"]["acc@1"], name
        crop = re.search(r"(\d+) crop", pub.source)
        assert v1.transforms().crop_size == [int(crop.group(1)) if crop else 224], name
