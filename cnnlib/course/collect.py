"""Bring students' submissions into ``submitted/<student>/<assignment>/``.

Accepted layouts, at the top of a folder or of a ``.zip``:

* ``<student>/<notebook>.ipynb`` - one folder per student (the student id is the
  folder name);
* ``<student>/<assignment>/<notebook>.ipynb`` - nbgrader's own layout, with the
  ``timestamp.txt`` its exchange writes there (the submission time nbgrader's late penalty is
  computed from), which is checked and kept. It is taken as the truth: collect it only from
  nbgrader's exchange, never from folders students can write to;
* Canvas "Download Submissions": ``<name>_<userid>_<submissionid>_<notebook>.ipynb``
  (``<name>_LATE_...`` for late ones; Canvas's resubmission suffixes ``-1``, ``-2``
  ... are removed from the notebook name);
* Moodle "Download all submissions": ``<Full Name>_<id>_assignsubmission_file_/<notebook>.ipynb``
  (folders) or ``<Full Name>_<id>_assignsubmission_file_<notebook>.ipynb`` (flat).

Identity comes from the LMS's own numeric ids (Canvas user id, Moodle participant
id), never from a display name, which students control: the name only goes into
the gradebook's name fields. Two files claiming the same student and notebook
under *different* names (two Canvas users called alike, a Moodle name crafted to
contain another participant's id) are a collision: both are refused and reported,
never merged. A file whose name contains the Moodle id pattern twice is refused as
ambiguous. Copies of one identity (``-1``, `` (1)``, ``Copy of``, ``-Copy1``) are
resubmissions: the newest wins and the older ones are reported.

A file is collected only if its name (after removing copy marks) is a notebook of
the assignment, it is a valid notebook, and it is not larger than
``CourseDirectory.max_file_size``. Everything else is skipped with a reason:
other files, invalid student ids, zip entries with absolute paths, ``..``,
backslashes or symlinks (path traversal). The files are copied to fixed
destinations built from the validated student id and the assignment's own
notebook names; nothing is ever extracted to a path taken from the archive.

A folder around everything (``submissions/alice/...``) is not looked into: whether
``submissions/`` holds the students' folders or *is* a student's folder holding
folders named like other students cannot be told from the files, and guessing let
one student's folder stand in for others. Such files are skipped with a reason that
says to collect from that folder itself (LMS archives have no such folder).
"""

from __future__ import annotations

import re
import stat
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat

from .config import Course, CourseError, ensure_gradebook

__all__ = ["CollectReport", "collect", "notebook_problem", "valid_student_id"]

#: nbgrader's record of when a submission was made (``submitted/<student>/<assignment>/timestamp.txt``).
TIMESTAMP_FILE = "timestamp.txt"
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
_CANVAS = re.compile(r"^(?P<login>[A-Za-z0-9][A-Za-z0-9.@-]*)(?:_LATE)?_(?P<uid>\d+)_(?P<sub>\d+)_(?P<name>.+)$")
_MOODLE = re.compile(r"^(?P<full>.+?)_(?P<id>\d+)_assignsubmission_(?:file|onlinetext)_(?P<name>.*)$")
_MOODLE_MARK = re.compile(r"_\d+_assignsubmission_(?:file|onlinetext)_")
_COPY_SUFFIX = re.compile(r"(?:-\d+| \(\d+\)|-Copy\d*)$")
_COPY_PREFIX = re.compile(r"^(?:Copy of )+")


def valid_student_id(student: str) -> bool:
    """Whether ``student`` is usable as a folder name and nbgrader student id."""
    return bool(_SAFE_ID.fullmatch(student)) and student not in {".", ".."}


@dataclass
class _Candidate:
    student: str
    notebook: str
    origin: str
    load: Callable[[], bytes]
    size: int
    order: tuple
    first_name: str | None = None
    last_name: str | None = None
    identity: str = ""


@dataclass
class CollectReport:
    """What ``collect`` did: collected ``(student, notebook, origin)`` and skipped ``(origin, reason)``."""

    collected: list[tuple[str, str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    collisions: list[str] = field(default_factory=list)
    #: submission times kept: ``(student, time as written, origin)``
    timestamps: list[tuple[str, str, str]] = field(default_factory=list)
    #: files an LMS marks late (Canvas's ``_LATE_``) whose archive carries no submission time
    late_without_time: list[str] = field(default_factory=list)
    #: files of each submitter (student folder, Canvas user id, Moodle participant id), collected or not
    files_of: dict[str, list[str]] = field(default_factory=dict)
    #: the ``timestamp.txt`` files found, by student: ``(origin, read)``
    stamp_files: dict[str, tuple[str, Callable[[], bytes]]] = field(default_factory=dict, repr=False)

    @property
    def without_notebook(self) -> dict[str, list[tuple[str, str]]]:
        """Submitters none of whose files was collected, with each file's reason."""
        reasons = dict(self.skipped)
        return {who: [(origin, reasons.get(origin, "not collected")) for origin in origins]
                for who, origins in sorted(self.files_of.items()) if who not in self.students}

    @property
    def students(self) -> list[str]:
        return sorted({s for s, _, _ in self.collected})


def _unsafe_path(name: str) -> str | None:
    """Why an archive member name is unsafe, or None."""
    if "\\" in name or "\x00" in name:
        return "path traversal: backslash or NUL in the name"
    path = PurePosixPath(name)
    if path.is_absolute() or re.match(r"^[A-Za-z]:", name):
        return "path traversal: absolute path"
    if ".." in path.parts:
        return "path traversal: '..' in the path"
    return None


def _not_ours(filename: str, notebooks: set[str]) -> str:
    """Why ``filename`` is not a notebook of the assignment, in words a student would recognise."""
    names = " or ".join(f"{n}.ipynb" for n in sorted(notebooks))
    if not filename.endswith(".ipynb"):
        return f"not a notebook of the assignment: not a .ipynb file (expected {names})"
    example = sorted(notebooks)[0]
    return (f"not a notebook of the assignment: expected {names} (copies named 'Copy of {example}.ipynb', "
            f"'{example} (1).ipynb' or '{example}-Copy1.ipynb' are accepted)")


def _submitter(parts: tuple[str, ...]) -> str | None:
    """Who a file comes from, as collect would name them (None: a file outside any student's)."""
    if len(parts) == 1:
        for pattern, key in ((_MOODLE, "id"), (_CANVAS, "uid")):
            match = pattern.match(parts[0])
            if match:
                return match[key]
        return None
    match = _MOODLE.match(parts[0])
    return match["id"] if match else parts[0]


def _notebook_name(filename: str, notebooks: set[str]) -> str | None:
    if not filename.endswith(".ipynb"):
        return None
    stem = filename[: -len(".ipynb")]
    bare = _COPY_PREFIX.sub("", stem)
    for candidate in (stem, _COPY_SUFFIX.sub("", stem), bare, _COPY_SUFFIX.sub("", bare)):
        if candidate in notebooks:
            return candidate
    return None


def _split_name(full: str) -> tuple[str | None, str | None]:
    parts = full.replace("_", " ").split()
    if not parts:
        return None, None
    return " ".join(parts[:-1]) or None, parts[-1]


def _interpret(parts: tuple[str, ...], assignment: str, notebooks: set[str]) -> tuple[dict | None, str]:
    """Student and notebook of a relative path, or (None, reason)."""
    filename = parts[-1]
    for part in parts[:2]:
        if len(_MOODLE_MARK.findall(part)) > 1:
            return None, ("ambiguous Moodle name: it contains the participant-id pattern twice "
                          "(a crafted name?); collect this file by hand")
    if len(parts) == 1:
        match = _MOODLE.match(filename)
        if match:
            name = _notebook_name(match["name"], notebooks)
            first, last = _split_name(match["full"])
            return ({"student": match["id"], "notebook": name, "first_name": first, "last_name": last,
                     "identity": match["full"]} if name else None), _not_ours(match["name"], notebooks)
        match = _CANVAS.match(filename)
        if match:
            name = _notebook_name(match["name"], notebooks)
            return ({"student": match["uid"], "notebook": name, "last_name": match["login"],
                     "identity": match["login"].lower()} if name else None), _not_ours(match["name"], notebooks)
        return None, "not in a student folder and not an LMS file name"
    if len(parts) == 2 or (len(parts) == 3 and parts[1] == assignment):
        folder = parts[0]
        if filename == TIMESTAMP_FILE and len(parts) == 3 and not _MOODLE.match(folder):
            return {"student": folder, "timestamp": True}, ""
        name = _notebook_name(filename, notebooks)
        if name is None:
            return None, _not_ours(filename, notebooks)
        match = _MOODLE.match(folder)
        if match:
            first, last = _split_name(match["full"])
            return {"student": match["id"], "notebook": name, "first_name": first, "last_name": last,
                    "identity": match["full"]}, ""
        return {"student": folder, "notebook": name, "identity": folder}, ""
    return None, "unexpected folder depth"


def _entries_from_folder(folder: Path, max_bytes: int) -> tuple[list, list[tuple[str, str]]]:
    entries, skipped = [], []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        if path.is_symlink():
            skipped.append((rel, "symbolic link"))
            continue
        if not path.is_file():
            continue
        size = path.stat().st_size
        entries.append((tuple(path.relative_to(folder).parts), rel, size, path.stat().st_mtime,
                        lambda p=path: p.read_bytes()))
    return entries, skipped


def _entries_from_zip(archive: zipfile.ZipFile, max_bytes: int) -> tuple[list, list[tuple[str, str]]]:
    entries, skipped = [], []
    for info in archive.infolist():
        if info.is_dir():
            continue
        name = info.filename
        reason = _unsafe_path(name)
        if reason is None and stat.S_ISLNK(info.external_attr >> 16):
            reason = "symbolic link"
        if reason is not None:
            skipped.append((name, reason))
            continue
        parts = tuple(p for p in PurePosixPath(name).parts if p not in ("", "."))
        if not parts or any(p.startswith(".") or p == "__MACOSX" for p in parts):
            continue

        def load(info=info) -> bytes:
            with archive.open(info) as fh:
                data = fh.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise ValueError("larger than the size limit once decompressed")
            return data

        entries.append((parts, name, info.file_size, tuple(info.date_time), load))
    return entries, skipped


def collect(course: Course, assignment: str, source: str | Path) -> CollectReport:
    """Copy the submissions of ``assignment`` found in ``source`` (folder or zip) into ``submitted/``."""
    from nbgrader.api import Gradebook, MissingEntry

    from .autograde import quiet_nbgrader

    course.require_assignment(assignment)
    source = Path(source)
    if not source.exists():
        raise CourseError(f"{source} does not exist")
    ensure_gradebook(course.db_url)
    with quiet_nbgrader(), Gradebook(course.db_url, course.config.CourseDirectory.course_id) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(f"assignment {assignment!r} is not in the gradebook; "
                              f"run `cnnlib-course release {assignment}` first") from None
    notebooks = set(course.notebooks(assignment))
    max_bytes = int(course.config.CourseDirectory.get("max_file_size", 100000)) * 1000
    report = CollectReport()
    archive = None
    try:
        if source.is_dir():
            entries, report.skipped = _entries_from_folder(source, max_bytes)
        elif zipfile.is_zipfile(source):
            archive = zipfile.ZipFile(source)
            entries, report.skipped = _entries_from_zip(archive, max_bytes)
        else:
            with open(source, "rb") as fh:
                start = fh.read(4)
            if start == b"PK\x03\x04":
                raise CourseError(f"{source} starts as a zip file but is damaged or cut short (its table of "
                                  "contents at the end is missing): download or copy it again")
            raise CourseError(f"{source} is neither a folder nor a zip file")
        candidates = _candidates(entries, assignment, notebooks, max_bytes, report)
        _write(course, assignment, candidates, report)
    finally:
        if archive is not None:
            archive.close()
    if report.collected:
        with quiet_nbgrader(), Gradebook(course.db_url, course.config.CourseDirectory.course_id) as gb:
            for student in report.students:
                names = next(({"first_name": c.first_name, "last_name": c.last_name}
                              for c in candidates.values() if c.student == student and c.last_name), {})
                gb.update_or_create_student(student, **names)
    return report


def _candidates(entries: list, assignment: str, notebooks: set[str], max_bytes: int,
                report: CollectReport) -> dict[tuple[str, str], _Candidate]:
    chosen: dict[tuple[str, str], _Candidate] = {}
    collided: set[tuple[str, str]] = set()
    report_stamps: dict[str, tuple[str, Callable[[], bytes]]] = {}
    tops = {parts[0] for parts, *_ in entries if len(parts) > 1}
    wrapper = next(iter(tops)) if len(tops) == 1 and all(len(parts) > 1 for parts, *_ in entries) else None
    for parts, origin, size, when, load in entries:
        who = _submitter(parts)
        if who is not None:
            report.files_of.setdefault(who, []).append(origin)
        found, reason = _interpret(parts, assignment, notebooks)
        if found is None:
            if wrapper is not None and not _MOODLE.match(wrapper) and \
                    _interpret(parts[1:], assignment, notebooks)[0] is not None:
                reason += (f" (everything is inside the folder {wrapper!r}: if it holds the students' folders or "
                           f"the LMS's files, collect from that folder itself; unzip an archive first)")
            report.skipped.append((origin, reason))
            continue
        if not valid_student_id(found["student"]):
            report.skipped.append((origin, f"invalid student id {found['student']!r}"))
            continue
        if size > max_bytes:
            report.skipped.append((origin, f"larger than the size limit of {max_bytes} bytes"))
            continue
        if found.get("timestamp"):
            report_stamps[found["student"]] = (origin, load)
            continue
        if len(parts) == 1 and _CANVAS.match(parts[0]) and "_LATE_" in parts[0]:
            report.late_without_time.append(origin)
        suffix = _COPY_SUFFIX.search(_COPY_PREFIX.sub("", parts[-1][: -len(".ipynb")]))
        copy_number = int(re.sub(r"\D", "", suffix.group()) or 1) if suffix else 0
        candidate = _Candidate(found["student"], found["notebook"], origin, load, size, (when, copy_number),
                               found.get("first_name"), found.get("last_name"), found.get("identity", ""))
        key = (candidate.student, candidate.notebook)
        if key in collided:
            report.skipped.append((origin, f"identity collision for student {candidate.student!r}: refused"))
        elif key in chosen and chosen[key].identity != candidate.identity:
            other = chosen.pop(key)
            collided.add(key)
            why = (f"{other.origin!r} and {origin!r} both claim student {candidate.student!r} under "
                   f"different names ({other.identity!r}, {candidate.identity!r}), so neither was collected. "
                   f"Find out whose id {candidate.student} is in the LMS, then collect that student's file "
                   f"alone from a folder {candidate.student}/{candidate.notebook}.ipynb")
            report.skipped += [(other.origin, "identity collision (see below)"),
                               (origin, "identity collision (see below)")]
            report.collisions.append(why)
        elif key in chosen:
            older, newer = sorted([chosen[key], candidate], key=lambda c: c.order)
            report.skipped.append((older.origin, f"older copy of {newer.origin} (the newest copy is collected)"))
            chosen[key] = newer
        else:
            chosen[key] = candidate
    report.stamp_files = report_stamps
    return chosen


def _write(course: Course, assignment: str, candidates: dict[tuple[str, str], _Candidate],
           report: CollectReport) -> None:
    for (student, notebook), candidate in sorted(candidates.items()):
        try:
            data = candidate.load()
            problem = notebook_problem(data, 10**12)
            if problem:
                report.skipped.append((candidate.origin, f"refused: {problem}"))
                continue
            with warnings.catch_warnings():  # e.g. duplicate cell ids, which nbformat repairs
                warnings.simplefilter("ignore")
                nb = nbformat.reads(data.decode("utf-8"), as_version=4)
                nbformat.validate(nb)
        except Exception as exc:  # noqa: BLE001 - any unreadable upload is skipped with its reason
            report.skipped.append((candidate.origin, f"not a valid notebook: {str(exc).splitlines()[0][:200]}"))
            continue
        dest = course.submitted_dir / student / assignment / f"{notebook}.ipynb"
        dest.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nbformat.write(nb, dest)
        report.collected.append((student, notebook, candidate.origin))
    _write_timestamps(course, assignment, report)


def _write_timestamps(course: Course, assignment: str, report: CollectReport) -> None:
    """Keep each collected student's ``timestamp.txt`` if nbgrader can read the time in it."""
    from nbgrader.utils import parse_utc

    collected = set(report.students)
    for student, (origin, load) in sorted(report.stamp_files.items()):
        if student not in collected:
            report.skipped.append((origin, "a submission time without a collected notebook"))
            continue
        try:
            text = load().decode("utf-8").strip()
            parse_utc(text)
        except Exception as exc:  # noqa: BLE001 - any unreadable time is skipped with its reason
            report.skipped.append((origin, f"not a submission time nbgrader can read ({exc}); the "
                                           "submission is graded without one (no late penalty)"))
            continue
        (course.submitted_dir / student / assignment / TIMESTAMP_FILE).write_text(text + "\n")
        report.timestamps.append((student, text, origin))


#: Limits on a submitted notebook, checked before any recursive parsing.
MAX_NOTEBOOK_DEPTH = 64
MAX_NOTEBOOK_CELLS = 2000
_JSON_STRING = re.compile(r'"(?:\\.|[^"\\])*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def notebook_problem(data: bytes, max_bytes: int) -> str | None:
    """Why ``data`` is refused as a submitted notebook before it is parsed (None: it may be parsed).

    Checks the size, the JSON nesting depth (without recursion) and the number of cells, so a
    notebook nested hundreds of levels deep or holding 100,000 cells costs nothing to refuse.
    """
    if len(data) > max_bytes:
        return f"larger than the size limit of {max_bytes} bytes"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8 text"
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_NOTEBOOK_DEPTH:
                return f"nested more than {MAX_NOTEBOOK_DEPTH} levels deep"
    cells = text.count('"cell_type"')
    if cells > MAX_NOTEBOOK_CELLS:
        return f"{cells} cells, more than the limit of {MAX_NOTEBOOK_CELLS}"
    return None
