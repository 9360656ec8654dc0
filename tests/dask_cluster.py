"""A real Dask cluster on 127.0.0.1 for the grading tests: Dask's own ``dask scheduler`` and
``dask worker`` commands, each a process group of its own (as on separate machines, the workers
see neither the course folder nor the gradebook)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers import live_processes

from cnnlib.course.config import GRADEBOOK_ENV

DASK = str(Path(sys.executable).with_name("dask"))


class LocalCluster:
    """``dask scheduler`` and ``dask worker`` processes on 127.0.0.1, each in a process group."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.workers, self.scheduler = folder, {}, None
        self.env = {k: v for k, v in os.environ.items() if k != GRADEBOOK_ENV}

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        env = {**self.env, "TMPDIR": tempfile.mkdtemp(prefix=f"cdk-{name}-")}  # short: kernel socket paths
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def start(self, workers: tuple[str, ...] = ("w1", "w2")) -> None:
        file = self.folder / "scheduler.json"
        self.scheduler = self._spawn("scheduler", [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0",
                                                   "--no-dashboard", "--scheduler-file", str(file)])
        deadline = time.monotonic() + 120
        while not file.exists() and time.monotonic() < deadline:
            assert self.scheduler.poll() is None, (self.folder / "scheduler.log").read_text()
            time.sleep(0.2)
        time.sleep(0.2)  # the file is written once complete, but give the writer a moment
        self.address = json.loads(file.read_text())["address"]
        for name in workers:
            self.add_worker(name)
        self.wait_for_workers(len(workers))

    def add_worker(self, name: str) -> None:
        self.workers[name] = self._spawn(name, [DASK, "worker", self.address, "--name", name, "--nthreads", "1",
                                                "--no-nanny", "--no-dashboard", "--memory-limit", "0"])

    def wait_for_workers(self, n: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(n, timeout=120)

    def worker_of(self, pid: int) -> str | None:
        """The worker whose process tree holds ``pid``."""
        parents = {p["pid"]: p["ppid"] for p in live_processes()}
        owners = {proc.pid: name for name, proc in self.workers.items()}
        while pid and pid not in owners:
            pid = parents.get(pid, 0)
        return owners.get(pid)

    @staticmethod
    def descendants(pid: int) -> set[int]:
        """``pid`` and the pids of every process under it, now."""
        processes = live_processes()
        children: dict[int, list[int]] = {}
        for proc in processes:
            children.setdefault(proc["ppid"], []).append(proc["pid"])
        found, todo = set(), [pid]
        while todo:
            current = todo.pop()
            found.add(current)
            todo += children.get(current, [])
        return found

    @staticmethod
    def alive(pids: set[int], wait_s: float = 0) -> list[dict]:
        """Those of ``pids`` still running after waiting up to ``wait_s`` for them to end."""
        deadline = time.monotonic() + wait_s
        while True:
            left = [p for p in live_processes() if p["pid"] in pids]
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.1)

    def stop(self) -> None:
        for proc in [*self.workers.values(), self.scheduler]:
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
