"""The claims ledger: every number the five lecture transcripts state, and what it really is.

Each :class:`Claim` is registered once, wherever the lectures state it (one entry names every
lecture and slide that says the same thing), with

* ``quantity``: what the number is about ("AlexNet parameters");
* ``stated``: the number as the slide writes it (``"60M"``, ``"3.6%"``, ``"138M"``, ``"1.4G"``:
  see :func:`parse_stated`), or, for a table on a slide, a mapping from row to such a number;
  a claim that is not one number (a layer pattern, "8 layers deep, 5 conv + 3 FC") is
  registered with ``numeric=False``: its function returns whether the slide is right (a bool);
* ``method``: how it is checked (a ``cnnlib`` call, or the paper table it is checked against);
* the registered function, which computes the value *in the slide's own convention and unit*;
* ``status``:

  - ``"right"``: the computed value rounds to the stated one (its last significant digit, unless
    ``rel_tol``/``abs_tol`` says how approximate the slide is);
  - ``"wrong"``: it does not; ``why`` says why, and ``erratum`` names the entry of
    :mod:`cnnlib.errata` that computes the correction (the errata page is this ledger's "wrong"
    view);
  - ``"convention"``: right once the slide's unit or convention is used (FLOPs counted as MACs,
    MB as MiB, ...), and the function computes it that way; ``why`` names the difference;
  - ``"uncheckable"``: nothing in this course can recompute it (a human's error rate, a
    competition's date); registered with :func:`uncheckable` and ``why``.

Claims are Python (``cnnlib/ledger/<topic>.py``), one module per topic of
:data:`cnnlib.errata.TOPICS`; importing :func:`claims` loads them all. ``python -m cnnlib.ledger``
recomputes every claim and prints the coverage; the test suite does the same and fails on any
claim whose computed value disagrees with its status.
"""
from __future__ import annotations

import html
import importlib
import math
import pkgutil
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Union

from cnnlib.display import Html, html_table, text_table
from cnnlib.errata import LECTURES, TOPICS

__all__ = [
    "Source", "Stated", "Claim", "Check", "Coverage", "STATUSES", "claim", "uncheckable",
    "claims", "get", "check_all", "coverage", "table", "parse_stated", "format_number",
    "LedgerError", "not_a_claim", "not_claims",
]

#: What a claim can turn out to be, in the order the tables list them.
STATUSES = {
    "right": "the computed value rounds to the slide's",
    "wrong": "the slide is wrong (see the errata)",
    "convention": "right in the slide's unit or counting convention, which the course does not use",
    "uncheckable": "nothing in the course can recompute it",
}


class LedgerError(ValueError):
    """A claim is malformed, or its computed value disagrees with its status."""


# ---- stated numbers ---------------------------------------------------------------------------

_SUFFIX = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "B": 1e9, "T": 1e12}
_NUMBER = re.compile(r"^\s*(?P<sign>[-+]?)(?P<digits>\d[\d,]*(?:\.\d+)?)\s*(?P<suffix>[kKMGBT]?)"
                     r"\s*(?P<percent>%?)\s*$")


@dataclass(frozen=True)
class Stated:
    """A number as a slide writes it: its value and half a unit of its last significant digit
    (the rounding it implies: ``"60M"`` is 55M..65M, ``"61.1M"`` is 61.05M..61.15M)."""

    text: str
    value: float
    half_unit: float


def parse_stated(text: str) -> Stated:
    """``"60M"``, ``"138,357,544"``, ``"3.57%"``, ``"1.4G"``, ``"0.5"``, ``"96"`` -> :class:`Stated`.

    Percentages stay in percent (``"3.6%"`` is 3.6). Digits after a decimal point are
    significant; an integer with a suffix has rounded away its trailing zeros (``"60M"``: 60
    rounded to the tens, so 55M..65M); a plain integer is a count, exact (``"1000"``, ``"4096"``).
    """
    m = _NUMBER.match(str(text))
    if m is None:
        raise LedgerError(f"cannot read {text!r} as a stated number: write it as the slide does, "
                          f"e.g. '60M', '138,357,544', '3.57%', '1.4G', '0.5'")
    digits = m["digits"].replace(",", "")
    scale = _SUFFIX[m["suffix"]]
    value = float(digits) * scale * (-1 if m["sign"] == "-" else 1)
    return Stated(str(text), value, _half_unit(digits, scaled=bool(m["suffix"])) * scale)


def _half_unit(digits: str, *, scaled: bool) -> float:
    if "." in digits:
        return 0.5 * 10.0 ** -len(digits.split(".")[1])
    if not scaled or digits == "0":  # a plain count ("1000 classes", "4096") is exact
        return 0.5
    return 0.5 * 10.0 ** (len(digits) - len(digits.rstrip("0")))


def format_number(value: float, unit: str = "") -> str:
    """A computed value written the way slides write them: ``62,378,344 -> '62.38M'``."""
    if unit == "%":
        return f"{value:.2f}%"
    mag = abs(value)
    for suffix, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if mag >= scale:
            return f"{value / scale:.4g}{suffix}"
    return f"{value:.4g}" if not float(value).is_integer() else f"{int(value):,}"


# ---- claims -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """Where a lecture states the claim: a lecture id of :data:`cnnlib.errata.LECTURES`, the
    slide (its title, as the transcript gives it), and the words on it that carry the number."""

    lecture: str
    where: str
    quote: str

    def __post_init__(self) -> None:
        if self.lecture not in LECTURES:
            raise LedgerError(f"unknown lecture {self.lecture!r}; one of {sorted(LECTURES)}")
        if not self.where.strip() or not self.quote.strip():
            raise LedgerError(f"a source needs the slide and its words, got {self!r}")


StatedValue = Union[str, Mapping[str, str]]


@dataclass(frozen=True)
class Check:
    """A claim recomputed: ``agrees`` (every stated number within its rounding), the computed
    value(s) as text, and for a table the rows that disagree."""

    claim: "Claim"
    computed: Any
    agrees: bool
    mismatches: tuple[str, ...] = ()

    @property
    def consistent(self) -> bool:
        """Whether the result is what the claim's status says (right/convention: agrees;
        wrong: disagrees)."""
        return self.agrees if self.claim.status in ("right", "convention") else not self.agrees

    @property
    def computed_text(self) -> str:
        return _computed_text(self.claim, self.computed)


@dataclass(frozen=True)
class Claim:
    key: str
    topic: str
    quantity: str
    stated: StatedValue | None
    sources: tuple[Source, ...]
    status: str
    method: str
    why: str = ""
    unit: str = ""
    rel_tol: float | None = None
    abs_tol: float | None = None
    erratum: str | None = None
    numeric: bool = True
    compute: Callable[[], Any] | None = field(default=None, repr=False, compare=False)

    @property
    def lectures(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.lecture for s in self.sources))

    @property
    def computed(self) -> bool:
        return self.compute is not None

    @property
    def stated_text(self) -> str:
        if isinstance(self.stated, Mapping):
            return "; ".join(f"{row}: {v}" for row, v in self.stated.items())
        return "" if self.stated is None else str(self.stated)

    def check(self) -> Check:
        """Recompute the claim and compare it with what the slide states."""
        if self.compute is None:
            raise LedgerError(f"claim {self.key!r} is not checkable: {self.why}")
        try:
            value = self.compute()
        except LedgerError:
            raise
        except Exception as exc:  # name the claim whose computation broke
            raise LedgerError(f"claim {self.key!r}: computing it failed "
                              f"({type(exc).__name__}: {exc})") from exc
        if not self.numeric:
            if not isinstance(value, bool):
                raise LedgerError(f"claim {self.key!r} is not numeric: its function must return "
                                  f"whether the slide is right (True/False), got {value!r}")
            return Check(self, value, value)
        if isinstance(self.stated, Mapping):
            return self._check_table(value)
        return Check(self, value, self._within(parse_stated(self.stated), value))

    def _check_table(self, value: Any) -> Check:
        if not isinstance(value, Mapping) or set(value) != set(self.stated):
            raise LedgerError(f"claim {self.key!r} states rows {sorted(self.stated)}, its "
                              f"function computed {sorted(value) if isinstance(value, Mapping) else value!r}")
        bad = tuple(f"{row}: slide {text}, computed {format_number(value[row], self.unit)}"
                    for row, text in self.stated.items()
                    if not self._within(parse_stated(text), value[row]))
        return Check(self, value, not bad, bad)

    def _within(self, stated: Stated, value: Any) -> bool:
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            raise LedgerError(f"claim {self.key!r}: the function must return a finite number "
                              f"(or a row -> number mapping), got {value!r}")
        tol = stated.half_unit
        if self.rel_tol is not None:
            tol = self.rel_tol * abs(stated.value)
        if self.abs_tol is not None:
            tol = self.abs_tol
        return abs(value - stated.value) <= tol * (1 + 1e-9)


def _computed_text(claim: Claim, value: Any) -> str:
    if not claim.numeric:
        return "as stated" if value else "differs (see why)"
    if isinstance(value, Mapping):
        return "; ".join(f"{row}: {format_number(v, claim.unit)}" for row, v in value.items())
    return format_number(value, claim.unit)


_CLAIMS: dict[str, Claim] = {}


def _validate(c: Claim) -> None:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", c.key):
        raise LedgerError(f"claim key {c.key!r}: use lower-case words joined by '-'")
    if c.key in _CLAIMS:
        raise LedgerError(f"claim {c.key!r} is registered twice: give the second source to the "
                          f"first entry's `sources` instead")
    if c.topic not in TOPICS:
        raise LedgerError(f"claim {c.key!r}: unknown topic {c.topic!r}; one of {list(TOPICS)}")
    if c.status not in STATUSES:
        raise LedgerError(f"claim {c.key!r}: status {c.status!r} is not one of {list(STATUSES)}")
    if not c.sources:
        raise LedgerError(f"claim {c.key!r} names no lecture")
    if c.status != "right" and not c.why.strip():
        raise LedgerError(f"claim {c.key!r} is {c.status!r}: say why")
    if c.status == "uncheckable" and c.compute is not None:
        raise LedgerError(f"claim {c.key!r} has a function, so it is checkable")
    if c.erratum is not None and c.status != "wrong":
        raise LedgerError(f"claim {c.key!r} names erratum {c.erratum!r} but is {c.status!r}")
    if c.stated is not None and c.numeric:
        for text in (c.stated.values() if isinstance(c.stated, Mapping) else [c.stated]):
            parse_stated(text)


def _sources(sources: Iterable[Source | tuple[str, str, str]]) -> tuple[Source, ...]:
    return tuple(s if isinstance(s, Source) else Source(*s) for s in sources)


def claim(*, key: str, topic: str, quantity: str, stated: StatedValue,
          sources: Iterable[Source | tuple[str, str, str]], method: str, status: str = "right",
          why: str = "", unit: str = "", rel_tol: float | None = None,
          abs_tol: float | None = None, erratum: str | None = None, numeric: bool = True):
    """Decorator registering the function that computes a claim's value (see the module doc).

    ``sources`` are :class:`Source` or ``(lecture, slide, quote)`` triples; ``unit`` is only for
    display (``"%"`` for percentages); ``rel_tol`` / ``abs_tol`` replace the stated rounding
    when the slide is explicitly approximate ("~60M": say ``rel_tol=0.1`` and why).
    """
    def wrap(fn: Callable[[], Any]) -> Callable[[], Any]:
        c = Claim(key, topic, quantity, stated, _sources(sources), status, method, why, unit,
                  rel_tol, abs_tol, erratum, numeric, fn)
        _validate(c)
        _CLAIMS[key] = c
        return fn

    return wrap


def uncheckable(*, key: str, topic: str, quantity: str, stated: StatedValue | None,
                sources: Iterable[Source | tuple[str, str, str]], why: str,
                method: str = "not computable in this course", numeric: bool = True) -> Claim:
    """Register a claim nothing in the course can recompute; ``why`` says why."""
    c = Claim(key, topic, quantity, stated, _sources(sources), "uncheckable", method, why,
              numeric=numeric)
    _validate(c)
    _CLAIMS[key] = c
    return c


@dataclass(frozen=True)
class NotAClaim:
    lecture: str
    quote: str
    reason: str


_NOT_CLAIMS: list[NotAClaim] = []


def not_a_claim(lecture: str, quote: str, reason: str) -> None:
    """Record that a transcript line with a number states nothing the ledger should check (a
    course date, a slide title's year, an exercise's own question), and why; used by the
    maintainers' audit (``tools/ledger_audit.py``) so that every number is accounted for."""
    Source(lecture, "-", quote)  # validates the lecture id
    if not reason.strip():
        raise LedgerError(f"not_a_claim({quote!r}): say why it is not a claim")
    _NOT_CLAIMS.append(NotAClaim(lecture, quote, reason))


def not_claims(lecture: str | None = None) -> list[NotAClaim]:
    _load()
    return [n for n in _NOT_CLAIMS if lecture is None or n.lecture == lecture]


def _load() -> None:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


def claims(*, topic: str | None = None, lecture: str | None = None,
           status: str | None = None) -> list[Claim]:
    """Registered claims, filtered, in topic order then key order."""
    _load()
    if topic is not None and topic not in TOPICS:
        raise LedgerError(f"unknown topic {topic!r}; one of {list(TOPICS)}")
    if lecture is not None and lecture not in LECTURES:
        raise LedgerError(f"unknown lecture {lecture!r}; one of {sorted(LECTURES)}")
    if status is not None and status not in STATUSES:
        raise LedgerError(f"unknown status {status!r}; one of {list(STATUSES)}")
    order = list(TOPICS)
    found = [c for c in _CLAIMS.values()
             if (topic is None or c.topic == topic) and (status is None or c.status == status)
             and (lecture is None or lecture in c.lectures)]
    return sorted(found, key=lambda c: (order.index(c.topic), c.key))


def get(key: str) -> Claim:
    _load()
    try:
        return _CLAIMS[key]
    except KeyError:
        raise LedgerError(f"no claim {key!r} in the ledger") from None


def check_all(items: Iterable[Claim] | None = None) -> list[Check]:
    """Recompute every checkable claim (or ``items``)."""
    return [c.check() for c in (claims() if items is None else items) if c.computed]


# ---- views ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Coverage:
    total: int
    computed: int
    by_status: Mapping[str, int]
    by_lecture: Mapping[str, int]

    def __str__(self) -> str:
        parts = ", ".join(f"{n} {s}" for s, n in self.by_status.items())
        return (f"ledger: {self.computed} of {self.total} lecture claims computed ({parts}); "
                f"claims per lecture: " + ", ".join(f"{k} {n}" for k, n in self.by_lecture.items()))


def coverage(items: Iterable[Claim] | None = None) -> Coverage:
    items = claims() if items is None else list(items)
    return Coverage(len(items), sum(c.computed for c in items),
                    {s: sum(c.status == s for c in items) for s in STATUSES},
                    {lec: sum(lec in c.lectures for c in items) for lec in LECTURES})


def _correct_text(c: Claim, check: Check | None) -> str:
    if c.erratum is not None:
        return _erratum(c.erratum).correct
    return check.computed_text if check is not None else "—"


def _erratum(key: str):
    from cnnlib import errata

    found = [e for e in errata.entries() if e.key == key]
    if not found:
        raise LedgerError(f"no erratum {key!r} in cnnlib.errata")
    return found[0]


class LedgerTable:
    """Claims with their recomputed values: HTML in notebooks, text elsewhere.

    ``detail=False`` leaves out the slide names and the how / why column (a chapter's short
    view; the errata page shows them all)."""

    _HEAD = ("Claim", "Lecture", "Slide says", "Computed", "Status", "How / why")
    _SHORT = (0, 2, 3, 4)

    def __init__(self, items: list[Claim], *, detail: bool = True) -> None:
        self.items = items
        self.detail = detail
        checks = {ch.claim.key: ch for ch in check_all(items)}
        self.rows = [(c, checks.get(c.key)) for c in items]

    def __len__(self) -> int:
        return len(self.items)

    def _cells(self, c: Claim, ch: Check | None) -> tuple[str, ...]:
        where = "; ".join(f"{s.lecture}, {s.where}" for s in c.sources)
        said = "; ".join(dict.fromkeys(s.quote for s in c.sources))
        how = c.method + (f". {c.why}" if c.why else "")
        return (c.quantity, where, said, _correct_text(c, ch), c.status, how)

    def _pick(self, row: tuple) -> tuple:
        return row if self.detail else tuple(row[i] for i in self._SHORT)

    def __str__(self) -> str:
        return text_table(self._pick(self._HEAD), [self._pick(self._cells(c, ch)) for c, ch in self.rows])

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = []
        for c, ch in self.rows:
            quantity, _, said, correct, status, how = self._cells(c, ch)
            where = Html("<br>".join(f"{esc(LECTURES[s.lecture])}<br><small>{esc(s.where)}</small>"
                                     for s in c.sources))
            rows.append(self._pick((quantity, where, said, Html(f"<b>{esc(correct)}</b>"),
                                    status, how)))
        kind = "cnnlib-ledger" if self.detail else "cnnlib-ledger-short"
        return html_table(self._pick(self._HEAD), rows, css_class=f"cnnlib-errata {kind}")


def table(*, topic: str | None = None, lecture: str | None = None,
          status: str | None = None, detail: bool = True) -> LedgerTable:
    """The ledger (or a topic's, a lecture's, a status's part of it) as a table."""
    return LedgerTable(claims(topic=topic, lecture=lecture, status=status), detail=detail)
