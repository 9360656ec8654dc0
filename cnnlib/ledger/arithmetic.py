"""Lecture claims about the arithmetic of a conv layer: the output-size formula and its worked
examples, bytes per number, and what a "FLOP" counts.

Everything is computed with :mod:`cnnlib.arithmetic`, checked where it matters against PyTorch's
own ``nn.Conv2d`` on the meta device (shapes only).
"""
from __future__ import annotations

from cnnlib.ledger import LedgerError, claim, not_a_claim

L17, NG, L23, MI, SE = "cs231n-2017", "survey-ng", "cs231n-2023", "eecs498-2022", "senet-deck"


def _formula(size: int, kernel: int, stride: int = 1, padding: int = 0) -> float:
    """``(W - F + 2P) / S + 1`` before any flooring, checked against
    :func:`cnnlib.arithmetic.conv_output_size`: equal when the filter fits, and
    ``strict=True`` refusing it when it does not (the lectures' "doesn't fit")."""
    from cnnlib.arithmetic import conv_output_size

    value = (size - kernel + 2 * padding) / stride + 1
    try:
        exact = conv_output_size(size, kernel, stride, padding, strict=True)
    except ValueError:
        if value.is_integer():
            raise LedgerError(f"conv_output_size refuses an exact fit: "
                              f"{size, kernel, stride, padding}")
        return value
    if exact != value:
        raise LedgerError(f"conv_output_size({size}, {kernel}, {stride}, {padding}) = {exact}, "
                          f"formula {value}")
    return value


def _torch_output(c_in: int, c_out: int, size: int, kernel: int, stride: int = 1,
                  padding: int = 0) -> tuple[int, ...]:
    """(C, H, W) that PyTorch's own ``nn.Conv2d`` gives, on the meta device."""
    import torch
    from torch import nn

    with torch.device("meta"):
        conv = nn.Conv2d(c_in, c_out, kernel, stride, padding)
        return tuple(conv(torch.empty(1, c_in, size, size)).shape[1:])


@claim(key="arith-output-size-formula", topic="arithmetic", numeric=False,
       quantity="conv output size formula", stated="W' = (W - F + 2P) / S + 1 (x C_out channels)",
       method="for every W in 5, 10, ..., 40, F in 1, 3, 5, 7, S in 1..4, P in 0..3 where the "
              "formula gives a whole number: it equals cnnlib.arithmetic.conv_output_size and the "
              "output of PyTorch's nn.Conv2d (meta device), whose channels are its C_out filters",
       sources=[(NG, "Output size", "$$(N - F) / \\text{stride} + 1$$"),
                (L23, "Case Study: AlexNet (CONV1)", "$$W' = (W - F + 2P) / S + 1$$"),
                (MI, "AlexNet per-layer table, worked example (output size)",
                 "Recall: W’ = (W – K + 2P) / S + 1"),
                (SE, "AlexNet (output volume formula)",
                 "𝑛! +2𝑝! −𝑘! 𝑠! +1 × 𝑛\" +2𝑝\" −𝑘\" 𝑠\" +1 ×𝑐#$%")])
def _output_size_formula() -> bool:
    cases = 0
    for w in range(5, 41, 5):
        for f in range(1, 8, 2):
            for s in range(1, 5):
                for p in range(0, 4):
                    value = (w - f + 2 * p) / s + 1
                    if not value.is_integer() or f > w + 2 * p:
                        continue
                    if _formula(w, f, s, p) != value:
                        return False
                    if _torch_output(2, 3, w, f, s, p) != (3, int(value), int(value)):
                        return False
                    cases += 1
    return cases > 50


_SEVEN = "Output size, 7x7 input and 3x3 filter"


@claim(key="arith-7x7-stride-examples", topic="arithmetic",
       quantity="output side of a 3x3 filter on a 7x7 input, stride 1, 2, 3",
       stated={"stride 1": "5", "stride 2": "3", "stride 3": "2.33"},
       method="(N - F) / stride + 1 with N = 7, F = 3, checked against "
              "conv_output_size(7, 3, stride, strict=True), which refuses stride 3: the filter "
              "does not fit (2.33 is not a size)",
       sources=[(NG, _SEVEN, "7 7 7x7 input (spatially) assume 3x3 filter **=> 5x5 output**"),
                (NG, _SEVEN, "7 7 7x7 input (spatially) assume 3x3 filter applied **with stride "
                             "2** **=> 3x3 output!**"),
                (NG, _SEVEN, "e.g. $N = 7$ , $F = 3$ : stride 1 $\\Rightarrow (7 - 3)/1 + 1 = 5$ "
                             "stride 2 $\\Rightarrow (7 - 3)/2 + 1 = 3$ stride 3 $\\Rightarrow "
                             "(7 - 3)/3 + 1 = 2.33$")])
def _seven() -> dict[str, float]:
    return {f"stride {s}": _formula(7, 3, s) for s in (1, 2, 3)}


@claim(key="arith-padding-example", topic="arithmetic",
       quantity="a 3x3 filter, stride 1, on a 7x7 input padded by 1",
       stated={"pad per side": "1", "padded size": "9", "output": "7"},
       method="padding (3 - 1) // 2 keeps the size: padded side 7 + 2 * 1; output "
              "conv_output_size(7, 3, 1, padding=1, strict=True) (= nn.Conv2d's)",
       sources=[(NG, "Convolution Spatial Dimension",
                 "Padding: $(9-3)/1+1=7$ Padding 1+1 $I = 7 \\times 7$ With Padding = $9 "
                 "\\times 9$ Stride = 1 Spatial dimension remain same")])
def _padding() -> dict[str, float]:
    pad = (3 - 1) // 2
    out = _formula(7, 3, 1, pad)
    if _torch_output(1, 1, 7, 3, 1, pad)[1] != out:
        raise LedgerError("nn.Conv2d disagrees")
    return {"pad per side": pad, "padded size": 7 + 2 * pad, "output": out}


@claim(key="arith-bytes-per-number", topic="arithmetic",
       quantity="bytes per float32 number and per KB",
       stated={"bytes per element": "4", "bytes per KB": "1024"},
       method="torch.float32's element size; cnnlib's KB (LayerRow.memory_bytes / memory_kb, the "
              "lectures' 1024-byte KB)",
       sources=[(MI, "AlexNet per-layer table, worked example (memory)",
                 "Bytes per element = 4 (for 32-bit floating point) KB = (number of elements) * "
                 "(bytes per elem) / 1024"),
                (MI, "AlexNet per-layer table, worked example (pooling memory)",
                 "Bytes per elem = 4")])
def _bytes() -> dict[str, float]:
    import torch

    from cnnlib.summary import LayerRow

    row = LayerRow("x", "Conv2d", (1,), (1,), 0, 0, 4096)
    return {"bytes per element": torch.empty(0, dtype=torch.float32).element_size(),
            "bytes per KB": row.memory_bytes / row.memory_kb}


@claim(key="arith-flop-means-mac", topic="arithmetic", status="wrong", erratum="flop-means-mac",
       quantity="floating point operations of AlexNet's conv1 and fc6 (worked examples)",
       stated={"conv1 output elements": "200,704", "conv1 Cin x K x K": "363",
               "conv1 floating point operations": "72,855,552", "fc6 flops": "37,748,736"},
       method="summarize(alexnet_owt(), (3, 227, 227)): numel of conv1's output and its weights "
              "per filter (3 x 11 x 11); the FLOPs of conv1 and fc6 = 2 x MACs (LayerRow.flops, "
              "as PyTorch's FlopCounterMode counts)",
       why="(64*56*56) * (3*11*11) = 72,855,552 and 9216 * 4096 = 37,748,736 are multiply-adds "
           "(MACs). Counting the multiply and the add, as the slide's own '(multiply+add)' says, "
           "conv1 does 145,711,104 floating point operations and fc6 75,497,472; the table's "
           "'flop (M)' column has the same slip throughout.",
       sources=[(MI, "AlexNet per-layer table, worked example (flops)",
                 "Number of floating point operations (multiply+add) = (number of output elements) "
                 "* (ops per output elem) = (Cout x H’ x W’) * (Cin x K x K) = (64 * 56 * 56) * "
                 "(3 * 11 * 11) = 200,704 * 363 = 72,855,552"),
                (MI, "AlexNet per-layer table, worked example (fc flops)",
                 "FC flops = Cin * Cout = 9216 * 4096 = 37,748,736")])
def _flop_means_mac() -> dict[str, int]:
    import torch

    from cnnlib.registry import get_model
    from cnnlib.summary import summarize

    with torch.device("meta"):
        model = get_model("alexnet_owt")
    s = summarize(model, (3, 227, 227))
    conv1 = s.row("body.conv1")
    c, h, w = conv1.output_shape
    return {"conv1 output elements": c * h * w,
            "conv1 Cin x K x K": model.body.conv1.weight[0].numel(),
            "conv1 floating point operations": conv1.flops,
            "fc6 flops": s.row("classifier.fc6").flops}


# ---- 1x1 convolutions: the examples are googlenet's claims (googlenet-1x1-conv-example,
# googlenet-1x1-conv-6x6, googlenet-1x1-conv-weights); these lines around them state nothing ----

_NAMES_1X1 = "a slide title naming the 1x1 convolution (a kernel size, no claim of its own)"
not_a_claim(NG, "# What does 1x1 convolution do?", _NAMES_1X1)
not_a_claim(NG, "# 1X1 Convolutions", _NAMES_1X1)
not_a_claim(NG, "1 2 3 6 5 8 3 5 5 1 3 4 2 1 3 4 9 3 4 7 8 5 7 9 1 5 3 7 4 8 5 4 9 8 3 5",
            "the pixel values of the example's 6x6 input image")
not_a_claim(NG, "6 × 6 \\* 2 =", "the example's 6x6 input and its 1x1 filter's value, 2 (the "
                                  "output size is googlenet-1x1-conv-6x6)")
not_a_claim(L17, "Reminder: 1x1 convolutions 64 56 56 1x1 CONV with 32 filters 32 56 56 preserves "
                 "spatial dimensions, reduces depth!",
            "a repeated build of the 1x1 example slide (googlenet-1x1-conv-example)")
not_a_claim(SE, "1x1 Convolution Filter", _NAMES_1X1)
not_a_claim(SE, "¡ What is the usage of 1x1 convolution filter?", "a review question")
