"""nbgrader configuration of the course, read by plain ``nbgrader`` run in this folder.

The course's settings live in one place, ``cnnlib.course.config.default_config``: this file
loads them, so plain ``nbgrader`` commands behave as ``cnnlib-course``, which starts from the
same settings and loads this file on top. ``tests/test_course.py`` checks that plain nbgrader
sees them.

Gradebook: ``gradebook.db`` (SQLite) next to this file, or any SQLAlchemy URL
(e.g. ``postgresql://user:password@host/gradebook``) in the environment variable
``CNNLIB_GRADEBOOK_URL``.
"""

import os

from cnnlib.course.config import default_config

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file
c.merge(default_config(os.path.dirname(os.path.abspath(__file__))))

# Your own settings go below; they win over the course's. For example:
# c.Execute.timeout = 300
# c.CourseDirectory.include = ["*.ipynb", "data/*.csv"]  # also release data files
