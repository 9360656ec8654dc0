"""The instructor's grading workflow around nbgrader: ``cnnlib-course``.

Commands (``cnnlib-course --help``): ``release`` generates ``exercises/`` from
``solutions/`` (``--check`` verifies they are in sync), ``collect`` imports
submissions from a folder or an LMS zip, ``autograde`` grades them with every
kernel in a bubblewrap sandbox, ``feedback`` writes HTML feedback without hidden
tests, ``export`` writes the grades as CSV.

Modules: :mod:`~cnnlib.course.checks` (the checks exercise test cells make; its
docstring has the rules for exercise authors), :mod:`~cnnlib.course.judge` (plans
test cells and decides every score outside the student's process),
:mod:`~cnnlib.course.probe` (the student's side: reports answers as plain data),
:mod:`~cnnlib.course.sources` (jupytext sources of the exercises),
:mod:`~cnnlib.course.config` (course settings), :mod:`~cnnlib.course.sandbox` (the
bubblewrap sandbox and cgroup of grading kernels), ``_kernel.py`` (the grading
kernel's launcher), :mod:`~cnnlib.course.preprocessors` (nbgrader steps),
:mod:`~cnnlib.course.autograde`, :mod:`~cnnlib.course.scan` (flags for the
instructor), :mod:`~cnnlib.course.collect`, :mod:`~cnnlib.course.release`,
:mod:`~cnnlib.course.reports`.

Importing this package is cheap (nbgrader is imported by the commands that need it).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cnnlib-course`` console script."""
    from .cli import main as _main

    return _main(argv)
