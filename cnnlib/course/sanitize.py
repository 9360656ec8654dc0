"""What a student wrote, made safe to show in a feedback page.

A feedback page shows the student's markdown cells and the outputs the student submitted. Both
are the student's HTML: a ``<script>`` or an ``onerror=`` there would run in the browser of
whoever opens the page (the student, a TA, a shared JupyterHub). nbconvert has a sanitizer
(``HTMLExporter.sanitize_html``), but its list of allowed tags is so short that paragraphs,
line breaks and images come out as escaped text, and nbgrader's feedback template renders
markdown cells without it. The course's configuration therefore turns sanitizing on and puts
the two filters below in the templates' place (``HTMLExporter.filters``):

* ``clean_html`` (outputs, raw cells): :func:`clean_html`, with the tags and CSS of ordinary
  notebook output;
* ``strip_files_prefix`` (markdown cells, in nbgrader's template too): nbconvert's own, then
  :func:`clean_html`.

Both use bleach (the sanitizer nbconvert itself uses), with an allow-list: scripts, event
handlers, forms, frames, ``javascript:`` links and unknown tags are removed or escaped. Nothing
a student wrote loads from elsewhere when the page opens (images only from data: URLs and
attachments, no ``url()`` in CSS: a page that loads a URL tells its owner who opened it and
when), and it cannot dress itself as the page around it (only code-highlighting and the
course's own classes, no positioning or margins in CSS).
"""
from __future__ import annotations

import re

import bleach
from bleach.css_sanitizer import ALLOWED_CSS_PROPERTIES, CSSSanitizer

__all__ = ["clean_html", "strip_files_prefix", "ALLOWED_TAGS"]

#: Tags of ordinary markdown and notebook output (pandas tables, matplotlib images, verdicts).
ALLOWED_TAGS = frozenset(bleach.ALLOWED_TAGS) | {
    "p", "br", "hr", "div", "span", "pre", "code", "kbd", "samp", "var", "q", "cite",
    "h1", "h2", "h3", "h4", "h5", "h6", "sub", "sup", "del", "ins", "s", "u", "mark", "small",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col",
    "img", "figure", "figcaption", "details", "summary", "dl", "dt", "dd", "center",
}
_COMMON = ("title", "align", "lang", "dir")
#: Classes kept: pygments' short token classes and its ``highlight`` box, the language of a code
#: block, and the course's own (``cnnlib-*``), never the page's layout classes (Bootstrap's).
_CLASS = re.compile(r"(?:highlight|hll|[a-z]{1,2}[0-9]?|language-[\w+-]+|cnnlib-[a-z-]+)")
#: CSS values that load or run something, or escape their way past a check.
_CSS_LOADS = re.compile(r"url\s*\(|image-set|expression|@import|\\|/\*", re.I)
_LINK_PROTOCOLS = ("http://", "https://", "mailto:", "#")
_IMAGE_PROTOCOLS = ("data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp",
                    "attachment:")


def _attribute_allowed(tag: str, name: str, value: str) -> bool:
    if name in _COMMON:
        return True
    if name == "class":
        return all(_CLASS.fullmatch(c) for c in value.split())
    if name == "style":
        return not _CSS_LOADS.search(value)
    if tag == "a":
        return name == "href" and value.strip().lower().startswith(_LINK_PROTOCOLS)
    if tag == "img":
        if name == "src":
            return value.strip().lower().startswith(_IMAGE_PROTOCOLS)
        return name in ("alt", "width", "height")
    if tag in ("td", "th"):
        return name in ("colspan", "rowspan", "scope")
    if tag in ("col", "colgroup"):
        return name == "span"
    if tag == "ol":
        return name in ("start", "type")
    return tag == "details" and name == "open"


_CSS = CSSSanitizer(allowed_css_properties=frozenset(ALLOWED_CSS_PROPERTIES) - {"cursor"} | {
    "border", "border-left", "border-right", "border-top", "border-bottom", "border-radius",
    "padding", "padding-left", "padding-right", "padding-top", "padding-bottom",
    "max-width", "max-height", "min-width", "text-transform"})
_CLEANER = bleach.Cleaner(tags=ALLOWED_TAGS, attributes=_attribute_allowed,
                          protocols=["http", "https", "mailto", "data"], css_sanitizer=_CSS,
                          strip=False, strip_comments=True)


def clean_html(element) -> str:
    """``element`` (HTML text or bytes) with only the allowed tags, attributes, CSS and links."""
    text = element.decode() if isinstance(element, bytes) else str(element)
    return _CLEANER.clean(text)


def strip_files_prefix(text: str) -> str:
    """nbconvert's ``strip_files_prefix`` (links to ``files/...``), then :func:`clean_html`."""
    from nbconvert.filters import strip_files_prefix as nbconvert_strip

    return clean_html(nbconvert_strip(text))
