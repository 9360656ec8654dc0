"""Markdown to HTML for practice problems, with markdown-it-py (CommonMark plus GFM tables).

Questions and solutions are Markdown with plain-text math (paragraphs, ``-`` lists, pipe tables,
``**bold**``, ```code```). Raw HTML in them is escaped, not passed through.
"""
from __future__ import annotations

from markdown_it import MarkdownIt

__all__ = ["markdown_to_html"]

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown_to_html(markdown: str) -> str:
    """The HTML of ``markdown`` (CommonMark with tables; raw HTML escaped)."""
    return _MARKDOWN.render(markdown)
