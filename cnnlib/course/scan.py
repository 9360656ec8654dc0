"""Flag submissions whose own code uses tools that could tamper with grading.

Grades never depend on these flags; they tell the instructor which autograded
notebooks deserve a look. Only lines the student wrote are scanned: every line
that also appears in the released or the source notebook (the instructor's code)
is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import nbformat

__all__ = ["PATTERNS", "flag_submission", "student_lines"]

_LIB = r"(?:np|numpy|torch|nn|F|math|cnnlib|builtins|unittest)"
PATTERNS: dict[str, re.Pattern[str]] = {
    "get_ipython": re.compile(r"\bget_ipython\b|\b_ih\b|\bIn\s*\["),
    "sys.modules": re.compile(r"\bsys\s*\.\s*modules\b"),
    "builtins": re.compile(r"\b__builtins__\b|\bimport\s+builtins\b|\bfrom\s+builtins\b"),
    "gc/ctypes": re.compile(r"\bimport\s+(?:gc|ctypes)\b|\bfrom\s+(?:gc|ctypes)\b|\bgc\s*\.\s*get_"),
    "frame inspection": re.compile(r"\b_getframe\b|\bcurrentframe\b|\bf_back\b|\bf_globals\b|\bf_locals\b"),
    "tracing": re.compile(r"\bsettrace\b|\bsetprofile\b|\baddaudithook\b"),
    "threads": re.compile(r"\bimport\s+(?:threading|_thread)\b|\bfrom\s+(?:threading|_thread)\b|\bThread\s*\("),
    "signals": re.compile(r"\bimport\s+signal\b|\bfrom\s+signal\b|\bsetitimer\b"),
    "exit": re.compile(r"\bos\s*\.\s*_exit\b|\bsys\s*\.\s*exit\b|\bos\s*\.\s*(?:kill|abort)\b|^\s*(?:exit|quit)\s*\("),
    "monkeypatch": re.compile(rf"^\s*{_LIB}(?:\s*\.\s*\w+)+\s*=(?!=)|\bsetattr\s*\(\s*{_LIB}\b"),
    "grader internals": re.compile(r"\bnbgrader\b|\bgradebook\b|\bcnnlib\s*\.\s*course\b|_cnnlib_probe|application/vnd\.cnnlib"),
    "shell/subprocess": re.compile(
        r"^\s*!|^\s*%%(?:bash|sh|script|system)|\bsubprocess\b|\bos\s*\.\s*(?:system|popen)\b"),
}


def student_lines(submitted: nbformat.NotebookNode, *instructor: nbformat.NotebookNode | None) -> list[str]:
    """Code lines of ``submitted`` that appear in none of the ``instructor`` notebooks
    (the released and the source version: hidden tests are restored into submissions)."""
    known: set[str] = set()
    for nb in instructor:
        if nb is None:
            continue
        for cell in nb.cells:
            if cell.cell_type == "code":
                known.update(line.strip() for line in cell.source.split("\n"))
    lines = []
    for cell in submitted.cells:
        if cell.cell_type != "code":
            continue
        lines += [line for line in cell.source.split("\n") if line.strip() and line.strip() not in known]
    return lines


def flag_submission(lines: Iterable[str]) -> list[str]:
    """Names of the :data:`PATTERNS` that match any of ``lines``, in table order."""
    lines = list(lines)
    return [name for name, pattern in PATTERNS.items() if any(pattern.search(line) for line in lines)]
