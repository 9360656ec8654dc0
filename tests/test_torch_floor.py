"""The oldest torch/torchvision that ``pyproject.toml`` allows, tested.

``cnnlib.shape_inference`` (the fast paths behind ``summarize``) leans on private torch APIs
(``TorchDispatchMode`` from ``torch.utils._python_dispatch``, ``torch._C._DisableTorchDispatch``,
the ``_should_skip_dynamo`` hook), behind a fallback where they are missing, and ``cnnlib.models`` on ``torch.compiler.is_compiling``, while the
rest of the suite only ever runs the locked torch. Here a fresh Python 3.11 venv gets the declared
floor pair (``FLOOR``), numpy 1.x and the other runtime and test dependencies, and cnnlib's wheel
(built from a copy of the tree, installed with ``--no-deps`` so the floor torch stays; ``uv pip
check`` then confirms the wheel's own requirements accept that environment). The library's
torch-dependent test files (``TESTS``) are copied to a scratch folder outside the repository and
run there with that venv's ``python -I``, so the source tree's ``cnnlib/`` can't be imported
instead of the wheel (a test added to the copy checks that, and the versions).

Why 2.3.0 / 0.18.0: torch 2.2 lacks ``torch.compiler.is_compiling`` (added in 2.3), which every
zoo model's forward calls. Deselected (``DESELECT``): two tests whose oracle is a newer
``torch.nn`` API, not cnnlib: ``nn.BatchNorm*``/``InstanceNorm*``/``GroupNorm`` gained a
``bias=`` argument (and ``bias=...`` in their repr) long after 2.4 (torch 2.13 has it; see
pytorch/pytorch#176573). cnnlib's from-scratch norms take ``bias=`` on any torch; only the
comparison can't be made. Not run here:
the notebook, site, course/grading, widget, plotting, training and data tests (they need the
repository layout, ``_build`` or the course extra and use no private torch API), and
``test_cuda.py`` (no GPU here). The whole test takes about 70 s on two cores: the inner pytest
run ~60 s, the venv and the wheel a few seconds from uv's cache (the first run on a machine
downloads torch's CUDA wheels from PyPI, ~2.5 GB: about 15 s here).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from cnnlib.publish import build_wheel

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("torch-floor")]

#: The oldest pair pyproject.toml declares (``torch>=``, ``torchvision>=``).
FLOOR = {"torch": "2.3.0", "torchvision": "0.18.0"}
PYTHON = "3.11"
#: Everything the library and TESTS import, besides torch/torchvision. numpy 1.x: the oldest
#: torch wheels predate numpy 2.
STACK = ["numpy>=1.24,<2", "matplotlib", "scikit-learn", "tqdm", "ipywidgets", "markdown-it-py",
         "pytest", "hypothesis"]
#: Tests that compare with a torch.nn API newer than the floor (see the module docstring).
DESELECT = ["tests/test_layers_scratch.py::test_batchnorm2d_without_bias_and_custom_eps",
            "tests/test_layers_scratch.py::test_norm_reprs_match_torch"]
TESTS = ["conftest.py", "helpers.py", "pg.py", "test_summary.py", "test_arithmetic.py", "test_models_classic.py",
         "test_models_resnet.py", "test_models_efficient.py", "test_layers_scratch.py"]

ENV_CHECK = '''\
"""Added by test_torch_floor.py: the run uses the installed wheel and the floor pair."""
import sys
from pathlib import Path

import cnnlib
import torch
import torchvision


def test_floor_environment():
    assert Path(cnnlib.__file__).resolve().is_relative_to(Path(sys.prefix).resolve()), cnnlib.__file__
    assert torch.__version__.split("+")[0] == {torch!r}, torch.__version__
    assert torchvision.__version__.split("+")[0] == {torchvision!r}, torchvision.__version__
'''

PYTEST_INI = """\
[pytest]
addopts = -ra
markers =
    slow: long-running checks
    xdist_group: pytest-xdist's grouping mark (xdist is not installed here)
"""


def _uv() -> str:
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    if not Path(uv).exists():
        pytest.skip("uv is not installed")  # make setup installs it
    return uv


def _release(version: str) -> tuple[int, ...]:
    """``"2.3"`` and ``"2.3.0"`` alike: (2, 3)."""
    parts = [int(p) for p in version.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _clean_env() -> dict[str, str]:
    """The environment without anything that points Python or uv at the project's venv."""
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "CONDA_PREFIX",
            "PYTHONSTARTUP", "PYTHONUSERBASE", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_XDIST_WORKER",
            "PYTEST_XDIST_WORKER_COUNT", "PYTEST_CURRENT_TEST"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def _run(cmd, *, cwd: Path, timeout: int, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _install(uv: str, py: Path, args: list[str], cwd: Path, env: dict[str, str]) -> None:
    """``uv pip install`` from the cache when it can (no network), else from the index."""
    base = [uv, "pip", "install", "-q", "--python", py, *args]
    done = _run([*base[:3], "--offline", *base[3:]], cwd=cwd, timeout=300, env=env)
    if done.returncode != 0:
        done = _run(base, cwd=cwd, timeout=900, env=env)
    assert done.returncode == 0, f"{' '.join(map(str, args))}:\n{done.stderr[-3000:]}"


def test_library_tests_pass_on_the_oldest_declared_torch(tmp_path):
    uv, env = _uv(), _clean_env()
    times = {}

    # The floor must be what pyproject.toml declares.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for name, version in FLOOR.items():
        declared = [m.group(1) for r in pyproject if (m := re.fullmatch(rf"{name}\s*>=\s*([\d.]+)\s*(,.*)?", r))]
        assert [_release(v) for v in declared] == [_release(version)], f"pyproject.toml: {name}>={version}? {pyproject}"

    start = time.perf_counter()
    venv = tmp_path / "venv"
    done = _run([uv, "venv", "-q", "--python", PYTHON, venv], cwd=tmp_path, timeout=300, env=env)
    if done.returncode != 0 and "No interpreter found" in done.stderr:
        pytest.skip(f"no Python {PYTHON} for uv: {done.stderr.strip()[-300:]}")
    assert done.returncode == 0, done.stderr[-3000:]
    py = venv / "bin" / "python"
    _install(uv, py, [f"{name}=={version}" for name, version in FLOOR.items()] + STACK, tmp_path, env)
    times["venv"] = time.perf_counter() - start

    start = time.perf_counter()
    wheel = build_wheel(ROOT, tmp_path / "dist")
    _install(uv, py, ["--no-deps", wheel], tmp_path, env)
    # The wheel's own requirements (torch>=..., numpy>=...) are met by the floor environment.
    check = _run([uv, "pip", "check", "--python", py], cwd=tmp_path, timeout=120, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    times["wheel"] = time.perf_counter() - start

    # The tests, copied outside the repository (so nothing under ROOT is on sys.path).
    scratch = tmp_path / "run"
    (scratch / "tests").mkdir(parents=True)
    for name in TESTS:
        shutil.copy2(ROOT / "tests" / name, scratch / "tests" / name)
    (scratch / "tests" / "test_floor_env.py").write_text(ENV_CHECK.format(**FLOOR))
    (scratch / "pytest.ini").write_text(PYTEST_INI)

    start = time.perf_counter()
    deselect = [arg for node in DESELECT for arg in ("--deselect", node)]
    done = _run([py, "-I", "-m", "pytest", "-q", "-p", "no:cacheprovider", *deselect, "tests"], cwd=scratch,
                timeout=900, env=env)
    times["pytest"] = time.perf_counter() - start
    tail = done.stdout[-6000:] + done.stderr[-2000:]
    assert done.returncode == 0, f"on torch {FLOOR['torch']} / torchvision {FLOOR['torchvision']}:\n{tail}"
    summary = done.stdout.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and "failed" not in summary and "error" not in summary, tail
    assert f"{len(DESELECT)} deselected" in summary, f"a DESELECT entry matches no test:\n{tail}"
    print(f"torch floor {FLOOR}: {summary}; " + ", ".join(f"{k} {v:.0f}s" for k, v in times.items()))
