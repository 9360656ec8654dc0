"""The environment and the project layout: one-command setup, pins, CI, ignores."""
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _req_name(req: str) -> str:
    return _norm(re.split(r"[\s<>=!~\[;@]", req.strip(), maxsplit=1)[0])


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _lock_versions() -> dict[str, set[str]]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    out: dict[str, set[str]] = {}
    for pkg in lock["package"]:
        out.setdefault(_norm(pkg["name"]), set()).add(pkg.get("version", ""))
    return out


def test_layout():
    for path in ["_config.yml", "_toc.yml", "book", "exercises", "solutions", "cnnlib", "tests",
                 "environment.yml", "pyproject.toml", "uv.lock", "Makefile", "README.md",
                 "nbgrader_config.py", "benchmarks", ".ci/run"]:
        assert (ROOT / path).exists(), path


def test_environment_yml_names_the_same_packages_as_pyproject():
    project = _pyproject()["project"]
    runtime = {_req_name(r) for r in project["dependencies"]}
    extras = {_req_name(r) for reqs in project["optional-dependencies"].values() for r in reqs}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_reqs = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda_names = {_req_name(r) for r in pip_reqs if not r.startswith("-")}
    assert conda_names == runtime | extras


def test_environment_yml_pins_match_the_lock():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_reqs = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    lock = _lock_versions()
    for req in pip_reqs:
        if req.startswith("-"):
            continue
        name, version = req.split("==")
        assert version in lock[_norm(name)], f"{name}=={version} is not what uv.lock pins ({lock[_norm(name)]})"


def test_torch_pins_and_ranges():
    lock = _lock_versions()
    assert lock["torch"] == {"2.13.0"} and lock["torchvision"] == {"0.28.0"}
    deps = _pyproject()["project"]["dependencies"]
    torch_req = next(d for d in deps if _req_name(d) == "torch")
    assert "==" not in torch_req and ">=" in torch_req, "cnnlib must accept any torch 2.x"


def test_readme_quick_start_shows_exactly_the_two_commands():
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", quick, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make book", "make test"]


def test_ci_runs_make_test():
    script = (ROOT / ".ci/run").read_text()
    assert re.search(r"^make test\s*$", script, re.M)
    assert "set -euo pipefail" in script
    assert os.access(ROOT / ".ci/run", os.X_OK)


def test_student_data_and_build_output_are_ignored():
    ignored = (ROOT / ".gitignore").read_text().split()
    for entry in ["submitted/", "autograded/", "feedback/", "downloaded/", "gradebook.db",
                  "_build/", ".venv/"]:
        assert entry in ignored, entry


def _uv() -> str:
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    if not Path(uv).exists():
        pytest.skip("uv is not installed")  # make setup installs it; never the case under make test
    return uv


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of HEAD (``git archive``), never inside the source tree."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "src"
    source.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    done = subprocess.run([_uv(), "build", "--wheel", "--out-dir", str(tmp / "dist"), str(source)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return next((tmp / "dist").glob("cnnlib-*.whl"))


@pytest.mark.slow
def test_wheel_holds_exactly_heads_library(wheel):
    import zipfile

    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "-r", "--name-only", "HEAD", "cnnlib"],
                             capture_output=True, text=True, check=True).stdout.split()
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert sorted(n for n in names if n.startswith("cnnlib/")) == sorted(tracked)
    assert not [n for n in names if n.split("/")[0] in ("solutions", "tests", "exercises", "book", "build")]
    assert "cnnlib/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    import cnnlib

    assert f"Version: {cnnlib.__version__}\n" in metadata and wheel.name.startswith(f"cnnlib-{cnnlib.__version__}-")
    assert "License-Expression: MIT" in metadata and "Project-URL: Homepage" in metadata


def test_build_output_is_not_tracked():
    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files", "build", "dist"], capture_output=True,
                             text=True, check=True).stdout
    assert tracked == ""
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "build/" in ignored and "dist/" in ignored


@pytest.mark.slow
def test_installing_cnnlib_keeps_the_preinstalled_torch(tmp_path, wheel):
    """A Colab-like environment: torch and torchvision already there; pip install cnnlib."""
    uv = _uv()
    venv = tmp_path / "colab"
    subprocess.run([uv, "venv", "-q", "--seed", "--python", sys.executable, str(venv)], check=True)
    py = venv / "bin" / "python"
    lock = _lock_versions()
    # Preinstall torch/torchvision the way an image would (uv's cache makes this a local copy).
    subprocess.run([uv, "pip", "install", "-q", "--python", str(py),
                    f"torch=={next(iter(lock['torch']))}",
                    f"torchvision=={next(iter(lock['torchvision']))}"], check=True)
    probe = ("import importlib.metadata as m, torch, pathlib;"
             "d = m.distribution('torch'); print(d.version, pathlib.Path(torch.__file__).stat().st_mtime_ns)")
    before = subprocess.run([py, "-c", probe], capture_output=True, text=True, check=True).stdout
    result = subprocess.run([py, "-m", "pip", "install", "-q", str(wheel)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    after = subprocess.run([py, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert before == after, f"torch changed: {before!r} -> {after!r}"
    check = subprocess.run([py, "-c", "import cnnlib; print(cnnlib.conv_output_size(227, 11, 4))"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert check.stdout.strip() == "55", check.stderr[-2000:]
    # Without the course extra, the grading command says what to install (no traceback).
    course = subprocess.run([venv / "bin" / "cnnlib-course", "release", "--all"], capture_output=True, text=True,
                            cwd=tmp_path)
    assert course.returncode == 1 and 'pip install "cnnlib[course]"' in course.stderr, course.stderr
    assert "Traceback" not in course.stderr


def test_maintainers_map_names_only_paths_that_exist():
    text = (ROOT / "docs" / "maintainers.md").read_text()
    paths = {p for p in re.findall(r"`([\w./-]+)`", text)
             if "/" in p and not p.startswith("python")}
    assert len(paths) > 20
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert not missing, f"docs/maintainers.md names paths that do not exist: {missing}"


def _module_level_imports(path, package_root):
    """cnnlib modules a file imports at module level (imports inside functions are deferred
    and cannot make a cycle at import time)."""
    import ast

    name = ".".join(path.relative_to(package_root.parent).with_suffix("").parts)
    name = name.removesuffix(".__init__")
    is_pkg = path.name == "__init__.py"
    found = set()
    for node in ast.parse(path.read_text()).body:
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".")[: len(name.split(".")) - node.level + (1 if is_pkg else 0)]
                base = ".".join(parts + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        found |= {t for t in targets if t.startswith("cnnlib")}
    return name, found


def test_cnnlib_has_no_import_cycle():
    root = ROOT / "cnnlib"
    graph = dict(_module_level_imports(p, root) for p in root.rglob("*.py"))
    graph = {m: {t for t in deps if t in graph and t != m} for m, deps in graph.items()}
    # A module importing a submodule of its own package is fine (Python loads the package
    # first); a package's __init__ importing its submodules is how packages are made.
    graph = {m: {t for t in deps if not t.startswith(m + ".")} for m, deps in graph.items()}
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == "open":
                cycle = stack[stack.index(t):] + [t]
                # a submodule importing its own package's __init__ is not a real cycle
                if not all(a.startswith(b + ".") or b.startswith(a + ".")
                           for a, b in zip(cycle, cycle[1:])):
                    raise AssertionError("import cycle: " + " -> ".join(cycle))
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert len(graph) > 60
