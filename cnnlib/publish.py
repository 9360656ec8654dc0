"""Assemble everything that goes public into one folder: ``python -m cnnlib.publish --out DIR``.

The bundle is what the public student repository (or a pages branch) holds:

* ``site/``: the built website (``_build/html``),
* ``book/``, ``_config.yml``, ``_toc.yml``: the chapter notebooks (without outputs) that the
  Colab/JupyterHub/Binder buttons open,
* ``exercises/``: the student versions of the assignments,
* ``cnnlib/``, ``pyproject.toml``, ``README.md``: the library the chapters install.

Nothing from ``solutions/``, the gradebook, student data (``submitted/``, ``autograded/``,
``feedback/``...), the instructor's nbgrader config or the tests is copied, and the bundle is
checked for solution and hidden-test markers before it is declared done. The bundle is written
to a temporary folder and moved into place only when complete, so a failure leaves the last
good bundle.
"""
from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

__all__ = ["publish", "find_secrets", "SECRET_MARKERS"]

SECRET_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
_COPY = ["book", "exercises", "cnnlib", "_config.yml", "_toc.yml", "pyproject.toml", "README.md",
         "environment.yml"]
_NEVER = {"solutions", "submitted", "autograded", "feedback", "downloaded", "release",
          "gradebook.db", "nbgrader_config.py", "tests", ".venv", "_build", "__pycache__",
          ".ipynb_checkpoints", ".git"}


def _ignore(_dir: str, names: list[str]) -> set[str]:
    return {n for n in names if n in _NEVER or n.endswith((".pyc", ".db", ".db-journal"))}


def _code_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def solution_snippets(solutions: Path) -> set[str]:
    """Runs of three consecutive code lines from the solution regions and hidden tests of the
    notebooks in ``solutions/`` (single lines are too generic to be evidence of a leak)."""
    snippets: set[str] = set()
    for nb_path in solutions.rglob("*.ipynb"):
        nb = json.loads(nb_path.read_text())
        for cell in nb.get("cells", []):
            region: list[str] | None = None
            for line in _code_lines("".join(cell.get("source", []))):
                if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
                    region = []
                elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
                    if region is not None:
                        snippets |= {"\n".join(region[i:i + 3]) for i in range(len(region) - 2)}
                    region = None
                elif region is not None:
                    region.append(line)
    return snippets


def _visible_text(path: Path) -> str:
    """What a reader of ``path`` sees, one stripped line per line."""
    text = path.read_text(errors="ignore")
    if path.suffix == ".html":
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    elif path.suffix == ".ipynb":
        try:
            nb = json.loads(text)
            parts = []
            for cell in nb.get("cells", []):
                parts.append("".join(cell.get("source", [])))
                for out in cell.get("outputs", []):
                    parts.append("".join(out.get("text", [])))
                    parts += ["".join(v) if isinstance(v, list) else str(v)
                              for v in out.get("data", {}).values()]
            text = "\n".join(parts)
        except json.JSONDecodeError:
            pass
    return "\n".join(_code_lines(text))


def find_secrets(folder: Path, solutions: Path | None = None) -> list[str]:
    """Files in ``folder`` that contain a solution/hidden-test marker or solution code."""
    snippets = solution_snippets(solutions) if solutions and solutions.exists() else set()
    problems = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix not in (".ipynb", ".html", ".py", ".md", ".txt", ".js", ".json"):
            continue
        if path.suffix == ".py" and "cnnlib" in path.relative_to(folder).parts:
            continue  # the library's own source names the markers (this file does)
        text = _visible_text(path)
        hits = [m for m in SECRET_MARKERS if m in text] + [s for s in snippets if s in text]
        if hits:
            problems.append(f"{path.relative_to(folder)}: {hits[0][:80]!r}")
    return problems


def publish(root: Path, out: Path) -> Path:
    root, out = Path(root).resolve(), Path(out).resolve()
    site = root / "_build" / "html"
    if not (site / "index.html").exists():
        raise FileNotFoundError(f"no built site in {site}: run `make book` first")
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".publish-", dir=out.parent))
    try:
        shutil.copytree(site, stage / "site", ignore=_ignore)
        for name in _COPY:
            src = root / name
            if src.is_dir():
                shutil.copytree(src, stage / name, ignore=_ignore)
            elif src.is_file():
                shutil.copy2(src, stage / name)
        (stage / "site" / ".nojekyll").touch()  # GitHub Pages: serve _static/ as is
        problems = find_secrets(stage, root / "solutions")
        if problems:
            raise RuntimeError("refusing to publish; secrets found:\n  " + "\n  ".join(problems))
        if out.exists():
            shutil.rmtree(out)
        stage.rename(out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnnlib.publish", description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".", help="the course repository (default: .)")
    parser.add_argument("--out", default="_build/publish", help="where to write the bundle")
    args = parser.parse_args(argv)
    try:
        path = publish(Path(args.root), Path(args.out))
    except (FileNotFoundError, RuntimeError) as err:
        print(f"publish: {err}", file=sys.stderr)
        return 1
    print(f"public bundle written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
