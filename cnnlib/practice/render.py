"""Rendering a problem set: student notebook, printable exam, answer key, and PDFs.

``render_set(seed, n, out_dir)`` writes

* ``practice_<seed>.ipynb``: questions with self-check widgets (no outputs; the problems are
  regenerated from the seed, and a fingerprint catches a different cnnlib version);
* ``exam_<seed>.html``: a self-contained printable exam (print CSS, plain-text math, no answers);
* ``answer_key_<seed>.html``: the answers with worked solutions;
* ``exam_<seed>.pdf`` and ``answer_key_<seed>.pdf`` when headless Chromium is on ``PATH``.

Questions and solutions are Markdown, converted by :func:`markdown_to_html`
(:mod:`cnnlib.practice.markdown_html`, markdown-it-py).
"""
from __future__ import annotations

import html
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from cnnlib import install_cell
from cnnlib.practice.markdown_html import markdown_to_html
from cnnlib.practice.problems import KINDS, Problem, fingerprint, generate

__all__ = ["markdown_to_html", "problems_html", "exam_html", "answer_key_html",
           "student_notebook", "html_to_pdf", "render_set", "RenderResult", "OutDirError",
           "check_out_dir"]

_CONVENTIONS = ("MACs are multiply-accumulates (FLOPs = 2 × MACs); float32 takes 4 bytes; "
                "1 KB = 1024 bytes and 1 MB = 1024 KB. Volumes are written C×H×W, channels "
                "first, as in the book and in PyTorch: 96×55×55 is 96 channels of 55 by 55; "
                "answer a volume as C, H, W. Round decimals as each question asks.")


# ----------------------------------------------------------------------------- HTML documents
_CSS = """
body { font-family: "DejaVu Serif", Georgia, serif; font-size: 11pt; line-height: 1.4;
       max-width: 46em; margin: 2em auto; padding: 0 1em; color: #111; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
.meta { color: #444; font-size: .95em; }
.problem { border-top: 1px solid #bbb; padding: .6em 0 .8em; break-inside: avoid;
           page-break-inside: avoid; }
.problem h2 { font-size: 1.1em; margin: .2em 0 .4em; }
.answer-space { border: 1px dashed #888; min-height: 4.5em; margin-top: .5em; }
.answer { background: #eef6ee; border-left: 4px solid #1a7f37; padding: .3em .6em; }
.solution { margin-top: .4em; }
table { border-collapse: collapse; margin: .4em 0; }
th, td { border: 1px solid #999; padding: 2px 8px; text-align: left; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: .92em; }
.name-line { margin: 1em 0; }
@page { size: A4; margin: 16mm 15mm; }
@media print { body { margin: 0; max-width: none; } .noprint { display: none; } }
"""


_FRAGMENT_CSS = """
.cnnlib-practice .problem { border-top: 1px solid #bbb; padding: .5em 0 .7em; }
.cnnlib-practice .problem h2 { font-size: 1.1em; margin: .2em 0 .4em; }
.cnnlib-practice table { border-collapse: collapse; margin: .4em 0; }
.cnnlib-practice th, .cnnlib-practice td { border: 1px solid #999; padding: 2px 8px; }
.cnnlib-practice .answer { background: #eef6ee; border-left: 4px solid #1a7f37;
                           padding: .3em .6em; margin-top: .4em; }
.cnnlib-practice summary { cursor: pointer; color: #1a5fb4; }
"""


def _problem_block(i: int, p: Problem, *, answers: str) -> str:
    parts = [f'<section class="problem" id="problem-{i}">',
             f"<h2>{i}. {html.escape(p.title)}</h2>", markdown_to_html(p.question)]
    if answers == "space":
        parts.append('<div class="answer-space"></div>')
    elif answers == "key":
        parts.append(f'<div class="answer"><strong>Answer:</strong> '
                     f'{html.escape(p.answer_text)}</div>')
        parts.append(f'<div class="solution">{markdown_to_html(p.solution)}</div>')
    elif answers == "details":
        parts.append(f'<details><summary>Answer and solution</summary>'
                     f'<div class="answer"><strong>Answer:</strong> {html.escape(p.answer_text)}'
                     f'</div><div class="solution">{markdown_to_html(p.solution)}</div>'
                     f'</details>')
    parts.append("</section>")
    return "\n".join(parts)


def problems_html(problems: Sequence[Problem], *, answers: str = "details",
                  style: bool = False) -> str:
    """An HTML fragment of numbered problems. ``answers``: ``"details"`` (behind a toggle),
    ``"key"`` (shown), ``"space"`` (a box to write in) or ``"none"``. ``style=True`` adds the
    CSS for tables and answers, scoped to the fragment (for a notebook or a web page)."""
    if answers not in ("details", "key", "space", "none"):
        raise ValueError(f"answers must be 'details', 'key', 'space' or 'none', got {answers!r}")
    body = "\n".join(_problem_block(i, p, answers=answers) for i, p in enumerate(problems, 1))
    if not style:
        return body
    return f'<div class="cnnlib-practice">\n<style>{_FRAGMENT_CSS}</style>\n{body}\n</div>'


def _document(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            f"{body}\n</body>\n</html>\n")


def exam_html(problems: Sequence[Problem], seed: int) -> str:
    """A printable exam: the questions with space to answer, and no answers."""
    body = (f"<h1>CNN architectures: practice exam {seed}</h1>\n"
            f'<p class="meta">{len(problems)} problems · set {seed} · '
            f"{html.escape(_CONVENTIONS)}</p>\n"
            f'<p class="name-line">Name: ______________________________</p>\n'
            + problems_html(problems, answers="space"))
    return _document(f"Practice exam {seed}", body)


def answer_key_html(problems: Sequence[Problem], seed: int) -> str:
    """The answer key: every question with its answer and worked solution."""
    body = (f"<h1>CNN architectures: answer key for practice exam {seed}</h1>\n"
            f'<p class="meta">{len(problems)} problems · set {seed} · '
            f"{html.escape(_CONVENTIONS)}</p>\n" + problems_html(problems, answers="key"))
    return _document(f"Answer key {seed}", body)


# ----------------------------------------------------------------------------- notebook
def student_notebook(problems: Sequence[Problem], seed: int, kinds: Sequence[str] | None = None):
    """The student notebook (an ``nbformat`` v4 notebook without outputs)."""
    import nbformat.v4 as nbf

    n = len(problems)
    kinds_arg = "None" if kinds is None else repr(list(kinds))
    cmd = f"python -m cnnlib.practice --seed {seed} --n {n} --out DIR"
    cells = [
        nbf.new_markdown_cell(
            f"# CNN architectures: practice set {seed}\n\n"
            f"{n} midterm-style problems. Run the two setup cells, then type each answer in "
            f"its box and press **Check** (or Enter). Rounded answers count (`854M`, `35K`, "
            f"`1,728`); separate several numbers with `;` or `,`. A wrong answer shows a hint; "
            f"**Show solution** shows the worked solution.\n\n"
            f"No widgets? Check in code: `check(problems[0], \"96, 55, 55\")`.\n\n"
            f"{_CONVENTIONS}"),
        nbf.new_code_cell(install_cell.cell_source(install_cell.settings_installed()),
                          metadata={"tags": list(install_cell.CELL_TAGS)}),
        nbf.new_code_cell(
            "from cnnlib.practice import check, fingerprint, generate, self_check\n\n"
            f"SEED, N, KINDS = {seed}, {n}, {kinds_arg}\n"
            "problems = generate(SEED, N, KINDS)\n"
            f"if fingerprint(problems) != {fingerprint(problems)!r}:\n"
            "    raise RuntimeError(\"this notebook was written by another version of cnnlib: "
            f"make a fresh one with `{cmd}`\")"),
    ]
    for i, p in enumerate(problems, 1):
        cells.append(nbf.new_markdown_cell(f"## Problem {i}: {p.title}\n\n{p.question}"))
        cells.append(nbf.new_code_cell(f"self_check(problems[{i - 1}], label=\"problems[{i - 1}]\")"))
    cells.append(nbf.new_markdown_cell(
        "## More practice\n\nEvery seed gives a new set: "
        "`python -m cnnlib.practice --seed SEED --n N --out DIR`, "
        "`make practice SEED=... N=...`, or `generate(seed, n, kinds)` in Python. Kinds: "
        + ", ".join(f"`{k}`" for k in KINDS) + "."))
    nb = nbf.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


# ----------------------------------------------------------------------------- PDF
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def html_to_pdf(html_path: Path, pdf_path: Path, *, timeout: float = 120) -> str | None:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium.

    Returns ``None`` on success, else why it was skipped (no browser on PATH, it failed, ...).
    Never raises for a missing or failing converter.
    """
    exe = next((shutil.which(b) for b in _BROWSERS if shutil.which(b)), None)
    if exe is None:
        return f"no headless browser on PATH (looked for {', '.join(_BROWSERS)})"
    cmd = [exe, "--headless", "--disable-gpu", "--no-sandbox", "--no-pdf-header-footer",
           "--print-to-pdf-no-header", f"--print-to-pdf={Path(pdf_path).resolve()}",
           Path(html_path).resolve().as_uri()]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError) as err:
        return f"{Path(exe).name} failed: {err}"
    if not Path(pdf_path).is_file() or Path(pdf_path).stat().st_size == 0:
        return (f"{Path(exe).name} exited with {proc.returncode} and wrote no PDF: "
                f"{proc.stderr.strip()[-300:]}")
    return None


# ----------------------------------------------------------------------------- the folder
_GIVE = "give a folder you can write to (it is created if missing)"


class OutDirError(ValueError):
    """The output folder cannot take the set: ``why`` says why and what to do."""

    def __init__(self, path: str | os.PathLike, why: str):
        self.path, self.why = os.fspath(path), why
        super().__init__(f"out_dir {self.path} {why}")


def _existing_parent(out: Path) -> Path:
    """The nearest folder (or file) above ``out`` that exists, as the user wrote it."""
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent if str(parent) != "." else Path.cwd()


def check_out_dir(out_dir: str | os.PathLike) -> None:
    """Raise :class:`OutDirError` if ``out_dir`` is not a folder that can be written to, or cannot
    be made one (a file is in the way, or a folder on the way cannot be written to). Writes
    nothing; the folder is created by :func:`render_set`."""
    out = Path(out_dir)
    try:
        if out.exists():
            if not out.is_dir():
                what = "a file, not a folder" if out.is_file() else "not a folder"
                raise OutDirError(out, f"is {what}: give a folder (it is created if missing)")
            if not os.access(out, os.W_OK | os.X_OK):
                raise OutDirError(out, f"is a folder you cannot write to: {_GIVE}")
            return
        if out.is_symlink():
            raise OutDirError(out, f"is a link to {os.readlink(out)}, which does not exist: {_GIVE}")
        parent = _existing_parent(out)
        if not parent.is_dir():
            raise OutDirError(out, f"cannot be created: {parent} is a file, not a folder; {_GIVE}")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise OutDirError(out, f"cannot be created: you cannot write to {parent}; {_GIVE}")
    except OSError as err:  # e.g. a folder on the way that cannot be searched
        raise OutDirError(out, f"cannot be checked ({err.strerror or err}): {_GIVE}") from None


def _write_error(out: Path, err: OSError) -> OutDirError:
    name = Path(err.filename).name if err.filename else "a file"
    return OutDirError(out, f"cannot take {name} ({err.strerror or err}): {_GIVE}")


def _make_out_dir(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        parent = _existing_parent(out)
        raise OutDirError(out, f"cannot be created in {parent} ({err.strerror or err}): "
                               f"{_GIVE}") from None


# ----------------------------------------------------------------------------- everything
@dataclass
class RenderResult:
    """What :func:`render_set` wrote, and why any PDF was skipped."""

    out_dir: Path
    files: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"wrote {f}" for f in self.files] + [f"skipped {s}" for s in self.skipped]
        return "\n".join(lines)


def render_set(seed: int, n: int, out_dir: str | os.PathLike, *,
               kinds: Sequence[str] | None = None, pdf: bool = True) -> RenderResult:
    """Generate a set and write the notebook, exam, answer key (and PDFs) into ``out_dir``
    (created if missing). Raises :class:`OutDirError` (a ``ValueError``) if ``out_dir`` cannot
    take them, checked before anything is generated, and ``ValueError`` for a bad seed, count or
    kind."""
    import nbformat

    out = Path(out_dir)
    check_out_dir(out)
    problems = generate(seed, n, list(kinds) if kinds is not None else None)
    _make_out_dir(out)
    result = RenderResult(out)
    nb_path = out / f"practice_{seed}.ipynb"
    try:
        nbformat.write(student_notebook(problems, seed, kinds), nb_path)
    except OSError as err:
        raise _write_error(out, err) from None
    result.files.append(nb_path)
    for stem, text in ((f"exam_{seed}", exam_html(problems, seed)),
                       (f"answer_key_{seed}", answer_key_html(problems, seed))):
        path = out / f"{stem}.html"
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as err:
            raise _write_error(out, err) from None
        result.files.append(path)
        if not pdf:
            result.skipped.append(f"{stem}.pdf (PDF output turned off)")
            continue
        why = html_to_pdf(path, out / f"{stem}.pdf")
        if why is None:
            result.files.append(out / f"{stem}.pdf")
        else:
            result.skipped.append(f"{stem}.pdf ({why})")
    return result
