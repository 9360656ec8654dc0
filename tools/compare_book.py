"""Compare the text of two builds of the book, page by page, ignoring timings.

    python tools/compare_book.py OLD_HTML_DIR NEW_HTML_DIR [--context 2]

For a refactoring that must not change what the book shows (issue: "the book builds with
identical numbers"): build the book before and after (``make book`` writes ``_build/html``;
keep a copy of the old one), then run this. Each page's visible text is extracted with the
standard library's HTML parser (scripts, styles and navigation left out);
timings (``12.3 s``, ``4.5 it/s``, ``0:00:12``, ``took 3.2 seconds``) are masked. Prints the
pages whose text differs, with a unified diff of the differing lines, and exits 1 if any does.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

SKIP_TAGS = {"script", "style", "nav", "noscript", "svg", "head"}
TIMING = [
    re.compile(r"\b\d+(?:\.\d+)?\s*(?:s|sec|secs|seconds|ms|min|minutes|it/s|s/it|img/s|images/s)\b"),
    re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b"),  # 0:00:12, 01:23
    re.compile(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?\S*"),  # timestamps
]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIP_TAGS:
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in SKIP_TAGS and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append(" ".join(data.split()))


def page_lines(path: Path) -> list[str]:
    """The visible text of one HTML page, one line per text node, timings masked."""
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    lines = []
    for line in parser.parts:
        for pattern in TIMING:
            line = pattern.sub("<t>", line)
        lines.append(line)
    return lines


def compare(old: Path, new: Path, context: int = 2) -> list[str]:
    """Unified diffs of the pages whose text differs (and pages only in one build)."""
    old_pages = {p.relative_to(old).as_posix() for p in old.rglob("*.html") if "_static" not in p.parts}
    new_pages = {p.relative_to(new).as_posix() for p in new.rglob("*.html") if "_static" not in p.parts}
    out = [f"only in {old}: {name}" for name in sorted(old_pages - new_pages)]
    out += [f"only in {new}: {name}" for name in sorted(new_pages - old_pages)]
    for name in sorted(old_pages & new_pages):
        a, b = page_lines(old / name), page_lines(new / name)
        if a != b:
            out.append("".join(difflib.unified_diff([x + "\n" for x in a], [x + "\n" for x in b],
                                                    f"old/{name}", f"new/{name}", n=context)))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--context", type=int, default=2)
    args = parser.parse_args(argv)
    for folder in (args.old, args.new):
        if not (folder / "index.html").is_file():
            parser.error(f"{folder} is not a built book (no index.html)")
    differences = compare(args.old, args.new, args.context)
    print("\n".join(differences) if differences else "the two builds show the same text (timings masked)")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
