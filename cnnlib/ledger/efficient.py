"""Lecture claims about the efficient networks: SqueezeNet, MobileNet, ShuffleNet.

Parameters and multiply-adds are computed from the ``cnnlib`` models on the meta device
(shapes only). ``alexnet`` is the original two-GPU AlexNet (60,965,224 parameters), the one
SqueezeNet's paper compares with (its 240 MB); ``squeezenet1_0`` is the paper's SqueezeNet.

The compressed SqueezeNet (Deep Compression: pruning, 6-bit quantization, Huffman coding) is
not something ``cnnlib`` builds: its size is the paper's figure, :data:`SQUEEZENET_TABLE2`.
"""
from __future__ import annotations

import functools

from cnnlib.ledger import claim, not_a_claim

_CS231N = "cs231n-2017"
_DECK = "senet-deck"
_SQUEEZENET_SLIDE = "Efficient networks... (SqueezeNet) [Iandola et al. 2017]"
_SQUEEZENET_TITLE = ("SqueezeNet: AlexNet-level Accuracy With 50x Fewer Parameters and <0.5Mb "
                     "Model Size")
_SQUEEZENET_COMPRESS = "- Can compress to 510x smaller than AlexNet (0.5Mb)"

#: Iandola et al. 2016 (arXiv:1602.07360), Table 2: model sizes in MB (10^6 bytes).
SQUEEZENET_TABLE2 = {
    "alexnet_mb": 240,  # AlexNet, None (baseline), 32 bit: 240MB
    "squeezenet_deep_compression_6bit_mb": 0.47,  # SqueezeNet, Deep Compression, 6 bit: 0.47MB
}


@functools.lru_cache(maxsize=None)
def _summary(name: str, size: int = 224):
    from cnnlib.costs import meta_model
    from cnnlib.summary import summarize

    return summarize(meta_model(name), (3, size, size))


def _alexnet_bytes() -> int:
    """The original AlexNet's weights in float32 (the paper's 'model size')."""
    return 4 * _summary("alexnet", 227).total_params


@claim(key="squeezenet-50x-fewer-params", topic="efficient",
       quantity="SqueezeNet: AlexNet's parameters / SqueezeNet's", stated="50", abs_tol=5,
       method="summarize(alexnet, 227).total_params / summarize(squeezenet1_0, 224).total_params; "
              "'50x' is a ratio rounded to the tens (the paper's 240 MB / 4.8 MB, Table 2), "
              "so it covers 45x..55x",
       sources=[(_CS231N, _SQUEEZENET_SLIDE,
                 "- AlexNet level accuracy on ImageNet with 50x fewer parameters"),
                (_CS231N, _SQUEEZENET_SLIDE + ", the paper's title", _SQUEEZENET_TITLE)])
def _fewer_params() -> float:
    return _summary("alexnet", 227).total_params / _summary("squeezenet1_0").total_params


@claim(key="squeezenet-510x-smaller", topic="efficient", status="convention",
       quantity="Compressed SqueezeNet: AlexNet's model size / compressed SqueezeNet's",
       stated="510", abs_tol=5,
       method="AlexNet's float32 weights (4 x summarize(alexnet, 227).total_params bytes) in MB "
              "rounded to two digits, as the paper does, / the compressed SqueezeNet's 0.47 MB "
              "(Iandola et al. 2016, Table 2: Deep Compression, 6-bit); '510x' is a ratio "
              "rounded to the tens (505x..515x)",
       why="The paper divides AlexNet's size rounded to 240 MB by 0.47 MB. AlexNet's 60,965,224 "
           "float32 weights are 243.9 MB, which makes the factor 519x.",
       sources=[(_CS231N, _SQUEEZENET_SLIDE, _SQUEEZENET_COMPRESS)])
def _smaller() -> float:
    alexnet_mb = round(_alexnet_bytes() / 1e6, -1)  # 243.9 -> 240
    if alexnet_mb != SQUEEZENET_TABLE2["alexnet_mb"]:
        raise ValueError(f"AlexNet rounds to {alexnet_mb} MB, not the paper's 240 MB")
    return alexnet_mb / SQUEEZENET_TABLE2["squeezenet_deep_compression_6bit_mb"]


@claim(key="squeezenet-half-megabit", topic="efficient", status="wrong",
       erratum="squeezenet-half-megabit",
       quantity="Compressed SqueezeNet's size, in megabits (Mb)", stated="0.5", unit="Mbit",
       method="AlexNet's float32 weights (4 x summarize(alexnet, 227).total_params bytes) / 510, "
              "in megabits (8 bits a byte)",
       why="The compressed SqueezeNet is under 0.5 megaBYTES (0.47 MB, the paper's title says "
           "'<0.5MB'); 'Mb' is megabits, and 0.47 MB is 3.8 Mbit.",
       sources=[(_CS231N, _SQUEEZENET_SLIDE, _SQUEEZENET_COMPRESS),
                (_CS231N, _SQUEEZENET_SLIDE + ", the paper's title", _SQUEEZENET_TITLE)])
def _megabits() -> float:
    return 8 * _alexnet_bytes() / 510 / 1e6


def _conv_mobilenet():
    """MobileNet V1 with every depthwise separable layer replaced by a standard 3x3 conv
    (+ BN + ReLU): Howard et al. 2017's 'Conv MobileNet' (Table 4), built on the meta device."""
    import torch
    from torch import nn

    from cnnlib.models.mobilenet import MOBILENET_V1_LAYERS, MOBILENET_V1_STEM

    with torch.device("meta"):
        layers = [nn.Conv2d(3, MOBILENET_V1_STEM, 3, 2, 1, bias=False),
                  nn.BatchNorm2d(MOBILENET_V1_STEM), nn.ReLU()]
        channels = MOBILENET_V1_STEM
        for out, stride in MOBILENET_V1_LAYERS:
            layers += [nn.Conv2d(channels, out, 3, stride, 1, bias=False), nn.BatchNorm2d(out),
                       nn.ReLU()]
            channels = out
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, 1000)]
        return nn.Sequential(*layers)


@claim(key="mobilenet-efficient-little-loss", topic="efficient", numeric=False,
       quantity="MobileNet vs. the same network with standard convolutions",
       stated="much more efficient, with little loss in accuracy",
       method="multiply-adds of summarize(mobilenet_v1) against the same layers with standard "
              "3x3 convs (the paper's 'Conv MobileNet', built from MOBILENET_V1_LAYERS; "
              "summarize gives 4.87 G MACs and 29.3M parameters, as Table 4 of Howard et al. "
              "2017), and the published top-1 of both (cnnlib.published: 70.6% and 71.7%, "
              "Table 4); right if the MACs drop over 5x and the top-1 less than 2 points",
       sources=[(_DECK, "MobileNet", "¡ Much more efficient, with little loss in accuracy.")])
def _mobilenet() -> bool:
    from cnnlib.published import PAPER_RESULTS, PUBLISHED_TOP1
    from cnnlib.summary import summarize

    conv = summarize(_conv_mobilenet(), (3, 224, 224))
    ratio = conv.total_macs / _summary("mobilenet_v1").total_macs
    loss = PAPER_RESULTS["conv_mobilenet_v1"].top1 - PUBLISHED_TOP1["mobilenet_v1"].top1
    return ratio > 5 and 0 <= loss < 2


def _pointwise_share(name: str) -> float:
    """Fraction of a model's multiply-adds spent in dense (ungrouped) 1x1 convolutions."""
    s = _summary(name)
    dense_1x1 = sum(r.macs for r in s
                    if r.kind == "Conv2d" and r.kernel == (1, 1) and r.groups == 1)
    return dense_1x1 / s.total_macs


@claim(key="shufflenet-costly-pointwise", topic="efficient", numeric=False,
       quantity="Networks with group convolutions: the cost of their dense 1x1 convolutions",
       stated="dense 1 x 1 convolutions are costly (most of the multiply-adds)",
       method="share of all multiply-adds spent in ungrouped 1x1 convs: summarize(resnext50_32x4d) "
              "(92%; ShuffleNet's paper, Zhang et al. 2018 Sec. 3.1, gives 93.4% for a ResNeXt "
              "unit) and summarize(mobilenet_v1) (94.9%; MobileNet's Table 2: 94.86%); right if "
              "over half in both",
       sources=[(_DECK, "ShuffleNet",
                 "A side effect brought by group convolutions: frequently using costly dense "
                 "1 × 1 convolutions.")])
def _pointwise() -> bool:
    return all(_pointwise_share(name) > 0.5 for name in ("resnext50_32x4d", "mobilenet_v1"))


@functools.lru_cache(maxsize=None)
def _squeezenet():
    from cnnlib.costs import meta_model

    return meta_model("squeezenet1_0")


def _fire_kernels(part: str) -> int:
    """The kernel side of one conv of every Fire module of squeezenet1_0 (all must agree)."""
    from torch import nn

    from cnnlib.models.squeezenet import Fire

    fires = [m for m in _squeezenet().modules() if isinstance(m, Fire)]
    sides = {k for f in fires for m in getattr(f, part).modules() if isinstance(m, nn.Conv2d)
             for k in m.kernel_size}
    if not fires or len(sides) != 1:
        raise ValueError(f"squeezenet1_0's Fire {part} convs have kernel sides {sorted(sides)}")
    return sides.pop()


@claim(key="squeezenet-fire-module-kernels", topic="efficient",
       quantity="SqueezeNet Fire module: kernel sides of the squeeze and expand convs",
       stated={"squeeze": "1", "expand (first)": "1", "expand (second)": "3"},
       method="kernel_size of the squeeze, expand1x1 and expand3x3 convs of every Fire module "
              "of cnnlib.models.squeezenet squeezenet1_0",
       sources=[(_CS231N, _SQUEEZENET_SLIDE,
                 "- Fire modules consisting of a ‘squeeze’ layer with 1x1 filters feeding an "
                 "‘expand’ layer with 1x1 and 3x3 filters")])
def _fire() -> dict[str, int]:
    return {"squeeze": _fire_kernels("squeeze"), "expand (first)": _fire_kernels("expand1x1"),
            "expand (second)": _fire_kernels("expand3x3")}


not_a_claim(_DECK, "with little loss in accuracy. 61", "the MobileNet slide's number")
not_a_claim(_DECK, "across feature channels. 62", "the ShuffleNet slide's number")
not_a_claim(_DECK, 'network for mobile devices." In Proceedings of the IEEE conference on '
                   'computer vision and pattern recognition, pp. 6848-6856. 2018.',
            "citation of the ShuffleNet paper (page numbers)")
not_a_claim(_DECK, 'Image source: Tan, Mingxing, and Quoc V. Le. "Efficientnet: Rethinking model '
                   'scaling for convolutional neural networks." arXiv preprint '
                   'arXiv:1905.11946 (2019).',
            "citation of the EfficientNet paper (arXiv number)")
