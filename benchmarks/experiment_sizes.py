"""How long each experiment of a size takes: measured on data of the true size, projected to the full run.

    python benchmarks/experiment_sizes.py                         # every gpu-size experiment, device found
    python benchmarks/experiment_sizes.py --sizes gpu paper --steps 0 --val-steps 0   # whole epochs
    python benchmarks/experiment_sizes.py --experiments degradation train_fast --steps 50
    python benchmarks/experiment_sizes.py --cores 2               # loaders and torch on 2 CPU cores (Colab's)
    python benchmarks/experiment_sizes.py --json times.json       # also every figure, as JSON
    python benchmarks/experiment_sizes.py --loaders device workers  # the two loaders, side by side
    python benchmarks/experiment_sizes.py --sizes cpu gpu paper --record   # into the chapters' tables

First it writes CIFAR-10 and MNIST in their real on-disk formats with random pixels, at the
true sizes (50,000 + 10,000 and 60,000 + 10,000 images; :mod:`cnnlib.synthetic`), in a
temporary folder. Then each experiment runs through its own public function at the size asked
for, with that size's models, batch size, precision, channels-last, transforms and data
loaders, so the real loader and the real training loop are what is timed:

* ``dry_run=True`` first: the experiment's own estimate (:class:`cnnlib.experiments.ExperimentPlan`,
  the line a chapter prints before it trains, timed from 3 steps per run);
* then ``--epochs`` epochs (default 2) of ``--steps`` training steps and ``--val-steps``
  validation batches per run (``0``: the whole epoch). The last epoch is the measurement, the
  first warms up (loader workers, cuDNN's autotuner, caches).

From the last epoch of each run: training images per second (``History.images_per_sec``, data
loading included), and the validation seconds per batch (the epoch's time less its training
time). A full epoch is projected as ``train images / (images/s) + val batches x (s/batch)``
(the train images are ``steps_per_epoch x batch``, at most one partial batch more than the
split); with ``--steps 0 --val-steps 0`` it is the measured epoch itself. The projected total
of an experiment is the sum over its runs of ``epochs x projected epoch``; the first epoch's
warm-up, checkpoints and plotting are not in it. Peak memory is
``torch.cuda.max_memory_allocated`` over the experiment (GPU only).

The ``cpu`` size (the digits demo the book runs) is measured whole: its total is the time it
took. The table gives the device, so figures from different machines are never mixed up. On a
CPU, ``--steps 4 --val-steps 2`` (the default there) keeps the run to minutes.

``--record`` merges the totals into ``cnnlib/measured/experiment_times.json``, which the chapters
show (:func:`cnnlib.timings.expected_times`), one entry per experiment, size and machine class
(``--machine``: ``cpu``, ``t4`` or ``large-gpu``; by default ``cpu`` on a CPU, ``t4`` on a T4
and ``large-gpu`` on any other GPU), with the device's name, the date, this command and the
commit. Record only runs of the default loader, on a machine otherwise idle.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch

from cnnlib import experiments, synthetic
from cnnlib.timings import duration as _duration
from cnnlib.train import resolve_device

#: The experiments that have a GPU size (all of them also have cpu and paper sizes).
EXPERIMENTS = tuple(experiments.GPU_EPOCHS)


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"cpu ({model}, {len(os.sched_getaffinity(0))} cores, {torch.get_num_threads()} torch threads)"




def measure(name: str, size: str, *, root: Path, device: torch.device, epochs: int, steps: int,
            val_steps: int, loader: str, workers: int | None, scratch: Path) -> dict:
    """Time one experiment at one size; returns the figures of each run and the totals."""
    run = getattr(experiments, name)
    if size == "cpu":
        return _measure_whole(name, run, device)
    common = dict(root=root, verify_md5=False, device=device, progress=False, loader=loader,
                  checkpoint_dir=scratch / f"{name}-{size}-{loader}")
    if loader == "workers":
        common["num_workers"] = workers
    with contextlib.redirect_stdout(io.StringIO()):  # the experiments print their plans
        plan = run(size, dry_run=True, **common)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        t0 = time.perf_counter()
        # A constant learning rate: the schedule costs nothing, and a warm-up longer than the
        # timed steps would be refused.
        result = run(size, epochs=epochs, max_steps_per_epoch=steps or None,
                     max_val_steps=val_steps or None, schedule="constant", warmup_epochs=0,
                     warmup_steps=None, milestones=None, **common)
        wall_s = time.perf_counter() - t0
    batch = result.config["data"]["batch_size"]
    timed_steps = plan.steps_per_epoch if not steps else min(steps, plan.steps_per_epoch)
    timed_val = plan.val_steps if not val_steps else min(val_steps, plan.val_steps)
    runs = {}
    for run_name, h in result.histories.items():
        ips, epoch_s = h.images_per_sec[-1], h.epoch_time_s[-1]
        if not steps and not val_steps:
            full_epoch_s = epoch_s
        else:
            train_s = timed_steps * batch / ips
            val_per_batch = (epoch_s - train_s) / timed_val if timed_val else 0.0
            full_epoch_s = plan.steps_per_epoch * batch / ips + plan.val_steps * val_per_batch
        runs[run_name] = {
            "epochs": plan.epochs[run_name], "images_per_sec": ips,
            "epoch_s": full_epoch_s, "first_epoch_s": h.epoch_time_s[0],
            "total_s": plan.epochs[run_name] * full_epoch_s,
        }
    peak = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None
    return {
        "experiment": name, "size": size, "loader": loader, "dataset": result.dataset.split(" (")[0],
        "batch_size": batch, "steps_per_epoch": plan.steps_per_epoch, "val_steps": plan.val_steps,
        "timed_steps": timed_steps, "timed_val_steps": timed_val,
        "precision": result.config["fit"]["precision"], "runs": runs,
        "projected_total_s": sum(r["total_s"] for r in runs.values()),
        "plan_estimate_s": plan.estimated_s, "peak_memory_bytes": peak, "wall_s": wall_s,
    }


def _measure_whole(name: str, run, device: torch.device) -> dict:
    """The cpu size, run as the book runs it: its total is what it took."""
    with contextlib.redirect_stdout(io.StringIO()):
        t0 = time.perf_counter()
        result = run("cpu", device=device, progress=False)
        wall_s = time.perf_counter() - t0
    runs = {run_name: {"epochs": h.epochs, "images_per_sec": h.images_per_sec[-1],
                       "epoch_s": h.total_time_s / h.epochs, "first_epoch_s": h.epoch_time_s[0],
                       "total_s": h.total_time_s}
            for run_name, h in result.histories.items()}
    return {"experiment": name, "size": "cpu", "loader": "-", "dataset": result.dataset.split(" (")[0],
            "batch_size": result.config["data"]["batch_size"], "precision": result.config["fit"]["precision"],
            "runs": runs, "projected_total_s": result.seconds, "projected": False,
            "plan_estimate_s": result.plan.estimated_s, "peak_memory_bytes": None, "wall_s": wall_s}


def record(rows: list[dict], device: torch.device, machine: str | None, command: str) -> Path:
    """Merge the totals into the chapters' file (one entry per experiment, size and machine)."""
    import subprocess

    from cnnlib.timings import MACHINES, TIMES_FILE

    name = device_name(device)
    machine = machine or ("cpu" if device.type == "cpu" else "t4" if "T4" in name else "large-gpu")
    if machine not in MACHINES:
        raise SystemExit(f"--machine must be one of {', '.join(MACHINES)}")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip() or "unknown"
    known = json.loads(TIMES_FILE.read_text())["measurements"] if TIMES_FILE.is_file() else []
    new = {(r["experiment"], r["size"]): {
        "experiment": r["experiment"], "size": r["size"], "machine": machine, "device": name,
        "seconds": round(r["projected_total_s"], 1), "projected": r.get("projected", True),
        "date": time.strftime("%Y-%m-%d"), "command": command, "commit": commit} for r in rows}
    kept = [m for m in known if (m["experiment"], m["size"]) not in new or m["machine"] != machine]
    merged = sorted(kept + list(new.values()), key=lambda m: (m["experiment"], m["size"], m["machine"]))
    TIMES_FILE.parent.mkdir(exist_ok=True)
    TIMES_FILE.write_text(json.dumps({"measurements": merged}, indent=1) + "\n")
    return TIMES_FILE


def table(rows: list[dict]) -> str:
    head = ("| experiment | size | loader | runs x epochs | train images/s | s per epoch | projected total "
            "| the chapter's estimate | peak GPU memory |")
    lines = [head, "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        runs = r["runs"].values()
        epochs = sorted({x["epochs"] for x in runs})
        ips = [x["images_per_sec"] for x in runs]
        ep = [x["epoch_s"] for x in runs]
        span = (lambda v, f: f.format(min(v)) if max(v) < 1.05 * min(v)
                else f.format(min(v)) + "-" + f.format(max(v)))
        peak = "-" if r["peak_memory_bytes"] is None else f"{r['peak_memory_bytes'] / 2**30:.2f} GiB"
        lines.append(f"| {r['experiment']} | {r['size']} | {r['loader']} | {len(r['runs'])} x "
                     f"{'/'.join(map(str, epochs))} | {span(ips, '{:,.0f}')} | {span(ep, '{:,.1f}')} "
                     f"| {_duration(r['projected_total_s'])} | {_duration(r['plan_estimate_s'])} "
                     f"| {peak} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experiments", nargs="+", default=list(EXPERIMENTS), choices=EXPERIMENTS,
                        metavar="NAME", help=f"default: all ({', '.join(EXPERIMENTS)})")
    parser.add_argument("--sizes", nargs="+", default=["gpu"], choices=["cpu", "gpu", "paper"])
    parser.add_argument("--device", default=None, help="cuda, cpu, ... (default: the best found)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per run; the last is timed")
    parser.add_argument("--steps", type=int, default=None,
                        help="training steps per epoch (0: whole epochs; default 100 on a GPU, 4 on a CPU)")
    parser.add_argument("--val-steps", type=int, default=None,
                        help="validation batches per epoch (0: all; default 10 on a GPU, 2 on a CPU)")
    parser.add_argument("--loaders", nargs="+", default=["device"], choices=["device", "workers"],
                        help="device: the whole dataset on the device (the default of the experiments); "
                             "workers: DataLoader worker processes")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes of --loaders workers (default: cnnlib.data.dataloaders' choice)")
    parser.add_argument("--cores", type=int, default=None,
                        help="run on this many CPU cores only (e.g. 2, as a Colab session)")
    parser.add_argument("--json", type=Path, default=None, help="also write every figure here")
    parser.add_argument("--record", action="store_true",
                        help="merge the totals into cnnlib/measured/experiment_times.json (the chapters')")
    parser.add_argument("--machine", choices=["cpu", "t4", "large-gpu"], default=None,
                        help="the machine class the totals are recorded for (default: from the device)")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")
    if args.record and args.loaders != ["device"]:
        parser.error("--record records the default loader only: leave out --loaders")
    if args.cores is not None:
        cores = sorted(os.sched_getaffinity(0))
        if not 1 <= args.cores <= len(cores):
            parser.error(f"--cores must be between 1 and {len(cores)}")
        os.sched_setaffinity(0, cores[: args.cores])
        torch.set_num_threads(args.cores)
    device = resolve_device(args.device)
    on_gpu = device.type == "cuda"
    steps = args.steps if args.steps is not None else (100 if on_gpu else 4)
    val_steps = args.val_steps if args.val_steps is not None else (10 if on_gpu else 2)
    if steps < 0 or val_steps < 0:
        parser.error("--steps and --val-steps must be 0 (whole epochs) or more")

    print(f"device: {device_name(device)}; torch {torch.__version__}; python {sys.version.split()[0]}")
    print(f"timed: epoch {args.epochs} of {args.epochs}, "
          f"{'whole epochs' if not steps else f'{steps} training steps'} and "
          f"{'all' if not val_steps else val_steps} validation batches per run", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="cnnlib-sizes-") as tmp:
        root = Path(tmp) / "data"
        t0 = time.perf_counter()
        synthetic.write_cifar10(root)
        synthetic.write_mnist(root)
        print(f"wrote synthetic CIFAR-10 and MNIST (true sizes) in {time.perf_counter() - t0:.0f} s",
              flush=True)
        for size in args.sizes:
            for name in args.experiments:
                for loader in (args.loaders if size != "cpu" else ["-"]):
                    row = measure(name, size, root=root, device=device, epochs=args.epochs,
                                  steps=steps, val_steps=val_steps, loader=loader, workers=args.workers,
                                  scratch=Path(tmp) / "checkpoints")
                    rows.append(row)
                    how = size if loader == "-" else f"{size}, {loader} loader"
                    print(f"  {name} ({how}): {_duration(row['projected_total_s'])} "
                          f"projected, measured in {row['wall_s']:.0f} s", flush=True)
    print()
    print(table(rows))
    if len(set(args.loaders)) == 2:
        total = {(r["experiment"], r["size"], r["loader"]): r["projected_total_s"] for r in rows}
        print("\nprojected total, workers loader / device loader:")
        for size in (s for s in args.sizes if s != "cpu"):
            for name in args.experiments:
                ratio = total[name, size, "workers"] / total[name, size, "device"]
                print(f"  {name} ({size}): {ratio:.2f}x")
    command = " ".join(["python", "benchmarks/experiment_sizes.py", *(argv if argv is not None else sys.argv[1:])])
    if args.record:
        print(f"recorded in {record(rows, device, args.machine, command)}")
    if args.json:
        args.json.write_text(json.dumps({
            "device": device_name(device), "torch": torch.__version__,
            "command": command,
            "date": time.strftime("%Y-%m-%d"), "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
