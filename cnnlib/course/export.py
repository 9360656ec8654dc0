"""The course's grade exporter: an nbgrader export plugin writing a plain CSV, or a gradebook
CSV for Canvas or Moodle to import.

The course's settings (:func:`cnnlib.course.config.default_config`) make it nbgrader's
exporter (``c.ExportApp.plugin_class``), so ``cnnlib-course export`` and plain
``nbgrader export`` run in the course folder write the same file. With nbgrader::

    nbgrader export --to grades.csv                                   # plain
    nbgrader export --CourseExportPlugin.format=canvas --to canvas.csv
    nbgrader export --assignment='["ch04_vgg"]' --student='["1234"]'  # nbgrader's own filters

Formats (:data:`FORMATS`):

``plain``
    One row per student and assignment: ``student_id, first_name, last_name, assignment,
    score, max_score, submitted, needs_manual_grade``. A student without a submission gets
    score 0 and ``submitted`` = ``no``.

``canvas``
    Canvas's gradebook import (Grades > Import): the columns ``Student, ID, SIS User ID,
    SIS Login ID, Section``, then one column per assignment, named as the assignment (a column
    whose name matches no Canvas assignment creates one), one row per student, after a
    ``Points Possible`` row with each assignment's maximum. The student's nbgrader id goes in
    the column named by ``CourseExportPlugin.canvas_id_column``: ``ID`` (default), Canvas's
    user id, which is what ``cnnlib-course collect`` takes from a Canvas "Download
    Submissions" zip; ``SIS User ID`` or ``SIS Login ID`` for courses whose student ids are
    those. ``Student`` is "Last, First". Canvas matches a row by one of these columns, so the
    others may stay empty. Docs: Canvas Instructor Guide, "How do I import grades in the
    Gradebook?" (https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807);
    the required columns, as summarised by Ohio State's CarmenCanvas guide
    (https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades):
    "Student Name (last name, first name) OR Student ID OR Student SIS User ID", "SIS Login
    ID", "Section" and the assignment column; new assignment columns create new assignments.

``moodle``
    Moodle's gradebook import (Grade administration > Import > CSV file): a CSV with a header
    row, user identifier columns and one grade column per assignment. The columns are
    ``First name, Last name, ID number, Email address`` (as in Moodle's own grade export),
    then one column per assignment, named as the assignment. At import, map "ID number" to
    ``useridnumber`` (the nbgrader student id is there) or "Email address" to ``useremail``
    ("Identify user by": Map from / Map to), and each assignment column to its grade item or
    to a new grade item. A student id that ``cnnlib-course collect`` took from a Moodle zip is
    the assignment's *participant* number, not the user's ID number: set the students'
    e-mail addresses in the gradebook (``nbgrader db student add --email``) and map by e-mail.
    Docs: MoodleDocs, "Grade import" (https://docs.moodle.org/en/Grade_import): "By default
    'Map from' is set to First Name, and 'Map to' to userid. Change both dropdowns to: 'Email
    Address' to 'useremail', or to 'Id Number' to 'useridnumber'".

In every format the score is the one the student gets: the autograded (and manually graded)
points less nbgrader's late-submission penalty, never below 0. Text cells that a spreadsheet
would run as a formula are escaped (:func:`csv_safe`). Rows are sorted by student id,
columns by assignment name; ``ExportPlugin.student`` and ``ExportPlugin.assignment``
(nbgrader's ``--student`` and ``--assignment``) restrict the export.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import ExportPlugin
from traitlets import Enum, Int

__all__ = ["FORMATS", "CourseExportPlugin", "GradeRecord", "csv_safe", "default_target", "grade_records"]

FORMATS = ("plain", "canvas", "moodle")
PLAIN_COLUMNS = ["student_id", "first_name", "last_name", "assignment", "score", "max_score", "submitted",
                 "needs_manual_grade"]
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_COLUMNS = ["First name", "Last name", "ID number", "Email address"]

#: A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """``value`` for a CSV cell: text that a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def default_target(fmt: str) -> str:
    """The file written when no ``--to`` is given: ``grades.csv`` (nbgrader's default) for the
    plain format, ``grades-canvas.csv`` and ``grades-moodle.csv`` for the others."""
    return "grades.csv" if fmt == "plain" else f"grades-{fmt}.csv"


@dataclass(frozen=True)
class GradeRecord:
    """One student's result on one assignment."""

    student_id: str
    first_name: str
    last_name: str
    email: str
    assignment: str
    score: float
    max_score: float
    submitted: bool
    needs_manual_grade: bool


def grade_records(gradebook: Gradebook, students=(), assignments=()) -> list[GradeRecord]:
    """Every (student, assignment) of the gradebook, sorted by student id then assignment name;
    ``students`` / ``assignments`` (ids, names) restrict them when not empty."""
    wanted_students = {str(s) for s in students}
    wanted_assignments = {str(a) for a in assignments}
    chosen = sorted((a for a in gradebook.assignments if not wanted_assignments or a.name in wanted_assignments),
                    key=lambda a: a.name)
    records = []
    for student in sorted(gradebook.students, key=lambda s: s.id):
        if wanted_students and student.id not in wanted_students:
            continue
        names = (student.first_name or "", student.last_name or "", student.email or "")
        for assignment in chosen:
            try:
                submission = gradebook.find_submission(assignment.name, student.id)
            except MissingEntry:
                records.append(GradeRecord(student.id, *names, assignment.name, 0.0, float(assignment.max_score),
                                           False, False))
                continue
            penalty = float(submission.late_submission_penalty or 0.0)
            records.append(GradeRecord(student.id, *names, assignment.name,
                                       max(0.0, float(submission.score) - penalty), float(submission.max_score),
                                       True, bool(submission.needs_manual_grade)))
    return records


def _points(value: float) -> float:
    return round(float(value), 4)


class CourseExportPlugin(ExportPlugin):
    """nbgrader's exporter for the course: ``format`` is ``plain``, ``canvas`` or ``moodle``
    (see :mod:`cnnlib.course.export`); ``to`` is the file (default :func:`default_target`)."""

    format = Enum(list(FORMATS), default_value="plain",
                  help="plain: a row per student and assignment; canvas / moodle: a gradebook CSV "
                       "for that LMS's grade import").tag(config=True)
    canvas_id_column = Enum(["ID", "SIS User ID", "SIS Login ID"], default_value="ID",
                            help="The Canvas column that holds the nbgrader student id").tag(config=True)
    rows_written = Int(0, help="Data rows the last export wrote (the Points Possible row not counted)")

    def export(self, gradebook: Gradebook) -> None:
        dest = Path(self.to or default_target(self.format))
        records = grade_records(gradebook, self.student, self.assignment)
        self.log.info("Exporting grades (%s format) to %s", self.format, dest)
        header, rows = getattr(self, f"_{self.format}")(records)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with dest.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow([csv_safe(cell) for cell in header])
            writer.writerows([[csv_safe(cell) for cell in row] for row in rows])
        self.rows_written = len(rows) - (1 if self.format == "canvas" else 0)

    @staticmethod
    def _plain(records: list[GradeRecord]) -> tuple[list, list[list]]:
        return PLAIN_COLUMNS, [[r.student_id, r.first_name, r.last_name, r.assignment, _points(r.score),
                                _points(r.max_score), "yes" if r.submitted else "no",
                                "yes" if r.needs_manual_grade else "no"] for r in records]

    @staticmethod
    def _by_student(records: list[GradeRecord]) -> tuple[list[str], dict[str, dict[str, GradeRecord]]]:
        assignments = sorted({r.assignment for r in records})
        table: dict[str, dict[str, GradeRecord]] = {}
        for r in records:
            table.setdefault(r.student_id, {})[r.assignment] = r
        return assignments, table

    def _canvas(self, records: list[GradeRecord]) -> tuple[list, list[list]]:
        assignments, table = self._by_student(records)
        maxima = {r.assignment: _points(r.max_score) for r in records}
        id_index = CANVAS_COLUMNS.index(self.canvas_id_column)
        rows = [["Points Possible", "", "", "", "", *[maxima[a] for a in assignments]]]
        for student_id, results in table.items():
            first = next(iter(results.values()))
            name = ", ".join(part for part in (first.last_name, first.first_name) if part) or student_id
            row = [name, "", "", "", ""]
            row[id_index] = student_id
            rows.append(row + [_points(results[a].score) for a in assignments])
        return CANVAS_COLUMNS + assignments, rows

    def _moodle(self, records: list[GradeRecord]) -> tuple[list, list[list]]:
        assignments, table = self._by_student(records)
        rows = []
        for student_id, results in table.items():
            first = next(iter(results.values()))
            rows.append([first.first_name, first.last_name, student_id, first.email,
                         *[_points(results[a].score) for a in assignments]])
        return MOODLE_COLUMNS + assignments, rows
