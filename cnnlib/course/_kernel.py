"""Launcher of the grading kernel; run as a script (``python -I _kernel.py -f CONN``).

Started by :class:`cnnlib.course.sandbox.SandboxedKernelManager`, normally inside
bubblewrap. It applies the resource limits given in ``CNNLIB_KERNEL_LIMITS``
before importing anything else, loads the probe (:mod:`cnnlib.course.probe`) from
its file as ``_cnnlib_probe``, imports the libraries the assignment uses, and
starts a plain IPython kernel. Nothing in this process decides a grade: the
probe only reports answers, which the judge compares outside
(:mod:`cnnlib.course.judge`).

With warm kernels (:mod:`cnnlib.course.zygote`) this script is not run per kernel: the
warm-kernel server (``_zygote_main.py``) loads it by path, imports what :func:`main` imports,
and each forked kernel applies :func:`apply_limits` and starts ``IPKernelApp`` as here.
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


def _load_probe():
    """The probe (cnnlib/course/probe.py) as module ``_cnnlib_probe``, without importing cnnlib."""
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe.py")
    spec = importlib.util.spec_from_file_location("_cnnlib_probe", path)
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
    import importlib

    sys.modules["debugpy"] = None
    _load_probe()
    import ipykernel.ipkernel  # noqa: F401
    import ipykernel.kernelapp  # noqa: F401
    import IPython.display  # noqa: F401

    for name in preload:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - best effort
            pass
    sys.stdout.flush()
    os._exit(0)  # skip the interpreter's shutdown machinery: nothing else is needed from this process


def main() -> None:
    if sys.argv[1:2] == ["--warm-up"]:
        warm_up([m for m in sys.argv[2].split(",") if m] if len(sys.argv) > 2 else [])
    apply_limits(os.environ.get("CNNLIB_KERNEL_LIMITS", ""))
    die_with_parent()
    preload = [m for m in os.environ.get("CNNLIB_KERNEL_PRELOAD", "").split(",") if m]
    _load_probe()
    # No debugger in a grading kernel: saves importing debugpy (measured 0.1 CPU s, 30% of
    # importing ipykernel) and removes a way to poke at the kernel's internals.
    sys.modules["debugpy"] = None
    import importlib

    for name in preload:  # what the assignment imports anyway, before the clock of the first cell
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the student's cells will report it
            pass
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance()


if __name__ == "__main__":
    main()
