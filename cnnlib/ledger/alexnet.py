"""Lecture claims about AlexNet (Krizhevsky, Sutskever, Hinton, "ImageNet Classification with
Deep Convolutional Neural Networks", NeurIPS 2012; no arXiv version).

Three networks of :mod:`cnnlib.models.alexnet` answer them: ``alexnet()`` (the paper's two-tower
network, grouped conv2/4/5), ``alexnet_ungrouped()`` (the CS231n "Full (simplified)" table: the
same widths as one tower) and ``alexnet_owt()`` (Krizhevsky 2014, "one weird trick",
arXiv:1404.5997 = torchvision's alexnet: the Michigan lecture's per-layer table, 64-192-384-256-256
with conv1 padded by 2). Each is built on the meta device and traced with
:func:`cnnlib.summarize` (shapes only). Training details are checked against the paper's
Section 5 and its Table 2 (:data:`PAPER_SECTION5`, :data:`PAPER_TABLE2`).
"""
from __future__ import annotations


from cnnlib.ledger import LedgerError, claim, not_a_claim, uncheckable
from cnnlib.ledger._shared import meta_model as _model, meta_summary as _summary

L17, NG, L23, MI, SE = "cs231n-2017", "survey-ng", "cs231n-2023", "eecs498-2022", "senet-deck"
_CASE = "Case Study: AlexNet [Krizhevsky et al. 2012]"
_FULL = "Case Study: AlexNet, Full (simplified) AlexNet architecture"
_TABLE = "AlexNet per-layer table (Input size / Layer / Output size, memory, params, flop)"

#: Krizhevsky et al. 2012, Section 5 ("Details of learning"): the training hyperparameters.
PAPER_SECTION5 = {"batch size": 128, "momentum": 0.9, "weight decay": 0.0005,
                  "initial learning rate": 0.01, "learning rate divided by": 10}

#: Krizhevsky et al. 2012, Table 2: ILSVRC-2012 top-5 error (%) on the validation set.
PAPER_TABLE2 = {"1 CNN": 18.2, "5 CNNs": 16.4, "1 CNN*": 16.6, "7 CNNs*": 15.4}

# The full (simplified) architecture table of the CS231n slides, as the 2017/2023 lectures and
# the survey deck print it (the survey deck prints it twice, once with bold layer names).
_FULL_TABLE = (
    "[227x227x3] INPUT [55x55x96] CONV1: 96 11x11 filters at stride 4, pad 0 [27x27x96] MAX POOL1: "
    "3x3 filters at stride 2 [27x27x96] NORM1: Normalization layer [27x27x256] CONV2: 256 5x5 "
    "filters at stride 1, pad 2 [13x13x256] MAX POOL2: 3x3 filters at stride 2 [13x13x256] NORM2: "
    "Normalization layer [13x13x384] CONV3: 384 3x3 filters at stride 1, pad 1 [13x13x384] CONV4: "
    "384 3x3 filters at stride 1, pad 1 [13x13x256] CONV5: 256 3x3 filters at stride 1, pad 1 "
    "[6x6x256] MAX POOL3: 3x3 filters at stride 2 [4096] FC6: 4096 neurons [4096] FC7: 4096 "
    "neurons [1000] FC8: 1000 neurons (class scores)")
_FULL_TABLE_BOLD = (
    "[227x227x3] INPUT [55x55x96] **CONV1**: 96 11x11 filters at stride 4, pad 0 [27x27x96] "
    "**MAX POOL1**: 3x3 filters at stride 2 [27x27x96] **NORM1**: Normalization layer "
    "[27x27x256] **CONV2**: 256 5x5 filters at stride 1, pad 2 [13x13x256] **MAX POOL2**: 3x3 "
    "filters at stride 2 [13x13x256] **NORM2**: Normalization layer [13x13x384] **CONV3**: 384 "
    "3x3 filters at stride 1, pad 1 [13x13x384] **CONV4**: 384 3x3 filters at stride 1, pad 1 "
    "[13x13x256] **CONV5**: 256 3x3 filters at stride 1, pad 1 [6x6x256] **MAX POOL3**: 3x3 "
    "filters at stride 2 [4096] **FC6**: 4096 neurons [4096] **FC7**: 4096 neurons [1000] "
    "**FC8**: 1000 neurons (class scores)")
# The same architecture in the SENet deck, with each filter's depth (the paper's two towers).
_SE_TABLE = (
    "AlexNet architecture: ¡ [227x227x3] INPUT. ¡ [55x55x96] CONV1: 96 filters with size "
    "11x11x3, stride 4, padding 0. ¡ [27x27x96] POOL1: 3x3 filters with stride 2. ¡ [27x27x256] "
    "CONV2: 256 filters with size 5x5x48, stride 1, padding 2. ¡ [13x13x256] POOL2: 3x3 filters "
    "with stride 2. ¡ [13x13x384] CONV3: 384 filters with size 3x3x256, stride 1, padding 1. "
    "¡ [13x13x384] CONV4: 384 filters with size 3x3x192, stride 1, padding 1. ¡ [13x13x256] "
    "CONV5: 256 filters with size 3x3x192, stride 1, padding 1. ¡ [6x6x256] POOL3: 3x3 filters "
    "with stride 2. ¡ [4096] FC6: 4096 neurons. ¡ [4096] FC7: 4096 neurons. ¡ [1000] FC8: 1000 "
    "neurons (class scores).")
_TABLE_SOURCES = [(L17, _FULL, _FULL_TABLE), (NG, _FULL, _FULL_TABLE),
                  (NG, _FULL + " (bold layer names)", _FULL_TABLE_BOLD), (L23, _FULL, _FULL_TABLE),
                  (SE, "AlexNet architecture", _SE_TABLE)]

# The Michigan lecture's per-layer table (slides 47-49, complete), one row per layer.
_OWT_TABLE = (
    "Layer C H / W filters kernel stride pad C H / W memory (KB) params (k) flop (M) "
    "conv1 3 227 64 11 4 2 64 56 784 23 73 pool1 64 56 3 2 0 64 27 182 0 0 "
    "conv2 64 27 192 5 1 2 192 27 547 307 224 pool2 192 27 3 2 0 192 13 127 0 0 "
    "conv3 192 13 384 3 1 1 384 13 254 664 112 conv4 384 13 256 3 1 1 256 13 169 885 145 "
    "conv5 256 13 256 3 1 1 256 13 169 590 100 pool5 256 13 3 2 0 256 6 36 0 0 "
    "flatten 256 6 9216 36 0 0 fc6 9216 4096 4096 16 37,749 38 fc7 4096 4096 4096 16 16,777 17 "
    "fc8 4096 1000 1000 4 4,096 4")
_OWT_SOURCES = [(MI, _TABLE, _OWT_TABLE)]
# The table's columns, as printed: (layer, in C, in H/W, [filters, kernel, stride, pad], out
# C, out H/W, memory KB, params k, flop M); pools have no filters column, flatten only C/HW/out.
_OWT_ROWS = {
    "conv1": ("3", "227", "64", "11", "4", "2", "64", "56", "784", "23", "73"),
    "pool1": ("64", "56", "3", "2", "0", "64", "27", "182", "0", "0"),
    "conv2": ("64", "27", "192", "5", "1", "2", "192", "27", "547", "307", "224"),
    "pool2": ("192", "27", "3", "2", "0", "192", "13", "127", "0", "0"),
    "conv3": ("192", "13", "384", "3", "1", "1", "384", "13", "254", "664", "112"),
    "conv4": ("384", "13", "256", "3", "1", "1", "256", "13", "169", "885", "145"),
    "conv5": ("256", "13", "256", "3", "1", "1", "256", "13", "169", "590", "100"),
    "pool5": ("256", "13", "3", "2", "0", "256", "6", "36", "0", "0"),
    "flatten": ("256", "6", "9216", "36", "0", "0"),
    "fc6": ("9216", "4096", "4096", "16", "37,749", "38"),
    "fc7": ("4096", "4096", "4096", "16", "16,777", "17"),
    "fc8": ("4096", "1000", "1000", "4", "4,096", "4"),
}
_SHAPE_COLUMNS = {
    "conv": ("C in", "H/W in", "filters", "kernel", "stride", "pad", "C out", "H/W out"),
    "pool": ("C in", "H/W in", "kernel", "stride", "pad", "C out", "H/W out"),
    "flatten": ("C in", "H/W in", "out"),
    "fc": ("in", "filters", "out"),
}


def _kind(layer: str) -> str:
    return "flatten" if layer == "flatten" else layer.rstrip("0123456789")


def _owt_column(offset_from_end: int) -> dict[str, str]:
    """One of the last three columns (memory 3, params 2, flop 1) of every row."""
    return {layer: cells[-offset_from_end] for layer, cells in _OWT_ROWS.items()}


# ---- the networks, on the meta device --------------------------------------------------------





def _row(name: str, size: int, layer: str):
    """The summary row of layer ``conv1`` / ``pool1`` / ``norm1`` / ``fc6`` ... of a zoo AlexNet."""
    for r in _summary(name, size):
        if r.name.rsplit(".", 1)[-1] == layer:
            return r
    raise LedgerError(f"{name} has no layer {layer!r}")


def _layer(name: str, layer: str):
    """The module ``conv1`` ... ``fc8`` of a zoo AlexNet."""
    for n, m in _model(name).named_modules():
        if n.rsplit(".", 1)[-1] == layer:
            return m
    raise LedgerError(f"{name} has no layer {layer!r}")


def _chw(shape) -> dict[str, int]:
    c, h, w = shape
    return {"H": h, "W": w, "C": c}


# ---- the CS231n / survey / SENet-deck walk through conv1 and pool1 ----------------------------

@claim(key="alexnet-input-size", topic="alexnet", quantity="AlexNet input size",
       stated={"H": "227", "W": "227", "C": "3"},
       method="the smallest input side for which alexnet()'s conv1 (11x11, stride 4, no padding) "
              "tiles the input exactly (conv_output_size(strict=True)) and the conv/pool stack "
              "ends in the 6x6 map fc6 expects; channels: alexnet().in_channels. (The paper's "
              "text says 224x224, which 11x11 / stride 4 cannot tile; 227 is the size that works.)",
       sources=[(L17, _CASE, "Input: 227x227x3 images"), (NG, _CASE, "Input: 227x227x3 images"),
                (L23, _CASE, "Input: 227x227x3 images"), (SE, "AlexNet", "Input: 227x227x3 images"),
                (MI, "AlexNet", "227 x 227 inputs")])
def _input_size() -> dict[str, int]:
    from torch import nn

    from cnnlib.arithmetic import conv_output_size, pool_output_size

    body = [m for m in _model("alexnet").body if isinstance(m, (nn.Conv2d, nn.MaxPool2d))]

    def final(size: int) -> int | None:
        for i, m in enumerate(body):
            try:
                if isinstance(m, nn.Conv2d):
                    size = conv_output_size(size, m.kernel_size[0], m.stride[0], m.padding[0],
                                            strict=i == 0)
                else:
                    size = pool_output_size(size, m.kernel_size, m.stride, m.padding)
            except ValueError:
                return None
        return size

    side = next(s for s in range(11, 400) if final(s) == 6)
    return {"H": side, "W": side, "C": _model("alexnet").in_channels}


@claim(key="alexnet-conv1-output-hint", topic="alexnet", quantity="AlexNet CONV1 output side "
       "(the exercise's hint)", stated="55",
       method="conv_output_size(227, 11, stride=4, strict=True) with alexnet()'s conv1 kernel, "
              "stride and padding",
       sources=[(L17, _CASE, "Hint: (227-11)/4+1 = 55"), (NG, _CASE, "Hint:  $(227-11)/4+1 = 55$"),
                (SE, "AlexNet", "Output height and width: (227-11)/4+1=55.")])
def _conv1_hint() -> int:
    from cnnlib.arithmetic import conv_output_size

    conv1 = _layer("alexnet", "conv1")
    return conv_output_size(227, conv1.kernel_size[0], conv1.stride[0], conv1.padding[0],
                            strict=True)


@claim(key="alexnet-conv1-output", topic="alexnet", quantity="AlexNet CONV1 output volume",
       stated={"H": "55", "W": "55", "C": "96"},
       method="output shape of conv1 in summarize(alexnet(), (3, 227, 227))",
       sources=[(L17, _CASE, "Output volume [55x55x96]"), (L17, _CASE, "After CONV1: 55x55x96"),
                (NG, _CASE, "Output volume **[55x55x96]**"), (NG, _CASE, "After CONV1: 55x55x96"),
                (L23, _CASE, "Output volume [55x55x96]"), (L23, _CASE, "After CONV1: 55x55x96"),
                (SE, "AlexNet", "Output volume size: 55x55x96."),
                (SE, "AlexNet", "After CONV1: 55x55x96.")])
def _conv1_output() -> dict[str, int]:
    return _chw(_row("alexnet", 227, "conv1").output_shape)


@claim(key="alexnet-conv1-params", topic="alexnet", quantity="AlexNet CONV1 parameters",
       stated="35K",
       method="parameters of conv1 in summarize(alexnet(), (3, 227, 227)): 11x11x3x96 weights + 96 "
              "biases = 34,944. The 2017 and survey slides' formula (11*11*3)*96 leaves the biases "
              "out (34,848), the 2023 slide's (11*11*3 + 1)*96 counts them; both round to 35K",
       sources=[(L17, _CASE, "Parameters: (11*11*3)*96 = 35K"),
                (NG, _CASE, "Parameters:  $(11 \\times 11 \\times 3) \\times 96 = 35K$"),
                (L23, _CASE, "Parameters: $(11 \\times 11 \\times 3 + 1) \\times 96 = 35K$"),
                (SE, "AlexNet", "Total number of parameters: 11x11x3x96=35K.")])
def _conv1_params() -> int:
    return _row("alexnet", 227, "conv1").params


@claim(key="alexnet-pool1-output-hint", topic="alexnet", quantity="AlexNet POOL1 output side "
       "(the exercise's hint)", stated="27",
       method="pool_output_size(55, 3, stride=2, strict=True) with alexnet()'s pool1 window and "
              "stride",
       sources=[(L17, _CASE, "Hint: (55-3)/2+1 = 27"), (NG, _CASE, "Hint:  $(55-3)/2+1 = 27$"),
                (SE, "AlexNet", "Output height and width: (55-3)/2+1=27.")])
def _pool1_hint() -> int:
    from cnnlib.arithmetic import pool_output_size

    pool1 = _layer("alexnet", "pool1")
    return pool_output_size(55, pool1.kernel_size, pool1.stride, pool1.padding, strict=True)


@claim(key="alexnet-pool1-output", topic="alexnet", quantity="AlexNet POOL1 output volume",
       stated={"H": "27", "W": "27", "C": "96"},
       method="output shape of pool1 in summarize(alexnet(), (3, 227, 227))",
       sources=[(L17, _CASE, "Output volume: 27x27x96"), (L17, _CASE, "After POOL1: 27x27x96"),
                (NG, _CASE, "Output volume: 27x27x96"),
                (L23, _CASE, "Output volume: 27x27x96"), (L23, _CASE, "After POOL1: 27x27x96"),
                (SE, "AlexNet", "Output volume size: 27x27x96."),
                (SE, "AlexNet", "After POOL1: 27x27x96.")])
def _pool1_output() -> dict[str, int]:
    return _chw(_row("alexnet", 227, "pool1").output_shape)


@claim(key="alexnet-pool1-params", topic="alexnet", quantity="AlexNet POOL1 parameters",
       stated="0", method="parameters of pool1 in summarize(alexnet(), (3, 227, 227))",
       sources=[(L17, _CASE, "Parameters: 0!"), (NG, _CASE, "Parameters: 0!"),
                (L23, _CASE, "Parameters: 0!")])
def _pool1_params() -> int:
    return _row("alexnet", 227, "pool1").params


@claim(key="alexnet-conv2-senet-deck", topic="alexnet", status="wrong",
       quantity="AlexNet CONV2 filters, size and stride (SENet deck's third-layer slide)",
       stated={"filters": "256", "kernel": "5", "filter depth": "48", "stride": "4"},
       method="alexnet()'s conv2: out_channels, kernel_size, weight.shape[1] (input channels per "
              "group: the paper's two towers), stride",
       why="CONV2 has stride 1 (with padding 2, keeping 27x27), as the deck's own architecture "
           "slide says and the paper's Section 3.5 implies; 4 is CONV1's stride copied. The "
           "rest of that slide ((227-11)/4+1=55, 55x55x96, 35K parameters) also repeats CONV1's "
           "numbers unchanged: CONV2's output is 27x27x256 and it has 307,456 parameters.",
       sources=[(SE, "AlexNet (third layer)",
                 "Third layer (CONV2): 256 filters with size 5x5x48 with a stride of 4.")])
def _conv2_senet() -> dict[str, int]:
    conv2 = _layer("alexnet", "conv2")
    return {"filters": conv2.out_channels, "kernel": conv2.kernel_size[0],
            "filter depth": conv2.weight.shape[1], "stride": conv2.stride[0]}


# ---- the full architecture table -----------------------------------------------------------

# The walk-through slides state CONV1's and POOL1's settings before the table does.
_FIRST_LAYERS = [
    (L17, _CASE, "First layer (CONV1): 96 11x11 filters applied at stride 4"),
    (L17, _CASE, "Second layer (POOL1): 3x3 filters applied at stride 2"),
    (NG, _CASE, "**First layer (CONV1):** 96 11x11 filters applied at stride 4"),
    (NG, _CASE, "**Second layer (POOL1):** 3x3 filters applied at stride 2"),
    (L23, _CASE, "First layer (CONV1): 96 11x11 filters applied at stride 4"),
    (L23, _CASE, "Second layer (POOL1): 3x3 filters applied at stride 2"),
    (SE, "AlexNet", "¡ First layer (CONV1): 96 filters with size 11x11x3 with a stride of 4."),
    (SE, "AlexNet", "¡ Second layer (POOL1): 3x3 filter with a stride of 2."),
]

_FULL_ROWS = ("CONV1", "MAX POOL1", "NORM1", "CONV2", "MAX POOL2", "NORM2", "CONV3", "CONV4",
              "CONV5", "MAX POOL3")


def _full_row(row: str):
    """The alexnet_ungrouped() row of a row of the slide's table (MAX POOL3 is pool5)."""
    name = row.replace("MAX POOL3", "pool5").replace("MAX POOL", "pool").lower()
    if name.startswith("norm"):
        # LRN keeps its input's shape; the slide puts it after the pool (the paper before it,
        # Sec. 3.5, as cnnlib does): at the slide's place it outputs the pool's shape.
        name = "pool" + name[-1]
    return _row("alexnet_ungrouped", 227, name)


@claim(key="alexnet-table-shapes", topic="alexnet",
       quantity="AlexNet full architecture: output volume of every layer",
       stated={**{f"{r} {d}": v for r, (hw, c) in zip(_FULL_ROWS, (
                  ("55", "96"), ("27", "96"), ("27", "96"), ("27", "256"), ("13", "256"),
                  ("13", "256"), ("13", "384"), ("13", "384"), ("13", "256"), ("6", "256")))
                  for d, v in (("H/W", hw), ("C", c))},
               "FC6": "4096", "FC7": "4096", "FC8": "1000"},
       method="output shapes in summarize(alexnet_ungrouped(), (3, 227, 227)) (the same as the "
              "two-tower alexnet()). NORM rows: local response normalization keeps its input's "
              "shape, and the slide places NORM after the pool (the paper, Sec. 3.5, and cnnlib "
              "before it), so a NORM row has its pool's output shape",
       sources=_TABLE_SOURCES)
def _table_shapes() -> dict[str, int]:
    out = {}
    for row in _FULL_ROWS:
        c, h, _ = _full_row(row).output_shape
        out[f"{row} H/W"], out[f"{row} C"] = h, c
    for fc in ("FC6", "FC7", "FC8"):
        out[fc] = _row("alexnet_ungrouped", 227, fc.lower()).output_shape[0]
    return out


_LAYER_ROWS = {"CONV1": ("96", "11", "4", "0"), "MAX POOL1": ("3", "2"),
               "CONV2": ("256", "5", "1", "2"), "MAX POOL2": ("3", "2"),
               "CONV3": ("384", "3", "1", "1"), "CONV4": ("384", "3", "1", "1"),
               "CONV5": ("256", "3", "1", "1"), "MAX POOL3": ("3", "2")}


@claim(key="alexnet-table-layers", topic="alexnet",
       quantity="AlexNet full architecture: filters, kernel, stride and padding of every layer",
       stated={**{f"{r} {col}": v for r, vals in _LAYER_ROWS.items()
                  for col, v in zip(("filters", "kernel", "stride", "pad") if len(vals) == 4
                                    else ("window", "stride"), vals)},
               "FC6 neurons": "4096", "FC7 neurons": "4096", "FC8 neurons": "1000"},
       method="out_channels, kernel_size, stride, padding of the convs and kernel_size, stride of "
              "the max pools of alexnet_ungrouped(); out_features of fc6-fc8",
       sources=_TABLE_SOURCES + _FIRST_LAYERS)
def _table_layers() -> dict[str, int]:
    out = {}
    for row in _LAYER_ROWS:
        m = _layer("alexnet_ungrouped", row.replace("MAX POOL3", "pool5")
                   .replace("MAX POOL", "pool").lower())
        if row.startswith("CONV"):
            out.update({f"{row} filters": m.out_channels, f"{row} kernel": m.kernel_size[0],
                        f"{row} stride": m.stride[0], f"{row} pad": m.padding[0]})
        else:
            out.update({f"{row} window": m.kernel_size, f"{row} stride": m.stride})
    for fc in ("FC6", "FC7", "FC8"):
        out[f"{fc} neurons"] = _layer("alexnet_ungrouped", fc.lower()).out_features
    return out


@claim(key="alexnet-filter-depths", topic="alexnet",
       quantity="AlexNet filter depth of each conv layer (the two-tower paper network)",
       stated={"CONV1": "3", "CONV2": "48", "CONV3": "256", "CONV4": "192", "CONV5": "192"},
       method="weight.shape[1] (input channels each filter sees) of conv1-conv5 of alexnet(), "
              "whose conv2, conv4 and conv5 are grouped in two (the two GPUs)",
       sources=[(SE, "AlexNet architecture", _SE_TABLE)])
def _filter_depths() -> dict[str, int]:
    return {f"CONV{i}": _layer("alexnet", f"conv{i}").weight.shape[1] for i in range(1, 6)}


def _weighted_layers(name: str) -> dict[str, int]:
    from torch import nn

    mods = list(_model(name).modules())
    return {"conv": sum(isinstance(m, nn.Conv2d) for m in mods),
            "fc": sum(isinstance(m, nn.Linear) for m in mods)}


@claim(key="alexnet-conv-fc-layers", topic="alexnet",
       quantity="AlexNet convolutional and fully-connected layers",
       stated={"conv": "5", "fc": "3"},
       method="number of nn.Conv2d and of nn.Linear layers of alexnet()",
       sources=[(MI, "AlexNet", "5 Convolutional layers"),
                (MI, "AlexNet", "3 fully-connected layers")])
def _conv_fc() -> dict[str, int]:
    return _weighted_layers("alexnet")


# ---- the two GPUs ------------------------------------------------------------------------------

@claim(key="alexnet-two-gpus", topic="alexnet", quantity="GPUs AlexNet is split across",
       stated="2",
       method="groups of alexnet()'s conv2 (the paper's two-tower split is a grouped conv, one "
              "group per GPU)",
       sources=[(L17, "Case Study: AlexNet (historical note)",
                 "Network spread across 2 GPUs, half"),
                (NG, "Case Study: AlexNet (historical note)", "Network spread across 2 GPUs"),
                (SE, "AlexNet (paper figure)", "separated into 2 GPUs"),
                (MI, "AlexNet", "Trained on two GTX 580 GPUs")])
def _two_gpus() -> int:
    return _layer("alexnet", "conv2").groups


@claim(key="alexnet-conv1-per-gpu", topic="alexnet",
       quantity="AlexNet CONV1 output held by each GPU",
       stated={"H": "55", "W": "55", "C": "48", "GPUs": "2"},
       method="conv1's output shape in summarize(alexnet(), (3, 227, 227)), its channels divided "
              "by the groups of the next conv (the GPUs); GPUs: conv2.groups",
       sources=[(lec, "Case Study: AlexNet (historical note)", "[55x55x48] x 2")
                for lec in (L17, NG, L23)])
def _per_gpu() -> dict[str, int]:
    c, h, w = _row("alexnet", 227, "conv1").output_shape
    gpus = _layer("alexnet", "conv2").groups
    return {"H": h, "W": w, "C": c // gpus, "GPUs": gpus}


uncheckable(key="alexnet-gpu-memory", topic="alexnet", quantity="memory of a GTX 580 GPU",
            stated="3",
            why="a GPU's memory is hardware, not something the course can recompute (the paper, "
                "Sec. 3.2, says the same: 3GB)",
            sources=[(L17, "Case Study: AlexNet (historical note)",
                      "Historical note: Trained on GTX 580 GPU with only 3 GB of memory."),
                     (NG, "Case Study: AlexNet (historical note)",
                      "Historical note: Trained on GTX 580 GPU with only 3 GB of memory."),
                     (MI, "AlexNet", "3GB of memory each! Model split")])


@claim(key="alexnet-gpu-connections", topic="alexnet", numeric=False,
       quantity="AlexNet layers that talk across the two GPUs",
       stated="CONV1, CONV2, CONV4, CONV5 on the same GPU only; CONV3, FC6, FC7, FC8 across GPUs",
       method="groups of alexnet()'s convs: conv2, conv4, conv5 grouped in two (one group a GPU), "
              "conv3 ungrouped, the FC layers dense; conv1 is ungrouped but its input is the "
              "image, which both GPUs hold",
       sources=[(L17, _FULL, "CONV1, CONV2, CONV4, CONV5: Connections only with feature maps on "
                             "same GPU"),
                (L17, _FULL, "CONV3, FC6, FC7, FC8: Connections with all feature maps in "
                             "preceding layer, communication across GPUs"),
                (NG, _FULL, "**CONV1, CONV2, CONV4, CONV5:** Connections only with feature maps "
                            "on same GPU"),
                (NG, _FULL, "**CONV3, FC6, FC7, FC8:** Connections with all feature maps in "
                            "preceding layer, communication across GPUs"),
                (SE, "AlexNet (paper figure)", "CONV3, FC6, FC7, FC8 connect across GPUs"),
                (SE, "AlexNet (paper figure)", "CONV1, CONV2, CONV4, CONV5 connect only with "
                                               "feature maps on same GPU")])
def _gpu_connections() -> bool:
    groups = {i: _layer("alexnet", f"conv{i}").groups for i in range(1, 6)}
    return groups == {1: 1, 2: 2, 3: 1, 4: 2, 5: 2}


# ---- training details (paper Section 5, Table 2) ------------------------------------------------

_DETAILS = "Case Study: AlexNet, Details/Retrospectives"


@claim(key="alexnet-dropout", topic="alexnet", quantity="AlexNet dropout probability",
       stated="0.5", method="p of the nn.Dropout layers of alexnet() (paper Sec. 4.2)",
       sources=[(L17, _DETAILS, "dropout 0.5"), (L23, _DETAILS, "dropout 0.5"),
                (SE, "AlexNet, Details", "Dropout rate 0.5")])
def _dropout() -> float:
    from torch import nn

    ps = {m.p for m in _model("alexnet").modules() if isinstance(m, nn.Dropout)}
    if len(ps) != 1:
        raise LedgerError(f"alexnet() has several dropout rates: {sorted(ps)}")
    return ps.pop()


@claim(key="alexnet-batch-size", topic="alexnet", quantity="AlexNet training batch size",
       stated="128", method="Krizhevsky et al. 2012, Section 5: 'a batch size of 128 examples'",
       sources=[(L17, _DETAILS, "batch size 128"), (L23, _DETAILS, "batch size 128"),
                (SE, "AlexNet, Details", "Batch size 128.")])
def _batch_size() -> int:
    return PAPER_SECTION5["batch size"]


@claim(key="alexnet-momentum", topic="alexnet", quantity="AlexNet SGD momentum",
       stated="0.9", method="Krizhevsky et al. 2012, Section 5: 'momentum of 0.9'",
       sources=[(L17, _DETAILS, "SGD Momentum 0.9"), (L23, _DETAILS, "SGD Momentum 0.9"),
                (SE, "AlexNet, Details", "SGD with momentum 0.9.")])
def _momentum() -> float:
    return PAPER_SECTION5["momentum"]


@claim(key="alexnet-learning-rate", topic="alexnet", numeric=False,
       quantity="AlexNet learning rate schedule", stated="1e-2, reduced by 10 (manually)",
       method="Krizhevsky et al. 2012, Section 5: initialized at 0.01, divided by 10 when the "
              "validation error rate stopped improving (three times in all)",
       sources=[(L17, _DETAILS, "Learning rate 1e-2, reduced by 10"),
                (L23, _DETAILS, "Learning rate 1e-2, reduced by 10 manually when val accuracy "
                                "plateaus"),
                (SE, "AlexNet, Details", "Learning rate 1e-2, reduced by 10")])
def _learning_rate() -> bool:
    return (PAPER_SECTION5["initial learning rate"] == 1e-2
            and PAPER_SECTION5["learning rate divided by"] == 10)


@claim(key="alexnet-weight-decay", topic="alexnet", numeric=False,
       quantity="AlexNet L2 weight decay", stated="5e-4",
       method="Krizhevsky et al. 2012, Section 5: 'weight decay of 0.0005'",
       sources=[(L17, _DETAILS, "L2 weight decay 5e-4"), (L23, _DETAILS, "L2 weight decay 5e-4"),
                (SE, "AlexNet, Details", "L2 weight decay 5e-4.")])
def _weight_decay() -> bool:
    return PAPER_SECTION5["weight decay"] == 5e-4


@claim(key="alexnet-ensemble-error", topic="alexnet",
       quantity="AlexNet top-5 error: one CNN vs the 7-CNN ensemble",
       stated={"CNNs in the ensemble": "7", "1 CNN": "18.2%", "7 CNN ensemble": "15.4%"},
       method="Krizhevsky et al. 2012, Table 2, top-5 error on the ILSVRC-2012 validation set: "
              "'1 CNN' 18.2 and '7 CNNs*' 15.4 (two of the seven pre-trained on the Fall 2011 "
              "ImageNet release; 15.3 on the test set)",
       sources=[(L17, _DETAILS, "7 CNN ensemble: 18.2% -> 15.4%"),
                (L23, _DETAILS, "7 CNN ensemble: 18.2% > 15.4%")])
def _ensemble() -> dict[str, float]:
    return {"CNNs in the ensemble": int("7 CNNs*".split()[0]), "1 CNN": PAPER_TABLE2["1 CNN"],
            "7 CNN ensemble": PAPER_TABLE2["7 CNNs*"]}


# ---- the Michigan lecture's per-layer table (alexnet_owt at 227x227) --------------------------

def _owt(layer: str):
    """(input shape, output shape, params, MACs, other ops, memory bytes, module) of a row of the
    table; ``flatten`` is the reshape between pool5 and fc6 (no layer of its own)."""
    if layer == "flatten":
        fc6 = _row("alexnet_owt", 227, "fc6")
        pool5 = _row("alexnet_owt", 227, "pool5")
        return pool5.output_shape, fc6.input_shape, 0, 0, 0, 4 * fc6.input_shape[0], None
    r = _row("alexnet_owt", 227, layer)
    return (r.input_shape, r.output_shape, r.params, r.macs, r.other_ops, r.memory_bytes,
            _layer("alexnet_owt", layer))


def _owt_shape_cells(layer: str) -> tuple[int, ...]:
    x, y, *_, m = _owt(layer)
    kind = _kind(layer)
    if kind == "conv":
        return (x[0], x[1], m.out_channels, m.kernel_size[0], m.stride[0], m.padding[0], y[0], y[1])
    if kind == "pool":
        return (x[0], x[1], m.kernel_size, m.stride, m.padding, y[0], y[1])
    if kind == "flatten":
        return (x[0], x[1], y[0])
    return (x[0], m.out_features, y[0])


@claim(key="alexnet-owt-table-layers", topic="alexnet",
       quantity="AlexNet per-layer table: input size, filters/kernel/stride/pad and output size",
       stated={f"{layer} {col}": v for layer, cells in _OWT_ROWS.items()
               for col, v in zip(_SHAPE_COLUMNS[_kind(layer)], cells)},
       method="summarize(alexnet_owt(), (3, 227, 227)): input/output shapes of each row, and the "
              "conv/pool modules' out_channels, kernel_size, stride, padding (the table is the "
              "2014 'one weird trick' AlexNet, 64-192-384-256-256, = torchvision's alexnet); "
              "flatten: pool5's output reshaped for fc6",
       sources=_OWT_SOURCES)
def _owt_layers() -> dict[str, int]:
    return {f"{layer} {col}": v for layer in _OWT_ROWS
            for col, v in zip(_SHAPE_COLUMNS[_kind(layer)], _owt_shape_cells(layer))}


@claim(key="alexnet-owt-table-memory", topic="alexnet",
       quantity="AlexNet per-layer table: output memory (KB)", stated=_owt_column(3),
       method="memory_bytes / 1024 of each row of summarize(alexnet_owt(), (3, 227, 227)) "
              "(float32 outputs; flatten: pool5's output, 9216 numbers)",
       sources=_OWT_SOURCES)
def _owt_memory() -> dict[str, float]:
    return {layer: _owt(layer)[5] / 1024 for layer in _OWT_ROWS}


@claim(key="alexnet-owt-table-params", topic="alexnet", status="wrong", erratum="alexnet-fc-bias",
       quantity="AlexNet per-layer table: parameters (k)", stated=_owt_column(2),
       method="params / 1000 of each row of summarize(alexnet_owt(), (3, 227, 227)), weights and "
              "biases, as the slide's own formulas (params = Cin x Cout + Cout) count them",
       why="The conv rows count the biases, the fc rows do not: fc6 is 37,752.8k, fc7 16,781.3k, "
           "fc8 4,097.0k with their 4096, 4096 and 1000 biases.",
       sources=_OWT_SOURCES)
def _owt_params() -> dict[str, float]:
    return {layer: _owt(layer)[2] / 1e3 for layer in _OWT_ROWS}


@claim(key="alexnet-owt-table-flop", topic="alexnet", status="wrong", erratum="alexnet-conv4-flop",
       quantity="AlexNet per-layer table: 'flop (M)' column", stated=_owt_column(1),
       method="in the column's own convention: multiply-adds (MACs) / 1e6 of each conv and fc row "
              "of summarize(alexnet_owt(), (3, 227, 227)); pooling rows: the window's comparisons "
              "(other_ops, as the slide's own pooling example counts them); flatten: 0",
       why="The column counts MACs, not FLOPs (see the flop-means-mac entry: every value is half "
           "the FLOP count). Counted that way every row agrees except conv4: 384 -> 256 channels, "
           "3x3 filters on 13x13 is 149.5M MACs, not 145.",
       sources=_OWT_SOURCES)
def _owt_flop() -> dict[str, float]:
    out = {}
    for layer in _OWT_ROWS:
        _, _, _, macs, other, _, _ = _owt(layer)
        out[layer] = (other if _kind(layer) == "pool" else macs) / 1e6
    return out


_WORKED = "AlexNet per-layer table, worked example"


@claim(key="alexnet-owt-conv1-output-worked", topic="alexnet",
       quantity="AlexNet conv1 output size (worked example, padding 2)",
       stated={"W - K + 2P": "220", "W'": "56"},
       method="W + 2P - K from alexnet_owt()'s conv1 (kernel 11, padding 2) on 227; W' = "
              "conv_output_size(227, 11, stride=4, padding=2, strict=True)",
       sources=[(MI, _WORKED + " (output size)",
                 "Recall: W’ = (W – K + 2P) / S + 1 = 227 – 11 + 2*2) / 4 + 1 = 220/4 + 1 = 56")])
def _owt_conv1_size() -> dict[str, int]:
    from cnnlib.arithmetic import conv_output_size

    m = _layer("alexnet_owt", "conv1")
    k, s, p = m.kernel_size[0], m.stride[0], m.padding[0]
    return {"W - K + 2P": 227 - k + 2 * p,
            "W'": conv_output_size(227, k, s, p, strict=True)}


@claim(key="alexnet-owt-conv1-memory-worked", topic="alexnet",
       quantity="AlexNet conv1 output memory (worked example)",
       stated={"output elements": "200,704", "KB": "784"},
       method="numel of conv1's output and its memory_bytes / 1024 in "
              "summarize(alexnet_owt(), (3, 227, 227))",
       sources=[(MI, _WORKED + " (memory)",
                 "Number of output elements = C * H’ * W’ = 64*56*56 = 200,704"),
                (MI, _WORKED + " (memory)", "= 200704 * 4 / 1024 = 784")])
def _owt_conv1_memory() -> dict[str, float]:
    c, h, w = _row("alexnet_owt", 227, "conv1").output_shape
    return {"output elements": c * h * w,
            "KB": _row("alexnet_owt", 227, "conv1").memory_bytes / 1024}


@claim(key="alexnet-owt-conv1-params-worked", topic="alexnet",
       quantity="AlexNet conv1 weight shape and parameters (worked example)",
       stated={"Cout": "64", "Cin": "3", "K": "11", "bias": "64", "parameters": "23,296"},
       method="weight.shape and bias.shape of alexnet_owt()'s conv1; its params in "
              "summarize(alexnet_owt(), (3, 227, 227))",
       sources=[(MI, _WORKED + " (params)",
                 "Weight shape = Cout x Cin x K x K = 64 x 3 x 11 x 11 Bias shape = Cout = 64 "
                 "Number of weights = 64*3*11*11 + 64 = 23,296")])
def _owt_conv1_params() -> dict[str, int]:
    m = _layer("alexnet_owt", "conv1")
    cout, cin, k, _ = m.weight.shape
    return {"Cout": cout, "Cin": cin, "K": k, "bias": m.bias.shape[0],
            "parameters": _row("alexnet_owt", 227, "conv1").params}


@claim(key="alexnet-owt-pool1-output-worked", topic="alexnet",
       quantity="AlexNet pool1 output size (worked example)",
       stated={"C out": "64", "W - K": "53", "(W - K) / S + 1": "27.5", "W'": "27"},
       method="pool1 of summarize(alexnet_owt(), (3, 227, 227)): input side 56, window 3, stride "
              "2; (W - K) / S + 1 before flooring; W' = pool_output_size(56, 3, 2), which floors",
       sources=[(MI, _WORKED + " (pooling layer)",
                 "#output channels = #input channels = 64 W’ = floor((W – K) / S + 1) "
                 "= floor(53 / 2 + 1) = floor(27.5) = 27")])
def _owt_pool1_size() -> dict[str, float]:
    from cnnlib.arithmetic import pool_output_size

    r, m = _row("alexnet_owt", 227, "pool1"), _layer("alexnet_owt", "pool1")
    w = r.input_shape[1]
    return {"C out": r.output_shape[0], "W - K": w - m.kernel_size,
            "(W - K) / S + 1": (w - m.kernel_size) / m.stride + 1,
            "W'": pool_output_size(w, m.kernel_size, m.stride)}


@claim(key="alexnet-owt-pool1-memory-worked", topic="alexnet",
       quantity="AlexNet pool1 output memory in KB (worked example)", stated="182.25",
       method="memory_bytes / 1024 of pool1 in summarize(alexnet_owt(), (3, 227, 227))",
       sources=[(MI, _WORKED + " (pooling memory)",
                 "KB = Cout * H’ * W’ * 4 / 1024 = 64 * 27 * 27 * 4 / 1024 = 182.25")])
def _owt_pool1_memory() -> float:
    return _row("alexnet_owt", 227, "pool1").memory_bytes / 1024


@claim(key="alexnet-owt-pool1-ops-worked", topic="alexnet",
       quantity="AlexNet pool1 floating-point ops (worked example)",
       stated={"ops": "419,904", "MFLOP": "0.4"},
       method="other_ops of pool1 in summarize(alexnet_owt(), (3, 227, 227)): one comparison per "
              "window element per output (pooling has no multiply-adds)",
       sources=[(MI, _WORKED + " (pooling flops)",
                 "= (Cout * H’ * W’) * (K * K) = (64 * 27 * 27) * (3 * 3) = 419,904 = 0.4 MFLOP")])
def _owt_pool1_ops() -> dict[str, float]:
    ops = _row("alexnet_owt", 227, "pool1").other_ops
    return {"ops": ops, "MFLOP": ops / 1e6}


@claim(key="alexnet-owt-flatten-worked", topic="alexnet",
       quantity="AlexNet flatten output size (worked example)", stated="9216",
       method="numel of pool5's output = in_features of fc6 in alexnet_owt() at 227x227",
       sources=[(MI, _WORKED + " (flatten)", "= 256 * 6 * 6 = 9216")])
def _owt_flatten() -> int:
    c, h, w = _row("alexnet_owt", 227, "pool5").output_shape
    if c * h * w != _layer("alexnet_owt", "fc6").in_features:
        raise LedgerError("pool5's output does not match fc6's input")
    return c * h * w


@claim(key="alexnet-owt-fc6-params-worked", topic="alexnet", status="wrong",
       erratum="alexnet-fc6-params-arithmetic",
       quantity="AlexNet fc6 parameters (worked example and its table row)",
       stated={"table (k)": "37,726", "worked example": "37,725,832"},
       method="params of fc6 in summarize(alexnet_owt(), (3, 227, 227)) = "
              "linear_params(9216, 4096)",
       why="9216 x 4096 + 4096 is 37,752,832: the slide's sum subtracts the biases instead of "
           "adding them.",
       sources=[(MI, _WORKED + " (fc params)", "fc6 9216 4096 4096 16 37,726 38"),
                (MI, _WORKED + " (fc params)",
                 "FC params = Cin * Cout + Cout = 9216 * 4096 + 4096 = 37,725,832")])
def _owt_fc6_params() -> dict[str, float]:
    p = _row("alexnet_owt", 227, "fc6").params
    return {"table (k)": p / 1e3, "worked example": p}


_TRENDS = "AlexNet per-layer bar charts (memory KB, params K, MFLOP)"


def _owt_totals(kind: str, column: str) -> tuple[float, float]:
    rows = [r for r in _summary("alexnet_owt", 227) if r.kind in ("Conv2d", "Linear")]
    part = sum(getattr(r, column) for r in rows if r.kind == kind)
    return part, sum(getattr(r, column) for r in rows)


@claim(key="alexnet-owt-memory-early-convs", topic="alexnet", numeric=False,
       quantity="where AlexNet's activation memory is", stated="in the early conv layers",
       method="conv1 + conv2 outputs are more than half of the conv and fc output memory of "
              "summarize(alexnet_owt(), (3, 227, 227)), and conv1's is the largest",
       sources=[(MI, _TRENDS, "Most of the memory usage is in the early convolution layers")])
def _memory_early() -> bool:
    rows = [r for r in _summary("alexnet_owt", 227) if r.kind in ("Conv2d", "Linear")]
    early = sum(r.memory_bytes for r in rows if r.name.endswith(("conv1", "conv2")))
    return early > sum(r.memory_bytes for r in rows) / 2 and rows[0] == max(
        rows, key=lambda r: r.memory_bytes)


@claim(key="alexnet-owt-params-in-fc", topic="alexnet", numeric=False,
       quantity="where AlexNet's parameters are", stated="nearly all in the FC layers",
       method="the Linear layers hold more than 90% of the parameters of alexnet_owt() "
              "(58.6M of 61.1M)",
       sources=[(MI, _TRENDS, "Nearly all parameters are in the fully-connected layers")])
def _params_fc() -> bool:
    part, total = _owt_totals("Linear", "params")
    return part / total > 0.9


@claim(key="alexnet-owt-flops-in-conv", topic="alexnet", numeric=False,
       quantity="where AlexNet's arithmetic is", stated="most in the conv layers",
       method="the convs do more than half of alexnet_owt()'s MACs at 227x227 (658M of 717M)",
       sources=[(MI, _TRENDS, "Most floating-point ops occur in the convolution layers")])
def _flops_conv() -> bool:
    part, total = _owt_totals("Conv2d", "macs")
    return part / total > 0.5


# ---- citation counts (Michigan) ----------------------------------------------------------------

_CITES = "AlexNet citations per year (bar chart)"
_WHY_CITES = "citation counts are a bibliographic database's, as of the date on the slide; " \
             "nothing in the course can recount them"

uncheckable(key="alexnet-citations-total", topic="alexnet", quantity="AlexNet total citations",
            stated="102,486", why=_WHY_CITES,
            sources=[(MI, _CITES, "Total Citations: 102,486")])

uncheckable(key="alexnet-citations-per-year", topic="alexnet",
            quantity="AlexNet citations per year, 2013-2021",
            stated={"2013": "333", "2014": "1018", "2015": "2816", "2016": "6206", "2017": "10647",
                    "2018": "16089", "2019": "20092", "2020": "21265", "2021": "20912"},
            why=_WHY_CITES + " (they add up to 99,378; the total also counts 2012 and 2022)",
            sources=[(MI, _CITES, "333 1018 2816 6206 10647 16089 20092 21265 20912"),
                     (MI, _CITES, "AlexNet Citations per year (as of 2/2/2022)")])

uncheckable(key="alexnet-citations-classics", topic="alexnet",
            quantity="citations of three classic papers, for comparison",
            stated={"Darwin 1859": "60,117", "Shannon 1948": "140,459",
                    "Watson and Crick 1953": "16,298"},
            why=_WHY_CITES,
            sources=[(MI, "AlexNet citation counts",
                      "Darwin, “On the origin of species”, 1859: 60,117 Shannon, “A mathematical "
                      "theory of communication”, 1948: 140,459 Watson and Crick, “Molecular "
                      "Structure of Nucleic Acids”, 1953: 16,298 333 1018")])


# ---- lines that carry no claim -----------------------------------------------------------------

not_a_claim(MI, "0 5000 10000 15000 20000 25000 2013 2014 2015 2016 2017 2018 2019 2020 2021",
            "axis ticks and years of the citations bar chart (the counts are claims)")
not_a_claim(MI, "0 5000 10000 15000 20000 25000 30000 35000 40000 Params (K) 0 50 100 150 200 250 "
                "MFLOP 0 100 200 300 400 500 600 700 800 900 Memory (KB)",
            "axis ticks of the per-layer bar charts (the bars are the table's numbers)")
not_a_claim(SE, "Image source: Krizhevsky, Alex, Ilya Sutskever, and Geoffrey E. Hinton. "
                "\"Imagenet classification with deep convolutional neural networks.\" In Advances "
                "in neural information processing systems, pp. 1097-1105. 2012.",
            "the figure's citation (page numbers of the proceedings)")
not_a_claim(SE, "¡ Total number of parameters: 11x11x3x96=35K. 7 Image source: Krizhevsky",
            "the slide's page number (7)")
