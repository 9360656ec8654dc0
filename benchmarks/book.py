"""Clean and cached build times of the book, in one run.

    python benchmarks/book.py

Builds the book twice into a fresh temporary folder with the same command `make book` uses:
first from nothing (every notebook executed), then again with nothing changed (execution cache
and doctrees reused). Prints both times and their ratio. Targets on a 2-core machine: clean
within 20 minutes, cached within 1 minute.
"""
from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build(out: Path) -> float:
    env = dict(os.environ, CNNLIB_STATIC="1")
    jb = Path(sys.executable).parent / "jupyter-book"
    t0 = time.perf_counter()
    subprocess.run([str(jb), "build", str(ROOT), "--path-output", str(out), "-W", "--keep-going", "-q"],
                   check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    # The notebook execution cache lives in the repository (_config.yml: _build/.jupyter_cache);
    # set it aside so the first build really executes everything, and put it back afterwards.
    cache = ROOT / "_build" / ".jupyter_cache"
    saved = cache.with_name(".jupyter_cache.bench-saved")
    if cache.exists():
        cache.rename(saved)
    try:
        with tempfile.TemporaryDirectory(prefix="book-bench-") as tmp:
            clean = build(Path(tmp))
            cached = build(Path(tmp))
    finally:
        if saved.exists():
            shutil.rmtree(cache, ignore_errors=True)
            saved.rename(cache)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores")
    print(f"clean build:  {clean:7.1f} s")
    print(f"cached build: {cached:7.1f} s")
    print(f"ratio: cached is {clean / cached:.1f}x faster")


if __name__ == "__main__":
    main()
