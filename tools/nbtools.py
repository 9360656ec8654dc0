"""Helpers for writing the book's notebooks from Python (cells as plain strings).

Chapters are committed as .ipynb without outputs; writing them with these helpers keeps the
metadata uniform (kernel, language, tags). Usage::

    from tools.nbtools import md, code, write_notebook
    write_notebook("book/ch00_arithmetic.ipynb", [md("# Title"), code("1 + 1")])
"""
from __future__ import annotations

import nbformat

# The first code cell of every chapter: on Colab (no cnnlib) install it from the public
# repository without touching the preinstalled torch (cnnlib's requirements are ranges).
INSTALL_CELL = '''\
# Setup: on Colab or a fresh JupyterHub, install the course library (keeps the installed torch).
try:
    import cnnlib
except ImportError:
    %pip install -q "cnnlib @ git+https://github.com/cnn-architectures-course/cnn-architectures"
    import cnnlib'''


def md(text: str, tags: list[str] | None = None):
    cell = nbformat.v4.new_markdown_cell(text.strip("\n"))
    if tags:
        cell.metadata["tags"] = tags
    return cell


def code(text: str, tags: list[str] | None = None):
    cell = nbformat.v4.new_code_cell(text.strip("\n"))
    if tags:
        cell.metadata["tags"] = tags
    return cell


def write_notebook(path: str, cells: list) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"c{i:03d}"
    nbformat.validate(nb)
    nbformat.write(nb, path)
