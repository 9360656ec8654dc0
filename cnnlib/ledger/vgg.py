"""Lecture claims about VGG (Simonyan & Zisserman, "Very Deep Convolutional Networks for
Large-Scale Image Recognition", arXiv:1409.1556, ICLR 2015; configurations in its Table 1).

Everything is computed from ``cnnlib``'s VGG models (and AlexNet / ZFNet where a slide compares
them) built on the meta device and traced by :func:`cnnlib.summarize` (shapes only, fast).
Where a slide writes a whole table, the numbers it states are read from the slide's own words
(the quotes below), and the function recomputes every row.

A thread runs through the wrong claims: the CS231n figure of VGG16 and VGG19 draws two
256-channel convs in stage 3 (its "common names" stop at conv3-2), the Michigan design-rules
slide copies that ("Stage 3: conv-conv-pool"), and the Michigan totals, the GoogLeNet stem
comparison and the SENet deck's copy of the CS231n table all lack conv3-3.
"""
from __future__ import annotations

import re
from collections import Counter

from cnnlib.ledger import LedgerError, claim, not_a_claim, uncheckable
from cnnlib.ledger._shared import meta_model as _model, meta_summary as _summary, on_meta as _meta, only as _only

_A, _S, _C23, _J, _D = "cs231n-2017", "survey-ng", "cs231n-2023", "eecs498-2022", "senet-deck"
_CASE = "Case Study: VGGNet"
_SURVEY = "VGG Net (Simonyan and Zisserman 2014)"
_RULES = "VGG: Deeper Networks, Regular Design (VGG design rules)"
_PANELS = "AlexNet vs VGG-16: Much bigger network!"
_DECK_TABLE = "VGG: memory and parameters table"

#: The CS231n 2017 VGG-16 table (also the 2023 slides' and the survey's, whitespace apart).
_TABLE_2017 = """\
INPUT: [224x224x3] memory: 224*224*3=150K params: 0
CONV3-64: [224x224x64] memory: 224*224*64=3.2M params: (3*3*3)*64 = 1,728
CONV3-64: [224x224x64] memory: 224*224*64=3.2M params: (3*3*64)*64 = 36,864
POOL2: [112x112x64] memory: 112*112*64=800K params: 0
CONV3-128: [112x112x128] memory: 112*112*128=1.6M params: (3*3*64)*128 = 73,728
CONV3-128: [112x112x128] memory: 112*112*128=1.6M params: (3*3*128)*128 = 147,456
POOL2: [56x56x128] memory: 56*56*128=400K params: 0
CONV3-256: [56x56x256] memory: 56*56*256=800K params: (3*3*128)*256 = 294,912
CONV3-256: [56x56x256] memory: 56*56*256=800K params: (3*3*256)*256 = 589,824
CONV3-256: [56x56x256] memory: 56*56*256=800K params: (3*3*256)*256 = 589,824
POOL2: [28x28x256] memory: 28*28*256=200K params: 0
CONV3-512: [28x28x512] memory: 28*28*512=400K params: (3*3*256)*512 = 1,179,648
CONV3-512: [28x28x512] memory: 28*28*512=400K params: (3*3*512)*512 = 2,359,296
CONV3-512: [28x28x512] memory: 28*28*512=400K params: (3*3*512)*512 = 2,359,296
POOL2: [14x14x512] memory: 14*14*512=100K params: 0
CONV3-512: [14x14x512] memory: 14*14*512=100K params: (3*3*512)*512 = 2,359,296
CONV3-512: [14x14x512] memory: 14*14*512=100K params: (3*3*512)*512 = 2,359,296
CONV3-512: [14x14x512] memory: 14*14*512=100K params: (3*3*512)*512 = 2,359,296
POOL2: [7x7x512] memory: 7*7*512=25K params: 0
FC: [1x1x4096] memory: 4096 params: 7*7*512*4096 = 102,760,448
FC: [1x1x4096] memory: 4096 params: 4096*4096 = 16,777,216
FC: [1x1x1000] memory: 1000 params: 4096*1000 = 4,096,000
(not counting biases)
"""

#: The survey's first copy of the table (a code block).
_TABLE_SURVEY_CODE = """\
INPUT: [224x224x3] memory: 224*224*3=150K params: 0 (not counting biases)
CONV3-64: [224x224x64] memory: 224*224*64=3.2M params: (3*3*3)*64 = 1,728
CONV3-64: [224x224x64] memory: 224*224*64=3.2M params: (3*3*64)*64 = 36,864
POOL2: [112x112x64] memory: 112*112*64=800K params: 0
CONV3-128: [112x112x128] memory: 112*112*128=1.6M params: (3*3*64)*128 = 73,728
CONV3-128: [112x112x128] memory: 112*112*128=1.6M params: (3*3*128)*128 = 147,456
POOL2: [56x56x128] memory: 56*56*128=400K params: 0
CONV3-256: [56x56x256] memory: 56*56*256=800K params: (3*3*128)*256 = 294,912
CONV3-256: [56x56x256] memory: 56*56*256=800K params: (3*3*256)*256 = 589,824
CONV3-256: [56x56x256] memory: 56*56*256=800K params: (3*3*256)*256 = 589,824
POOL2: [28x28x256] memory: 28*28*256=200K params: 0
CONV3-512: [28x28x512] memory: 28*28*512=400K params: (3*3*256)*512 = 1,179,648
CONV3-512: [28x28x512] memory: 28*28*512=400K params: (3*3*512)*512 = 2,359,296
CONV3-512: [28x28x512] memory: 28*28*512=400K params: (3*3*512)*512 = 2,359,296
POOL2: [14x14x512] memory: 14*14*512=100K params: 0
CONV3-512: [14x14x512] memory: 14*14*512=100K params: (3*3*512)*512 = 2,359,296
CONV3-512: [14x14x512] memory: 14*14*512=100K params: (3*3*512)*512 = 2,359,296
CONV3-512: [14x14x512] memory: 14*14*512=100K params: (3*3*512)*512 = 2,359,296
POOL2: [7x7x512] memory: 7*7*512=25K params: 0
FC: [1x1x4096] memory: 4096 params: 7*7*512*4096 = 102,760,448
FC: [1x1x4096] memory: 4096 params: 4096*4096 = 16,777,216
FC: [1x1x1000] memory: 1000 params: 4096*1000 = 4,096,000
"""

#: The survey's second copy (LaTeX).
_TABLE_SURVEY_LATEX = """\
INPUT: [224x224x3] memory: $224*224*3=150K$ params: 0 (not counting biases)
CONV3-64: [224x224x64] memory: $224*224*64=3.2M$ params: $(3*3*3)*64 = 1,728$
CONV3-64: [224x224x64] memory: $224*224*64=3.2M$ params: $(3*3*64)*64 = 36,864$
POOL2: [112x112x64] memory: $112*112*64=800K$ params: 0
CONV3-128: [112x112x128] memory: $112*112*128=1.6M$ params: $(3*3*64)*128 = 73,728$
CONV3-128: [112x112x128] memory: $112*112*128=1.6M$ params: $(3*3*128)*128 = 147,456$
POOL2: [56x56x128] memory: $56*56*128=400K$ params: 0
CONV3-256: [56x56x256] memory: $56*56*256=800K$ params: $(3*3*128)*256 = 294,912$
CONV3-256: [56x56x256] memory: $56*56*256=800K$ params: $(3*3*256)*256 = 589,824$
CONV3-256: [56x56x256] memory: $56*56*256=800K$ params: $(3*3*256)*256 = 589,824$
POOL2: [28x28x256] memory: $28*28*256=200K$ params: 0
CONV3-512: [28x28x512] memory: $28*28*512=400K$ params: $(3*3*256)*512 = 1,179,648$
CONV3-512: [28x28x512] memory: $28*28*512=400K$ params: $(3*3*512)*512 = 2,359,296$
CONV3-512: [28x28x512] memory: $28*28*512=400K$ params: $(3*3*512)*512 = 2,359,296$
POOL2: [14x14x512] memory: $14*14*512=100K$ params: 0
CONV3-512: [14x14x512] memory: $14*14*512=100K$ params: $(3*3*512)*512 = 2,359,296$
CONV3-512: [14x14x512] memory: $14*14*512=100K$ params: $(3*3*512)*512 = 2,359,296$
CONV3-512: [14x14x512] memory: $14*14*512=100K$ params: $(3*3*512)*512 = 2,359,296$
POOL2: [7x7x512] memory: $7*7*512=25K$ params: 0
FC: [1x1x4096] memory: 4096 params: $7*7*512*4096 = 102,760,448$
FC: [1x1x4096] memory: 4096 params: $4096*4096 = 16,777,216$
FC: [1x1x1000] memory: 1000 params: $4096*1000 = 4,096,000$
"""

#: The CS231n 2023 copy ('77*512': the transcript lost a '*').
_TABLE_2023 = """\
INPUT: [224x224x3] memory: 224*224*3=150K params: 0 (not counting biases)
CONV3-64: [224x224x64] memory: 224*224*64=3.2M params: (3*3*3)*64 = 1,728
CONV3-64: [224x224x64] memory: 224*224*64=3.2M params: (3*3*64)*64 = 36,864
POOL2: [112x112x64] memory: 112*112*64=800K params: 0
CONV3-128: [112x112x128] memory: 112*112*128=1.6M params: (3*3*64)*128 = 73,728
CONV3-128: [112x112x128] memory: 112*112*128=1.6M params: (3*3*128)*128 = 147,456
POOL2: [56x56x128] memory: 56*56*128=400K params: 0
CONV3-256: [56x56x256] memory: 56*56*256=800K params: (3*3*128)*256 = 294,912
CONV3-256: [56x56x256] memory: 56*56*256=800K params: (3*3*256)*256 = 589,824
CONV3-256: [56x56x256] memory: 56*56*256=800K params: (3*3*256)*256 = 589,824
POOL2: [28x28x256] memory: 28*28*256=200K params: 0
CONV3-512: [28x28x512] memory: 28*28*512=400K params: (3*3*256)*512 = 1,179,648
CONV3-512: [28x28x512] memory: 28*28*512=400K params: (3*3*512)*512 = 2,359,296
CONV3-512: [28x28x512] memory: 28*28*512=400K params: (3*3*512)*512 = 2,359,296
POOL2: [14x14x512] memory: 14*14*512=100K params: 0
CONV3-512: [14x14x512] memory: 14*14*512=100K params: (3*3*512)*512 = 2,359,296
CONV3-512: [14x14x512] memory: 14*14*512=100K params: (3*3*512)*512 = 2,359,296
CONV3-512: [14x14x512] memory: 14*14*512=100K params: (3*3*512)*512 = 2,359,296
POOL2: [7x7x512] memory: 77*512=25K params: 0
FC: [1x1x4096] memory: 4096 params: 77*512*4096 = 102,760,448
FC: [1x1x4096] memory: 4096 params: 4096*4096 = 16,777,216
FC: [1x1x1000] memory: 1000 params: 4096*1000 = 4,096,000
"""

#: The SENet deck's copy: layers renamed CONV1-1 ..., no CONV3-3 row.
_TABLE_DECK = """\
INPUT: [224x224x3] memory: 224*224*3=150K params: 0
CONV1-1: [224x224x64] memory: 224*224*64=3.2M params: (3*3*3)*64 = 1,728
CONV1-2: [224x224x64] memory: 224*224*64=3.2M params: (3*3*64)*64 = 36,864
POOL1: [112x112x64] memory: 112*112*64=800K params: 0
CONV2-1: [112x112x128] memory: 112*112*128=1.6M params: (3*3*64)*128 = 73,728
CONV2-2: [112x112x128] memory: 112*112*128=1.6M params: (3*3*128)*128 = 147,456
POOL2: [56x56x128] memory: 56*56*128=400K params: 0
CONV3-1: [56x56x256] memory: 56*56*256=800K params: (3*3*128)*256 = 294,912
CONV3-2: [56x56x256] memory: 56*56*256=800K params: (3*3*256)*256 = 589,824
POOL2: [28x28x256] memory: 28*28*256=200K params: 0
CONV4-1: [28x28x512] memory: 28*28*512=400K params: (3*3*256)*512 = 1,179,648
CONV4-2: [28x28x512] memory: 28*28*512=400K params: (3*3*512)*512 = 2,359,296
CONV4-3: [28x28x512] memory: 28*28*512=400K params: (3*3*512)*512 = 2,359,296
POOL3: [14x14x512] memory: 14*14*512=100K params: 0
CONV5-1: [14x14x512] memory: 14*14*512=100K params: (3*3*512)*512 = 2,359,296
CONV5-2: [14x14x512] memory: 14*14*512=100K params: (3*3*512)*512 = 2,359,296
CONV5-3: [14x14x512] memory: 14*14*512=100K params: (3*3*512)*512 = 2,359,296
POOL4: [7x7x512] memory: 7*7*512=25K params: 0
FC6: [1x1x4096] memory: 4096 params: 7*7*512*4096 = 102,760,448
FC7: [1x1x4096] memory: 4096 params: 4096*4096 = 16,777,216
FC8: [1x1x1000] memory: 1000 params: 4096*1000 = 4,096,000
"""

#: The figure of AlexNet, VGG16 and VGG19 columns, text in extraction order, as both the CS231n
#: 2017 slides and the Michigan 2022 design-rules slides show it (their captions differ).
_FIGURE = """\
3x3 conv, 128
Pool
3x3 conv, 64
3x3 conv, 64
Input
3x3 conv, 128
Pool
3x3 conv, 256
3x3 conv, 256
Pool
3x3 conv, 512
3x3 conv, 512
Pool
3x3 conv, 512
3x3 conv, 512
Pool
FC 4096
FC 1000
Softmax
FC 4096
3x3 conv, 512
3x3 conv, 512
3x3 conv, 384
Pool
5x5 conv, 256
11x11 conv, 96
Input
Pool
3x3 conv, 384
3x3 conv, 256
Pool
FC 4096
FC 4096
Softmax
FC 1000
Pool
Input
Pool
Pool
Pool
Pool
Softmax
3x3 conv, 512
3x3 conv, 512
3x3 conv, 256
3x3 conv, 256
3x3 conv, 128
3x3 conv, 128
3x3 conv, 64
3x3 conv, 64
3x3 conv, 512
3x3 conv, 512
3x3 conv, 512
3x3 conv, 512
3x3 conv, 512
3x3 conv, 512
FC 4096
FC 1000
FC 4096"""
_FIGURE_2017 = _FIGURE + "[Simonyan and Zisserman, 2014]\n"
_FIGURE_2022 = _FIGURE + "\nAlexNet VGG16 VGG19\n"

#: The CS231n 2017 figure's VGG16 layer names.
_COMMON_NAMES = """\
conv1-1
conv1-2
conv2-1
conv2-2
conv3-1
conv3-2
conv4-1
conv4-2
conv4-3
conv5-1
conv5-2
conv5-3
Common names
fc6
fc7
fc8
"""

#: The Michigan 'AlexNet vs VGG-16' bar charts: axis ticks and titles.
_PANELS_AXES = """\
0
5000
10000
15000
20000
25000
30000
AlexNet vs VGG-16
(Memory, KB)
AlexNet VGG-16
0
20000
40000
60000
80000
100000
120000
AlexNet vs VGG-16
(Params, M)
AlexNet VGG-16
0
500
1000
1500
2000
2500
3000
3500
4000
4500
5000
AlexNet vs VGG-16
(MFLOPs)
AlexNet VGG-16
"""


# ---------------------------------------------------------------------------------- helpers






def _rows(name: str, *kinds: str, size: int = 224):
    return [r for r in _summary(name, size) if r.kind in kinds]


def _weight_layers(name: str, size: int = 224) -> int:
    """Layers with weights (convs and FC layers), the paper's depth."""
    return len(_rows(name, "Conv2d", "Linear", size=size))


def _stage_convs(name: str) -> list[int]:
    """Convs per stage of a VGG model, counted on the model."""
    from torch import nn

    return [sum(isinstance(m, nn.Conv2d) for m in stage.modules())
            for stage in _model(name).stages]


def _lecture_rows(name: str = "vgg16"):
    """(lecture name, row) for VGG's conv, pool and FC rows: conv3-2, pool3, fc6 ..."""
    from cnnlib.figures.per_layer import vgg_labels

    shown = _rows(name, "Conv2d", "MaxPool2d", "Linear")
    return list(zip(vgg_labels(shown), shown))


def _weights(r) -> int:
    """Weights of a conv or FC row without its biases (what the tables count)."""
    if r.kind not in ("Conv2d", "Linear"):
        return 0
    bias = r.output_shape[0]
    return r.params - bias


def _c2_coefficient(build) -> float:
    """The coefficient of C^2 in the parameter count of ``build(C)`` (weights + biases), from two
    widths: the biases only add a term in C."""
    def params(c):
        return sum(p.numel() for p in build(c).parameters())

    c = 64
    return (params(2 * c) - 2 * params(c)) / (2 * c * c)




def _stack(c: int, n: int, kernel: int = 3):
    """n stride-1 'same' convs of ``kernel`` at width c: VGG's stage builder for 3x3 (no pool),
    a plain conv for other kernels."""
    from torch import nn

    from cnnlib.models.vgg import make_vgg_stage

    if kernel == 3:
        return _meta(lambda: make_vgg_stage(c, c, n, pool=False))
    return _meta(lambda: nn.Sequential(*[nn.Conv2d(c, c, kernel, padding=kernel // 2)
                                         for _ in range(n)]))


def _macs(module, c: int, size: int) -> int:
    from cnnlib.summary import summarize

    return summarize(module, (c, size, size)).total_macs


# The per-layer table: row names in the slide's order, the numbers read from the slide's text.
_TABLE_ROWS = ("input", "conv1-1", "conv1-2", "pool1", "conv2-1", "conv2-2", "pool2", "conv3-1",
               "conv3-2", "conv3-3", "pool3", "conv4-1", "conv4-2", "conv4-3", "pool4", "conv5-1",
               "conv5-2", "conv5-3", "pool5", "fc6", "fc7", "fc8")
_TABLE_LINE = re.compile(r"^\S+: \[(?P<H>\d+)x(?P<W>\d+)x(?P<C>\d+)\] memory: (?:[\d*]+=)?"
                         r"(?P<memory>[\d.]+[KM]?) params: (?:[^=]*= )?(?P<params>[\d,]+)")


def _table_stated(columns: tuple[str, ...]) -> dict[str, str]:
    lines = [m for m in map(_TABLE_LINE.match, _TABLE_2017.splitlines()) if m]
    if len(lines) != len(_TABLE_ROWS):
        raise LedgerError(f"read {len(lines)} rows of the VGG-16 table, expected "
                          f"{len(_TABLE_ROWS)}")
    return {f"{row} {col}": m[col] for row, m in zip(_TABLE_ROWS, lines) for col in columns}


def _table_computed(columns: tuple[str, ...]) -> dict[str, float]:
    c, h, w = _summary("vgg16").input_size
    values = {"input": {"H": h, "W": w, "C": c, "memory": c * h * w, "params": 0}}
    for label, r in _lecture_rows():
        out = r.output_shape
        ch, hh, ww = (out[0], out[1], out[2]) if len(out) == 3 else (out[0], 1, 1)
        values[label] = {"H": hh, "W": ww, "C": ch, "memory": r.memory_bytes // 4,
                         "params": _weights(r)}
    if tuple(values) != _TABLE_ROWS:
        raise LedgerError(f"vgg16's rows are {list(values)}, the table's {_TABLE_ROWS}")
    return {f"{row} {col}": values[row][col] for row in _TABLE_ROWS for col in columns}


_TABLE_SOURCES = [
    (_A, _CASE + ": VGG16 memory/params table", _TABLE_2017),
    (_S, "Simonyan and Zisserman 2014: VGG16 table (code block)", _TABLE_SURVEY_CODE),
    (_S, _SURVEY + ": VGG16 table", _TABLE_SURVEY_LATEX),
    (_C23, "VGG16 memory/params table", _TABLE_2023),
    (_D, _DECK_TABLE, _TABLE_DECK),
]


# ---------------------------------------------------------------------------- the figures
@claim(key="vgg-figure-stage3", topic="vgg", numeric=False, status="wrong",
       quantity="The CS231n figure of AlexNet, VGG16 and VGG19: its conv boxes, and VGG16's "
                "'common names'",
       stated="3x3 conv boxes: 64 x4, 128 x4, 256 x5 (with AlexNet's), 512 x14; names conv1-1 "
              "... conv5-3 (no conv3-3)",
       method="Counter of '<k>x<k> conv, <C>' and 'FC <n>' labels in the figure's text against "
              "the (kernel, width) of every nn.Conv2d and the width of every nn.Linear of "
              "cnnlib's alexnet, vgg16 and vgg19; the common names against vgg16's convs per "
              "stage (_stage_convs)",
       why="The figure has five '3x3 conv, 256' boxes for its three networks: AlexNet's conv5 "
           "and two each for VGG16 and VGG19. The real VGG-16 has three 256-channel convs "
           "(conv3-1 to conv3-3) and VGG-19 four, so the drawn columns are 15- and 17-layer "
           "networks; the common names, which stop at conv3-2, agree with the drawing, not with "
           "the paper (Table 1, configurations D and E). The 64-, 128- and 512-channel boxes and "
           "the FC layers are right. The Michigan design rules ('Stage 3: conv-conv-pool') and "
           "several of its totals inherit the missing conv3-3.",
       sources=[(_A, _CASE + " (figure: AlexNet, VGG16, VGG19)", _FIGURE_2017),
                (_A, _CASE + " (VGG16 common names)", _COMMON_NAMES),
                (_J, _RULES + " (figure: AlexNet, VGG16, VGG19)", _FIGURE_2022)])
def _figure() -> bool:
    expected_convs, expected_fcs = Counter(), Counter()
    for name, size in (("alexnet", 227), ("vgg16", 224), ("vgg19", 224)):
        expected_convs.update((r.kernel[0], r.output_shape[0])
                              for r in _rows(name, "Conv2d", size=size))
        expected_fcs.update(r.output_shape[0] for r in _rows(name, "Linear", size=size))
    ok = True
    for text in (_FIGURE_2017, _FIGURE_2022):
        convs = Counter((int(k), int(c)) for k, c in re.findall(r"(\d+)x\d+ conv, (\d+)", text))
        fcs = Counter(int(n) for n in re.findall(r"FC (\d+)", text))
        ok &= convs == expected_convs and fcs == expected_fcs
    names = Counter(int(s) for s in re.findall(r"conv(\d)-\d", _COMMON_NAMES))
    return ok and [names[s] for s in range(1, 6)] == _stage_convs("vgg16")


# ------------------------------------------------------------------- depth and the rules
@claim(key="vgg-depth", topic="vgg", quantity="Layers with weights: AlexNet, and VGG from "
                                               "VGG16 to VGG19",
       stated={"AlexNet": "8", "VGG16": "16", "VGG19": "19"},
       method="number of nn.Conv2d and nn.Linear rows in summarize() of cnnlib's alexnet (227), "
              "vgg16 and vgg19 (224)",
       sources=[(_A, _CASE, "8 layers (AlexNet)\n-> 16 - 19 layers (VGG16Net)"),
                (_S, _SURVEY, "8 layers (AlexNet)\n-> 16 - 19 layers (VGG16Net)"),
                (_C23, _CASE, "8 layers (AlexNet)\n-> 16 - 19 layers (VGG16Net)"),
                (_D, "VGG: main contribution",
                 "¡ Number of layers: 8 (AlexNet &\nZFNet) -> 16-19.")])
def _depth() -> dict[str, int]:
    return {"AlexNet": _weight_layers("alexnet", 227), "VGG16": _weight_layers("vgg16"),
            "VGG19": _weight_layers("vgg19")}


@claim(key="vgg-depth-zfnet", topic="vgg", quantity="Layers with weights: ZFNet", stated="8",
       method="number of nn.Conv2d and nn.Linear rows in summarize(zfnet, 224)",
       sources=[(_D, "VGG: main contribution", "¡ Number of layers: 8 (AlexNet &\nZFNet)")])
def _depth_zfnet() -> int:
    return _weight_layers("zfnet")


@claim(key="vgg-conv-pool-rules", topic="vgg",
       quantity="VGG's only conv and pool settings",
       stated={"conv kernel": "3", "conv stride": "1", "conv pad": "1", "pool window": "2",
               "pool stride": "2"},
       method="kernel_size, stride, padding of every nn.Conv2d and nn.MaxPool2d of cnnlib's "
              "vgg11, vgg13, vgg16 and vgg19 (each must have one value)",
       sources=[(_A, _CASE, "Only 3x3 CONV stride 1, pad 1\nand 2x2 MAX POOL stride 2"),
                (_S, _SURVEY, "Only 3x3 CONV stride 1, pad 1\nand 2x2 MAX POOL stride 2"),
                (_C23, _CASE, "Only 3x3 CONV stride 1, pad 1 and 2x2 MAX POOL stride 2"),
                (_J, _RULES, "All conv are 3x3 stride 1 pad 1\nAll max pool are 2x2 stride 2"),
                (_D, "VGG: main contribution",
                 "¡ Fix other setting: Only stride 1,\npad 1 and 2x2 MAX POOL stride 2.")])
def _rules() -> dict[str, int]:
    convs = [r for n in ("vgg11", "vgg13", "vgg16", "vgg19") for r in _rows(n, "Conv2d")]
    pools = [r for n in ("vgg11", "vgg13", "vgg16", "vgg19") for r in _rows(n, "MaxPool2d")]
    return {"conv kernel": _only((k for r in convs for k in r.kernel), "conv kernels"),
            "conv stride": _only((s for r in convs for s in r.stride), "conv strides"),
            "conv pad": _only((p for r in convs for p in r.padding), "conv pads"),
            "pool window": _only((k for r in pools for k in r.kernel), "pool windows"),
            "pool stride": _only((s for r in pools for s in r.stride), "pool strides")}


@claim(key="vgg-first-conv-kernels", topic="vgg",
       quantity="Filter size: AlexNet's and ZFNet's first conv, VGG's everywhere",
       stated={"AlexNet": "11", "ZFNet": "7", "VGG": "3"},
       method="kernel_size of the first nn.Conv2d of cnnlib's alexnet and zfnet; the one kernel "
              "size of all of vgg16's convs",
       sources=[(_D, "VGG: main contribution",
                 "¡ Filter size: 11x11 (AlexNet), 7x7\n(ZFNet) -> 3x3 everywhere.")])
def _first_kernels() -> dict[str, int]:
    return {"AlexNet": _rows("alexnet", "Conv2d", size=227)[0].kernel[0],
            "ZFNet": _rows("zfnet", "Conv2d")[0].kernel[0],
            "VGG": _only((k for r in _rows("vgg16", "Conv2d") for k in r.kernel), "kernels")}


@claim(key="vgg-five-stages", topic="vgg", quantity="VGG's convolutional stages", stated="5",
       method="number of stages of cnnlib's vgg16 (each ends in a 2x2 max pool): "
              "len(model.stages), checked against the number of nn.MaxPool2d rows",
       sources=[(_J, _RULES, "Network has 5 convolutional stages:")])
def _stages() -> int:
    n = len(_model("vgg16").stages)
    if n != len(_rows("vgg16", "MaxPool2d")):
        raise LedgerError("vgg16 has a stage without a pool")
    return n


@claim(key="vgg16-stage3-convs", topic="vgg", numeric=False, status="wrong",
       erratum="vgg16-stage3-convs",
       quantity="Convs per stage of VGG-16 (and VGG-19's stages 4 and 5)",
       stated="VGG-16: 2-2-2-3-3; VGG-19: 2-2-2-4-4",
       method="the slide's stages read from its words (convs outside brackets for VGG-16, all "
              "for VGG-19 in stages 4 and 5) against the convs per stage counted on cnnlib's "
              "vgg16 and vgg19",
       why="VGG-16 has three convs in stage 3 (2-2-3-3-3, 13 convs + 3 FC = 16 layers) and "
           "VGG-19 four in stages 3, 4 and 5 (2-2-4-4-4); the slide's stages make 15- and "
           "17-layer networks, those of the CS231n figure (vgg-figure-stage3).",
       sources=[(_J, _RULES, "Stage 1: conv-conv-pool\nStage 2: conv-conv-pool\n"
                             "Stage 3: conv-conv-pool\nStage 4: conv-conv-conv-[conv]-pool\n"
                             "Stage 5: conv-conv-conv-[conv]-pool\n"
                             "(VGG-19 has 4 conv in stages 4 and 5)")])
def _stage3() -> bool:
    stages = ["conv-conv-pool"] * 3 + ["conv-conv-conv-[conv]-pool"] * 2
    vgg16 = [len(re.findall(r"(?<!\[)conv(?!\])", s)) for s in stages]
    vgg19 = vgg16[:3] + [s.count("conv") for s in stages[3:]]
    return vgg16 == _stage_convs("vgg16") and vgg19 == _stage_convs("vgg19")


@claim(key="vgg-double-channels", topic="vgg", numeric=False, status="wrong",
       quantity="VGG's channels after each pool", stated="After pool, double #channels",
       method="widths of the five stages of cnnlib's vgg16 (VGG_CFGS['D']): does each stage "
              "have twice its predecessor's channels?",
       why="The widths are 64, 128, 256, 512, 512: they double after the first three pools, but "
           "the paper caps them at 512 ('increasing by a factor of 2 after each max-pooling "
           "layer, until it reaches 512', Section 2.1), so stage 5 keeps 512.",
       sources=[(_J, _RULES, "After pool, double #channels")])
def _double() -> bool:
    widths = [_rows("vgg16", "Conv2d")[0].output_shape[0]]
    for label, r in _lecture_rows():
        if label.endswith("-1") and label != "conv1-1":
            widths.append(r.output_shape[0])
    return all(b == 2 * a for a, b in zip(widths, widths[1:]))


# ------------------------------------------------------------------ small filters
@claim(key="vgg-receptive-field-three-3x3", topic="vgg",
       quantity="Receptive field of three stacked 3x3 stride-1 convs", stated="7",
       method="cnnlib.arithmetic.receptive_field of the (kernel, stride) of vgg16's three stage-3 "
              "convs (conv3-1 .. conv3-3)",
       sources=[(_A, _CASE + ": Q: Why use smaller filters?",
                 "Stack of three 3x3 conv (stride 1) layers\nhas same effective receptive field "
                 "as\none 7x7 conv layer"),
                (_A, _CASE + ": the answer", "[7x7]"),
                (_S, _SURVEY, "Stack of three 3x3 conv (stride 1) layers has same **effective "
                              "receptive field** as one 7x7 conv layer"),
                (_S, _SURVEY + ": the answer", "[7x7]"),
                (_C23, _CASE, "Stack of three 3x3 conv (stride 1) layers has same effective "
                              "receptive field as one 7x7 conv layer"),
                (_C23, _CASE + ": the answer", "Stack of three 3x3 conv (stride 1) layers\nhas "
                 "same **effective receptive field** as\none 7x7 conv layer\n\n[7x7]"),
                (_D, "VGG", "¡ Stack of three 3x3 conv (stride 1) layers has same effective "
                            "receptive field as\none 7x7 conv layer.")])
def _rf_three() -> int:
    from cnnlib.arithmetic import receptive_field

    convs = [r for label, r in _lecture_rows() if label.startswith("conv3-")]
    return receptive_field([(r.kernel[0], r.stride[0]) for r in convs]).size


@claim(key="vgg-receptive-field-two-3x3", topic="vgg",
       quantity="Receptive field of two stacked 3x3 stride-1 convs", stated="5",
       method="cnnlib.arithmetic.receptive_field of the (kernel, stride) of vgg16's two stage-1 "
              "convs",
       sources=[(_J, _RULES, "Two 3x3 conv has same\nreceptive field as a single 5x5\nconv, but "
                             "has fewer parameters\nand takes less computation!")])
def _rf_two() -> int:
    from cnnlib.arithmetic import receptive_field

    convs = [r for label, r in _lecture_rows() if label.startswith("conv1-")]
    return receptive_field([(r.kernel[0], r.stride[0]) for r in convs]).size


@claim(key="vgg-three-3x3-vs-7x7-params", topic="vgg",
       quantity="Parameters per C^2: three 3x3 convs vs one 7x7 conv, C channels in and out",
       stated={"three 3x3": "27", "one 7x7": "49"},
       method="coefficient of C^2 in the parameter count (weights and biases; the biases add "
              "only a term in C) of make_vgg_stage(C, C, 3, pool=False) and of one "
              "nn.Conv2d(C, C, 7), from C = 64 and 128",
       sources=[(_A, _CASE, "And fewer parameters: 3 * (32C2) vs.\n72C2 for C channels per layer"),
                (_S, _SURVEY, "And fewer parameters: $3 * (3^2 C^2)$ vs. $7^2 C^2$ for C "
                              "channels per layer"),
                (_C23, _CASE, "And fewer parameters: $3 * (3^2 C^2)$ vs.\n$7^2 C^2$ for C "
                              "channels per layer"),
                (_D, "VGG", "¡ 3× 3!𝐶! = 27𝐶! vs. 7!𝐶! = 49𝐶! for 𝐶 channels.")])
def _three_vs_seven() -> dict[str, float]:
    return {"three 3x3": _c2_coefficient(lambda c: _stack(c, 3)),
            "one 7x7": _c2_coefficient(lambda c: _stack(c, 1, 7))}


_OPTIONS = ("Option 1:\nConv(5x5, C -> C)\nParams: 25C2\nFLOPs: 25C2HW\nOption 2:\n"
            "Conv(3x3, C -> C)\nConv(3x3, C -> C)\nParams: 18C2\nFLOPs: 18C2HW")


@claim(key="vgg-5x5-vs-two-3x3-params", topic="vgg",
       quantity="Parameters per C^2: one 5x5 conv vs two 3x3 convs, C -> C",
       stated={"one 5x5": "25", "two 3x3": "18"},
       method="coefficient of C^2 in the parameter count of one nn.Conv2d(C, C, 5) and of "
              "make_vgg_stage(C, C, 2, pool=False), from C = 64 and 128",
       sources=[(_J, _RULES, _OPTIONS)])
def _options_params() -> dict[str, float]:
    return {"one 5x5": _c2_coefficient(lambda c: _stack(c, 1, 5)),
            "two 3x3": _c2_coefficient(lambda c: _stack(c, 2))}


@claim(key="vgg-5x5-vs-two-3x3-flops", topic="vgg", status="convention",
       quantity="'FLOPs' per C^2 H W: one 5x5 conv vs two 3x3 convs, C -> C, H x W output",
       stated={"one 5x5": "25", "two 3x3": "18"},
       method="summarize(...).total_macs / (C^2 H W) of the same modules, C = 64 at 56x56",
       why="The slide's 'FLOPs' are multiply-adds (MACs): 25 C^2 HW for the 5x5 conv. Counting "
           "a multiply and an add, as FLOPs usually do, doubles both (50 and 36).",
       sources=[(_J, _RULES, _OPTIONS)])
def _options_flops() -> dict[str, float]:
    c, s = 64, 56
    return {"one 5x5": _macs(_stack(c, 1, 5), c, s) / (c * c * s * s),
            "two 3x3": _macs(_stack(c, 2), c, s) / (c * c * s * s)}


_RESOLUTIONS = ("Input: C x 2H x 2W\nLayer: Conv(3x3, C->C)\nMemory: 4HWC\nParams: 9C2\n"
                "FLOPs: 36HWC2\nInput: 2C x H x W\nConv(3x3, 2C -> 2C)\nMemory: 2HWC\n"
                "Params: 36C2\nFLOPs: 36HWC2")


def _resolution_layers():
    """VGG's 3x3 conv at C channels on 2H x 2W and at 2C channels on H x W (C = 64, H = 28)."""
    from cnnlib.summary import summarize

    c, h = 64, 28
    wide = summarize(_stack(c, 1), (c, 2 * h, 2 * h))
    deep = summarize(_stack(2 * c, 1), (2 * c, h, h))
    return c, h, wide, deep


def _conv_numbers(summary) -> int:
    """Numbers in the conv outputs of a summary (its ReLUs work in place)."""
    return sum(r.memory_bytes for r in summary if r.kind == "Conv2d") // 4


@claim(key="vgg-resolution-memory-params", topic="vgg",
       quantity="A 3x3 conv at C x 2H x 2W and at 2C x H x W: output numbers per HWC, "
                "parameters per C^2",
       stated={"C x 2H x 2W memory": "4", "C x 2H x 2W params": "9",
               "2C x H x W memory": "2", "2C x H x W params": "36"},
       method="summarize(make_vgg_stage(C, C, 1, pool=False), (C, 2H, 2H)) and of the 2C-wide "
              "stage on (2C, H, H), C = 64, H = 28: output numbers / (H W C); parameters as the "
              "coefficient of C^2 (the biases add only a term in C)",
       sources=[(_J, _RULES, _RESOLUTIONS)])
def _resolution_memory() -> dict[str, float]:
    c, h, wide, deep = _resolution_layers()
    hwc = h * h * c
    return {"C x 2H x 2W memory": _conv_numbers(wide) / hwc,
            "C x 2H x 2W params": _c2_coefficient(lambda k: _stack(k, 1)),
            "2C x H x W memory": _conv_numbers(deep) / hwc,
            "2C x H x W params": _c2_coefficient(lambda k: _stack(2 * k, 1))}


@claim(key="vgg-resolution-flops", topic="vgg", status="convention",
       quantity="'FLOPs' per H W C^2 of a 3x3 conv at C x 2H x 2W and at 2C x H x W",
       stated={"C x 2H x 2W": "36", "2C x H x W": "36"},
       method="summarize(...).total_macs / (H W C^2) of the same two layers",
       why="The slide's 'FLOPs' are multiply-adds (MACs); in FLOPs both are 72 HWC^2. The point "
           "stands either way: halving the resolution and doubling the channels keeps the cost.",
       sources=[(_J, _RULES, _RESOLUTIONS)])
def _resolution_flops() -> dict[str, float]:
    c, h, wide, deep = _resolution_layers()
    return {"C x 2H x 2W": wide.total_macs / (h * h * c * c),
            "2C x H x W": deep.total_macs / (h * h * c * c)}


# ----------------------------------------------------------------------- the VGG-16 table
@claim(key="vgg16-table-memory", topic="vgg",
       quantity="VGG-16 per layer: output size (H, W, C) and memory (numbers)",
       stated=_table_stated(("H", "W", "C", "memory")),
       method="summarize(vgg16, 224): output_shape and memory_bytes / 4 of every conv, pool and "
              "FC row (named by cnnlib.figures.per_layer.vgg_labels), plus the input",
       sources=_TABLE_SOURCES)
def _table_memory() -> dict[str, float]:
    return _table_computed(("H", "W", "C", "memory"))


@claim(key="vgg16-table-params", topic="vgg", status="convention",
       quantity="VGG-16 per layer: parameters (weights only)",
       stated=_table_stated(("params",)),
       method="summarize(vgg16, 224): params minus the biases (one per output channel) of every "
              "conv and FC row; 0 for the input and the pools",
       why="'(not counting biases)', as the slide says: cnnlib counts them (conv1-1 has 1,728 "
           "weights + 64 biases = 1,792 parameters).",
       sources=_TABLE_SOURCES)
def _table_params() -> dict[str, float]:
    return _table_computed(("params",))


@claim(key="vgg16-table-conv3-3", topic="vgg", numeric=False, status="wrong",
       erratum="vgg16-table-conv3-3",
       quantity="The SENet deck's VGG-16 table: its 256-channel conv rows",
       stated="CONV3-1, CONV3-2, then the pool",
       method="rows named CONV3-<i> in the deck's table against vgg16's stage-3 convs",
       why="The deck's copy drops the conv3-3 row of the CS231n table (and numbers the pools 1, "
           "2, 2, 3, 4); its other rows are the table's, right (vgg16-table-memory, "
           "vgg16-table-params).",
       sources=[(_D, _DECK_TABLE, _TABLE_DECK)])
def _deck_conv3() -> bool:
    return len(re.findall(r"^CONV3-\d:", _TABLE_DECK, re.M)) == _stage_convs("vgg16")[2]


@claim(key="vgg16-total-memory", topic="vgg", status="wrong", erratum="vgg16-total-memory",
       quantity="VGG-16 forward activations for one image: numbers, and bytes in float32",
       stated={"numbers": "24M", "bytes": "96M"},
       method="cnnlib.costs.activation_memory(summarize(vgg16, 224), 'conv_pool_fc') (the input "
              "and every conv, pool and FC output, the rows of the slide's table) / 4 numbers; "
              "bytes in decimal MB as 24M x 4 = 96MB",
       why="The table's own rows add up to 15.2M numbers (61 MB), not 24M (96 MB).",
       sources=[(_A, _CASE + ": VGG16 totals",
                 "TOTAL memory: 24M * 4 bytes ~= 96MB / image"),
                (_S, _SURVEY + ": VGG16 totals",
                 r"TOTAL memory: $24M * 4 \text{ bytes} \approx 96MB$ / image"),
                (_S, _SURVEY + ": VGG16 totals (second copy)",
                 r"TOTAL memory: $24M * 4 \text{ bytes} \sim 96MB / \text{image}$"),
                (_D, _DECK_TABLE, "TOTAL memory: 24M * 4 bytes ≈ 96MB / image (for a forward "
                                  "pass)")])
def _total_memory() -> dict[str, float]:
    from cnnlib.costs import activation_memory

    b = activation_memory(_summary("vgg16"), "conv_pool_fc")
    return {"numbers": b / 4, "bytes": b}


uncheckable(key="vgg16-backward-memory", topic="vgg",
            quantity="VGG-16 memory of the backward pass, as a multiple of the forward",
            stated="2",
            why="A rule of thumb about training ('~*2': the gradient of every activation is as "
                "large as the activation); what a framework really keeps, frees or recomputes "
                "during the backward pass is not something cnnlib's forward-only summaries model.",
            sources=[(_A, _CASE + ": VGG16 totals", "(only forward! ~*2 for bwd)"),
                     (_S, _SURVEY + ": VGG16 totals", r"(only forward! $\sim *2$ for bwd)"),
                     (_S, _SURVEY + ": VGG16 totals (second copy)",
                      r"(only forward! $\sim 2$ for bwd)")])


@claim(key="vgg16-total-params", topic="vgg", quantity="VGG-16 parameters", stated="138M",
       method="summarize(vgg16, 224).total_params (weights and biases: 138,357,544; without the "
              "biases 138,344,128, also 138M)",
       sources=[(_A, _CASE + ": VGG16 totals", "TOTAL params: 138M parameters"),
                (_S, _SURVEY + ": VGG16 totals", "TOTAL params: 138M parameters"),
                (_D, _DECK_TABLE, "TOTAL params: 138M parameters"),
                (_J, _PANELS, "VGG-16 total: 138M (2.3x)")])
def _total_params() -> int:
    return _summary("vgg16").total_params


@claim(key="vgg16-memory-in-early-conv", topic="vgg", numeric=False,
       quantity="Where VGG-16's activation memory is", stated="Most memory is in early CONV",
       method="share of the table's memory (input, conv, pool, FC outputs: summarize(vgg16)) in "
              "stages 1 and 2: more than half?",
       sources=[(_A, _CASE + ": Note", "Most memory is in\nearly CONV"),
                (_S, _SURVEY + ": Note", "Most memory is in early CONV"),
                (_C23, "Note", "Most memory is in early CONV"),
                (_D, _DECK_TABLE, "Most memory is in early CONV.")])
def _memory_early() -> bool:
    from cnnlib.costs import activation_memory

    early = sum(r.memory_bytes for label, r in _lecture_rows()
                if label[:5] in ("conv1", "conv2", "pool1", "pool2"))
    return early > activation_memory(_summary("vgg16"), "conv_pool_fc") / 2


@claim(key="vgg16-params-in-fc", topic="vgg", numeric=False,
       quantity="Where VGG-16's parameters are", stated="Most params are in late FC",
       method="share of summarize(vgg16).total_params in the nn.Linear rows: more than half?",
       sources=[(_A, _CASE + ": Note", "Most params are\nin late FC"),
                (_S, _SURVEY + ": Note", "Most params are in late FC"),
                (_C23, "Note", "Most params are in late FC"),
                (_D, _DECK_TABLE, "Most params are in late FC."),
                (_J, "GoogLeNet: Global Average Pooling",
                 "(Recall VGG-16: Most parameters were in the FC layers!)")])
def _params_fc() -> bool:
    return sum(r.params for r in _rows("vgg16", "Linear")) > _summary("vgg16").total_params / 2


@claim(key="vgg16-compute-at-start", topic="vgg", numeric=False,
       quantity="Where VGG-16's compute is", stated="Most of the compute was at the start",
       method="share of summarize(vgg16).total_macs spent before the maps reach 28x28 (stages "
              "1-3, the part GoogLeNet's stem replaces): more than half?",
       sources=[(_J, "GoogLeNet: Aggressive Stem",
                 "(Recall in VGG-16: Most of the compute was at the start)")])
def _compute_start() -> bool:
    early = sum(r.macs for label, r in _lecture_rows() if label[:5] in
                ("conv1", "conv2", "conv3"))
    return early > _summary("vgg16").total_macs / 2


# ------------------------------------------------------------- Michigan: AlexNet vs VGG-16
def _conv_fc_mib(name: str, size: int) -> float:
    return sum(r.memory_bytes for r in _rows(name, "Conv2d", "Linear", size=size)) / 2**20


@claim(key="vgg16-vs-alexnet-memory", topic="vgg", status="wrong",
       erratum="vgg16-total-memory-mb",
       quantity="AlexNet vs VGG-16: memory of the conv and FC outputs (MB = 2^20 bytes)",
       stated={"AlexNet": "1.9", "VGG-16": "48.6", "ratio": "25"}, unit="MB",
       method="sum of memory_bytes of the nn.Conv2d and nn.Linear rows of summarize(alexnet_owt, "
              "227) (the lecture's AlexNet, 64 filters in conv1) and summarize(vgg16, 224), / 2^20",
       why="AlexNet's 1.9 MB is right; VGG-16's conv and FC outputs are 51.7 MB (27x): the "
           "panel's 48.6 MB is a VGG-16 without conv3-3 (56x56x256 floats = 3,136 KB).",
       sources=[(_J, _PANELS, "AlexNet total: 1.9 MB\nVGG-16 total: 48.6 MB (25x)")])
def _vs_memory() -> dict[str, float]:
    a, v = _conv_fc_mib("alexnet_owt", 227), _conv_fc_mib("vgg16", 224)
    return {"AlexNet": a, "VGG-16": v, "ratio": v / a}


@claim(key="vgg16-vs-alexnet-params", topic="vgg",
       quantity="AlexNet's parameters, and VGG-16's as a multiple of them",
       stated={"AlexNet": "61M", "ratio": "2.3"},
       method="summarize(alexnet_owt, 227).total_params and summarize(vgg16, 224).total_params / "
              "it (VGG-16's 138M: vgg16-total-params)",
       sources=[(_J, _PANELS, "AlexNet total: 61M\nVGG-16 total: 138M (2.3x)")])
def _vs_params() -> dict[str, float]:
    a = _summary("alexnet_owt", 227).total_params
    return {"AlexNet": a, "ratio": _summary("vgg16").total_params / a}


@claim(key="vgg16-vs-alexnet-gflop", topic="vgg", status="wrong", erratum="vgg16-total-gflop",
       quantity="AlexNet vs VGG-16: compute ('GFLOP', multiply-adds)",
       stated={"AlexNet": "0.7", "VGG-16": "13.6", "ratio": "19.4"}, unit="G",
       method="summarize(alexnet_owt, 227).total_macs and summarize(vgg16, 224).total_macs, in G, "
              "and their ratio (the panel counts multiply-adds)",
       why="The panel's 'GFLOP' are multiply-adds (AlexNet's 0.72 G MACs is its 0.7); VGG-16 has "
           "15.5 G of them (21.6x AlexNet), 1.85 G more than the panel, conv3-3's share. In "
           "FLOPs (2 per MAC) the totals are 1.4 and 30.9.",
       sources=[(_J, _PANELS, "AlexNet total: 0.7 GFLOP\nVGG-16 total: 13.6 GFLOP (19.4x)")])
def _vs_gflop() -> dict[str, float]:
    a, v = _summary("alexnet_owt", 227).total_macs, _summary("vgg16").total_macs
    return {"AlexNet": a / 1e9, "VGG-16": v / 1e9, "ratio": v / a}


@claim(key="vgg16-vs-alexnet-axes", topic="vgg", numeric=False, status="wrong",
       quantity="AlexNet vs VGG-16 bar charts: axis ranges and units",
       stated="Memory, KB: 0-30000; Params, M: 0-120000; MFLOPs: 0-5000",
       method="the largest VGG-16 bar of each chart (bars per conv stage conv1..conv5 and per FC "
              "layer, from summarize(vgg16)): conv outputs in KB (memory_bytes / 1024), "
              "parameters in M, MACs in M; each must fall in the top half of its axis",
       why="The parameter axis runs to 120,000 and the tallest bar, fc6, has 102.8 M parameters: "
           "the axis counts thousands (102,764 K), so its unit is K, not M. The memory axis is "
           "KB as labelled (stage 1's convs: 25,088 KB) and the 'MFLOPs' axis, like the totals, "
           "counts multiply-adds (stage 4: 4,624 M).",
       sources=[(_J, _PANELS, _PANELS_AXES)])
def _axes() -> bool:
    groups: dict[str, list] = {}
    for label, r in _lecture_rows():
        if r.kind != "MaxPool2d":
            groups.setdefault(label.split("-")[0], []).append(r)
    top = {"memory": max(sum(r.memory_bytes for r in g) / 1024 for g in groups.values()),
           "params": max(sum(r.params for r in g) / 1e6 for g in groups.values()),
           "macs": max(sum(r.macs for r in g) / 1e6 for g in groups.values())}
    axes = {"memory": 30000, "params": 120000, "macs": 5000}
    return all(axes[k] / 2 < top[k] <= axes[k] for k in axes)


# ------------------------------------------------------------- ILSVRC and the details slide
@claim(key="vgg-ilsvrc-top5", topic="vgg", unit="%",
       quantity="ILSVRC top-5 error: ZFNet's 2013 entry and VGG's 2014 entry",
       stated={"ZFNet, ILSVRC'13": "11.7%", "VGG, ILSVRC'14": "7.3%"},
       method="cnnlib.published.ILSVRC_WINNERS: the 2013 winner (Clarifai, Zeiler's ZFNet "
              "ensemble; ILSVRC 2013 results) and the 2014 VGG entry (Simonyan & Zisserman "
              "2015, Table 7)",
       sources=[(_A, _CASE, "11.7% top 5 error in ILSVRC’13\n(ZFNet)\n-> 7.3% top 5 error in "
                            "ILSVRC’14"),
                (_S, _SURVEY, "11.7% top 5 error in ILSVRC'13\n(ZFNet)\n-> 7.3% top 5 error in "
                              "ILSVRC'14"),
                (_C23, _CASE, "11.7% top 5 error in ILSVRC'13 (ZFNet)\n-> 7.3% top 5 error in "
                              "ILSVRC'14")])
def _ilsvrc() -> dict[str, float]:
    from cnnlib.published import ILSVRC_WINNERS

    zf = _only((e.top5_error for e in ILSVRC_WINNERS if e.year == 2013), "2013 entries")
    vgg = _only((e.top5_error for e in ILSVRC_WINNERS if e.year == 2014 and "VGG" in e.team),
                "VGG entries")
    return {"ZFNet, ILSVRC'13": zf, "VGG, ILSVRC'14": vgg}


@claim(key="vgg-ilsvrc-places", topic="vgg",
       quantity="VGG's places in ILSVRC 2014: classification and localization",
       stated={"classification": "2", "localization": "1"},
       method="classification: rank of VGG's top-5 error among the 2014 entries of "
              "cnnlib.published.ILSVRC_WINNERS (GoogLeNet 6.67, VGG 7.3); localization: "
              "cnnlib.published.VGG_ILSVRC2014_PLACES (the paper's abstract: 'the first and the "
              "second places in the localisation and classification tracks respectively')",
       sources=[(_A, _CASE + ": Details", "- ILSVRC’14 2nd in classification, 1st in\n"
                                          "localization"),
                (_D, "VGG: Details", "¡ ILSVRC’14 2nd in classification, 1st in localization")])
def _places() -> dict[str, int]:
    from cnnlib.published import ILSVRC_WINNERS, VGG_ILSVRC2014_PLACES

    errors = sorted(e.top5_error for e in ILSVRC_WINNERS if e.year == 2014)
    vgg = _only((e.top5_error for e in ILSVRC_WINNERS if e.year == 2014 and "VGG" in e.team),
                "VGG entries")
    rank = errors.index(vgg) + 1
    if rank != VGG_ILSVRC2014_PLACES["classification"]:
        raise LedgerError("ILSVRC_WINNERS and the paper disagree on VGG's classification place")
    return {"classification": rank, "localization": VGG_ILSVRC2014_PLACES["localization"]}


@claim(key="vgg19-vs-vgg16", topic="vgg", numeric=False,
       quantity="VGG19 against VGG16: accuracy and memory",
       stated="VGG19 only slightly better, more memory",
       method="cnnlib.published.PUBLISHED_TOP1 (torchvision's documented top-1: vgg19 72.38% vs "
              "vgg16 71.59%, better by less than a point) and activation_memory(summarize(...), "
              "'conv_pool_fc') of vgg19 > vgg16",
       sources=[(_A, _CASE + ": Details", "- Use VGG16 or VGG19 (VGG19 only\nslightly better, "
                                          "more memory)"),
                (_D, "VGG: Details", "¡ Use VGG16 or VGG19 (VGG19 only slightly better, more\n"
                                     "memory)")])
def _vgg19() -> bool:
    from cnnlib.costs import activation_memory
    from cnnlib.published import PUBLISHED_TOP1

    gain = PUBLISHED_TOP1["vgg19"].top1 - PUBLISHED_TOP1["vgg16"].top1
    more = (activation_memory(_summary("vgg19"), "conv_pool_fc")
            > activation_memory(_summary("vgg16"), "conv_pool_fc"))
    return 0 < gain < 1 and more


# ------------------------------------------------------------------ lines that are not claims
for _lec in (_A, _S, _C23):
    not_a_claim(_lec, "Q: Why use smaller filters? (3x3 conv)",
                "the slide's question; the answers are vgg-receptive-field-three-3x3 and "
                "vgg-three-3x3-vs-7x7-params")
not_a_claim(_A, "Q: What is the effective receptive field of\nthree 3x3 conv (stride 1) layers?",
            "the slide's question; its answer, [7x7], is vgg-receptive-field-three-3x3")
for _lec in (_S, _C23):
    not_a_claim(_lec, "Q: What is the effective receptive field of three 3x3 conv (stride 1) "
                      "layers?",
                "the slide's question; its answer, [7x7], is vgg-receptive-field-three-3x3")
for _lec in (_A, _S):
    not_a_claim(_lec, "VGG16", "the figure's label naming the network")
not_a_claim(_A, "AlexNet VGG16 VGG19", "the figure's column labels (vgg-figure-stage3)")
not_a_claim(_J, "AlexNet VGG16 VGG19", "the figure's column labels (vgg-figure-stage3)")
not_a_claim(_A, "Case Study: VGGNet\n35\n[Simonyan and Zisserman, 2014]", "page number")
not_a_claim(_D, "Image source: Lecture 9, cs231n.", "citation of the slide's source")
not_a_claim(_J, "AlexNet vs VGG-16: Much bigger network!",
            "slide title; the panels below it are vgg16-vs-alexnet-memory, -params, -gflop, -axes")


# ---- VGG-16 beside ResNet-34 (Michigan, the ResNet-34 slide) ---------------------------------

_VS_RESNET34 = "Residual Networks (ResNet-34), VGG-16 for comparison"


@claim(key="vgg16-top5-beside-resnet34", topic="vgg", unit="%",
       quantity="VGG-16 ImageNet top-5 error, beside ResNet-34",
       stated="9.62",
       method="cnnlib.published.TORCHVISION_LEGACY_ERRORS['vgg16'].top5_error (torchvision's original "
              "1-crop 224x224 error table, the source of the slide's ResNet errors too)",
       sources=[("eecs498-2022", _VS_RESNET34, "VGG-16:\nImageNet top-5 error: 9.62")])
def _vgg16_top5() -> float:
    from cnnlib.published import TORCHVISION_LEGACY_ERRORS

    return TORCHVISION_LEGACY_ERRORS["vgg16"].top5_error


@claim(key="vgg16-gflop-beside-resnet34", topic="vgg", status="wrong", unit="G",
       quantity="VGG-16 compute ('GFLOP', multiply-adds), beside ResNet-34",
       stated="13.6",
       method="summarize(vgg16, 224).total_macs in G (the slide's ResNet 'GFLOP' are the "
              "paper's multiply-adds, so VGG-16's are compared in the same unit)",
       why="The same slip as the AlexNet vs VGG-16 panel (erratum vgg16-total-gflop): 13.6 G "
           "are VGG-16's multiply-adds without conv3-3; the network has 15.5 G.",
       sources=[("eecs498-2022", _VS_RESNET34, "GFLOP: 13.6")])
def _vgg16_gflop() -> float:
    return _summary("vgg16").total_macs / 1e9
