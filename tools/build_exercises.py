"""Build the nbgrader *source* notebooks of the course exercises, one per chapter 0-12.

    python tools/build_exercises.py          # (re)write solutions/chNN_<topic>/chNN_<topic>.ipynb
    python tools/build_exercises.py --check  # exit 1 if a committed notebook differs from this file

The notebooks are generated so that they can be reviewed as code: every question is a markdown
cell, a solution cell and a graded test cell, written below as plain strings. Committed
notebooks carry no outputs; cell ids are derived from the nbgrader ``grade_id`` so the output is
deterministic and ``--check`` can compare byte for byte.

nbgrader format (schema 3)
--------------------------
* Markdown and setup cells are read-only (``locked``).
* Solution cells (``solution: true``) hold the student's code between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION``; ``nbgrader generate_assignment`` replaces that region with
  ``raise NotImplementedError()``. Numeric answers are variables assigned in solution cells.
* Test cells (``grade: true, locked: true, points > 0``) start with readable, visible asserts
  and end with a ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS`` block that checks exact
  values, other sizes, edge cases, the layer-by-layer structure (``cnnlib.summarize``: kind,
  parameter count and output shape of every layer with weights) and behaviour against the
  ``cnnlib`` reference with shared weights.

Tamper resistance (student code runs in the same kernel, before the test cells)
-------------------------------------------------------------------------------
A test cell passes only if *all* of it passes, so the hidden block is what has to be robust;
the visible asserts stay short and readable. The hidden block

1. recomputes every expected number inside the cell from literal constants (the formulas are
   written out there), never by calling a function from the notebook namespace;
2. imports what it needs afresh with ``importlib.import_module`` and takes builtins from the
   ``builtins`` module (``from builtins import len as _len``), so a student's global called
   ``len``, ``isinstance`` or ``ValueError`` does not shadow them;
3. checks types by identity against classes taken from literals (``(0).__class__`` is ``int``,
   ``(0).__class__.__class__`` is ``type``), so an object whose ``__eq__`` always says True, a
   ``bool`` for an ``int`` or a ``float`` for an exact count is rejected;
4. reads tensors only through ``torch._C.TensorBase`` (an immutable extension type whose
   methods cannot be monkeypatched, unlike ``torch.Tensor.tolist`` or ``torch.allclose``) and
   compares the resulting Python floats with plain arithmetic;
5. builds the ``cnnlib`` reference itself, checks that the reference class still lives in its
   ``cnnlib`` module, copies the student's weights into it (pairing the layers with weights in
   the order they run) and compares outputs; parameter counts are also checked against the
   constant-derived formula, so swapping the reference out does not help either.

What it cannot stop: code that rewrites the ``builtins`` module, ``torch._C`` or ``cnnlib`` files
on purpose, or that keeps running after its cell. That is deliberate cheating, visible in the
submitted code; the grading sandbox (``cnnlib-course``) is the line of defence there.

Other rules the notebooks follow: nothing in a test cell writes to stderr for a correct
solution; every notebook runs on CPU in well under 60 s (small inputs, ``meta``-device
summaries); optional GPU cells are guarded by
``torch.cuda.is_available() and not os.environ.get("NBGRADER_EXECUTION")``.
"""
from __future__ import annotations

import argparse
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


# --------------------------------------------------------------------------- cell builders
def _src(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def _meta(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
          points: int | None = None) -> dict:
    nb = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
          "solution": solution}
    if points is not None:
        nb["points"] = points
    return {"nbgrader": nb}


def md(grade_id: str, text: str):
    """A read-only markdown cell."""
    return new_markdown_cell(_src(text), metadata=_meta(grade_id, locked=True), id=grade_id)


def setup(grade_id: str, text: str, *, install: bool = False):
    """A read-only code cell (imports, given data); not graded. ``install`` prepends the
    cnnlib install line every notebook's first code cell carries."""
    source = _src(SETUP_HEADER) + "\n\n" + _src(text) if install else _src(text)
    return new_code_cell(source, metadata=_meta(grade_id, locked=True), id=grade_id)


def answer(grade_id: str, text: str):
    """A solution cell: the student's code goes between the solution markers."""
    source = _src(text)
    if source.count(BEGIN_SOLUTION) != source.count(END_SOLUTION) or BEGIN_SOLUTION not in source:
        raise ValueError(f"solution cell {grade_id!r} needs matching solution markers")
    return new_code_cell(source, metadata=_meta(grade_id, solution=True), id=grade_id)


def tests(grade_id: str, points: int, visible: str, *hidden: str, modules: bool = False):
    """A graded, locked test cell: visible asserts, then the hidden block with the grader kit.

    ``hidden`` are one or more snippets (e.g. shared expected-value code, then the checks);
    each is dedented on its own before they are joined.
    """
    if points <= 0:
        raise ValueError(f"test cell {grade_id!r} must carry points, got {points}")
    if not hidden:
        raise ValueError(f"test cell {grade_id!r} needs hidden tests")
    parts = hidden
    kit = [_src(GRADER_KIT)] + ([_src(MODULE_KIT)] if modules else [])
    source = "\n".join([_src(visible), "", BEGIN_HIDDEN, *kit, *map(_src, parts), END_HIDDEN])
    return new_code_cell(source, metadata=_meta(grade_id, grade=True, locked=True, points=points),
                         id=grade_id)


# Colab and fresh environments: install cnnlib without replacing the preinstalled torch.
CNNLIB_PIP_SOURCE = "cnnlib"
SETUP_HEADER = f'''
import importlib.util, subprocess, sys
if importlib.util.find_spec("cnnlib") is None:  # e.g. on Colab: keep its torch, add cnnlib
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "{CNNLIB_PIP_SOURCE}"],
                   check=True)
'''


# --------------------------------------------------------------------------- grader kits
# Inserted at the top of every hidden test block (see the module docstring, points 2-4).
GRADER_KIT = r'''
# --- grader kit: fresh helpers; nothing below trusts names from the notebook namespace ---
import importlib as _il
from builtins import (AssertionError as _AssertionError, Exception as _Exception,
                      ValueError as _ValueError, any as _any, enumerate as _enumerate,
                      id as _id, isinstance as _isinstance, len as _len, range as _range,
                      repr as _repr, sum as _sum, zip as _zip)
_torch = _il.import_module("torch")
_TB = _torch._C.TensorBase  # immutable type: its methods cannot be monkeypatched
_INT, _FLOAT, _STR, _TUPLE, _LIST, _DICT = (0).__class__, (0.0).__class__, "".__class__, ().__class__, [].__class__, {}.__class__
_TYPE = _INT.__class__

def _fail(message):
    raise _AssertionError(message)

def _tname(value):
    return _TYPE(value).__name__

def _check_int(value, expected, what):
    if _TYPE(value) is not _INT:
        _fail(f"{what} should be an int, got {_tname(value)}")
    if value != expected:
        _fail(f"{what} is {value}, expected {expected}")

def _check_float(value, expected, what, rel=1e-6, abs_tol=1e-12):
    if _TYPE(value) is not _FLOAT and _TYPE(value) is not _INT:
        _fail(f"{what} should be a float, got {_tname(value)}")
    diff = value - expected
    diff = -diff if diff < 0 else diff
    scale = expected if expected >= 0 else -expected
    if not diff <= (rel * scale if rel * scale > abs_tol else abs_tol):
        _fail(f"{what} is {value!r}, expected {expected!r}")

def _check_shape(value, expected, what):
    if not _isinstance(value, _TUPLE):
        _fail(f"{what} should be a tuple like {expected}, got {_tname(value)}")
    value = _TUPLE(value)
    if _any(_TYPE(v) is not _INT for v in value) or value != expected:
        _fail(f"{what} is {value}, expected {expected}")

def _check_choice(value, expected, what):
    if _TYPE(value) is not _STR:
        _fail(f"{what} should be a str, got {_tname(value)}")
    if value.strip().lower() != expected:
        _fail(f"{what} is {value!r}, expected {expected!r}")

def _check_raises(what, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except _ValueError:
        return
    except _Exception as err:
        _fail(f"{what} should raise ValueError, raised {_tname(err)}: {err}")
    _fail(f"{what} should raise ValueError")

def _shape_of(t):
    return _TUPLE(_TB.size(t))

def _values(t, what):
    if not _isinstance(t, _TB):
        _fail(f"{what} should be a torch.Tensor, got {_tname(t)}")
    return _TB.tolist(_TB.reshape(_TB.detach(t), (-1,)))

def _check_tensor(actual, expected, what, rtol=1e-4, atol=1e-5):
    a = _values(actual, what)
    e = _values(expected, "reference")
    if _shape_of(actual) != _shape_of(expected):
        _fail(f"{what} has shape {_shape_of(actual)}, expected {_shape_of(expected)}")
    for i, (x, y) in _enumerate(_zip(a, e)):
        d = x - y
        d = -d if d < 0 else d
        if not d <= atol + rtol * (y if y >= 0 else -y):
            _fail(f"{what} differs from the reference at flat index {i}: {x!r} vs {y!r}")

def _reference(module_name, attr):
    obj = _il.import_module(module_name).__dict__[attr]
    if obj.__module__ != module_name:
        _fail(f"the reference {module_name}.{attr} has been replaced")
    return obj
'''

# Inserted as well where a student's nn.Module is compared with a cnnlib reference.
MODULE_KIT = r'''
def _own_tensors(m):
    return [t for t in _LIST(m._parameters.values()) + _LIST(m._buffers.values()) if t is not None]

def _layers_in_call_order(model, x):
    order, seen, handles = [], {}, []
    def hook(module, args, output):
        if _id(module) not in seen:
            seen[_id(module)] = True
            order.append(module)
    for m in model.modules():
        if _own_tensors(m):
            handles.append(m.register_forward_hook(hook))
    try:
        with _torch.no_grad():
            model(_TB.clone(x))
    finally:
        for h in handles:
            h.remove()
    return order

def _randomize_norms(model, seed=0):
    g = _torch.Generator().manual_seed(seed)
    with _torch.no_grad():
        for m in model.modules():
            rm, rv = m._buffers.get("running_mean"), m._buffers.get("running_var")
            if rm is None or rv is None:
                continue
            _TB.copy_(rm, _torch.randn(_shape_of(rm), generator=g) * 0.2)
            _TB.copy_(rv, _torch.rand(_shape_of(rv), generator=g) + 0.5)
            w, b = m._parameters.get("weight"), m._parameters.get("bias")
            if w is not None:
                _TB.copy_(w, _torch.rand(_shape_of(w), generator=g) + 0.5)
            if b is not None:
                _TB.copy_(b, _torch.randn(_shape_of(b), generator=g) * 0.2)

def _pairing_key(m):
    """Kind and tensor shapes; a Linear layer counts as the equivalent 1x1 convolution."""
    kind, shapes = _tname(m), [_shape_of(t) for t in _own_tensors(m)]
    if kind == "Linear":
        kind, shapes = "Conv2d", [s + (1, 1) if _len(s) == 2 else s for s in shapes]
    return (kind, _TUPLE(shapes))

def _copy_weights(student, reference, x, what):
    """Copy the student's weights into the reference. Layers are paired by kind and tensor
    shapes, and in the order they run among layers with the same kind and shapes."""
    student.eval()
    reference.eval()
    mine, ref = _layers_in_call_order(student, x), _layers_in_call_order(reference, x)
    groups_mine, groups_ref = {}, {}
    for m in mine:
        groups_mine.setdefault(_pairing_key(m), []).append(m)
    for m in ref:
        groups_ref.setdefault(_pairing_key(m), []).append(m)
    for key in _LIST(groups_ref) + _LIST(groups_mine):
        n_mine, n_ref = _len(groups_mine.get(key, [])), _len(groups_ref.get(key, []))
        if n_mine != n_ref:
            _fail(f"{what}: the reference runs {n_ref} {key[0]} layer(s) with tensors of shapes "
                  f"{_LIST(key[1])}, your module runs {n_mine}. Your layers with weights, in the "
                  f"order they run: {[_pairing_key(m) for m in mine]}")
    with _torch.no_grad():
        for key, ref_layers in groups_ref.items():
            for s, r in _zip(groups_mine[key], ref_layers):
                for a, b in _zip(_own_tensors(s), _own_tensors(r)):
                    _TB.copy_(b, _TB.reshape(_TB.detach(a), _TB.size(b)))

def _check_same_function(student, reference, x, what, modes=("eval",), rtol=1e-4, atol=1e-5):
    """Give the student's norm layers random statistics, share weights, compare outputs."""
    _randomize_norms(student)
    _copy_weights(student, reference, x, what)
    for mode in modes:
        student.train(mode == "train")
        reference.train(mode == "train")
        with _torch.no_grad():
            mine, ref = student(_TB.clone(x)), reference(_TB.clone(x))
        _check_tensor(mine, ref, f"{what} output ({mode} mode)", rtol, atol)
    student.eval()
    reference.eval()

def _layer_table(model, input_size):
    """(kind, params, output shape) of every layer with weights; a Linear layer is listed as
    the equivalent 1x1 convolution (so a squeeze-excitation MLP may use either)."""
    summary = _il.import_module("cnnlib.summary").summarize(model, input_size)
    rows = []
    for r in summary.rows:
        if r.params > 0:
            kind, shape = r.kind, _TUPLE(r.output_shape)
            if kind == "Linear":
                kind, shape = "Conv2d", shape + (1, 1)
            rows.append((kind, r.params, shape))
    return rows

def _check_structure(student, reference, input_size, what):
    """The same layers with weights (kind, parameter count, output shape), in any order."""
    mine, ref = _layer_table(student, input_size), _layer_table(reference, input_size)
    missing = [row for row in ref if row not in mine]
    extra = [row for row in mine if row not in ref]
    counts_differ = _any(mine.count(row) != ref.count(row) for row in ref + mine)
    if missing or extra or counts_differ:
        _fail(f"{what}: layers with weights as (kind, params, output shape) differ from the "
              f"reference; missing {missing}, unexpected {extra}. Yours: {mine}")

def _param_count(model):
    return _sum(_TB.numel(p) for p in model.parameters())
'''


# --------------------------------------------------------------------------- notebooks
@dataclass
class Chapter:
    """One exercise notebook: ``solutions/<slug>/<slug>.ipynb``."""

    slug: str
    title: str
    cells: list = field(default_factory=list)

    @property
    def path(self) -> Path:
        return SOLUTIONS / self.slug / f"{self.slug}.ipynb"

    def notebook(self):
        nb = new_notebook(cells=self.cells, metadata={
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                           "name": "python3"},
            "language_info": {"name": "python"},
        })
        nbformat.validate(nb)
        ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells]
        if len(ids) != len(set(ids)):
            raise ValueError(f"{self.slug}: duplicate grade_ids")
        return nb

    def text(self) -> str:
        s = nbformat.writes(self.notebook())
        return s if s.endswith("\n") else s + "\n"


CHAPTERS: list[Callable[[], Chapter]] = []


def chapter(fn: Callable[[], Chapter]) -> Callable[[], Chapter]:
    CHAPTERS.append(fn)
    return fn


def intro(slug: str, title: str, text: str):
    """The first markdown cell: title, what the notebook practises, how it is graded."""
    return md(f"{slug}_intro", f"# {title}\n\n" + _src(text) + "\n\n" + _src('''
        Answer in the cells marked *YOUR CODE HERE* (replace `raise NotImplementedError()`),
        then run the test cell below each answer. Visible tests catch the obvious slips; the
        grader runs more tests on other sizes and compares your modules with `cnnlib`'s
        reference implementations. Numeric answers are plain Python `int`s or `float`s (not
        tensors or strings); compute them in the cell rather than typing a number.'''))


# =========================================================================== chapter 0
@chapter
def ch00() -> Chapter:
    slug = "ch00_arithmetic"
    ch = Chapter(slug, "Chapter 0 exercises: CNN arithmetic")
    ch.cells += [
        intro(slug, ch.title, '''
            Before comparing architectures we need four numbers for any layer: the **output
            size**, the number of **parameters**, the amount of **compute** and the
            **activation memory**; and for a stack of layers, the **receptive field**.
            Conventions used throughout the course (the same as `cnnlib`):

            * **MACs** count the multiply-accumulates of convolutions and linear layers; a
              convolution costs `C_out * (C_in / groups) * K * K * H_out * W_out` MACs for one
              image. Bias additions are not counted.
            * **FLOPs** are `2 x MACs` (one multiply and one add). Several lecture slides say
              "flops" for what is really a MAC count; watch for it.
            * **Memory** is the size of a layer's output activations in float32, 4 bytes per
              number, for one image.'''),
        setup(f"{slug}_setup", install=True, text='''
            import math

            import torch
            from torch import nn

            import cnnlib'''),
        # ------------------------------------------------------------------ Q1
        md(f"{slug}_q1", '''
            ## Q1. Output size of a convolution (3 points)

            A convolution with kernel `K`, stride `S`, padding `P` and dilation `D` over an
            input of length `W` produces `floor((W + 2P - D(K-1) - 1) / S) + 1` outputs along
            that axis (PyTorch floors when the filter does not tile the input exactly).

            Write `conv_output_size(size, kernel, stride=1, padding=0, dilation=1)` returning
            that `int`. Raise `ValueError` (with a message saying what is wrong) when `size`,
            `kernel`, `stride` or `dilation` is not a positive `int`, when `padding` is
            negative, or when the dilated kernel is larger than the padded input.'''),
        answer(f"{slug}_q1_answer", '''
            def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
                """Output length of a convolution along one axis."""
                ### BEGIN SOLUTION
                for name, value, low in (("size", size, 1), ("kernel", kernel, 1),
                                         ("stride", stride, 1), ("padding", padding, 0),
                                         ("dilation", dilation, 1)):
                    if not isinstance(value, int) or isinstance(value, bool) or value < low:
                        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
                effective = dilation * (kernel - 1) + 1
                if effective > size + 2 * padding:
                    raise ValueError(
                        f"the kernel spans {effective} pixels but the padded input has only "
                        f"{size + 2 * padding}; use more padding or a smaller kernel")
                return (size + 2 * padding - effective) // stride + 1
                ### END SOLUTION'''),
        tests(f"{slug}_q1_tests", 3, '''
            assert conv_output_size(227, 11, stride=4) == 55        # AlexNet CONV1
            assert conv_output_size(32, 5) == 28                    # LeNet-5 C1
            assert conv_output_size(224, 3, stride=1, padding=1) == 224
            assert conv_output_size(7, 3, stride=2) == 3
            try:
                conv_output_size(3, 5)
            except ValueError:
                pass
            else:
                raise AssertionError("a 5-wide kernel on a 3-wide input should raise ValueError")''', '''
            for size in _range(1, 15):
                for k in _range(1, 6):
                    for s in _range(1, 4):
                        for p in _range(0, 3):
                            for d in (1, 2):
                                what = f"conv_output_size({size}, {k}, stride={s}, padding={p}, dilation={d})"
                                span = size + 2 * p - (d * (k - 1) + 1)
                                if span < 0:
                                    _check_raises(what, conv_output_size, size, k, s, p, d)
                                else:
                                    _check_int(conv_output_size(size, k, s, p, d), span // s + 1, what)
            _nn = _il.import_module("torch.nn")
            for size, k, s, p, d in ((227, 11, 4, 0, 1), (13, 3, 2, 1, 1), (10, 3, 3, 0, 2), (31, 4, 2, 1, 1)):
                conv = _nn.Conv2d(1, 1, k, s, p, d)
                with _torch.no_grad():
                    out = conv(_torch.zeros(1, 1, size, size))
                _check_int(conv_output_size(size, k, s, p, d), _shape_of(out)[-1],
                           f"conv_output_size({size}, {k}, {s}, {p}, {d}) vs nn.Conv2d")
            _check_raises("stride=0", conv_output_size, 10, 3, 0)
            _check_raises("padding=-1", conv_output_size, 10, 3, 1, -1)
            _check_raises("kernel=0", conv_output_size, 10, 0)
            _check_raises("a float size", conv_output_size, 10.0, 3)'''),
        # ------------------------------------------------------------------ Q2
        md(f"{slug}_q2", '''
            ## Q2. Parameters and MACs of a convolution (3 points)

            A grouped convolution splits the `C_in` input and `C_out` output channels into
            `groups` groups; each output channel only sees the `C_in / groups` input channels of
            its group (`groups = C_in` is a depthwise convolution).

            * `conv_params(c_in, c_out, kernel, bias=True, groups=1)`: the number of learnable
              parameters of a square `kernel x kernel` convolution. Raise `ValueError` if
              `groups` does not divide both `c_in` and `c_out`.
            * `conv_macs(c_in, c_out, kernel, out_h, out_w, groups=1)`: its multiply-accumulates
              for one image whose output map is `out_h x out_w`.'''),
        answer(f"{slug}_q2_answer", '''
            def conv_params(c_in, c_out, kernel, bias=True, groups=1):
                """Learnable parameters of a kernel x kernel convolution."""
                ### BEGIN SOLUTION
                if c_in % groups or c_out % groups:
                    raise ValueError(f"groups={groups} must divide c_in={c_in} and c_out={c_out}")
                return c_out * (c_in // groups) * kernel * kernel + (c_out if bias else 0)
                ### END SOLUTION


            def conv_macs(c_in, c_out, kernel, out_h, out_w, groups=1):
                """Multiply-accumulates of that convolution for one image."""
                ### BEGIN SOLUTION
                return conv_params(c_in, c_out, kernel, bias=False, groups=groups) * out_h * out_w
                ### END SOLUTION'''),
        tests(f"{slug}_q2_tests", 3, '''
            assert conv_params(3, 96, 11) == 34944                  # AlexNet CONV1: (11*11*3 + 1) * 96
            assert conv_params(64, 64, 3, bias=False) == 36864      # a VGG conv without its bias
            assert conv_params(32, 32, 3, groups=32) == 320         # depthwise 3x3
            assert conv_macs(3, 96, 11, 55, 55) == 105415200
            try:
                conv_params(10, 16, 3, groups=4)
            except ValueError:
                pass
            else:
                raise AssertionError("groups=4 does not divide 10 input channels: expected ValueError")''', '''
            _nn = _il.import_module("torch.nn")
            _flop_counter = _il.import_module("torch.utils.flop_counter")
            for c_in, c_out, k, g, bias in ((3, 96, 11, 1, True), (96, 256, 5, 2, True), (32, 32, 3, 32, False),
                                            (64, 128, 1, 4, True), (6, 16, 5, 1, True), (12, 18, 3, 3, False)):
                conv = _nn.Conv2d(c_in, c_out, k, groups=g, bias=bias)
                expected_params = c_out * (c_in // g) * k * k + (c_out if bias else 0)
                _check_int(conv_params(c_in, c_out, k, bias=bias, groups=g), expected_params,
                           f"conv_params({c_in}, {c_out}, {k}, bias={bias}, groups={g})")
                _check_int(expected_params, _sum(_TB.numel(p) for p in conv.parameters()), "nn.Conv2d count")
                x = _torch.zeros(1, c_in, 13, 13)
                with _flop_counter.FlopCounterMode(display=False) as counter:
                    y = conv(x)
                oh, ow = _shape_of(y)[2], _shape_of(y)[3]
                _check_int(conv_macs(c_in, c_out, k, oh, ow, groups=g), counter.get_total_flops() // 2,
                           f"conv_macs({c_in}, {c_out}, {k}, {oh}, {ow}, groups={g}) vs FlopCounterMode / 2")
            _check_int(conv_macs(256, 512, 3, 28, 28), 512 * 256 * 9 * 28 * 28, "conv_macs(256, 512, 3, 28, 28)")
            _check_raises("conv_params(10, 16, 3, groups=4)", conv_params, 10, 16, 3, True, 4)
            _check_raises("conv_params(16, 10, 1, groups=4)", conv_params, 16, 10, 1, groups=4)'''),
        # ------------------------------------------------------------------ Q3
        md(f"{slug}_q3", '''
            ## Q3. AlexNet's first two layers (2 points)

            The lecture's AlexNet takes a 227x227x3 image. CONV1 has 96 filters of 11x11 at
            stride 4 without padding; POOL1 is a 3x3 max pool at stride 2. Fill in:

            * `conv1_output_shape` and `pool1_output_shape`: `(channels, height, width)` tuples;
            * `conv1_params` (with biases), `conv1_macs`, `conv1_flops`;
            * `conv1_memory_bytes`: bytes of CONV1's float32 output for one image;
            * `pool1_params`.

            Use your functions from Q1 and Q2 (or plain arithmetic); don't type the results.'''),
        answer(f"{slug}_q3_answer", '''
            ### BEGIN SOLUTION
            _side = conv_output_size(227, 11, stride=4)
            conv1_output_shape = (96, _side, _side)
            conv1_params = conv_params(3, 96, 11)
            conv1_macs = conv_macs(3, 96, 11, _side, _side)
            conv1_flops = 2 * conv1_macs
            conv1_memory_bytes = 96 * _side * _side * 4
            _pooled = conv_output_size(_side, 3, stride=2)
            pool1_output_shape = (96, _pooled, _pooled)
            pool1_params = 0
            ### END SOLUTION'''),
        tests(f"{slug}_q3_tests", 2, '''
            assert len(conv1_output_shape) == 3 and conv1_output_shape[0] == 96
            assert len(pool1_output_shape) == 3 and pool1_output_shape[0] == 96
            assert conv1_flops == 2 * conv1_macs
            assert conv1_memory_bytes % 4 == 0''', '''
            side = (227 - 11) // 4 + 1
            pooled = (side - 3) // 2 + 1
            _check_shape(conv1_output_shape, (96, side, side), "conv1_output_shape")
            _check_shape(pool1_output_shape, (96, pooled, pooled), "pool1_output_shape")
            _check_int(conv1_params, (11 * 11 * 3 + 1) * 96, "conv1_params")
            _check_int(conv1_macs, 96 * 11 * 11 * 3 * side * side, "conv1_macs")
            _check_int(conv1_flops, 2 * 96 * 11 * 11 * 3 * side * side, "conv1_flops")
            _check_int(conv1_memory_bytes, 4 * 96 * side * side, "conv1_memory_bytes")
            _check_int(pool1_params, 0, "pool1_params")
            # the same numbers from cnnlib's summary of the lecture's (single-tower) AlexNet
            with _torch.device("meta"):
                net = _reference("cnnlib.models.alexnet", "alexnet_ungrouped")()
            summary = _il.import_module("cnnlib.summary").summarize(net, (3, 227, 227))
            row = summary.row("body.conv1")
            _check_int(conv1_params, row.params, "conv1_params vs cnnlib.summarize")
            _check_int(conv1_macs, row.macs, "conv1_macs vs cnnlib.summarize")
            _check_int(conv1_memory_bytes, row.memory_bytes, "conv1_memory_bytes vs cnnlib.summarize")
            _check_shape(pool1_output_shape, summary.row("body.pool1").output_shape, "pool1 vs cnnlib.summarize")'''),
        # ------------------------------------------------------------------ Q4
        md(f"{slug}_q4", '''
            ## Q4. Receptive fields (3 points)

            The receptive field of a unit is the patch of input pixels it depends on. For a
            stack of layers given as `(kernel, stride)` pairs, first layer first, it grows as
            `r <- r + (kernel - 1) * j` and `j <- j * stride`, starting from `r = 1`, `j = 1`
            (`j` is the distance in input pixels between neighbouring units of the current layer).

            * Write `receptive_field(layers)`; raise `ValueError` if `layers` is empty.
            * `rf_three_3x3`: receptive field of three stacked 3x3 stride-1 convolutions.
            * `rf_alexnet_pool1`: receptive field of a POOL1 unit of AlexNet (CONV1 11x11 stride
              4, then POOL1 3x3 stride 2).
            * `params_three_3x3` and `params_one_7x7`: weights (no biases) of three 3x3 layers
              with 256 input and 256 output channels each, versus one 7x7 layer with 256 in and
              256 out: the VGG argument for small filters.'''),
        answer(f"{slug}_q4_answer", '''
            def receptive_field(layers):
                """Receptive field of a stack of (kernel, stride) layers."""
                ### BEGIN SOLUTION
                layers = list(layers)
                if not layers:
                    raise ValueError("layers is empty: give at least one (kernel, stride) pair")
                size, jump = 1, 1
                for kernel, stride in layers:
                    size += (kernel - 1) * jump
                    jump *= stride
                return size
                ### END SOLUTION


            ### BEGIN SOLUTION
            rf_three_3x3 = receptive_field([(3, 1)] * 3)
            rf_alexnet_pool1 = receptive_field([(11, 4), (3, 2)])
            params_three_3x3 = 3 * conv_params(256, 256, 3, bias=False)
            params_one_7x7 = conv_params(256, 256, 7, bias=False)
            ### END SOLUTION'''),
        tests(f"{slug}_q4_tests", 3, '''
            assert receptive_field([(3, 1)]) == 3
            assert receptive_field([(2, 2), (2, 2)]) == 4
            assert rf_three_3x3 == receptive_field([(3, 1), (3, 1), (3, 1)])
            assert params_three_3x3 < params_one_7x7''', '''
            _random = _il.import_module("random").Random(2024)
            for trial in _range(200):
                layers = [(_random.randint(1, 7), _random.randint(1, 3)) for _ in _range(_random.randint(1, 6))]
                r, j = 1, 1
                for k, s in layers:
                    r, j = r + (k - 1) * j, j * s
                _check_int(receptive_field(layers), r, f"receptive_field({layers})")
            _check_raises("receptive_field([])", receptive_field, [])
            _check_int(rf_three_3x3, 1 + 2 + 2 + 2, "rf_three_3x3")
            _check_int(rf_alexnet_pool1, 1 + 10 + 2 * 4, "rf_alexnet_pool1")
            _check_int(params_three_3x3, 3 * 9 * 256 * 256, "params_three_3x3")
            _check_int(params_one_7x7, 49 * 256 * 256, "params_one_7x7")
            rf = _il.import_module("cnnlib.arithmetic").receptive_field([(11, 4), (3, 2)])
            _check_int(rf_alexnet_pool1, rf[0], "rf_alexnet_pool1 vs cnnlib.receptive_field")'''),
    ]
    return ch


# =========================================================================== chapter 1
@chapter
def ch01() -> Chapter:
    slug = "ch01_lenet"
    ch = Chapter(slug, "Chapter 1 exercises: LeNet-5")
    lenet_params = "6 * (25 + 1) + 16 * (6 * 25 + 1) + 120 * (16 * 25 + 1) + 84 * (120 + 1) + {n} * (84 + 1)"
    ch.cells += [
        intro(slug, ch.title, '''
            LeNet-5 (LeCun et al., 1998) is the pattern every later network refines:
            `CONV-POOL-CONV-POOL-FC-FC`, 5x5 filters at stride 1 and 2x2 subsampling at stride 2,
            on 32x32 grey-level digits. Its layers are named C1, S2, C3, S4, C5, F6 and OUTPUT.'''),
        setup(f"{slug}_setup", install=True, text='''
            import torch
            from torch import nn

            import cnnlib'''),
        md(f"{slug}_q1", '''
            ## Q1. Feature map shapes (2 points)

            C1, C3 and C5 are 5x5 convolutions (stride 1, no padding) with 6, 16 and 120 filters;
            S2 and S4 are 2x2 subsampling layers with stride 2. Give the `(channels, height,
            width)` output shape of each layer for a `1 x 32 x 32` input:
            `c1_shape`, `s2_shape`, `c3_shape`, `s4_shape`, `c5_shape`.'''),
        answer(f"{slug}_q1_answer", '''
            ### BEGIN SOLUTION
            _h = 32 - 5 + 1
            c1_shape = (6, _h, _h)
            s2_shape = (6, _h // 2, _h // 2)
            _h = _h // 2 - 5 + 1
            c3_shape = (16, _h, _h)
            s4_shape = (16, _h // 2, _h // 2)
            _h = _h // 2 - 5 + 1
            c5_shape = (120, _h, _h)
            ### END SOLUTION'''),
        tests(f"{slug}_q1_tests", 2, '''
            shapes = (c1_shape, s2_shape, c3_shape, s4_shape, c5_shape)
            assert all(len(s) == 3 for s in shapes), "each shape is (channels, height, width)"
            assert [s[0] for s in shapes] == [6, 6, 16, 16, 120]''', '''
            h1 = 32 - 4
            h3 = h1 // 2 - 4
            h5 = h3 // 2 - 4
            expected = {"c1_shape": (6, h1, h1), "s2_shape": (6, h1 // 2, h1 // 2), "c3_shape": (16, h3, h3),
                        "s4_shape": (16, h3 // 2, h3 // 2), "c5_shape": (120, h5, h5)}
            for value, (name, shape) in _zip((c1_shape, s2_shape, c3_shape, s4_shape, c5_shape), expected.items()):
                _check_shape(value, shape, name)'''),
        md(f"{slug}_q2", '''
            ## Q2. Parameters (2 points)

            Count learnable parameters, biases included (one bias per output map or unit):

            * `c1_params`, `c3_params`, `c5_params` for fully connected convolutions (every
              output map sees every input map);
            * `c3_params_sparse`: the paper's C3 is *not* fully connected. Its Table I connects
              the 16 C3 maps to 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4 and 6 of the S2 maps
              respectively, to break symmetry and save compute. Each map still has one 5x5
              kernel per connected input and one bias;
            * `lenet5_params`: the whole network with the fully connected C3, F6 with 84 units
              and a 10-way linear OUTPUT layer.'''),
        answer(f"{slug}_q2_answer", '''
            ### BEGIN SOLUTION
            c1_params = 6 * (1 * 5 * 5 + 1)
            c3_params = 16 * (6 * 5 * 5 + 1)
            c5_params = 120 * (16 * 5 * 5 + 1)
            _connections = [3] * 6 + [4] * 9 + [6]
            c3_params_sparse = sum(n * 5 * 5 + 1 for n in _connections)
            lenet5_params = c1_params + c3_params + c5_params + 84 * (120 + 1) + 10 * (84 + 1)
            ### END SOLUTION'''),
        tests(f"{slug}_q2_tests", 2, '''
            assert c1_params < c3_params < c5_params
            assert c3_params_sparse < c3_params
            assert lenet5_params > c1_params + c3_params + c5_params''', f'''
            _check_int(c1_params, 6 * 26, "c1_params")
            _check_int(c3_params, 16 * 151, "c3_params")
            _check_int(c5_params, 120 * 401, "c5_params")
            _check_int(c3_params_sparse, (6 * 3 + 9 * 4 + 6) * 25 + 16, "c3_params_sparse")
            _check_int(lenet5_params, {lenet_params.format(n=10)}, "lenet5_params")
            lenet = _il.import_module("cnnlib.models.lenet")
            _check_int(lenet5_params, _sum(_TB.numel(p) for p in lenet.lenet5().parameters()),
                       "lenet5_params vs cnnlib.lenet5()")
            _check_int(c3_params_sparse, _sum(_TB.numel(p) for p in lenet.SparseC3().parameters()),
                       "c3_params_sparse vs cnnlib's SparseC3 (the paper's Table I)")'''),
        md(f"{slug}_q3", '''
            ## Q3. Implement LeNet-5 (5 points)

            Write `LeNet5(num_classes=10)`, an `nn.Module` taking `N x 1 x 32 x 32` images and
            returning `N x num_classes` scores. Layers, in order:

            | layer | module |
            |---|---|
            | C1 | `nn.Conv2d(1, 6, 5)`, then `tanh` |
            | S2 | `nn.AvgPool2d(2)`, then `tanh` (the paper's subsampling squashes its output too) |
            | C3 | `nn.Conv2d(6, 16, 5)`, then `tanh` (fully connected, not the paper's Table I) |
            | S4 | `nn.AvgPool2d(2)`, then `tanh` |
            | C5 | `nn.Conv2d(16, 120, 5)`, then `tanh`, then flatten to `N x 120` |
            | F6 | `nn.Linear(120, 84)`, then `tanh` |
            | OUTPUT | `nn.Linear(84, num_classes)` (the paper uses RBF units; we use a linear layer) |

            Use `nn.Tanh` modules or `torch.tanh`, as you like. The grader copies your weights
            into `cnnlib`'s `lenet5` and compares the outputs.'''),
        answer(f"{slug}_q3_answer", '''
            class LeNet5(nn.Module):
                def __init__(self, num_classes=10):
                    super().__init__()
                    ### BEGIN SOLUTION
                    self.c1 = nn.Conv2d(1, 6, 5)
                    self.s2 = nn.AvgPool2d(2)
                    self.c3 = nn.Conv2d(6, 16, 5)
                    self.s4 = nn.AvgPool2d(2)
                    self.c5 = nn.Conv2d(16, 120, 5)
                    self.f6 = nn.Linear(120, 84)
                    self.output = nn.Linear(84, num_classes)
                    ### END SOLUTION

                def forward(self, x):
                    ### BEGIN SOLUTION
                    x = torch.tanh(self.s2(torch.tanh(self.c1(x))))   # N x 6 x 14 x 14
                    x = torch.tanh(self.s4(torch.tanh(self.c3(x))))   # N x 16 x 5 x 5
                    x = torch.tanh(self.c5(x)).flatten(1)             # N x 120
                    return self.output(torch.tanh(self.f6(x)))
                    ### END SOLUTION'''),
        tests(f"{slug}_q3_tests", 5, f'''
            model = LeNet5()
            scores = model(torch.randn(2, 1, 32, 32))
            assert scores.shape == (2, 10), f"expected scores of shape (2, 10), got {{tuple(scores.shape)}}"
            assert sum(p.numel() for p in model.parameters()) == {lenet_params.format(n=10)}''', f'''
            for n_classes in (10, 7):
                student = LeNet5(num_classes=n_classes)
                _check_int(_param_count(student), {lenet_params.format(n="n_classes")},
                           f"parameters of LeNet5(num_classes={{n_classes}})")
                reference = _reference("cnnlib.models.lenet", "lenet5")(num_classes=n_classes)
                _check_structure(student, reference, (1, 32, 32), f"LeNet5(num_classes={{n_classes}})")
                x = _torch.randn(3, 1, 32, 32, generator=_torch.Generator().manual_seed(n_classes))
                _check_same_function(student, reference, x, f"LeNet5(num_classes={{n_classes}})")''',
              modules=True),
        md(f"{slug}_q4", '''
            ## Q4. Where do parameters and compute go? (2 points)

            * `most_params_layer` and `most_macs_layer`: the name (`"C1"`, `"C3"`, `"C5"`, `"F6"`
              or `"OUTPUT"`) of the layer with the most parameters, and of the layer with the
              most multiply-accumulates, in your (fully connected) LeNet-5 with 10 classes.
            * `c1_padding_for_mnist`: MNIST digits are 28x28. How much zero padding must C1 use
              so that the rest of the network sees exactly the same shapes as with 32x32 input?

            You may use `cnnlib.summarize(model, (1, 32, 32))`, which lists `params` and `macs`
            per layer.'''),
        answer(f"{slug}_q4_answer", '''
            ### BEGIN SOLUTION
            _summary = cnnlib.summarize(LeNet5(), (1, 32, 32))
            _names = {"c1": "C1", "c3": "C3", "c5": "C5", "f6": "F6", "output": "OUTPUT"}
            most_params_layer = _names[_summary.argmax("params").name]
            most_macs_layer = _names[_summary.argmax("macs").name]
            c1_padding_for_mnist = (32 - 28) // 2
            ### END SOLUTION'''),
        tests(f"{slug}_q4_tests", 2, '''
            assert most_params_layer in ("C1", "C3", "C5", "F6", "OUTPUT")
            assert most_macs_layer in ("C1", "C3", "C5", "F6", "OUTPUT")
            assert isinstance(c1_padding_for_mnist, int)''', '''
            params = {"c1": 6 * 26, "c3": 16 * 151, "c5": 120 * 401, "f6": 84 * 121, "output": 10 * 85}
            macs = {"c1": 6 * 25 * 28 * 28, "c3": 16 * 150 * 10 * 10, "c5": 120 * 400, "f6": 120 * 84, "output": 840}
            def top(table):
                best = None
                for name, value in table.items():
                    if best is None or value > table[best]:
                        best = name
                return best
            _check_choice(most_params_layer, top(params), "most_params_layer")
            _check_choice(most_macs_layer, top(macs), "most_macs_layer")
            _check_int(c1_padding_for_mnist, 2, "c1_padding_for_mnist")
            _nn = _il.import_module("torch.nn")
            out = _nn.Conv2d(1, 6, 5, padding=c1_padding_for_mnist)(_torch.zeros(1, 1, 28, 28))
            _check_shape(_shape_of(out), (1, 6, 28, 28), "C1 output on a padded 28x28 digit")'''),
    ]
    return ch


# =========================================================================== chapter 2
ALEXNET_TABLE_MD = '''
    | layer | what | output |
    |---|---|---|
    | CONV1 | 96 filters 11x11, stride 4, pad 0; ReLU; LRN | ? |
    | POOL1 | 3x3 max pool, stride 2 | ? |
    | CONV2 | 256 filters 5x5, stride 1, pad 2; ReLU; LRN | ? |
    | POOL2 | 3x3 max pool, stride 2 | ? |
    | CONV3 | 384 filters 3x3, stride 1, pad 1; ReLU | ? |
    | CONV4 | 384 filters 3x3, stride 1, pad 1; ReLU | ? |
    | CONV5 | 256 filters 3x3, stride 1, pad 1; ReLU | ? |
    | POOL3 | 3x3 max pool, stride 2 | ? |
    | FC6 | 4096 units; ReLU; dropout | 4096 |
    | FC7 | 4096 units; ReLU; dropout | 4096 |
    | FC8 | 1000 class scores | 1000 |'''


@chapter
def ch02() -> Chapter:
    slug = "ch02_alexnet"
    ch = Chapter(slug, "Chapter 2 exercises: AlexNet")
    # (name, c_in, c_out, kernel, stride, pad) of the lecture's single-tower AlexNet
    convs = "(('conv1', 3, 96, 11, 4, 0), ('conv2', 96, 256, 5, 1, 2), ('conv3', 256, 384, 3, 1, 1), ('conv4', 384, 384, 3, 1, 1), ('conv5', 384, 256, 3, 1, 1))"
    alexnet_expected = f'''
        convs = {convs}
        pool_after = ("conv1", "conv2", "conv5")
        shapes, params, macs, memory = {{}}, {{}}, {{}}, {{}}
        side = 227
        for name, c_in, c_out, k, s, p in convs:
            side = (side + 2 * p - k) // s + 1
            shapes[name] = (c_out, side, side)
            params[name] = c_out * (c_in * k * k + 1)
            macs[name] = c_out * c_in * k * k * side * side
            memory[name] = c_out * side * side
            if name in pool_after:
                side = (side - 3) // 2 + 1
                pool = {{"conv1": "pool1", "conv2": "pool2", "conv5": "pool3"}}[name]
                shapes[pool] = (c_out, side, side)
                memory[pool] = c_out * side * side
        for name, n_in, n_out in (("fc6", 256 * 6 * 6, 4096), ("fc7", 4096, 4096), ("fc8", 4096, 1000)):
            params[name] = n_out * (n_in + 1)
            macs[name] = n_in * n_out
            memory[name] = n_out'''
    ch.cells += [
        intro(slug, ch.title, '''
            AlexNet (Krizhevsky, Sutskever and Hinton, 2012) won ImageNet 2012 and started the
            deep-learning era of computer vision: ReLU, dropout, data augmentation, overlapping
            max pooling, local response normalization (LRN) and two GPUs. We work with the
            lecture's "simplified" single-tower version (no split across GPUs), 227x227x3 input:
            ''' + ALEXNET_TABLE_MD),
        setup(f"{slug}_setup", install=True, text='''
            import torch
            from torch import nn

            import cnnlib'''),
        md(f"{slug}_q1", '''
            ## Q1. Output shapes (2 points)

            Fill the "output" column: `alexnet_shapes` is a dict mapping `"conv1"`, `"pool1"`,
            `"conv2"`, `"pool2"`, `"conv3"`, `"conv4"`, `"conv5"` and `"pool3"` to
            `(channels, height, width)` tuples.'''),
        answer(f"{slug}_q1_answer", '''
            ### BEGIN SOLUTION
            def _out(size, k, s, p=0):
                return (size + 2 * p - k) // s + 1

            alexnet_shapes = {}
            _side = _out(227, 11, 4)
            alexnet_shapes["conv1"] = (96, _side, _side)
            _side = _out(_side, 3, 2)
            alexnet_shapes["pool1"] = (96, _side, _side)
            _side = _out(_side, 5, 1, 2)
            alexnet_shapes["conv2"] = (256, _side, _side)
            _side = _out(_side, 3, 2)
            alexnet_shapes["pool2"] = (256, _side, _side)
            for _name, _c in (("conv3", 384), ("conv4", 384), ("conv5", 256)):
                _side = _out(_side, 3, 1, 1)
                alexnet_shapes[_name] = (_c, _side, _side)
            _side = _out(_side, 3, 2)
            alexnet_shapes["pool3"] = (256, _side, _side)
            ### END SOLUTION'''),
        tests(f"{slug}_q1_tests", 2, '''
            assert set(alexnet_shapes) == {"conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool3"}
            assert alexnet_shapes["conv1"][0] == 96 and len(alexnet_shapes["conv1"]) == 3''', alexnet_expected, '''
            if _TYPE(alexnet_shapes) is not _DICT:
                _fail(f"alexnet_shapes should be a dict, got {_tname(alexnet_shapes)}")
            for name in ("conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool3"):
                _check_shape(alexnet_shapes.get(name), shapes[name], f"alexnet_shapes[{name!r}]")
            with _torch.device("meta"):
                net = _reference("cnnlib.models.alexnet", "alexnet_ungrouped")()
            summary = _il.import_module("cnnlib.summary").summarize(net, (3, 227, 227))
            for name, row in (("conv1", "body.conv1"), ("pool1", "body.pool1"), ("pool2", "body.pool2"), ("pool3", "body.pool5")):
                _check_shape(alexnet_shapes[name], summary.row(row).output_shape, f"{name} vs cnnlib.summarize")'''),
        md(f"{slug}_q2", '''
            ## Q2. Parameters (2 points)

            `alexnet_params`: a dict mapping `"conv1"` ... `"conv5"`, `"fc6"`, `"fc7"`, `"fc8"`
            to the number of learnable parameters of that layer, biases included. FC6 sees the
            flattened POOL3 output. `alexnet_total_params`: their sum (pooling, ReLU and LRN have
            no parameters).'''),
        answer(f"{slug}_q2_answer", '''
            ### BEGIN SOLUTION
            alexnet_params = {}
            _c_in = 3
            for _name, _c_out, _k in (("conv1", 96, 11), ("conv2", 256, 5), ("conv3", 384, 3),
                                      ("conv4", 384, 3), ("conv5", 256, 3)):
                alexnet_params[_name] = _c_out * (_c_in * _k * _k + 1)
                _c_in = _c_out
            _n_in = 256 * alexnet_shapes["pool3"][1] * alexnet_shapes["pool3"][2]
            for _name, _n_out in (("fc6", 4096), ("fc7", 4096), ("fc8", 1000)):
                alexnet_params[_name] = _n_out * (_n_in + 1)
                _n_in = _n_out
            alexnet_total_params = sum(alexnet_params.values())
            ### END SOLUTION'''),
        tests(f"{slug}_q2_tests", 2, '''
            assert set(alexnet_params) == {"conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"}
            assert alexnet_params["conv1"] == (11 * 11 * 3 + 1) * 96
            assert alexnet_total_params == sum(alexnet_params.values())''', alexnet_expected, '''
            if _TYPE(alexnet_params) is not _DICT:
                _fail(f"alexnet_params should be a dict, got {_tname(alexnet_params)}")
            for name, value in params.items():
                _check_int(alexnet_params.get(name), value, f"alexnet_params[{name!r}]")
            _check_int(alexnet_total_params, _sum(params.values()), "alexnet_total_params")
            with _torch.device("meta"):
                net = _reference("cnnlib.models.alexnet", "alexnet_ungrouped")()
            _check_int(alexnet_total_params, _param_count(net), "alexnet_total_params vs cnnlib")''', modules=True),
        md(f"{slug}_q3", '''
            ## Q3. Where do memory, parameters and compute go? (2 points)

            Answer with layer names from the table (`"conv1"` ... `"conv5"`, `"pool1"`,
            `"pool2"`, `"pool3"`, `"fc6"`, `"fc7"`, `"fc8"`):

            * `most_memory_layer`: the layer whose output activation is largest;
            * `most_params_layer`: the layer with the most parameters;
            * `most_macs_layer`: the layer with the most multiply-accumulates;
            * `fc_params_fraction`: the fraction (a float between 0 and 1) of all parameters that
              sit in FC6, FC7 and FC8.

            (`cnnlib.summarize(cnnlib.get_model("alexnet_ungrouped"), (3, 227, 227))` prints the
            whole table, if you want to check your reasoning.)'''),
        answer(f"{slug}_q3_answer", '''
            ### BEGIN SOLUTION
            _memory = {name: c * h * w for name, (c, h, w) in alexnet_shapes.items()}
            most_memory_layer = max(_memory, key=_memory.get)
            most_params_layer = max(alexnet_params, key=alexnet_params.get)
            _macs = {}
            _c_in = 3
            for _name, _k in (("conv1", 11), ("conv2", 5), ("conv3", 3), ("conv4", 3), ("conv5", 3)):
                _c_out, _h, _w = alexnet_shapes[_name]
                _macs[_name] = _c_out * _c_in * _k * _k * _h * _w
                _c_in = _c_out
            for _name in ("fc6", "fc7", "fc8"):
                _macs[_name] = alexnet_params[_name] - (1000 if _name == "fc8" else 4096)
            most_macs_layer = max(_macs, key=_macs.get)
            fc_params_fraction = (alexnet_params["fc6"] + alexnet_params["fc7"] + alexnet_params["fc8"]) / alexnet_total_params
            ### END SOLUTION'''),
        tests(f"{slug}_q3_tests", 2, '''
            names = {"conv1", "conv2", "conv3", "conv4", "conv5", "pool1", "pool2", "pool3", "fc6", "fc7", "fc8"}
            assert most_memory_layer in names and most_params_layer in names and most_macs_layer in names
            assert 0.0 < fc_params_fraction < 1.0''', alexnet_expected, '''
            def top(table):
                best = None
                for name, value in table.items():
                    if best is None or value > table[best]:
                        best = name
                return best
            _check_choice(most_memory_layer, top(memory), "most_memory_layer")
            _check_choice(most_params_layer, top(params), "most_params_layer")
            _check_choice(most_macs_layer, top(macs), "most_macs_layer")
            fc = params["fc6"] + params["fc7"] + params["fc8"]
            _check_float(fc_params_fraction, fc / _sum(params.values()), "fc_params_fraction", rel=1e-3)'''),
        md(f"{slug}_q4", '''
            ## Q4. Implement AlexNet (5 points)

            Write `AlexNet(num_classes=1000, hidden=4096, dropout=0.5)`, an `nn.Module` for
            `N x 3 x 227 x 227` images implementing the table above (single tower, `groups=1`),
            with:

            * `nn.ReLU` after every convolution and after FC6 and FC7;
            * LRN as `nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0)` right after the
              ReLUs of CONV1 and CONV2, *before* their max pool (the paper's order; the lecture's
              table lists NORM after the pool);
            * `nn.MaxPool2d(3, stride=2)` for the pools;
            * flatten, then FC6 and FC7 with `hidden` units, each followed by ReLU and
              `nn.Dropout(dropout)`, and FC8 with `num_classes` outputs.

            An `nn.AdaptiveAvgPool2d((6, 6))` before flattening is allowed (it changes nothing at
            227x227). The grader compares your network with `cnnlib`'s `alexnet_ungrouped`.'''),
        answer(f"{slug}_q4_answer", '''
            class AlexNet(nn.Module):
                def __init__(self, num_classes=1000, hidden=4096, dropout=0.5):
                    super().__init__()
                    ### BEGIN SOLUTION
                    def lrn():
                        return nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0)

                    self.features = nn.Sequential(
                        nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(inplace=True), lrn(),
                        nn.MaxPool2d(3, stride=2),                                 # 96 x 27 x 27
                        nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(inplace=True), lrn(),
                        nn.MaxPool2d(3, stride=2),                                 # 256 x 13 x 13
                        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(inplace=True),
                        nn.Conv2d(384, 384, 3, padding=1), nn.ReLU(inplace=True),
                        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
                        nn.MaxPool2d(3, stride=2),                                 # 256 x 6 x 6
                    )
                    self.classifier = nn.Sequential(
                        nn.Flatten(),
                        nn.Linear(256 * 6 * 6, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
                        nn.Linear(hidden, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
                        nn.Linear(hidden, num_classes),
                    )
                    ### END SOLUTION

                def forward(self, x):
                    ### BEGIN SOLUTION
                    return self.classifier(self.features(x))
                    ### END SOLUTION'''),
        tests(f"{slug}_q4_tests", 5, '''
            model = AlexNet(num_classes=10, hidden=64).eval()
            with torch.no_grad():
                scores = model(torch.randn(1, 3, 227, 227))
            assert scores.shape == (1, 10), f"expected (1, 10), got {tuple(scores.shape)}"''', '''
            builder = _reference("cnnlib.models.alexnet", "alexnet_ungrouped")
            # the full-size network, analysed on the meta device (no memory, no compute)
            with _torch.device("meta"):
                student, reference = AlexNet(), builder()
            _check_structure(student, reference, (3, 227, 227), "AlexNet()")
            expected = 96 * (3 * 121 + 1) + 256 * (96 * 25 + 1) + 384 * (256 * 9 + 1) + 384 * (384 * 9 + 1) \\
                + 256 * (384 * 9 + 1) + 4096 * (9216 + 1) + 4096 * (4096 + 1) + 1000 * (4096 + 1)
            _check_int(_param_count(student), expected, "parameters of AlexNet()")
            # a small head, real numbers: same outputs as the reference with your weights
            student = AlexNet(num_classes=7, hidden=32, dropout=0.25)
            reference = builder(num_classes=7, hidden=32, dropout=0.25)
            _check_structure(student, reference, (3, 227, 227), "AlexNet(num_classes=7, hidden=32)")
            x = _torch.randn(1, 3, 227, 227, generator=_torch.Generator().manual_seed(0))
            _check_same_function(student, reference, x, "AlexNet(num_classes=7, hidden=32)")''', modules=True),
    ]
    return ch


# =========================================================================== chapter 3
@chapter
def ch03() -> Chapter:
    slug = "ch03_zfnet"
    ch = Chapter(slug, "Chapter 3 exercises: ZFNet")
    ceil_rule = '''
        def pool_ceil(n, k, s, p):
            out = -((-(n + 2 * p - k)) // s) + 1      # ceil division
            if (out - 1) * s >= n + p:                 # last window would start in the padding
                out -= 1
            return out'''
    ch.cells += [
        intro(slug, ch.title, '''
            ZFNet (Zeiler and Fergus, 2013) won ImageNet 2013 by *looking* at AlexNet: their
            deconvolution visualizations showed that CONV1's 11x11 filters at stride 4 left dead
            filters and aliasing artifacts. The fix in the paper's Fig. 3 model: a 7x7 CONV1 at
            stride 2, and CONV2 at stride 2, on a 224x224 input. The CS231n slide adds wider
            CONV3-5 (512, 1024, 512 filters instead of 384, 384, 256); those widths are one of
            the variants in the paper's Table 2. The numbers in this notebook are all computed,
            so compare them with `cnnlib`'s `zfnet` (Fig. 3) and `zfnet_cs231n` (the slide).

            ZFNet's max pools round *up* (Caffe's rule, PyTorch's `ceil_mode=True`):
            `out = ceil((n + 2p - k) / s) + 1`, minus one if the last window would start
            inside the right padding, i.e. if `(out - 1) * s >= n + p`.'''),
        setup(f"{slug}_setup", install=True, text='''
            import math

            import torch
            from torch import nn

            import cnnlib'''),
        md(f"{slug}_q1", '''
            ## Q1. A smaller, denser first layer (2 points)

            For a 224x224 input give the side length (an `int`) of:

            * `zf_conv1_out`: CONV1, 96 filters 7x7, stride 2, padding 1;
            * `zf_pool1_out`: POOL1 after it, 3x3 max pool, stride 2, ceil mode;
            * `zf_conv2_out`: CONV2, 256 filters 5x5, stride 2, no padding;
            * `zf_pool2_out`: POOL2, 3x3, stride 2, ceil mode;

            and, for comparison, `alexnet_conv1_out`: AlexNet's CONV1 (11x11, stride 4, no
            padding) on its 227x227 input.'''),
        answer(f"{slug}_q1_answer", '''
            ### BEGIN SOLUTION
            def _conv(n, k, s, p=0):
                return (n + 2 * p - k) // s + 1

            def _pool_ceil(n, k, s, p=0):
                out = math.ceil((n + 2 * p - k) / s) + 1
                return out - 1 if (out - 1) * s >= n + p else out

            zf_conv1_out = _conv(224, 7, 2, 1)
            zf_pool1_out = _pool_ceil(zf_conv1_out, 3, 2)
            zf_conv2_out = _conv(zf_pool1_out, 5, 2)
            zf_pool2_out = _pool_ceil(zf_conv2_out, 3, 2)
            alexnet_conv1_out = _conv(227, 11, 4)
            ### END SOLUTION'''),
        tests(f"{slug}_q1_tests", 2, '''
            for value in (zf_conv1_out, zf_pool1_out, zf_conv2_out, zf_pool2_out, alexnet_conv1_out):
                assert isinstance(value, int), "sizes are ints"
            assert zf_conv1_out > zf_pool1_out > zf_conv2_out > zf_pool2_out''', ceil_rule, '''
            c1 = (224 + 2 - 7) // 2 + 1
            p1 = pool_ceil(c1, 3, 2, 0)
            c2 = (p1 - 5) // 2 + 1
            p2 = pool_ceil(c2, 3, 2, 0)
            _check_int(zf_conv1_out, c1, "zf_conv1_out")
            _check_int(zf_pool1_out, p1, "zf_pool1_out")
            _check_int(zf_conv2_out, c2, "zf_conv2_out")
            _check_int(zf_pool2_out, p2, "zf_pool2_out")
            _check_int(alexnet_conv1_out, (227 - 11) // 4 + 1, "alexnet_conv1_out")
            with _torch.device("meta"):
                net = _reference("cnnlib.models.zfnet", "zfnet")()
            summary = _il.import_module("cnnlib.summary").summarize(net, (3, 224, 224))
            for value, row, what in ((zf_conv1_out, "body.conv1", "zf_conv1_out"), (zf_pool1_out, "body.pool1", "zf_pool1_out"),
                                     (zf_conv2_out, "body.conv2", "zf_conv2_out"), (zf_pool2_out, "body.pool2", "zf_pool2_out")):
                _check_int(value, summary.row(row).output_shape[-1], f"{what} vs cnnlib.summarize(zfnet)")'''),
        md(f"{slug}_q2", '''
            ## Q2. Feature-map sizes of any conv/pool stack (3 points)

            Write `feature_map_sizes(input_size, layers)` where `layers` is a list of
            `(kind, kernel, stride, padding)` tuples, `kind` being `"conv"` (floor rule) or
            `"pool"` (max pool, ceil rule with the correction above). Return the list of side
            lengths after each layer. Raise `ValueError` for an unknown `kind` or when a layer's
            window no longer fits in its (padded) input.

            Example: `feature_map_sizes(224, [("conv", 7, 2, 1), ("pool", 3, 2, 0)])` gives the
            first two answers of Q1.'''),
        answer(f"{slug}_q2_answer", '''
            def feature_map_sizes(input_size, layers):
                """Side length after each ("conv" | "pool", kernel, stride, padding) layer."""
                ### BEGIN SOLUTION
                sizes, n = [], input_size
                for kind, k, s, p in layers:
                    if kind not in ("conv", "pool"):
                        raise ValueError(f"unknown layer kind {kind!r}; use 'conv' or 'pool'")
                    if k > n + 2 * p:
                        raise ValueError(f"a {k}-wide window does not fit a padded input of {n + 2 * p}")
                    if kind == "conv":
                        n = (n + 2 * p - k) // s + 1
                    else:
                        out = math.ceil((n + 2 * p - k) / s) + 1
                        n = out - 1 if (out - 1) * s >= n + p else out
                    sizes.append(n)
                return sizes
                ### END SOLUTION'''),
        tests(f"{slug}_q2_tests", 3, '''
            assert feature_map_sizes(227, [("conv", 11, 4, 0)]) == [55]
            assert feature_map_sizes(6, [("pool", 3, 2, 0)]) == [3]      # ceil((6-3)/2)+1 = 3
            assert len(feature_map_sizes(224, [("conv", 7, 2, 1), ("pool", 3, 2, 0), ("conv", 5, 2, 0)])) == 3''', ceil_rule, '''
            _nn = _il.import_module("torch.nn")
            rng = _il.import_module("random").Random(7)
            for trial in _range(60):
                n = rng.randint(8, 40)
                layers, modules, side, ok = [], [], n, True
                for _ in _range(rng.randint(1, 4)):
                    kind = rng.choice(("conv", "pool"))
                    k = rng.randint(1, 5)
                    s = rng.randint(1, 3)
                    p = rng.randint(0, k // 2)
                    if k > side + 2 * p:
                        break
                    layers.append((kind, k, s, p))
                    if kind == "conv":
                        side = (side + 2 * p - k) // s + 1
                        modules.append(_nn.Conv2d(1, 1, k, s, p))
                    else:
                        side = pool_ceil(side, k, s, p)
                        modules.append(_nn.MaxPool2d(k, s, p, ceil_mode=True))
                if not layers:
                    continue
                got = feature_map_sizes(n, layers)
                if _TYPE(got) is not _LIST or _len(got) != _len(layers):
                    _fail(f"feature_map_sizes({n}, {layers}) should return a list of {_len(layers)} ints, got {got!r}")
                x = _torch.zeros(1, 1, n, n)
                with _torch.no_grad():
                    for i, m in _enumerate(modules):
                        x = m(x)
                        _check_int(got[i], _shape_of(x)[-1], f"feature_map_sizes({n}, {layers})[{i}] (vs PyTorch)")
            _check_raises("an unknown kind", feature_map_sizes, 32, [("avg", 2, 2, 0)])
            _check_raises("a window larger than the input", feature_map_sizes, 4, [("conv", 3, 1, 0), ("conv", 3, 1, 0), ("conv", 3, 1, 0)])'''),
        md(f"{slug}_q3", '''
            ## Q3. What each POOL1 unit sees (2 points)

            With `r <- r + (k - 1) * j`, `j <- j * s` (from chapter 0), give the receptive
            field `r` and the jump `j` (input pixels between neighbouring units) of a POOL1
            unit: `alexnet_pool1_rf`, `alexnet_pool1_jump` (CONV1 11x11/4 then POOL1 3x3/2) and
            `zf_pool1_rf`, `zf_pool1_jump` (CONV1 7x7/2 then POOL1 3x3/2). A smaller jump means
            the first layers sample the image more densely.'''),
        answer(f"{slug}_q3_answer", '''
            ### BEGIN SOLUTION
            def _rf(layers):
                r, j = 1, 1
                for k, s in layers:
                    r, j = r + (k - 1) * j, j * s
                return r, j

            alexnet_pool1_rf, alexnet_pool1_jump = _rf([(11, 4), (3, 2)])
            zf_pool1_rf, zf_pool1_jump = _rf([(7, 2), (3, 2)])
            ### END SOLUTION'''),
        tests(f"{slug}_q3_tests", 2, '''
            assert zf_pool1_rf < alexnet_pool1_rf
            assert zf_pool1_jump < alexnet_pool1_jump''', '''
            _check_int(alexnet_pool1_rf, 1 + 10 * 1 + 2 * 4, "alexnet_pool1_rf")
            _check_int(alexnet_pool1_jump, 4 * 2, "alexnet_pool1_jump")
            _check_int(zf_pool1_rf, 1 + 6 * 1 + 2 * 2, "zf_pool1_rf")
            _check_int(zf_pool1_jump, 2 * 2, "zf_pool1_jump")
            rf = _il.import_module("cnnlib.arithmetic").receptive_field
            _check_int(zf_pool1_rf, rf([(7, 2), (3, 2)])[0], "zf_pool1_rf vs cnnlib.receptive_field")'''),
        md(f"{slug}_q4", '''
            ## Q4. Wider CONV3-5 (2 points)

            CONV3-5 are 3x3 convolutions (stride 1, padding 1, biases) on the 256-channel
            output of CONV2/POOL2, all at the same spatial size.

            * `zf_conv345_params`: parameters of CONV3-5 with 384, 384, 256 filters (Fig. 3);
            * `zf_wide_conv345_params`: the same with 512, 1024, 512 filters (the slide);
            * `conv345_macs_ratio`: how many times more multiply-accumulates the wide CONV3-5 cost
              than the Fig. 3 ones (a float).'''),
        answer(f"{slug}_q4_answer", '''
            ### BEGIN SOLUTION
            def _stack(widths, c_in=256):
                params = macs_per_pixel = 0
                for c_out in widths:
                    params += c_out * (c_in * 9 + 1)
                    macs_per_pixel += c_out * c_in * 9
                    c_in = c_out
                return params, macs_per_pixel

            zf_conv345_params, _macs = _stack((384, 384, 256))
            zf_wide_conv345_params, _wide_macs = _stack((512, 1024, 512))
            conv345_macs_ratio = _wide_macs / _macs
            ### END SOLUTION'''),
        tests(f"{slug}_q4_tests", 2, '''
            assert zf_wide_conv345_params > zf_conv345_params
            assert conv345_macs_ratio > 1.0''', '''
            narrow = 384 * (256 * 9 + 1) + 384 * (384 * 9 + 1) + 256 * (384 * 9 + 1)
            wide = 512 * (256 * 9 + 1) + 1024 * (512 * 9 + 1) + 512 * (1024 * 9 + 1)
            _check_int(zf_conv345_params, narrow, "zf_conv345_params")
            _check_int(zf_wide_conv345_params, wide, "zf_wide_conv345_params")
            ratio = (512 * 256 + 1024 * 512 + 512 * 1024) / (384 * 256 + 384 * 384 + 256 * 384)
            _check_float(conv345_macs_ratio, ratio, "conv345_macs_ratio", rel=1e-4)
            summarize = _il.import_module("cnnlib.summary").summarize
            for builder, value, what in (("zfnet", zf_conv345_params, "zf_conv345_params"),
                                         ("zfnet_cs231n", zf_wide_conv345_params, "zf_wide_conv345_params")):
                with _torch.device("meta"):
                    net = _reference("cnnlib.models.zfnet", builder)()
                summary = summarize(net, (3, 224, 224))
                _check_int(value, _sum(summary.row(f"body.conv{i}").params for i in (3, 4, 5)), f"{what} vs cnnlib.{builder}")'''),
        md(f"{slug}_q5", '''
            ## Q5. The whole network (2 points)

            `zfnet_params`: total learnable parameters of the Fig. 3 ZFNet with 1000 classes:
            CONV1 (96, 7x7, on 3 channels), CONV2 (256, 5x5), CONV3-5 (384, 384, 256, 3x3), then
            FC6 and FC7 with 4096 units on the flattened `256 x 6 x 6` POOL5 output and FC8 with
            1000. `zfnet_minus_alexnet_params`: how many parameters more (negative: fewer) ZFNet
            has than the single-tower AlexNet of chapter 2 (96-256-384-384-256 filters, 11x11
            CONV1, same FC layers).'''),
        answer(f"{slug}_q5_answer", '''
            ### BEGIN SOLUTION
            _fc = 4096 * (256 * 6 * 6 + 1) + 4096 * (4096 + 1) + 1000 * (4096 + 1)
            zfnet_params = 96 * (3 * 49 + 1) + 256 * (96 * 25 + 1) + zf_conv345_params + _fc
            _alexnet = 96 * (3 * 121 + 1) + 256 * (96 * 25 + 1) + zf_conv345_params + _fc
            zfnet_minus_alexnet_params = zfnet_params - _alexnet
            ### END SOLUTION'''),
        tests(f"{slug}_q5_tests", 2, '''
            assert isinstance(zfnet_params, int) and zfnet_params > 0
            assert zfnet_minus_alexnet_params < 0, "CONV1 is smaller; nothing else changes"''', '''
            fc = 4096 * (9216 + 1) + 4096 * (4096 + 1) + 1000 * (4096 + 1)
            rest = 256 * (96 * 25 + 1) + 384 * (256 * 9 + 1) + 384 * (384 * 9 + 1) + 256 * (384 * 9 + 1) + fc
            _check_int(zfnet_params, 96 * (3 * 49 + 1) + rest, "zfnet_params")
            _check_int(zfnet_minus_alexnet_params, 96 * (3 * 49 + 1) - 96 * (3 * 121 + 1), "zfnet_minus_alexnet_params")
            with _torch.device("meta"):
                zf = _reference("cnnlib.models.zfnet", "zfnet")()
                alex = _reference("cnnlib.models.alexnet", "alexnet_ungrouped")()
            count = lambda net: _sum(_TB.numel(p) for p in net.parameters())
            _check_int(zfnet_params, count(zf), "zfnet_params vs cnnlib.zfnet()")
            _check_int(zfnet_minus_alexnet_params, count(zf) - count(alex), "difference vs cnnlib")'''),
    ]
    return ch


# =========================================================================== chapter 4
VGG16_EXPECTED = '''
    # VGG-16 (configuration D) at 224x224: (stage width, number of 3x3 convs)
    stages = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))
    elements, params, macs, conv_macs = 3 * 224 * 224, 0, 0, 0
    stage_memory, side, c_in = [], 224, 3
    for width, n in stages:
        mem = 0
        for i in _range(n):
            params += width * (c_in * 9 + 1)
            conv_macs += width * c_in * 9 * side * side
            mem += width * side * side
            c_in = width
        side //= 2
        mem += width * side * side          # the stage's max pool output
        stage_memory.append(mem)
        elements += mem
    fc = ((512 * 7 * 7, 4096), (4096, 4096), (4096, 1000))
    fc_params = _sum(n_out * (n_in + 1) for n_in, n_out in fc)
    params += fc_params
    macs = conv_macs + _sum(n_in * n_out for n_in, n_out in fc)
    elements += _sum(n_out for n_in, n_out in fc)'''


@chapter
def ch04() -> Chapter:
    slug = "ch04_vgg"
    ch = Chapter(slug, "Chapter 4 exercises: VGG")
    ch.cells += [
        intro(slug, ch.title, '''
            VGG (Simonyan and Zisserman, 2014) replaced AlexNet's hand-tuned mix of filter
            sizes by one rule: only 3x3 convolutions with stride 1 and padding 1, and 2x2 max
            pools with stride 2. The network is five *stages*; VGG-16 (configuration D) has
            2, 2, 3, 3 and 3 convolutions with 64, 128, 256, 512 and 512 filters, followed by
            FC-4096, FC-4096 and FC-1000 on the `512 x 7 x 7` output of the last stage.'''),
        setup(f"{slug}_setup", install=True, text='''
            import torch
            from torch import nn

            import cnnlib'''),
        md(f"{slug}_q1", '''
            ## Q1. A VGG stage builder (4 points)

            Write `make_vgg_stage(in_channels, out_channels, num_convs, batch_norm=False)`
            returning an `nn.Sequential` of `num_convs` blocks `nn.Conv2d(c, out_channels, 3,
            padding=1)` (with bias; `c` is `in_channels` for the first block and
            `out_channels` after), each followed by `nn.BatchNorm2d(out_channels)` if
            `batch_norm` and by `nn.ReLU`, and finally `nn.MaxPool2d(2, stride=2)`. Raise
            `ValueError` if `num_convs < 1`. A stage maps `C_in x H x W` to
            `C_out x H/2 x W/2`.'''),
        answer(f"{slug}_q1_answer", '''
            def make_vgg_stage(in_channels, out_channels, num_convs, batch_norm=False):
                """num_convs x (3x3 conv [+ BN] + ReLU), then a 2x2 max pool."""
                ### BEGIN SOLUTION
                if num_convs < 1:
                    raise ValueError(f"a VGG stage needs at least one conv, got {num_convs}")
                layers = []
                for i in range(num_convs):
                    layers.append(nn.Conv2d(in_channels if i == 0 else out_channels, out_channels, 3, padding=1))
                    if batch_norm:
                        layers.append(nn.BatchNorm2d(out_channels))
                    layers.append(nn.ReLU(inplace=True))
                layers.append(nn.MaxPool2d(2, stride=2))
                return nn.Sequential(*layers)
                ### END SOLUTION'''),
        tests(f"{slug}_q1_tests", 4, '''
            stage = make_vgg_stage(3, 64, 2)
            assert isinstance(stage, nn.Sequential)
            assert stage(torch.randn(1, 3, 32, 32)).shape == (1, 64, 16, 16)
            assert sum(p.numel() for p in stage.parameters()) == 64 * (3 * 9 + 1) + 64 * (64 * 9 + 1)''', '''
            _nn = _il.import_module("torch.nn")
            builder = _reference("cnnlib.models.vgg", "make_vgg_stage")
            for c_in, c_out, n, bn in ((3, 8, 2, False), (8, 16, 3, False), (5, 12, 1, True), (12, 6, 2, True)):
                what = f"make_vgg_stage({c_in}, {c_out}, {n}, batch_norm={bn})"
                student = make_vgg_stage(c_in, c_out, n, batch_norm=bn)
                if not _isinstance(student, _nn.Sequential):
                    _fail(f"{what} should return an nn.Sequential, got {_tname(student)}")
                expected = c_out * (c_in * 9 + 1) + (n - 1) * c_out * (c_out * 9 + 1) + (2 * n * c_out if bn else 0)
                _check_int(_param_count(student), expected, f"parameters of {what}")
                reference = builder(c_in, c_out, n, norm_layer=_nn.BatchNorm2d if bn else None)
                _check_structure(student, reference, (c_in, 12, 12), what)
                x = _torch.randn(2, c_in, 12, 12, generator=_torch.Generator().manual_seed(n))
                _check_same_function(student, reference, x, what, modes=("eval", "train"))
            _check_raises("make_vgg_stage(3, 8, 0)", make_vgg_stage, 3, 8, 0)''', modules=True),
        md(f"{slug}_q2", '''
            ## Q2. Activation memory of VGG-16 (3 points)

            The lecture tabulates, for one 224x224 image, the size of the input and of the
            output of every conv, pool and FC layer of VGG-16 (ReLUs are applied in place and
            not counted), and quotes a total of "24M numbers, about 96 MB" per image for the
            forward pass. Compute it yourself:

            * `vgg16_activation_elements`: that total number of activation values (an `int`);
            * `vgg16_activation_mib`: the same in MiB of float32 (`bytes / 2**20`, a float);
            * `most_memory_stage`: which stage (1 to 5) holds the most activation values,
              counting its convs and its pool.

            Is the slide's total right?'''),
        answer(f"{slug}_q2_answer", '''
            ### BEGIN SOLUTION
            _stages = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))
            vgg16_activation_elements = 3 * 224 * 224
            _stage_memory, _side = [], 224
            for _width, _n in _stages:
                _mem = _n * _width * _side * _side       # conv outputs
                _side //= 2
                _mem += _width * _side * _side           # pool output
                _stage_memory.append(_mem)
                vgg16_activation_elements += _mem
            vgg16_activation_elements += 4096 + 4096 + 1000
            vgg16_activation_mib = vgg16_activation_elements * 4 / 2**20
            most_memory_stage = 1 + _stage_memory.index(max(_stage_memory))
            ### END SOLUTION'''),
        tests(f"{slug}_q2_tests", 3, '''
            assert isinstance(vgg16_activation_elements, int)
            assert abs(vgg16_activation_mib - vgg16_activation_elements * 4 / 2**20) < 1e-6
            assert most_memory_stage in (1, 2, 3, 4, 5)''', VGG16_EXPECTED, '''
            _check_int(vgg16_activation_elements, elements, "vgg16_activation_elements")
            _check_float(vgg16_activation_mib, elements * 4 / 2**20, "vgg16_activation_mib", rel=1e-6)
            best = 0
            for i, m in _enumerate(stage_memory):
                if m > stage_memory[best]:
                    best = i
            _check_int(most_memory_stage, best + 1, "most_memory_stage")
            with _torch.device("meta"):
                net = _reference("cnnlib.models.vgg", "vgg16")()
            summary = _il.import_module("cnnlib.summary").summarize(net, (3, 224, 224))
            counted = _sum(r.memory_bytes for r in summary.rows if r.kind in ("Conv2d", "MaxPool2d", "Linear")) // 4
            _check_int(vgg16_activation_elements, counted + 3 * 224 * 224, "vgg16_activation_elements vs cnnlib.summarize")'''),
        md(f"{slug}_q3", '''
            ## Q3. Parameters and compute of VGG-16 (2 points)

            With biases and 1000 classes:

            * `vgg16_params`: all learnable parameters; `vgg16_fc_params`: those of the three FC
              layers;
            * `vgg16_macs`: multiply-accumulates for one 224x224 image (convolutions and FC
              layers);
            * `conv_macs_fraction`: the fraction of `vgg16_macs` spent in convolutions.

            Memory sits early, parameters late, compute in the convolutions: three different
            answers to "which layers are expensive?".'''),
        answer(f"{slug}_q3_answer", '''
            ### BEGIN SOLUTION
            with torch.device("meta"):      # shapes only: no memory, no random init
                _model = cnnlib.get_model("vgg16")
            _summary = cnnlib.summarize(_model, (3, 224, 224))
            vgg16_params = _summary.total_params
            vgg16_fc_params = sum(r.params for r in _summary.rows if r.kind == "Linear")
            vgg16_macs = _summary.total_macs
            conv_macs_fraction = sum(r.macs for r in _summary.rows if r.kind == "Conv2d") / vgg16_macs
            del _model
            ### END SOLUTION'''),
        tests(f"{slug}_q3_tests", 2, '''
            assert vgg16_fc_params < vgg16_params
            assert 0.0 < conv_macs_fraction < 1.0''', VGG16_EXPECTED, '''
            _check_int(vgg16_params, params, "vgg16_params")
            _check_int(vgg16_fc_params, fc_params, "vgg16_fc_params")
            _check_int(vgg16_macs, macs, "vgg16_macs")
            _check_float(conv_macs_fraction, conv_macs / macs, "conv_macs_fraction", rel=1e-6)
            tv = _il.import_module("torchvision.models").VGG16_Weights.IMAGENET1K_V1.meta
            _check_int(vgg16_params, tv["num_params"], "vgg16_params vs torchvision's documented count")'''),
        md(f"{slug}_q4", '''
            ## Q4. Why 3x3? (2 points)

            Compare a stack of three 3x3 convolutions (stride 1, padding 1) with one 7x7
            convolution (stride 1, padding 3), both mapping 512 to 512 channels on a 14x14 map,
            weights only (no biases):

            * `stack_rf`: the receptive field of the three-layer stack;
            * `stack_params`, `single_params`: the weights of each option;
            * `stack_macs`, `single_macs`: their multiply-accumulates for one image.

            The stack sees as much, has two more non-linearities, and costs less.'''),
        answer(f"{slug}_q4_answer", '''
            ### BEGIN SOLUTION
            stack_rf = 1 + 3 * (3 - 1)
            stack_params = 3 * 3 * 3 * 512 * 512
            single_params = 7 * 7 * 512 * 512
            stack_macs = stack_params * 14 * 14
            single_macs = single_params * 14 * 14
            ### END SOLUTION'''),
        tests(f"{slug}_q4_tests", 2, '''
            assert stack_params < single_params and stack_macs < single_macs
            assert isinstance(stack_rf, int)''', '''
            _check_int(stack_rf, 7, "stack_rf")
            _check_int(stack_params, 27 * 512 * 512, "stack_params")
            _check_int(single_params, 49 * 512 * 512, "single_params")
            _check_int(stack_macs, 27 * 512 * 512 * 196, "stack_macs")
            _check_int(single_macs, 49 * 512 * 512 * 196, "single_macs")'''),
    ]
    return ch


# =========================================================================== chapter 5
@chapter
def ch05() -> Chapter:
    slug = "ch05_googlenet"
    ch = Chapter(slug, "Chapter 5 exercises: GoogLeNet and the Inception module")
    ch.cells += [
        intro(slug, ch.title, '''
            GoogLeNet (Szegedy et al., 2014) won ImageNet 2014 with 22 layers and about 12x fewer
            parameters than AlexNet. Its building block, the **Inception module**, runs 1x1,
            3x3 and 5x5 convolutions and a 3x3 max pool side by side and concatenates their
            outputs along the channels; 1x1 "bottleneck" convolutions shrink the channels before
            the expensive 3x3 and 5x5 convolutions and after the pool. The network ends with
            global average pooling and a single linear layer instead of large FC layers.'''),
        setup(f"{slug}_setup", install=True, text='''
            import torch
            from torch import nn

            import cnnlib'''),
        md(f"{slug}_q1", '''
            ## Q1. Naive versus bottlenecked (3 points)

            The lecture's example: a module input of `256 x 28 x 28`. The *naive* module has a
            1x1 conv with 128 filters, a 3x3 conv with 192, a 5x5 conv with 96 (all "same"
            padding, stride 1) and a 3x3 max pool (stride 1, padding 1) that passes all 256
            channels through. The *reduced* module adds 1x1 convs with 64 filters before the
            3x3 and the 5x5 convs and after the pool.

            * `naive_out_channels`, `reduced_out_channels`: channels after concatenation;
            * `naive_macs`, `reduced_macs`: multiply-accumulates of all the module's convolutions
              for one image.

            The slide gives 854M for the naive module and 358M for the reduced one. One of the
            two is right; your computation decides which.'''),
        answer(f"{slug}_q1_answer", '''
            ### BEGIN SOLUTION
            _hw = 28 * 28
            naive_out_channels = 128 + 192 + 96 + 256
            naive_macs = _hw * (256 * 128 + 256 * 9 * 192 + 256 * 25 * 96)
            reduced_out_channels = 128 + 192 + 96 + 64
            reduced_macs = _hw * (256 * 128 + 256 * 64 + 64 * 9 * 192 + 256 * 64 + 64 * 25 * 96 + 256 * 64)
            ### END SOLUTION'''),
        tests(f"{slug}_q1_tests", 3, '''
            assert naive_out_channels > reduced_out_channels
            assert naive_macs > reduced_macs > 0''', '''
            hw = 28 * 28
            _check_int(naive_out_channels, 672, "naive_out_channels")
            _check_int(reduced_out_channels, 480, "reduced_out_channels")
            _check_int(naive_macs, hw * 256 * (128 + 9 * 192 + 25 * 96), "naive_macs")
            _check_int(reduced_macs, hw * (256 * (128 + 64 + 64 + 64) + 64 * (9 * 192 + 25 * 96)), "reduced_macs")
            gnet = _il.import_module("cnnlib.models.googlenet")
            summarize = _il.import_module("cnnlib.summary").summarize
            naive = _reference("cnnlib.models.googlenet", "InceptionNaive")(256, 128, 192, 96)
            _check_int(naive_macs, summarize(naive, (256, 28, 28)).total_macs, "naive_macs vs cnnlib")
            _check_int(naive_out_channels, naive.out_channels, "naive_out_channels vs cnnlib")
            reduced = _reference("cnnlib.models.googlenet", "Inception")(256, 128, 64, 192, 64, 96, 64)
            _check_int(reduced_macs, summarize(reduced, (256, 28, 28)).total_macs, "reduced_macs vs cnnlib")'''),
        md(f"{slug}_q2", '''
            ## Q2. Implement the Inception module (5 points)

            Write `Inception(in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj)`
            as in the paper (no batch normalization; every convolution has a bias and is
            followed by `nn.ReLU`; stride 1 and "same" padding everywhere):

            1. branch 1: 1x1 conv to `ch1x1`;
            2. branch 2: 1x1 conv to `ch3x3red`, then 3x3 conv to `ch3x3`;
            3. branch 3: 1x1 conv to `ch5x5red`, then 5x5 conv to `ch5x5` (a real 5x5:
               torchvision's version uses 3x3 here);
            4. branch 4: `nn.MaxPool2d(3, stride=1, padding=1)`, then 1x1 conv to `pool_proj`.

            Concatenate the four outputs along the channels in this order.'''),
        answer(f"{slug}_q2_answer", '''
            class Inception(nn.Module):
                def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
                    super().__init__()
                    ### BEGIN SOLUTION
                    def conv(c_in, c_out, k):
                        return nn.Sequential(nn.Conv2d(c_in, c_out, k, padding=k // 2), nn.ReLU(inplace=True))

                    self.branch1 = conv(in_channels, ch1x1, 1)
                    self.branch2 = nn.Sequential(conv(in_channels, ch3x3red, 1), conv(ch3x3red, ch3x3, 3))
                    self.branch3 = nn.Sequential(conv(in_channels, ch5x5red, 1), conv(ch5x5red, ch5x5, 5))
                    self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), conv(in_channels, pool_proj, 1))
                    ### END SOLUTION

                def forward(self, x):
                    ### BEGIN SOLUTION
                    return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], dim=1)
                    ### END SOLUTION'''),
        tests(f"{slug}_q2_tests", 5, '''
            block = Inception(192, 64, 96, 128, 16, 32, 32)          # inception (3a)
            assert block(torch.randn(1, 192, 28, 28)).shape == (1, 256, 28, 28)''', '''
            ref_cls = _reference("cnnlib.models.googlenet", "Inception")
            for cfg, side in (((192, 64, 96, 128, 16, 32, 32), 28), ((12, 5, 6, 7, 3, 4, 2), 9), ((8, 3, 4, 6, 2, 5, 7), 6)):
                what = f"Inception{cfg}"
                c_in, c1, c3r, c3, c5r, c5, pp = cfg
                student = Inception(*cfg)
                expected = (c1 * (c_in + 1) + c3r * (c_in + 1) + c3 * (9 * c3r + 1) + c5r * (c_in + 1)
                            + c5 * (25 * c5r + 1) + pp * (c_in + 1))
                _check_int(_param_count(student), expected, f"parameters of {what}")
                reference = ref_cls(*cfg)
                _check_structure(student, reference, (c_in, side, side), what)
                x = _torch.randn(2, c_in, side, side, generator=_torch.Generator().manual_seed(side))
                _check_same_function(student, reference, x, what)''', modules=True),
        md(f"{slug}_q3", '''
            ## Q3. Inception (3a) and the head (2 points)

            Inception (3a) takes `192 x 28 x 28` and has `ch1x1=64, ch3x3red=96, ch3x3=128,
            ch5x5red=16, ch5x5=32, pool_proj=32`.

            * `inception_3a_params` (biases included) and `inception_3a_macs` (one image);
            * `googlenet_head_params`: GoogLeNet's classifier, global average pooling of the
              `1024 x 7 x 7` map and one linear layer to 1000 classes;
            * `vgg16_head_params`: VGG-16's three FC layers (FC-4096, FC-4096, FC-1000 on
              `512 x 7 x 7`), for comparison.'''),
        answer(f"{slug}_q3_answer", '''
            ### BEGIN SOLUTION
            _block = Inception(192, 64, 96, 128, 16, 32, 32)
            _summary = cnnlib.summarize(_block, (192, 28, 28))
            inception_3a_params = _summary.total_params
            inception_3a_macs = _summary.total_macs
            googlenet_head_params = 1024 * 1000 + 1000
            vgg16_head_params = (512 * 7 * 7 + 1) * 4096 + (4096 + 1) * 4096 + (4096 + 1) * 1000
            ### END SOLUTION'''),
        tests(f"{slug}_q3_tests", 2, '''
            assert googlenet_head_params < vgg16_head_params
            assert inception_3a_params > 0 and inception_3a_macs > 0''', '''
            weights = 192 * 64 + 192 * 96 + 96 * 9 * 128 + 192 * 16 + 16 * 25 * 32 + 192 * 32
            _check_int(inception_3a_params, weights + 64 + 96 + 128 + 16 + 32 + 32, "inception_3a_params")
            _check_int(inception_3a_macs, weights * 28 * 28, "inception_3a_macs")
            _check_int(googlenet_head_params, 1025 * 1000, "googlenet_head_params")
            _check_int(vgg16_head_params, 25089 * 4096 + 4097 * 4096 + 4097 * 1000, "vgg16_head_params")
            with _torch.device("meta"):
                net = _reference("cnnlib.models.googlenet", "googlenet")()
            summary = _il.import_module("cnnlib.summary").summarize(net, (3, 224, 224))
            rows = [r for r in summary.rows if r.name.startswith("inception3a.")]
            if not rows:
                _fail("cnnlib's googlenet has no layers named inception3a.*")
            _check_int(inception_3a_macs, _sum(r.macs for r in rows), "inception_3a_macs vs cnnlib.googlenet")'''),
    ]
    return ch
