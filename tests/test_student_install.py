"""A student on Colab: the install cell installs the published wheel and leaves the preinstalled stack alone.

A Colab-like environment is made with uv: a Python other than the lock's (3.12 where the
machine has it), torch and torchvision preinstalled, Colab's ipywidgets 7.7.1, numpy,
matplotlib, scikit-learn, tqdm and ipykernel, and no cnnlib. The course site's package part
(the wheel and its PEP 503 index, as ``make publish`` writes them) is served on a local port.
A book chapter and a completed exercise notebook are executed with nbclient in that
environment, their install cell pointed at the local site, as a student would run them.

Timings (wheel install, chapter run) are written to ``_build/student-install.json``.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest

from cnnlib import install_cell
from cnnlib.publish import build_wheel, write_simple_index

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("student-install")]
KEPT = ("torch", "torchvision", "numpy", "ipywidgets")
COLAB_STACK = ["torch==2.13.0", "torchvision==0.28.0", "ipywidgets==7.7.1", "numpy", "matplotlib", "ipykernel",
               "scikit-learn", "tqdm"]


def _other_python() -> str | None:
    """A CPython other than the lock's 3.11: pyenv's 3.12 or 3.13 where the machine has them."""
    pyenv = Path.home() / ".pyenv" / "versions"
    for minor in ("3.12", "3.13"):
        found = sorted(pyenv.glob(f"{minor}.*/bin/python{minor}")) or \
            ([Path(p)] if (p := shutil.which(f"python{minor}")) else [])
        if found:
            return str(found[-1])
    return None


class _Site:
    """A static file server on 127.0.0.1 for ``folder`` (what a static host does)."""

    def __init__(self, folder: Path):
        handler = partial(_QuietHandler, directory=str(folder))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    python = _other_python()
    if python is None:
        pytest.skip("no Python 3.12/3.13 on this machine for a Colab-like environment")
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    tmp = tmp_path_factory.mktemp("colab")
    site = tmp / "site"
    wheel = build_wheel(ROOT, site / "wheels")
    write_simple_index(site, wheel)
    venv = tmp / "venv"
    subprocess.run([uv, "venv", "-q", "--seed", "--python", python, str(venv)], check=True)
    py = venv / "bin" / "python"
    done = subprocess.run([uv, "pip", "install", "-q", "--python", str(py), *COLAB_STACK], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    kernels = tmp / "kernels" / "colab"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(py), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab-like", "language": "python"}))
    server = _Site(site)
    yield {"py": py, "venv": venv, "site": server, "wheel": wheel, "tmp": tmp, "timings": {}}
    server.stop()


def _versions(py: Path) -> dict:
    code = ("import importlib.metadata as m, json; "
            f"print(json.dumps({{n: m.version(n) for n in {KEPT!r}}}))")
    return json.loads(subprocess.run([py, "-I", "-c", code], capture_output=True, text=True, check=True).stdout)


def _pointed_at(nb, url: str):
    """``nb`` with its install cell regenerated for the site at ``url``."""
    nb = copy.deepcopy(nb)
    settings = install_cell.Settings(url, install_cell.settings_from_config(ROOT).version)
    assert not install_cell.apply(nb, install_cell.settings_from_config(ROOT)), "the committed cell is stale"
    install_cell.apply(nb, settings)
    return nb


def _run(nb, colab, cwd: Path):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    ksm = KernelSpecManager(kernel_dirs=[str(colab["tmp"] / "kernels")])
    km = KernelManager(kernel_name="colab", kernel_spec_manager=ksm)
    client = NotebookClient(nb, km=km, timeout=600, resources={"metadata": {"path": str(cwd)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def _seconds(stamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _errors(nb) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if o.output_type == "error"]


def _installed_cnnlib(py: Path) -> dict:
    code = ("import importlib.metadata as m, json; d = m.distribution('cnnlib'); "
            "print(json.dumps({'version': d.version, 'direct_url': d.read_text('direct_url.json')}))")
    return json.loads(subprocess.run([py, "-I", "-c", code], capture_output=True, text=True, check=True).stdout)


def test_a_chapter_installs_the_published_wheel_and_keeps_the_stack(colab, tmp_path):
    before = _versions(colab["py"])
    chapter = _pointed_at(nbformat.read(ROOT / "book" / "ch00_arithmetic.ipynb", as_version=4), colab["site"].url)
    seconds = _run(chapter, colab, tmp_path)
    assert _errors(chapter) == []
    assert _versions(colab["py"]) == before, "the install changed the preinstalled stack"
    installed = _installed_cnnlib(colab["py"])
    assert installed["version"] == install_cell.settings_from_config(ROOT).version
    assert colab["wheel"].name in json.loads(installed["direct_url"])["url"]
    first = next(c for c in chapter.cells if c.cell_type == "code")
    assert any("cnnlib" in o.get("text", "") and "installed" in o.get("text", "") for o in first.outputs)
    colab["timings"]["chapter_with_install_s"] = round(seconds, 1)
    # Again, now that cnnlib is there: the install cell does nothing.
    again = _pointed_at(nbformat.read(ROOT / "book" / "ch00_arithmetic.ipynb", as_version=4), colab["site"].url)
    colab["timings"]["chapter_installed_s"] = round(_run(again, colab, tmp_path), 1)
    assert next(c for c in again.cells if c.cell_type == "code").outputs == []
    timing = first.metadata["execution"]  # nbclient's record of the install cell
    colab["timings"]["install_cell_s"] = round(_seconds(timing["shell.execute_reply"]) -
                                               _seconds(timing["iopub.execute_input"]), 1)
    out = ROOT / "_build" / "student-install.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"python": str(colab["py"]), "stack": before, **colab["timings"]}, indent=1))


def test_a_completed_exercise_runs_in_the_colab_environment(colab, tmp_path):
    from nbgrader.preprocessors import ClearHiddenTests

    source = nbformat.read(ROOT / "solutions" / "ch00_arithmetic" / "ch00_arithmetic.ipynb", as_version=4)
    completed, _ = ClearHiddenTests().preprocess(copy.deepcopy(source), {})  # a student's finished work
    completed = _pointed_at(completed, colab["site"].url)
    _run(completed, colab, tmp_path)
    assert _errors(completed) == []


def test_without_the_site_the_first_cell_stops_with_a_clear_message(colab, tmp_path):
    from nbclient.exceptions import CellExecutionError

    subprocess.run([str(colab["py"]), "-m", "pip", "uninstall", "-q", "-y", "cnnlib"], check=True)
    down = "http://127.0.0.1:9/"  # the discard port: nothing answers
    chapter = _pointed_at(nbformat.read(ROOT / "book" / "ch00_arithmetic.ipynb", as_version=4), down)
    with pytest.raises(CellExecutionError) as info:
        _run(chapter, colab, tmp_path)
    assert "Could not install cnnlib" in str(info.value) and f"{down}wheels/" in str(info.value)
    code = [c for c in chapter.cells if c.cell_type == "code"]
    assert code[0].outputs and all(not c.get("outputs") for c in code[1:]), "cells after the install cell ran"
