"""The course's nbgrader configuration and how ``cnnlib-course`` finds a course.

:func:`default_config` holds the course's settings, the one place they are written:
every ``cnnlib-course`` command starts from it and loads a ``nbgrader_config.py`` in
the course root on top; the repository's own ``nbgrader_config.py`` loads it too, so
plain ``nbgrader`` commands behave the same. ``CNNLIB_GRADEBOOK_URL`` overrides the
gradebook's URL.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

__all__ = ["COURSE_ID", "EXPORT_PLUGIN", "GRADEBOOK_ENV", "Course", "CourseError", "default_config", "ensure_gradebook",
           "gradebook_url", "load_course", "safe_url"]

COURSE_ID = "cnn-architectures"
GRADEBOOK_ENV = "CNNLIB_GRADEBOOK_URL"
#: The grade exporter of ``cnnlib-course export`` and plain ``nbgrader export``.
EXPORT_PLUGIN = "cnnlib.course.export.CourseExportPlugin"

SANITIZE_PREPROCESSORS = [
    "cnnlib.course.preprocessors.RestoreCells",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
AUTOGRADE_PREPROCESSORS = [
    "cnnlib.course.preprocessors.SandboxedExecute",
    "cnnlib.course.preprocessors.SaveJudgedGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
FEEDBACK_PREPROCESSORS = [
    "cnnlib.course.preprocessors.FeedbackFromVerdicts",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]


class CourseError(Exception):
    """A problem with the course or the command line, reported without a traceback."""


def default_config(root: str | os.PathLike) -> Config:
    """nbgrader settings of the course rooted at ``root``.

    The gradebook is ``gradebook.db`` (SQLite) in ``root``, or any SQLAlchemy URL (e.g.
    ``postgresql://user:password@host/gradebook``) in the environment variable
    ``CNNLIB_GRADEBOOK_URL`` (see :func:`gradebook_url`).
    """
    root = Path(root).resolve()
    c = Config()
    # Course layout: instructor notebooks in solutions/, student versions in exercises/.
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "exercises"
    c.CourseDirectory.submitted_directory = "submitted"
    c.CourseDirectory.autograded_directory = "autograded"
    c.CourseDirectory.feedback_directory = "feedback"
    c.CourseDirectory.db_url = gradebook_url(os.environ.get(GRADEBOOK_ENV)) or f"sqlite:///{root / 'gradebook.db'}"
    # Only notebooks are released. nbgrader copies every other file of a source folder into the
    # release; `cnnlib-course release` deletes those that match no glob here. Add e.g.
    # "data/*.csv" (in a course's nbgrader_config.py) to release a data file with an assignment.
    c.CourseDirectory.include = ["*.ipynb"]
    # Solution and hidden-test markers (matched anywhere in a line: "### BEGIN SOLUTION").
    c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
    c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
    c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"
    # Autograding: per-cell timeout (seconds) and per-submission wall-clock limit. Students' code
    # runs in a bubblewrap sandbox (cnnlib.course.sandbox); every cell's metadata is the
    # instructor's again, and test cells the student deleted or changed are restored.
    c.Execute.timeout = 120
    c.SandboxedExecute.submission_timeout = 900
    c.OverwriteCells.add_missing_cells = True
    c.Autograde.sanitize_preprocessors = list(SANITIZE_PREPROCESSORS)
    # Test cells never run in the student's kernel: SandboxedExecute replaces each by a probe
    # that reports the student's answers, the judge (cnnlib.course.judge) compares them outside
    # the sandbox, and SaveJudgedGrades writes the judge's scores (never from cell outputs).
    c.Autograde.autograde_preprocessors = list(AUTOGRADE_PREPROCESSORS)
    # Feedback: built from the judge's verdicts (hidden checks by name and in words, never their
    # code or expected values) and the outputs the student submitted, cut to a small size.
    c.GenerateFeedback.preprocessors = list(FEEDBACK_PREPROCESSORS)
    # A student writes the markdown and the outputs the feedback shows: they are sanitized
    # (scripts, event handlers, javascript: links removed) for whoever opens the page, with an
    # allow-list that keeps ordinary markdown and output (cnnlib.course.sanitize).
    c.HTMLExporter.sanitize_html = True
    c.HTMLExporter.filters = {"clean_html": "cnnlib.course.sanitize.clean_html",
                              "strip_files_prefix": "cnnlib.course.sanitize.strip_files_prefix"}
    # Grades: `cnnlib-course export` and plain `nbgrader export` write the same CSV
    # (CourseExportPlugin.format: plain, canvas or moodle).
    c.ExportApp.plugin_class = EXPORT_PLUGIN
    return c


@dataclass
class Course:
    """A course folder and its merged nbgrader configuration."""

    root: Path
    config: Config

    @property
    def source_dir(self) -> Path:
        return self.root / self.config.CourseDirectory.source_directory

    @property
    def release_dir(self) -> Path:
        return self.root / self.config.CourseDirectory.release_directory

    @property
    def submitted_dir(self) -> Path:
        return self.root / self.config.CourseDirectory.submitted_directory

    @property
    def autograded_dir(self) -> Path:
        return self.root / self.config.CourseDirectory.autograded_directory

    @property
    def feedback_dir(self) -> Path:
        return self.root / self.config.CourseDirectory.feedback_directory

    @property
    def db_url(self) -> str:
        return self.config.CourseDirectory.db_url

    def assignments(self) -> list[str]:
        """Folders of ``solutions/`` that contain at least one notebook or notebook source, sorted."""
        if not self.source_dir.is_dir():
            return []
        return sorted(p.name for p in self.source_dir.iterdir()
                      if p.is_dir() and not p.name.startswith(".") and self.notebooks(p.name))

    def notebooks(self, assignment: str) -> list[str]:
        """Notebook names (without ``.ipynb``) of an assignment's source folder: its notebooks, and
        the notebooks its jupytext sources generate (``<name>.py``)."""
        from .sources import source_of

        folder = self.source_dir / assignment
        names = {p.stem for p in folder.glob("*.ipynb")}
        names |= {p.stem for p in folder.glob("*.py") if source_of(p.with_suffix(".ipynb")) == p}
        return sorted(names)

    def instructor_only_files(self, assignment: str) -> list[str]:
        """Files of ``solutions/<assignment>/`` that are not released (not notebooks, and
        matching no glob of ``CourseDirectory.include``): the notebook sources with their
        solutions and hidden tests, ``slips.yml``. nbgrader's autograde copies every file of
        the source folder into ``autograded/`` and its feedback copies them on to
        ``feedback/``: these are kept out of both (:func:`cnnlib.course.autograde.grading_config`,
        :func:`cnnlib.course.reports.generate_feedback`)."""
        folder = self.source_dir / assignment
        include = list(self.config.CourseDirectory.include)
        found = []
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if d not in {".ipynb_checkpoints", "__pycache__"}]
            for name in filenames:
                rel = Path(dirpath, name).relative_to(folder).as_posix()
                if not name.endswith(".ipynb") and not is_released(rel, include):
                    found.append(rel)
        return sorted(found)

    def require_assignment(self, assignment: str) -> None:
        """Raise :class:`CourseError` unless ``solutions/<assignment>/`` has notebooks."""
        if not assignment or "/" in assignment or assignment.startswith("."):
            raise CourseError(f"invalid assignment name {assignment!r}")
        if assignment not in self.assignments():
            known = ", ".join(self.assignments()) or "none"
            raise CourseError(f"unknown assignment {assignment!r}: no notebook or notebook source in "
                              f"{self.source_dir / assignment} (assignments: {known})")


def is_released(rel: str, include: list[str] | tuple[str, ...]) -> bool:
    """Whether a file of an assignment's folder (``rel``: its path inside it) is given to the
    students: its path or its name matches a glob of ``CourseDirectory.include``."""
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(name, g) for g in include)


def gradebook_url(url: str | None) -> str | None:
    """A gradebook URL as SQLAlchemy needs it: spaces stripped, ``postgres://`` (Heroku's and
    libpq's spelling) as ``postgresql://``, and with SQLAlchemy older than 2.1 (whose default
    PostgreSQL driver is psycopg2) ``postgresql://`` as ``postgresql+psycopg://``: psycopg 3 is
    the driver the course installs. Other URLs are returned as they are; empty gives None."""
    url = (url or "").strip()
    if not url:
        return None
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://") and _sqlalchemy_before_2_1():
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _sqlalchemy_before_2_1() -> bool:
    from importlib.metadata import PackageNotFoundError, version

    try:
        numbers = [int(x) for x in re.findall(r"\d+", version("sqlalchemy"))[:2]]
    except PackageNotFoundError:
        return False
    return numbers < [2, 1]


def safe_url(db_url: str) -> str:
    """``db_url`` with its password replaced by ``***`` (for messages and logs)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy can parse: mask what looks like one
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", db_url)


def _scrub(text: str, db_url: str) -> str:
    """``text`` without the password of ``db_url``, plain or percent-encoded (in case a driver
    repeats it; a password under 4 characters is left, replacing it would garble the text)."""
    from urllib.parse import quote

    try:
        from sqlalchemy.engine import make_url

        password = make_url(db_url).password
    except Exception:  # noqa: BLE001 - unparsable URL: nothing to look for
        password = None
    if password and len(password) >= 4:
        for form in (password, quote(password, safe="")):
            text = text.replace(form, "***")
    return text


def ensure_gradebook(db_url: str) -> None:
    """Create the gradebook's tables if the database is empty; raise :class:`CourseError`,
    naming the URL without its password and what to check, when it cannot be reached.

    nbgrader creates the tables itself, but finds the schema version by running the
    ``alembic`` executable in a subprocess (slow, and it must be on PATH); here
    the version is read in-process from nbgrader's migration scripts.
    """
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory
    from nbgrader.api import Base
    from nbgrader.dbutil import _temp_alembic_ini
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

    shown = safe_url(db_url)
    where = f"the URL comes from {GRADEBOOK_ENV} or else CourseDirectory.db_url in nbgrader_config.py"
    if db_url.startswith("sqlite:///"):
        Path(db_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(db_url, **_connect_args(db_url))
    except (NoSuchModuleError, ImportError) as exc:
        driver = ("; PostgreSQL needs psycopg: pip install 'cnnlib[course]' (or 'psycopg[binary]')"
                  if db_url.startswith("postgres") else "")
        raise CourseError(f"no database driver for the gradebook URL {shown}: {exc}{driver}") from None
    except (ArgumentError, ValueError) as exc:
        raise CourseError(f"invalid gradebook URL {shown}: {_scrub(str(exc), db_url)} (expected e.g. "
                          f"sqlite:////path/gradebook.db or postgresql://user:password@host:5432/database; "
                          f"{where})") from None
    try:
        if inspect(engine).get_table_names():
            return
        # Only the migration scripts are read (no database): the URL, whose password may hold a
        # "%", must not go into the .ini file.
        with _temp_alembic_ini("sqlite://") as ini:
            head = ScriptDirectory.from_config(AlembicConfig(ini)).get_current_head()
        Base.metadata.create_all(bind=engine)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": head})
    except DBAPIError as exc:
        reason = _scrub(str(getattr(exc, "orig", None) or exc).strip(), db_url)
        reason = "; ".join(line.strip() for line in reason.splitlines() if line.strip())
        check = ("check that the database server is running and accepts connections at that host and port, "
                 "that the user name and password are right, and that the database exists "
                 "(PostgreSQL: `createdb -h HOST -U USER DATABASE`)") if not db_url.startswith("sqlite") else \
            "check that the file is a gradebook and that its folder is writable"
        raise CourseError(f"cannot use the gradebook database {shown}: {reason}\n{check}; {where}") from None
    except SQLAlchemyError as exc:
        raise CourseError(f"cannot use the gradebook database {shown}: {_scrub(str(exc), db_url)}") from None
    finally:
        engine.dispose()


def _connect_args(db_url: str) -> dict:
    """Fail fast on an unreachable PostgreSQL host instead of waiting for TCP's timeout."""
    if db_url.startswith("postgresql"):
        return {"connect_args": {"connect_timeout": 15}}
    return {}


def load_course(root: str | os.PathLike | None = None) -> Course:
    """The course at ``root`` (default: the current directory)."""
    path = Path(root if root is not None else os.getcwd()).expanduser()
    if not path.is_dir():
        raise CourseError(f"course root {path} does not exist or is not a directory")
    path = path.resolve()
    config = default_config(path)
    local = path / "nbgrader_config.py"
    if local.is_file():
        try:
            config.merge(PyFileConfigLoader(local.name, path=str(path)).load_config())
        except Exception as exc:  # noqa: BLE001 - any error in the user's config file
            raise CourseError(f"cannot load {local}: {exc}") from exc
    config.CourseDirectory.root = str(path)
    url = gradebook_url(os.environ.get(GRADEBOOK_ENV)) or gradebook_url(config.CourseDirectory.get("db_url"))
    if url:
        config.CourseDirectory.db_url = url
    return Course(root=path, config=config)
