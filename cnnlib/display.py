"""Tables that show themselves: text for ``print`` and HTML for notebooks.

* :class:`Table` -- rows of plain values (dicts with the same keys), formatted per column.
* :func:`text_table` / :func:`html_table` -- the two renderers behind it, also used by
  :class:`cnnlib.Summary` and the errata table.
* :class:`Html` -- a cell that is already HTML (put in as is, not escaped).
"""
from __future__ import annotations

import html
import numbers
import re
from typing import Any, Mapping, Sequence

__all__ = ["Table", "Html", "text_table", "html_table"]


class Html(str):
    """Text that is already HTML: :func:`html_table` puts it in without escaping."""


_TAGS = re.compile(r"<[^>]*>")


def _escape(value: Any) -> str:
    return value if isinstance(value, Html) else html.escape(str(value))


def text_table(head: Sequence[str], rows: Sequence[Sequence[str]], *,
               align: Sequence[str] | None = None, title: str = "",
               foot: Sequence[str] | None = None, notes: Sequence[str] = ()) -> str:
    """Columns padded to their widest cell and joined by ``" | "``, a rule under the head
    (and above ``foot``). ``align`` gives ``"left"`` or ``"right"`` per column (default: left);
    ``title`` is a line above the table, ``notes`` lines below it."""
    align = list(align or ["left"] * len(head))
    every = [head, *rows, *([foot] if foot is not None else [])]
    widths = [max(len(row[i]) for row in every) for i in range(len(head))]

    def fmt(row: Sequence[str]) -> str:
        return " | ".join(c.rjust(w) if a == "right" else c.ljust(w)
                          for c, w, a in zip(row, widths, align))

    rule = "-+-".join("-" * w for w in widths)
    lines = [title] if title else []
    lines += [fmt(head), rule, *map(fmt, rows)]
    if foot is not None:
        lines += [rule, fmt(foot)]
    return "\n".join([*lines, *notes])


def _label(value: Any) -> str:
    """A head cell as plain text for a ``data-label`` attribute (tags of :class:`Html` dropped)."""
    text = html.unescape(_TAGS.sub("", value)) if isinstance(value, Html) else str(value)
    return html.escape(" ".join(text.split()), quote=True)


def html_table(head: Sequence[Any], rows: Sequence[Sequence[Any]], *, css_class: str,
               align: Sequence[str] | None = None, caption: str = "",
               foot: Sequence[Any] | None = None, align_head: bool = True) -> str:
    """An HTML ``<table>`` of class ``css_class``; cells are escaped unless they are
    :class:`Html`. ``align`` (``"left"`` / ``"right"`` per column) styles the body and foot
    cells, and the head cells too unless ``align_head`` is False.

    Each body cell carries its column's name as ``data-label``, so that a narrow page can show
    the rows as stacked cards, each value under its column's name (the book's ``_static/cnnlib.css``
    does this for the errata table; the other tables scroll sideways in their own box).
    """
    labels = [_label(h) for h in head]

    def cells(row: Sequence[Any], tag: str, styled: bool, labelled: bool = False) -> str:
        out = []
        for i, c in enumerate(row):
            attrs = f" data-label='{labels[i]}'" if labelled and i < len(labels) else ""
            if align is not None and styled and i < len(align):
                attrs += f" style='text-align:{align[i]}'"
            out.append(f"<{tag}{attrs}>{_escape(c)}</{tag}>")
        return "".join(out)

    parts = [f"<table class='{css_class}'>"]
    if caption:
        parts.append(f"<caption>{_escape(caption)}</caption>")
    parts.append(f"<thead><tr>{cells(head, 'th', align_head)}</tr></thead>")
    parts.append("<tbody>" + "".join(f"<tr>{cells(r, 'td', True, labelled=True)}</tr>" for r in rows)
                 + "</tbody>")
    if foot is not None:
        parts.append(f"<tfoot><tr>{cells(foot, 'th', True)}</tr></tfoot>")
    return "".join(parts) + "</table>"


class Table:
    """Rows of plain values (dicts with the same keys) that know how to show themselves.

    ``formats`` maps a column to a format spec (``",.1f"``); otherwise ints get thousands
    separators, floats two decimals and everything else ``str``. In HTML, columns of numbers
    are aligned right.
    """

    def __init__(self, rows: Sequence[Mapping[str, Any]], *, formats: Mapping[str, str] | None = None,
                 caption: str = "") -> None:
        if not rows:
            raise ValueError("a Table needs at least one row")
        self.columns = list(rows[0])
        for i, row in enumerate(rows):
            if list(row) != self.columns:
                raise ValueError(f"row {i} has columns {list(row)}, expected {self.columns}")
        self.rows = [dict(r) for r in rows]
        self.formats = dict(formats or {})
        self.caption = caption

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> dict:
        return self.rows[index]

    def column(self, name: str) -> list:
        """All values of one column."""
        if name not in self.columns:
            raise KeyError(f"no column {name!r}; the columns are {self.columns}")
        return [r[name] for r in self.rows]

    def records(self) -> list[dict]:
        return [dict(r) for r in self.rows]

    def _fmt(self, column: str, value: Any) -> str:
        if value is None:
            return "-"
        if column in self.formats:
            return format(value, self.formats[column])
        if isinstance(value, bool) or not isinstance(value, numbers.Number):
            return str(value)
        if isinstance(value, numbers.Integral):
            return f"{value:,d}"
        return f"{value:,.2f}"

    def _cells(self) -> list[list[str]]:
        return [[self._fmt(c, r[c]) for c in self.columns] for r in self.rows]

    def _align(self) -> list[str]:
        return ["right" if all(isinstance(r[c], numbers.Number) or r[c] is None for r in self.rows)
                else "left" for c in self.columns]

    def __str__(self) -> str:
        return text_table(self.columns, self._cells(), title=self.caption)

    def _repr_html_(self) -> str:
        return html_table(self.columns, self._cells(), css_class="cnnlib-table",
                          align=self._align(), caption=self.caption)

    def __repr__(self) -> str:
        return f"Table({len(self.rows)} rows, columns={self.columns})"
