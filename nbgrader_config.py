"""nbgrader configuration of the course (read by ``cnnlib-course`` and by plain ``nbgrader``).

``cnnlib-course`` starts from the same settings (``cnnlib.course.config.default_config``)
and loads this file on top; ``tests/test_course.py`` checks the two agree.

Gradebook: ``gradebook.db`` (SQLite) next to this file, or any SQLAlchemy URL
(e.g. ``postgresql://user:password@host/gradebook``) in the environment variable
``CNNLIB_GRADEBOOK_URL``.
"""

import os

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file
ROOT = os.path.dirname(os.path.abspath(__file__))

# Course layout: instructor notebooks in solutions/, student versions in exercises/.
c.CourseDirectory.root = ROOT
c.CourseDirectory.course_id = "cnn-architectures"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = os.environ.get("CNNLIB_GRADEBOOK_URL") or "sqlite:///" + os.path.join(ROOT, "gradebook.db")

# Only notebooks are released. nbgrader copies every other file of a source folder into the
# release; `cnnlib-course release` deletes those that match no glob here. Add e.g. "data/*.csv"
# to release a data file with an assignment.
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
c.Autograde.sanitize_preprocessors = [
    "cnnlib.course.preprocessors.RestoreCells",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Test cells never run in the student's kernel: SandboxedExecute replaces each by a probe that
# reports the student's answers, the judge (cnnlib.course.judge) compares them outside the
# sandbox, and SaveJudgedGrades writes the judge's scores (never derived from cell outputs).
c.Autograde.autograde_preprocessors = [
    "cnnlib.course.preprocessors.SandboxedExecute",
    "cnnlib.course.preprocessors.SaveJudgedGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback: built from the judge's verdicts (hidden checks by name and in words, never their code
# or expected values) and the outputs the student submitted, cut to a small size.
c.GenerateFeedback.preprocessors = [
    "cnnlib.course.preprocessors.FeedbackFromVerdicts",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
