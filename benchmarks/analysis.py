"""summarize() before and after a change, side by side; and against a real forward pass.

    python benchmarks/analysis.py [--before COMMIT | --before-file PATH] [--models a,b,...]
                                  [--repeats 9] [--model resnet152] [--size 224]
                                  [--forward-repeats 3 | --no-forward]

Before: ``cnnlib/summary.py`` as it was at ``--before`` (read with ``git show``; by default the
last commit before the tracer refactor) or from ``--before-file``, loaded into a temporary
module: the previous implementation is kept nowhere in the tree. Each model is summarized by
both, alternating, and their rows and totals must be identical. Prints the median wall-clock
and CPU time of each, rows per second, and how much faster after is than before (target: not
slower). The verdict goes by CPU time: on a shared machine the wall clock mostly measures the
other processes (both are printed). Then ``--model``'s summarize against a real forward pass
under FlopCounterMode (target: summarize >= 20x faster for ResNet-152 at 224, and under 0.1 s
warm on 2 cores).
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import math
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Callable

import torch
from torch.utils.flop_counter import FlopCounterMode

import cnnlib

ROOT = Path(__file__).resolve().parents[1]
#: The last commit whose summarize was the single 151-line function (before the tracer class).
BEFORE = "77456e29a692052750f4736e5bfac6ad3c4859d2"
MODELS = ["resnet152", "densenet121", "efficientnet_b0", "mobilenet_v2", "googlenet",
          "nasnet_a_mobile", "vgg16"]


@dataclasses.dataclass(frozen=True)
class Timing:
    """Median seconds of one call, by the wall clock and in CPU time (this process)."""

    wall_s: float
    cpu_s: float


def load_previous_summary(commit: str | None, path: str | None) -> ModuleType:
    """``cnnlib/summary.py`` at ``commit`` (or the file at ``path``) as a module of its own."""
    if path is not None:
        source = Path(path).read_text()
    else:
        source = subprocess.run(["git", "show", f"{commit}:cnnlib/summary.py"], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout
    module = ModuleType("_summary_before")
    sys.modules[module.__name__] = module  # dataclasses look their module up there
    exec(compile(source, f"{commit or path}:cnnlib/summary.py", "exec"), module.__dict__)
    return module


def time_alternating(fns: list[Callable[[], object]], repeats: int) -> list[Timing]:
    """Median time of each of ``fns``, called in turn ``repeats`` times (so that a change in the
    machine's load falls on all of them alike), in reverse order every other round (on a loaded
    machine the scheduler tends to preempt the process at the same point of each round)."""
    walls: list[list[float]] = [[] for _ in fns]
    cpus: list[list[float]] = [[] for _ in fns]
    for i in range(repeats):
        order = list(zip(fns, walls, cpus))
        for fn, wall, cpu in order if i % 2 == 0 else reversed(order):
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
    return [Timing(statistics.median(w), statistics.median(c)) for w, c in zip(walls, cpus)]


def same_results(a, b) -> bool:
    """Whether two summaries (from two implementations) hold the same rows and totals."""
    def plain(s):
        totals = {f.name: getattr(s, f.name) for f in dataclasses.fields(s)
                  if f.name not in ("rows", "_shown")}
        return totals, [dataclasses.asdict(r) for r in s.rows]
    return plain(a) == plain(b)


def input_size(name: str, model: torch.nn.Module) -> tuple[int, int, int]:
    side = getattr(model, "default_input_size", 227 if name.startswith("alexnet") else 224)
    return (getattr(model, "in_channels", 3), side, side)


def compare_before_after(before: ModuleType, names: list[str],
                         repeats: int) -> list[tuple[Timing, Timing]]:
    """Print one line a model; return the (before, after) timings of each."""
    print(f"{'':35s} | {'wall clock':^53s} | {'CPU time':^29s} |")
    print(f"{'model':18s} {'input':11s} {'rows':>4s} | {'before ms':>9s} {'after ms':>9s} "
          f"{'before rows/s':>13s} {'after rows/s':>12s} {'speed-up':>8s} | "
          f"{'before ms':>9s} {'after ms':>9s} {'speed-up':>8s} | same rows")
    timings = []
    for name in names:
        model = cnnlib.get_model(name).eval()
        size = input_size(name, model)
        old, new = before.summarize(model, size), cnnlib.summarize(model, size)  # warm-up
        t_old, t_new = time_alternating([lambda: before.summarize(model, size),
                                         lambda: cnnlib.summarize(model, size)], repeats)
        rows = len(new.rows)
        timings.append((t_old, t_new))
        print(f"{name:18s} {'x'.join(map(str, size)):11s} {rows:4d} | "
              f"{t_old.wall_s * 1e3:9.1f} {t_new.wall_s * 1e3:9.1f} "
              f"{rows / t_old.wall_s:13,.0f} {rows / t_new.wall_s:12,.0f} "
              f"{t_old.wall_s / t_new.wall_s:7.2f}x | "
              f"{t_old.cpu_s * 1e3:9.1f} {t_new.cpu_s * 1e3:9.1f} {t_old.cpu_s / t_new.cpu_s:7.2f}x | "
              f"{'yes' if same_results(old, new) else 'NO'}")
    return timings


def geometric_mean(values: list[float]) -> float:
    return math.exp(statistics.mean(math.log(v) for v in values))


def compare_with_forward(name: str, side: int, repeats: int) -> None:
    """summarize against a real forward pass under FlopCounterMode, same model, same FLOPs."""
    model = cnnlib.get_model(name).eval()
    x = torch.randn(1, 3, side, side)
    summary = cnnlib.summarize(model, (3, side, side))  # warm-up

    def real_forward() -> int:
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            model(x)
        return counter.get_total_flops()

    flops = real_forward()  # warm-up, and the cross-check
    assert flops == summary.total_flops, (flops, summary.total_flops)
    t_summary, t_forward = time_alternating(
        [lambda: cnnlib.summarize(model, (3, side, side)), real_forward], repeats)
    print(f"model: {name} at {side}x{side}, {summary.total_params:,} params, "
          f"{summary.total_flops / 1e9:.2f} GFLOP (summarize == FlopCounterMode: yes)")
    print(f"summarize (meta device):          {t_summary.wall_s * 1e3:8.1f} ms")
    print(f"forward under FlopCounterMode:    {t_forward.wall_s * 1e3:8.1f} ms")
    print(f"ratio: summarize is {t_forward.wall_s / t_summary.wall_s:.1f}x faster")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help="commit of the previous summary.py")
    parser.add_argument("--before-file", help="the previous summary.py as a file (no git)")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--model", default="resnet152", help="model for the forward-pass ratio")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--forward-repeats", type=int, default=3)
    parser.add_argument("--no-forward", action="store_true")
    args = parser.parse_args()

    before = load_previous_summary(None if args.before_file else args.before, args.before_file)
    print(f"machine: {platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}")
    print(f"summarize before ({args.before_file or args.before[:9]}) vs after (this tree), "
          f"median of {args.repeats} alternating runs each")
    timings = compare_before_after(before, args.models.split(","), args.repeats)
    wall = geometric_mean([old.wall_s / new.wall_s for old, new in timings])
    cpu = geometric_mean([old.cpu_s / new.cpu_s for old, new in timings])
    print(f"after vs before, geometric mean over {len(timings)} models: {cpu:.2f}x in CPU time "
          f"({'not slower' if cpu >= 1 else 'SLOWER'}), {wall:.2f}x by the wall clock")
    if not args.no_forward:
        print()
        compare_with_forward(args.model, args.size, args.forward_repeats)


if __name__ == "__main__":
    main()
