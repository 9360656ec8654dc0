"""The README's "Change or add a question", followed literally in a copy of the course.

The section's fenced blocks run in order in a scratch course root holding the repository's
``nbgrader_config.py`` and ``solutions/ch01_lenet``: ``bash`` blocks with bash (``cnnlib-course``
on the PATH), the ``python`` block appended to ``solutions/hw1/hw1.py`` and the ``yaml`` block
to ``solutions/hw1/slips.yml``, as the text says. Then the grades the last step prints must be
what the text promises: every point for the right submission, none for the wrong one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import require_sandbox

ROOT = Path(__file__).resolve().parents[1]
SECTION = "### Change or add a question"
BLOCK = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>\w+)\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)

pytestmark = pytest.mark.slow


def _section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n### ", start + len(SECTION))
    return text[start:end if end != -1 else None]


def _blocks(section: str) -> list[tuple[str, str]]:
    return [(m["lang"], textwrap.dedent(m["body"])) for m in BLOCK.finditer(section)]


def test_the_guide_has_the_steps_the_test_follows():
    langs = [lang for lang, _ in _blocks(_section())]
    assert langs == ["bash", "python", "yaml", "bash", "bash"], langs


def test_change_or_add_a_question_as_written(tmp_path):
    require_sandbox()
    course = tmp_path / "course"
    shutil.copytree(ROOT / "solutions" / "ch01_lenet", course / "solutions" / "ch01_lenet",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("CNNLIB_GRADEBOOK_URL", None)
    outputs = []
    for lang, body in _blocks(_section()):
        if lang == "bash":
            done = subprocess.run(["bash", "-euo", "pipefail", "-c", body], cwd=course, env=env,
                                  capture_output=True, text=True, timeout=900)
            assert done.returncode == 0, f"step failed:\n{body}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            outputs.append(done.stdout)
        elif lang == "python":
            with open(course / "solutions" / "hw1" / "hw1.py", "a", encoding="utf-8") as fh:
                fh.write("\n" + body)
        elif lang == "yaml":
            with open(course / "solutions" / "hw1" / "slips.yml", "a", encoding="utf-8") as fh:
                fh.write("\n" + body)
    verify_out, table = outputs[1], outputs[2]
    assert "hw1: OK" in verify_out and "slip 'FLOPs instead of MACs'" in verify_out, verify_out
    promised = re.search(r"every point\s+\((\d+) of (\d+)\)", _section())
    rows = {line.split()[0]: line.split() for line in table.splitlines() if line.startswith(("right", "wrong"))}
    assert rows["right"][1:3] == [promised[1], promised[2]], table
    assert rows["wrong"][1:3] == ["0", promised[2]], table
    assert rows["right"][4] == "-", table  # the instructor's own notebook is not an edit of the locked cells
    # the new question is in the student version, without its answer and hidden check
    released = (course / "exercises" / "hw1" / "hw1.ipynb").read_text()
    assert "Q5. C1's multiply-accumulates" in released and "6 * 28 * 28 * 5 * 5" not in released
