"""Launcher of the grading kernel; run as a script (``python -I _kernel.py -f CONN``).

Started by :class:`cnnlib.course.sandbox.SandboxedKernelManager`, normally inside
bubblewrap. It applies the resource limits given in ``CNNLIB_KERNEL_LIMITS``
before importing anything else, then starts an IPython kernel whose
``do_execute`` first lets :class:`cnnlib.course._guard.Guard` undo whatever the
previous cells tampered with. It deliberately does not import the ``cnnlib``
package (whose ``__init__`` may import torch): the guard and the checks module
are loaded from their files.
"""

import os
import resource
import sys

_LIMITS = {
    "as": resource.RLIMIT_AS,
    "cpu": resource.RLIMIT_CPU,
    "fsize": resource.RLIMIT_FSIZE,
    "nproc": resource.RLIMIT_NPROC,
}


def apply_limits(spec: str) -> None:
    """Set soft = hard limits from ``"as=BYTES,cpu=SECONDS,..."``; core dumps off."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for item in filter(None, spec.split(",")):
        key, _, value = item.partition("=")
        limit = int(value)
        if key == "cpu":
            # SIGXCPU at the soft limit, SIGKILL 5 s later if it is ignored.
            resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 5))
        else:
            resource.setrlimit(_LIMITS[key], (limit, limit))


def die_with_parent() -> None:
    """Linux: get SIGKILL when the grading worker that started us dies (also without bwrap)."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _load_guard():
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_guard.py")
    spec = importlib.util.spec_from_file_location("_cnnlib_grading_guard", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def warm_up(preload: list[str]) -> None:
    """Import what a grading kernel imports at start-up, then exit (``--warm-up``).

    Run by the trusted grader outside the sandbox with ``-X pycache_prefix=DIR``, so
    the bytecode of every module lands in DIR; sandboxed kernels read DIR
    (read-only) instead of compiling the same modules again each time.
    """
    import shutil
    import tempfile

    sys.modules["debugpy"] = None
    guard_module = _load_guard()
    from ipykernel.kernelapp import IPKernelApp

    tmp = tempfile.mkdtemp(prefix="cnnlib-warm-up-")
    try:
        app = IPKernelApp.instance()
        app.initialize(["-f", os.path.join(tmp, "kernel.json"), "--transport=ipc",
                        "--ip=" + os.path.join(tmp, "zmq")])
        guard_module.Guard(app.kernel, preload=preload, trusted=[], checks_path=None)._take_snapshot()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.stdout.flush()
    os._exit(0)  # skip the kernel's shutdown machinery: nothing else is needed from this process


def main() -> None:
    if sys.argv[1:2] == ["--warm-up"]:
        warm_up([m for m in sys.argv[2].split(",") if m] if len(sys.argv) > 2 else [])
    apply_limits(os.environ.get("CNNLIB_KERNEL_LIMITS", ""))
    die_with_parent()
    here = os.path.dirname(os.path.abspath(__file__))
    preload = [m for m in os.environ.get("CNNLIB_KERNEL_PRELOAD", "").split(",") if m]
    trusted = [p for p in os.environ.get("CNNLIB_KERNEL_TRUSTED", "").split(os.pathsep) if p]
    guard_module = _load_guard()

    # No debugger in a grading kernel: saves importing debugpy (measured 0.1 CPU s, 30% of
    # importing ipykernel) and removes a way to poke at the kernel's internals.
    sys.modules["debugpy"] = None
    from ipykernel.ipkernel import IPythonKernel
    from ipykernel.kernelapp import IPKernelApp

    guard_class = guard_module.Guard
    before_cell = guard_class.before_cell  # bound here: later patches of the class do not reach it

    base_do_execute = IPythonKernel.do_execute
    guards = []  # reached through this closure only, not through the kernel object

    class GradingKernel(IPythonKernel):
        """IPython kernel that restores the guarded state before every cell."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            guards.append(guard_class(self, preload=preload, trusted=trusted,
                                      checks_path=os.path.join(here, "checks.py")))

        async def do_execute(self, code, silent, *args, **kwargs):  # noqa: D102
            refusal = before_cell(guards[0])
            if refusal is None:
                return await base_do_execute(self, code, silent, *args, **kwargs)
            self.shell.execution_count += 1
            content = {"ename": "GradingGuardError", "evalue": refusal,
                       "traceback": [f"GradingGuardError: {refusal}"]}
            self.send_response(self.iopub_socket, "error", content)
            return {"status": "error", "execution_count": self.shell.execution_count - 1,
                    "user_expressions": {}, "payload": [], **content}

    IPKernelApp.launch_instance(kernel_class=GradingKernel)


if __name__ == "__main__":
    main()
