"""Checking typed answers: ``check(problem, "96, 55, 55")`` and the notebook's self-check widget.

A typed answer may use thousands separators (``34,944``), SI-style suffixes (``854M``, ``35K``,
``1.2G``), units (``1134.4 KB``, ``854M MACs``) and ``x`` between the sides of a volume
(``96x55x55``). Tuple answers are separated by ``;`` or ``,``. Tolerances follow how a person
rounds (:func:`answers_match`).

Volumes are written C×H×W, channels first, as in the book and in ``torch``: the right numbers
in another order (``55, 55, 96``, the H×W×C order) are marked wrong, with a hint that names
the convention (:data:`VOLUME_ORDER_HINT`).
"""
from __future__ import annotations

import html
import itertools
import numbers
import re
from dataclasses import dataclass
from typing import Any

from cnnlib.practice.markdown_html import markdown_to_html

__all__ = ["check", "CheckResult", "answers_match", "parse_numbers", "self_check",
           "REL_TOL", "ABS_TOL", "EXACT_BELOW", "VOLUME_ORDER_HINT"]

REL_TOL = 0.005      # 0.5%: "854M" for 853,991,424 and "35K" for 34,944 count as right
ABS_TOL = 0.006      # decimals may be rounded to 2 places
EXACT_BELOW = 10_000  # integers below this (sizes, receptive fields, small counts) must be exact
VOLUME_ORDER_HINT = ("volumes are written C×H×W, channels first: the number of channels, then "
                     "the height and the width")

_SUFFIX = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "g": 1e9, "billion": 1e9}
_NUMBER = re.compile(
    r"(?P<num>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"
    r"(?:\s*(?P<suf>thousand|million|billion|[kKmMgG])(?![A-Za-z]))?")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def _last_digit(num: str) -> float:
    """The place value of the last digit written: ``854`` -> 1, ``85.4`` -> 0.1,
    ``854000`` -> 1000 (trailing zeros of an integer read as rounding), ``8.5e8`` -> 1e7."""
    mantissa, _, exp = num.lower().lstrip("+-").partition("e")
    if "." in mantissa:
        place = 10.0 ** -len(mantissa.split(".")[1])
    else:
        place = 10.0 ** (len(mantissa) - len(mantissa.rstrip("0"))) if mantissa.strip("0") else 1
    return place * 10.0 ** int(exp or 0)


def _tokens(text: str) -> list[tuple[float, float]]:
    """``(value, place value of its last digit)`` for every number in ``text``."""
    out = []
    for m in _NUMBER.finditer(text):
        scale = _SUFFIX.get((m["suf"] or "").lower(), 1.0)
        out.append((float(m["num"]) * scale, _last_digit(m["num"]) * scale))
    return out


def _readings(response: str) -> list[list[tuple[float, float]]]:
    text = str(response).replace("−", "-").replace("×", "x").replace("_", "")
    if ";" in text:
        return [[t for part in text.split(";") for t in _tokens(_THOUSANDS.sub("", part))]]
    readings = [_tokens(_THOUSANDS.sub("", text)), _tokens(text.replace(",", " "))]
    return [r for i, r in enumerate(readings) if r not in readings[:i]]


def parse_numbers(response: str) -> list[list[float]]:
    """The ways to read the numbers in ``response``: with ``,`` as a thousands separator, and
    with ``,`` as a list separator (``128,256`` could be either). ``;`` always separates."""
    return [[value for value, _ in reading] for reading in _readings(response)]


def _number_matches(expected: float, got: float, place: float) -> bool:
    if isinstance(expected, numbers.Integral):
        if abs(expected) < EXACT_BELOW:
            return got == expected
        # a rounded count ("854M", "35K", "34,900") must be within one unit of its last digit
        # and within 0.5%; a count typed in full must be exact
        return abs(got - expected) < max(place, 1) and abs(got - expected) <= REL_TOL * abs(
            expected)
    return abs(got - expected) <= max(REL_TOL * abs(expected), ABS_TOL)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


_NO = re.compile(r"(n|false)$|no|not|doesnt|doesnot|itdoesnt|itdoesnot")  # on _norm'd text


def answers_match(expected: Any, response: str) -> bool:
    """Whether ``response`` (typed text) is the ``expected`` answer.

    Integers below 10,000 must be exact. Larger integers typed in full must be exact too; typed
    rounded (``854M``, ``35K``, ``34,900``) they must be within one unit of the last digit
    written and within 0.5%. Decimals may be off by 0.5% or 0.006, whichever is larger.
    Strings compare without case, spaces or punctuation (``Conv 2`` is ``conv2``); a ``no``
    answer accepts ``no``, ``does not fit`` and the like.
    """
    if isinstance(expected, str):
        got = _norm(response)
        if _norm(expected) == "no":
            return _NO.match(got) is not None
        return got == _norm(expected)
    wanted = list(expected) if isinstance(expected, tuple) else [expected]
    if isinstance(expected, numbers.Integral) and _norm(response).startswith("no"):
        return False
    for reading in _readings(response):
        if len(reading) == len(wanted) and all(
                _number_matches(e, g, place) for e, (g, place) in zip(wanted, reading)):
            return True
    return False


@dataclass(frozen=True)
class CheckResult:
    """Outcome of :func:`check`: truthy when correct. When not, ``hint`` says what to look at
    and ``message`` (what the notebook shows) includes it."""

    correct: bool
    message: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        color = "#1a7f37" if self.correct else "#b3261e"
        return f'<span style="color:{color}">{html.escape(self.message)}</span>'


def _expected_count(answer: Any) -> int:
    return len(answer) if isinstance(answer, tuple) else 1


def _in_another_order(answer: tuple, response: str) -> bool:
    """Whether ``response`` is ``answer``'s numbers in some other order (e.g. H, W, C)."""
    others = set(itertools.permutations(answer)) - {tuple(answer)}
    return any(answers_match(order, response) for order in others)


def _volume_in_wrong_order(problem: Any, response: str) -> bool:
    return bool(getattr(problem, "volume", False)) and isinstance(problem.answer, tuple) \
        and _in_another_order(problem.answer, response)


def check(problem: Any, response: str) -> CheckResult:
    """Check a typed answer to ``problem``; the text fallback of the self-check widget.

    A volume with the right numbers in another order (H, W, C) is wrong, and the hint says
    that volumes are written C×H×W; otherwise a wrong answer gets the problem's own hint.
    """
    if not isinstance(response, str) or not response.strip():
        return CheckResult(False, "Type your answer as text, e.g. check(problem, \"96, 55, 55\").")
    if answers_match(problem.answer, response):
        return CheckResult(True, "✔ Correct.")
    if _volume_in_wrong_order(problem, response):
        return CheckResult(False, f"✘ Right numbers in the wrong order: {VOLUME_ORDER_HINT}.",
                           hint=VOLUME_ORDER_HINT)
    wanted = _expected_count(problem.answer)
    readings = parse_numbers(response) if not isinstance(problem.answer, str) else []
    if readings and all(len(r) != wanted for r in readings) and wanted > 1:
        return CheckResult(False, f"✘ Expected {wanted} numbers, found "
                                  f"{len(readings[0])}. Hint: {problem.hint}", hint=problem.hint)
    return CheckResult(False, f"✘ Not quite. Hint: {problem.hint}", hint=problem.hint)


def _placeholder(problem: Any) -> str:
    m = re.search(r"Answer as `([^`]+)`", problem.question)
    return m.group(1) if m else "your answer"


def self_check(problem: Any, *, label: str = "problem"):
    """An ipywidgets box to type an answer, get right/wrong and a hint, and show the solution.

    Without ipywidgets, returns a note saying to use ``check(problem, "answer")`` instead.
    """
    try:
        import ipywidgets as widgets
    except ImportError:
        return CheckResult(False, f"(ipywidgets is not installed: check your answer with "
                                  f"check({label}, \"your answer\").)")
    box = widgets.Text(placeholder=_placeholder(problem), description="Answer:",
                       layout=widgets.Layout(width="60%"), continuous_update=False,
                       style={"description_width": "initial"})
    button = widgets.Button(description="Check", button_style="primary")
    reveal = widgets.ToggleButton(description="Show solution", value=False)
    feedback = widgets.HTML()
    solution = widgets.HTML()

    def on_check(_=None):
        feedback.value = check(problem, box.value)._repr_html_()

    def on_reveal(change):
        solution.value = (f"<div><b>Answer:</b> {html.escape(problem.answer_text)}</div>"
                          + markdown_to_html(problem.solution)) if change["new"] else ""

    button.on_click(on_check)
    box.observe(on_check, names="value")  # Enter (or leaving the box) checks, too
    reveal.observe(on_reveal, names="value")
    return widgets.VBox([widgets.HBox([box, button, reveal]), feedback, solution])
