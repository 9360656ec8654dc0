"""Feedback HTML for students and the grade export for the instructor (:mod:`cnnlib.course.export`)."""

from __future__ import annotations

from pathlib import Path

from .config import Course, CourseError, ensure_gradebook
from .export import FORMULA_START, csv_safe  # noqa: F401 - csv_safe is part of this module's API

__all__ = ["csv_safe", "export_grades", "generate_feedback", "ungraded_submissions"]


def generate_feedback(course: Course, assignment: str) -> list[Path]:
    """Write ``feedback/<student>/<assignment>/<notebook>.html`` for every autograded student.

    Built from the judge's verdicts and the student's own submitted outputs
    (:class:`cnnlib.course.preprocessors.FeedbackFromVerdicts`): no hidden test code,
    no expected value of a hidden check, nothing the kernel printed while grading.
    """
    from .locking import grading_session

    course.require_assignment(assignment)
    # Not while a grading command runs: its students' notebooks are half graded.
    with grading_session(course, f"feedback {assignment}"):
        return _generate_feedback(course, assignment)


def _generate_feedback(course: Course, assignment: str) -> list[Path]:
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    from .autograde import quiet_nbgrader
    from .release import _log_of

    graded = sorted(p for p in course.autograded_dir.glob(f"*/{assignment}") if p.is_dir())
    if not graded:
        raise CourseError(f"nothing to give feedback on: no autograded submission of {assignment!r} in "
                          f"{course.autograded_dir} (run `cnnlib-course autograde {assignment}` first)")
    ensure_gradebook(course.db_url)  # a clear message when the database cannot be reached
    config = course.config
    steps = [str(getattr(p, "__name__", p)) for p in config.GenerateFeedback.get("preprocessors", [])]
    if not steps or not steps[0].endswith("FeedbackFromVerdicts"):
        raise CourseError("GenerateFeedback.preprocessors must start with "
                          "cnnlib.course.preprocessors.FeedbackFromVerdicts (hidden tests and the kernel's "
                          "output while grading would be shown)")
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    coursedir.student_id = "*"
    converter = GenerateFeedback(coursedir=coursedir, config=config)
    converter.force = True
    with quiet_nbgrader():
        result = capture_log(converter)
    if not result["success"]:
        raise CourseError(f"could not generate feedback for {assignment!r}:\n{_log_of(result)}")
    # nbgrader copies the other files of autograded/<student>/<assignment>/ along; those graded
    # before autograde kept the instructor's files out may hold the sources with the solutions.
    for rel in course.instructor_only_files(assignment):
        for folder in course.feedback_dir.glob(f"*/{assignment}"):
            (folder / rel).unlink(missing_ok=True)
    return sorted(course.feedback_dir.glob(f"*/{assignment}/*.html"))


def export_grades(course: Course, path: str | Path | None = None, fmt: str | None = None) -> int:
    """Write the grades with the course's nbgrader exporter; return the number of data rows.

    ``fmt`` is ``plain`` (one row per student and released assignment: ``student_id,
    first_name, last_name, assignment, score, max_score, submitted, needs_manual_grade``; a
    student without a submission gets score 0), ``canvas`` or ``moodle`` (a gradebook CSV for
    that LMS's grade import, one row per student); by default ``CourseExportPlugin.format``
    of the course's configuration (``plain``). ``path`` defaults to
    :func:`cnnlib.course.export.default_target`. The same plugin writes ``nbgrader export``'s
    file (see :mod:`cnnlib.course.export`); text cells that a spreadsheet would run as a formula
    are escaped (:func:`csv_safe`).
    """
    from nbgrader.api import Gradebook

    from .autograde import quiet_nbgrader
    from .export import FORMATS, CourseExportPlugin

    if fmt is not None and fmt not in FORMATS:
        raise CourseError(f"unknown export format {fmt!r} (formats: {', '.join(FORMATS)})")
    if course.db_url.startswith("sqlite:///") and not Path(course.db_url[len("sqlite:///"):]).is_file():
        raise CourseError(f"no gradebook at {course.db_url[len('sqlite:///'):]}: is {course.root} the "
                          "course folder? Run the command there (where solutions/ and gradebook.db are) "
                          "or give --course FOLDER")
    ensure_gradebook(course.db_url)
    plugin = CourseExportPlugin(config=course.config)
    if fmt is not None:
        plugin.format = fmt
    if path is not None:
        plugin.to = str(path)
    with quiet_nbgrader(), Gradebook(course.db_url, course.config.CourseDirectory.course_id) as gb:
        plugin.export(gb)
    return plugin.rows_written


def ungraded_submissions(course: Course) -> dict[str, list[str]]:
    """Collected submissions that were never graded: ``{assignment: [student, ...]}``.

    A submission counts as graded once ``autograded/<student>/<assignment>/`` holds every
    notebook of ``submitted/<student>/<assignment>/``. An export shows the others as 0
    (nbgrader's score of a submission it never graded).
    """
    found: dict[str, list[str]] = {}
    for folder in sorted(p for p in course.submitted_dir.glob("*/*") if p.is_dir()):
        student, assignment = folder.parent.name, folder.name
        for notebook in folder.glob("*.ipynb"):
            graded = course.autograded_dir / student / assignment / notebook.name
            if not graded.is_file():
                found.setdefault(assignment, []).append(student)
                break
    return found
