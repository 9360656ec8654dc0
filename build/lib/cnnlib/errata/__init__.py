"""Errata: numbers in the lecture slides that `cnnlib` shows to be wrong.

Each entry names the lecture (the transcripts in the course's ``seeds``), what the slide
claims, and a function that *computes* the right value with ``cnnlib``, so the book never
types a corrected number in by hand. Chapters show their entries with
``errata.table(chapter=...)``; the book's errata page shows them all.

Entries live in one module per chapter (``ch02.py`` ...); importing this package loads them.
"""
from __future__ import annotations

import html
import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable

__all__ = ["Erratum", "erratum", "entries", "table", "LECTURES"]

#: The five lecture transcripts the course is built from.
LECTURES = {
    "cs231n-2017": "Stanford CS231n (2017), Lecture 9: CNN Architectures",
    "cs231n-2023": "Stanford CS231n (2023), Lecture 6: CNN Architectures",
    "eecs498-2022": "Michigan EECS 498-007 (2022), Lecture 8: CNN Architectures",
    "survey-ng": "CNN Architectures (slides adapted from CS231n and Andrew Ng's Coursera course)",
    "senet-deck": "CNN Architectures: AlexNet, VGG, GoogLeNet, ResNet, SENet (slide deck)",
}


@dataclass(frozen=True)
class Erratum:
    key: str
    chapter: str
    lecture: str
    where: str
    claim: str
    compute: Callable[[], str]
    why: str

    @property
    def correct(self) -> str:
        return self.compute()


_ENTRIES: dict[str, Erratum] = {}


def erratum(*, key: str, chapter: str, lecture: str, where: str, claim: str, why: str):
    """Decorator registering a function that returns the correct value as text."""
    if lecture not in LECTURES:
        raise ValueError(f"unknown lecture {lecture!r}; one of {sorted(LECTURES)}")

    def wrap(fn: Callable[[], str]) -> Callable[[], str]:
        if key in _ENTRIES:
            raise ValueError(f"erratum {key!r} is defined twice")
        _ENTRIES[key] = Erratum(key, chapter, lecture, where, claim, fn, why)
        return fn

    return wrap


def _load() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


def entries(chapter: str | None = None) -> list[Erratum]:
    """All errata, or a chapter's (chapter ids look like ``"ch05"``), in chapter order."""
    _load()
    found = [e for e in _ENTRIES.values() if chapter is None or e.chapter == chapter]
    return sorted(found, key=lambda e: (e.chapter, e.key))


class ErrataTable:
    """Renders as an HTML table in notebooks and as text elsewhere."""

    def __init__(self, items: list[Erratum]) -> None:
        self.items = items
        self.rows = [(e, e.correct) for e in items]

    def __len__(self) -> int:
        return len(self.items)

    def __str__(self) -> str:
        return "\n".join(f"[{e.chapter}] {LECTURES[e.lecture]}, {e.where}: slide says {e.claim}; "
                         f"correct: {ok}. {e.why}" for e, ok in self.rows)

    def _repr_html_(self) -> str:
        esc = html.escape
        body = "".join(
            f"<tr><td>{esc(e.chapter)}</td><td>{esc(LECTURES[e.lecture])}<br><small>{esc(e.where)}"
            f"</small></td><td>{esc(e.claim)}</td><td><b>{esc(ok)}</b></td><td>{esc(e.why)}</td></tr>"
            for e, ok in self.rows)
        return ("<table class='cnnlib-errata'><thead><tr><th>Chapter</th><th>Lecture</th>"
                "<th>Slide says</th><th>Computed</th><th>Why</th></tr></thead>"
                f"<tbody>{body}</tbody></table>")


def table(chapter: str | None = None) -> ErrataTable:
    return ErrataTable(entries(chapter))
