"""``cnnlib-course``: the instructor's command line (release, verify, collect, autograde, feedback, export).

Exit status: 0 on success; 1 when the command could not do its job (bad course,
unknown assignment, sandbox missing, ``release --check`` or ``verify`` found problems,
``collect`` refused a collision or found a student with no collectable notebook, or an
autograding *tooling* error - a student's crashing code is not one); 2 for
command-line usage errors.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .config import CourseError, load_course
from .sandbox import Limits, SandboxUnavailable

__all__ = ["build_parser", "main"]


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``cnnlib-course``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--course", metavar="DIR", default=argparse.SUPPRESS,
                        help="course root containing solutions/ (default: the current directory)")
    parser = argparse.ArgumentParser(
        prog="cnnlib-course", parents=[common],
        description="Release, collect, autograde (sandboxed) and give feedback on the course's nbgrader exercises.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    jobs = 2 if (os.cpu_count() or 1) >= 2 else 1
    p = sub.add_parser("release", parents=[common], help="generate exercises/ from solutions/ and register assignments")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    p.add_argument("--all", action="store_true", help="every folder of solutions/ that holds a notebook")
    p.add_argument("--check", action="store_true",
                   help="do not write: exit 1 if exercises/ differs from a fresh release of solutions/")

    p = sub.add_parser("verify", parents=[common],
                       help="check assignments end to end: solution, blank and slips.yml graded as submissions")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    p.add_argument("--all", action="store_true", help="every assignment of solutions/")
    p.add_argument("--jobs", type=_positive, default=jobs, metavar="N", help=f"submissions graded in parallel (default {jobs})")

    p = sub.add_parser("collect", parents=[common], help="copy submissions from a folder or an LMS zip")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--from", dest="source", required=True, metavar="DIR|ZIP",
                   help="folder with one subfolder per student, or a Canvas/Moodle/plain zip")

    p = sub.add_parser("autograde", parents=[common], help="grade submissions, each in its own sandbox")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--student", action="append", metavar="ID", help="only this student (repeatable)")
    p.add_argument("--unsafe", action="store_true",
                   help="run students' code without the bubblewrap sandbox (only for code you trust)")
    p.add_argument("--jobs", type=_positive, default=jobs, metavar="N",
                   help=f"submissions graded in parallel (default {jobs})")
    p.add_argument("--regrade", action="store_true",
                   help="grade every submission again; by default a submission that an earlier run graded "
                        "to the end, unchanged since (same files, assignment and limits), is kept")
    defaults = Limits()
    p.add_argument("--timeout", type=_positive, metavar="S",
                   help=f"per-cell timeout in seconds (default: Execute.timeout, {defaults.cell_timeout_s})")
    p.add_argument("--submission-timeout", type=_positive, metavar="S",
                   help="wall-clock limit per submission (default: SandboxedExecute.submission_timeout, "
                        f"{defaults.submission_timeout_s})")
    p.add_argument("--memory", type=_positive, metavar="MB",
                   help=f"address-space limit of a kernel in MiB (default {defaults.memory_mb}; "
                        "`import torch` alone maps about 3100)")
    p.add_argument("--cpu", type=_positive, metavar="S",
                   help=f"CPU-time limit of a kernel in seconds (default {defaults.cpu_seconds})")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                   help="a line on stderr per submission graded, with the time left (default on)")
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="grade on the workers of a Dask scheduler (tcp://HOST:8786), each submission in a "
                        "sandbox on a worker; this machine records the grades (needs cnnlib[cluster] here and "
                        "on the workers; --jobs does not apply, --warm-kernels applies on the workers)")
    p.add_argument("--warm-kernels", action=argparse.BooleanOptionalAction, default=None,
                   help="fork each kernel, in its own sandbox, from a server that imported the assignment's "
                        "libraries once (default: SandboxedKernelManager.warm_kernels, else off)")

    p = sub.add_parser("feedback", parents=[common], help="HTML feedback per student (hidden tests removed)")
    p.add_argument("assignment", metavar="ASSIGNMENT")

    p = sub.add_parser("export", parents=[common],
                       help="write grades as CSV: plain, or a gradebook file for Canvas's or Moodle's grade import")
    p.add_argument("target", nargs="?", metavar="TARGET",
                   help="output file (default grades.csv; grades-canvas.csv, grades-moodle.csv for those formats)")
    p.add_argument("--to", dest="to", metavar="CSV", help="the output file, as nbgrader export's --to")
    p.add_argument("--format", choices=("plain", "canvas", "moodle"), default=None,
                   help="plain (a row per student and assignment, the default), canvas or moodle "
                        "(default: CourseExportPlugin.format of the course's nbgrader_config.py, else plain)")
    return parser


def _release(course, args) -> int:
    from .release import check_release, release

    names = _names(course, args)
    if args.check:
        problems = check_release(course, None if args.all else names)
        for problem in problems:
            print(f"out of sync: {problem}")
        if problems:
            print("exercises/ is out of sync with solutions/; run `cnnlib-course release --all`")
            return 1
        print(f"exercises/ is in sync with solutions/ ({len(names)} assignment(s))")
        return 0
    for result in release(course, names):
        removed = f"; not released: {', '.join(result.removed)}" if result.removed else ""
        print(f"released {result.assignment}: {len(result.notebooks)} notebook(s), "
              f"{result.max_score:g} points -> {course.release_dir / result.assignment}{removed}")
    return 0


def _names(course, args) -> list[str]:
    if args.all and args.assignments:
        raise CourseError("give assignment names or --all, not both")
    if not args.all and not args.assignments:
        raise CourseError(f"name the assignments to {args.command}, or pass --all")
    names = course.assignments() if args.all else args.assignments
    if args.all and not names:
        raise CourseError(f"no assignment found: no folder of {course.source_dir} contains a notebook")
    return names


def _verify(course, args) -> int:
    from .verify import verify

    failed = []
    for name in _names(course, args):
        report = verify(course, name, jobs=args.jobs)
        print(f"{name}: {'OK' if report.ok else 'PROBLEMS'} ({report.seconds:.0f} s)")
        for line in report.lines:
            print(f"  {line}")
        for problem in report.problems:
            print(f"  problem: {problem}")
        if not report.ok:
            failed.append(name)
    if failed:
        print(f"cnnlib-course: verify found problems in {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _collect(course, args) -> int:
    from .collect import collect

    report = collect(course, args.assignment, args.source)
    for student, notebook, origin in report.collected:
        print(f"collected {student}: {notebook}.ipynb (from {origin})")
    for student, when, origin in report.timestamps:
        print(f"kept {student}'s submission time {when} (from {origin})")
    for origin, reason in report.skipped:
        print(f"skipped {origin}: {reason}")
    print(f"{len(report.collected)} notebook(s) of {len(report.students)} student(s) collected, "
          f"{len(report.skipped)} file(s) skipped")
    for why in report.collisions:
        print(f"cnnlib-course: identity collision: {why}", file=sys.stderr)
    if report.late_without_time:
        print(f"cnnlib-course: note: {len(report.late_without_time)} file(s) are marked late by the LMS "
              "(_LATE_), but its archive carries no submission time, so nbgrader applies no late penalty "
              "to them: apply the LMS's own late policy, or give each one a submitted/<student>/"
              f"{args.assignment}/timestamp.txt", file=sys.stderr)
    empty = report.without_notebook
    for who, files in empty.items():
        print(f"cnnlib-course: no notebook collected for {who!r}: "
              + "; ".join(f"{origin}: {reason}" for origin, reason in files), file=sys.stderr)
    if empty:
        print(f"cnnlib-course: {len(empty)} submitter(s) without a collected notebook; fix or rename their "
              "files and run collect again (already collected notebooks are kept)", file=sys.stderr)
    return 1 if report.collisions or empty else 0


def _autograde(course, args) -> int:
    from .autograde import ProgressLine, autograde, course_limits, find_students, format_table

    limits = course_limits(course, cell_timeout_s=args.timeout, submission_timeout_s=args.submission_timeout,
                           memory_mb=args.memory, cpu_seconds=args.cpu)
    if args.unsafe:
        print("warning: --unsafe: students' code runs without the sandbox and can read and change "
              "every file you can", file=sys.stderr)
    total = len(args.student or find_students(course, args.assignment))
    results = autograde(course, args.assignment, students=args.student, unsafe=args.unsafe,
                        jobs=args.jobs, limits=limits, regrade=args.regrade, warm_kernels=args.warm_kernels,
                        cluster=args.cluster, progress=ProgressLine(total) if args.progress else None)
    if not results:
        print(f"no submissions of {args.assignment!r} in {course.submitted_dir}")
        return 0
    print(format_table(results))
    kept = sum(r.earlier for r in results)
    if kept:
        print(f"{kept} submission(s) graded to the end by an earlier run and unchanged since were kept "
              "(not graded again); --regrade grades them again")
    errors = [r for r in results if r.tooling_error]
    for r in errors:
        print(f"tooling error for {r.student}: see {r.log_file or 'the message above'}", file=sys.stderr)
    return 1 if errors else 0


def _feedback(course, args) -> int:
    from .reports import generate_feedback

    files = generate_feedback(course, args.assignment)
    print(f"wrote {len(files)} feedback file(s) under {course.feedback_dir}")
    return 0


def _export(course, args) -> int:
    from .export import default_target
    from .reports import export_grades, ungraded_submissions

    if args.target and args.to and args.target != args.to:
        raise CourseError(f"two output files given ({args.target} and --to {args.to}); give one")
    fmt = args.format or course.config.CourseExportPlugin.get("format", "plain")
    target = args.target or args.to or default_target(fmt)
    rows = export_grades(course, target, fmt)
    print(f"wrote {rows} row(s) ({fmt}) to {target}")
    waiting = ungraded_submissions(course)
    for assignment, students in waiting.items():
        print(f"cnnlib-course: warning: {len(students)} collected submission(s) of {assignment!r} are not "
              f"graded, so the export gives them 0: {', '.join(students)}; run `cnnlib-course autograde "
              f"{assignment}` and export again", file=sys.stderr)
    return 1 if waiting else 0


COMMANDS = {"release": _release, "verify": _verify, "collect": _collect, "autograde": _autograde,
            "feedback": _feedback, "export": _export}


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``cnnlib-course`` with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        course = load_course(getattr(args, "course", None))
        return COMMANDS[args.command](course, args)
    except (CourseError, SandboxUnavailable, ValueError) as exc:
        print(f"cnnlib-course: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("cnnlib-course: interrupted", file=sys.stderr)
        return 130
