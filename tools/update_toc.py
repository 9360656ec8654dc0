"""Write _toc.yml from the chapter notebooks in book/ (chNN_*.ipynb, in number order).

Run after adding a chapter: `python tools/update_toc.py`. Parts group the chapters as the
course does; tests/test_site.py checks that no chapter notebook is missing from the toc.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = [("Foundations", range(0, 1)), ("Classic architectures", range(1, 7)),
         ("Layers", range(7, 9)), ("Beyond ResNet", range(9, 13))]
# The last part: pages that are not chapters (book/<name>.ipynb or .md).
REFERENCE_PAGES = ["exercises", "practice", "errata", "glossary", "references"]


def main() -> None:
    chapters = sorted((ROOT / "book").glob("ch[0-9][0-9]_*.ipynb"))
    lines = ["# Table of contents (written by tools/update_toc.py).",
             "# https://jupyterbook.org/en/v1/structure/toc.html",
             "format: jb-book", "root: book/intro", "parts:"]
    for caption, numbers in PARTS:
        files = [c for c in chapters if int(c.stem[2:4]) in numbers]
        if files:
            lines += [f"  - caption: {caption}", "    chapters:"]
            lines += [f"      - file: book/{c.stem}" for c in files]
    lines += ["  - caption: Practice and reference", "    chapters:"]
    lines += [f"      - file: book/{page}" for page in REFERENCE_PAGES]
    (ROOT / "_toc.yml").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
