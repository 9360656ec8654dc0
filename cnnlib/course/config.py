"""The course's nbgrader configuration and how ``cnnlib-course`` finds a course.

:func:`default_config` holds the course's settings, the one place they are written:
every ``cnnlib-course`` command starts from it and loads a ``nbgrader_config.py`` in
the course root on top; the repository's own ``nbgrader_config.py`` loads it too, so
plain ``nbgrader`` commands behave the same. ``CNNLIB_GRADEBOOK_URL`` overrides the
gradebook's URL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

__all__ = ["COURSE_ID", "GRADEBOOK_ENV", "Course", "CourseError", "default_config", "ensure_gradebook", "load_course"]

COURSE_ID = "cnn-architectures"
GRADEBOOK_ENV = "CNNLIB_GRADEBOOK_URL"

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
    ``CNNLIB_GRADEBOOK_URL``.
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
    c.CourseDirectory.db_url = os.environ.get(GRADEBOOK_ENV) or f"sqlite:///{root / 'gradebook.db'}"
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

    def require_assignment(self, assignment: str) -> None:
        """Raise :class:`CourseError` unless ``solutions/<assignment>/`` has notebooks."""
        if not assignment or "/" in assignment or assignment.startswith("."):
            raise CourseError(f"invalid assignment name {assignment!r}")
        if assignment not in self.assignments():
            known = ", ".join(self.assignments()) or "none"
            raise CourseError(f"unknown assignment {assignment!r}: no notebook or notebook source in "
                              f"{self.source_dir / assignment} (assignments: {known})")


def ensure_gradebook(db_url: str) -> None:
    """Create the gradebook's tables if the database is empty.

    nbgrader does this itself, but finds the schema version by running the
    ``alembic`` executable in a subprocess (slow, and it must be on PATH); here
    the version is read in-process from nbgrader's migration scripts.
    """
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory
    from nbgrader.api import Base
    from nbgrader.dbutil import _temp_alembic_ini
    from sqlalchemy import create_engine, inspect, text

    if db_url.startswith("sqlite:///"):
        Path(db_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(db_url)
    try:
        if inspect(engine).get_table_names():
            return
        with _temp_alembic_ini(db_url) as ini:
            head = ScriptDirectory.from_config(AlembicConfig(ini)).get_current_head()
        Base.metadata.create_all(bind=engine)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": head})
    finally:
        engine.dispose()


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
    url = os.environ.get(GRADEBOOK_ENV)
    if url:
        config.CourseDirectory.db_url = url
    return Course(root=path, config=config)
