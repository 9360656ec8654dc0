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

__all__ = ["main", "missing_course_extra"]

#: What the commands import beyond cnnlib's own requirements: the ``course`` extra.
COURSE_EXTRA = ("nbgrader", "jupytext")


def missing_course_extra() -> list[str]:
    """The packages of the ``course`` extra that are not installed."""
    import importlib.util

    return [name for name in COURSE_EXTRA if importlib.util.find_spec(name) is None]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cnnlib-course`` console script."""
    missing = missing_course_extra()
    if missing:
        import sys

        print(f"cnnlib-course: error: {', '.join(missing)} not installed. The grading commands need the "
              'course extra of cnnlib:\n    pip install "cnnlib[course]"', file=sys.stderr)
        return 1
    from .cli import main as _main

    return _main(argv)
