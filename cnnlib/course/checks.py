"""Checks for exercise test cells: the same code in the student's notebook and in the grader.

A test cell names each answer it checks as an expression, in a string::

    from cnnlib.course.checks import check

    check.integer("conv1_params", 34944, hint="count the biases too")
    check.shape("alexnet_shapes['pool3']", (256, 6, 6))
    check.close("relu(x)", torch.tensor([0.0, 2.0]), given={"x": torch.tensor([-1.0, 2.0])})
    check.raises("conv_output_size(3, 5)", ValueError)
    check.module("BasicBlock(8, 16, stride=2)", reference=resnet.BasicBlock(8, 16, stride=2),
                 inputs=torch.randn(2, 8, 12, 12))

* **In a student's notebook** each check evaluates its expression right away in the
  notebook's namespace (with ``given`` values bound as names) and raises
  :class:`CheckFailed` with a message that names the answer and says what is
  wrong: ``conv1_params: expected 34944, got 34848 (count the biases too)``.
* **When grading** the test cell never runs in the student's kernel: the judge
  (:mod:`cnnlib.course.judge`) runs it in the trusted grader with the checks in
  planning mode, sends only the expressions, inputs and weights to the sandbox
  (:mod:`cnnlib.course.probe`), and compares the answers that come back with the
  expected values it kept. The same comparison code produces both messages.

Rules for test code (checked when an assignment is released): refer to the
student's answers only inside check expressions (test code runs in the judge,
where they do not exist); compute expected values with ordinary code and the
``cnnlib`` references (trusted: it never runs next to student code); put
hidden checks between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``
around whole statements. A check's ``name`` (default: its expression) and
``hint`` are shown to students, for hidden checks too; its expected value and
the test code are not.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence

from . import probe as wire
from .judge import Check, judge_check

__all__ = ["CheckFailed", "check"]


class CheckFailed(AssertionError):
    """A check of a test cell failed; the message names the answer and what is wrong."""


class _Recorder:
    def __init__(self) -> None:
        self.checks: list[Check] = []


_PLANNING: list = []  # stack of (recorder, hidden) while the judge plans a test cell


@contextlib.contextmanager
def _planning(recorder: _Recorder, hidden: bool) -> Iterator[None]:
    _PLANNING.append((recorder, hidden))
    try:
        yield
    finally:
        _PLANNING.pop()


def _expression(expr: str, what: str = "expr") -> str:
    if not isinstance(expr, str) or not expr.strip():
        raise TypeError(f"{what} must be the answer as a Python expression in a string, e.g. "
                        f"check.integer(\"conv1_params\", 34944); got {expr!r}")
    try:
        compile(expr, "<check>", "eval")
    except SyntaxError as exc:
        raise TypeError(f"{what} {expr!r} is not a Python expression: {exc.msg}") from None
    return expr.strip()


def _given(given: dict | None) -> dict | None:
    if given is None:
        return None
    if not isinstance(given, dict) or not all(isinstance(k, str) and k.isidentifier() for k in given):
        raise TypeError(f"given must be a dict of names to values, got {given!r}")
    return {name: wire.encode(value) for name, value in given.items()}


def _submit(item: Check, namespace: dict) -> None:
    __tracebackhide__ = True  # IPython: show the check's message, not this module's frames
    if _PLANNING:
        recorder, hidden = _PLANNING[-1]
        item.hidden = hidden
        recorder.checks.append(item)
        return
    result = wire.evaluate([{**item.request, "id": 0}], namespace)[0]
    verdict = judge_check(item, result)
    if not verdict.passed:
        raise CheckFailed(verdict.detail) from None


def _caller_namespace() -> dict:
    # check.<method> -> _make/_value -> here: the test cell is three frames up.
    return sys._getframe(3).f_globals


def _randomize(model, seed: int) -> tuple[dict[int, int], list]:
    """Seeded weights and norm statistics for ``model``, in place.

    Returns ``{id(tensor): index}`` of the tensors drawn and the draw specs, with which
    :func:`~cnnlib.course.probe.seeded_tensors` draws the same tensors in the sandbox (a
    module check sends the seed and the specs, not megabytes of weights).
    """
    import torch

    targets, specs = [], []
    for m in model.modules():
        for name, t in list(m._parameters.items()) + list(m._buffers.items()):
            if t is not None and t.is_floating_point():
                targets.append(t)
                specs.append([wire.draw_rule(name, tuple(t.shape)), list(t.shape)])
    with torch.no_grad():
        for t, new in zip(targets, wire.seeded_tensors(seed, specs)):
            t.copy_(new)
    return {id(t): i for i, t in enumerate(targets)}, specs


class Checks:
    """The checks a test cell can make (use the instance :data:`check`)."""

    def _value(self, kind: str, expr: str, expected, *, name: str, hint: str, given, op: str = "value",
               **options) -> None:
        __tracebackhide__ = True
        expr = _expression(expr)
        item = Check(kind, expr, expected, name=str(name or ""), hint=str(hint or ""), options=options,
                     given=given, request={"op": op, "expr": expr, "given": _given(given)})
        _submit(item, _caller_namespace())

    def integer(self, expr: str, expected: int, *, name: str = "", hint: str = "", given: dict | None = None) -> None:
        """The answer is a Python ``int`` equal to ``expected`` (a count, a size)."""
        __tracebackhide__ = True
        if type(expected) is not int:
            raise TypeError(f"check.integer({expr!r}): expected must be an int, got {expected!r}")
        self._value("integer", expr, expected, name=name, hint=hint, given=given)

    def equal(self, expr: str, expected, *, name: str = "", hint: str = "", given: dict | None = None) -> None:
        """The answer equals ``expected`` exactly, with the same types (a tuple is not a list)."""
        __tracebackhide__ = True
        self._value("equal", expr, expected, name=name, hint=hint, given=given)

    def close(self, expr: str, expected, *, rtol: float = 1e-6, atol: float = 1e-12, name: str = "",
              hint: str = "", given: dict | None = None) -> None:
        """The answer (a number, nested numbers, a tensor or an array) is within ``rtol``/``atol``
        of ``expected``, with the same shape."""
        __tracebackhide__ = True
        if not (isinstance(rtol, (int, float)) and isinstance(atol, (int, float)) and rtol >= 0 and atol >= 0):
            raise TypeError(f"check.close({expr!r}): rtol and atol must be non-negative numbers")
        self._value("close", expr, expected, name=name, hint=hint, given=given, rtol=float(rtol), atol=float(atol))

    def shape(self, expr: str, expected: Sequence[int], *, name: str = "", hint: str = "",
              given: dict | None = None) -> None:
        """The answer is a tuple of ints equal to ``expected``, e.g. ``(96, 55, 55)`` (C, H, W)."""
        __tracebackhide__ = True
        expected = tuple(expected)
        if not all(type(v) is int for v in expected):
            raise TypeError(f"check.shape({expr!r}): expected must be a tuple of ints, got {expected!r}")
        self._value("shape", expr, expected, name=name, hint=hint, given=given)

    def shapes(self, expr: str, expected: dict, *, name: str = "", hint: str = "", given: dict | None = None) -> None:
        """The answer is a dict with exactly ``expected``'s keys, each a (C, H, W)-style tuple."""
        __tracebackhide__ = True
        if not isinstance(expected, dict):
            raise TypeError(f"check.shapes({expr!r}): expected must be a dict of shapes")
        expected = {k: tuple(v) for k, v in expected.items()}
        self._value("shapes", expr, expected, name=name, hint=hint, given=given)

    def choice(self, expr: str, expected: str, *, name: str = "", hint: str = "", given: dict | None = None) -> None:
        """The answer is a str equal to ``expected`` ignoring case and surrounding spaces."""
        __tracebackhide__ = True
        if not isinstance(expected, str):
            raise TypeError(f"check.choice({expr!r}): expected must be a str")
        self._value("choice", expr, expected.strip().lower(), name=name, hint=hint, given=given)

    def true(self, expr: str, message: str = "", *, name: str = "", hint: str = "",
             given: dict | None = None) -> None:
        """The expression is exactly ``True`` (e.g. ``"bottleneck_macs < basic_macs"``)."""
        __tracebackhide__ = True
        self._value("true", expr, True, name=name, hint=hint, given=given, message=str(message or ""))

    def raises(self, expr: str, exception: type[BaseException] = ValueError, *, name: str = "", hint: str = "",
               given: dict | None = None) -> None:
        """Evaluating the expression raises ``exception`` (or a subclass of it)."""
        __tracebackhide__ = True
        if not (isinstance(exception, type) and issubclass(exception, BaseException)):
            raise TypeError(f"check.raises({expr!r}): exception must be an exception class, got {exception!r}")
        label = exception.__qualname__ if exception.__module__ == "builtins" else \
            f"{exception.__module__}.{exception.__qualname__}"
        self._value("raises", expr, label, name=name, hint=hint, given=given)

    def parameters(self, expr: str, expected: int, *, name: str = "", hint: str = "",
                   given: dict | None = None) -> None:
        """The module built by the expression has ``expected`` parameters in total."""
        __tracebackhide__ = True
        if type(expected) is not int:
            raise TypeError(f"check.parameters({expr!r}): expected must be an int, got {expected!r}")
        self._value("parameters", expr, expected, name=name or f"parameters of {expr}", hint=hint, given=given,
                    op="parameters")

    def module(self, expr: str, reference, inputs, *, modes: Sequence[str] = ("eval",),
               input_size: Sequence[int] | None = None, rtol: float = 1e-4, atol: float = 1e-5, seed: int = 0,
               name: str = "", hint: str = "", given: dict | None = None) -> None:
        """The module built by ``expr`` computes what ``reference`` computes.

        The reference gets seeded random weights and norm statistics; the student's
        layers that hold tensors are paired with the reference's (same kind and tensor
        shapes, in the order they run on the first input), get the reference's
        weights, and must give the same outputs on every input in every mode
        (``"eval"``, ``"train"``). With ``input_size`` (C, H, W), the layers with
        weights (kind, parameters, output shape from ``cnnlib.summarize``) must match too.
        """
        __tracebackhide__ = True
        import torch

        expr = _expression(expr)
        if not isinstance(reference, torch.nn.Module):
            raise TypeError(f"check.module({expr!r}): reference must be a torch.nn.Module")
        inputs = [inputs] if isinstance(inputs, torch.Tensor) else list(inputs)
        if not inputs or not all(isinstance(x, torch.Tensor) for x in inputs):
            raise TypeError(f"check.module({expr!r}): inputs must be a tensor or a list of tensors")
        modes = list(modes)
        if not modes or any(m not in ("eval", "train") for m in modes):
            raise TypeError(f"check.module({expr!r}): modes must be 'eval' and/or 'train', got {modes!r}")
        drawn, specs = _randomize(reference, seed)
        reference.eval()
        layers = wire.layers_in_call_order(reference, inputs[0])
        weights = [[wire.pairing_key(m), [{"$draw": drawn[id(t)]} if id(t) in drawn else wire.encode(t.detach())
                                          for t in wire.own_tensors(m)]] for m in layers]
        outputs = []
        for mode in modes:  # eval first: a train-mode pass moves the running statistics
            reference.train(mode == "train")
            with torch.no_grad():
                outputs.append([mode, [reference(x.clone()) for x in inputs]])
        reference.eval()
        table = wire.layer_table(reference, input_size) if input_size is not None else None
        request = {"op": "module", "expr": expr, "given": _given(given),
                   "inputs": [wire.encode(x) for x in inputs],
                   "weights": weights, "draws": {"seed": seed, "specs": specs},
                   "modes": modes, "input_size": list(input_size) if input_size is not None else None}
        item = Check("module", expr, None, name=str(name or ""), hint=str(hint or ""), given=given, request=request,
                     options={"weights": [[key, None] for key, _ in weights], "outputs": outputs, "table": table,
                              "rtol": float(rtol), "atol": float(atol)})
        _submit(item, sys._getframe(1).f_globals)


#: The checks of a test cell: ``from cnnlib.course.checks import check``.
check = Checks()
