"""``python -m cnnlib.practice --out ...``: a bad output folder is a one-line usage error.

Before anything is generated or written, and without touching what is already there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import cnnlib.practice.render as render
from cnnlib.practice.__main__ import main as cli_main

PROG = "python -m cnnlib.practice: error: "
GIVE = "give a folder you can write to (it is created if missing)"


def _error(capsys, *argv: str) -> str:
    """The CLI's one error line for ``argv`` (it exits with status 2, like argparse)."""
    with pytest.raises(SystemExit) as info:
        cli_main(["--seed", "7", "--n", "2", "--no-pdf", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return err.strip().splitlines()[-1]


@pytest.fixture(autouse=True)
def _nothing_generated(monkeypatch):
    """A bad --out is found before any problem is generated."""
    def refuse(*args, **kwargs):
        raise AssertionError("generated problems for a bad --out")
    monkeypatch.setattr(render, "generate", refuse)


def test_out_is_an_existing_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("afile").write_text("mine\n")
    assert _error(capsys, "--out", "afile") == (
        PROG + "--out afile is a file, not a folder: give a folder (it is created if missing)")
    assert Path("afile").read_text() == "mine\n"  # untouched
    assert sorted(os.listdir(tmp_path)) == ["afile"]


def test_out_under_a_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("afile").write_text("mine\n")
    assert _error(capsys, "--out", "afile/sub/deeper") == (
        PROG + f"--out afile/sub/deeper cannot be created: afile is a file, not a folder; {GIVE}")
    assert Path("afile").read_text() == "mine\n"


def test_out_is_not_a_folder(capsys):
    assert _error(capsys, "--out", os.devnull) == (
        PROG + f"--out {os.devnull} is not a folder: give a folder (it is created if missing)")


def test_out_folder_that_cannot_be_written(tmp_path, capsys, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: Path(p) != locked and real_access(p, mode, **kw))
    assert _error(capsys, "--out", str(locked)) == (
        PROG + f"--out {locked} is a folder you cannot write to: {GIVE}")
    assert _error(capsys, "--out", str(locked / "new")) == (
        PROG + f"--out {locked / 'new'} cannot be created: you cannot write to {locked}; {GIVE}")
    assert list(locked.iterdir()) == []


def test_out_folder_that_cannot_be_created(tmp_path, capsys, monkeypatch):
    def fail(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))
    monkeypatch.setattr(Path, "mkdir", fail)
    monkeypatch.setattr(render, "generate", lambda *a, **kw: [])  # the folder is made after
    assert _error(capsys, "--out", str(tmp_path / "new")) == (
        PROG + f"--out {tmp_path / 'new'} cannot be created in {tmp_path} (Permission denied): {GIVE}")


def test_a_file_in_the_folder_that_cannot_be_written(tmp_path, capsys, monkeypatch):
    monkeypatch.undo()  # generate for real
    (tmp_path / "practice_7.ipynb").mkdir()  # the user's folder where the notebook goes
    (tmp_path / "practice_7.ipynb" / "keep.txt").write_text("mine\n")
    assert _error(capsys, "--out", str(tmp_path)) == (
        PROG + f"--out {tmp_path} cannot take practice_7.ipynb (Is a directory): {GIVE}")
    assert (tmp_path / "practice_7.ipynb" / "keep.txt").read_text() == "mine\n"


def test_good_out_is_created(tmp_path, capsys, monkeypatch):
    monkeypatch.undo()
    out = tmp_path / "new" / "deeper"
    assert cli_main(["--seed", "7", "--n", "2", "--no-pdf", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["answer_key_7.html", "exam_7.html", "practice_7.ipynb"]


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize("make, out, message", [
    (True, "afile", "--out afile is a file, not a folder: give a folder (it is created if missing)"),
    (False, "/proc/nope", f"--out /proc/nope cannot be created in /proc (No such file or directory): {GIVE}"),
])
def test_the_reported_commands(tmp_path, make, out, message):
    """The commands of the report, run as a user runs them: one line, status 2, no traceback."""
    if make:
        (tmp_path / out).write_text("mine\n")
    done = subprocess.run([sys.executable, "-m", "cnnlib.practice", "--seed", "7", "--n", "2", "--out", out],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1] == PROG + message, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    if make:
        assert (tmp_path / out).read_text() == "mine\n"
