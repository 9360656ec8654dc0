"""How long each experiment takes at each size, as measured on the course's reference machines.

The figures are written by ``python benchmarks/experiment_sizes.py --record`` into
``cnnlib/measured/experiment_times.json``: per experiment, size and machine, the projected time
of the whole run, with the device's full name, the date, the command and the commit that
measured it (see that script for how a figure is measured and projected). Nothing here is
typed in by hand; a machine that has not measured a size says so.

The machines are classes, each a column of :func:`expected_times`:

* ``"cpu"``: the 2-core development machine (what a laptop or a free Colab CPU session has);
* ``"t4"``: a free Colab GPU (NVIDIA T4);
* ``"large-gpu"``: a data-centre GPU (H100, H200, A100).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from cnnlib.display import Table

__all__ = ["MACHINES", "TIMES_FILE", "measured_times", "expected_times", "duration"]

#: Machine class -> the column heading of :func:`expected_times`.
MACHINES = {"cpu": "2-core CPU", "t4": "Colab T4", "large-gpu": "large GPU"}
TIMES_FILE = Path(__file__).with_name("measured") / "experiment_times.json"
_SIZES = ("cpu", "gpu", "paper")


@lru_cache(maxsize=1)
def measured_times() -> tuple[dict[str, Any], ...]:
    """Every recorded measurement (a tuple of dicts; empty when none was recorded)."""
    if not TIMES_FILE.is_file():
        return ()
    return tuple(json.loads(TIMES_FILE.read_text(encoding="utf-8"))["measurements"])


def duration(seconds: float) -> str:
    """``"40 s"``, ``"12 min"``, ``"2.5 h"`` or ``"3.1 days"``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def expected_times(experiment: str) -> Table:
    """One row per size, one column per machine class: the measured (or projected) time of
    the whole experiment at that size, or why there is none."""
    from cnnlib import experiments

    if experiment not in experiments.GPU_EPOCHS:
        raise ValueError(f"unknown experiment {experiment!r}; experiments with sizes: "
                         f"{', '.join(experiments.GPU_EPOCHS)}")
    found = {(m["size"], m["machine"]): m for m in measured_times() if m["experiment"] == experiment}
    rows = []
    for size in _SIZES:
        row: dict[str, Any] = {"size": size}
        for machine, heading in MACHINES.items():
            m = found.get((size, machine))
            row[heading] = ("not measured yet" if m is None else
                            duration(m["seconds"]) + (" (projected)" if m.get("projected") else ""))
        rows.append(row)
    devices = sorted({f"{MACHINES[m['machine']]}: {m['device']} ({m['date']})" for m in found.values()})
    caption = (f"{experiment}: expected time of the whole run at each size. Measured with "
               f"benchmarks/experiment_sizes.py on " + ("; ".join(devices) if devices else "no machine yet")
               + ". Projected: timed for some steps and scaled to the full run.")
    return Table(rows, caption=caption)
