"""Midterm-style practice problems with worked solutions, self-checks and printable exams.

>>> from cnnlib.practice import generate, check
>>> problems = generate(seed=7, n=5)
>>> check(problems[0], "96, 55, 55")  # doctest: +SKIP

``python -m cnnlib.practice --seed 7 --n 20 --out DIR`` writes a student notebook with
self-check widgets, a printable exam and a separate answer key (HTML, and PDF when Chromium is
installed). :data:`KINDS` lists the problem kinds. Volumes are written C×H×W, channels first,
as in the book and in ``torch``.
"""
from cnnlib.practice.check import (
    VOLUME_ORDER_HINT,
    CheckResult,
    answers_match,
    check,
    parse_numbers,
    self_check,
)
from cnnlib.practice.problems import (
    KINDS,
    MAX_PROBLEMS,
    Problem,
    fingerprint,
    format_answer,
    generate,
    is_trivial,
    solve,
)

__all__ = [
    "KINDS", "MAX_PROBLEMS", "Problem", "generate", "solve", "format_answer", "fingerprint",
    "is_trivial", "check", "CheckResult", "VOLUME_ORDER_HINT", "answers_match", "parse_numbers",
    "self_check",
]
