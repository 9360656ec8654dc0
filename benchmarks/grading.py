"""Seconds per submission of sandboxed autograding.

    python benchmarks/grading.py                     # heaviest assignment of solutions/, 4 copies, 2 jobs
    python benchmarks/grading.py --assignment ch06_resnet --n 8 --jobs 2 --compare-unsafe
    python benchmarks/grading.py --demo              # the test suite's numpy-only demo assignment
    python benchmarks/grading.py --rounds 3          # cold and warm kernels alternated, 3 times
    python benchmarks/grading.py --assignment ch00_arithmetic --baseline 800bb3f
                                                     # also the design of an earlier commit, same run

Builds a throw-away course in a temporary folder with one assignment (by default
the one of ``solutions/`` with the most code; the test suite's demo assignment
when ``solutions/`` has none), releases it, submits N copies of the instructor's
notebook (solutions included, so every test runs; plus one extra cell that
prints the kernel's CPU time) and autogrades them with ``cnnlib.course.autograde``.
Prints the bytecode warm-up time, wall-clock seconds per submission, CPU seconds
per submission (kernel, and grader = forked nbgrader workers), and with
``--compare-unsafe`` the same run without bubblewrap (the sandbox's overhead).
On a shared machine compare CPU seconds; wall time depends on the load.

Each round grades the submissions twice, side by side: ``sandboxed`` starts every kernel
cold in its own bubblewrap (the default design), ``warm`` forks every kernel, each in
its own sandbox, from a warm-kernel server that imported the assignment's libraries once
(``--warm-kernels``, :mod:`cnnlib.course.zygote`). A warm kernel's own CPU figure counts
only what it did after the fork; the server's start-up (wall) and CPU (imports, forks)
are printed on the same line, and its wall time is inside the run's.

``--cluster-workers N`` also grades the submissions on a local Dask cluster (Dask's
``LocalCluster``: a scheduler and N worker processes of one thread each on this machine) through
``autograde(..., cluster=ADDRESS)`` (:mod:`cnnlib.course.cluster`), with cold kernels and with
each worker's warm-kernel server (unless ``--no-warm``), and prints submissions per
hour for each mode, CPU seconds per submission (workers, and the coordinator that records the
grades), and the projection for more worker cores from the measured figures: each worker core
grades ``3600 / (its seconds per submission)`` an hour, until the coordinator's recording (one
process) is the limit.

``--baseline REF`` also measures the grading design of an earlier commit in the same
run: the commit's tree is exported with ``git archive`` into a temporary folder, its
own environment is made with ``uv sync --frozen`` (from uv's cache), and its own
``benchmarks/grading.py`` grades the same assignment there; both lines are printed
together. (``800bb3f`` is the last commit whose test cells ran inside the student's
kernel, before the judge.)
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def heaviest_assignment(solutions: Path) -> str | None:
    """The folder of ``solutions/`` whose notebooks hold the most code."""
    best, best_size = None, -1
    for folder in sorted(p for p in solutions.glob("*") if p.is_dir()):
        size = 0
        for path in folder.glob("*.ipynb"):
            nb = nbformat.read(path, as_version=4)
            size += sum(len(c.source) for c in nb.cells if c.cell_type == "code")
        if size > best_size and any(folder.glob("*.ipynb")):
            best, best_size = folder.name, size
    return best


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build_course(workdir: Path, assignment: str | None, n: int) -> tuple[Path, str]:
    """A course in ``workdir`` with one assignment and ``n`` submitted copies of its solution."""
    from cnnlib.course.config import load_course
    from cnnlib.course.release import release

    course_root = workdir / "course"
    if assignment is None:
        sys.path.insert(0, str(ROOT / "tests" / "adversarial"))
        import democourse

        democourse.make_course(course_root)
        assignment = democourse.ASSIGNMENT
    else:
        shutil.copytree(ROOT / "solutions" / assignment, course_root / "solutions" / assignment)
        if (ROOT / "nbgrader_config.py").exists():
            shutil.copy(ROOT / "nbgrader_config.py", course_root / "nbgrader_config.py")
    course = load_course(course_root)
    release(course, [assignment])
    for i in range(n):
        folder = course.submitted_dir / f"student{i:03d}" / assignment
        folder.mkdir(parents=True)
        for source in (course.source_dir / assignment).glob("*.ipynb"):
            nb = nbformat.read(source, as_version=4)
            nb.cells.append(nbformat.v4.new_code_cell(CPU_PROBE))  # an extra student cell
            nbformat.write(nb, folder / source.name)
    return course_root, assignment


CPU_PROBE = ("import resource\n_r = resource.getrusage(resource.RUSAGE_SELF)\n"
             "print('KERNEL_CPU_S', _r.ru_utime + _r.ru_stime)")


def kernel_cpu(course_root: Path, assignment: str) -> float:
    """CPU seconds of all kernels, printed by the probe cell at the end of each submission."""
    total = 0.0
    for path in (course_root / "autograded").glob(f"*/{assignment}/*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for output in nb.cells[-1].get("outputs", []):
            for line in output.get("text", "").splitlines():
                if line.startswith("KERNEL_CPU_S "):
                    total += float(line.split()[1])
    return total


def run(course_root: Path, assignment: str, *, jobs: int, unsafe: bool, limits, warm: bool = False) -> dict:
    from cnnlib.course.autograde import autograde
    from cnnlib.course.config import load_course

    course = load_course(course_root)
    cpu0, start = _children_cpu(), time.perf_counter()
    results = autograde(course, assignment, jobs=jobs, unsafe=unsafe, limits=limits, regrade=True,
                        warm_kernels=warm)
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu0
    kernels = kernel_cpu(course_root, assignment)
    # Unsandboxed kernels are reaped by the workers, so their CPU is in RUSAGE_CHILDREN too;
    # sandboxed ones are killed with their bubblewrap and are not.
    return {"results": results, "wall": wall, "cpu": cpu - kernels if unsafe else cpu, "kernel_cpu": kernels}


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure_cluster(course_root: Path, assignment: str, n_workers: int, limits, warm: bool = False) -> dict:
    """Grade on a local Dask cluster of ``n_workers`` one-thread workers (their kernels cold, or
    forked from each worker's warm-kernel server); print its line."""
    from distributed import LocalCluster

    from cnnlib.course.autograde import autograde
    from cnnlib.course.config import load_course

    import dask

    n = len(list((course_root / "submitted").iterdir()))
    children0, self0 = _children_cpu(), _self_cpu()
    # Non-daemonic workers may start the grading processes' fork server (see cnnlib.course.cluster).
    settings = {"distributed.worker.daemon": False}
    with dask.config.set(settings), LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                                 dashboard_address=None) as cluster:
        start = time.perf_counter()
        coordinator0 = _self_cpu()
        results = autograde(load_course(course_root), assignment, limits=limits, regrade=True,
                            cluster=cluster.scheduler_address, warm_kernels=warm)
        wall, coordinator = time.perf_counter() - start, _self_cpu() - coordinator0
    workers_cpu = _children_cpu() - children0  # the worker processes, reaped at close, with what they reaped
    worker_s = sum(r.seconds for r in results) / n
    label = "cluster, warm" if warm else "cluster"
    print(f"{label:9s}: {wall / n:.2f} s/submission wall ({wall:.1f} s total, {n_workers} worker(s) of 1 thread); "
          f"{3600 * n / wall:.0f} submissions/hour; {worker_s:.2f} s per submission on a worker; CPU s/submission: "
          f"workers {workers_cpu / n:.2f} + coordinator {coordinator / n:.2f} (its whole process "
          f"{(_self_cpu() - self0) / n:.2f}); results "
          f"{sorted({(r.score, r.max_score, r.status) for r in results}, key=str)}",
          flush=True)
    if any(r.tooling_error or r.score != r.max_score for r in results):
        print("  warning: a copy of the solution did not get full marks on the cluster", file=sys.stderr)
    return {"wall": wall, "worker_s": worker_s, "coordinator_s": coordinator / n}


def projection(cluster: dict, workers: tuple[int, ...] = (8, 32, 128, 512)) -> str:
    """Submissions per hour with more worker cores, from the measured per-submission figures."""
    ceiling = 3600 / cluster["coordinator_s"]
    parts = [f"{w} cores: {min(w * 3600 / cluster['worker_s'], ceiling):,.0f}/h" for w in workers]
    return (f"projection (each worker core {3600 / cluster['worker_s']:.0f}/h; the coordinator records at most "
            f"{ceiling:,.0f}/h): " + ", ".join(parts))


def baseline(ref: str, assignment: str | None, n: int, jobs: int, memory: int) -> str:
    """The ``sandboxed`` line that commit ``ref``'s own benchmark prints for the same run."""
    with tempfile.TemporaryDirectory(prefix="cnnlib-baseline-") as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_PROJECT"))}
        subprocess.run(["uv", "sync", "--frozen", "--all-extras", "--python", "3.11", "--quiet"], cwd=tree,
                       env=env, check=True)
        argv = [str(tree / ".venv" / "bin" / "python"), "benchmarks/grading.py", "--n", str(n), "--jobs", str(jobs),
                "--memory", str(memory)] + (["--assignment", assignment] if assignment else ["--demo"])
        proc = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("sandboxed")), None)
    if line is None:
        raise RuntimeError(f"the baseline benchmark of {ref} printed no result:\n{proc.stdout}\n{proc.stderr[-2000:]}")
    return line


def measure(label: str, course_root: Path, assignment: str, args, limits, unsafe: bool, warm: bool) -> float:
    """Grade the submissions once in one mode; print its line; return wall seconds per submission."""
    from cnnlib.course import zygote

    before = len(zygote.HISTORY)
    outcome = run(course_root, assignment, jobs=args.jobs, unsafe=unsafe, limits=limits, warm=warm)
    results = outcome["results"]
    scores = {(r.score, r.max_score, r.status, ", ".join(r.flags)) for r in results}
    per_worker = sum(r.seconds for r in results) / len(results)
    server = ""
    if warm and len(zygote.HISTORY) > before:
        startup, cpu = zygote.HISTORY[-1]
        server = f"; server: started in {startup:.2f} s, {cpu:.2f} CPU s in all ({cpu / args.n:.2f}/submission)"
    elif warm:
        server = "; server: DID NOT START (cold kernels)"
    print(f"{label:9s}: {outcome['wall'] / args.n:.2f} s/submission wall "
          f"({outcome['wall']:.1f} s total, {per_worker:.2f} s per worker); CPU s/submission: "
          f"kernel {outcome['kernel_cpu'] / args.n:.2f} + grader {outcome['cpu'] / args.n:.2f}{server}; "
          f"results {sorted(scores, key=str)}", flush=True)
    if any(r.tooling_error or r.score != r.max_score for r in results):
        print("  warning: a copy of the solution did not get full marks", file=sys.stderr)
    return outcome["wall"] / args.n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", help="folder of solutions/ (default: the heaviest; the demo if none)")
    parser.add_argument("--demo", action="store_true", help="use the test suite's small numpy-only demo assignment")
    parser.add_argument("--n", type=int, default=4, help="number of submissions (default 4)")
    parser.add_argument("--jobs", type=int, default=2, help="parallel workers (default 2)")
    parser.add_argument("--memory", type=int, default=8192, help="kernel memory limit in MiB (default 8192)")
    parser.add_argument("--compare-unsafe", action="store_true", help="also time the run without bubblewrap")
    parser.add_argument("--baseline", metavar="REF", help="also measure the grading design of commit REF")
    parser.add_argument("--rounds", type=int, default=1, help="times cold and warm kernels are measured (default 1)")
    parser.add_argument("--no-warm", action="store_true", help="do not measure warm kernels")
    parser.add_argument("--cluster-workers", type=int, default=0, metavar="N",
                        help="also grade on a local Dask cluster of N one-thread workers")
    args = parser.parse_args(argv)
    if args.n < 1 or args.jobs < 1 or args.rounds < 1:
        parser.error("--n, --jobs and --rounds must be at least 1")

    from cnnlib.course.autograde import grading_config, preload_modules, warm_up
    from cnnlib.course.config import load_course
    from cnnlib.course.sandbox import Limits, check_sandbox

    bwrap = check_sandbox()
    assignment = None if args.demo else args.assignment or heaviest_assignment(ROOT / "solutions")
    limits = Limits(memory_mb=args.memory)
    with tempfile.TemporaryDirectory(prefix="cnnlib-grading-bench-") as tmp:
        course_root, assignment = build_course(Path(tmp), assignment, args.n)
        course = load_course(course_root)
        preload = preload_modules(course, assignment)
        print(f"assignment {assignment!r}: {args.n} submissions, {args.jobs} job(s), preloaded {preload or 'nothing'}")
        config = grading_config(course, assignment, unsafe=False, bwrap=bwrap, limits=limits)
        for label in ("first (fills the cache if needed)", "again (what every autograde run pays)"):
            start = time.perf_counter()
            warm_up(course, assignment, config, limits)
            print(f"bytecode warm-up, {label}: {time.perf_counter() - start:.2f} s")
        modes = [("sandboxed", False, False)] + ([("warm", False, True)] if not args.no_warm else []) + \
            ([("unsafe", True, False)] if args.compare_unsafe else [])
        walls: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for label, unsafe, warm in modes:
                walls.setdefault(label, []).append(measure(label, course_root, assignment, args, limits, unsafe, warm))
        current = min(walls["sandboxed"])
        if "warm" in walls:
            warm = min(walls["warm"])
            print(f"per submission (wall, best of {args.rounds}): cold {current:.2f} s, warm {warm:.2f} s "
                  f"(ratio warm/cold {warm / current:.2f})")
        if args.cluster_workers:
            clusters = {kind: measure_cluster(course_root, assignment, args.cluster_workers, limits, kind == "warm")
                        for kind in (["cold"] if args.no_warm else ["cold", "warm"])}
            hourly = ", ".join(f"{label} {3600 / min(w):.0f}" for label, w in walls.items())
            on_cluster = ", ".join(f"{kind} {3600 * args.n / c['wall']:.0f} (ratio to the cold pool "
                                   f"{current * args.n / c['wall']:.2f})" for kind, c in clusters.items())
            print(f"submissions/hour on this machine: local pool of {args.jobs} job(s): {hourly}; "
                  f"local cluster of {args.cluster_workers} worker(s): {on_cluster}")
            for kind, cluster in clusters.items():
                print(f"{kind} kernels: {projection(cluster)}")
    if args.baseline:
        line = baseline(args.baseline, None if args.demo else assignment, args.n, args.jobs, args.memory)
        before = float(re.search(r"([0-9.]+) s/submission wall", line).group(1))
        print(f"baseline {args.baseline}: {line}")
        print(f"per submission (wall, sandboxed): before {before:.2f} s, after {current:.2f} s "
              f"(ratio after/before {current / before:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
