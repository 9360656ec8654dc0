"""Errata about GoogLeNet and its Inception module."""
from cnnlib.arithmetic import conv_macs, conv_params
from cnnlib.costs import meta_summary
from cnnlib.errata import erratum

# The lectures' example: a 28x28x256 input; branches 1x1/128, 3x3/192, 5x5/96 (+3x3 max pool);
# the reduced module puts 64-channel 1x1 bottlenecks before the 3x3 and 5x5 and after the pool.
# _REDUCED is the slides' list as written; the entries compute from the model
# (reduced_module_convs), and the tests check that the two lists hold the same convs.
_NAIVE = [(256, 128, 1), (256, 192, 3), (256, 96, 5)]
_REDUCED = [(256, 64, 1), (256, 64, 1), (256, 128, 1), (64, 192, 3), (64, 96, 5), (256, 64, 1)]


def _weights(convs) -> int:
    return sum(conv_params(ci, co, k, bias=False) for ci, co, k in convs)


def reduced_module_convs() -> list[tuple[int, int, int]]:
    """``(in, out, kernel)`` of every conv of ``cnnlib``'s :class:`~cnnlib.models.googlenet.Inception`
    built with the lectures' widths (28x28x256 input, 1x1/128, 3x3/192, 5x5/96, 64-channel
    bottlenecks and pool projection), in module order: the list the slides write out by hand."""
    import torch
    from torch import nn

    from cnnlib.models.googlenet import Inception

    with torch.device("meta"):
        module = Inception(256, 128, 64, 192, 64, 96, 64)
    return [(m.in_channels, m.out_channels, m.kernel_size[0])
            for m in module.modules() if isinstance(m, nn.Conv2d)]


def _macs(convs) -> int:
    return sum(conv_macs(ci, co, k, 28, 28) for ci, co, k in convs)


@erratum(key="inception-naive-params", topic="googlenet", lecture="senet-deck",
         where="Inception module, naive version: 'Parameters'",
         claim="Total: 108k",
         why="128x1x1x256 + 192x3x3x256 + 96x5x5x256 adds up to about 1.09 million weights: "
             "the slide is off by a factor of ten.")
def _naive_params() -> str:
    return f"{_weights(_NAIVE):,} weights"


@erratum(key="inception-reduced-params", topic="googlenet", lecture="senet-deck",
         where="Inception module with 1x1 bottlenecks: 'Parameters'",
         claim="Total: 33k, decreased from 108k",
         why="The slide lists the module's six convolutions (the 1x1 branch, the two 1x1 "
             "bottlenecks, the 3x3, the 5x5 and the pool projection: the same six as the model), "
             "but their weights add up to ten times its total, as for the naive module. The "
             "ratio between the two modules is right.")
def _reduced_params() -> str:
    convs = reduced_module_convs()
    reduced, naive = _weights(convs), _weights(_NAIVE)
    return (f"{len(convs)} convolutions, {reduced:,} weights ({reduced / 33e3:.1f}x the slide's "
            f"33k); naive {naive:,} ({naive / 108e3:.1f}x its 108k); "
            f"{naive / reduced:.1f}x fewer")


@erratum(key="inception-reduced-ops", topic="googlenet", lecture="cs231n-2017",
         where="Inception module with dimension reduction: 'Conv Ops'",
         claim="Total: 358M ops (vs 854M naive)",
         why="The six products the slide lists add up to 271M; 358M is what you get if the 3x3 "
             "branch (86.7M) is counted twice. The naive 854M is right.")
def _reduced_ops() -> str:
    convs = reduced_module_convs()
    three = _macs([c for c in convs if c[2] == 3])
    return (f"{_macs(convs) / 1e6:.1f}M MACs (naive: {_macs(_NAIVE) / 1e6:.1f}M); with the 3x3 "
            f"branch ({three / 1e6:.1f}M) counted twice: {(_macs(convs) + three) / 1e6:.1f}M")


@erratum(key="bottleneck-5x5-typo", topic="googlenet", lecture="survey-ng",
         where="Computational cost with 1x1 convolutions: first layer",
         claim="28 x 28 x 6 x 192 = 2.4M",
         why="The bottleneck has 16 filters, not 6: 28x28x16x192 = 2.4M (the result is right, the "
             "factor is a typo; 28x28x6x192 would be 0.9M).")
def _bottleneck_typo() -> str:
    return f"28 x 28 x 16 x 192 = {conv_macs(192, 16, 1, 28, 28) / 1e6:.2f}M"


# ---------------------------------------------------------------- the whole network


@erratum(key="inception-naive-output-numbers", topic="googlenet", lecture="cs231n-2017",
         where="Naive Inception module, output size after filter concatenation",
         claim="28x28x(128+192+96+256) = 529k",
         why="28 x 28 x 672 = 526,848, about 527k: a small slip in the product.")
def _naive_output_numbers() -> str:
    channels = 128 + 192 + 96 + 256
    return f"28 x 28 x {channels} = {28 * 28 * channels:,}"


@erratum(key="googlenet-5-million", topic="googlenet", lecture="cs231n-2017",
         where="Case study: GoogLeNet, summary",
         claim="Only 5 million parameters!",
         why="The paper's network (Table 1, with the final 1024 x 1000 classifier and without the "
             "auxiliary classifiers, which are dropped after training) has about 7.0 million. "
             "Even the convolutions alone hold about 6 million.")
def _five_million() -> str:
    g = meta_summary("googlenet", 224)
    conv = sum(r.params for r in g if r.kind == "Conv2d")
    return f"{g.total_params:,} parameters ({conv:,} in the convolutions)"


@erratum(key="googlenet-12x-alexnet", topic="googlenet", lecture="cs231n-2017",
         where="Case study: GoogLeNet, summary",
         claim="12x less params than AlexNet",
         why="The paper says '12 times fewer parameters' (Section 1). Counting every weight and "
             "bias of both networks (the two-tower AlexNet of 2012 and GoogLeNet without its "
             "auxiliary heads) gives a smaller ratio.")
def _vs_alexnet() -> str:
    a, g = meta_summary("alexnet", 227), meta_summary("googlenet", 224)
    return (f"AlexNet {a.total_params / 1e6:.1f}M / GoogLeNet {g.total_params / 1e6:.1f}M = "
            f"{a.total_params / g.total_params:.1f}x")


@erratum(key="googlenet-27x-vgg16", topic="googlenet", lecture="senet-deck",
         where="GoogLeNet summary",
         claim="27x less params than VGG-16",
         why="138M / 5M, with the slide's 5 million; with GoogLeNet's real 7.0 million the ratio "
             "is about 20x.")
def _vs_vgg16() -> str:
    v, g = meta_summary("vgg16", 224), meta_summary("googlenet", 224)
    return (f"VGG-16 {v.total_params / 1e6:.1f}M / GoogLeNet {g.total_params / 1e6:.1f}M = "
            f"{v.total_params / g.total_params:.1f}x")


def _stem_rows(g):
    return [r for r in g if r.name.startswith("stem.") and r.kind in ("Conv2d", "MaxPool2d")]


@erratum(key="googlenet-stem-mflop", topic="googlenet", lecture="eecs498-2022",
         where="GoogLeNet: aggressive stem, total from 224 to 28",
         claim="MFLOP: 418",
         why="The slide's own rows (118 + 2 + 13 + 347 + 1) add up to 481: the total has its "
             "digits swapped. The column counts multiply-adds (MACs, see chapter 0) for the convs "
             "and one operation per window element for the pools.")
def _stem_mflop() -> str:
    rows = _stem_rows(meta_summary("googlenet", 224))
    macs = sum(r.macs for r in rows)
    pool = sum(r.other_ops for r in rows if r.kind == "MaxPool2d")
    return (f"{macs / 1e6:.1f} M MACs in the convs + {pool / 1e6:.1f} M pool ops = "
            f"{(macs + pool) / 1e6:.0f} M ({2 * macs / 1e6:.0f} MFLOP counting 2 per MAC)")


@erratum(key="googlenet-stem-vs-vgg16", topic="googlenet", lecture="eecs498-2022",
         where="GoogLeNet: aggressive stem, 'Compare VGG-16'",
         claim="Memory: 42.9 MB (5.7x), Params: 1.1M (8.9x), MFLOP: 7485 (17.8x)",
         why="The slide's numbers are those of VGG-16's first six convs only (conv1-1 to "
             "conv3-2), without the pools: its VGG-16 has two convs in stage 3 (see chapter 4), "
             "so conv3-3 is missing, and its memory leaves out the pools, which the GoogLeNet "
             "stem's 7.5 MB includes. VGG-16 from 224 to 28 is stages 1-3: seven convs and three "
             "pools.")
def _stem_vs_vgg() -> str:
    g, v = meta_summary("googlenet", 224), meta_summary("vgg16", 224)
    stem = _stem_rows(g)
    vgg = [r for r in v if r.name.startswith(("stages.stage1.", "stages.stage2.", "stages.stage3."))
           and r.kind in ("Conv2d", "MaxPool2d")]
    convs = [r for r in vgg if r.kind == "Conv2d"]
    slide = convs[:-1]  # conv1-1 ... conv3-2: no conv3-3, no pools
    mem_s, mem_v, mem_6 = (sum(r.memory_bytes for r in rows) / 2**20 for rows in (stem, vgg, slide))
    par_s, par_v, par_6 = (sum(r.params for r in rows) for rows in (stem, vgg, slide))
    mac_s, mac_v, mac_6 = (sum(r.macs for r in rows) for rows in (stem, vgg, slide))
    return (f"{len(convs)} convs + {len(vgg) - len(convs)} pools: Memory {mem_v:.1f} MB "
            f"({mem_v / mem_s:.1f}x), Params {par_v / 1e6:.2f}M ({par_v / par_s:.1f}x), "
            f"{mac_v / 1e6:,.0f} M MACs ({mac_v / mac_s:.1f}x); the slide's {len(slide)} convs, "
            f"no pools: {mem_6:.1f} MB, {par_6 / 1e6:.2f}M, {mac_6 / 1e6:,.0f} M MACs")


@erratum(key="gap-vs-fc-bias", topic="googlenet", lecture="eecs498-2022",
         where="GoogLeNet: global average pooling, 'Compare with VGG-16' table",
         claim="fc6 102,760k, fc7 16,777k, fc8 4,096k params (GoogLeNet's fc: 1,025k)",
         why="GoogLeNet's row counts the 1000 biases (1024 x 1000 + 1000 = 1,025k); the VGG-16 "
             "rows leave theirs out (+4096, +4096, +1000).")
def _gap_bias() -> str:
    v = meta_summary("vgg16", 224)
    return ", ".join(f"{name} {v.row(f'classifier.{name}').params / 1e3:,.1f}k"
                     for name in ("fc6", "fc7", "fc8"))
