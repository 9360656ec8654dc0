"""Exercise sources as text: one jupytext percent ``.py`` file per assignment notebook.

An instructor edits ``solutions/<assignment>/<notebook>.py`` (readable, lintable
Python: markdown cells are comments, each cell's nbgrader metadata sits on its
``# %%`` marker); ``solutions/<assignment>/<notebook>.ipynb``, the notebook nbgrader
reads, is generated from it by :func:`sync` (``cnnlib-course release`` and
``make exercises`` call it first) and checked to be in sync by :func:`stale`.
Cell ids are the nbgrader ``grade_id``s, so the generated notebook is the same
byte for byte on every machine.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

__all__ = ["build", "source_of", "stale", "sync"]

HEADER_MARK = "format_name: percent"
NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def source_of(notebook: Path) -> Path | None:
    """The jupytext source of ``notebook`` (same folder and name, ``.py``), if there is one."""
    candidate = notebook.with_suffix(".py")
    if candidate.is_file() and HEADER_MARK in candidate.read_text(encoding="utf-8")[:2000]:
        return candidate
    return None


def build(source: Path) -> nbformat.NotebookNode:
    """The nbgrader source notebook generated from a jupytext percent file."""
    import jupytext

    try:
        nb = jupytext.read(source, fmt="py:percent")
    except Exception as exc:  # noqa: BLE001 - jupytext raises various errors on malformed files
        raise ValueError(f"{source}: not a readable jupytext percent file: {exc}") from exc
    nb.metadata = nbformat.from_dict(NOTEBOOK_METADATA)
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if not isinstance(grade_id, str):
            raise ValueError(f"{source}: cell {index + 1} has no nbgrader grade_id on its '# %%' line")
        if grade_id in seen:
            raise ValueError(f"{source}: grade_id {grade_id!r} is used twice")
        seen.add(grade_id)
        cell["id"] = grade_id
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.validate(nb)
    return nb


def _text(nb: nbformat.NotebookNode) -> str:
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def _pairs(folder: Path) -> list[tuple[Path, Path]]:
    pairs = []
    for source in sorted(folder.glob("*.py")):
        notebook = source.with_suffix(".ipynb")
        if source_of(notebook) == source:
            pairs.append((source, notebook))
    return pairs


def sync(folder: Path) -> list[Path]:
    """Regenerate every notebook of ``folder`` that has a jupytext source; return those rewritten."""
    written = []
    for source, notebook in _pairs(Path(folder)):
        text = _text(build(source))
        if not notebook.exists() or notebook.read_text(encoding="utf-8") != text:
            notebook.write_text(text, encoding="utf-8")
            written.append(notebook)
    return written


def stale(folder: Path) -> list[str]:
    """Notebooks of ``folder`` that differ from what their jupytext source generates."""
    problems = []
    for source, notebook in _pairs(Path(folder)):
        if not notebook.exists() or notebook.read_text(encoding="utf-8") != _text(build(source)):
            problems.append(f"{notebook} is not what {source.name} generates")
    return problems
