"""Tests for cnnlib.practice: determinism, torch re-derivation, rendering, nbgrader assignment.

The property test re-derives every answer with its own real torch layers, independently of
cnnlib.practice.oracle: shapes from layers on the meta device, parameters from their tensors,
MACs from PyTorch's FlopCounterMode, receptive fields from impulse responses, BatchNorm folding
by running the folded convolution. PRACTICE_EXAMPLES (default 150 seeds x 14 kinds = 2100
problems) sets how many seeds hypothesis draws.
"""
from __future__ import annotations

import ast
import copy
import dataclasses
import html
import math
import os
import random
import re
import shutil
from fractions import Fraction
from pathlib import Path

import nbformat
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import cnnlib.practice as practice
from cnnlib.practice import KINDS, Problem, answers_match, check, generate, reference
from cnnlib.practice import problems as problems_module
from cnnlib.practice.__main__ import main as cli_main
from cnnlib.practice.assignment import TASKS, build_notebook
from cnnlib.practice.render import (_CONVENTIONS, answer_key_html, exam_html, html_to_pdf,
                                    markdown_to_html, render_set, student_notebook)

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = ROOT / "solutions" / "practice" / "practice.ipynb"
META = torch.device("meta")
EXAMPLES = int(os.environ.get("PRACTICE_EXAMPLES", "150"))


# ----------------------------------------------------------------------------- torch re-derivation
def _flop_macs(module: nn.Module, x_shape) -> int:
    with FlopCounterMode(display=False) as counter:
        module(torch.empty(x_shape, device=META))
    return counter.get_total_flops() // 2


def _n_params(module: nn.Module) -> int:
    return sum(t.numel() for t in module.parameters())


def _conv(p, bias=True) -> nn.Conv2d:
    return nn.Conv2d(p["in_channels"], p["out_channels"], p["kernel"], p["stride"],
                     p["padding"], bias=bias, device=META)


def _x(p, key="in_channels", batch=1):
    return (batch, p[key], p["in_size"], p["in_size"])


def _assert_tiles(size, kernel, stride, padding):
    """A problem must never describe a layer that does not tile its input."""
    assert (size + 2 * padding - kernel) % stride == 0 and size + 2 * padding >= kernel


def _same(c_in, c_out, k, groups=1):
    return nn.Conv2d(c_in, c_out, k, 1, (k - 1) // 2, groups=groups, bias=False, device=META)


def _impulse_receptive_field(layers) -> int:
    # Feed every one-hot input at once (a batch of impulses) through an all-ones Conv1d stack;
    # the impulses that reach output 0 are its receptive field (square kernels separate).
    stack = nn.Sequential(*[nn.Conv1d(1, 1, k, s, bias=False) for k, s in layers]).double()
    for conv in stack:
        nn.init.ones_(conv.weight)
    length = 1 + sum(k * math.prod(s for _, s in layers[:i]) for i, (k, _) in enumerate(layers))
    with torch.no_grad():
        out = stack(torch.eye(length, dtype=torch.float64).unsqueeze(1))[:, 0, 0]
    hits = torch.nonzero(out).flatten()
    return int(hits.max() - hits.min() + 1)


def _torch_answer(p: Problem):
    """The answer of ``p`` measured on torch layers built here."""
    q, kind = p.params, p.kind
    if kind in ("conv_output", "conv_macs", "activation_memory", "conv_params"):
        _assert_tiles(q["in_size"], q["kernel"], q["stride"], q["padding"])
        conv = _conv(q)
        if kind == "conv_params":
            return (_n_params(conv), _n_params(_conv(q, bias=False)))
        if kind == "conv_macs":
            return _flop_macs(conv, _x(q))
        out = conv(torch.empty(_x(q, batch=q.get("batch_size", 1)), device=META))
        if kind == "conv_output":
            return tuple(out.shape[1:])  # (C, H, W), channels first
        scale = {"KB": 1024, "MB": 1024 ** 2}[q["memory_unit"]]
        return round(out.numel() * out.element_size() / scale, 3)
    if kind == "pool_output":
        _assert_tiles(q["in_size"], q["kernel"], q["stride"], q["padding"])
        pool = (nn.MaxPool2d if q["pool"] == "max" else nn.AvgPool2d)(q["kernel"], q["stride"],
                                                                      q["padding"])
        out = pool(torch.empty(_x(q, "channels"), device=META))
        return tuple(out.shape[1:])
    if kind == "filter_fit":
        with torch.no_grad():
            out = nn.Conv2d(1, 1, q["kernel"], q["stride"], q["padding"])(
                torch.zeros(1, 1, q["in_size"], q["in_size"])).shape[-1]
        used = (out - 1) * q["stride"] + q["kernel"]  # padded pixels the windows cover
        return out if used == q["in_size"] + 2 * q["padding"] else "no"
    if kind == "receptive_field":
        return _impulse_receptive_field([tuple(layer) for layer in q["layers"]])
    if kind == "inception_cost":
        c, s = q["in_channels"], q["in_size"]
        naive = [_same(c, q["c1"], 1), _same(c, q["c3"], 3), _same(c, q["c5"], 5),
                 nn.MaxPool2d(3, 1, 1)]
        bott = [_same(c, q["c1"], 1), nn.Sequential(_same(c, q["r3"], 1), _same(q["r3"], q["c3"], 3)),
                nn.Sequential(_same(c, q["r5"], 1), _same(q["r5"], q["c5"], 5)),
                nn.Sequential(nn.MaxPool2d(3, 1, 1), _same(c, q["pool_proj"], 1))]
        return tuple(sum(_flop_macs(b, (1, c, s, s)) for b in branches)
                     for branches in (naive, bott))
    if kind == "resnet_block":
        c, s = q["channels"], q["in_size"]
        basic = nn.Sequential(_same(c, c, 3), _same(c, c, 3))
        bott = nn.Sequential(_same(4 * c, c, 1), _same(c, c, 3), _same(c, 4 * c, 1))
        if q["quantity"] == "params":
            return (_n_params(basic), _n_params(bott))
        return (_flop_macs(basic, (1, c, s, s)), _flop_macs(bott, (1, 4 * c, s, s)))
    if kind == "depthwise_separable":
        ci, co, k, s = q["in_channels"], q["out_channels"], q["kernel"], q["in_size"]
        std, sep = _same(ci, co, k), nn.Sequential(_same(ci, ci, k, groups=ci), _same(ci, co, 1))
        if q["quantity"] == "params":
            a, b = _n_params(std), _n_params(sep)
        else:
            a, b = _flop_macs(std, (1, ci, s, s)), _flop_macs(sep, (1, ci, s, s))
        return (a, b, round(a / b, 2))
    if kind == "grouped_conv":
        mk = lambda g: nn.Conv2d(q["in_channels"], q["out_channels"], q["kernel"], groups=g,  # noqa
                                 bias=q["bias"], device=META)
        return (_n_params(mk(q["groups"])), _n_params(mk(1)))
    if kind == "which_layer":
        return _which_layer_torch(q)
    if kind == "efficientnet":
        d, w, r, _ = p.answer
        d0, w0, r0 = q["base_depth"], q["base_width"], q["base_resolution"]
        stage = lambda dd, ww, rr: _flop_macs(  # noqa: E731
            nn.Sequential(*[_same(ww, ww, 3) for _ in range(dd)]), (1, ww, rr, rr))
        return (d, w, r, round(stage(d, w, r) / stage(d0, w0, r0), 2))
    if kind == "bn_fold":
        return p.answer  # checked functionally in _check_bn_fold
    raise AssertionError(f"no torch check for {kind}")


def _which_layer_torch(q):
    layers, c = [], q["in_channels"]
    flat = False
    for layer in q["layers"]:
        if layer["type"] == "conv":
            layers.append((layer["name"], nn.Conv2d(c, layer["out_channels"], layer["kernel"],
                                                    layer["stride"], layer["padding"],
                                                    device=META)))
            c = layer["out_channels"]
        elif layer["type"] in ("maxpool", "avgpool"):
            cls = nn.MaxPool2d if layer["type"] == "maxpool" else nn.AvgPool2d
            layers.append((layer["name"], cls(layer["kernel"], layer["stride"])))
        else:
            if not flat:
                layers.append(("flatten", nn.Flatten()))
                flat = True
            layers.append((layer["name"], layer["out_features"]))  # built once n_in is known
    x = torch.empty(1, q["in_channels"], q["input_size"], q["input_size"], device=META)
    memory, values = {}, {}
    for name, module in layers:  # run layer by layer so each one is measured on its own
        if isinstance(module, nn.Conv2d):
            _assert_tiles(x.shape[-1], module.kernel_size[0], module.stride[0], module.padding[0])
        if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
            _assert_tiles(x.shape[-1], module.kernel_size, module.stride, 0)
        if isinstance(module, int):
            module = nn.Linear(x.shape[1], module, device=META)
        with FlopCounterMode(display=False) as counter:
            y = module(x)
        if name != "flatten":
            memory[name] = y.numel() * y.element_size()
            values[name] = {"memory": memory[name], "params": _n_params(module),
                            "macs": counter.get_total_flops() // 2}[q["quantity"]]
        x = y
    best = max(values.values())
    winners = [n for n, v in values.items() if v == best]
    assert len(winners) == 1, f"tie in a which-layer problem: {values}"
    return winners[0]


def _check_bn_fold(p: Problem):
    q = p.params
    a, c, *w, b = p.answer
    conv = nn.Conv2d(3, 1, 1).double()
    bn = nn.BatchNorm2d(1, eps=q["eps"]).double().eval()
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(q["weight"], dtype=torch.float64).view(1, 3, 1, 1))
        conv.bias.fill_(q["bias"])
        bn.weight.fill_(q["gamma"]), bn.bias.fill_(q["beta"])
        bn.running_mean.fill_(q["mean"]), bn.running_var.fill_(q["var"])
        x = torch.randn(4, 3, 5, 5, dtype=torch.float64)
        folded = nn.functional.conv2d(x, torch.tensor(w, dtype=torch.float64).view(1, 3, 1, 1),
                                      torch.tensor([b], dtype=torch.float64))
        z = conv(x)
        # answers are rounded to 4 decimals, so allow for that rounding, scaled by the input
        assert torch.allclose(bn(z), a * z + c, atol=1e-4 * (1 + z.abs().max()))
        assert torch.allclose(folded, bn(z), atol=2e-4 * (1 + x.abs().sum(1).max()))


def _check_efficientnet_rounding(p: Problem):
    q = p.params
    d, w, r, _ = p.answer
    phi = q["phi"]
    depth = q["base_depth"] * Fraction(str(q["alpha"])) ** phi
    width = q["base_width"] * Fraction(str(q["beta"])) ** phi
    res = q["base_resolution"] * Fraction(str(q["gamma"])) ** phi
    assert d - 1 < depth <= d                      # rounded up
    assert w % 8 == 0 and w >= 8
    assert abs(w - width) <= 4 or (w - 8 < Fraction(9, 10) * width)  # nearest, or bumped by 8
    assert abs(r - res) <= Fraction(1, 2)          # nearest integer


_CHANNELS = range(3, 1025)
_SIZES = {5, 7, 9, 11, 13, 14, 27, 28, 32, 55, 56, 64, 96, 112, 128, 224, 227}


def _check_realistic(p: Problem):
    q = p.params
    for key in ("in_channels", "out_channels", "channels"):
        if key in q:
            assert q[key] in _CHANNELS, (key, q)
    if "kernel" in q:
        assert q["kernel"] in ((2, 3) if p.kind == "pool_output" else (1, 3, 5, 7, 11))
    if "in_size" in q:
        assert q["in_size"] in _SIZES
    if "stride" in q and p.kind != "filter_fit":
        assert q["stride"] in (1, 2, 4)
    if p.kind == "filter_fit":
        assert q["stride"] in (2, 3, 4) and q["padding"] <= q["kernel"] // 2


# ----------------------------------------------------------------------------- generation
def test_kinds_are_described_and_all_implemented():
    assert len(KINDS) >= 14
    assert set(KINDS) == set(reference.REFERENCE_KINDS)
    assert all(isinstance(d, str) and d for d in KINDS.values())


def test_same_seed_same_set_and_other_seeds_other_numbers():
    a, b = generate(11, 14), generate(11, 14)
    assert a == b and practice.fingerprint(a) == practice.fingerprint(b)
    sets = [generate(seed, 14) for seed in range(6)]
    assert len({practice.fingerprint(s) for s in sets}) == 6
    for kind in KINDS:  # every kind varies its numbers across seeds
        params = [repr(p.params) for s in sets for p in s if p.kind == kind]
        assert len(set(params)) >= 3, (kind, params)


def test_kinds_are_dealt_evenly_and_can_be_restricted():
    problems = generate(3, 2 * len(KINDS))
    assert sorted(p.kind for p in problems) == sorted(list(KINDS) * 2)
    only = generate(3, 5, kinds=["conv_macs", "filter_fit"])
    assert {p.kind for p in only} == {"conv_macs", "filter_fit"}
    assert len(generate(3, 1)) == 1


@pytest.mark.parametrize("kwargs, match", [
    (dict(seed=-1), "non-negative"),
    (dict(seed=1.5), "non-negative integer"),
    (dict(seed="3"), "non-negative integer"),
    (dict(seed=True), "non-negative integer"),
    (dict(seed=1, n=0), "n must be"),
    (dict(seed=1, n=-3), "n must be"),
    (dict(seed=1, n=2.0), "n must be"),
    (dict(seed=1, n=practice.MAX_PROBLEMS + 1), "several seeds"),
    (dict(seed=1, kinds=["conv_output", "nope"]), "unknown problem kind"),
    (dict(seed=1, kinds=[]), "empty"),
    (dict(seed=1, kinds="conv_output"), "list of kind names"),
])
def test_bad_arguments_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        generate(**kwargs)


def test_unknown_kind_in_solvers_raises_value_error():
    with pytest.raises(ValueError, match="unknown problem kind"):
        practice.solve("nope", {})
    with pytest.raises(ValueError, match="unknown problem kind"):
        reference.solve("nope", {})


def test_lecture_numbers():
    # The lectures' examples, as problems: AlexNet conv1 and the Inception module on 256x28x28.
    alexnet = {"in_size": 227, "in_channels": 3, "out_channels": 96, "kernel": 11, "stride": 4,
               "padding": 0}
    assert practice.solve("conv_output", alexnet) == (96, 55, 55)  # (C, H, W)
    assert practice.solve("conv_params", alexnet) == (34944, 34848)  # "35K"
    inception = {"in_size": 28, "in_channels": 256, "c1": 128, "r3": 64, "c3": 192, "r5": 64,
                 "c5": 96, "pool_proj": 64}
    naive, bottleneck = practice.solve("inception_cost", inception)
    assert answers_match(naive, "854M ops")
    # The slide totals the bottleneck version as 358M, but its own six terms add up to 271M.
    assert bottleneck == 3 * 28 * 28 * 64 * 256 + 28 * 28 * 128 * 256 + 28 * 28 * 192 * 9 * 64 \
        + 28 * 28 * 96 * 25 * 64
    assert answers_match(bottleneck, "271M") and not answers_match(bottleneck, "358M")
    assert practice.solve("filter_fit", {"in_size": 7, "kernel": 3, "stride": 3, "padding": 0}) \
        == "no"  # (7 - 3) / 3 + 1 = 2.33
    assert practice.solve("receptive_field", {"layers": [[3, 1]] * 3}) == 7


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(seed=st.integers(min_value=0, max_value=2 ** 40))
def test_every_answer_rederived_with_torch(seed):
    for p in generate(seed, len(KINDS)):
        _check_realistic(p)
        assert reference.matches(reference.solve(p.kind, p.params), p.answer), p
        assert _torch_answer(p) == p.answer, (p.kind, p.params, p.answer)
        if p.kind == "bn_fold":
            _check_bn_fold(p)
        if p.kind == "efficientnet":
            _check_efficientnet_rounding(p)
        assert check(p, p.answer_text), (p.kind, p.answer_text)
        assert p.question and p.solution and p.hint and "**" in p.solution
        assert not _repeats_the_question(p), (p.kind, p.params, p.answer)


# ----------------------------------------------------------------------------- answer checking
@pytest.mark.parametrize("expected, response, ok", [
    ((96, 55, 55), "96, 55, 55", True),
    ((96, 55, 55), "96x55x55", True),
    ((96, 55, 55), "96 × 55 × 55", True),
    ((96, 55, 55), "55, 55, 96", False),  # H, W, C: the right numbers in the wrong order
    ((96, 55, 55), "96, 56, 55", False),
    ((96, 55, 55), "96, 55", False),
    ((34944, 34848), "34,944; 34,848", True),
    ((34944, 34848), "35K, 34.8K", True),
    ((34944, 34848), "34848; 34944", False),
    (853991424, "854M", True),
    (853991424, "854 million MACs", True),
    (853991424, "860M", False),
    (853991424, "853M", True),
    (853991424, "1G", False),
    (853991424, "0.854e9", True),
    (34944, "34,945", False),
    (34944, "34,900", True),
    (34944, "34,800", False),
    (1134.375, "1134.4 KB", True),
    (1134.375, "1134.375", True),
    (1134.375, "1100", False),
    (0.6666, "0.67", True),
    (0.6666, "0.7", False),
    (55, "55", True),
    (55, "54.9", False),
    (55, "no", False),
    ("no", "No, it does not fit", True),
    ("no", "no: (7 - 3)/3 + 1 = 2.33", True),
    ("no", "does not fit", True),
    ("no", "no", True),
    ("no", "2.33", False),
    ("conv3", "Conv 3", True),
    ("conv3", "conv2", False),
    ((128, 256), "128,256", True),
])
def test_answers_match(expected, response, ok):
    assert answers_match(expected, response) is ok


def test_check_gives_hint_when_wrong():
    p = generate(0, 1, kinds=["conv_output"])[0]
    right, wrong = check(p, p.answer_text), check(p, "1, 2")
    assert right and "Correct" in repr(right)
    assert not wrong and p.hint in repr(wrong) and "Expected 3 numbers" in repr(wrong)
    assert wrong.hint == p.hint and right.hint == ""
    assert not check(p, "")


def test_self_check_widget_marks_answers_and_shows_solution():
    p = generate(0, 1, kinds=["inception_cost"])[0]
    form = practice.self_check(p)
    (box, _, reveal), feedback, solution = form.children[0].children, *form.children[1:]
    box.value = "1; 2"
    assert "Hint" in feedback.value
    box.value = p.answer_text
    assert "Correct" in feedback.value
    reveal.value = True
    assert html.escape(p.answer_text) in solution.value


def test_self_check_without_ipywidgets_points_to_check(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # makes the import fail
    note = practice.self_check(generate(0, 1)[0], label="problems[0]")
    assert 'check(problems[0], "your answer")' in repr(note)


def test_problems_serialize_to_json():
    import json

    for p in generate(6, len(KINDS)):
        assert json.loads(json.dumps(p.to_dict()))["kind"] == p.kind


# ----------------------------------------------------------------------------- volumes: C×H×W
VOLUME_KINDS = ("conv_output", "pool_output")
# "H×W×C", "H, W, C", "(H, W, C)", "H x W x C": the channels-last order, spelled out
_CHANNELS_LAST_WORDS = re.compile(r"\bH\s*[×x,]\s*W\s*[×x,]\s*C\b")
# a square volume such as 55×55×96 (H×W×C); channels first it reads 96×55×55
_NUMBERS_3 = re.compile(r"\b(\d+)\s*×\s*(\d+)\s*×\s*(\d+)\b")


def _channels_last_volumes(text: str) -> list[str]:
    return [m.group(0) for m in _NUMBERS_3.finditer(text)
            if m.group(1) == m.group(2) != m.group(3)]


def _all_practice_texts() -> dict[str, str]:
    """Every text a student or a grader reads: problems, keys, notebooks, the assignment."""
    problems = [p for seed in range(4) for p in generate(seed, 2 * len(KINDS))]
    texts = {f"{p.kind} #{i}": "\n".join((p.question, p.solution, p.hint, p.answer_text))
             for i, p in enumerate(problems)}
    texts["conventions"] = _CONVENTIONS
    texts["kind descriptions"] = "\n".join(KINDS.values())
    texts["exam"] = exam_html(problems[:14], 0)
    texts["key"] = answer_key_html(problems[:14], 0)
    texts["notebook"] = "\n".join(c.source for c in student_notebook(problems[:14], 0).cells)
    texts["assignment"] = "\n".join(c.source for c in build_notebook().cells)
    return texts


def test_volumes_are_written_channels_first_everywhere():
    for where, text in _all_practice_texts().items():
        assert not _CHANNELS_LAST_WORDS.search(text), (where, _CHANNELS_LAST_WORDS.search(text))
        assert not _channels_last_volumes(text), (where, _channels_last_volumes(text))
    assert "C×H×W" in _CONVENTIONS and "channels first" in _CONVENTIONS


@pytest.mark.parametrize("kind", VOLUME_KINDS)
def test_volume_answers_are_c_h_w(kind):
    for p in generate(1, 30, [kind]):
        q = p.params
        channels_in = q.get("in_channels", q.get("channels"))
        channels_out = q.get("out_channels", q.get("channels"))
        c, h, w = p.answer
        assert (c, h) == (channels_out, w) and p.volume
        assert f"**{channels_in}×{q['in_size']}×{q['in_size']}**" in p.question
        assert "Answer as `C, H, W`" in p.question
        assert p.answer_text == f"{c}, {h}, {w}" and f"**{c}×{h}×{w}**" in p.solution


def _volume_problems() -> list[Problem]:
    """Conv and pool problems whose depth differs from their size (so the order shows)."""
    return [p for kind in VOLUME_KINDS for p in generate(2, 10, [kind])
            if p.answer[0] != p.answer[1]]


def test_channels_last_answer_is_wrong_with_a_hint_naming_the_convention():
    for p in _volume_problems():
        c, h, w = p.answer
        for response in (f"{h}, {w}, {c}", f"{h}x{w}x{c}", f"{h} × {w} × {c}", f"{h}, {c}, {w}"):
            result = check(p, response)
            assert not result, (p.params, response)
            assert "C×H×W" in result.hint and "channels first" in result.hint
            assert "wrong order" in repr(result) and result.hint in repr(result)
            assert result.hint in html.unescape(result._repr_html_())
            assert p.hint not in repr(result)  # the order is the mistake, not the formula
        assert check(p, f"{c}, {h}, {w}") and check(p, f"{c}x{h}x{w}")
        other = check(p, f"{c + 1}, {h}, {w}")  # wrong numbers: the problem's own hint
        assert not other and other.hint == p.hint and "C×H×W" not in repr(other)


def test_other_tuples_in_another_order_get_the_problems_hint():
    p = generate(0, 1, kinds=["conv_params"])[0]
    with_bias, without = p.answer
    result = check(p, f"{without}; {with_bias}")
    assert not result and result.hint == p.hint and "C×H×W" not in repr(result)


def test_self_check_widget_shows_the_volume_order_hint():
    p = _volume_problems()[0]
    c, h, w = p.answer
    form = practice.self_check(p)
    box, feedback = form.children[0].children[0], form.children[1]
    box.value = f"{h}, {w}, {c}"
    assert "wrong order" in feedback.value and "channels first" in feedback.value


# ----------------------------------------------------------------------------- no trivial draws
def _repeats_the_question(p: Problem) -> bool:
    """Whether ``p``'s answer merely repeats what its question gives (defined here, apart from
    the generator's own rule)."""
    q, a = p.params, p.answer
    if p.kind in VOLUME_KINDS:
        c = q.get("in_channels", q.get("channels"))
        n = q["in_size"]
        return a in ((c, n, n), (n, n, c))
    if p.kind == "bn_fold":
        return list(a[2:]) == [*q["weight"], q["bias"]]  # folding changed nothing
    if p.kind == "filter_fit":
        return a == q["in_size"]
    if p.kind == "receptive_field":
        return a == max(k for k, _ in q["layers"])  # the stack sees no more than one layer
    if p.kind in ("grouped_conv", "inception_cost", "depthwise_separable"):
        return a[0] == a[1]  # the cheaper version costs the same
    if p.kind == "efficientnet":
        return a[:3] == (q["base_depth"], q["base_width"], q["base_resolution"]) or a[3] == 1
    return False


def test_the_issues_trivial_layers_are_trivial():
    pool = {"in_size": 28, "channels": 64, "kernel": 3, "stride": 1, "padding": 1, "pool": "max"}
    conv1x1 = {"in_size": 56, "in_channels": 256, "out_channels": 256, "kernel": 1, "stride": 1,
               "padding": 0}
    same3x3 = dict(conv1x1, kernel=3, padding=1)
    bn_identity = {"weight": [1.0, -0.5, 2.0], "bias": 0.5, "gamma": 2.0, "beta": 0.5,
                   "mean": 0.5, "var": 4.0, "eps": 1e-5}
    for kind, params in (("pool_output", pool), ("conv_output", conv1x1),
                         ("conv_output", same3x3), ("bn_fold", bn_identity)):
        assert practice.is_trivial(kind, params, practice.solve(kind, params)), (kind, params)
    for kind, params in (("pool_output", dict(pool, kernel=2, stride=2, padding=0)),
                         ("conv_output", dict(conv1x1, out_channels=64)),
                         ("conv_output", dict(same3x3, padding=0)),
                         ("bn_fold", dict(bn_identity, beta=0.0))):
        assert not practice.is_trivial(kind, params, practice.solve(kind, params)), (kind, params)


@pytest.mark.parametrize("kind, trivial, fine", [
    ("pool_output",
     {"in_size": 28, "channels": 64, "kernel": 3, "stride": 1, "padding": 1, "pool": "max"},
     {"in_size": 28, "channels": 64, "kernel": 2, "stride": 2, "padding": 0, "pool": "max"}),
    ("conv_output",
     {"in_size": 14, "in_channels": 96, "out_channels": 96, "kernel": 1, "stride": 1,
      "padding": 0},
     {"in_size": 14, "in_channels": 96, "out_channels": 192, "kernel": 1, "stride": 1,
      "padding": 0}),
])
def test_a_trivial_draw_is_redrawn(monkeypatch, kind, trivial, fine):
    draws = iter([trivial, fine])  # the draw offers the trivial layer first
    spec = dataclasses.replace(problems_module._KINDS[kind], draw=lambda rng: dict(next(draws)))
    monkeypatch.setitem(problems_module._KINDS, kind, spec)
    p = problems_module.make_problem(kind, random.Random(0))
    assert p.params == fine and not _repeats_the_question(p)


@settings(max_examples=max(EXAMPLES // 6, 10), deadline=None, derandomize=True)
@given(seed=st.integers(min_value=0, max_value=2 ** 40))
def test_no_drawn_problem_is_trivial(seed):
    # (test_every_answer_rederived_with_torch checks this on its seeds, too)
    for p in generate(seed, 2 * len(KINDS)):  # every kind twice
        assert not _repeats_the_question(p), (p.kind, p.params, p.answer)
        assert not practice.is_trivial(p.kind, p.params, p.answer)


# ----------------------------------------------------------------------------- rounding
_TEMPLATE = re.compile(r"Answer as `([^`]+)`")
_ASKED_DECIMALS = re.compile(r"(?:\b([\w′]+) )?to (\d+) decimals")


def _asked_decimals(question: str) -> list[int]:
    """The decimals the question asks for, item by item of its answer: ``(ratio to 2
    decimals)`` names one item of `standard; separable; ratio`, ``to 3 decimals`` or ``(each to
    4 decimals)`` all of them; items it does not name are whole numbers (0 decimals)."""
    template = _TEMPLATE.search(question)
    items = [i.strip() for i in re.split(r"[;,]", template.group(1))] if template else ["answer"]
    decimals = [0] * len(items)
    for m in _ASKED_DECIMALS.finditer(question):
        named, n = m.group(1), int(m.group(2))
        for i, item in enumerate(items):
            if named not in items or item == named:
                decimals[i] = n
    return decimals


def _shown_decimals(answer_text: str) -> list[int]:
    """Decimals of each item of a rendered answer (``17.98``: 2; ``34,944``: 0; ``no``: 0)."""
    items = answer_text.split("; ") if "; " in answer_text else answer_text.split(", ")
    shown = []
    for item in items:
        number = re.match(r"-?[\d,]*(?:\.(\d+))?", item)
        shown.append(len(number.group(1) or ""))
    return shown


def test_asked_decimals_parser():
    assert _asked_decimals("Answer as `standard; separable; ratio` (ratio to 2 decimals).") \
        == [0, 0, 2]
    assert _asked_decimals("Answer as `a, c, w′1, b′` (each to 4 decimals).") == [4] * 4
    assert _asked_decimals("Answer in KB (1 KB = 1024 bytes), to 3 decimals.") == [3]
    assert _asked_decimals("Answer as `C, H, W`.") == [0, 0, 0]
    assert _shown_decimals("1,134.500 KB") == [3] and _shown_decimals("34,944; 2.00") == [0, 2]


def test_format_answer_keeps_the_decimals_asked():
    assert practice.format_answer(0.5, 3) == "0.500"
    assert practice.format_answer((5, 184, 451, 27.0), 2) == "5, 184, 451, 27.00"
    assert practice.format_answer((204800, 11392, 17.98), 2) == "204,800; 11,392; 17.98"
    assert practice.format_answer(-0.00001, 4) == "0.0000"  # no "-0.0000"
    assert practice.format_answer(0.5) == "0.5"  # no decimals asked: as short as it is


@pytest.mark.parametrize("kind", list(KINDS))
def test_key_shows_the_decimals_the_question_asks_for(kind):
    problems = [p for seed in range(3) for p in generate(seed, 40, [kind])]
    key = answer_key_html(problems, 0)
    key_answers = [html.unescape(a) for a in
                   re.findall(r"<strong>Answer:</strong> (.*?)</div>", key)]
    assert len(key_answers) == len(problems)
    trailing_zero = False
    for p, shown in zip(problems, key_answers):
        asked = _asked_decimals(p.question)
        assert shown == p.answer_text
        assert _shown_decimals(shown) == asked, (kind, p.question, shown)
        items = shown.removesuffix(f" {p.unit}").split("; " if "; " in shown else ", ")
        for item, n in zip(items, asked):
            if n:  # the worked solution ends at the same rounded number, in bold
                assert f"**{item}" in p.solution, (kind, item, p.solution)
                trailing_zero |= item.endswith("0")
    if kind in ("activation_memory", "bn_fold"):  # both often end in 0: 9.000 KB, 0.5000
        assert trailing_zero, "a rounded number keeps its trailing zeros (9.000, not 9)"


# ----------------------------------------------------------------------------- rendering
def test_markdown_subset_to_html():
    out = markdown_to_html("A **b** `c<d`\nmore\n\n- x\n- y\n\n| h | i |\n|---|---|\n| 1 | 2 |")
    compact = re.sub(r">\n<", "><", out.strip()).replace("\n", " ")  # line breaks are layout
    assert compact == ("<p>A <strong>b</strong> <code>c&lt;d</code> more</p>"
                       "<ul><li>x</li><li>y</li></ul>"
                       "<table><thead><tr><th>h</th><th>i</th></tr></thead>"
                       "<tbody><tr><td>1</td><td>2</td></tr></tbody></table>")
    assert "&lt;script&gt;" in markdown_to_html("<script>alert(1)</script>")  # raw HTML escaped


def test_practice_modules_import_each_other_without_a_cycle():
    """Also the imports inside functions: no module of cnnlib.practice reaches itself again."""
    folder = Path(practice.__file__).parent
    names = {p.stem for p in folder.glob("*.py")} - {"__init__", "__main__"}
    graph: dict[str, set[str]] = {}
    for name in names:
        deps = set()
        for node in ast.walk(ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "cnnlib.practice":
                deps |= {a.name for a in node.names} & names
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cnnlib.practice."):
                deps.add(node.module.split(".")[2])
        graph[name] = deps

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        return any(d == target or (d not in seen and reaches(d, target, seen | {d}))
                   for d in graph[start])

    assert graph["problems"] and graph["render"] and graph["check"]  # the parser found imports
    assert [n for n in sorted(graph) if reaches(n, n, set())] == []


def test_render_set_writes_notebook_exam_and_key(tmp_path):
    result = render_set(5, 14, tmp_path, pdf=False)
    names = {f.name for f in result.files}
    assert names == {"practice_5.ipynb", "exam_5.html", "answer_key_5.html"}
    assert any("turned off" in s for s in result.skipped)

    nb = nbformat.read(tmp_path / "practice_5.ipynb", as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert sum("self_check(problems[" in c.source for c in code) == 14

    problems = generate(5, 14)
    exam = (tmp_path / "exam_5.html").read_text(encoding="utf-8")
    key = (tmp_path / "answer_key_5.html").read_text(encoding="utf-8")
    assert exam.count('class="answer-space"') == 14 and 'class="answer"' not in exam
    sections = re.findall(r'<section class="problem".*?</section>', exam, flags=re.S)
    assert len(sections) == 14
    for p, section in zip(problems, sections):
        question = markdown_to_html(p.question)
        assert question in section
        assert markdown_to_html(p.solution) not in exam and markdown_to_html(p.solution) in key
        assert f"<strong>Answer:</strong> {html.escape(p.answer_text)}</div>" in key
        answer = html.escape(practice.format_answer(p.answer))
        rest = re.sub(r"<h2>.*?</h2>", "", section).replace(question, "")
        if answer not in question:  # the answer is nowhere in this problem of the exam
            assert answer not in rest, (p.kind, answer)
    assert "mathjax" not in (exam + key).lower() and "@media print" in exam


def test_student_notebook_runs_and_checks(tmp_path):
    # Execute the notebook's code in-process (IPython syntax transformed), as a student would.
    from IPython.core.inputtransformer2 import TransformerManager

    problems = generate(2, 3)
    nb = student_notebook(problems, 2)
    ns: dict = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            exec(TransformerManager().transform_cell(cell.source), ns)
    assert ns["problems"] == problems
    assert check(ns["problems"][1], problems[1].answer_text)
    # a notebook written by another version of the generator refuses to run
    stale = copy.deepcopy(nb)
    setup = next(c for c in stale.cells if "fingerprint(problems) !=" in c.source)
    setup.source = re.sub(r"!= '[0-9a-f]+'", "!= 'deadbeef'", setup.source)
    with pytest.raises(RuntimeError, match="another version"):
        exec(setup.source, {})


def test_pdf_is_skipped_without_a_browser(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    (tmp_path / "a.html").write_text("<p>x</p>")
    why = html_to_pdf(tmp_path / "a.html", tmp_path / "a.pdf")
    assert "no headless browser" in why and not (tmp_path / "a.pdf").exists()
    result = render_set(1, 1, tmp_path / "set")
    assert {f.suffix for f in result.files} == {".ipynb", ".html"}
    assert len([s for s in result.skipped if "no headless browser" in s]) == 2


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_pdf_with_chromium(tmp_path):
    problems = generate(4, 2)
    (tmp_path / "e.html").write_text(exam_html(problems, 4), encoding="utf-8")
    assert html_to_pdf(tmp_path / "e.html", tmp_path / "e.pdf") is None
    assert (tmp_path / "e.pdf").read_bytes().startswith(b"%PDF")


def test_cli(tmp_path, capsys):
    assert cli_main(["--seed", "9", "--n", "2", "--out", str(tmp_path), "--no-pdf",
                     "--kinds", "conv_macs,filter_fit"]) == 0
    out = capsys.readouterr().out
    assert "exam_9.html" in out and "answer_key_9.html" in out and "skipped" in out
    assert cli_main(["--list-kinds"]) == 0
    assert "efficientnet" in capsys.readouterr().out
    for bad in (["--seed", "-1"], ["--n", "0"], ["--kinds", "nope"], ["--seed", "x"]):
        with pytest.raises(SystemExit) as err:
            cli_main(bad + ["--out", str(tmp_path / "bad")])
        assert err.value.code == 2
    assert "error" in capsys.readouterr().err


def test_answer_key_html_shows_every_answer():
    problems = generate(8, 3)
    key = answer_key_html(problems, 8)
    assert key.count('class="answer"') == 3 and key.startswith("<!DOCTYPE html>")


# ----------------------------------------------------------------------------- nbgrader assignment
def _assignment():
    return nbformat.read(ASSIGNMENT, as_version=4)


def test_assignment_is_current_and_valid_nbgrader():
    from nbgrader.nbgraderformat.v3 import MetadataValidatorV3

    nb = _assignment()
    fresh = build_notebook()
    assert [(c.cell_type, c.source, c.metadata) for c in nb.cells] == \
        [(c.cell_type, c.source, c.metadata) for c in fresh.cells], \
        "regenerate it: python -m cnnlib.practice.assignment"
    MetadataValidatorV3().validate_nb(nb)
    grades = [c for c in nb.cells if c.metadata["nbgrader"]["grade"]]
    solutions = [c for c in nb.cells if c.metadata["nbgrader"]["solution"]]
    assert len(grades) == len(solutions) == len(TASKS)
    assert all(c.metadata["nbgrader"]["points"] >= 1 for c in grades)
    assert all("### BEGIN SOLUTION" in c.source and "### END SOLUTION" in c.source
               for c in solutions)
    assert all("### BEGIN HIDDEN TESTS" in c.source and "### END HIDDEN TESTS" in c.source
               for c in grades)
    assert all(c.source.startswith("from cnnlib.course.checks import check\n") for c in grades)
    assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")


def test_assignment_test_cells_are_planned_by_the_judge():
    # Test code runs in the trusted judge: it names the student's calls only inside checks.
    from cnnlib.course.judge import plan_notebook

    plan = plan_notebook(_assignment())
    assert set(plan.cells) == {f"test_{t.function}" for t in TASKS}
    for cell in plan.cells.values():
        visible = [c for c in cell.checks if not c.hidden]
        assert len(visible) == 1 and len(cell.checks) > 1, cell.grade_id
        assert all(f"{cell.grade_id[len('test_'):]}(**{{" in c.expr for c in cell.checks)


def test_assignment_release_version_hides_solutions_and_hidden_tests():
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    nb, _ = ClearSolutions().preprocess(_assignment(), {})
    nb, _ = ClearHiddenTests().preprocess(nb, {})
    text = "\n".join(c.source for c in nb.cells)
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    assert text.count("raise NotImplementedError()") == len(TASKS)


def _run_in_process(nb, wrong: bool = False) -> dict[str, Exception | None]:
    """Run setup, solution and test cells here; with ``wrong``, every function's answer is
    perturbed. Returns each test cell's exception (None when it passed)."""
    ns: dict = {}
    results = {}
    for cell in nb.cells:
        meta = cell.metadata["nbgrader"]
        if cell.cell_type != "code" or meta["grade_id"].startswith("show_"):
            continue
        if meta["solution"] and wrong:
            exec(cell.source.rsplit("\n\n\n", 1)[0], ns)
            name = meta["grade_id"]
            ns[name] = _perturbed(ns[name])
            continue
        try:
            exec(cell.source, ns)
            results[meta["grade_id"]] = None
        except Exception as err:  # noqa: BLE001 - a failing test cell is the point
            results[meta["grade_id"]] = err
    return {k: v for k, v in results.items() if k.startswith("test_")}


def _perturbed(fn):
    def wrong(**kw):
        answer = fn(**kw)
        if isinstance(answer, tuple):
            return (answer[0] + 1, *answer[1:])
        return "yes" if isinstance(answer, str) else answer + 1
    return wrong


def test_assignment_tests_fail_for_wrong_answers():
    results = _run_in_process(_assignment(), wrong=True)
    assert len(results) == len(TASKS)
    from cnnlib.course.checks import CheckFailed

    assert all(isinstance(err, CheckFailed) for err in results.values()), results


def test_assignment_solution_passes_its_own_tests_with_nbclient():
    from nbclient import NotebookClient

    nb = _assignment()
    NotebookClient(nb, timeout=600, kernel_name="python3").execute()
    for cell in nb.cells:
        if cell.cell_type == "code":
            for out in cell.outputs:
                assert out.output_type != "error", out
                if cell.metadata["nbgrader"]["grade"]:
                    assert out.get("name") != "stderr", out
