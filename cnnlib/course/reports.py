"""Feedback HTML for students and the grade export for the instructor."""

from __future__ import annotations

import csv
from pathlib import Path

from .config import Course, CourseError, ensure_gradebook

__all__ = ["csv_safe", "export_grades", "generate_feedback"]

#: A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """``value`` for a CSV cell: text that a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def generate_feedback(course: Course, assignment: str) -> list[Path]:
    """Write ``feedback/<student>/<assignment>/<notebook>.html`` for every autograded student.

    Built from the judge's verdicts and the student's own submitted outputs
    (:class:`cnnlib.course.preprocessors.FeedbackFromVerdicts`): no hidden test code,
    no expected value of a hidden check, nothing the kernel printed while grading.
    """
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    from .autograde import quiet_nbgrader
    from .release import _log_of

    course.require_assignment(assignment)
    graded = sorted(p for p in course.autograded_dir.glob(f"*/{assignment}") if p.is_dir())
    if not graded:
        raise CourseError(f"nothing to give feedback on: no autograded submission of {assignment!r} in "
                          f"{course.autograded_dir} (run `cnnlib-course autograde {assignment}` first)")
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
    return sorted(course.feedback_dir.glob(f"*/{assignment}/*.html"))


def export_grades(course: Course, path: str | Path) -> int:
    """Write one CSV row per student and released assignment; return the number of rows.

    Columns: ``student_id, first_name, last_name, assignment, score, max_score,
    submitted, needs_manual_grade``. A student without a submission gets score 0. Text cells
    that a spreadsheet would run as a formula are escaped (:func:`csv_safe`).
    """
    from nbgrader.api import Gradebook, MissingEntry

    from .autograde import quiet_nbgrader

    ensure_gradebook(course.db_url)
    rows = []
    with quiet_nbgrader(), Gradebook(course.db_url, course.config.CourseDirectory.course_id) as gb:
        assignments = sorted(gb.assignments, key=lambda a: a.name)
        for student in sorted(gb.students, key=lambda s: s.id):
            for assignment in assignments:
                try:
                    submission = gb.find_submission(assignment.name, student.id)
                except MissingEntry:
                    rows.append([student.id, student.first_name or "", student.last_name or "",
                                 assignment.name, 0.0, float(assignment.max_score), "no", "no"])
                    continue
                rows.append([student.id, student.first_name or "", student.last_name or "", assignment.name,
                             float(submission.score), float(submission.max_score), "yes",
                             "yes" if submission.needs_manual_grade else "no"])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student_id", "first_name", "last_name", "assignment", "score", "max_score",
                         "submitted", "needs_manual_grade"])
        writer.writerows([[csv_safe(cell) for cell in row] for row in rows])
    return len(rows)
