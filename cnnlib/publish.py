"""Assemble everything that goes public into one folder: ``python -m cnnlib.publish --out DIR``.

The bundle is what the public student repository (or a pages branch) holds:

* ``site/``: the built website (``_build/html``),
* ``book/``, ``_config.yml``, ``_toc.yml``, ``references.bib``, ``_static/``: the chapter
  notebooks (without outputs) that the Colab/JupyterHub/Binder buttons open, and what the book
  needs to be built again from the bundle (its bibliography and style sheet),
* ``exercises/``: the student versions of the assignments,
* ``cnnlib/``, ``pyproject.toml``, ``README.md``, ``LICENSE``: the library's source;
* ``site/wheels/cnnlib-<version>-py3-none-any.whl`` (built with ``uv build`` from a copy of the
  tree, never inside it) and a PEP 503 index ``site/simple/``: the site is the package's home,
  so the notebooks' install cell, ``pip install --extra-index-url <site>/simple cnnlib==<version>``
  and ``pip install --find-links <site>/wheels cnnlib`` work from any static host;
* ``.github/workflows/pages.yml`` (publishes the prebuilt ``site/`` to GitHub Pages on push),
  ``binder/requirements.txt`` (a CPU torch and the wheel, for mybinder.org) and an
  ``environment.yml`` a conda-based JupyterHub image can use (the wheel instead of ``-e .``).

The site address is ``html.baseurl`` in ``_config.yml``; the repository and the hub are
``repository.url`` and ``launch_buttons.jupyterhub_url``. Publishing fails on an address that
is not http(s) and warns, naming the setting, while one is still the placeholder shipped with
the course.

Nothing from ``solutions/``, the gradebook, student data (``submitted/``, ``autograded/``,
``feedback/``...), the instructor's nbgrader config or the tests is copied, and the bundle is
checked for solution and hidden-test markers before it is declared done. The bundle is written
to a temporary folder and moved into place only when complete, so a failure leaves the last
good bundle.
"""
from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["publish", "find_secrets", "launch_links", "settings_problems", "SECRET_MARKERS", "PLACEHOLDERS"]

#: Addresses shipped with the course that a course must replace with its own before publishing.
PLACEHOLDERS = {
    "html.baseurl": "https://cnn-architectures-course.github.io/cnn-architectures/",
    "repository.url": "https://github.com/cnn-architectures-course/cnn-architectures",
    "launch_buttons.jupyterhub_url": "https://jupyterhub.example.edu",
}

SECRET_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
_COPY = ["book", "exercises", "cnnlib", "_config.yml", "_toc.yml", "references.bib", "_static",
         "pyproject.toml", "README.md", "LICENSE"]
#: What the wheel is built from (copied to a scratch folder first).
_WHEEL_SOURCES = ["cnnlib", "pyproject.toml", "README.md", "LICENSE"]
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


_FENCED = re.compile(r"^[ \t]*```.*?^[ \t]*```[ \t]*$", re.M | re.S)


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
        # A Markdown document may show the markers in its code blocks (the instructor's guide
        # in the README explains the source format); anywhere else they mean a leak.
        prose = _FENCED.sub("", text) if path.suffix == ".md" else text
        hits = [m for m in SECRET_MARKERS if m in prose] + [s for s in snippets if s in text]
        if hits:
            problems.append(f"{path.relative_to(folder)}: {hits[0][:80]!r}")
    return problems


def launch_links(config: dict, path: str) -> dict[str, str]:
    """Where a notebook of the repository (``path``, e.g. ``exercises/ch00/ch00.ipynb``) opens:
    Colab, Binder, JupyterHub (through nbgitpuller) and a plain download, all from ``_config.yml``
    and built the way the book's launch buttons are (sphinx-book-theme), so a chapter's buttons
    and the exercises page agree."""
    from urllib.parse import urlencode

    repo_url = str(_setting(config, "repository.url") or "").rstrip("/")
    branch = _setting(config, "repository.branch") or "main"
    buttons = config.get("launch_buttons") or {}
    ui = {"classic": "tree", "jupyterlab": "lab/tree"}.get(buttons.get("notebook_interface", "classic"), "tree")
    org, repo = repo_url.removeprefix("https://github.com/").split("/")[:2]
    links = {}
    if buttons.get("colab_url"):
        links["Colab"] = f"{buttons['colab_url'].strip('/')}/github/{org}/{repo}/blob/{branch}/{path}"
    if buttons.get("binderhub_url"):
        links["Binder"] = f"{buttons['binderhub_url'].strip('/')}/v2/gh/{org}/{repo}/{branch}?urlpath={ui}/{path}"
    if buttons.get("jupyterhub_url"):
        query = urlencode({"repo": repo_url, "urlpath": f"{ui}/{repo}/{path}", "branch": branch}, safe="/")
        links["JupyterHub"] = f"{buttons['jupyterhub_url'].strip('/')}/hub/user-redirect/git-pull?{query}"
    links["Download"] = f"https://raw.githubusercontent.com/{org}/{repo}/{branch}/{path}"
    return links


def _setting(config: dict, dotted: str):
    value = config
    for key in dotted.split("."):
        value = (value or {}).get(key) if isinstance(value, dict) else None
    return value


def settings_problems(config: dict) -> tuple[list[str], list[str]]:
    """(errors, warnings) about the addresses in ``_config.yml``: invalid ones are errors,
    placeholders warnings."""
    from .install_cell import is_http_url

    errors, warnings = [], []
    for name, placeholder in PLACEHOLDERS.items():
        value = _setting(config, name)
        if not value:
            errors.append(f"{name} is not set in _config.yml")
        elif not is_http_url(value):
            errors.append(f"{name} = {value!r} in _config.yml is not an http(s) address")
        elif str(value).rstrip("/") == placeholder.rstrip("/"):
            warnings.append(f"{name} in _config.yml is still the placeholder {value}: set it to your course's "
                            "address before you publish")
    return errors, warnings


def build_wheel(root: Path, out_dir: Path) -> Path:
    """Build cnnlib's wheel from a scratch copy of ``root`` (never inside the source tree)."""
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    with tempfile.TemporaryDirectory(prefix="cnnlib-wheel-") as tmp:
        for name in _WHEEL_SOURCES:
            src = root / name
            if src.is_dir():
                shutil.copytree(src, Path(tmp) / name, ignore=_ignore)
            elif src.is_file():
                shutil.copy2(src, Path(tmp) / name)
        done = subprocess.run([uv, "build", "--wheel", "--out-dir", str(out_dir), tmp], capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise RuntimeError(f"building the wheel failed:\n{done.stderr[-3000:]}")
    return next(out_dir.glob("cnnlib-*.whl"))


def write_simple_index(site: Path, wheel: Path) -> None:
    """A PEP 503 index for ``wheel`` under ``site/simple/`` (links relative: any host works)."""
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    (site / "simple" / "cnnlib").mkdir(parents=True, exist_ok=True)
    page = "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\"><title>{}</title>" \
        "</head><body>\n{}\n</body></html>\n"
    (site / "simple" / "index.html").write_text(page.format("Simple index", '<a href="cnnlib/">cnnlib</a>'))
    link = f'<a href="../../wheels/{wheel.name}#sha256={digest}" data-requires-python="&gt;=3.10">{wheel.name}</a>'
    (site / "simple" / "cnnlib" / "index.html").write_text(page.format("Links for cnnlib", link))


PAGES_WORKFLOW = """# Publishes the prebuilt site/ folder to GitHub Pages on every push to main.
# (Settings > Pages > Source: GitHub Actions.) The site was built by `make publish`.
name: pages
on:
  push:
    branches: [main]
  workflow_dispatch:
permissions:
  contents: read
  pages: write
  id-token: write
concurrency:
  group: pages
  cancel-in-progress: true
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/upload-pages-artifact@v3
        with:
          path: site
      - id: deployment
        uses: actions/deploy-pages@v4
"""


def _deploy_files(stage: Path, root: Path, wheel_url: str) -> None:
    import yaml

    workflow = stage / ".github" / "workflows" / "pages.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(PAGES_WORKFLOW)
    lock = {}
    env = yaml.safe_load((root / "environment.yml").read_text())
    for item in next(d["pip"] for d in env["dependencies"] if isinstance(d, dict)):
        if "==" in item:
            name, version = item.split("==")
            lock[name] = version
    (stage / "binder").mkdir()
    (stage / "binder" / "requirements.txt").write_text(
        "# mybinder.org: a CPU-only torch (no CUDA wheels) and the course library from the site.\n"
        "--extra-index-url https://download.pytorch.org/whl/cpu\n"
        f"torch=={lock['torch']}+cpu\ntorchvision=={lock['torchvision']}+cpu\n"
        f"ipywidgets=={lock['ipywidgets']}\nmatplotlib=={lock['matplotlib']}\n"
        f"cnnlib @ {wheel_url}\n")
    text = (root / "environment.yml").read_text()
    text = text.replace("      - -e .\n", f"      - cnnlib @ {wheel_url}\n")
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(
        ("- nbgrader", "- jupytext", "- jupyter-book"))) + "\n"  # the instructor's tools stay private
    (stage / "environment.yml").write_text(text)


def publish(root: Path, out: Path, *, warn=print) -> Path:
    """Assemble the public bundle of the course at ``root`` in ``out`` (see the module docstring)."""
    import yaml

    from .install_cell import settings_from_config

    root, out = Path(root).resolve(), Path(out).resolve()
    site = root / "_build" / "html"
    if not (site / "index.html").exists():
        raise FileNotFoundError(f"no built site in {site}: run `make book` first")
    config = yaml.safe_load((root / "_config.yml").read_text()) or {}
    errors, warnings = settings_problems(config)
    if errors:
        raise RuntimeError("; ".join(errors))
    for message in warnings:
        warn(f"warning: {message}")
    settings = settings_from_config(root)
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
        if problems:  # before anything slow: a leak is the first thing to report
            raise RuntimeError("refusing to publish; secrets found:\n  " + "\n  ".join(problems))
        wheel = build_wheel(root, stage / "site" / "wheels")
        if wheel.name != settings.wheel_url.rsplit("/", 1)[1]:
            raise RuntimeError(f"the wheel {wheel.name} is not the one the install cells name "
                               f"({settings.wheel_url}): run `make install-cells`")
        write_simple_index(stage / "site", wheel)
        _deploy_files(stage, root, settings.wheel_url)
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
        path = publish(Path(args.root), Path(args.out), warn=lambda m: print(m, file=sys.stderr))
    except (FileNotFoundError, RuntimeError, ValueError) as err:
        print(f"publish: {err}", file=sys.stderr)
        return 1
    print(f"public bundle written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
