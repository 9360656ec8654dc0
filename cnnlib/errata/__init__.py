"""Errata: numbers in the lecture slides that `cnnlib` shows to be wrong.

Each entry names the lecture (the transcripts in the course's ``seeds``), what the slide
claims, and a function that *computes* the right value with ``cnnlib``, so the book never
types a corrected number in by hand. Each entry has a topic (one of ``TOPICS``: what it is
about, never where the book puts it); a page shows a topic's entries with
``errata.table(topic=...)``, and the book's errata page shows them all.

Entries live in one module per topic (``alexnet.py`` ...); importing this package loads them.
"""
from __future__ import annotations

import html
import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable

from cnnlib.display import Html, html_table

__all__ = ["Erratum", "erratum", "entries", "table", "LECTURES", "TOPICS"]

#: The five lecture transcripts the course is built from.
LECTURES = {
    "cs231n-2017": "Stanford CS231n (2017), Lecture 9: CNN Architectures",
    "cs231n-2023": "Stanford CS231n (2023), Lecture 6: CNN Architectures",
    "eecs498-2022": "Michigan EECS 498-007 (2022), Lecture 8: CNN Architectures",
    "survey-ng": "CNN Architectures (slides adapted from CS231n and Andrew Ng's Coursera course)",
    "senet-deck": "CNN Architectures: AlexNet, VGG, GoogLeNet, ResNet, SENet (slide deck)",
}

#: What an erratum can be about; entries are listed in this order (conventions first, then the
#: architectures roughly in the order they appeared).
TOPICS = {
    "arithmetic": "Counting conventions: MACs, FLOPs, parameters, output sizes",
    "lenet": "LeNet-5",
    "alexnet": "AlexNet",
    "zfnet": "ZFNet",
    "vgg": "VGG",
    "googlenet": "GoogLeNet and the Inception module",
    "resnet": "ResNet",
    "normalization": "Normalization layers: batch, layer, instance and group norm",
    "activations": "Activation functions, initialization and the vanishing gradient",
    "densenet": "DenseNet",
    "efficient": "Efficient networks: SqueezeNet, MobileNet, ShuffleNet, EfficientNet",
    "nas": "Neural architecture search",
    "ilsvrc": "The ImageNet challenge (ILSVRC) results",
    "comparison": "Comparing networks: accuracy, operations, memory and speed",
}


@dataclass(frozen=True)
class Erratum:
    key: str
    topic: str
    lecture: str
    where: str
    claim: str
    compute: Callable[[], str]
    why: str

    @property
    def correct(self) -> str:
        return self.compute()


_ENTRIES: dict[str, Erratum] = {}


def _check_topic(topic: str) -> None:
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}; one of {list(TOPICS)}")


def erratum(*, key: str, topic: str, lecture: str, where: str, claim: str, why: str):
    """Decorator registering a function that returns the correct value as text."""
    if lecture not in LECTURES:
        raise ValueError(f"unknown lecture {lecture!r}; one of {sorted(LECTURES)}")
    _check_topic(topic)

    def wrap(fn: Callable[[], str]) -> Callable[[], str]:
        if key in _ENTRIES:
            raise ValueError(f"erratum {key!r} is defined twice")
        _ENTRIES[key] = Erratum(key, topic, lecture, where, claim, fn, why)
        return fn

    return wrap


def _load() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


def entries(topic: str | None = None) -> list[Erratum]:
    """All errata, or a topic's (one of ``TOPICS``, e.g. ``"vgg"``), in ``TOPICS`` order."""
    if topic is not None:
        _check_topic(topic)
    _load()
    order = list(TOPICS)
    found = [e for e in _ENTRIES.values() if topic is None or e.topic == topic]
    return sorted(found, key=lambda e: (order.index(e.topic), e.key))


class ErrataTable:
    """Renders as an HTML table in notebooks and as text elsewhere."""

    def __init__(self, items: list[Erratum]) -> None:
        self.items = items
        self.rows = [(e, e.correct) for e in items]

    def __len__(self) -> int:
        return len(self.items)

    _HEAD = ("Topic", "Lecture", "Slide says", "Computed", "Why")

    def __str__(self) -> str:
        return "\n".join(f"[{e.topic}] {LECTURES[e.lecture]}, {e.where}: slide says {e.claim}; "
                         f"correct: {ok}. {e.why}" for e, ok in self.rows)

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = [(e.topic, Html(f"{esc(LECTURES[e.lecture])}<br><small>{esc(e.where)}</small>"),
                 e.claim, Html(f"<b>{esc(ok)}</b>"), e.why) for e, ok in self.rows]
        return html_table(self._HEAD, rows, css_class="cnnlib-errata")


def table(topic: str | None = None) -> ErrataTable:
    return ErrataTable(entries(topic))
