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
# runs in a bubblewrap sandbox (cnnlib.course.sandbox); test cells the student deleted or
# changed are restored from the gradebook.
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
c.Autograde.autograde_preprocessors = [
    "cnnlib.course.preprocessors.SandboxedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback: nbgrader shows hidden tests in feedback by default. HideHiddenTests removes them,
# hides the output of cells that contain them (a traceback would quote the hidden assertion)
# and redacts any other output that quotes a hidden test line.
c.HideHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.HideHiddenTests.end_test_delimeter = "END HIDDEN TESTS"
c.GenerateFeedback.preprocessors = [
    "cnnlib.course.preprocessors.HideHiddenTests",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
