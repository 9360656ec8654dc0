"""Build the nbgrader *source* notebooks of the course exercises, one per chapter 0-12.

    python tools/build_exercises.py          # (re)write solutions/chNN_<topic>/chNN_<topic>.ipynb
    python tools/build_exercises.py --check  # exit 1 if a committed notebook differs from this file

The notebooks are generated so that they can be reviewed as code: every question is a markdown
cell, a solution cell and a graded test cell, written below as plain strings. Committed
notebooks carry no outputs; cell ids are the nbgrader ``grade_id``s, so the output is
deterministic and ``--check`` compares byte for byte.

nbgrader format (schema 3)
--------------------------
* Markdown and setup cells are read-only (``locked``).
* Solution cells (``solution: true``) hold the student's code between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION``; ``nbgrader generate_assignment`` replaces each region with
  ``raise NotImplementedError()``. Numeric answers are variables assigned in solution cells.
* Test cells (``grade: true, locked: true, points > 0``) hold readable visible asserts and
  hidden tests (``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``) that check exact values,
  other sizes and edge cases, the layers with weights (``cnnlib.summarize``: kind, parameter
  count, output shape) and the behaviour against the ``cnnlib`` reference with shared weights.

Tamper resistance (the student's code runs in the same kernel as the tests)
--------------------------------------------------------------------------
The grading kernel of ``cnnlib-course`` restores library state before every cell and provides
:mod:`cnnlib.course.checks`, whose assertions never call anything a submission can replace. The
test cells follow that module's rules:

1. The first line of every test cell imports the helpers afresh:
   ``from cnnlib.course.checks import assert_close, assert_equal, ...``. Every comparison of
   something the student produced goes through them (they reduce values to plain Python
   numbers through C methods of immutable types and accept only exact built-in/tensor types).
2. Expected values are computed *before* any student code runs in the cell. A test cell is
   laid out as: import line; a first hidden block (the grader kit below, then
   ``_grader_prepare()``, which computes the expected values: recomputed from literal
   constants, or from ``cnnlib`` references obtained with ``checks.reference``, which refuses
   objects that do not come from the installed packages); the visible asserts; a second hidden
   block, ``_grader_hidden(...)``, with the remaining checks. The hidden code runs inside these
   functions, so it does not overwrite the student's global variables; visible tests name
   their variables ``test_*`` for the same reason.
3. Nothing is taken from the notebook namespace except the student's answers: builtins come
   from the ``builtins`` module (a student's global ``len`` or ``ValueError`` cannot shadow
   them), exact types from literals (``(0).__class__`` is ``int``), tensors are read and
   written through ``torch._C.TensorBase`` (immutable, cannot be monkeypatched).
4. Modules are compared with shared weights: the reference gets seeded random weights and
   norm statistics and its outputs are computed first; then the student's module is built,
   its layers with weights are paired with the reference's (same kind and tensor shapes, in
   the order they run), the reference's weights are copied into it, and its outputs must match.
   Parameter counts are also checked against formulas written out in the cell.

What remains possible is deliberate sabotage of the grading machinery itself (rewriting
``cnnlib.course.checks`` internals through ``sys.modules``, ``gc`` or ``ctypes``); the guard and
the submission scanner of ``cnnlib-course`` deal with that.

Other rules: a correct solution writes nothing to stderr in a test cell (nbgrader gives such a
cell zero points); test cells end with a statement, not a value; every notebook runs on CPU in
well under 60 s (small inputs, ``meta``-device summaries); an optional GPU cell is guarded by
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
CHECKS_IMPORT = ("from cnnlib.course.checks import assert_close, assert_equal, assert_raises, "
                 "assert_shape, assert_true, reference")


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
    """A read-only, ungraded code cell (imports, given data). ``install`` prepends the line
    that installs cnnlib where it is missing (the first code cell of every notebook)."""
    source = _src(SETUP_HEADER) + "\n\n" + _src(text) if install else _src(text)
    return new_code_cell(source, metadata=_meta(grade_id, locked=True), id=grade_id)


def answer(grade_id: str, text: str):
    """A solution cell: the student's code goes between the solution markers."""
    source = _src(text)
    if source.count(BEGIN_SOLUTION) != source.count(END_SOLUTION) or BEGIN_SOLUTION not in source:
        raise ValueError(f"solution cell {grade_id!r} needs matching solution markers")
    return new_code_cell(source, metadata=_meta(grade_id, solution=True), id=grade_id)


def _parts(parts: str | tuple[str, ...]) -> str:
    # Each snippet is dedented on its own: concatenating differently indented snippets first
    # would nest the later ones inside the earlier ones' blocks.
    snippets = (parts,) if isinstance(parts, str) else parts
    return "\n".join(_src(p) for p in snippets if p.strip())


def _function_locals(name: str, source: str) -> list[str]:
    """Local variable names of ``def name(): <source>`` (what ``locals()`` will hold)."""
    code = compile(source, name, "exec")
    fn = next(c for c in code.co_consts if getattr(c, "co_name", None) == name)
    return sorted(set(fn.co_varnames) | set(fn.co_cellvars))


def tests(grade_id: str, points: int, visible: str, hidden: str | tuple[str, ...], *,
          prepare: str | tuple[str, ...] = (), modules: bool = False):
    """A graded, locked test cell (see the module docstring, point 2, for the layout).

    ``prepare`` computes expected values before any student code runs; ``hidden`` checks the
    student's answers; ``modules`` adds the shared-weights comparison kit. Both hidden snippets
    run inside functions (``_grader_prepare`` returns its locals, which ``_grader_hidden``
    receives as arguments), so they never overwrite the student's global variables.
    """
    if points <= 0:
        raise ValueError(f"test cell {grade_id!r} must carry points, got {points}")
    check = _parts(hidden)
    if not check:
        raise ValueError(f"test cell {grade_id!r} needs hidden tests")
    indent = lambda code: textwrap.indent(code, "    ")  # noqa: E731
    prep = _parts(prepare) or "pass"
    prepare_fn = f"def _grader_prepare():\n{indent(prep)}\n    return dict(locals())"
    names = _function_locals("_grader_prepare", prepare_fn)
    params = ", ".join([*names, "**_unused"])
    kit = [_src(GRADER_KIT)] + ([_src(MODULE_KIT)] if modules else [])
    source = "\n".join([
        CHECKS_IMPORT,
        BEGIN_HIDDEN, "\n\n".join([*kit, prepare_fn]), "", "_grader = _grader_prepare()", END_HIDDEN,
        _src(visible),
        BEGIN_HIDDEN, f"def _grader_hidden({params}):\n{indent(check)}", "",
        "_grader_hidden(**_grader)", END_HIDDEN,
    ])
    compile(source, grade_id, "exec")
    return new_code_cell(source, metadata=_meta(grade_id, grade=True, locked=True, points=points),
                         id=grade_id)


# Colab and fresh environments: install cnnlib without replacing the preinstalled torch (the
# same line as the book's notebooks).
CNNLIB_PIP_SOURCE = "cnnlib @ git+https://github.com/cnn-architectures-course/cnn-architectures"
SETUP_HEADER = f'''
# Setup: on Colab or a fresh JupyterHub, install the course library (keeps the installed torch).
try:
    import cnnlib
except ImportError:
    %pip install -q "{CNNLIB_PIP_SOURCE}"
    import cnnlib
'''


# --------------------------------------------------------------------------- grader kits
# First hidden block of every test cell (module docstring, points 1-3).
GRADER_KIT = r'''
import importlib as _il
from builtins import (AssertionError as _AssertionError, ValueError as _ValueError, any as _any,
                      enumerate as _enumerate, id as _id, isinstance as _isinstance, len as _len,
                      range as _range, sorted as _sorted, sum as _sum, zip as _zip)
_torch = _il.import_module("torch")
_TB = _torch._C.TensorBase  # immutable type: its methods cannot be monkeypatched
_INT, _FLOAT, _STR, _TUPLE, _LIST, _DICT = (0).__class__, (0.0).__class__, "".__class__, ().__class__, [].__class__, {}.__class__
_TYPE = _INT.__class__
_summarize = reference("cnnlib.summarize")

def _tname(value):
    return _TYPE(value).__name__

def _check_int(value, expected, what):
    assert_true(_TYPE(value) is _INT, msg=f"{what} should be an int, got {_tname(value)}")
    assert_equal(value, expected, msg=what)

def _check_float(value, expected, what, rel=1e-6, abs_tol=1e-12):
    assert_true(_TYPE(value) is _FLOAT or _TYPE(value) is _INT, msg=f"{what} should be a float, got {_tname(value)}")
    assert_close(value, expected, rtol=rel, atol=abs_tol, msg=what)

def _check_shape(value, expected, what):
    assert_true(_isinstance(value, _TUPLE), msg=f"{what} should be a tuple like {expected}, got {_tname(value)}")
    assert_equal(_TUPLE(value), expected, msg=what)

def _check_choice(value, expected, what):
    assert_true(_TYPE(value) is _STR, msg=f"{what} should be a str, got {_tname(value)}")
    assert_equal(value.strip().lower(), expected, msg=what)

def _check_raises(what, fn, *args, **kwargs):
    try:
        assert_raises(_ValueError, fn, *args, **kwargs)
    except _AssertionError as err:
        raise _AssertionError(f"{what}: {err}") from None

def _shape_of(t):
    return _TUPLE(_TB.size(t))
'''

# Added where a student's nn.Module is compared with a cnnlib reference (docstring, point 4).
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

def _pairing_key(m):
    """Kind and tensor shapes; a Linear layer counts as the equivalent 1x1 convolution."""
    kind, shapes = _tname(m), [_shape_of(t) for t in _own_tensors(m)]
    if kind == "Linear":
        kind, shapes = "Conv2d", [s + (1, 1) if _len(s) == 2 else s for s in shapes]
    return (kind, _TUPLE(shapes))

def _randomize(model, seed):
    """Seeded He-uniform weights, small biases, random norm statistics (in place)."""
    g = _torch.Generator().manual_seed(seed)
    with _torch.no_grad():
        for m in model.modules():
            for name, t in _LIST(m._parameters.items()) + _LIST(m._buffers.items()):
                if t is None or not _TB.is_floating_point(t):
                    continue
                shape = _shape_of(t)
                if name == "running_var":
                    new = _torch.rand(shape, generator=g) + 0.5
                elif name in ("running_mean", "bias"):
                    new = _torch.randn(shape, generator=g) * 0.2
                elif _len(shape) >= 2:
                    new = (_torch.rand(shape, generator=g) * 2 - 1) * (6.0 * shape[0] / _TB.numel(t)) ** 0.5
                else:
                    new = _torch.rand(shape, generator=g) + 0.5
                _TB.copy_(t, new)

def _layer_table(model, input_size):
    """Sorted (kind, params, output shape) of the layers with weights; a Linear layer is listed
    as the equivalent 1x1 convolution (a squeeze-excitation MLP may use either)."""
    rows = []
    for r in _summarize(model, input_size).rows:
        if r.params > 0:
            kind, shape = r.kind, _TUPLE(r.output_shape)
            if kind == "Linear":
                kind, shape = "Conv2d", shape + (1, 1)
            rows.append((kind, r.params, shape))
    return _sorted(rows)

def _prepare(reference_module, x, *, input_size=None, modes=("eval",), seed=0):
    """Everything the comparison needs from the reference, computed before student code runs."""
    _randomize(reference_module, seed)
    reference_module.eval()
    layers = _layers_in_call_order(reference_module, x)
    snapshot = [[_TB.clone(_TB.detach(t)) for t in _own_tensors(m)] for m in layers]
    outputs = []
    for mode in modes:  # eval first: a train-mode pass moves the running statistics
        reference_module.train(mode == "train")
        with _torch.no_grad():
            outputs.append((mode, reference_module(_TB.clone(x))))
    reference_module.eval()
    table = _layer_table(reference_module, input_size) if input_size is not None else None
    return {"keys": [_pairing_key(m) for m in layers], "snapshot": snapshot, "outputs": outputs,
            "x": _TB.clone(x), "table": table, "input_size": input_size}

def _check_structure(student, ref, what):
    """The same layers with weights as the reference: kind, parameter count, output shape."""
    mine = _layer_table(student, ref["input_size"])
    if mine != ref["table"]:
        missing = [row for row in ref["table"] if row not in mine]
        extra = [row for row in mine if row not in ref["table"]]
        raise _AssertionError(
            f"{what}: the layers with weights, as (kind, params, output shape), differ from the "
            f"reference; missing {missing}, unexpected {extra}")

def _check_against(student, ref, what, rtol=1e-4, atol=1e-5):
    """Structure (if prepared), then the reference's weights in the student's module and the
    same outputs. Layers pair by kind and tensor shapes, in the order they run."""
    if ref["table"] is not None:
        _check_structure(student, ref, what)
    student.eval()
    mine = _layers_in_call_order(student, ref["x"])
    groups = {}
    for m in mine:
        groups.setdefault(_pairing_key(m), []).append(m)
    ref_groups = {}
    for key, tensors in _zip(ref["keys"], ref["snapshot"]):
        ref_groups.setdefault(key, []).append(tensors)
    for key in _LIST(ref_groups) + _LIST(groups):
        n_mine, n_ref = _len(groups.get(key, [])), _len(ref_groups.get(key, []))
        if n_mine != n_ref:
            raise _AssertionError(
                f"{what}: the reference runs {n_ref} {key[0]} layer(s) holding tensors of shapes "
                f"{_LIST(key[1])}; your module runs {n_mine}. Yours, in the order they run: "
                f"{[_pairing_key(m) for m in mine]}")
    with _torch.no_grad():
        for key, ref_tensors in ref_groups.items():
            for module, tensors in _zip(groups[key], ref_tensors):
                for mine_t, ref_t in _zip(_own_tensors(module), tensors):
                    _TB.copy_(mine_t, _TB.reshape(ref_t, _TB.size(mine_t)))
    for mode, expected in ref["outputs"]:
        student.train(mode == "train")
        with _torch.no_grad():
            out = student(_TB.clone(ref["x"]))
        assert_close(out, expected, rtol=rtol, atol=atol, msg=f"{what}: output in {mode} mode")
    student.eval()

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
        then run the test cell below each answer. The visible tests catch the obvious slips;
        the grader runs more tests on other sizes and compares your modules with `cnnlib`'s
        reference implementations. Numeric answers are plain Python `int`s (counts and sizes)
        or `float`s (ratios); compute them in the cell rather than typing a number.'''))


def common_setup(slug: str, extra: str = ""):
    """The first code cell: install line, imports."""
    base = _src('''
        import math

        import torch
        from torch import nn''')
    return setup(f"{slug}_setup", install=True, text=base + ("\n" + _src(extra) if extra else ""))


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
        common_setup(slug),
        # ------------------------------------------------------------------ Q1
        md(f"{slug}_q1", '''
            ## Q1. Output size of a convolution (3 points)

            A convolution with kernel `K`, stride `S`, padding `P` and dilation `D` over an
            input of length `W` produces `floor((W + 2P - D(K-1) - 1) / S) + 1` outputs along
            that axis (PyTorch floors when the filter does not tile the input exactly).

            Write `conv_output_size(size, kernel, stride=1, padding=0, dilation=1)` returning
            that `int`. Raise `ValueError` (with a message saying what is wrong) when `size`,
            `kernel`, `stride` or `dilation` is not a positive `int`, when `padding` is a
            negative or non-`int` value, or when the dilated kernel is larger than the padded
            input.'''),
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
            assert_equal(conv_output_size(227, 11, stride=4), 55)        # AlexNet CONV1
            assert_equal(conv_output_size(32, 5), 28)                    # LeNet-5 C1
            assert_equal(conv_output_size(224, 3, stride=1, padding=1), 224)
            assert_equal(conv_output_size(7, 3, stride=2), 3)
            assert_raises(ValueError, conv_output_size, 3, 5)            # the kernel does not fit''',
              prepare='''
            cases = []
            for size in _range(1, 15):
                for k in _range(1, 6):
                    for s in _range(1, 4):
                        for p in _range(0, 3):
                            for d in (1, 2):
                                span = size + 2 * p - (d * (k - 1) + 1)
                                cases.append(((size, k, s, p, d), span // s + 1 if span >= 0 else None))
            _nn = _il.import_module("torch.nn")
            measured = []
            for size, k, s, p, d in ((227, 11, 4, 0, 1), (13, 3, 2, 1, 1), (10, 3, 3, 0, 2), (31, 4, 2, 1, 1)):
                with _torch.no_grad():
                    out = _nn.Conv2d(1, 1, k, s, p, d)(_torch.zeros(1, 1, size, size))
                measured.append(((size, k, s, p, d), _shape_of(out)[-1]))''', hidden='''
            for args, expected in cases:
                what = "conv_output_size(size=%d, kernel=%d, stride=%d, padding=%d, dilation=%d)" % args
                if expected is None:
                    _check_raises(what, conv_output_size, *args)
                else:
                    _check_int(conv_output_size(*args), expected, what)
            for args, expected in measured:
                _check_int(conv_output_size(*args), expected, "conv_output_size%s vs nn.Conv2d" % (args,))
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
            assert_equal(conv_params(3, 96, 11), (11 * 11 * 3 + 1) * 96)      # AlexNet CONV1
            assert_equal(conv_params(64, 64, 3, bias=False), 3 * 3 * 64 * 64)
            assert_equal(conv_params(32, 32, 3, groups=32), 32 * 9 + 32)      # depthwise 3x3
            assert_equal(conv_macs(3, 96, 11, 55, 55), 96 * 11 * 11 * 3 * 55 * 55)
            assert_raises(ValueError, conv_params, 10, 16, 3, groups=4)      # 4 does not divide 10''',
              prepare='''
            _nn = _il.import_module("torch.nn")
            _flop_counter = _il.import_module("torch.utils.flop_counter")
            cases = []
            for c_in, c_out, k, g, bias in ((3, 96, 11, 1, True), (96, 256, 5, 2, True), (32, 32, 3, 32, False),
                                            (64, 128, 1, 4, True), (6, 16, 5, 1, True), (12, 18, 3, 3, False)):
                conv = _nn.Conv2d(c_in, c_out, k, groups=g, bias=bias)
                params = c_out * (c_in // g) * k * k + (c_out if bias else 0)
                assert_equal(_sum(_TB.numel(p) for p in conv.parameters()), params, msg="formula vs nn.Conv2d")
                with _flop_counter.FlopCounterMode(display=False) as counter:
                    y = conv(_torch.zeros(1, c_in, 13, 13))
                oh, ow = _shape_of(y)[2], _shape_of(y)[3]
                cases.append(((c_in, c_out, k, g, bias, oh, ow), params, counter.get_total_flops() // 2))''', hidden='''
            for (c_in, c_out, k, g, bias, oh, ow), params, macs in cases:
                _check_int(conv_params(c_in, c_out, k, bias=bias, groups=g), params,
                           f"conv_params({c_in}, {c_out}, {k}, bias={bias}, groups={g})")
                _check_int(conv_macs(c_in, c_out, k, oh, ow, groups=g), macs,
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
            assert_equal(len(conv1_output_shape), 3)
            assert_equal(conv1_output_shape[0], 96)
            assert_equal(pool1_output_shape[0], 96)
            assert_equal(conv1_flops, 2 * conv1_macs)''', prepare='''
            side = (227 - 11) // 4 + 1
            pooled = (side - 3) // 2 + 1
            with _torch.device("meta"):
                net = reference("cnnlib.models.alexnet.alexnet_ungrouped")()
            summary = _summarize(net, (3, 227, 227))
            conv1_row, pool1_row = summary.row("body.conv1"), summary.row("body.pool1")''', hidden='''
            _check_shape(conv1_output_shape, (96, side, side), "conv1_output_shape")
            _check_shape(pool1_output_shape, (96, pooled, pooled), "pool1_output_shape")
            _check_int(conv1_params, (11 * 11 * 3 + 1) * 96, "conv1_params")
            _check_int(conv1_macs, 96 * 11 * 11 * 3 * side * side, "conv1_macs")
            _check_int(conv1_flops, 2 * 96 * 11 * 11 * 3 * side * side, "conv1_flops")
            _check_int(conv1_memory_bytes, 4 * 96 * side * side, "conv1_memory_bytes")
            _check_int(pool1_params, 0, "pool1_params")
            # the same numbers from cnnlib's summary of the lecture's (single-tower) AlexNet
            _check_int(conv1_params, conv1_row.params, "conv1_params vs cnnlib.summarize")
            _check_int(conv1_macs, conv1_row.macs, "conv1_macs vs cnnlib.summarize")
            _check_int(conv1_memory_bytes, conv1_row.memory_bytes, "conv1_memory_bytes vs cnnlib.summarize")
            _check_shape(pool1_output_shape, pool1_row.output_shape, "pool1_output_shape vs cnnlib.summarize")'''),
        # ------------------------------------------------------------------ Q4
        md(f"{slug}_q4", '''
            ## Q4. Receptive fields (3 points)

            The receptive field of a unit is the patch of input pixels it depends on. For a
            stack of layers given as `(kernel, stride)` pairs, first layer first, it grows as
            `r <- r + (kernel - 1) * j` and `j <- j * stride`, starting from `r = 1`, `j = 1`
            (`j` is the distance in input pixels between neighbouring units of the current layer).

            * Write `receptive_field(layers)` returning `r`; raise `ValueError` if `layers` is
              empty.
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
            assert_equal(receptive_field([(3, 1)]), 3)
            assert_equal(receptive_field([(2, 2), (2, 2)]), 4)
            assert_equal(rf_three_3x3, receptive_field([(3, 1), (3, 1), (3, 1)]))
            assert_true(params_three_3x3 < params_one_7x7)''', prepare='''
            rng = _il.import_module("random").Random(2024)
            cases = []
            for trial in _range(200):
                layers = [(rng.randint(1, 7), rng.randint(1, 3)) for _ in _range(rng.randint(1, 6))]
                r, j = 1, 1
                for k, s in layers:
                    r, j = r + (k - 1) * j, j * s
                cases.append((layers, r))
            cnnlib_rf = reference("cnnlib.receptive_field")([(11, 4), (3, 2)])[0]''', hidden='''
            for layers, expected in cases:
                _check_int(receptive_field([_TUPLE(layer) for layer in layers]), expected, f"receptive_field({layers})")
            _check_raises("receptive_field([])", receptive_field, [])
            _check_int(rf_three_3x3, 1 + 2 + 2 + 2, "rf_three_3x3")
            _check_int(rf_alexnet_pool1, 1 + 10 + 2 * 4, "rf_alexnet_pool1")
            _check_int(rf_alexnet_pool1, cnnlib_rf, "rf_alexnet_pool1 vs cnnlib.receptive_field")
            _check_int(params_three_3x3, 3 * 9 * 256 * 256, "params_three_3x3")
            _check_int(params_one_7x7, 49 * 256 * 256, "params_one_7x7")'''),
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
        common_setup(slug),
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
            for test_shape in (c1_shape, s2_shape, c3_shape, s4_shape, c5_shape):
                assert_equal(len(test_shape), 3)      # (channels, height, width)
            assert_equal([s[0] for s in (c1_shape, s2_shape, c3_shape, s4_shape, c5_shape)], [6, 6, 16, 16, 120])''',
              prepare='''
            h1 = 32 - 4
            h3 = h1 // 2 - 4
            h5 = h3 // 2 - 4
            expected = [("c1_shape", (6, h1, h1)), ("s2_shape", (6, h1 // 2, h1 // 2)), ("c3_shape", (16, h3, h3)),
                        ("s4_shape", (16, h3 // 2, h3 // 2)), ("c5_shape", (120, h5, h5))]''', hidden='''
            for value, (name, shape) in _zip((c1_shape, s2_shape, c3_shape, s4_shape, c5_shape), expected):
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
            assert_true(c1_params < c3_params < c5_params)
            assert_true(c3_params_sparse < c3_params)''', prepare=f'''
            total = {lenet_params.format(n=10)}
            lenet = reference("cnnlib.models.lenet.lenet5")()
            sparse = reference("cnnlib.models.lenet.SparseC3")()
            cnnlib_total = _sum(_TB.numel(p) for p in lenet.parameters())
            cnnlib_sparse = _sum(_TB.numel(p) for p in sparse.parameters())''', hidden='''
            _check_int(c1_params, 6 * 26, "c1_params")
            _check_int(c3_params, 16 * 151, "c3_params")
            _check_int(c5_params, 120 * 401, "c5_params")
            _check_int(c3_params_sparse, (6 * 3 + 9 * 4 + 6) * 25 + 16, "c3_params_sparse")
            _check_int(lenet5_params, total, "lenet5_params")
            _check_int(lenet5_params, cnnlib_total, "lenet5_params vs cnnlib.lenet5()")
            _check_int(c3_params_sparse, cnnlib_sparse, "c3_params_sparse vs cnnlib's SparseC3 (the paper's Table I)")'''),
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

            Use `nn.Tanh` modules or `torch.tanh`, as you like. The grader copies the weights of
            `cnnlib`'s `lenet5` into your model and compares the outputs.'''),
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
            test_model = LeNet5()
            assert_shape(test_model(torch.randn(2, 1, 32, 32)), (2, 10))
            assert_equal(sum(p.numel() for p in test_model.parameters()), {lenet_params.format(n=10)})''',
              prepare=f'''
            builder = reference("cnnlib.models.lenet.lenet5")
            refs = []
            for n_classes in (10, 7):
                x = _torch.randn(3, 1, 32, 32, generator=_torch.Generator().manual_seed(n_classes))
                refs.append((n_classes, {lenet_params.format(n="n_classes")},
                             _prepare(builder(num_classes=n_classes), x, input_size=(1, 32, 32), seed=n_classes)))''',
              hidden='''
            for n_classes, params, ref in refs:
                student = LeNet5(num_classes=n_classes)
                _check_int(_param_count(student), params, f"parameters of LeNet5(num_classes={n_classes})")
                _check_against(student, ref, f"LeNet5(num_classes={n_classes})")''', modules=True),
        md(f"{slug}_q4", '''
            ## Q4. Where do parameters and compute go? (2 points)

            * `most_params_layer` and `most_macs_layer`: the name (`"C1"`, `"C3"`, `"C5"`, `"F6"`
              or `"OUTPUT"`) of the layer with the most parameters, and of the layer with the
              most multiply-accumulates, in your (fully connected) LeNet-5 with 10 classes.
            * `c1_padding_for_mnist`: MNIST digits are 28x28. How much zero padding must C1 use
              so that the rest of the network sees exactly the same shapes as with 32x32 input?

            `cnnlib.summarize(model, (1, 32, 32))` lists `params` and `macs` per layer, if you
            want to check.'''),
        answer(f"{slug}_q4_answer", '''
            ### BEGIN SOLUTION
            # the layers with weights, in the order they run, are C1, C3, C5, F6, OUTPUT
            _rows = [r for r in cnnlib.summarize(LeNet5(), (1, 32, 32)).rows if r.params > 0]
            _named = dict(zip(("C1", "C3", "C5", "F6", "OUTPUT"), _rows))
            most_params_layer = max(_named, key=lambda name: _named[name].params)
            most_macs_layer = max(_named, key=lambda name: _named[name].macs)
            c1_padding_for_mnist = (32 - 28) // 2
            ### END SOLUTION'''),
        tests(f"{slug}_q4_tests", 2, '''
            assert_true(most_params_layer in ("C1", "C3", "C5", "F6", "OUTPUT"))
            assert_true(most_macs_layer in ("C1", "C3", "C5", "F6", "OUTPUT"))
            assert_true(isinstance(c1_padding_for_mnist, int))''', prepare='''
            params = {"c1": 6 * 26, "c3": 16 * 151, "c5": 120 * 401, "f6": 84 * 121, "output": 10 * 85}
            macs = {"c1": 6 * 25 * 28 * 28, "c3": 16 * 150 * 10 * 10, "c5": 120 * 400, "f6": 120 * 84, "output": 840}
            def top(table):
                best = None
                for name, value in table.items():
                    if best is None or value > table[best]:
                        best = name
                return best
            top_params, top_macs = top(params), top(macs)
            _nn = _il.import_module("torch.nn")
            for pad in _range(5):
                with _torch.no_grad():
                    if _shape_of(_nn.Conv2d(1, 6, 5, padding=pad)(_torch.zeros(1, 1, 28, 28)))[-1] == 28:
                        padding = pad''', hidden='''
            _check_choice(most_params_layer, top_params, "most_params_layer")
            _check_choice(most_macs_layer, top_macs, "most_macs_layer")
            _check_int(c1_padding_for_mnist, padding, "c1_padding_for_mnist")'''),
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

# Expected values for the lecture's single-tower AlexNet, recomputed from its table.
ALEXNET_EXPECTED = '''
    convs = (("conv1", 3, 96, 11, 4, 0), ("conv2", 96, 256, 5, 1, 2), ("conv3", 256, 384, 3, 1, 1),
             ("conv4", 384, 384, 3, 1, 1), ("conv5", 384, 256, 3, 1, 1))
    pools = {"conv1": "pool1", "conv2": "pool2", "conv5": "pool3"}
    shapes, params, macs, memory = {}, {}, {}, {}
    side = 227
    for name, c_in, c_out, k, s, p in convs:
        side = (side + 2 * p - k) // s + 1
        shapes[name] = (c_out, side, side)
        params[name] = c_out * (c_in * k * k + 1)
        macs[name] = c_out * c_in * k * k * side * side
        memory[name] = c_out * side * side
        if name in pools:
            side = (side - 3) // 2 + 1
            shapes[pools[name]] = (c_out, side, side)
            memory[pools[name]] = c_out * side * side
    for name, n_in, n_out in (("fc6", 256 * 6 * 6, 4096), ("fc7", 4096, 4096), ("fc8", 4096, 1000)):
        params[name] = n_out * (n_in + 1)
        macs[name] = n_in * n_out
        memory[name] = n_out
    def top(table):
        best = None
        for key, value in table.items():
            if best is None or value > table[best]:
                best = key
        return best'''


@chapter
def ch02() -> Chapter:
    slug = "ch02_alexnet"
    ch = Chapter(slug, "Chapter 2 exercises: AlexNet")
    ch.cells += [
        intro(slug, ch.title, '''
            AlexNet (Krizhevsky, Sutskever and Hinton, 2012) won ImageNet 2012 and started the
            deep-learning era of computer vision: ReLU, dropout, data augmentation, overlapping
            max pooling, local response normalization (LRN) and two GPUs. We work with the
            lecture's "simplified" single-tower version (no split across GPUs), 227x227x3 input:
            ''' + ALEXNET_TABLE_MD),
        common_setup(slug),
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
            assert_equal(sorted(alexnet_shapes), ["conv1", "conv2", "conv3", "conv4", "conv5", "pool1", "pool2", "pool3"])
            assert_equal(alexnet_shapes["conv1"][0], 96)''', prepare=(ALEXNET_EXPECTED, '''
            with _torch.device("meta"):
                net = reference("cnnlib.models.alexnet.alexnet_ungrouped")()
            summary = _summarize(net, (3, 227, 227))
            cnnlib_shapes = {name: summary.row(row).output_shape for name, row in
                             (("conv1", "body.conv1"), ("pool1", "body.pool1"), ("pool2", "body.pool2"), ("pool3", "body.pool5"))}'''),
              hidden='''
            assert_true(_TYPE(alexnet_shapes) is _DICT, msg=f"alexnet_shapes should be a dict, got {_tname(alexnet_shapes)}")
            for name in ("conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool3"):
                _check_shape(alexnet_shapes.get(name), shapes[name], f"alexnet_shapes[{name!r}]")
            for name, shape in cnnlib_shapes.items():
                _check_shape(alexnet_shapes[name], _TUPLE(shape), f"alexnet_shapes[{name!r}] vs cnnlib.summarize")'''),
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
            assert_equal(sorted(alexnet_params), ["conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"])
            assert_equal(alexnet_params["conv1"], (11 * 11 * 3 + 1) * 96)
            assert_equal(alexnet_total_params, sum(alexnet_params.values()))''', prepare=(ALEXNET_EXPECTED, '''
            with _torch.device("meta"):
                net = reference("cnnlib.models.alexnet.alexnet_ungrouped")()
            cnnlib_total = _sum(_TB.numel(p) for p in net.parameters())'''), hidden='''
            assert_true(_TYPE(alexnet_params) is _DICT, msg=f"alexnet_params should be a dict, got {_tname(alexnet_params)}")
            for name, value in params.items():
                _check_int(alexnet_params.get(name), value, f"alexnet_params[{name!r}]")
            _check_int(alexnet_total_params, _sum(params.values()), "alexnet_total_params")
            _check_int(alexnet_total_params, cnnlib_total, "alexnet_total_params vs cnnlib")'''),
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
            for _name, _n_out in (("fc6", 4096), ("fc7", 4096), ("fc8", 1000)):
                _macs[_name] = alexnet_params[_name] - _n_out      # weights = MACs for one image
            most_macs_layer = max(_macs, key=_macs.get)
            fc_params_fraction = (alexnet_params["fc6"] + alexnet_params["fc7"] + alexnet_params["fc8"]) / alexnet_total_params
            ### END SOLUTION'''),
        tests(f"{slug}_q3_tests", 2, '''
            test_names = {"conv1", "conv2", "conv3", "conv4", "conv5", "pool1", "pool2", "pool3", "fc6", "fc7", "fc8"}
            assert_true(most_memory_layer in test_names and most_params_layer in test_names and most_macs_layer in test_names)
            assert_true(0.0 < fc_params_fraction < 1.0)''', prepare=ALEXNET_EXPECTED, hidden='''
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
            test_model = AlexNet(num_classes=10, hidden=64).eval()
            with torch.no_grad():
                assert_shape(test_model(torch.randn(1, 3, 227, 227)), (1, 10))''', prepare='''
            builder = reference("cnnlib.models.alexnet.alexnet_ungrouped")
            # the full-size network, analysed on the meta device (no memory, no compute)
            with _torch.device("meta"):
                full = builder()
            full_table = _layer_table(full, (3, 227, 227))
            full_params = 96 * (3 * 121 + 1) + 256 * (96 * 25 + 1) + 384 * (256 * 9 + 1) + 384 * (384 * 9 + 1) \\
                + 256 * (384 * 9 + 1) + 4096 * (9216 + 1) + 4096 * (4096 + 1) + 1000 * (4096 + 1)
            # a small head, real numbers
            x = _torch.randn(1, 3, 227, 227, generator=_torch.Generator().manual_seed(0))
            ref = _prepare(builder(num_classes=7, hidden=32, dropout=0.25), x, input_size=(3, 227, 227))''',
              hidden='''
            with _torch.device("meta"):
                student = AlexNet()
            assert_equal(_layer_table(student, (3, 227, 227)), full_table,
                         msg="AlexNet(): layers with weights as (kind, params, output shape) vs the reference")
            _check_int(_param_count(student), full_params, "parameters of AlexNet()")
            _check_against(AlexNet(num_classes=7, hidden=32, dropout=0.25), ref, "AlexNet(num_classes=7, hidden=32)")''',
              modules=True),
    ]
    return ch


# =========================================================================== chapter 3
POOL_CEIL = '''
    def pool_ceil(n, k, s, p):
        out = -((-(n + 2 * p - k)) // s) + 1      # ceil division
        if (out - 1) * s >= n + p:                 # the last window would start in the padding
            out -= 1
        return out'''


@chapter
def ch03() -> Chapter:
    slug = "ch03_zfnet"
    ch = Chapter(slug, "Chapter 3 exercises: ZFNet")
    ch.cells += [
        intro(slug, ch.title, '''
            ZFNet (Zeiler and Fergus, 2013) won ImageNet 2013 by *looking* at AlexNet: their
            deconvolution visualizations showed that CONV1's 11x11 filters at stride 4 left dead
            filters and aliasing artifacts. The fix in the paper's Fig. 3 model: a 7x7 CONV1 at
            stride 2, and CONV2 at stride 2, on a 224x224 input. The CS231n slide adds wider
            CONV3-5 (512, 1024, 512 filters instead of 384, 384, 256); those widths are one of
            the variants of the paper's Table 2. `cnnlib` builds both: `zfnet` (Fig. 3) and
            `zfnet_cs231n` (the slide).

            ZFNet's max pools round *up* (Caffe's rule, PyTorch's `ceil_mode=True`):
            `out = ceil((n + 2p - k) / s) + 1`, minus one if the last window would start
            inside the right padding, i.e. if `(out - 1) * s >= n + p`.'''),
        common_setup(slug),
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
            for test_value in (zf_conv1_out, zf_pool1_out, zf_conv2_out, zf_pool2_out, alexnet_conv1_out):
                assert_true(isinstance(test_value, int), msg="sizes are ints")
            assert_true(zf_conv1_out > zf_pool1_out > zf_conv2_out > zf_pool2_out)''', prepare=(POOL_CEIL, '''
            c1 = (224 + 2 - 7) // 2 + 1
            p1 = pool_ceil(c1, 3, 2, 0)
            c2 = (p1 - 5) // 2 + 1
            p2 = pool_ceil(c2, 3, 2, 0)
            with _torch.device("meta"):
                net = reference("cnnlib.models.zfnet.zfnet")()
            summary = _summarize(net, (3, 224, 224))
            cnnlib_sides = [summary.row(name).output_shape[-1] for name in ("body.conv1", "body.pool1", "body.conv2", "body.pool2")]'''),
              hidden='''
            _check_int(zf_conv1_out, c1, "zf_conv1_out")
            _check_int(zf_pool1_out, p1, "zf_pool1_out")
            _check_int(zf_conv2_out, c2, "zf_conv2_out")
            _check_int(zf_pool2_out, p2, "zf_pool2_out")
            _check_int(alexnet_conv1_out, (227 - 11) // 4 + 1, "alexnet_conv1_out")
            for value, side, what in _zip((zf_conv1_out, zf_pool1_out, zf_conv2_out, zf_pool2_out), cnnlib_sides,
                                          ("zf_conv1_out", "zf_pool1_out", "zf_conv2_out", "zf_pool2_out")):
                _check_int(value, side, f"{what} vs cnnlib.summarize(zfnet)")'''),
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
            assert_equal(feature_map_sizes(227, [("conv", 11, 4, 0)]), [55])
            assert_equal(feature_map_sizes(6, [("pool", 3, 2, 0)]), [3])      # ceil((6 - 3) / 2) + 1
            assert_equal(len(feature_map_sizes(224, [("conv", 7, 2, 1), ("pool", 3, 2, 0), ("conv", 5, 2, 0)])), 3)''',
              prepare=(POOL_CEIL, '''
            _nn = _il.import_module("torch.nn")
            rng = _il.import_module("random").Random(7)
            cases = []
            while _len(cases) < 60:
                n = rng.randint(8, 40)
                layers, modules, side = [], [], n
                for _ in _range(rng.randint(1, 4)):
                    kind, k, s = rng.choice(("conv", "pool")), rng.randint(1, 5), rng.randint(1, 3)
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
                x, sizes = _torch.zeros(1, 1, n, n), []
                with _torch.no_grad():
                    for m in modules:
                        x = m(x)
                        sizes.append(_shape_of(x)[-1])
                assert_equal(sizes[-1], side, msg="the ceil rule vs PyTorch")
                cases.append((n, layers, sizes))'''), hidden='''
            for n, layers, sizes in cases:
                got = feature_map_sizes(n, [_TUPLE(layer) for layer in layers])
                assert_true(_TYPE(got) is _LIST, msg=f"feature_map_sizes should return a list, got {_tname(got)}")
                assert_equal(got, sizes, msg=f"feature_map_sizes({n}, {layers}) vs PyTorch")
                for i, value in _enumerate(got):
                    _check_int(value, sizes[i], f"feature_map_sizes({n}, {layers})[{i}]")
            _check_raises("an unknown kind", feature_map_sizes, 32, [("avg", 2, 2, 0)])
            _check_raises("a window larger than the input", feature_map_sizes, 4, [("conv", 3, 1, 0)] * 3)'''),
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
            assert_true(zf_pool1_rf < alexnet_pool1_rf)
            assert_true(zf_pool1_jump < alexnet_pool1_jump)''', prepare='''
            rf = reference("cnnlib.receptive_field")
            alex, zf = rf([(11, 4), (3, 2)]), rf([(7, 2), (3, 2)])
            assert_equal([alex[0], alex[1], zf[0], zf[1]], [1 + 10 + 2 * 4, 4 * 2, 1 + 6 + 2 * 2, 2 * 2],
                         msg="cnnlib.receptive_field vs the recurrence")''', hidden='''
            _check_int(alexnet_pool1_rf, alex[0], "alexnet_pool1_rf")
            _check_int(alexnet_pool1_jump, alex[1], "alexnet_pool1_jump")
            _check_int(zf_pool1_rf, zf[0], "zf_pool1_rf")
            _check_int(zf_pool1_jump, zf[1], "zf_pool1_jump")'''),
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
            assert_true(zf_wide_conv345_params > zf_conv345_params)
            assert_true(conv345_macs_ratio > 1.0)''', prepare='''
            narrow = 384 * (256 * 9 + 1) + 384 * (384 * 9 + 1) + 256 * (384 * 9 + 1)
            wide = 512 * (256 * 9 + 1) + 1024 * (512 * 9 + 1) + 512 * (1024 * 9 + 1)
            ratio = (512 * 256 + 1024 * 512 + 512 * 1024) / (384 * 256 + 384 * 384 + 256 * 384)
            from_cnnlib = []
            for builder in ("zfnet", "zfnet_cs231n"):
                with _torch.device("meta"):
                    net = reference(f"cnnlib.models.zfnet.{builder}")()
                summary = _summarize(net, (3, 224, 224))
                from_cnnlib.append(_sum(summary.row(f"body.conv{i}").params for i in (3, 4, 5)))''', hidden='''
            _check_int(zf_conv345_params, narrow, "zf_conv345_params")
            _check_int(zf_wide_conv345_params, wide, "zf_wide_conv345_params")
            _check_float(conv345_macs_ratio, ratio, "conv345_macs_ratio", rel=1e-4)
            _check_int(zf_conv345_params, from_cnnlib[0], "zf_conv345_params vs cnnlib.zfnet")
            _check_int(zf_wide_conv345_params, from_cnnlib[1], "zf_wide_conv345_params vs cnnlib.zfnet_cs231n")'''),
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
            assert_true(isinstance(zfnet_params, int) and zfnet_params > 0)
            assert_true(zfnet_minus_alexnet_params < 0, msg="CONV1 is smaller; nothing else changes")''', prepare='''
            fc = 4096 * (9216 + 1) + 4096 * (4096 + 1) + 1000 * (4096 + 1)
            rest = 256 * (96 * 25 + 1) + 384 * (256 * 9 + 1) + 384 * (384 * 9 + 1) + 256 * (384 * 9 + 1) + fc
            with _torch.device("meta"):
                zf = reference("cnnlib.models.zfnet.zfnet")()
                alex = reference("cnnlib.models.alexnet.alexnet_ungrouped")()
            zf_count = _sum(_TB.numel(p) for p in zf.parameters())
            alex_count = _sum(_TB.numel(p) for p in alex.parameters())''', hidden='''
            _check_int(zfnet_params, 96 * (3 * 49 + 1) + rest, "zfnet_params")
            _check_int(zfnet_minus_alexnet_params, 96 * (3 * 49 + 1) - 96 * (3 * 121 + 1), "zfnet_minus_alexnet_params")
            _check_int(zfnet_params, zf_count, "zfnet_params vs cnnlib.zfnet()")
            _check_int(zfnet_minus_alexnet_params, zf_count - alex_count, "zfnet_minus_alexnet_params vs cnnlib")'''),
    ]
    return ch


# =========================================================================== chapter 4
# Expected values for VGG-16 (configuration D) at 224x224, recomputed from its table.
VGG16_EXPECTED = '''
    stages = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))
    elements, params, conv_macs = 3 * 224 * 224, 0, 0
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
        common_setup(slug),
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
            test_stage = make_vgg_stage(3, 64, 2)
            assert_true(isinstance(test_stage, nn.Sequential))
            assert_shape(test_stage(torch.randn(1, 3, 32, 32)), (1, 64, 16, 16))
            assert_equal(sum(p.numel() for p in test_stage.parameters()), 64 * (3 * 9 + 1) + 64 * (64 * 9 + 1))''',
              prepare='''
            _nn = _il.import_module("torch.nn")
            sequential = _nn.Sequential
            builder = reference("cnnlib.models.vgg.make_vgg_stage")
            refs = []
            for c_in, c_out, n, bn in ((3, 8, 2, False), (8, 16, 3, False), (5, 12, 1, True), (12, 6, 2, True)):
                params = c_out * (c_in * 9 + 1) + (n - 1) * c_out * (c_out * 9 + 1) + (2 * c_out * n if bn else 0)
                x = _torch.randn(2, c_in, 12, 12, generator=_torch.Generator().manual_seed(n))
                module = builder(c_in, c_out, n, norm_layer=_nn.BatchNorm2d if bn else None)
                refs.append(((c_in, c_out, n, bn), params, _prepare(module, x, input_size=(c_in, 12, 12), modes=("eval", "train"))))''',
              hidden='''
            for (c_in, c_out, n, bn), params, ref in refs:
                what = f"make_vgg_stage({c_in}, {c_out}, {n}, batch_norm={bn})"
                student = make_vgg_stage(c_in, c_out, n, batch_norm=bn)
                assert_true(_isinstance(student, sequential), msg=f"{what} should return an nn.Sequential")
                _check_int(_param_count(student), params, f"parameters of {what}")
                _check_against(student, ref, what)
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
            assert_true(isinstance(vgg16_activation_elements, int))
            assert_close(vgg16_activation_mib, vgg16_activation_elements * 4 / 2**20)
            assert_true(most_memory_stage in (1, 2, 3, 4, 5))''', prepare=(VGG16_EXPECTED, '''
            best = 0
            for i, m in _enumerate(stage_memory):
                if m > stage_memory[best]:
                    best = i
            with _torch.device("meta"):
                net = reference("cnnlib.models.vgg.vgg16")()
            summary = _summarize(net, (3, 224, 224))
            counted = _sum(r.memory_bytes for r in summary.rows if r.kind in ("Conv2d", "MaxPool2d", "Linear")) // 4
            assert_equal(counted + 3 * 224 * 224, elements, msg="cnnlib.summarize vs the table")'''), hidden='''
            _check_int(vgg16_activation_elements, elements, "vgg16_activation_elements")
            _check_float(vgg16_activation_mib, elements * 4 / 2**20, "vgg16_activation_mib", rel=1e-6)
            _check_int(most_memory_stage, best + 1, "most_memory_stage")'''),
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
            ### END SOLUTION'''),
        tests(f"{slug}_q3_tests", 2, '''
            assert_true(vgg16_fc_params < vgg16_params)
            assert_true(0.0 < conv_macs_fraction < 1.0)''', prepare=(VGG16_EXPECTED, '''
            torchvision_params = _il.import_module("torchvision.models").VGG16_Weights.IMAGENET1K_V1.meta["num_params"]
            assert_equal(params, torchvision_params, msg="the table vs torchvision's documented count")'''),
              hidden='''
            _check_int(vgg16_params, params, "vgg16_params")
            _check_int(vgg16_fc_params, fc_params, "vgg16_fc_params")
            _check_int(vgg16_macs, macs, "vgg16_macs")
            _check_float(conv_macs_fraction, conv_macs / macs, "conv_macs_fraction", rel=1e-6)'''),
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
            assert_true(stack_params < single_params and stack_macs < single_macs)
            assert_true(isinstance(stack_rf, int))''', prepare='''
            rf = reference("cnnlib.receptive_field")([(3, 1)] * 3)[0]''', hidden='''
            _check_int(stack_rf, rf, "stack_rf")
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
        common_setup(slug),
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

            The slide gives 854M for the naive module and 358M for the reduced one. Does your
            computation agree with both?'''),
        answer(f"{slug}_q1_answer", '''
            ### BEGIN SOLUTION
            _hw = 28 * 28
            naive_out_channels = 128 + 192 + 96 + 256
            naive_macs = _hw * (256 * 128 + 256 * 9 * 192 + 256 * 25 * 96)
            reduced_out_channels = 128 + 192 + 96 + 64
            reduced_macs = _hw * (256 * 128 + 256 * 64 + 64 * 9 * 192 + 256 * 64 + 64 * 25 * 96 + 256 * 64)
            ### END SOLUTION'''),
        tests(f"{slug}_q1_tests", 3, '''
            assert_true(naive_out_channels > reduced_out_channels)
            assert_true(naive_macs > reduced_macs > 0)''', prepare='''
            hw = 28 * 28
            naive = reference("cnnlib.models.googlenet.InceptionNaive")(256, 128, 192, 96)
            reduced = reference("cnnlib.models.googlenet.Inception")(256, 128, 64, 192, 64, 96, 64)
            cnnlib_naive_macs = _summarize(naive, (256, 28, 28)).total_macs
            cnnlib_reduced_macs = _summarize(reduced, (256, 28, 28)).total_macs
            assert_equal([naive.out_channels, reduced.out_channels], [128 + 192 + 96 + 256, 128 + 192 + 96 + 64],
                         msg="cnnlib's Inception output channels")''', hidden='''
            _check_int(naive_out_channels, 128 + 192 + 96 + 256, "naive_out_channels")
            _check_int(reduced_out_channels, 128 + 192 + 96 + 64, "reduced_out_channels")
            _check_int(naive_macs, hw * 256 * (128 + 9 * 192 + 25 * 96), "naive_macs")
            _check_int(reduced_macs, hw * (256 * (128 + 64 + 64 + 64) + 64 * (9 * 192 + 25 * 96)), "reduced_macs")
            _check_int(naive_macs, cnnlib_naive_macs, "naive_macs vs cnnlib")
            _check_int(reduced_macs, cnnlib_reduced_macs, "reduced_macs vs cnnlib")'''),
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
            test_block = Inception(192, 64, 96, 128, 16, 32, 32)          # inception (3a)
            assert_shape(test_block(torch.randn(1, 192, 28, 28)), (1, 256, 28, 28))''', prepare='''
            ref_cls = reference("cnnlib.models.googlenet.Inception")
            refs = []
            for cfg, side in (((192, 64, 96, 128, 16, 32, 32), 10), ((12, 5, 6, 7, 3, 4, 2), 9), ((8, 3, 4, 6, 2, 5, 7), 6)):
                c_in, c1, c3r, c3, c5r, c5, pp = cfg
                params = (c1 * (c_in + 1) + c3r * (c_in + 1) + c3 * (9 * c3r + 1) + c5r * (c_in + 1)
                          + c5 * (25 * c5r + 1) + pp * (c_in + 1))
                x = _torch.randn(2, c_in, side, side, generator=_torch.Generator().manual_seed(side))
                refs.append((cfg, params, _prepare(ref_cls(*cfg), x, input_size=(c_in, side, side))))''', hidden='''
            for cfg, params, ref in refs:
                what = f"Inception{cfg}"
                student = Inception(*cfg)
                _check_int(_param_count(student), params, f"parameters of {what}")
                _check_against(student, ref, what)''', modules=True),
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
            _summary = cnnlib.summarize(Inception(192, 64, 96, 128, 16, 32, 32), (192, 28, 28))
            inception_3a_params = _summary.total_params
            inception_3a_macs = _summary.total_macs
            googlenet_head_params = 1024 * 1000 + 1000
            vgg16_head_params = (512 * 7 * 7 + 1) * 4096 + (4096 + 1) * 4096 + (4096 + 1) * 1000
            ### END SOLUTION'''),
        tests(f"{slug}_q3_tests", 2, '''
            assert_true(googlenet_head_params < vgg16_head_params)
            assert_true(inception_3a_params > 0 and inception_3a_macs > 0)''', prepare='''
            weights = 192 * 64 + 192 * 96 + 96 * 9 * 128 + 192 * 16 + 16 * 25 * 32 + 192 * 32
            with _torch.device("meta"):
                net = reference("cnnlib.models.googlenet.googlenet")()
            rows = [r for r in _summarize(net, (3, 224, 224)).rows if r.name.startswith("inception3a.")]
            assert_true(_len(rows) > 0, msg="cnnlib's googlenet has layers named inception3a.*")
            cnnlib_3a = (_sum(r.params for r in rows), _sum(r.macs for r in rows))''', hidden='''
            _check_int(inception_3a_params, weights + 64 + 96 + 128 + 16 + 32 + 32, "inception_3a_params")
            _check_int(inception_3a_macs, weights * 28 * 28, "inception_3a_macs")
            _check_int(inception_3a_params, cnnlib_3a[0], "inception_3a_params vs cnnlib.googlenet")
            _check_int(inception_3a_macs, cnnlib_3a[1], "inception_3a_macs vs cnnlib.googlenet")
            _check_int(googlenet_head_params, 1025 * 1000, "googlenet_head_params")
            _check_int(vgg16_head_params, 25089 * 4096 + 4097 * 4096 + 4097 * 1000, "vgg16_head_params")'''),
    ]
    return ch


# =========================================================================== chapter 6
@chapter
def ch06() -> Chapter:
    slug = "ch06_resnet"
    ch = Chapter(slug, "Chapter 6 exercises: residual networks")
    ch.cells += [
        intro(slug, ch.title, '''
            A deeper plain network trains *worse* than a shallower one, on the training set
            too: it is an optimization problem, not overfitting. ResNet (He et al., 2015) makes
            the identity easy to learn: each block computes `relu(F(x) + x)`, so a block whose
            residual branch `F` outputs zeros passes its input through. Stages of blocks halve
            the resolution and double the channels at their first block, where the shortcut
            becomes a 1x1 projection.'''),
        common_setup(slug),
        md(f"{slug}_q1", '''
            ## Q1. The basic block (4 points)

            Write `BasicBlock(in_channels, out_channels, stride=1)`:

            * residual branch: 3x3 conv (`stride`, padding 1, no bias) -> `nn.BatchNorm2d` ->
              ReLU -> 3x3 conv (stride 1, padding 1, no bias) -> `nn.BatchNorm2d`;
            * shortcut: the identity if `stride == 1` and `in_channels == out_channels`,
              otherwise a 1x1 conv (`stride`, no bias) followed by `nn.BatchNorm2d` (the paper's
              option B);
            * output: `relu(branch(x) + shortcut(x))`.

            Compute the branch before the shortcut: the grader pairs your layers with the
            reference's (`cnnlib.models.resnet.BasicBlock`) in the order they run.'''),
        answer(f"{slug}_q1_answer", '''
            class BasicBlock(nn.Module):
                def __init__(self, in_channels, out_channels, stride=1):
                    super().__init__()
                    ### BEGIN SOLUTION
                    self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
                    self.bn1 = nn.BatchNorm2d(out_channels)
                    self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
                    self.bn2 = nn.BatchNorm2d(out_channels)
                    self.shortcut = nn.Identity()
                    if stride != 1 or in_channels != out_channels:
                        self.shortcut = nn.Sequential(
                            nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                            nn.BatchNorm2d(out_channels))
                    ### END SOLUTION

                def forward(self, x):
                    ### BEGIN SOLUTION
                    out = torch.relu(self.bn1(self.conv1(x)))
                    out = self.bn2(self.conv2(out))
                    return torch.relu(out + self.shortcut(x))
                    ### END SOLUTION'''),
        tests(f"{slug}_q1_tests", 4, '''
            assert_shape(BasicBlock(16, 16)(torch.randn(2, 16, 8, 8)), (2, 16, 8, 8))
            assert_shape(BasicBlock(16, 32, stride=2)(torch.randn(2, 16, 8, 8)), (2, 32, 4, 4))
            assert_equal(sum(p.numel() for p in BasicBlock(16, 16).parameters()), 2 * 9 * 16 * 16 + 4 * 16)''',
              prepare='''
            ref_cls = reference("cnnlib.models.resnet.BasicBlock")
            refs = []
            for c_in, c_out, stride in ((8, 8, 1), (8, 12, 2), (6, 10, 1), (10, 10, 2)):
                projection = stride != 1 or c_in != c_out
                params = 9 * c_in * c_out + 9 * c_out * c_out + 4 * c_out + (c_in * c_out + 2 * c_out if projection else 0)
                x = _torch.randn(2, c_in, 8, 8, generator=_torch.Generator().manual_seed(c_in + c_out))
                refs.append(((c_in, c_out, stride), params,
                             _prepare(ref_cls(c_in, c_out, stride), x, input_size=(c_in, 8, 8), modes=("eval", "train"))))''',
              hidden='''
            for cfg, params, ref in refs:
                what = f"BasicBlock{cfg}"
                student = BasicBlock(*cfg)
                _check_int(_param_count(student), params, f"parameters of {what}")
                _check_against(student, ref, what)''', modules=True),
        md(f"{slug}_q2", '''
            ## Q2. The bottleneck block (4 points)

            Write `Bottleneck(in_channels, out_channels, stride=1)` with `width = out_channels //
            4` (the expansion factor 4):

            * branch: 1x1 conv to `width` -> BN -> ReLU -> 3x3 conv `width -> width` with the
              `stride` (padding 1) -> BN -> ReLU -> 1x1 conv to `out_channels` -> BN; all convs
              without bias. (The stride sits on the 3x3 conv, "ResNet v1.5" as in torchvision;
              the paper puts it on the first 1x1 conv.)
            * shortcut and output as in the basic block.

            Again compute the branch before the shortcut.'''),
        answer(f"{slug}_q2_answer", '''
            class Bottleneck(nn.Module):
                def __init__(self, in_channels, out_channels, stride=1):
                    super().__init__()
                    ### BEGIN SOLUTION
                    width = out_channels // 4
                    self.branch = nn.Sequential(
                        nn.Conv2d(in_channels, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
                        nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
                        nn.Conv2d(width, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels),
                    )
                    self.shortcut = nn.Identity()
                    if stride != 1 or in_channels != out_channels:
                        self.shortcut = nn.Sequential(
                            nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                            nn.BatchNorm2d(out_channels))
                    ### END SOLUTION

                def forward(self, x):
                    ### BEGIN SOLUTION
                    return torch.relu(self.branch(x) + self.shortcut(x))
                    ### END SOLUTION'''),
        tests(f"{slug}_q2_tests", 4, '''
            assert_shape(Bottleneck(64, 64)(torch.randn(2, 64, 8, 8)), (2, 64, 8, 8))
            assert_shape(Bottleneck(64, 128, stride=2)(torch.randn(2, 64, 8, 8)), (2, 128, 4, 4))''', prepare='''
            ref_cls = reference("cnnlib.models.resnet.Bottleneck")
            refs = []
            for c_in, c_out, stride in ((16, 16, 1), (16, 32, 2), (24, 16, 1), (32, 32, 2)):
                w = c_out // 4
                projection = stride != 1 or c_in != c_out
                params = c_in * w + 9 * w * w + w * c_out + 2 * (w + w + c_out) + (c_in * c_out + 2 * c_out if projection else 0)
                x = _torch.randn(2, c_in, 8, 8, generator=_torch.Generator().manual_seed(c_in + c_out))
                refs.append(((c_in, c_out, stride), params,
                             _prepare(ref_cls(c_in, c_out, stride), x, input_size=(c_in, 8, 8), modes=("eval", "train"))))''',
              hidden='''
            for cfg, params, ref in refs:
                what = f"Bottleneck{cfg}"
                student = Bottleneck(*cfg)
                _check_int(_param_count(student), params, f"parameters of {what}")
                _check_against(student, ref, what)''', modules=True),
        md(f"{slug}_q3", '''
            ## Q3. Basic versus bottleneck cost (2 points)

            The lecture: a basic block on `C` channels costs `18 H W C^2` multiply-accumulates;
            a bottleneck block on `4C` channels (1x1 to `C`, 3x3, 1x1 back to `4C`) costs
            `17 H W C^2`: more layers and more channels for less compute. Check it for
            `C = 64` on a 56x56 map, stride 1, identity shortcuts, counting convolutions only:

            * `basic_block_macs`, `basic_block_conv_params` (64 -> 64 channels);
            * `bottleneck_block_macs`, `bottleneck_block_conv_params` (256 -> 256 channels,
              width 64).'''),
        answer(f"{slug}_q3_answer", '''
            ### BEGIN SOLUTION
            _hw = 56 * 56
            basic_block_conv_params = 2 * 9 * 64 * 64
            basic_block_macs = basic_block_conv_params * _hw
            bottleneck_block_conv_params = 256 * 64 + 9 * 64 * 64 + 64 * 256
            bottleneck_block_macs = bottleneck_block_conv_params * _hw
            ### END SOLUTION'''),
        tests(f"{slug}_q3_tests", 2, '''
            assert_true(bottleneck_block_macs < basic_block_macs)''', prepare='''
            hw, c = 56 * 56, 64
            basic = reference("cnnlib.models.resnet.BasicBlock")(64, 64)
            bottleneck = reference("cnnlib.models.resnet.Bottleneck")(256, 256)
            s_basic, s_bottle = _summarize(basic, (64, 56, 56)), _summarize(bottleneck, (256, 56, 56))
            from_cnnlib = [_sum(r.params for r in s.rows if r.kind == "Conv2d") for s in (s_basic, s_bottle)]
            from_cnnlib += [s_basic.total_macs, s_bottle.total_macs]''', hidden='''
            _check_int(basic_block_macs, 18 * hw * c * c, "basic_block_macs")
            _check_int(bottleneck_block_macs, 17 * hw * c * c, "bottleneck_block_macs")
            _check_int(basic_block_conv_params, 18 * c * c, "basic_block_conv_params")
            _check_int(bottleneck_block_conv_params, 17 * c * c, "bottleneck_block_conv_params")
            _check_int(basic_block_conv_params, from_cnnlib[0], "basic_block_conv_params vs cnnlib")
            _check_int(bottleneck_block_conv_params, from_cnnlib[1], "bottleneck_block_conv_params vs cnnlib")
            _check_int(basic_block_macs, from_cnnlib[2], "basic_block_macs vs cnnlib")
            _check_int(bottleneck_block_macs, from_cnnlib[3], "bottleneck_block_macs vs cnnlib")'''),
        md(f"{slug}_q4", '''
            ## Q4. Counting layers (2 points)

            A ResNet's name counts its layers with weights: the stem convolution, the
            convolutions of all blocks (2 per basic block, 3 per bottleneck; shortcut
            projections are not counted) and the final linear layer.

            * Write `resnet_depth(block, blocks_per_stage)` with `block` being `"basic"` or
              `"bottleneck"`; e.g. `resnet_depth("bottleneck", (3, 4, 6, 3))` is ResNet-50's
              depth. Raise `ValueError` for another `block`.
            * `cifar_blocks_per_stage`: the CIFAR ResNets have three stages of `n` basic blocks
              each, so depth `6n + 2`; how many blocks per stage does ResNet-110 have?'''),
        answer(f"{slug}_q4_answer", '''
            def resnet_depth(block, blocks_per_stage):
                """Layers with weights: stem conv + block convs + final linear layer."""
                ### BEGIN SOLUTION
                per_block = {"basic": 2, "bottleneck": 3}
                if block not in per_block:
                    raise ValueError(f"block must be 'basic' or 'bottleneck', got {block!r}")
                return 1 + per_block[block] * sum(blocks_per_stage) + 1
                ### END SOLUTION


            ### BEGIN SOLUTION
            cifar_blocks_per_stage = (110 - 2) // 6
            ### END SOLUTION'''),
        tests(f"{slug}_q4_tests", 2, '''
            assert_equal(resnet_depth("basic", (2, 2, 2, 2)), 18)
            assert_equal(resnet_depth("bottleneck", (3, 4, 6, 3)), 50)''', prepare='''
            table = reference("cnnlib.models.resnet.IMAGENET_RESNETS")
            depths = []
            for name, (block, blocks) in table.items():
                with _torch.device("meta"):
                    net = reference(f"cnnlib.models.resnet.{name}")()
                rows = _summarize(net, (3, 224, 224)).rows
                counted = _sum(1 for r in rows if r.kind in ("Conv2d", "Linear") and "shortcut" not in r.name)
                assert_equal(counted, _INT(name[len("resnet"):]), msg=f"layers of cnnlib's {name}")
                depths.append((block, _TUPLE(blocks), counted))
            cifar = reference("cnnlib.models.resnet.CIFAR_DEPTHS")[110]''', hidden='''
            for block, blocks, depth in depths:
                _check_int(resnet_depth(block, blocks), depth, f"resnet_depth({block!r}, {blocks})")
            _check_int(resnet_depth("basic", (5, 5, 5)), 32, "resnet_depth('basic', (5, 5, 5))")
            _check_raises("resnet_depth('plain', (2, 2))", resnet_depth, "plain", (2, 2))
            _check_int(cifar_blocks_per_stage, cifar, "cifar_blocks_per_stage")'''),
    ]
    return ch


# =========================================================================== chapter 7
@chapter
def ch07() -> Chapter:
    slug = "ch07_normalization"
    ch = Chapter(slug, "Chapter 7 exercises: batch normalization")
    ch.cells += [
        intro(slug, ch.title, '''
            Batch normalization (Ioffe and Szegedy, 2015) standardizes every channel with the
            mean and variance of the current mini-batch, then applies a learned scale `gamma`
            and shift `beta`: `y = gamma * (x - mean) / sqrt(var + eps) + beta`. At test time
            there is no batch to average over, so it uses running averages collected during
            training; BN then becomes a fixed per-channel affine map that can be folded into
            the convolution before it. Other normalizations average over other axes.'''),
        common_setup(slug),
        md(f"{slug}_q1", '''
            ## Q1. BatchNorm2d from scratch (5 points)

            Write `BatchNorm2d(num_features, eps=1e-5, momentum=0.1)`, an `nn.Module` for
            `N x C x H x W` inputs that behaves like `torch.nn.BatchNorm2d` and keeps its names,
            so state dicts are interchangeable:

            * parameters `weight` (gamma, ones) and `bias` (beta, zeros), shape `(C,)`;
            * buffers `running_mean` (zeros), `running_var` (ones) and `num_batches_tracked`
              (a `long` scalar tensor, 0);
            * **training mode**: normalize with the batch mean and the *biased* batch variance
              (divide by `n = N * H * W`) over axes `(0, 2, 3)`; then update
              `running = (1 - momentum) * running + momentum * batch_statistic`, using the
              *unbiased* variance (divide by `n - 1`) for `running_var`, and add 1 to
              `num_batches_tracked`. Raise `ValueError` if `n == 1`;
            * **eval mode**: normalize with `running_mean` and `running_var`;
            * raise `ValueError` if the input is not 4-D with `num_features` channels.

            Use tensor arithmetic and reductions; `torch.nn.functional.batch_norm` and
            `nn.BatchNorm2d` are off limits (the grader checks). Gradients must flow through
            the batch statistics in training mode (just don't `detach` them).'''),
        answer(f"{slug}_q1_answer", '''
            class BatchNorm2d(nn.Module):
                def __init__(self, num_features, eps=1e-5, momentum=0.1):
                    super().__init__()
                    ### BEGIN SOLUTION
                    self.num_features, self.eps, self.momentum = num_features, eps, momentum
                    self.weight = nn.Parameter(torch.ones(num_features))
                    self.bias = nn.Parameter(torch.zeros(num_features))
                    self.register_buffer("running_mean", torch.zeros(num_features))
                    self.register_buffer("running_var", torch.ones(num_features))
                    self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))
                    ### END SOLUTION

                def forward(self, x):
                    ### BEGIN SOLUTION
                    if x.dim() != 4 or x.shape[1] != self.num_features:
                        raise ValueError(f"expected N x {self.num_features} x H x W input, got {tuple(x.shape)}")
                    if self.training:
                        n = x.numel() // x.shape[1]
                        if n == 1:
                            raise ValueError("training needs more than one value per channel")
                        mean = x.mean(dim=(0, 2, 3))
                        var = ((x - mean[None, :, None, None]) ** 2).mean(dim=(0, 2, 3))
                        with torch.no_grad():
                            m = self.momentum
                            self.running_mean.mul_(1 - m).add_(m * mean)
                            self.running_var.mul_(1 - m).add_(m * var * n / (n - 1))
                            self.num_batches_tracked.add_(1)
                    else:
                        mean, var = self.running_mean, self.running_var
                    x_hat = (x - mean[None, :, None, None]) / torch.sqrt(var[None, :, None, None] + self.eps)
                    return x_hat * self.weight[None, :, None, None] + self.bias[None, :, None, None]
                    ### END SOLUTION'''),
        tests(f"{slug}_q1_tests", 5, '''
            test_bn = BatchNorm2d(3)
            test_y = test_bn(torch.randn(8, 3, 4, 4) * 5 + 2)
            assert_close(test_y.mean(dim=(0, 2, 3)), torch.zeros(3), atol=1e-5)
            assert_close(test_y.var(dim=(0, 2, 3), correction=0), torch.ones(3), atol=1e-3)
            assert_equal(test_bn.num_batches_tracked, 1)''', prepare='''
            _nn = _il.import_module("torch.nn")
            C, eps, momentum = 5, 1e-4, 0.3
            g = _torch.Generator().manual_seed(7)
            batches = [_torch.randn(4, C, 3, 3, generator=g) * (i + 1.5) + i for i in _range(3)]
            test_x = _torch.randn(2, C, 3, 3, generator=g) * 2
            upstream = _torch.randn(6, C, 3, 3, generator=g)
            gamma, beta = _torch.rand(C, generator=g) + 0.5, _torch.randn(C, generator=g) * 0.3
            oracle = _nn.BatchNorm2d(C, eps=eps, momentum=momentum)
            with _torch.no_grad():
                _TB.copy_(oracle.weight, gamma)
                _TB.copy_(oracle.bias, beta)
                train_out = [oracle(b) for b in batches]
                oracle.eval()
                eval_out = oracle(test_x)
            stats = [_TB.clone(oracle.running_mean), _TB.clone(oracle.running_var)]
            # the from-scratch reference of cnnlib agrees with torch.nn (a check of the oracle)
            scratch = reference("cnnlib.layers.norms.BatchNorm2d")(C, eps=eps, momentum=momentum)
            scratch.load_state_dict(oracle.state_dict())
            scratch.eval()
            with _torch.no_grad():
                assert_close(scratch(test_x), eval_out, rtol=1e-5, atol=1e-6, msg="cnnlib vs torch.nn")
            # gradients in training mode
            grad_bn = _nn.BatchNorm2d(C, eps=eps, momentum=momentum)
            with _torch.no_grad():
                _TB.copy_(grad_bn.weight, gamma)
                _TB.copy_(grad_bn.bias, beta)
            autograd_backward = _torch.autograd.backward
            xg = _TB.requires_grad_(_TB.clone(batches[0][:, :, :2, :]))
            autograd_backward((grad_bn(xg) * upstream[:4, :, :2, :]).sum())
            grads = [_TB.clone(xg.grad), _TB.clone(grad_bn.weight.grad), _TB.clone(grad_bn.bias.grad)]
            _F = _il.import_module("torch.nn.functional")
            mock = _il.import_module("unittest.mock")
            forbidden = [(_F, "batch_norm"), (_torch, "batch_norm"), (_torch, "native_batch_norm"),
                         (_torch, "_native_batch_norm_legit"), (_nn.modules.batchnorm._BatchNorm, "forward")]''',
              hidden='''
            def forbid():
                stack = _il.import_module("contextlib").ExitStack()
                for owner, name in forbidden:
                    if name in owner.__dict__ or hasattr(owner, name):
                        stack.enter_context(mock.patch.object(owner, name, side_effect=_AssertionError(
                            f"{name} is off limits: compute batch norm with tensor operations")))
                return stack

            student = BatchNorm2d(C, eps=eps, momentum=momentum)
            assert_equal(_sorted(n for n, _ in student.named_parameters()), ["bias", "weight"],
                         msg="parameters of BatchNorm2d")
            assert_equal(_sorted(n for n, _ in student.named_buffers()), ["num_batches_tracked", "running_mean", "running_var"],
                         msg="buffers of BatchNorm2d")
            assert_close(student.weight, _torch.ones(C), msg="initial weight")
            assert_close(student.bias, _torch.zeros(C), msg="initial bias")
            assert_close(student.running_mean, _torch.zeros(C), msg="initial running_mean")
            assert_close(student.running_var, _torch.ones(C), msg="initial running_var")
            assert_equal(student.num_batches_tracked, 0, msg="initial num_batches_tracked")
            with _torch.no_grad():
                _TB.copy_(student.weight, gamma)
                _TB.copy_(student.bias, beta)
            with forbid():
                student.train()
                for i, (b, expected) in _enumerate(_zip(batches, train_out)):
                    with _torch.no_grad():
                        assert_close(student(_TB.clone(b)), expected, rtol=1e-4, atol=1e-5, msg=f"training-mode output, batch {i}")
                assert_close(student.running_mean, stats[0], rtol=1e-4, atol=1e-6, msg="running_mean after 3 batches")
                assert_close(student.running_var, stats[1], rtol=1e-4, atol=1e-6, msg="running_var after 3 batches")
                assert_equal(student.num_batches_tracked, 3, msg="num_batches_tracked after 3 batches")
                student.eval()
                with _torch.no_grad():
                    assert_close(student(_TB.clone(test_x)), eval_out, rtol=1e-4, atol=1e-5, msg="eval-mode output")
                fresh = BatchNorm2d(C, eps=eps, momentum=momentum)
                with _torch.no_grad():
                    _TB.copy_(fresh.weight, gamma)
                    _TB.copy_(fresh.bias, beta)
                x = _TB.requires_grad_(_TB.clone(batches[0][:, :, :2, :]))
                autograd_backward((fresh(x) * upstream[:4, :, :2, :]).sum())
                assert_close(x.grad, grads[0], rtol=1e-3, atol=1e-5, msg="gradient w.r.t. the input (training mode)")
                assert_close(fresh.weight.grad, grads[1], rtol=1e-3, atol=1e-5, msg="gradient w.r.t. weight")
                assert_close(fresh.bias.grad, grads[2], rtol=1e-3, atol=1e-5, msg="gradient w.r.t. bias")
            _check_raises("3 channels into BatchNorm2d(5)", student, _torch.zeros(2, 3, 4, 4))
            student.train()
            _check_raises("one value per channel in training mode", student, _torch.zeros(1, C, 1, 1))'''),
        md(f"{slug}_q2", '''
            ## Q2. Folding BN into the convolution (3 points)

            In eval mode `bn(conv(x))` is a convolution again. Write
            `fold_bn(conv_weight, conv_bias, gamma, beta, running_mean, running_var, eps=1e-5)`
            returning the new `(weight, bias)`: `weight` has the shape of `conv_weight`
            (`C_out x C_in x k x k`), `bias` has shape `(C_out,)`. `conv_bias` may be `None`
            (a convolution without bias).'''),
        answer(f"{slug}_q2_answer", '''
            def fold_bn(conv_weight, conv_bias, gamma, beta, running_mean, running_var, eps=1e-5):
                """Weight and bias of the convolution equal to bn(conv(x)) in eval mode."""
                ### BEGIN SOLUTION
                scale = gamma / torch.sqrt(running_var + eps)
                if conv_bias is None:
                    conv_bias = torch.zeros_like(running_mean)
                weight = conv_weight * scale[:, None, None, None]
                bias = (conv_bias - running_mean) * scale + beta
                return weight, bias
                ### END SOLUTION'''),
        tests(f"{slug}_q2_tests", 3, '''
            test_w, test_b = fold_bn(torch.ones(2, 1, 1, 1), None, torch.ones(2), torch.zeros(2),
                                     torch.zeros(2), torch.ones(2), eps=0.0)
            assert_close(test_w, torch.ones(2, 1, 1, 1))
            assert_close(test_b, torch.zeros(2))''', prepare='''
            _nn = _il.import_module("torch.nn")
            fold = reference("cnnlib.layers.bn_fold.fold_batchnorm")
            cases = []
            for c_in, c_out, k, bias, eps in ((3, 4, 3, True, 1e-5), (6, 5, 1, False, 1e-3), (4, 4, 5, True, 0.1)):
                _torch.manual_seed(c_out + k)
                conv, bn = _nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=bias), _nn.BatchNorm2d(c_out, eps=eps)
                with _torch.no_grad():
                    for t, low in ((bn.weight, 0.5), (bn.running_var, 0.5)):
                        _TB.copy_(t, _torch.rand(c_out) + low)
                    for t in (bn.bias, bn.running_mean):
                        _TB.copy_(t, _torch.randn(c_out) * 0.3)
                bn.eval()
                fused = fold(conv, bn)
                x = _torch.randn(2, c_in, 6, 6)
                with _torch.no_grad():
                    assert_close(fused(x), bn(conv(x)), rtol=1e-4, atol=1e-5, msg="cnnlib's fold_batchnorm")
                    args = [_TB.clone(_TB.detach(t)) if t is not None else None
                            for t in (conv.weight, conv.bias, bn.weight, bn.bias, bn.running_mean, bn.running_var)]
                    cases.append((args, eps, _TB.clone(_TB.detach(fused.weight)), _TB.clone(_TB.detach(fused.bias))))''',
              hidden='''
            for i, (args, eps, weight, bias) in _enumerate(cases):
                with _torch.no_grad():
                    result = fold_bn(*args, eps=eps)
                assert_true(_isinstance(result, (_TUPLE, _LIST)) and _len(result) == 2, msg="fold_bn returns (weight, bias)")
                assert_close(result[0], weight, rtol=1e-5, atol=1e-6, msg=f"folded weight, case {i}")
                assert_close(result[1], bias, rtol=1e-5, atol=1e-6, msg=f"folded bias, case {i}")'''),
        md(f"{slug}_q3", '''
            ## Q3. Which axes? (3 points)

            For an activation of shape `N x C x H x W = 8 x 32 x 16 x 16`, give for each
            normalization the number of means it computes (`*_num_means`) and the number of
            values each mean averages (`*_values_per_mean`):

            * batch norm (`bn_`): per channel, over the batch and the pixels;
            * layer norm (`ln_`): per sample, over channels and pixels;
            * instance norm (`in_`): per sample and channel, over the pixels;
            * group norm with 4 groups (`gn_`): per sample and group of `C / 4` channels.

            Also `bn_learnable_params` and `bn_buffer_values`: the learnable parameters and the
            number of values stored in buffers of `nn.BatchNorm2d(32)` (count
            `num_batches_tracked` as one value).'''),
        answer(f"{slug}_q3_answer", '''
            ### BEGIN SOLUTION
            _N, _C, _H, _W, _G = 8, 32, 16, 16, 4
            bn_num_means, bn_values_per_mean = _C, _N * _H * _W
            ln_num_means, ln_values_per_mean = _N, _C * _H * _W
            in_num_means, in_values_per_mean = _N * _C, _H * _W
            gn_num_means, gn_values_per_mean = _N * _G, _C // _G * _H * _W
            _bn = nn.BatchNorm2d(_C)
            bn_learnable_params = sum(p.numel() for p in _bn.parameters())
            bn_buffer_values = sum(b.numel() for b in _bn.buffers())
            ### END SOLUTION'''),
        tests(f"{slug}_q3_tests", 3, '''
            for test_pair in ((bn_num_means, bn_values_per_mean), (ln_num_means, ln_values_per_mean),
                              (in_num_means, in_values_per_mean), (gn_num_means, gn_values_per_mean)):
                assert_equal(test_pair[0] * test_pair[1], 8 * 32 * 16 * 16)   # every value is used once''',
              prepare='''
            shape = (8, 32, 16, 16)
            axes_of = reference("cnnlib.layers.norms.normalization_axes")
            expected = {}
            for kind in ("batch", "layer", "instance"):
                per_mean = 1
                for a in axes_of(kind, shape):
                    per_mean *= shape[a]
                expected[kind] = (8 * 32 * 16 * 16 // per_mean, per_mean)
            expected["group"] = (8 * 4, 32 // 4 * 16 * 16)
            bn = _il.import_module("torch.nn").BatchNorm2d(32)
            learnable = _sum(_TB.numel(p) for p in bn.parameters())
            buffers = _sum(_TB.numel(b) for b in bn.buffers())
            assert_equal([learnable, buffers], [2 * 32, 2 * 32 + 1], msg="nn.BatchNorm2d's parameters and buffers")''',
              hidden='''
            answers = {"batch": (bn_num_means, bn_values_per_mean, "bn"), "layer": (ln_num_means, ln_values_per_mean, "ln"),
                       "instance": (in_num_means, in_values_per_mean, "in"), "group": (gn_num_means, gn_values_per_mean, "gn")}
            for kind, (num, per, prefix) in answers.items():
                _check_int(num, expected[kind][0], f"{prefix}_num_means")
                _check_int(per, expected[kind][1], f"{prefix}_values_per_mean")
            _check_int(bn_learnable_params, learnable, "bn_learnable_params")
            _check_int(bn_buffer_values, buffers, "bn_buffer_values")'''),
    ]
    return ch


# =========================================================================== chapter 8
# Phi(x) (standard normal CDF) and GELU without library calls: erf by its Taylor series.
ERF_SERIES = '''
    def erf(x):
        term, total, n = x, x, 0
        while True:
            n += 1
            term *= -x * x / n
            step = term / (2 * n + 1)
            total += step
            if (step if step >= 0 else -step) < 1e-17:
                return total * 1.1283791670955126      # 2 / sqrt(pi)
    def phi_cdf(x):
        return 0.5 * (1.0 + erf(x * 0.7071067811865476))   # x / sqrt(2)
    def gelu(x):
        return x * phi_cdf(x)'''


@chapter
def ch08() -> Chapter:
    slug = "ch08_activations"
    ch = Chapter(slug, "Chapter 8 exercises: activation functions")
    ch.cells += [
        intro(slug, ch.title, '''
            AlexNet's switch from `tanh`/sigmoid to the ReLU made deep networks train several
            times faster: its gradient is 1 for every positive input instead of saturating.
            But a ReLU whose inputs are all negative passes no gradient at all ("dying ReLU").
            Leaky ReLU keeps a small slope for negative inputs; ELU bends smoothly to
            `-alpha`; GELU weights its input by the probability that a standard normal variable
            is smaller. Here you implement two of them, with their gradients.'''),
        common_setup(slug),
        md(f"{slug}_q1", '''
            ## Q1. Leaky ReLU with a hand-written backward pass (4 points)

            Write a `torch.autograd.Function` subclass named `LeakyReLUFunction` with static
            methods `forward(ctx, x, negative_slope)` and `backward(ctx, grad_output)`:
            `f(x) = x` for `x > 0` and `negative_slope * x` otherwise, and
            `f'(x) = 1` for `x > 0` and `negative_slope` otherwise (so `f'(0) = negative_slope`,
            as in PyTorch). `backward` returns one gradient per input of `forward` (`None` for
            `negative_slope`). Then `leaky_relu(x, negative_slope=0.01)` applies it.'''),
        answer(f"{slug}_q1_answer", '''
            class LeakyReLUFunction(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x, negative_slope):
                    ### BEGIN SOLUTION
                    ctx.save_for_backward(x)
                    ctx.negative_slope = negative_slope
                    return torch.where(x > 0, x, x * negative_slope)
                    ### END SOLUTION

                @staticmethod
                def backward(ctx, grad_output):
                    ### BEGIN SOLUTION
                    (x,) = ctx.saved_tensors
                    slope = torch.where(x > 0, torch.ones_like(x), torch.full_like(x, ctx.negative_slope))
                    return grad_output * slope, None
                    ### END SOLUTION


            def leaky_relu(x, negative_slope=0.01):
                ### BEGIN SOLUTION
                return LeakyReLUFunction.apply(x, negative_slope)
                ### END SOLUTION'''),
        tests(f"{slug}_q1_tests", 4, '''
            test_x = torch.tensor([-2.0, -0.5, 0.0, 0.5, 3.0], requires_grad=True)
            test_y = leaky_relu(test_x, 0.1)
            assert_close(test_y, torch.tensor([-0.2, -0.05, 0.0, 0.5, 3.0]))
            test_y.sum().backward()
            assert_close(test_x.grad, torch.tensor([0.1, 0.1, 0.1, 1.0, 1.0]))''', prepare='''
            _F = _il.import_module("torch.nn.functional")
            autograd_backward = _torch.autograd.backward
            g = _torch.Generator().manual_seed(3)
            cases = []
            for slope, dtype in ((0.01, _torch.float32), (0.2, _torch.float32), (0.3, _torch.float64), (1.5, _torch.float64)):
                x = _torch.randn(4, 7, generator=g).to(dtype)
                x[0, :3] = 0.0
                upstream = _torch.randn(4, 7, generator=g).to(dtype)
                xr = _TB.requires_grad_(_TB.clone(x))
                y = _F.leaky_relu(xr, slope)
                autograd_backward(y, upstream)
                cases.append((slope, x, upstream, _TB.detach(y), _TB.clone(xr.grad)))
            scratch = reference("cnnlib.layers.activations.LeakyReLU")(0.2)
            with _torch.no_grad():
                assert_close(scratch(cases[1][1]), cases[1][3], msg="cnnlib's LeakyReLU vs torch")''', hidden='''
            for slope, x, upstream, y, grad in cases:
                xs = _TB.requires_grad_(_TB.clone(x))
                ys = leaky_relu(xs, slope)
                assert_close(ys, y, rtol=1e-6, atol=1e-7, msg=f"leaky_relu(x, {slope}) ({x.dtype})")
                assert_equal(_tname(ys.grad_fn), "LeakyReLUFunctionBackward",
                             msg="the output's grad_fn: leaky_relu must apply LeakyReLUFunction")
                autograd_backward(ys, upstream)
                assert_close(xs.grad, grad, rtol=1e-6, atol=1e-7, msg=f"gradient of leaky_relu(x, {slope})")'''),
        md(f"{slug}_q2", '''
            ## Q2. ELU and its derivative (3 points)

            `elu(x) = x` for `x > 0` and `alpha * (exp(x) - 1)` otherwise. Write
            `elu(x, alpha=1.0)` and `elu_grad(x, alpha=1.0)`, the derivative `d elu / dx` as a
            tensor of the shape of `x` (at `x = 0` use the left branch, `alpha * exp(0)`, as
            PyTorch does). Avoid `NaN`s or infinities for large positive `x`.'''),
        answer(f"{slug}_q2_answer", '''
            def elu(x, alpha=1.0):
                ### BEGIN SOLUTION
                return torch.where(x > 0, x, alpha * torch.expm1(torch.clamp(x, max=0.0)))
                ### END SOLUTION


            def elu_grad(x, alpha=1.0):
                ### BEGIN SOLUTION
                return torch.where(x > 0, torch.ones_like(x), alpha * torch.exp(torch.clamp(x, max=0.0)))
                ### END SOLUTION'''),
        tests(f"{slug}_q2_tests", 3, '''
            test_x = torch.tensor([-1.0, 0.0, 2.0])
            assert_close(elu(test_x), torch.tensor([math.exp(-1.0) - 1.0, 0.0, 2.0]))
            assert_close(elu_grad(test_x), torch.tensor([math.exp(-1.0), 1.0, 1.0]))''', prepare='''
            _F = _il.import_module("torch.nn.functional")
            derivative = reference("cnnlib.layers.activations.activation_derivative")
            g = _torch.Generator().manual_seed(5)
            cases = []
            for alpha in (1.0, 0.5, 2.0):
                x = _torch.cat([_torch.randn(20, generator=g) * 3, _torch.tensor([0.0, 100.0, -100.0, 1e-3, -1e-3])])
                xr = _TB.requires_grad_(_TB.clone(x))
                y = _F.elu(xr, alpha)
                _torch.autograd.backward(y, _torch.ones_like(x))
                assert_close(derivative("elu", x, alpha=alpha), xr.grad, rtol=1e-6, atol=1e-7, msg="cnnlib vs autograd")
                cases.append((alpha, x, _TB.detach(y), _TB.clone(xr.grad)))''', hidden='''
            for alpha, x, y, grad in cases:
                assert_close(elu(_TB.clone(x), alpha), y, rtol=1e-5, atol=1e-6, msg=f"elu(x, alpha={alpha})")
                assert_close(elu_grad(_TB.clone(x), alpha), grad, rtol=1e-5, atol=1e-6, msg=f"elu_grad(x, alpha={alpha})")'''),
        md(f"{slug}_q3", '''
            ## Q3. Vanishing and dying gradients (2 points)

            * `sigmoid_max_grad`: the largest value of the derivative of the logistic sigmoid;
            * `sigmoid_chain_bound`: an upper bound on the factor by which 10 stacked sigmoids
              scale a gradient (their derivatives multiply; ignore the weights);
            * `dead_relu_fraction`: if a ReLU's inputs are normally distributed with mean -1 and
              standard deviation 1, what fraction of them pass no gradient? (Use
              `math.erf`: the standard normal CDF is `0.5 * (1 + erf(z / sqrt(2)))`.)'''),
        answer(f"{slug}_q3_answer", '''
            ### BEGIN SOLUTION
            _z = torch.linspace(-10, 10, 200001)
            _s = torch.sigmoid(_z)
            sigmoid_max_grad = float((_s * (1 - _s)).max())     # at z = 0: 0.5 * 0.5
            sigmoid_chain_bound = sigmoid_max_grad ** 10
            dead_relu_fraction = 0.5 * (1 + math.erf((0 - (-1)) / math.sqrt(2)))   # P(x <= 0)
            ### END SOLUTION'''),
        tests(f"{slug}_q3_tests", 2, '''
            assert_true(0.0 < sigmoid_max_grad < 1.0)
            assert_true(0.0 < sigmoid_chain_bound < sigmoid_max_grad)
            assert_true(0.5 < dead_relu_fraction < 1.0)''', prepare=ERF_SERIES, hidden='''
            _check_float(sigmoid_max_grad, 0.25, "sigmoid_max_grad", rel=1e-6)
            _check_float(sigmoid_chain_bound, 0.25 ** 10, "sigmoid_chain_bound", rel=1e-5)
            _check_float(dead_relu_fraction, phi_cdf(1.0), "dead_relu_fraction", rel=1e-4)'''),
        md(f"{slug}_q4", '''
            ## Q4. GELU is not monotonic (2 points)

            `gelu(x) = x * Phi(x)` with `Phi` the standard normal CDF (`torch.nn.functional.gelu`).
            Unlike the ReLU family it dips below zero before rising. Find `gelu_argmin`, the
            `x` where it is smallest, and `gelu_min`, its value there, to 3 decimals (a fine grid
            of `x` values is enough).'''),
        answer(f"{slug}_q4_answer", '''
            ### BEGIN SOLUTION
            _x = torch.linspace(-3, 0, 300001, dtype=torch.float64)
            _y = torch.nn.functional.gelu(_x)
            _i = int(torch.argmin(_y))
            gelu_argmin, gelu_min = float(_x[_i]), float(_y[_i])
            ### END SOLUTION'''),
        tests(f"{slug}_q4_tests", 2, '''
            assert_true(-3.0 < gelu_argmin < 0.0)
            assert_true(gelu_min < 0.0)''', prepare=(ERF_SERIES, '''
            # golden-section search of the minimum on [-3, 0]
            lo, hi, r = -3.0, 0.0, 0.6180339887498949
            for _ in _range(120):
                a, b = hi - r * (hi - lo), lo + r * (hi - lo)
                if gelu(a) < gelu(b):
                    hi = b
                else:
                    lo = a
            x_min = (lo + hi) / 2
            y_min = gelu(x_min)'''), hidden='''
            _check_float(gelu_argmin, x_min, "gelu_argmin", rel=0.0, abs_tol=1e-3)
            _check_float(gelu_min, y_min, "gelu_min", rel=0.0, abs_tol=1e-3)'''),
    ]
    return ch


# =========================================================================== chapter 9
@chapter
def ch09() -> Chapter:
    slug = "ch09_resnet_improvements"
    ch = Chapter(slug, "Chapter 9 exercises: improving residual networks")
    ch.cells += [
        intro(slug, ch.title, '''
            Three refinements of the residual block. **Pre-activation** (He et al., 2016) moves
            BN and ReLU in front of the convolutions, so nothing but an addition sits on the
            shortcut path. **Squeeze-and-excitation** (Hu et al., 2017) rescales each channel by
            a gate computed from the globally pooled feature map. **Dense blocks** (Huang et al.,
            2017) concatenate instead of adding: every layer sees the feature maps of all
            layers before it and contributes `k` (the growth rate) new ones.'''),
        common_setup(slug),
        md(f"{slug}_q1", '''
            ## Q1. The pre-activation block (4 points)

            Write `PreActBlock(in_channels, out_channels, stride=1)`:

            * `pre = relu(bn1(x))` with `bn1 = nn.BatchNorm2d(in_channels)`;
            * branch: 3x3 conv of `pre` (`stride`, padding 1, no bias) -> BN -> ReLU -> 3x3 conv
              (padding 1, no bias);
            * shortcut: `x` itself when `stride == 1` and `in_channels == out_channels`,
              otherwise a 1x1 conv (`stride`, no bias, no BN) applied to `pre`;
            * output: `branch + shortcut`, with no ReLU after the addition.

            The reference is `cnnlib.models.preact_resnet.PreActBasicBlock`.'''),
        answer(f"{slug}_q1_answer", '''
            class PreActBlock(nn.Module):
                def __init__(self, in_channels, out_channels, stride=1):
                    super().__init__()
                    ### BEGIN SOLUTION
                    self.bn1 = nn.BatchNorm2d(in_channels)
                    self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
                    self.bn2 = nn.BatchNorm2d(out_channels)
                    self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
                    self.projection = None
                    if stride != 1 or in_channels != out_channels:
                        self.projection = nn.Conv2d(in_channels, out_channels, 1, stride, bias=False)
                    ### END SOLUTION

                def forward(self, x):
                    ### BEGIN SOLUTION
                    pre = torch.relu(self.bn1(x))
                    shortcut = x if self.projection is None else self.projection(pre)
                    out = self.conv2(torch.relu(self.bn2(self.conv1(pre))))
                    return out + shortcut
                    ### END SOLUTION'''),
        tests(f"{slug}_q1_tests", 4, '''
            assert_shape(PreActBlock(8, 8)(torch.randn(2, 8, 6, 6)), (2, 8, 6, 6))
            assert_shape(PreActBlock(8, 16, stride=2)(torch.randn(2, 8, 6, 6)), (2, 16, 3, 3))''', prepare='''
            ref_cls = reference("cnnlib.models.preact_resnet.PreActBasicBlock")
            refs = []
            for c_in, c_out, stride in ((8, 8, 1), (6, 10, 2), (8, 12, 1), (10, 10, 2)):
                projection = stride != 1 or c_in != c_out
                params = 2 * c_in + 9 * c_in * c_out + 2 * c_out + 9 * c_out * c_out + (c_in * c_out if projection else 0)
                x = _torch.randn(2, c_in, 8, 8, generator=_torch.Generator().manual_seed(c_in * c_out))
                refs.append(((c_in, c_out, stride), params,
                             _prepare(ref_cls(c_in, c_out, stride), x, input_size=(c_in, 8, 8), modes=("eval", "train"))))''',
              hidden='''
            for cfg, params, ref in refs:
                what = f"PreActBlock{cfg}"
                student = PreActBlock(*cfg)
                _check_int(_param_count(student), params, f"parameters of {what}")
                _check_against(student, ref, what)''', modules=True),
        md(f"{slug}_q2", '''
            ## Q2. Squeeze-and-excitation (3 points)

            Write `SEBlock(channels, reduction=16)`: global average pooling to one number per
            channel, a linear layer to `hidden = max(1, channels // reduction)` units (with
            bias), ReLU, a linear layer back to `channels` (with bias), sigmoid; the output is
            the input multiplied channel-wise by these gates. Use `nn.Linear` or 1x1
            `nn.Conv2d` layers, as you prefer.'''),
        answer(f"{slug}_q2_answer", '''
            class SEBlock(nn.Module):
                def __init__(self, channels, reduction=16):
                    super().__init__()
                    ### BEGIN SOLUTION
                    hidden = max(1, channels // reduction)
                    self.fc1 = nn.Linear(channels, hidden)
                    self.fc2 = nn.Linear(hidden, channels)
                    ### END SOLUTION

                def forward(self, x):
                    ### BEGIN SOLUTION
                    s = x.mean(dim=(2, 3))                                  # N x C
                    gate = torch.sigmoid(self.fc2(torch.relu(self.fc1(s))))
                    return x * gate[:, :, None, None]
                    ### END SOLUTION'''),
        tests(f"{slug}_q2_tests", 3, '''
            test_x = torch.randn(2, 32, 5, 5)
            assert_shape(SEBlock(32)(test_x), (2, 32, 5, 5))
            assert_equal(sum(p.numel() for p in SEBlock(32, reduction=4).parameters()), 32 * 8 + 8 + 8 * 32 + 32)''',
              prepare='''
            ref_cls = reference("cnnlib.layers.squeeze_excite.SqueezeExcitation")
            refs = []
            for c, r in ((32, 16), (24, 4), (10, 16), (64, 8)):
                h = c // r if c // r > 0 else 1
                x = _torch.randn(2, c, 5, 5, generator=_torch.Generator().manual_seed(c + r))
                refs.append(((c, r), 2 * c * h + h + c, _prepare(ref_cls(c, r), x, input_size=(c, 5, 5))))''',
              hidden='''
            for (c, r), params, ref in refs:
                what = f"SEBlock({c}, reduction={r})"
                student = SEBlock(c, reduction=r)
                _check_int(_param_count(student), params, f"parameters of {what}")
                _check_against(student, ref, what)''', modules=True),
        md(f"{slug}_q3", '''
            ## Q3. A dense block (4 points)

            Write `DenseBlock(num_layers, in_channels, growth_rate, bn_size=4)`. Layer `i`
            (from 0) takes the concatenation of the block input and the outputs of layers
            `0 .. i-1` (`in_channels + i * growth_rate` channels) and computes BN -> ReLU -> 1x1
            conv to `bn_size * growth_rate` channels -> BN -> ReLU -> 3x3 conv (padding 1) to
            `growth_rate` channels, convs without bias. The block returns the concatenation of
            its input and all layers' outputs, in that order:
            `in_channels + num_layers * growth_rate` channels. Raise `ValueError` if
            `num_layers < 1`. The reference is `cnnlib.models.densenet.DenseBlock`.'''),
        answer(f"{slug}_q3_answer", '''
            class DenseBlock(nn.Module):
                def __init__(self, num_layers, in_channels, growth_rate, bn_size=4):
                    super().__init__()
                    ### BEGIN SOLUTION
                    if num_layers < 1:
                        raise ValueError(f"a dense block needs at least one layer, got {num_layers}")
                    self.layers = nn.ModuleList()
                    for i in range(num_layers):
                        c = in_channels + i * growth_rate
                        self.layers.append(nn.Sequential(
                            nn.BatchNorm2d(c), nn.ReLU(),
                            nn.Conv2d(c, bn_size * growth_rate, 1, bias=False),
                            nn.BatchNorm2d(bn_size * growth_rate), nn.ReLU(),
                            nn.Conv2d(bn_size * growth_rate, growth_rate, 3, padding=1, bias=False)))
                    ### END SOLUTION

                def forward(self, x):
                    ### BEGIN SOLUTION
                    features = [x]
                    for layer in self.layers:
                        features.append(layer(torch.cat(features, dim=1)))
                    return torch.cat(features, dim=1)
                    ### END SOLUTION'''),
        tests(f"{slug}_q3_tests", 4, '''
            assert_shape(DenseBlock(3, 16, 8)(torch.randn(2, 16, 6, 6)), (2, 16 + 3 * 8, 6, 6))''', prepare='''
            ref_cls = reference("cnnlib.models.densenet.DenseBlock")
            refs = []
            for layers, c_in, k, bn_size in ((3, 16, 8, 4), (2, 6, 5, 2), (4, 8, 4, 1)):
                params = 0
                for i in _range(layers):
                    c = c_in + i * k
                    params += 2 * c + c * bn_size * k + 2 * bn_size * k + 9 * bn_size * k * k
                x = _torch.randn(2, c_in, 6, 6, generator=_torch.Generator().manual_seed(layers * k))
                refs.append(((layers, c_in, k, bn_size), params,
                             _prepare(ref_cls(layers, c_in, k, bn_size), x, input_size=(c_in, 6, 6), modes=("eval", "train"))))''',
              hidden='''
            for cfg, params, ref in refs:
                what = f"DenseBlock{cfg}"
                student = DenseBlock(*cfg)
                _check_int(_param_count(student), params, f"parameters of {what}")
                _check_against(student, ref, what)
            _check_raises("DenseBlock(0, 8, 4)", DenseBlock, 0, 8, 4)''', modules=True),
        md(f"{slug}_q4", '''
            ## Q4. What do they cost? (2 points)

            * `se_params_256`: the parameters (biases included) of an SE block on 256 channels
              with reduction 16;
            * `se_resnet50_extra_params`: how many parameters SE-ResNet-50 adds to ResNet-50
              (use `cnnlib.get_model("se_resnet50")` and `"resnet50"`; build them inside
              `with torch.device("meta"):` to skip allocating memory);
            * `densenet121_block1_channels`: the output channels of DenseNet-121's first dense
              block: 64 input channels, 6 layers, growth rate 32.'''),
        answer(f"{slug}_q4_answer", '''
            ### BEGIN SOLUTION
            se_params_256 = sum(p.numel() for p in SEBlock(256, 16).parameters())
            with torch.device("meta"):
                _se = cnnlib.get_model("se_resnet50")
                _plain = cnnlib.get_model("resnet50")
            se_resnet50_extra_params = (sum(p.numel() for p in _se.parameters())
                                        - sum(p.numel() for p in _plain.parameters()))
            densenet121_block1_channels = 64 + 6 * 32
            ### END SOLUTION'''),
        tests(f"{slug}_q4_tests", 2, '''
            assert_true(se_params_256 > 0 and se_resnet50_extra_params > 0)
            assert_true(isinstance(densenet121_block1_channels, int))''', prepare='''
            with _torch.device("meta"):
                se_net = reference("cnnlib.models.resnet.se_resnet50")()
                plain = reference("cnnlib.models.resnet.resnet50")()
                dense = reference("cnnlib.models.densenet.densenet121")()
            extra = _sum(_TB.numel(p) for p in se_net.parameters()) - _sum(_TB.numel(p) for p in plain.parameters())
            # SE after every bottleneck of ResNet-50: stages of 3, 4, 6, 3 blocks with 256, 512, 1024, 2048 channels
            by_formula = _sum(n * (2 * c * (c // 16) + c // 16 + c) for n, c in ((3, 256), (4, 512), (6, 1024), (3, 2048)))
            assert_equal(extra, by_formula, msg="SE-ResNet-50 vs the formula")
            block1_channels = dense.stages[0].out_channels
            assert_equal(block1_channels, 64 + 6 * 32, msg="cnnlib's densenet121 first block")''',
              hidden='''
            _check_int(se_params_256, 2 * 256 * 16 + 16 + 256, "se_params_256")
            _check_int(se_resnet50_extra_params, extra, "se_resnet50_extra_params")
            _check_int(densenet121_block1_channels, block1_channels, "densenet121_block1_channels")'''),
    ]
    return ch


# =========================================================================== chapter 10
@chapter
def ch10() -> Chapter:
    slug = "ch10_efficient"
    ch = Chapter(slug, "Chapter 10 exercises: efficient networks")
    ch.cells += [
        intro(slug, ch.title, '''
            Networks for phones and embedded chips count every parameter and multiply.
            SqueezeNet's **Fire module** squeezes the channels with 1x1 convolutions before
            expanding them; MobileNet's **depthwise-separable convolution** splits a 3x3
            convolution into a per-channel 3x3 filter and a 1x1 mixing step; ShuffleNet's
            **channel shuffle** lets grouped convolutions exchange information; and the
            **MBConv** block of MobileNetV2 / EfficientNet expands, filters depthwise,
            re-weights channels (squeeze-and-excitation) and projects back down.'''),
        common_setup(slug),
        md(f"{slug}_q1", '''
            ## Q1. The Fire module (3 points)

            Write `Fire(in_channels, squeeze_channels, expand1x1_channels, expand3x3_channels)`:
            a 1x1 "squeeze" conv to `squeeze_channels` + ReLU, then two parallel "expand"
            convs on its output, 1x1 to `expand1x1_channels` + ReLU and 3x3 (padding 1) to
            `expand3x3_channels` + ReLU, concatenated along the channels (1x1 first). All convs
            have biases, no normalization (as in the paper). The reference is
            `cnnlib.models.squeezenet.Fire`.'''),
        answer(f"{slug}_q1_answer", '''
            class Fire(nn.Module):
                def __init__(self, in_channels, squeeze_channels, expand1x1_channels, expand3x3_channels):
                    super().__init__()
                    ### BEGIN SOLUTION
                    self.squeeze = nn.Conv2d(in_channels, squeeze_channels, 1)
                    self.expand1x1 = nn.Conv2d(squeeze_channels, expand1x1_channels, 1)
                    self.expand3x3 = nn.Conv2d(squeeze_channels, expand3x3_channels, 3, padding=1)
                    ### END SOLUTION

                def forward(self, x):
                    ### BEGIN SOLUTION
                    s = torch.relu(self.squeeze(x))
                    return torch.cat([torch.relu(self.expand1x1(s)), torch.relu(self.expand3x3(s))], dim=1)
                    ### END SOLUTION'''),
        tests(f"{slug}_q1_tests", 3, '''
            assert_shape(Fire(96, 16, 64, 64)(torch.randn(1, 96, 13, 13)), (1, 128, 13, 13))   # fire2''', prepare='''
            ref_cls = reference("cnnlib.models.squeezenet.Fire")
            refs = []
            for cfg in ((96, 16, 64, 64), (12, 3, 5, 7), (8, 4, 6, 2)):
                c_in, s, e1, e3 = cfg
                params = s * (c_in + 1) + e1 * (s + 1) + e3 * (9 * s + 1)
                x = _torch.randn(2, c_in, 7, 7, generator=_torch.Generator().manual_seed(c_in))
                refs.append((cfg, params, _prepare(ref_cls(*cfg), x, input_size=(c_in, 7, 7))))''', hidden='''
            for cfg, params, ref in refs:
                what = f"Fire{cfg}"
                student = Fire(*cfg)
                _check_int(_param_count(student), params, f"parameters of {what}")
                _check_against(student, ref, what)''', modules=True),
        md(f"{slug}_q2", '''
            ## Q2. Depthwise-separable convolution (3 points)

            Write `DepthwiseSeparableConv(in_channels, out_channels, stride=1)` as in MobileNet
            (V1): a 3x3 depthwise conv (`groups=in_channels`, `stride`, padding 1, no bias) ->
            `nn.BatchNorm2d` -> ReLU, then a 1x1 pointwise conv to `out_channels` (no bias) ->
            `nn.BatchNorm2d` -> ReLU. The reference is
            `cnnlib.models.mobilenet.DepthwiseSeparableConv`.'''),
        answer(f"{slug}_q2_answer", '''
            class DepthwiseSeparableConv(nn.Module):
                def __init__(self, in_channels, out_channels, stride=1):
                    super().__init__()
                    ### BEGIN SOLUTION
                    self.depthwise = nn.Sequential(
                        nn.Conv2d(in_channels, in_channels, 3, stride, 1, groups=in_channels, bias=False),
                        nn.BatchNorm2d(in_channels), nn.ReLU(inplace=True))
                    self.pointwise = nn.Sequential(
                        nn.Conv2d(in_channels, out_channels, 1, bias=False),
                        nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))
                    ### END SOLUTION

                def forward(self, x):
                    ### BEGIN SOLUTION
                    return self.pointwise(self.depthwise(x))
                    ### END SOLUTION'''),
        tests(f"{slug}_q2_tests", 3, '''
            assert_shape(DepthwiseSeparableConv(32, 64, stride=2)(torch.randn(1, 32, 8, 8)), (1, 64, 4, 4))
            assert_equal(sum(p.numel() for p in DepthwiseSeparableConv(32, 64).parameters()),
                         32 * 9 + 2 * 32 + 32 * 64 + 2 * 64)''', prepare='''
            ref_cls = reference("cnnlib.models.mobilenet.DepthwiseSeparableConv")
            refs = []
            for c_in, c_out, stride in ((16, 24, 1), (8, 8, 2), (12, 20, 2)):
                x = _torch.randn(2, c_in, 8, 8, generator=_torch.Generator().manual_seed(c_in + stride))
                params = 9 * c_in + 2 * c_in + c_in * c_out + 2 * c_out
                refs.append(((c_in, c_out, stride), params,
                             _prepare(ref_cls(c_in, c_out, stride), x, input_size=(c_in, 8, 8), modes=("eval", "train"))))''',
              hidden='''
            for cfg, params, ref in refs:
                what = f"DepthwiseSeparableConv{cfg}"
                student = DepthwiseSeparableConv(*cfg)
                _check_int(_param_count(student), params, f"parameters of {what}")
                _check_against(student, ref, what)''', modules=True),
        md(f"{slug}_q3", '''
            ## Q3. Channel shuffle (2 points)

            Write `channel_shuffle(x, groups)` for an `N x C x H x W` tensor: view the channels
            as `groups x (C / groups)`, transpose to `(C / groups) x groups` and flatten back, so
            that the next grouped convolution sees channels from every group. Channel order
            `[a0, a1, b0, b1]` with 2 groups (`a`, `b`) becomes `[a0, b0, a1, b1]`. Raise
            `ValueError` if `groups` does not divide `C`.'''),
        answer(f"{slug}_q3_answer", '''
            def channel_shuffle(x, groups):
                ### BEGIN SOLUTION
                n, c, h, w = x.shape
                if groups <= 0 or c % groups:
                    raise ValueError(f"groups={groups} must be positive and divide the {c} channels")
                return x.reshape(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)
                ### END SOLUTION'''),
        tests(f"{slug}_q3_tests", 2, '''
            test_x = torch.arange(4.0).reshape(1, 4, 1, 1)
            assert_equal(channel_shuffle(test_x, 2).flatten(), torch.tensor([0.0, 2.0, 1.0, 3.0]))''', prepare='''
            shuffle = reference("cnnlib.layers.channel_shuffle.channel_shuffle")
            g = _torch.Generator().manual_seed(11)
            cases = []
            for shape, groups in (((2, 12, 3, 3), 3), ((1, 12, 2, 2), 4), ((3, 8, 1, 5), 8), ((2, 6, 4, 4), 1)):
                x = _torch.randn(*shape, generator=g)
                cases.append((x, groups, shuffle(x, groups)))''', hidden='''
            for x, groups, expected in cases:
                assert_equal(channel_shuffle(_TB.clone(x), groups), expected,
                             msg=f"channel_shuffle of a {_shape_of(x)} tensor with {groups} groups")
            _check_raises("channel_shuffle with 5 groups of 12 channels", channel_shuffle, _torch.zeros(1, 12, 2, 2), 5)'''),
        md(f"{slug}_q4", '''
            ## Q4. The MBConv block (5 points)

            Write `MBConv(in_channels, out_channels, expand_ratio, kernel_size, stride,
            se_ratio=0.25)` as in EfficientNet, with `hidden = in_channels * expand_ratio` (the
            grader only uses values where this is a whole number) and SiLU activations
            (`nn.SiLU`):

            1. expand: 1x1 conv to `hidden` (no bias) -> BN -> SiLU; skipped when
               `expand_ratio == 1`;
            2. depthwise: `kernel_size x kernel_size` conv, `groups=hidden`, `stride`, padding
               `kernel_size // 2`, no bias -> BN -> SiLU;
            3. squeeze-and-excitation on `hidden` channels with
               `squeeze = max(1, int(in_channels * se_ratio))` (sized from the block's *input*):
               global average pool -> 1x1 conv (or linear) to `squeeze` with bias -> SiLU ->
               back to `hidden` with bias -> sigmoid -> multiply;
            4. project: 1x1 conv to `out_channels` (no bias) -> BN, *no* activation (the
               "linear bottleneck");
            5. add the input when `stride == 1` and `in_channels == out_channels`.

            All BN layers are `nn.BatchNorm2d` with default arguments. The reference is
            `cnnlib.models.efficientnet.MBConv`.'''),
        answer(f"{slug}_q4_answer", '''
            class MBConv(nn.Module):
                def __init__(self, in_channels, out_channels, expand_ratio, kernel_size, stride, se_ratio=0.25):
                    super().__init__()
                    ### BEGIN SOLUTION
                    hidden = int(in_channels * expand_ratio)
                    squeeze = max(1, int(in_channels * se_ratio))
                    layers = []
                    if expand_ratio != 1:
                        layers += [nn.Conv2d(in_channels, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.SiLU()]
                    layers += [nn.Conv2d(hidden, hidden, kernel_size, stride, kernel_size // 2, groups=hidden, bias=False),
                               nn.BatchNorm2d(hidden), nn.SiLU()]
                    self.features = nn.Sequential(*layers)
                    self.se_reduce = nn.Conv2d(hidden, squeeze, 1)
                    self.se_expand = nn.Conv2d(squeeze, hidden, 1)
                    self.project = nn.Sequential(nn.Conv2d(hidden, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels))
                    self.use_residual = stride == 1 and in_channels == out_channels
                    ### END SOLUTION

                def forward(self, x):
                    ### BEGIN SOLUTION
                    h = self.features(x)
                    gate = torch.sigmoid(self.se_expand(nn.functional.silu(self.se_reduce(h.mean(dim=(2, 3), keepdim=True)))))
                    out = self.project(h * gate)
                    return x + out if self.use_residual else out
                    ### END SOLUTION'''),
        tests(f"{slug}_q4_tests", 5, '''
            assert_shape(MBConv(16, 24, 6, 3, 2)(torch.randn(2, 16, 8, 8)), (2, 24, 4, 4))
            assert_shape(MBConv(16, 16, 1, 3, 1)(torch.randn(2, 16, 8, 8)), (2, 16, 8, 8))''', prepare='''
            ref_cls = reference("cnnlib.models.efficientnet.MBConv")
            refs = []
            for c_in, c_out, t, k, s in ((16, 24, 6, 3, 2), (16, 16, 1, 3, 1), (8, 8, 4, 5, 1), (24, 40, 6, 5, 2)):
                hidden, sq = c_in * t, c_in // 4 if c_in // 4 > 0 else 1
                params = (c_in * hidden + 2 * hidden if t != 1 else 0) + k * k * hidden + 2 * hidden \\
                    + (hidden * sq + sq) + (sq * hidden + hidden) + hidden * c_out + 2 * c_out
                x = _torch.randn(2, c_in, 8, 8, generator=_torch.Generator().manual_seed(c_in + t + k))
                module = ref_cls(c_in, c_out, expand_ratio=t, kernel_size=k, stride=s)
                refs.append(((c_in, c_out, t, k, s), params,
                             _prepare(module, x, input_size=(c_in, 8, 8), modes=("eval", "train"))))''', hidden='''
            for cfg, params, ref in refs:
                what = f"MBConv{cfg}"
                student = MBConv(*cfg)
                _check_int(_param_count(student), params, f"parameters of {what}")
                _check_against(student, ref, what)''', modules=True),
        md(f"{slug}_q5", '''
            ## Q5. How much does separating save? (2 points)

            A 3x3 convolution from 128 to 128 channels on a 56x56 map (stride 1, padding 1),
            weights only:

            * `standard_macs`: its multiply-accumulates for one image;
            * `separable_macs`: those of a depthwise 3x3 plus a pointwise 1x1 convolution doing
              the same mapping;
            * `separable_ratio`: `separable_macs / standard_macs` (MobileNet's paper shows it
              equals `1 / C_out + 1 / k^2`).'''),
        answer(f"{slug}_q5_answer", '''
            ### BEGIN SOLUTION
            _hw = 56 * 56
            standard_macs = 128 * 128 * 9 * _hw
            separable_macs = 128 * 9 * _hw + 128 * 128 * _hw
            separable_ratio = separable_macs / standard_macs
            ### END SOLUTION'''),
        tests(f"{slug}_q5_tests", 2, '''
            assert_true(separable_macs < standard_macs)
            assert_close(separable_ratio, separable_macs / standard_macs)''', prepare='''
            _nn = _il.import_module("torch.nn")
            standard = _summarize(_nn.Conv2d(128, 128, 3, padding=1, bias=False), (128, 56, 56)).total_macs
            separable = _summarize(_nn.Sequential(_nn.Conv2d(128, 128, 3, padding=1, groups=128, bias=False),
                                                  _nn.Conv2d(128, 128, 1, bias=False)), (128, 56, 56)).total_macs''',
              hidden='''
            _check_int(standard_macs, standard, "standard_macs")
            _check_int(separable_macs, separable, "separable_macs")
            _check_float(separable_ratio, 1 / 128 + 1 / 9, "separable_ratio", rel=1e-9)'''),
    ]
    return ch


# =========================================================================== chapter 11
NAS_OPS_MD = '`"sep3x3"`, `"sep5x5"`, `"sep7x7"`, `"avg3x3"`, `"max3x3"`, `"identity"`'

# The sampling order the question prescribes, written out again for the tests.
NAS_SAMPLER = '''
    def sample_reference(rng, num_blocks, ops):
        blocks, used = [], set()
        for b in _range(num_blocks):
            i_left, i_right = rng.randrange(2 + b), rng.randrange(2 + b)
            op_left, op_right = rng.choice(ops), rng.choice(ops)
            blocks.append((op_left, i_left, op_right, i_right))
            used.update((i_left, i_right))
        return _TUPLE(blocks), _TUPLE(j for j in _range(2, 2 + num_blocks) if j not in used)'''


@chapter
def ch11() -> Chapter:
    slug = "ch11_nas"
    ch = Chapter(slug, "Chapter 11 exercises: neural architecture search")
    ch.cells += [
        intro(slug, ch.title, '''
            NASNet (Zoph et al., 2017) does not search for a whole network but for a **cell**
            that is stacked many times. A cell receives two inputs, the outputs of the two
            previous cells: states 0 and 1. It has `B` blocks; block `b` picks two of the states
            that exist so far (`0 .. b + 1`), applies an operation to each and adds the
            results, creating state `b + 2`. The states that no block used are concatenated
            as the cell's output. `cnnlib.models.nasnet` stores a cell as a `CellGenotype`:
            `blocks`, a tuple of `(op_left, input_left, op_right, input_right)`, and `concat`.
            The operations here are ''' + NAS_OPS_MD + '''.'''),
        common_setup(slug, '''
            import random

            from cnnlib.models.nasnet import CellGenotype, NASNetCell

            OPS = ("sep3x3", "sep5x5", "sep7x7", "avg3x3", "max3x3", "identity")'''),
        md(f"{slug}_q1", '''
            ## Q1. How big is the search space? (2 points)

            Write `count_cells(num_blocks, num_ops, num_combiners=1)`: the number of different
            cells, counting every choice of the two inputs (in order), the two operations (in
            order) and the way the two results are combined, for every block.

            `nasnet_space_size`: the count for the NASNet paper's setting: 5 blocks, 13
            operations and 2 combiners (addition or concatenation).'''),
        answer(f"{slug}_q1_answer", '''
            def count_cells(num_blocks, num_ops, num_combiners=1):
                ### BEGIN SOLUTION
                total = 1
                for b in range(num_blocks):
                    total *= (2 + b) ** 2 * num_ops ** 2 * num_combiners
                return total
                ### END SOLUTION


            ### BEGIN SOLUTION
            nasnet_space_size = count_cells(5, 13, 2)
            ### END SOLUTION'''),
        tests(f"{slug}_q1_tests", 2, '''
            assert_equal(count_cells(1, 3), 2 * 2 * 3 * 3)
            assert_true(nasnet_space_size > count_cells(5, 13))''', prepare='''
            def brute(blocks, ops, comb):
                total = 1
                for b in _range(blocks):
                    total = total * (2 + b) * (2 + b) * ops * ops * comb
                return total
            cases = [((blocks, ops, comb), brute(blocks, ops, comb)) for blocks in (1, 2, 3, 5, 7) for ops in (1, 4, 13) for comb in (1, 2)]''',
              hidden='''
            for (blocks, ops, comb), expected in cases:
                _check_int(count_cells(blocks, ops, comb), expected, f"count_cells({blocks}, {ops}, {comb})")
            _check_int(nasnet_space_size, brute(5, 13, 2), "nasnet_space_size")'''),
        md(f"{slug}_q2", '''
            ## Q2. Sampling a cell (4 points)

            Random search, the baseline every NAS method must beat, needs a sampler. Write
            `sample_cell(rng, num_blocks=5, ops=OPS)` returning a
            `CellGenotype(blocks, concat, reduction=False)` where `blocks` and `concat` are
            tuples. Draw every random choice from `rng` (a `random.Random`), in this order for
            each block `b`: `input_left = rng.randrange(2 + b)`, then `input_right` the same
            way, then `op_left = rng.choice(ops)`, then `op_right`. `concat` lists, in
            increasing order, the states `2 .. num_blocks + 1` that no block uses as an input.

            Two calls with generators seeded alike must return the same cell, whatever else
            uses the global `random` module in between.'''),
        answer(f"{slug}_q2_answer", '''
            def sample_cell(rng, num_blocks=5, ops=OPS):
                ### BEGIN SOLUTION
                blocks, used = [], set()
                for b in range(num_blocks):
                    i_left = rng.randrange(2 + b)
                    i_right = rng.randrange(2 + b)
                    op_left = rng.choice(ops)
                    op_right = rng.choice(ops)
                    blocks.append((op_left, i_left, op_right, i_right))
                    used.update((i_left, i_right))
                concat = tuple(j for j in range(2, 2 + num_blocks) if j not in used)
                return CellGenotype(tuple(blocks), concat, reduction=False)
                ### END SOLUTION'''),
        tests(f"{slug}_q2_tests", 4, '''
            test_cell = sample_cell(random.Random(0))
            assert_equal(len(test_cell.blocks), 5)
            assert_true(all(0 <= block[1] < 2 + b and 0 <= block[3] < 2 + b for b, block in enumerate(test_cell.blocks)))
            assert_true(all(block[0] in OPS and block[2] in OPS for block in test_cell.blocks))''', prepare=(NAS_SAMPLER, '''
            Random = _il.import_module("random").Random
            genotype_cls = reference("cnnlib.models.nasnet.CellGenotype")
            ops_sets = (("sep3x3", "sep5x5", "sep7x7", "avg3x3", "max3x3", "identity"), ("a", "b"), ("only",))
            cases = []
            for seed in _range(40):
                ops = ops_sets[seed % 3]
                blocks = 1 + seed % 6
                cases.append((seed, blocks, ops, sample_reference(Random(seed), blocks, ops)))
            global_random = _il.import_module("random")'''), hidden='''
            for seed, blocks, ops, (expected_blocks, expected_concat) in cases:
                global_random.seed(seed + 1000)
                cell = sample_cell(Random(seed), blocks, ops)
                global_random.random()
                again = sample_cell(Random(seed), blocks, ops)
                what = f"sample_cell(random.Random({seed}), {blocks}, {ops})"
                assert_true(_isinstance(cell, genotype_cls), msg=f"{what} should return a CellGenotype")
                assert_equal(_TUPLE(_TUPLE(b) for b in cell.blocks), expected_blocks, msg=f"{what}.blocks")
                assert_equal(_TUPLE(cell.concat), expected_concat, msg=f"{what}.concat")
                assert_equal(_TUPLE(_TUPLE(b) for b in again.blocks), expected_blocks, msg=f"{what} again, same seed")
                assert_true(cell.reduction is False, msg=f"{what}.reduction should be False")'''),
        md(f"{slug}_q3", '''
            ## Q3. What does a sampled cell cost? (3 points)

            `cnnlib`'s `NASNetCell(genotype, C, C, C, prev_mode="conv", norm_layer=nn.BatchNorm2d,
            act_layer=nn.ReLU)` builds a cell with `C` channels per state. Its parameters are:

            * two preprocessing 1x1 convs (`C -> C`, no bias), each followed by BN (2 x `C`);
            * for each `"sepKxK"` operation: twice (depthwise `KxK` conv + pointwise `C -> C`
              conv, no biases, then BN), i.e. `2 * (K*K*C + C*C + 2*C)`;
            * pools and identities have none.

            Write `cell_params(genotype, channels)` computing this count with the formula
            (not by building the cell).'''),
        answer(f"{slug}_q3_answer", '''
            def cell_params(genotype, channels):
                ### BEGIN SOLUTION
                c = channels
                total = 2 * (c * c + 2 * c)
                for op_left, _, op_right, _ in genotype.blocks:
                    for op in (op_left, op_right):
                        if op.startswith("sep"):
                            k = int(op[3])
                            total += 2 * (k * k * c + c * c + 2 * c)
                return total
                ### END SOLUTION'''),
        tests(f"{slug}_q3_tests", 3, '''
            test_cell = CellGenotype((("identity", 0, "avg3x3", 1),), (2,), False)
            assert_equal(cell_params(test_cell, 8), 2 * (8 * 8 + 2 * 8))''', prepare=(NAS_SAMPLER, '''
            Random = _il.import_module("random").Random
            _nn = _il.import_module("torch.nn")
            cell_cls = reference("cnnlib.models.nasnet.NASNetCell")
            genotype_cls = reference("cnnlib.models.nasnet.CellGenotype")
            ops = ("sep3x3", "sep5x5", "sep7x7", "avg3x3", "max3x3", "identity")
            cases = []
            for seed in _range(12):
                blocks, concat = sample_reference(Random(seed), 2 + seed % 4, ops)
                genotype = genotype_cls(blocks, concat, False)
                channels = (4, 6, 8)[seed % 3]
                cell = cell_cls(genotype, channels, channels, channels, prev_mode="conv",
                                norm_layer=_nn.BatchNorm2d, act_layer=_nn.ReLU)
                cases.append((genotype, channels, _sum(_TB.numel(p) for p in cell.parameters())))
            for name in ("NASNET_A_NORMAL", "NASNET_A_REDUCTION"):
                genotype = _il.import_module("cnnlib.models.nasnet").__dict__[name]
                cell = cell_cls(genotype, 8, 8, 8, prev_mode="conv", norm_layer=_nn.BatchNorm2d, act_layer=_nn.ReLU)
                cases.append((genotype, 8, _sum(_TB.numel(p) for p in cell.parameters())))'''), hidden='''
            for genotype, channels, expected in cases:
                _check_int(cell_params(genotype, channels), expected, f"cell_params({genotype.blocks}, {channels}) vs NASNetCell")'''),
        md(f"{slug}_q4", '''
            ## Q4. How many samples does random search need? (2 points)

            Suppose each sampled architecture independently lands in the best 1% of the space
            with probability 0.01.

            * `p_top1pct_in_100`: the probability that 100 samples contain at least one such
              architecture;
            * `samples_for_95pct`: the smallest number of samples for which that probability
              reaches 0.95 (an `int`).'''),
        answer(f"{slug}_q4_answer", '''
            ### BEGIN SOLUTION
            p_top1pct_in_100 = 1 - 0.99 ** 100
            samples_for_95pct = math.ceil(math.log(0.05) / math.log(0.99))
            ### END SOLUTION'''),
        tests(f"{slug}_q4_tests", 2, '''
            assert_true(0.0 < p_top1pct_in_100 < 1.0)
            assert_true(isinstance(samples_for_95pct, int))''', prepare='''
            k, miss = 0, 1.0
            while 1.0 - miss < 0.95:
                k, miss = k + 1, miss * 0.99''', hidden='''
            _check_float(p_top1pct_in_100, 1 - 0.99 ** 100, "p_top1pct_in_100", rel=1e-9)
            _check_int(samples_for_95pct, k, "samples_for_95pct")'''),
    ]
    return ch


# =========================================================================== chapter 12
ZOO_TOP1 = {  # cnnlib model -> torchvision weights of the same architecture (same layers and counts)
    "alexnet_owt": "AlexNet_Weights", "vgg16": "VGG16_Weights", "resnet18": "ResNet18_Weights",
    "resnet50": "ResNet50_Weights", "squeezenet1_0": "SqueezeNet1_0_Weights",
    "mobilenet_v2": "MobileNet_V2_Weights", "densenet121": "DenseNet121_Weights",
    "efficientnet_b0": "EfficientNet_B0_Weights", "shufflenet_v2_x1_0": "ShuffleNet_V2_X1_0_Weights",
    "mnasnet1_0": "MNASNet1_0_Weights",
}


@chapter
def ch12() -> Chapter:
    slug = "ch12_comparing"
    ch = Chapter(slug, "Chapter 12 exercises: comparing architectures")
    zoo = repr(ZOO_TOP1)
    zoo_lines = "{\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in ZOO_TOP1.items()) + "}"
    ch.cells += [
        intro(slug, ch.title, '''
            Which network is "best" depends on what you pay for: parameters (storage,
            download), multiply-accumulates (energy, latency on a CPU), activation memory
            (training batch size), or wall-clock time on a given accelerator. Here you
            measure the zoo with `cnnlib.summarize` and put the costs next to the ImageNet
            top-1 accuracy that torchvision reports for its pretrained weights of the same
            architectures (`TOP1`, in percent, read from torchvision's weight metadata below;
            `cnnlib`'s versions of these models have the same layers and parameter counts).'''),
        common_setup(slug, "\n".join([
            "import torchvision.models",
            "",
            "# cnnlib model -> torchvision's pretrained weights of the same architecture",
            f"WEIGHTS = {zoo_lines}",
            'TOP1 = {name: getattr(torchvision.models, w).IMAGENET1K_V1.meta["_metrics"]["ImageNet-1K"]["acc@1"]',
            "        for name, w in WEIGHTS.items()}",
            "TOP1"])),
        md(f"{slug}_q1", '''
            ## Q1. Measuring a model (3 points)

            Write `complexity(name, input_size=(3, 224, 224))` returning `(params, macs)`: the
            learnable parameters of `cnnlib.get_model(name)` (1000 classes) and its
            multiply-accumulates for one image of `input_size`, as `int`s. Build the model
            inside `with torch.device("meta"):` so that even VGG-16 costs no memory and no
            time, and use `cnnlib.summarize`.'''),
        answer(f"{slug}_q1_answer", '''
            def complexity(name, input_size=(3, 224, 224)):
                ### BEGIN SOLUTION
                with torch.device("meta"):
                    model = cnnlib.get_model(name)
                summary = cnnlib.summarize(model, input_size)
                return summary.total_params, summary.total_macs
                ### END SOLUTION'''),
        tests(f"{slug}_q1_tests", 3, '''
            test_params, test_macs = complexity("resnet18")
            assert_equal(test_params, sum(p.numel() for p in cnnlib.get_model("resnet18").parameters()))
            assert_true(test_macs > 10**9)''', prepare=f'''
            tv = _il.import_module("torchvision.models")
            weights = {zoo}
            get_model = reference("cnnlib.get_model")
            cases = []
            for name, size in (("vgg16", 224), ("mobilenet_v2", 224), ("squeezenet1_0", 224), ("resnet50", 160),
                               ("efficientnet_b0", 224), ("vgg11", 224), ("resnet34", 128)):
                with _torch.device("meta"):
                    net = get_model(name)
                s = _summarize(net, (3, size, size))
                if name in weights and size == 224:
                    meta = tv.__dict__[weights[name]].IMAGENET1K_V1.meta
                    assert_equal(s.total_params, meta["num_params"], msg=f"{{name}}: cnnlib vs torchvision parameters")
                    assert_close(s.total_macs / 1e9, meta["_ops"], atol=0.0006, rtol=0.0,
                                 msg=f"{{name}}: cnnlib MACs vs torchvision's GFLOPS (which count MACs)")
                cases.append((name, size, s.total_params, s.total_macs))''', hidden='''
            for name, size, params, macs in cases:
                result = complexity(name, (3, size, size))
                assert_true(_isinstance(result, (_TUPLE, _LIST)) and _len(result) == 2,
                            msg="complexity returns (params, macs)")
                _check_int(result[0], params, f"complexity({name!r}, (3, {size}, {size}))[0] (params)")
                _check_int(result[1], macs, f"complexity({name!r}, (3, {size}, {size}))[1] (MACs)")'''),
        md(f"{slug}_q2", '''
            ## Q2. Cost per accuracy point (3 points)

            * `table`: a dict mapping every model of `TOP1` to `(params, macs, top1)`;
            * `most_params_per_point`: the model with the most parameters per top-1 point;
            * `fewest_macs_per_point`: the model with the fewest MACs per top-1 point;
            * `best_top1_under_1_gmac`: the most accurate model that needs fewer than `10**9`
              MACs per 224x224 image.'''),
        answer(f"{slug}_q2_answer", '''
            ### BEGIN SOLUTION
            table = {name: (*complexity(name), top1) for name, top1 in TOP1.items()}
            most_params_per_point = max(table, key=lambda n: table[n][0] / table[n][2])
            fewest_macs_per_point = min(table, key=lambda n: table[n][1] / table[n][2])
            best_top1_under_1_gmac = max((n for n in table if table[n][1] < 10**9), key=lambda n: table[n][2])
            ### END SOLUTION'''),
        tests(f"{slug}_q2_tests", 3, '''
            assert_equal(sorted(table), sorted(TOP1))
            for test_name in (most_params_per_point, fewest_macs_per_point, best_top1_under_1_gmac):
                assert_true(test_name in TOP1)''', prepare=f'''
            tv = _il.import_module("torchvision.models")
            weights = {zoo}
            get_model = reference("cnnlib.get_model")
            expected = {{}}
            for name, w in weights.items():
                with _torch.device("meta"):
                    s = _summarize(get_model(name), (3, 224, 224))
                top1 = tv.__dict__[w].IMAGENET1K_V1.meta["_metrics"]["ImageNet-1K"]["acc@1"]
                expected[name] = (s.total_params, s.total_macs, top1)
            def arg(best, key, names):
                choice = None
                for n in names:
                    if choice is None or best(key(n), key(choice)):
                        choice = n
                return choice
            names = _sorted(expected)
            most_params = arg(lambda a, b: a > b, lambda n: expected[n][0] / expected[n][2], names)
            fewest_macs = arg(lambda a, b: a < b, lambda n: expected[n][1] / expected[n][2], names)
            best_small = arg(lambda a, b: a > b, lambda n: expected[n][2], [n for n in names if expected[n][1] < 10**9])''',
              hidden='''
            assert_true(_TYPE(table) is _DICT, msg=f"table should be a dict, got {_tname(table)}")
            for name, (params, macs, top1) in expected.items():
                row = table.get(name)
                assert_true(_isinstance(row, (_TUPLE, _LIST)) and _len(row) == 3, msg=f"table[{name!r}] is (params, macs, top1)")
                _check_int(row[0], params, f"table[{name!r}] params")
                _check_int(row[1], macs, f"table[{name!r}] macs")
                _check_float(row[2], top1, f"table[{name!r}] top1", rel=1e-9)
            _check_choice(most_params_per_point, most_params, "most_params_per_point")
            _check_choice(fewest_macs_per_point, fewest_macs, "fewest_macs_per_point")
            _check_choice(best_top1_under_1_gmac, best_small, "best_top1_under_1_gmac")'''),
        md(f"{slug}_q3", '''
            ## Q3. The Pareto front (3 points)

            A model is *dominated* if another one costs no more and is at least as accurate,
            and is strictly better in one of the two. Write `pareto_front(points)` where
            `points` maps names to `(cost, accuracy)`; return the sorted list of the names that
            are not dominated. Then `macs_front = pareto_front({name: (macs, top1) for ...})`
            over `table`: the models worth considering when MACs are what you pay for.'''),
        answer(f"{slug}_q3_answer", '''
            def pareto_front(points):
                ### BEGIN SOLUTION
                front = []
                for name, (cost, acc) in points.items():
                    dominated = any(c <= cost and a >= acc and (c < cost or a > acc)
                                    for other, (c, a) in points.items() if other != name)
                    if not dominated:
                        front.append(name)
                return sorted(front)
                ### END SOLUTION


            ### BEGIN SOLUTION
            macs_front = pareto_front({name: (macs, top1) for name, (params, macs, top1) in table.items()})
            ### END SOLUTION'''),
        tests(f"{slug}_q3_tests", 3, '''
            assert_equal(pareto_front({"a": (1, 50), "b": (2, 60), "c": (3, 55)}), ["a", "b"])
            assert_true(set(macs_front) <= set(TOP1))''', prepare=f'''
            def brute(points):
                keep = []
                for n, (c, a) in points.items():
                    beaten = False
                    for m, (c2, a2) in points.items():
                        if m != n and c2 <= c and a2 >= a and (c2 < c or a2 > a):
                            beaten = True
                    if not beaten:
                        keep.append(n)
                return _sorted(keep)
            rng = _il.import_module("random").Random(12)
            cases = []
            for trial in _range(60):
                pts = {{f"m{{i}}": (rng.randint(1, 6), rng.randint(1, 6)) for i in _range(rng.randint(1, 9))}}
                cases.append((pts, brute(pts)))
            tv = _il.import_module("torchvision.models")
            get_model = reference("cnnlib.get_model")
            real = {{}}
            for name, w in {zoo}.items():
                with _torch.device("meta"):
                    macs = _summarize(get_model(name), (3, 224, 224)).total_macs
                real[name] = (macs, tv.__dict__[w].IMAGENET1K_V1.meta["_metrics"]["ImageNet-1K"]["acc@1"])
            real_front = brute(real)''', hidden='''
            for pts, front in cases:
                assert_equal(pareto_front(_DICT(pts)), front, msg=f"pareto_front({pts})")
            assert_equal(macs_front, real_front, msg="macs_front")'''),
        md(f"{slug}_q4", '''
            ## Q4. Two lecture claims (2 points)

            * `vgg16_over_resnet18_macs`: how many times more MACs VGG-16 needs than ResNet-18
              (which is *more* accurate);
            * `alexnet_over_squeezenet_params`: SqueezeNet claims "AlexNet-level accuracy with
              50x fewer parameters". Compute the parameter ratio of `alexnet_owt` (torchvision's
              AlexNet) to `squeezenet1_0`, and
            * `alexnet_minus_squeezenet_top1`: the top-1 difference in points (AlexNet minus
              SqueezeNet), from `TOP1`.'''),
        answer(f"{slug}_q4_answer", '''
            ### BEGIN SOLUTION
            vgg16_over_resnet18_macs = table["vgg16"][1] / table["resnet18"][1]
            alexnet_over_squeezenet_params = table["alexnet_owt"][0] / table["squeezenet1_0"][0]
            alexnet_minus_squeezenet_top1 = TOP1["alexnet_owt"] - TOP1["squeezenet1_0"]
            ### END SOLUTION'''),
        tests(f"{slug}_q4_tests", 2, '''
            assert_true(vgg16_over_resnet18_macs > 1.0)
            assert_true(alexnet_over_squeezenet_params > 1.0)''', prepare='''
            tv = _il.import_module("torchvision.models")
            meta = {n: tv.__dict__[w].IMAGENET1K_V1.meta for n, w in (("vgg16", "VGG16_Weights"), ("resnet18", "ResNet18_Weights"),
                    ("alexnet_owt", "AlexNet_Weights"), ("squeezenet1_0", "SqueezeNet1_0_Weights"))}
            get_model = reference("cnnlib.get_model")
            counts = {}
            for name in meta:
                with _torch.device("meta"):
                    s = _summarize(get_model(name), (3, 224, 224))
                counts[name] = (s.total_params, s.total_macs)
            top1 = {n: m["_metrics"]["ImageNet-1K"]["acc@1"] for n, m in meta.items()}''', hidden='''
            _check_float(vgg16_over_resnet18_macs, counts["vgg16"][1] / counts["resnet18"][1], "vgg16_over_resnet18_macs", rel=1e-9)
            _check_float(alexnet_over_squeezenet_params, counts["alexnet_owt"][0] / counts["squeezenet1_0"][0],
                         "alexnet_over_squeezenet_params", rel=1e-9)
            _check_float(alexnet_minus_squeezenet_top1, top1["alexnet_owt"] - top1["squeezenet1_0"],
                         "alexnet_minus_squeezenet_top1", rel=1e-9, abs_tol=1e-9)'''),
        md(f"{slug}_gpu", '''
            ## Optional: latency on a GPU (not graded)

            MACs are not time. If you have a GPU, the cell below measures the forward time of
            a batch of 32 images for a few models; compare the order with the MAC counts of
            Q2 (depthwise convolutions, for instance, do few MACs but use the GPU poorly). It
            does nothing on a CPU-only machine and is skipped by the grader.'''),
        setup(f"{slug}_gpu_timing", '''
            import os
            import time

            def gpu_latency_ms(name, batch=32, repeats=20):
                """Mean forward time of `batch` 224x224 images, in milliseconds."""
                model = cnnlib.get_model(name).cuda().eval()
                x = torch.randn(batch, 3, 224, 224, device="cuda")
                with torch.no_grad():
                    for _ in range(5):                      # warm-up: cuDNN picks its algorithms
                        model(x)
                    torch.cuda.synchronize()
                    start = time.perf_counter()
                    for _ in range(repeats):
                        model(x)
                    torch.cuda.synchronize()
                return (time.perf_counter() - start) / repeats * 1000

            latency_ms = {}
            if torch.cuda.is_available() and not os.environ.get("NBGRADER_EXECUTION"):
                latency_ms = {name: round(gpu_latency_ms(name), 2)
                              for name in ("resnet18", "resnet50", "mobilenet_v2", "efficientnet_b0", "vgg16")}
            latency_ms'''),
    ]
    return ch


# =========================================================================== command line
def build(chapters: list[Chapter] | None = None) -> list[Path]:
    """Write every chapter's notebook; return the paths written."""
    written = []
    for ch in chapters if chapters is not None else [fn() for fn in CHAPTERS]:
        ch.path.parent.mkdir(parents=True, exist_ok=True)
        ch.path.write_text(ch.text(), encoding="utf-8")
        written.append(ch.path)
    return written


def stale() -> list[Path]:
    """Committed notebooks that differ from what this file generates (or are missing)."""
    out = []
    for fn in CHAPTERS:
        ch = fn()
        if not ch.path.exists() or ch.path.read_text(encoding="utf-8") != ch.text():
            out.append(ch.path)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if a notebook is missing or out of date")
    args = parser.parse_args(argv)
    if args.check:
        out_of_date = stale()
        for path in out_of_date:
            print(f"out of date: {path.relative_to(ROOT)} (run python tools/build_exercises.py)")
        return 1 if out_of_date else 0
    for path in build():
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
