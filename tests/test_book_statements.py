"""The book's own statements (issue 13): each corrected sentence is now computed on its page from
a library function; these tests check those functions, so a sentence that became wrong again
fails here (without executing the notebooks)."""
import json
import pathlib
import re

import pytest

import cnnlib
from cnnlib import errata, summarize
from cnnlib.costs import MEMORY_CONVENTIONS, activation_memory, meta_model
from cnnlib.errata.activations import ALEXNET_RELU, lectures_crediting_first_relu
from cnnlib.errata.googlenet import _REDUCED, reduced_module_convs
from cnnlib.figures.comparison import compare, ranking
from cnnlib.figures.per_layer import lecture_table
from cnnlib.published import (PAPER_RESULTS, PUBLISHED_TOP1, PUBLISHED_VARIANT,
                              TORCHVISION_METRICS)

ROOT = pathlib.Path(__file__).resolve().parents[1]
SEEDS = pathlib.Path("/work/shared/seeds")


def _source(notebook: str, cell_type: str | None = None) -> str:
    cells = json.loads((ROOT / "book" / notebook).read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells
                     if cell_type is None or c["cell_type"] == cell_type)


# ---------------------------------------------------------------- 1. who credits AlexNet with ReLU
def test_three_of_five_lectures_call_relu_alexnets_first_use():
    assert set(ALEXNET_RELU) == set(errata.LECTURES)
    assert lectures_crediting_first_relu() == ["cs231n-2017", "cs231n-2023", "senet-deck"]
    assert ALEXNET_RELU["eecs498-2022"].says == "ReLU nonlinearities"   # a feature, not a "first"
    assert ALEXNET_RELU["survey-ng"].says is None


def test_chapter_8_states_the_relu_claim_from_the_registry():
    text = _source("ch08_activations.ipynb")
    assert "All five lecture transcripts" not in text
    assert "lectures_crediting_first_relu()" in text
    # the earlier rectifier work is cited (as a bibliography key or as plain text)
    assert "nair2010rectified" in text or "Nair and Hinton (2010)" in text
    assert "jarrett2009best" in text or "Jarrett et al. 2009" in text
    assert "The lectures list it as the" not in _source("ch02_alexnet.ipynb", "markdown")


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the lecture transcripts are not on this machine")
def test_relu_quotes_are_in_the_transcripts():
    heads = {"cs231n-2017": "Lecture 9:", "cs231n-2023": "Lecture 6: CNN Architectures",
             "eecs498-2022": "Justin Johnson", "survey-ng": "# CNN Architectures",
             "senet-deck": "SENet"}
    texts = {}
    for path in SEEDS.glob("*.txt"):
        text = path.read_text(errors="replace")
        key = next(k for k, h in heads.items() if h in text[:400])
        texts[key] = text
    assert set(texts) == set(errata.LECTURES)
    for key, quote in ALEXNET_RELU.items():
        if quote.says:
            assert quote.says in texts[key], key
        first = re.search(r"first use of relu", texts[key], re.IGNORECASE) is not None
        assert first == (key in lectures_crediting_first_relu()), key


# ---------------------------------------------------------------- 2. MnasNet-B1, not A1
def test_mnasnet1_0_is_b1_with_b1s_published_accuracy():
    assert PUBLISHED_VARIANT["mnasnet1_0"].startswith("MnasNet-B1")
    b1 = PUBLISHED_TOP1["mnasnet1_0"]
    assert b1.top1 == 73.456 and b1.source.startswith(TORCHVISION_METRICS)
    a1 = PAPER_RESULTS["mnasnet_a1"]
    assert a1.network.startswith("MnasNet-A1") and (a1.top1, a1.latency_ms) == (75.2, 78)
    assert "arXiv:1807.11626" in a1.source
    # A1's figures are never attached to a zoo model
    assert "mnasnet_a1" not in cnnlib.list_models() and "mnasnet_a1" not in PUBLISHED_TOP1
    assert all(p.top1 != a1.top1 for n, p in PUBLISHED_TOP1.items() if n.startswith("mnasnet"))


def test_mnasnet1_0_has_no_squeeze_excitation_and_torchvisions_size():
    from cnnlib.layers.squeeze_excite import SqueezeExcitation

    model = meta_model("mnasnet1_0")
    assert not any(isinstance(m, SqueezeExcitation) for m in model.modules())
    tv = pytest.importorskip("torchvision")
    meta = tv.models.MNASNet1_0_Weights.IMAGENET1K_V1.meta
    assert sum(p.numel() for p in model.parameters()) == meta["num_params"]
    assert meta["_metrics"]["ImageNet-1K"]["acc@1"] == PUBLISHED_TOP1["mnasnet1_0"].top1


def test_chapter_11_prints_a1_figures_beside_a1():
    text = _source("ch11_nas.ipynb")
    assert 'print(f"MnasNet-A1 (1.0): {mnasnet_table' not in text
    assert "PAPER_RESULTS[\"mnasnet_a1\"]" in text and "PUBLISHED_VARIANT" in text
    assert "75.2" not in _source("ch11_nas.ipynb", "markdown")


# ---------------------------------------------------------------- 3. GoogLeNet errata recounted
def test_reduced_inception_module_has_the_six_convs_the_slides_list():
    convs = reduced_module_convs()
    assert sorted(convs) == sorted(_REDUCED) and len(convs) == 6
    found = {e.key: e for e in errata.entries("googlenet")}
    e = found["inception-reduced-params"]
    assert "six convolutions" in e.why
    assert e.correct.startswith("6 convolutions, 346,112 weights")
    assert "3.1x fewer" in e.correct
    assert found["inception-reduced-ops"].correct.endswith("counted twice: 358.1M")  # the slide's 358M


def test_stem_comparison_is_vgg16s_first_six_convs_without_pools():
    e = next(e for e in errata.entries("googlenet") if e.key == "googlenet-stem-vs-vgg16")
    assert "first six convs" in e.why and "seven convs" not in e.why.split("stages 1-3")[0]
    correct = e.correct
    assert correct.startswith("7 convs + 3 pools:")
    slide = re.search(r"the slide's (\d+) convs, no pools: ([\d.]+) MB, ([\d.]+)M, ([\d,]+) M MACs",
                      correct)
    assert slide, correct
    n, mem, params, macs = slide.groups()
    assert int(n) == 6
    # the slide's "Memory: 42.9 MB, Params: 1.1M, MFLOP: 7485" are exactly these six convs
    assert (mem, round(float(params), 1), macs) == ("42.9", 1.1, "7,485")
    assert "Memory: 42.9 MB" in e.claim and "1.1M" in e.claim and "7485" in e.claim


# ---------------------------------------------------------------- 4. VGG-16's activation memory
@pytest.fixture(scope="module")
def vgg16():
    return summarize(meta_model("vgg16"), (3, 224, 224))


def test_vgg16_memory_conventions_give_chapter_4s_and_chapter_12s_numbers(vgg16):
    assert set(MEMORY_CONVENTIONS) == {"every_layer", "conv_pool_fc"}
    every, lecture = (activation_memory(vgg16, k) for k in ("every_layer", "conv_pool_fc"))
    assert round(every / 2**20) == 109 and every == vgg16.total_memory_bytes
    assert round(lecture / 2**20) == 58
    # chapter 4's number is the lecture table's total (input + conv/pool/FC outputs) x 4 bytes
    assert lecture == 4 * lecture_table(vgg16).records()[-1]["memory (numbers)"]
    # and it is the total of the vgg16-total-memory erratum
    e = next(e for e in errata.entries("vgg") if e.key == "vgg16-total-memory")
    assert f"{lecture / 2**20:.0f} MiB" in e.correct
    with pytest.raises(ValueError, match="convention"):
        activation_memory(vgg16, "forward_backward")


def test_compare_records_both_conventions(vgg16):
    (record,) = compare(["vgg16"])
    assert record["memory_bytes"] == activation_memory(vgg16, "every_layer")
    assert record["memory_conv_pool_fc_bytes"] == activation_memory(vgg16, "conv_pool_fc")


def test_vgg_is_not_the_largest_in_operations_or_memory_in_chapter_12s_table():
    records = compare(["alexnet_owt", "vgg16", "vgg19", "resnet152", "wide_resnet101_2",
                       "resnext101_32x8d", "mobilenet_v2"])
    assert ranking(records, "params")[0] == "vgg19"                  # most parameters: VGG
    assert ranking(records, "macs")[:2] == ["wide_resnet101_2", "vgg19"]   # not most MACs
    for column in ("memory_bytes", "memory_conv_pool_fc_bytes"):     # nor most memory
        assert not ranking(records, column)[0].startswith("vgg"), column
    with pytest.raises(ValueError, match="unknown column"):
        ranking(records, "memory")


def test_chapters_4_and_12_name_the_memory_convention():
    for notebook in ("ch04_vgg.ipynb", "ch12_comparing.ipynb"):
        assert "MEMORY_CONVENTIONS" in _source(notebook, "code"), notebook
    ch12 = _source("ch12_comparing.ipynb", "markdown")
    assert "VGG has the most operations and the most" not in ch12
    assert "ranking(records, column)" in _source("ch12_comparing.ipynb", "code")


def test_lecture_ilsvrc_bars_match_published_values_after_rounding():
    from cnnlib.published import ILSVRC_WINNERS

    # EECS 498 2022, lecture 8, slide 24 (the values chapter 12 quotes)
    bars = [(2010, 28.2), (2011, 25.8), (2012, 16.4), (2013, 11.7), (2014, 7.3), (2014, 6.7),
            (2015, 3.6), (2016, 3), (2017, 2.3)]
    for year, shown in bars:
        match = [e for e in ILSVRC_WINNERS if e.year == year and round(e.top5_error, 1) == shown]
        assert match, (year, shown)
    (bar_2012,) = [e for e in ILSVRC_WINNERS if e.year == 2012 and round(e.top5_error, 1) == 16.4]
    assert "5 CNNs" in bar_2012.team   # not the winning entry
