"""The grading workflow against a real PostgreSQL gradebook (``CNNLIB_GRADEBOOK_URL``), no mocks.

A server is started for the session (``tests/pg.py``); each test gets a database of its own.
release -> collect (a folder and a Moodle zip) -> autograde (sandboxed) -> feedback -> export
(three formats, and plain ``nbgrader export``) -> the formgrader's view, whose queries must give
the same answers as on SQLite; then the messages a wrong URL gets.
"""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent / "adversarial"))

import democourse  # noqa: E402
from helpers import require_sandbox  # noqa: E402
from pg import PASSWORD, USER  # noqa: E402

from cnnlib.course import main  # noqa: E402
from cnnlib.course.config import GRADEBOOK_ENV, gradebook_url, load_course, safe_url  # noqa: E402
from cnnlib.course.sandbox import Limits  # noqa: E402

# One server per xdist worker: keep these tests on one worker.
pytestmark = pytest.mark.xdist_group("postgres")
REPO = Path(__file__).resolve().parents[1]
LIMITS = Limits(cell_timeout_s=20, submission_timeout_s=120, memory_mb=1024, cpu_seconds=120)
#: The relu exercise answered wrongly: 3 of the 5 points.
WRONG_RELU = {"relu": "def relu(a):\n    return a"}


def _rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _copy_to_sqlite(pg_url: str, sqlite_path: Path) -> str:
    """The PostgreSQL gradebook's rows, copied table by table into a new SQLite gradebook."""
    from nbgrader.api import Base
    from sqlalchemy import MetaData, create_engine, select

    source, target = create_engine(pg_url), create_engine(f"sqlite:///{sqlite_path}")
    try:
        Base.metadata.create_all(bind=target)
        extra = MetaData()
        extra.reflect(bind=source, only=["alembic_version"])
        extra.create_all(bind=target)
        with source.connect() as src, target.begin() as dst:
            for table in [*Base.metadata.sorted_tables, extra.tables["alembic_version"]]:
                rows = [dict(r._mapping) for r in src.execute(select(table))]
                if rows:
                    dst.execute(table.insert(), rows)
    finally:
        source.dispose()
        target.dispose()
    return f"sqlite:///{sqlite_path}"


def _formgrader_data(db_url: str, course_id: str) -> dict:
    """What the formgrader's pages are built from: nbgrader's aggregate gradebook queries."""
    from nbgrader.api import Gradebook

    def clean(dicts, key):
        return sorted(({k: (round(v, 6) if isinstance(v, float) else v) for k, v in d.items()} for d in dicts),
                      key=lambda d: d[key])

    with Gradebook(db_url, course_id) as gb:
        averages = {name: round(getattr(gb, f"average_{kind}_{part}score")(*args), 6)
                    for kind, args in (("assignment", ("demo",)), ("notebook", ("demo", "demo")))
                    for part in ("", "code_", "written_", "task_")
                    for name in [f"{kind}_{part}score"]}
        return {"assignments": clean([a.to_dict() for a in gb.assignments], "name"),
                "notebooks": clean([n.to_dict() for n in gb.find_assignment("demo").notebooks], "name"),
                "averages": averages,
                "students": clean(gb.student_dicts(), "id"),
                "submissions": clean(gb.submission_dicts("demo"), "student"),
                "notebook_submissions": clean(gb.notebook_submission_dicts("demo", "demo"), "student")}


@pytest.mark.slow
def test_grading_workflow_on_postgresql(pg_url, tmp_path, monkeypatch, capsys):
    require_sandbox()
    monkeypatch.setenv(GRADEBOOK_ENV, pg_url)
    root = democourse.make_course(tmp_path / "course")
    course = load_course(root)
    assert course.db_url == pg_url and not (root / "gradebook.db").exists()
    assert main(["--course", str(root), "release", "demo"]) == 0
    assert "5 points" in capsys.readouterr().out

    released = nbformat.read(root / "exercises" / "demo" / "demo.ipynb", as_version=4)
    (tmp_path / "inbox" / "solver").mkdir(parents=True)
    nbformat.write(democourse.solve(released), tmp_path / "inbox" / "solver" / "demo.ipynb")
    with zipfile.ZipFile(tmp_path / "moodle.zip", "w") as archive:
        archive.writestr("Ada Lovelace_4242_assignsubmission_file_/demo.ipynb",
                         nbformat.writes(democourse.solve(released, WRONG_RELU)))
    assert main(["--course", str(root), "collect", "demo", "--from", str(tmp_path / "inbox")]) == 0
    assert main(["--course", str(root), "collect", "demo", "--from", str(tmp_path / "moodle.zip")]) == 0
    from nbgrader.api import Gradebook
    with Gradebook(pg_url, course.config.CourseDirectory.course_id) as gb:  # enrolled, submitted nothing
        gb.add_student("zoe", first_name="Zoe", last_name="Zed", email="zoe@example.org")

    from cnnlib.course.autograde import autograde
    results = {r.student: r for r in autograde(course, "demo", jobs=2, limits=LIMITS)}
    assert {s: (r.score, r.max_score, r.tooling_error) for s, r in results.items()} == {
        "solver": (5.0, 5.0, False), "4242": (3.0, 5.0, False)}

    assert main(["--course", str(root), "feedback", "demo"]) == 0
    for student in ("solver", "4242"):
        html = (course.feedback_dir / student / "demo" / "demo.html").read_text()
        assert democourse.HIDDEN_MARKER not in html and "Score" in html

    for fmt in ("plain", "canvas", "moodle"):
        assert main(["--course", str(root), "export", "--format", fmt, str(tmp_path / f"{fmt}.csv")]) == 0
    assert {(r["student_id"], r["first_name"], r["assignment"], r["score"], r["max_score"], r["submitted"])
            for r in _rows(tmp_path / "plain.csv")} == {
        ("4242", "Ada", "demo", "3.0", "5.0", "yes"), ("solver", "", "demo", "5.0", "5.0", "yes"),
        ("zoe", "Zoe", "demo", "0.0", "5.0", "no")}
    canvas = _rows(tmp_path / "canvas.csv")
    assert [(r["Student"], r["ID"], r["demo"]) for r in canvas] == [
        ("Points Possible", "", "5.0"), ("Lovelace, Ada", "4242", "3.0"), ("solver", "solver", "5.0"),
        ("Zed, Zoe", "zoe", "0.0")]
    assert [(r["ID number"], r["Email address"], r["demo"]) for r in _rows(tmp_path / "moodle.csv")] == [
        ("4242", "", "3.0"), ("solver", "", "5.0"), ("zoe", "zoe@example.org", "0.0")]

    # Plain nbgrader in the course folder uses the course's exporter and the same gradebook.
    (root / "nbgrader_config.py").write_text((REPO / "nbgrader_config.py").read_text())
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter"), GRADEBOOK_ENV: pg_url}
    subprocess.run([sys.executable, "-m", "nbgrader", "export", "--to", str(tmp_path / "nbgrader.csv")],
                   cwd=root, env=env, check=True, capture_output=True, timeout=120)
    assert (tmp_path / "nbgrader.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()

    # The formgrader's view: its API (what the pages show) and the gradebook queries behind it.
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    course.config.Exchange.root = str(tmp_path / "exchange")
    (tmp_path / "exchange").mkdir()
    api = NbGraderAPI(coursedir=CourseDirectory(config=course.config), config=course.config)
    view = {s["student"]: (s["score"], s["max_score"], s["autograded"]) for s in api.get_submissions("demo")}
    assert view == {"solver": (5.0, 5.0, True), "4242": (3.0, 5.0, True)}
    assert [(a["name"], a["max_score"], a["num_submissions"]) for a in api.get_assignments()] == [("demo", 5.0, 2)]
    assert {s["id"]: s["score"] for s in api.get_students()} == {"solver": 5.0, "4242": 3.0, "zoe": 0.0}
    assert {n["student"]: n["score"] for n in api.get_notebook_submissions("demo", "demo")} == {
        "solver": 5.0, "4242": 3.0}
    on_postgres = _formgrader_data(pg_url, course.config.CourseDirectory.course_id)
    on_sqlite = _formgrader_data(_copy_to_sqlite(pg_url, tmp_path / "copy.db"), course.config.CourseDirectory.course_id)
    assert on_postgres == on_sqlite
    assert {s["student"]: s["score"] for s in on_postgres["submissions"]} == {"solver": 5.0, "4242": 3.0}
    assert on_postgres["averages"]["assignment_score"] == 4.0
    assert not (root / "gradebook.db").exists()  # nothing fell back to SQLite
    assert [(a["name"], a["num_submissions"], a["max_score"]) for a in on_postgres["assignments"]] == [("demo", 2, 5.0)]


def test_gradebook_url_spellings():
    assert gradebook_url("  postgres://u:p@h/db ") == "postgresql://u:p@h/db"
    assert gradebook_url("postgresql://u@h/db") == "postgresql://u@h/db"  # psycopg 3: SQLAlchemy 2.1's default
    assert gradebook_url("") is None and gradebook_url(None) is None
    assert safe_url("postgresql://u:p%40ss@h:5432/db") == "postgresql://u:***@h:5432/db"


def _error_of(root: Path, url: str, capsys, monkeypatch) -> str:
    monkeypatch.setenv(GRADEBOOK_ENV, url)
    assert main(["--course", str(root), "release", "demo"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and PASSWORD not in err and "s3cret" not in err
    return err


def test_unreachable_or_wrong_gradebook_gets_a_clear_message(postgresql, tmp_path, capsys, monkeypatch):
    root = democourse.make_course(tmp_path / "course")
    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    url = postgresql.url("gradebook").replace(f":{postgresql.port}/", f":{closed}/")
    err = _error_of(root, url, capsys, monkeypatch)
    assert f"postgresql://{USER}:***@127.0.0.1:{closed}/gradebook" in err
    assert "check that the database server is running" in err and GRADEBOOK_ENV in err

    err = _error_of(root, postgresql.url("postgres", password="wrong-s3cret"), capsys, monkeypatch)
    assert "password authentication failed" in err and "user name and password" in err

    err = _error_of(root, postgresql.url("no_such_db"), capsys, monkeypatch)
    assert 'database "no_such_db" does not exist' in err and "createdb" in err

    err = _error_of(root, "postgresql://u:s3cret@127.0.0.1:notaport/db", capsys, monkeypatch)
    assert "invalid gradebook URL" in err
