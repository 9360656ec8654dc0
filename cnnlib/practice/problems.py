"""Midterm-style practice problems: ``generate(seed, n, kinds) -> list[Problem]``.

Every kind below draws realistic numbers (channel counts, sizes, kernels and strides as in
AlexNet, VGG, GoogLeNet, ResNet, MobileNet and EfficientNet), then derives the answer twice:
once from the closed-form formulas of :mod:`cnnlib.arithmetic` (through
:func:`cnnlib.practice.reference.solve`) and once from real ``torch.nn`` layers
(:mod:`cnnlib.practice.oracle`). A draw whose two answers disagree, or that describes an
impossible layer, is thrown away and drawn again from the same deterministic stream, so a seed
always gives the same set. So is a trivial draw, one whose answer merely repeats what the
question gives (a stride-1 "same" pool, a 1×1 conv with as many filters as input channels):
see :func:`is_trivial`.

Volumes are written channels first, C×H×W, as the book and ``torch`` write them. A decimal
answer has exactly the decimals its question asks for (:data:`reference.DECIMALS`), in the
key too.
"""
from __future__ import annotations

import hashlib
import json
import math
import numbers
import random
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any, Callable

import cnnlib.arithmetic as arithmetic
from cnnlib.practice import oracle, reference

__all__ = ["Problem", "KINDS", "generate", "format_answer", "format_volume", "fingerprint",
           "is_trivial", "MAX_PROBLEMS", "VOLUME_ORDER"]

MAX_PROBLEMS = 1000
_MAX_DRAWS = 200  # per problem; real draws need a handful at most
VOLUME_ORDER = "C×H×W"  # the book's (and torch's) order: channels, then height and width
DECIMALS = reference.DECIMALS


@dataclass(frozen=True)
class Problem:
    """One practice problem. ``question`` and ``solution`` are Markdown with plain-text math.

    ``decimals``: how many decimals the question asks for in its decimal numbers (``None``
    when the answer has none). ``volume``: the answer is a volume, written (C, H, W).
    """

    kind: str
    title: str
    question: str
    params: dict
    answer: Any  # int, float, str, or a tuple of numbers
    solution: str
    unit: str = ""
    hint: str = ""
    decimals: int | None = None
    volume: bool = False

    @property
    def answer_text(self) -> str:
        """The answer as a person would write it (``96, 55, 55``; ``34,944; 34,848``; ``0.500``)."""
        if self.volume:
            return format_volume(self.answer)
        text = format_answer(self.answer, self.decimals)
        return f"{text} {self.unit}" if self.unit else text

    def to_dict(self) -> dict:
        d = asdict(self)
        d["answer"] = list(self.answer) if isinstance(self.answer, tuple) else self.answer
        return d

    def _repr_markdown_(self) -> str:
        return f"**{self.title}**\n\n{self.question}"


# ----------------------------------------------------------------------------- formatting
def _fmt_num(x: Any, decimals: int | None = None) -> str:
    """Integers as integers (``34,944``); a float with exactly ``decimals`` decimals (``0.500``),
    or, without ``decimals``, with up to 6 and no trailing zeros."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, numbers.Integral):
        return f"{int(x):,}"
    if isinstance(x, float):
        if decimals is not None:
            text = f"{x:,.{decimals}f}"
            return text.lstrip("-") if float(text.replace(",", "")) == 0 else text  # no "-0.00"
        return f"{x:,.6f}".rstrip("0").rstrip(".")
    return str(x)


def format_answer(answer: Any, decimals: int | None = None) -> str:
    """Numbers with thousands separators; tuple items separated by ``; `` when any has a comma.
    Decimal numbers get exactly ``decimals`` decimals when given (as the question asks)."""
    if isinstance(answer, tuple):
        items = [_fmt_num(a, decimals) for a in answer]
        sep = "; " if any("," in i for i in items) else ", "
        return sep.join(items)
    return _fmt_num(answer, decimals)


def format_volume(volume: tuple[int, ...]) -> str:
    """A volume as the question asks for it, ``C, H, W`` (``1024, 28, 28``: sizes, not counts,
    so no thousands separators)."""
    return ", ".join(str(int(d)) for d in volume)


def _approx(x: float) -> str:
    """``853,991,424`` -> ``≈ 854M`` (for the solutions' prose)."""
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "K")):
        if abs(x) >= scale:
            return f"≈ {x / scale:.3g}{suffix}"
    return f"{x:g}"


def _g(x: float) -> str:
    """Short decimal for parameters like gamma = 1.5, eps = 1e-05."""
    return f"{x:g}"


def _r(x: float, nd: int) -> str:
    return _fmt_num(float(x), nd)


def _p(text: str) -> str:
    """Parenthesize a negative number inside a product or sum: ``2·(-0.5)``."""
    return f"({text})" if text.startswith("-") else text


# ----------------------------------------------------------------------------- drawing helpers
_FIRST_SIZES = (224, 227, 32, 64, 96, 128)
_MID_SIZES = (112, 56, 55, 28, 27, 14, 13, 7)
_MID_CHANNELS = (16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 1024)


def _fits(size: int, kernel: int, stride: int, padding: int) -> bool:
    span = size + 2 * padding - kernel
    return span >= 0 and span % stride == 0


def _draw_conv(rng: random.Random) -> dict:
    """A conv layer that exists in real nets and tiles its input exactly."""
    while True:
        if rng.random() < 0.4:  # a first layer on an RGB image
            size, c_in = rng.choice(_FIRST_SIZES), 3
            kernel, stride = rng.choice([(11, 4), (7, 2), (5, 1), (5, 2), (3, 1), (3, 2)])
            c_out = rng.choice((16, 32, 48, 64, 96))
        else:
            size, c_in = rng.choice(_MID_SIZES), rng.choice(_MID_CHANNELS[2:])
            kernel, stride = rng.choice([(1, 1), (3, 1), (3, 1), (3, 2), (5, 1), (1, 2)])
            c_out = rng.choice(_MID_CHANNELS[2:])
        padding = rng.choice(sorted({0, (kernel - 1) // 2, kernel // 2}))
        if kernel < size and _fits(size, kernel, stride, padding):
            return {"in_size": size, "in_channels": c_in, "out_channels": c_out,
                    "kernel": kernel, "stride": stride, "padding": padding}


def _volume(channels: int, size: int) -> str:
    """A square volume, channels first: ``96×55×55``."""
    return f"{channels}×{size}×{size}"


def _conv_desc(p: dict) -> str:
    k = p["kernel"]
    return (f"Input volume **{_volume(p['in_channels'], p['in_size'])}** ({VOLUME_ORDER}). A "
            f"convolution layer with **{p['out_channels']}** filters of size **{k}×{k}**, "
            f"stride **{p['stride']}**, padding **{p['padding']}**.")


def _size_steps(a, p: dict, size_key: str = "in_size") -> tuple[int, str]:
    n, k, s, pad = p[size_key], p["kernel"], p["stride"], p["padding"]
    out = a.conv_output_size(n, k, s, pad, strict=True)
    return out, (f"(N − F + 2P)/S + 1 = ({n} − {k} + 2·{pad})/{s} + 1 = "
                 f"{n - k + 2 * pad}/{s} + 1 = {out}")


# ----------------------------------------------------------------------------- trivial draws
def _never_trivial(params: dict, answer: Any) -> bool:
    return False


def _input_volume(p: dict) -> tuple[int, int, int]:
    """The input volume (C, H, W) of a conv or pooling problem."""
    channels = p["in_channels"] if "in_channels" in p else p["channels"]
    return (channels, p["in_size"], p["in_size"])


def _keeps_the_volume(p: dict, answer: Any) -> bool:
    """The layer's output volume is its input volume: a stride-1 "same" pool, or a stride-1
    "same" conv (a 1×1 conv, say) with as many filters as input channels."""
    return tuple(answer) == _input_volume(p)


def _fold_changes_nothing(p: dict, answer: Any) -> bool:
    """BatchNorm is the identity (a = 1, c = 0 to the decimals asked): w′ = w and b′ = b."""
    return tuple(answer[2:]) == (*p["weight"], p["bias"])


# ----------------------------------------------------------------------------- the kinds
@dataclass(frozen=True)
class _Kind:
    name: str
    title: str
    description: str
    draw: Callable[[random.Random], dict]
    question: Callable[[dict], str]
    solution: Callable[[dict, Any], str]
    hint: str
    unit: Callable[[dict], str] = lambda p: ""
    trivial: Callable[[dict, Any], bool] = _never_trivial  # the answer repeats the question
    volume: bool = False  # the answer is a volume (C, H, W)


def _q_conv_output(p):
    return _conv_desc(p) + "\n\nWhat is the output volume? Answer as `C, H, W`."


def _s_conv_output(p, ans):
    out, steps = _size_steps(arithmetic, p)
    return (f"Output size = {steps}. Every filter produces one channel, so the depth is the "
            f"number of filters: the output volume is **{_volume(p['out_channels'], out)}** "
            f"(C×H×W).")


def _draw_pool(rng):
    # no stride-1 "same" pool (3, 1, 1): it keeps the volume, a trivial problem
    while True:
        size = rng.choice((224, 112, 56, 55, 28, 27, 14, 13))
        kernel, stride, padding = rng.choice([(2, 2, 0), (3, 2, 0), (3, 2, 1)])
        if _fits(size, kernel, stride, padding):
            return {"in_size": size, "channels": rng.choice(_MID_CHANNELS[2:]), "kernel": kernel,
                    "stride": stride, "padding": padding, "pool": rng.choice(("max", "avg"))}


def _q_pool_output(p):
    name = "Max" if p["pool"] == "max" else "Average"
    return (f"Input volume **{_volume(p['channels'], p['in_size'])}** ({VOLUME_ORDER}). {name} "
            f"pooling with a **{p['kernel']}×{p['kernel']}** window, stride **{p['stride']}**, "
            f"padding **{p['padding']}**.\n\nWhat is the output volume? Answer as `C, H, W`.")


def _s_pool_output(p, ans):
    n, k, s, pad = p["in_size"], p["kernel"], p["stride"], p["padding"]
    out = arithmetic.pool_output_size(n, k, s, pad, strict=True)
    return (f"Pooling uses the same size formula as convolution: (N − F + 2P)/S + 1 = "
            f"({n} − {k} + 2·{pad})/{s} + 1 = {out}. Pooling works on each channel separately, "
            f"so the depth stays {p['channels']}: **{_volume(p['channels'], out)}** (C×H×W). "
            f"(It has no parameters.)")


def _draw_conv_params(rng):
    return _draw_conv(rng)


def _q_conv_params(p):
    return (_conv_desc(p) + "\n\nHow many learnable parameters does this layer have (a) with "
            "biases and (b) without biases (as when BatchNorm follows)? Answer as "
            "`with bias; without bias`.")


def _s_conv_params(p, ans):
    ci, co, k = p["in_channels"], p["out_channels"], p["kernel"]
    w = arithmetic.conv_params(ci, co, k, bias=False)
    b = arithmetic.conv_params(ci, co, k, bias=True)
    return (f"Each filter spans the full input depth: {k}·{k}·{ci} = {_fmt_num(k * k * ci)} "
            f"weights, and there are {co} filters: {_fmt_num(k * k * ci)}·{co} = **{_fmt_num(w)}** "
            f"weights. One bias per filter adds {co}: **{_fmt_num(b)}** with biases. The input "
            f"size, stride and padding do not matter: the same weights slide over every position.")


def _q_conv_macs(p):
    return (_conv_desc(p) + "\n\nHow many multiply-accumulate operations (MACs) does it take for "
            "one image? (Ignore biases; FLOPs would be 2 × MACs.)")


def _s_conv_macs(p, ans):
    out, steps = _size_steps(arithmetic, p)
    ci, co, k = p["in_channels"], p["out_channels"], p["kernel"]
    macs = arithmetic.conv_macs(ci, co, k, out, out)
    return (f"Output size = {steps}, so there are {co}·{out}·{out} = {_fmt_num(out * out * co)} "
            f"output numbers. Each is a dot product over a {ci}×{k}×{k} window: "
            f"{_fmt_num(k * k * ci)} MACs. Total: {_fmt_num(out * out * co)}·{_fmt_num(k * k * ci)} "
            f"= **{_fmt_num(macs)}** MACs ({_approx(macs)}; {_fmt_num(2 * macs)} FLOPs).")


def _draw_activation_memory(rng):
    p = _draw_conv(rng)
    p["batch_size"] = rng.choice((1, 1, 16, 32, 64, 128))
    p["memory_unit"] = "KB" if p["batch_size"] == 1 else "MB"
    p["bytes_per_element"] = arithmetic.BYTES_PER_FLOAT32
    return p


def _q_activation_memory(p):
    unit = p["memory_unit"]
    size = "1 KB = 1024 bytes" if unit == "KB" else "1 MB = 1024 × 1024 bytes"
    batch = "one image" if p["batch_size"] == 1 else f"a batch of {p['batch_size']} images"
    return (_conv_desc(p) + f"\n\nHow much memory does this layer's output take for {batch}, "
            f"stored as float32? Answer in {unit} ({size}), to "
            f"{DECIMALS['activation_memory']} decimals.")


def _s_activation_memory(p, ans):
    out, steps = _size_steps(arithmetic, p)
    co, bsz, unit = p["out_channels"], p["batch_size"], p["memory_unit"]
    nbytes = arithmetic.activation_memory_bytes((co, out, out), batch_size=bsz)
    div, divisor = ("1024", 1024) if unit == "KB" else ("1024²", 1024 ** 2)
    batch = "" if bsz == 1 else f"·{bsz} images"
    nd = DECIMALS["activation_memory"]
    exact = nbytes / divisor
    rounded = f"**{_fmt_num(ans, nd)} {unit}**"
    value = rounded if exact == ans else f"{_fmt_num(exact)} ≈ {rounded} (to {nd} decimals)"
    return (f"Output size = {steps}; the output volume is {_volume(co, out)} = "
            f"{_fmt_num(out * out * co)} numbers per image. At 4 bytes each{batch}: "
            f"{_fmt_num(nbytes)} bytes; / {div} = {value}.")


def _draw_receptive_field(rng):
    if rng.random() < 0.5:  # the VGG argument: stacks of 3x3, stride 1
        layers = [[3, 1]] * rng.randint(2, 6)
    else:
        while True:
            layers = [[rng.choice((3, 3, 5, 7)), rng.choice((1, 1, 2))]
                      for _ in range(rng.randint(2, 4))]
            if math.prod(s for _, s in layers[:-1]) <= 8 and any(s > 1 for _, s in layers[:-1]):
                break
    return {"layers": [list(layer) for layer in layers]}


def _q_receptive_field(p):
    rows = "\n".join(f"| {i} | {k}×{k} | {s} |" for i, (k, s) in enumerate(p["layers"], 1))
    return ("Convolution layers are stacked in this order (padding does not matter here):\n\n"
            "| layer | kernel | stride |\n|---|---|---|\n" + rows + "\n\nWhat is the effective "
            "receptive field of one unit of the last layer, in input pixels along one side?")


def _s_receptive_field(p, ans):
    layers = [tuple(layer) for layer in p["layers"]]
    rf = arithmetic.receptive_field(layers)
    lines, size, jump = [], 1, 1
    for i, (k, s) in enumerate(layers, 1):
        new = size + (k - 1) * jump
        lines.append(f"- layer {i}: r = {size} + ({k} − 1)·{jump} = {new}" +
                     (f"; jump = {jump}·{s} = {jump * s}" if s > 1 else ""))
        size, jump = new, jump * s
    return ("Grow the receptive field layer by layer: r ← r + (k − 1)·j, where the jump j is the "
            "product of the strides of the layers before (start r = 1, j = 1).\n\n"
            + "\n".join(lines) + f"\n\nThe last layer sees **{rf.size}×{rf.size}** input pixels.")


_INCEPTION_INPUTS = ((28, 192), (28, 256), (14, 480), (14, 512), (14, 528), (7, 832))


def _draw_inception(rng):
    while True:
        size, c = rng.choice(_INCEPTION_INPUTS)
        p = {"in_size": size, "in_channels": c,
             "c1": rng.choice((64, 112, 128, 160, 192, 256, 384)),
             "r3": rng.choice((64, 96, 112, 128, 144, 160, 192)),
             "c3": rng.choice((128, 192, 208, 224, 256, 288, 320, 384)),
             "r5": rng.choice((16, 24, 32, 48, 64)),
             "c5": rng.choice((32, 48, 64, 96, 128)),
             "pool_proj": rng.choice((32, 64, 128))}
        if p["r3"] < p["c3"] and p["r5"] < p["c5"] and p["r3"] < c:
            return p


def _q_inception(p):
    s, c = p["in_size"], p["in_channels"]
    return (f"An Inception module gets a **{_volume(c, s)}** input. All convolutions keep the "
            f"spatial size (stride 1, \"same\" padding); the 3×3 max pool uses stride 1.\n\n"
            f"- **Naive** module: parallel 1×1 conv ({p['c1']} filters), 3×3 conv ({p['c3']}), "
            f"5×5 conv ({p['c5']}) and 3×3 max pool, concatenated.\n"
            f"- **With 1×1 bottlenecks**: 1×1 conv ({p['c1']}); 1×1 conv ({p['r3']}) → 3×3 conv "
            f"({p['c3']}); 1×1 conv ({p['r5']}) → 5×5 conv ({p['c5']}); 3×3 max pool → 1×1 conv "
            f"({p['pool_proj']}).\n\nHow many MACs does each version cost (convolutions only, no "
            f"biases)? Answer as `naive; bottleneck`.")


def _s_inception(p, ans):
    s, c = p["in_size"], p["in_channels"]
    a = arithmetic

    def term(cin, cout, k):
        macs = a.conv_macs(cin, cout, k, s, s)
        return f"- [{k}×{k} conv, {cout}] {cout}·{s}·{s}·{cin}·{k}·{k} = {_fmt_num(macs)}"

    naive = [term(c, p["c1"], 1), term(c, p["c3"], 3), term(c, p["c5"], 5)]
    bott = [term(c, p["c1"], 1), term(c, p["r3"], 1), term(p["r3"], p["c3"], 3),
            term(c, p["r5"], 1), term(p["r5"], p["c5"], 5), term(c, p["pool_proj"], 1)]
    depth_naive = p["c1"] + p["c3"] + p["c5"] + c
    depth_bott = p["c1"] + p["c3"] + p["c5"] + p["pool_proj"]
    return ("A conv costs C_out·H'·W' (its outputs) × C_in·k·k (the window of each) MACs.\n\n"
            "Naive module:\n\n" + "\n".join(naive) +
            f"\n\nTotal: **{_fmt_num(ans[0])}** MACs ({_approx(ans[0])}). The pool adds no MACs "
            f"but passes all {c} channels on: output depth {depth_naive}.\n\nWith bottlenecks:\n\n"
            + "\n".join(bott) + f"\n\nTotal: **{_fmt_num(ans[1])}** MACs ({_approx(ans[1])}), "
            f"{ans[0] / ans[1]:.1f}× cheaper; output depth {depth_bott}.")


_RESNET_STAGES = ((56, 64), (28, 128), (14, 256), (7, 512))


def _draw_resnet(rng):
    size, c = rng.choice(_RESNET_STAGES)
    return {"in_size": size, "channels": c, "quantity": rng.choice(("params", "macs"))}


def _q_resnet(p):
    s, c = p["in_size"], p["channels"]
    what = "learnable parameters" if p["quantity"] == "params" else "MACs (one image)"
    return (f"Compare two residual blocks at **{s}×{s}** resolution (no biases; ignore "
            f"BatchNorm and the identity shortcut):\n\n"
            f"- **Basic** block on {c} channels: 3×3 conv {c}→{c}, then 3×3 conv {c}→{c}.\n"
            f"- **Bottleneck** block on {4 * c} channels: 1×1 conv {4 * c}→{c}, 3×3 conv {c}→{c}, "
            f"1×1 conv {c}→{4 * c}.\n\nHow many {what} does each block have? "
            f"Answer as `basic; bottleneck`.")


def _s_resnet(p, ans):
    s, c = p["in_size"], p["channels"]
    hw = "" if p["quantity"] == "params" else f"{s}·{s}·"
    unit = "parameters" if p["quantity"] == "params" else "MACs"
    return (f"Basic: 2 · ({hw}3·3·{c}·{c}) = 18·{hw}C² = **{_fmt_num(ans[0])}** {unit}.\n\n"
            f"Bottleneck (C = {c}): {hw}1·1·{4 * c}·{c} + {hw}3·3·{c}·{c} + {hw}1·1·{c}·{4 * c} "
            f"= (4 + 9 + 4)·{hw}C² = 17·{hw}C² = **{_fmt_num(ans[1])}** {unit}.\n\nThe bottleneck "
            f"block works on 4× as many channels for slightly less cost.")


def _draw_network(rng):
    while True:
        size = rng.choice((32, 64, 224, 227))
        if size == 227:
            first = (11, 4, 0)
        elif size == 224:
            first = rng.choice([(7, 2, 3), (3, 1, 1), (5, 2, 2), (11, 4, 2)])
        else:
            first = rng.choice([(3, 1, 1), (5, 1, 2), (3, 1, 0), (5, 1, 0)])
        channels = rng.choice((16, 32, 64, 96))
        layers, h, n_conv, n_pool = [], size, 0, 0
        spec = first
        for _ in range(rng.randint(2, 4)):
            k, s, pad = spec
            if not _fits(h, k, s, pad) or k >= h:
                break
            n_conv += 1
            layers.append({"name": f"conv{n_conv}", "type": "conv", "out_channels": channels,
                           "kernel": k, "stride": s, "padding": pad})
            h = (h + 2 * pad - k) // s + 1
            if rng.random() < 0.7:
                pk, ps = rng.choice([(2, 2), (3, 2)])
                if _fits(h, pk, ps, 0) and h > 4:
                    n_pool += 1
                    layers.append({"name": f"pool{n_pool}", "type": rng.choice(
                        ("maxpool", "maxpool", "avgpool")), "kernel": pk, "stride": ps})
                    h = (h - pk) // ps + 1
            channels = min(512, channels * rng.choice((1, 2, 2)))
            spec = rng.choice([(3, 1, 1), (3, 1, 1), (5, 1, 2), (1, 1, 0)])
        if n_conv < 2 or h < 2:
            continue
        n_fc = rng.randint(1, 2)
        for i in range(1, n_fc + 1):
            out = rng.choice((10, 100, 1000)) if i == n_fc else rng.choice((256, 512, 1024, 4096))
            layers.append({"name": f"fc{i}", "type": "fc", "out_features": out})
        p = {"input_size": size, "in_channels": 3, "layers": layers,
             "quantity": rng.choice(("memory", "params", "macs")),
             "bytes_per_element": arithmetic.BYTES_PER_FLOAT32}
        rows = reference.network_table(p)
        values = sorted((r[p["quantity"]] for r in rows), reverse=True)
        if values[0] != values[1]:
            return p


def _layer_desc(layer: dict) -> str:
    t = layer["type"]
    if t == "conv":
        return (f"conv, {layer['out_channels']} filters {layer['kernel']}×{layer['kernel']}, "
                f"stride {layer['stride']}, padding {layer['padding']}")
    if t == "fc":
        return f"fully connected, {layer['out_features']} outputs"
    name = "max pool" if t == "maxpool" else "average pool"
    return f"{name} {layer['kernel']}×{layer['kernel']}, stride {layer['stride']}"


_QUANTITY = {
    "memory": "takes the most **activation memory** (its output for one image, float32)",
    "params": "has the most **learnable parameters** (weights and biases)",
    "macs": "needs the most **MACs** for one image (pooling counts as 0)",
}


def _q_network(p):
    rows = "\n".join(f"| {layer['name']} | {_layer_desc(layer)} |" for layer in p["layers"])
    s = p["input_size"]
    return (f"A small network gets a **{_volume(p['in_channels'], s)}** image ({VOLUME_ORDER}). "
            f"A ReLU (no parameters) "
            f"follows every conv and fc layer; the volume is flattened before the first fc "
            f"layer.\n\n| layer | configuration |\n|---|---|\n{rows}\n\nWhich layer "
            f"{_QUANTITY[p['quantity']]}? Answer with the layer's name.")


def _s_network(p, ans):
    rows = reference.network_table(p, arithmetic)
    lines = ["| layer | output | params | MACs | memory (KB) |", "|---|---|---|---|---|"]
    for r in rows:
        shape = "×".join(str(d) for d in r["output_shape"])
        lines.append(f"| {r['name']} | {shape} | {_fmt_num(r['params'])} | {_fmt_num(r['macs'])} "
                     f"| {_fmt_num(r['memory'] / 1024)} |")
    q = p["quantity"]
    ranked = sorted(rows, key=lambda r: r[q], reverse=True)
    unit = {"memory": "bytes", "params": "parameters", "macs": "MACs"}[q]
    return ("Work through the network layer by layer: output size (N − F + 2P)/S + 1; conv "
            "parameters F·F·C_in·C_out + C_out; fc parameters n_in·n_out + n_out; MACs = outputs "
            "× window size; memory = outputs × 4 bytes.\n\n" + "\n".join(lines) +
            f"\n\nThe answer is **{ans}** with {_fmt_num(ranked[0][q])} {unit}; next comes "
            f"{ranked[1]['name']} with {_fmt_num(ranked[1][q])}.")


def _draw_depthwise(rng):
    return {"in_size": rng.choice((112, 56, 28, 14, 7)),
            "in_channels": rng.choice((32, 64, 128, 256, 512)),
            "out_channels": rng.choice((64, 128, 256, 512, 1024)),
            "kernel": rng.choice((3, 3, 5)), "quantity": rng.choice(("params", "macs"))}


def _q_depthwise(p):
    s, ci, co, k = p["in_size"], p["in_channels"], p["out_channels"], p["kernel"]
    what = "learnable parameters" if p["quantity"] == "params" else "MACs (one image)"
    return (f"Input **{_volume(ci, s)}**, output **{_volume(co, s)}** ({VOLUME_ORDER}; stride 1, "
            f"\"same\" padding, no biases). Compare a standard {k}×{k} convolution with a depthwise-separable one: a "
            f"{k}×{k} depthwise convolution (one filter per input channel, groups = {ci}) followed "
            f"by a 1×1 pointwise convolution {ci}→{co}.\n\nHow many {what} does each need, and "
            f"how many times fewer does the separable version need? Answer as "
            f"`standard; separable; ratio` (ratio to {DECIMALS['depthwise_separable']} "
            f"decimals).")


def _s_depthwise(p, ans):
    s, ci, co, k = p["in_size"], p["in_channels"], p["out_channels"], p["kernel"]
    hw = "" if p["quantity"] == "params" else f"{s}·{s}·"
    unit = "parameters" if p["quantity"] == "params" else "MACs"
    return (f"Standard: {hw}{k}·{k}·{ci}·{co} = **{_fmt_num(ans[0])}** {unit}.\n\n"
            f"Separable: depthwise {hw}{k}·{k}·{ci} + pointwise {hw}{ci}·{co} = "
            f"**{_fmt_num(ans[1])}** {unit}.\n\nRatio: {_fmt_num(ans[0])} / {_fmt_num(ans[1])} = "
            f"**{_fmt_num(ans[2], DECIMALS['depthwise_separable'])}**, which is 1 / (1/C_out + 1/k²) = 1 / (1/{co} + 1/{k * k}).")


def _draw_grouped(rng):
    while True:
        ci = rng.choice((64, 128, 256, 512, 1024))
        co = rng.choice((64, 128, 256, 512, 1024))
        g = rng.choice((2, 4, 8, 16, 32, 64))
        if ci % g == 0 and co % g == 0:
            return {"in_channels": ci, "out_channels": co, "kernel": rng.choice((1, 3, 3)),
                    "groups": g, "bias": rng.random() < 0.5}


def _q_grouped(p):
    ci, co, k, g = p["in_channels"], p["out_channels"], p["kernel"], p["groups"]
    bias = "with a bias per output channel" if p["bias"] else "without biases"
    return (f"A {k}×{k} convolution maps **{ci}** to **{co}** channels in **{g} groups** "
            f"(as in ResNeXt), {bias}.\n\nHow many learnable parameters does it have, and how "
            f"many would the same layer have without groups? Answer as `grouped; ungrouped`.")


def _s_grouped(p, ans):
    ci, co, k, g = p["in_channels"], p["out_channels"], p["kernel"], p["groups"]
    b = f" + {co} biases" if p["bias"] else ""
    return (f"Each group connects {ci}/{g} = {ci // g} input channels to {co}/{g} = {co // g} "
            f"output channels, so every filter spans only {ci // g} channels: "
            f"{k}·{k}·{ci // g}·{co}{b} = **{_fmt_num(ans[0])}**. Without groups: "
            f"{k}·{k}·{ci}·{co}{b} = **{_fmt_num(ans[1])}**. The weights shrink by the factor "
            f"{g}.")


_EFFNET = {"alpha": 1.2, "beta": 1.1, "gamma": 1.15}


def _draw_efficientnet(rng):
    return {"phi": rng.randint(1, 7), **_EFFNET,
            "base_depth": rng.choice((1, 2, 2, 3, 3, 4)),
            "base_width": rng.choice((16, 24, 40, 80, 112, 192, 320)),
            "base_resolution": 224}


def _q_efficientnet(p):
    return (f"EfficientNet's compound scaling multiplies depth by α^φ, width by β^φ and "
            f"resolution by γ^φ, with α = {p['alpha']}, β = {p['beta']}, γ = {p['gamma']}. A "
            f"baseline stage has d = **{p['base_depth']}** layers of 3×3 convolutions "
            f"(w = **{p['base_width']}** → {p['base_width']} channels, stride 1, \"same\" padding) "
            f"and runs at resolution r = **{p['base_resolution']}**. Scale it with "
            f"**φ = {p['phi']}**:\n\n"
            f"- new depth d′ = ⌈d·α^φ⌉ (round up);\n"
            f"- new width w′ = w·β^φ rounded to the nearest multiple of 8 (adding 8 if that is "
            f"more than 10% below w·β^φ);\n"
            f"- new resolution r′ = r·γ^φ rounded to the nearest integer.\n\n"
            f"By what factor do the stage's MACs grow? Answer as `d′, w′, r′, factor` "
            f"(factor to {DECIMALS['efficientnet']} decimals).")


def _s_efficientnet(p, ans):
    phi = p["phi"]
    a, b, g = (p["alpha"] ** phi, p["beta"] ** phi, p["gamma"] ** phi)
    d, w, r, factor = ans
    d0, w0, r0 = p["base_depth"], p["base_width"], p["base_resolution"]
    theory = (Fraction(str(p["alpha"])) * Fraction(str(p["beta"])) ** 2
              * Fraction(str(p["gamma"])) ** 2)
    return (f"α^φ = {p['alpha']}^{phi} = {a:.4f}, β^φ = {b:.4f}, γ^φ = {g:.4f}.\n\n"
            f"- d′ = ⌈{d0}·{a:.4f}⌉ = ⌈{d0 * a:.3f}⌉ = **{d}**\n"
            f"- w′: {w0}·{b:.4f} = {w0 * b:.2f} → **{w}**\n"
            f"- r′: {r0}·{g:.4f} = {r0 * g:.2f} → **{r}**\n\n"
            f"A stage's MACs are d·(r·r·3·3·w·w), so the factor is (d′/d)·(w′/w)²·(r′/r)² = "
            f"({d}/{d0})·({w}/{w0})²·({r}/{r0})² = "
            f"**{_fmt_num(factor, DECIMALS['efficientnet'])}**. Without rounding it would be "
            f"(α·β²·γ²)^φ = {float(theory):.4f}^{phi} = {float(theory) ** phi:.2f}: the paper "
            f"picks α·β²·γ² ≈ 2 so that every step of φ about doubles the FLOPs.")


_BN_W = (-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0)


def _draw_bn_fold(rng):
    return {"weight": [rng.choice(_BN_W) for _ in range(3)],
            "bias": rng.choice((-1.0, -0.5, 0.0, 0.5, 1.0)),
            "gamma": rng.choice((0.5, 0.8, 1.0, 1.2, 1.5, 2.0)),
            "beta": rng.choice((-1.0, -0.5, 0.0, 0.1, 0.5, 1.0)),
            "mean": rng.choice((-1.0, -0.5, 0.0, 0.2, 0.5, 1.0, 2.0)),
            "var": rng.choice((0.25, 0.5, 1.0, 2.0, 4.0, 9.0)),
            "eps": rng.choice((1e-5, 1e-3))}


def _q_bn_fold(p):
    w = ", ".join(_g(x) for x in p["weight"])
    return (f"A 1×1 convolution with 3 input channels and 1 output channel has weights "
            f"w = ({w}) and bias b = {_g(p['bias'])}. A BatchNorm layer follows, in eval mode, "
            f"with γ = {_g(p['gamma'])}, β = {_g(p['beta'])}, running mean μ = {_g(p['mean'])}, "
            f"running variance σ² = {_g(p['var'])} and ε = {_g(p['eps'])}.\n\n"
            f"- (a) At test time BatchNorm is an affine map y = a·z + c. What are a and c?\n"
            f"- (b) Fold it into the convolution: what are the new weights w′ and bias b′?\n\n"
            f"Answer as `a, c, w′1, w′2, w′3, b′` (each to {DECIMALS['bn_fold']} decimals).")


def _s_bn_fold(p, ans):
    nd = DECIMALS["bn_fold"]
    a, c, w1, w2, w3, b = (_r(v, nd) for v in ans)
    return (f"At test time μ and σ² are fixed, so y = γ·(z − μ)/√(σ² + ε) + β = a·z + c with\n\n"
            f"- a = γ/√(σ² + ε) = {_g(p['gamma'])}/√({_g(p['var'])} + {_g(p['eps'])}) = "
            f"**{a}**\n"
            f"- c = β − μ·a = {_g(p['beta'])} − {_p(_g(p['mean']))}·{a} = **{c}**\n\n"
            f"Since z = w·x + b, y = (a·w)·x + (a·b + c): scale the weights and fix the bias.\n\n"
            f"- w′ = a·w = (**{w1}**, **{w2}**, **{w3}**)\n"
            f"- b′ = a·b + c = {a}·{_p(_g(p['bias']))} + {_p(c)} = **{b}**")


def _draw_filter_fit(rng):
    want_fit = rng.random() < 0.5
    while True:
        size = rng.choice((5, 7, 9, 11, 13, 14, 27, 28, 32, 55, 56, 224, 227))
        kernel = rng.choice((3, 3, 5, 7, 11))
        stride = rng.choice((2, 2, 3, 3, 4))
        padding = rng.choice(sorted({0, 1, 2, kernel // 2}))
        if kernel < size and padding <= kernel // 2 and _fits(size, kernel, stride, padding) \
                == want_fit:
            return {"in_size": size, "kernel": kernel, "stride": stride, "padding": padding}


def _q_filter_fit(p):
    n, k = p["in_size"], p["kernel"]
    return (f"Input **{n}×{n}**, filter **{k}×{k}**, stride **{p['stride']}**, padding "
            f"**{p['padding']}**. Does the filter fit, i.e. do its positions tile the padded "
            f"input exactly? If yes, give the output size; if not, answer `no`.")


def _s_filter_fit(p, ans):
    n, k, s, pad = p["in_size"], p["kernel"], p["stride"], p["padding"]
    value = Fraction(n - k + 2 * pad, s) + 1
    head = f"(N − F + 2P)/S + 1 = ({n} − {k} + 2·{pad})/{s} + 1 = {n - k + 2 * pad}/{s} + 1 = "
    if ans == "no":
        return (head + f"{float(value):.2f}, not an integer: the filter **does not fit**. "
                f"(PyTorch would silently floor it to {math.floor(value)} and ignore the last "
                f"{(n + 2 * pad - k) % s} row(s) and column(s) of the padded input.)")
    return head + f"**{ans}**, an integer: the filter fits, and the output is {ans}×{ans}."


_KIND_LIST = [
    _Kind("conv_output", "Output volume of a conv layer",
          "output volume (C, H, W) after a convolution layer",
          _draw_conv, _q_conv_output, _s_conv_output,
          "Output size = (N − F + 2P)/S + 1; the depth C equals the number of filters; "
          "answer C, H, W (channels first).",
          trivial=_keeps_the_volume, volume=True),
    _Kind("pool_output", "Output volume of a pooling layer",
          "output volume after a max or average pooling layer",
          _draw_pool, _q_pool_output, _s_pool_output,
          "Pooling uses (N − F + 2P)/S + 1 too, and acts on each channel separately; "
          "answer C, H, W (channels first).",
          trivial=_keeps_the_volume, volume=True),
    _Kind("conv_params", "Parameters of a conv layer",
          "parameters of a convolution layer with and without biases",
          _draw_conv_params, _q_conv_params, _s_conv_params,
          "Weights: F·F·C_in per filter, times the number of filters; one bias per filter.",
          lambda p: "parameters"),
    _Kind("conv_macs", "MACs of a conv layer",
          "multiply-accumulates of a convolution layer for one image",
          _draw_conv, _q_conv_macs, _s_conv_macs,
          "MACs = (number of output numbers) × (F·F·C_in MACs for each).",
          lambda p: "MACs"),
    _Kind("activation_memory", "Activation memory",
          "float32 memory of a layer's output, in KB or MB",
          _draw_activation_memory, _q_activation_memory, _s_activation_memory,
          "Memory = C'·H'·W' numbers × 4 bytes (× batch size); 1 KB = 1024 bytes.",
          lambda p: p["memory_unit"]),
    _Kind("receptive_field", "Effective receptive field",
          "effective receptive field of stacked convolutions (with strides)",
          _draw_receptive_field, _q_receptive_field, _s_receptive_field,
          "Each layer adds (k − 1) × (product of the strides before it) to the receptive field."),
    _Kind("inception_cost", "Naive vs bottleneck Inception",
          "MACs of a naive Inception module vs one with 1×1 bottlenecks",
          _draw_inception, _q_inception, _s_inception,
          "Each conv costs C_out·H'·W'·C_in·k·k; a 1×1 bottleneck shrinks C_in of the big convs.",
          lambda p: "MACs"),
    _Kind("resnet_block", "Basic vs bottleneck residual block",
          "parameters or MACs of a basic vs a bottleneck ResNet block",
          _draw_resnet, _q_resnet, _s_resnet,
          "Add up the convolutions: k·k·C_in·C_out each (× H·W for MACs).",
          lambda p: "parameters" if p["quantity"] == "params" else "MACs"),
    _Kind("which_layer", "Which layer costs the most?",
          "which layer of a small network holds the most memory, parameters or compute",
          _draw_network, _q_network, _s_network,
          "Make a table: output shape, parameters and MACs of every layer, then compare."),
    _Kind("depthwise_separable", "Depthwise-separable savings",
          "standard vs depthwise-separable convolution cost and the saving factor",
          _draw_depthwise, _q_depthwise, _s_depthwise,
          "Depthwise: k·k·C_in (one filter per channel); pointwise: C_in·C_out."),
    _Kind("grouped_conv", "Grouped convolution parameters",
          "parameters of a grouped convolution vs an ungrouped one",
          _draw_grouped, _q_grouped, _s_grouped,
          "With g groups each filter sees only C_in/g input channels.",
          lambda p: "parameters"),
    _Kind("efficientnet", "EfficientNet compound scaling",
          "EfficientNet compound scaling (α = 1.2, β = 1.1, γ = 1.15) for a given φ",
          _draw_efficientnet, _q_efficientnet, _s_efficientnet,
          "MACs grow linearly with depth and quadratically with width and with resolution."),
    _Kind("bn_fold", "Folding BatchNorm into a conv",
          "BatchNorm at test time as an affine map, folded into the preceding convolution",
          _draw_bn_fold, _q_bn_fold, _s_bn_fold,
          "a = γ/√(σ² + ε), c = β − μ·a; then w′ = a·w and b′ = a·b + c.",
          trivial=_fold_changes_nothing),
    _Kind("filter_fit", "Does this filter fit?",
          "whether a filter tiles the input exactly, e.g. (7 − 3)/3 + 1 = 2.33 does not",
          _draw_filter_fit, _q_filter_fit, _s_filter_fit,
          "Compute (N − F + 2P)/S + 1: it must be a whole number."),
]
_KINDS = {k.name: k for k in _KIND_LIST}
assert tuple(_KINDS) == reference.REFERENCE_KINDS

#: Available kinds with one-line descriptions.
KINDS: dict[str, str] = {k.name: k.description for k in _KIND_LIST}


# ----------------------------------------------------------------------------- generation
def _same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b)))
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return a == b and type(a) is type(b)


def is_trivial(kind: str, params: dict, answer: Any) -> bool:
    """Whether a ``kind`` problem's ``answer`` merely repeats what its question gives (an output
    volume equal to the input volume, a BatchNorm fold that changes nothing). Such draws are
    thrown away; no kind is about exactly that."""
    return _KINDS[kind].trivial(params, answer)


def make_problem(kind: str, rng: random.Random) -> Problem:
    """Draw one ``kind`` problem from ``rng``, keeping only draws whose formula answer and torch
    answer agree and that are not trivial (:func:`is_trivial`)."""
    spec = _KINDS[kind]
    for _ in range(_MAX_DRAWS):
        params = spec.draw(rng)
        try:
            by_formula = reference.solve(kind, params, arith=arithmetic)
            by_torch = oracle.derive(kind, params)
        except ValueError:  # an impossible setup slipped through: draw again
            continue
        if not _same(by_formula, by_torch) or spec.trivial(params, by_formula):
            continue
        return Problem(kind=kind, title=spec.title, question=spec.question(params),
                       params=params, answer=by_formula, solution=spec.solution(params, by_formula),
                       unit=spec.unit(params), hint=spec.hint, decimals=DECIMALS.get(kind),
                       volume=spec.volume)
    raise RuntimeError(f"could not draw a consistent, non-trivial {kind!r} problem in "
                       f"{_MAX_DRAWS} tries; this is a bug in cnnlib.practice")


def _validate(seed: Any, n: Any, kinds: Any) -> list[str]:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed must be a non-negative integer, got {seed!r} "
                         f"({type(seed).__name__}); e.g. generate(seed=7)")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 1 <= n <= MAX_PROBLEMS:
        raise ValueError(f"n must be an integer from 1 to {MAX_PROBLEMS}, got {n!r}; "
                         f"for more problems, use several seeds")
    if kinds is None:
        return list(_KINDS)
    if isinstance(kinds, str) or not isinstance(kinds, (list, tuple)):
        raise ValueError(f"kinds must be a list of kind names such as ['conv_output'], got "
                         f"{kinds!r}; see cnnlib.practice.KINDS")
    if not kinds:
        raise ValueError("kinds is empty: leave it out (None) for all kinds, or name some of "
                         f"{', '.join(_KINDS)}")
    unknown = [k for k in kinds if k not in _KINDS]
    if unknown:
        raise ValueError(f"unknown problem kind(s) {unknown}; known kinds: {', '.join(_KINDS)}")
    return list(dict.fromkeys(kinds))


def generate(seed: int, n: int = 10, kinds: list[str] | None = None) -> list[Problem]:
    """``n`` practice problems, the same for the same ``seed`` (and ``kinds``).

    Kinds are dealt like cards: every kind once (in a seed-dependent order) before any repeats.
    ``kinds`` restricts the set to some of :data:`KINDS`.
    """
    names = _validate(seed, n, kinds)
    deal_rng = random.Random(f"cnnlib.practice/{int(seed)}/deal")
    order: list[str] = []
    while len(order) < n:
        deck = names[:]
        deal_rng.shuffle(deck)
        order.extend(deck)
    return [make_problem(kind, random.Random(f"cnnlib.practice/{int(seed)}/{i}/{kind}"))
            for i, kind in enumerate(order[:n])]


def fingerprint(problems: list[Problem]) -> str:
    """A short hash of a problem set (its kinds, params and answers), to detect a set that a
    different cnnlib version would generate differently."""
    payload = json.dumps([[p.kind, p.params, p.to_dict()["answer"]] for p in problems],
                         sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def solve(kind: str, params: dict) -> Any:
    """The answer of a ``kind`` problem from its ``params`` (closed-form, with cnnlib.arithmetic)."""
    if kind not in _KINDS:
        raise ValueError(f"unknown problem kind {kind!r}; known kinds: {', '.join(_KINDS)}")
    return reference.solve(kind, params, arith=arithmetic)

