"""State guard of the grading kernel: undo a submission's tampering before every cell.

Loaded by :mod:`cnnlib.course._kernel` from its file (not through the ``cnnlib``
package, whose ``__init__`` may import torch) inside the sandboxed kernel. Before
the first cell it imports the modules it is asked to protect and takes a snapshot;
before every cell it puts back:

* every callable, class and submodule attribute of the protected modules (the
  interpreter's ``builtins``, ``math``, ``operator``, ``functools``, ``unittest``,
  and ``numpy``/``torch``/``cnnlib`` when the assignment uses them), their
  ``sys.modules`` entries, and the attributes of a few classes test code relies
  on (``torch.Tensor``, ``torch.nn.Module``, every ``cnnlib`` class, and the
  IPython shell/kernel/session classes that produce a cell's outputs);
* IPython's hooks: input and AST transformers, custom exception handlers,
  event callbacks registered by student code, instance attributes that shadow
  methods of the shell, the kernel or the session;
* interpreter hooks: ``sys.stdout``/``stderr``/``displayhook``/``excepthook``,
  ``sys.meta_path``/``path_hooks``, trace/profile functions, ``gc.callbacks``,
  signal handlers and interval timers, warning filters, the recursion limit;
* Python threads running the student's code are stopped (``SystemExit`` is raised
  in them), so they cannot re-patch anything while a test cell runs;
* a fresh copy of :mod:`cnnlib.course.checks` is put in ``sys.modules``, so a test
  cell's ``from cnnlib.course.checks import ...`` gets unpatched helpers.

When something had to be undone, one line ``[grading guard] restored: ...`` is
written to the cell's stdout (never stderr, which would cost a test cell its
points). This is a defence in depth, not a security boundary: code in the same
process can always reach the guard itself (``gc``, ``ctypes``); the autograder
flags submissions that use such tools (see :mod:`cnnlib.course.scan`).
"""

from __future__ import annotations

import builtins
import ctypes
import gc
import importlib
import importlib.util
import operator
import os
import signal
import sys
import threading
import time
import types
import warnings

_is = operator.is_
_all = all
_map = map
_len = len
_list = list
_dict = dict
_set = set
_tuple = tuple
_isinstance = isinstance
_getattr = getattr
_setattr = setattr
_type = type
_MISSING = object()
HOOK_MODULES = ("IPython", "ipykernel", "jupyter_client", "zmq", "traitlets", "comm")

ALWAYS_PROTECTED = ("builtins", "math", "cmath", "operator", "functools", "itertools",
                    "numbers", "importlib", "unittest", "warnings")
#: Submodules test code often calls, imported with their package so they are protected too.
SUBMODULES = {
    "numpy": ("numpy.testing", "numpy.linalg"),
    "torch": ("torch.testing", "torch.nn.functional", "torch.nn.init", "torch.linalg"),
}
CHECKS_MODULE = "cnnlib.course.checks"
PROTECTED_CLASSES = ("torch.Tensor", "torch.nn.Module", "torch.nn.Parameter", "unittest.TestCase")


def _resolve(dotted: str):
    module, _, attr = dotted.rpartition(".")
    mod = sys.modules.get(module)
    return _getattr(mod, attr, None) if mod is not None else None


class Guard:
    """Snapshot of the kernel's trusted state and its restoration (see module docstring)."""

    def __init__(self, kernel, *, preload: list[str], trusted: list[str], checks_path: str | None):
        self.kernel = kernel
        self.trusted = _tuple(os.path.realpath(p) + os.sep for p in trusted if p)
        self.checks_path = checks_path
        self._checks_code = None
        if checks_path and os.path.exists(checks_path):
            with open(checks_path, encoding="utf-8") as fh:
                self._checks_code = compile(fh.read(), checks_path, "exec")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            names = _list(ALWAYS_PROTECTED)
            for name in preload:
                names += [name, *SUBMODULES.get(name, ())]
            for name in names:
                try:
                    importlib.import_module(name)
                except Exception:  # noqa: BLE001 - a module the course lacks is simply not protected
                    pass
        self.roots = _tuple(ALWAYS_PROTECTED) + _tuple(
            n for n in preload if "." not in n and n in sys.modules)
        self._snapshot = None

    # ------------------------------------------------------------------ snapshot
    def _take_snapshot(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prefixes = _tuple(r + "." for r in self.roots)
            modules = [(n, m) for n, m in _list(sys.modules.items())
                       if _isinstance(m, types.ModuleType) and (n in self.roots or n.startswith(prefixes))]
            self.mod_names = _tuple(n for n, _ in modules)
            self.mod_objs = _tuple(m for _, m in modules)
            self.mod_entries = []  # (module dict, keys, getter, values)
            classes = _set()
            for name, mod in modules:
                d = mod.__dict__
                keys = _tuple(k for k, v in _list(d.items())
                              if callable(v) or _isinstance(v, types.ModuleType))
                if not keys:
                    continue
                getter = operator.itemgetter(*keys)
                values = getter(d) if _len(keys) > 1 else (getter(d),)
                self.mod_entries.append((d, keys, getter, values))
                if name == "cnnlib" or name.startswith("cnnlib."):
                    classes.update(v for v in d.values()
                                   if _isinstance(v, _type) and _getattr(v, "__module__", "") == name)
            for dotted in PROTECTED_CLASSES:
                cls = _resolve(dotted)
                if _isinstance(cls, _type):
                    classes.update(c for c in cls.__mro__ if c is not object)
            for obj in self._kernel_objects():
                classes.update(c for c in _type(obj).__mro__ if c is not object)
            self.class_entries = []
            for cls in classes:
                d = cls.__dict__
                self.class_entries.append((cls, _dict(d), _len(d)))
            self.instances = []
            for obj in self._kernel_objects():
                for d in (_getattr(obj, "__dict__", None), _getattr(obj, "_trait_values", None)):
                    if _isinstance(d, _dict):
                        self.instances.append((obj, d, _dict(d)))
            self.builtins = _dict(builtins.__dict__)
            shell = self.kernel.shell
            itm = shell.input_transformer_manager
            self.lists = [(itm, "cleanup_transforms", _list(itm.cleanup_transforms)),
                          (itm, "line_transforms", _list(itm.line_transforms)),
                          (itm, "token_transformers", _list(itm.token_transformers)),
                          (shell, "input_transformers_post", _list(shell.input_transformers_post)),
                          (shell, "ast_transformers", _list(shell.ast_transformers))]
            self.events = {k: _list(v) for k, v in shell.events.callbacks.items()}
            self.sys_attrs = {k: _getattr(sys, k) for k in
                              ("stdout", "stderr", "stdin", "displayhook", "excepthook",
                               "breakpointhook", "unraisablehook")}
            self.meta_path = _list(sys.meta_path)
            self.path_hooks = _list(sys.path_hooks)
            self.recursionlimit = sys.getrecursionlimit()
            self.gc_callbacks = _list(gc.callbacks)
            self.signals = {}
            for sig in signal.valid_signals():
                try:
                    self.signals[sig] = signal.getsignal(sig)
                except (ValueError, OSError):
                    pass
            self.threads = _set(threading.enumerate())
            self.thread_excepthook = threading.excepthook
        self._snapshot = True

    def _kernel_objects(self) -> list:
        k = self.kernel
        shell = k.shell
        objs = [k, shell, _getattr(k, "session", None), _getattr(shell, "displayhook", None),
                _getattr(shell, "display_pub", None), _getattr(shell, "display_formatter", None),
                _getattr(shell, "events", None), _getattr(shell, "input_transformer_manager", None),
                _getattr(shell, "compile", None), _getattr(shell, "InteractiveTB", None), self]
        return [o for o in objs if o is not None]

    # ------------------------------------------------------------------ helpers
    def _is_user_code(self, obj) -> bool:
        """True if ``obj`` is (or wraps) a function defined outside the trusted roots."""
        for attr in ("__func__", "func"):
            obj = _getattr(obj, attr, obj)
        code = _getattr(obj, "__code__", None)
        if code is None:
            call = _getattr(_type(obj), "__call__", None)
            code = _getattr(call, "__code__", None)
        if code is None:
            return False
        return not os.path.realpath(code.co_filename).startswith(self.trusted)

    # ------------------------------------------------------------------ restore
    def before_cell(self) -> str | None:
        """Restore the snapshot (taking it first, before the first cell ever runs).

        Returns None, or why the cell must not run: a thread started by the
        submission ignores being stopped and could undo the restoration while a
        test runs.
        """
        if self._snapshot is None:
            self._take_snapshot()
            self._fresh_checks()
            return None
        restored: list[str] = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            survivors = self._stop_user_threads(restored)
            self._restore_interpreter(restored)
            self._restore_builtins(restored)
            self._restore_modules(restored)
            self._restore_classes(restored)
            self._restore_ipython(restored)
        self._fresh_checks()
        if restored:
            shown = ", ".join(restored[:40]) + (f" and {_len(restored) - 40} more" if _len(restored) > 40 else "")
            print(f"[grading guard] restored: {shown}", file=self.sys_attrs["stdout"], flush=True)
        if survivors:
            return (f"thread(s) {', '.join(survivors)} started by the submission keep running after being "
                    "stopped; the remaining cells are not run")
        return None

    def _fresh_checks(self) -> None:
        if self._checks_code is None:
            return
        module = types.ModuleType(CHECKS_MODULE)
        module.__file__ = self.checks_path
        module._TRUSTED_ROOTS = self.trusted
        exec(self._checks_code, module.__dict__)  # noqa: S102 - trusted file from the installation
        sys.modules[CHECKS_MODULE] = module

    def _stop_user_threads(self, restored: list[str]) -> list[str]:
        """Raise SystemExit in threads running the student's code; return those still alive."""
        frames = sys._current_frames()
        stopped = []
        for thread in threading.enumerate():
            if thread in self.threads or not thread.is_alive() or thread.ident is None:
                continue
            suspicious = False
            frame = frames.get(thread.ident)
            while frame is not None and not suspicious:
                suspicious = not os.path.realpath(frame.f_code.co_filename).startswith(self.trusted)
                frame = frame.f_back
            for attr in ("_target", "function", "run"):
                target = _getattr(thread, attr, None)
                if target is not None and self._is_user_code(target):
                    suspicious = True
            if suspicious:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                           ctypes.py_object(SystemExit))
                restored.append(f"stopped thread {thread.name}")
                stopped.append(thread)
        deadline = time.monotonic() + 0.5
        while stopped and time.monotonic() < deadline:
            stopped = [t for t in stopped if t.is_alive()]
            if stopped:
                time.sleep(0.01)
        return [t.name for t in stopped if t.is_alive()]

    def _restore_interpreter(self, restored: list[str]) -> None:
        for key, value in self.sys_attrs.items():
            if _getattr(sys, key) is not value:
                _setattr(sys, key, value)
                restored.append(f"sys.{key}")
        if sys.gettrace() is not None:
            sys.settrace(None)
            restored.append("sys.settrace")
        if sys.getprofile() is not None:
            sys.setprofile(None)
            restored.append("sys.setprofile")
        threading.settrace(None)  # type: ignore[arg-type]
        threading.setprofile(None)  # type: ignore[arg-type]
        threading.excepthook = self.thread_excepthook
        for name, saved in (("meta_path", self.meta_path), ("path_hooks", self.path_hooks)):
            current = _getattr(sys, name)
            if _len(current) != _len(saved) or not _all(_map(_is, current, saved)):
                current[:] = saved
                restored.append(f"sys.{name}")
        if sys.getrecursionlimit() != self.recursionlimit:
            sys.setrecursionlimit(self.recursionlimit)
            restored.append("sys.setrecursionlimit")
        if _len(gc.callbacks) != _len(self.gc_callbacks) or not _all(_map(_is, gc.callbacks, self.gc_callbacks)):
            gc.callbacks[:] = self.gc_callbacks
            restored.append("gc.callbacks")
        if not gc.isenabled():
            gc.enable()
        torch_c = _getattr(sys.modules.get("torch"), "_C", None)
        if torch_c is not None:
            # TorchFunctionMode / TorchDispatchMode entered by the student and never exited.
            for length, pop, label in (("_len_torch_function_stack", "_pop_torch_function_stack", "function"),
                                       ("_len_torch_dispatch_stack", "_pop_torch_dispatch_stack", "dispatch")):
                try:
                    while _getattr(torch_c, length)() > 0:
                        _getattr(torch_c, pop)()
                        restored.append(f"torch {label} mode")
                except (AttributeError, RuntimeError):
                    pass
        for timer in (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF):
            if signal.getitimer(timer) != (0.0, 0.0):
                signal.setitimer(timer, 0)
                restored.append("signal.setitimer")
        # Timer and interrupt signals always; other handlers only if student code set them
        # (libraries such as torch's DataLoader install their own SIGCHLD handler).
        always = {signal.SIGINT, signal.SIGTERM, signal.SIGALRM, signal.SIGVTALRM, signal.SIGPROF}
        for sig, handler in self.signals.items():
            try:
                current = signal.getsignal(sig)
                if current is not handler and (sig in always or self._is_user_code(current)):
                    signal.signal(sig, handler)
                    restored.append(f"signal {signal.Signals(sig).name}")
            except (ValueError, OSError, TypeError):
                pass

    def _restore_builtins(self, restored: list[str]) -> None:
        current = builtins.__dict__
        for key, value in self.builtins.items():
            if current.get(key, _MISSING) is not value:
                current[key] = value
                restored.append(f"builtins.{key}")
        for key in _list(current):
            if key not in self.builtins:
                del current[key]
                restored.append(f"builtins.{key}")
        ns = self.kernel.shell.user_ns
        if ns.get("__builtins__") is not builtins:
            ns["__builtins__"] = builtins
            restored.append("__builtins__")

    def _library_wrapper(self, new, old, modname: str) -> bool:
        """Whether ``new`` is the package's own wrapper of ``old`` (e.g. ``import torch._dynamo``
        replaces ``torch.manual_seed`` by a ``functools.wraps`` wrapper from torch's files)."""
        if _type(new) is not types.FunctionType or new.__dict__.get("__wrapped__") is not old:
            return False
        package = sys.modules.get(modname.split(".")[0])
        folder = os.path.dirname(os.path.realpath(_getattr(package, "__file__", None) or "/nonexistent"))
        return os.path.realpath(new.__code__.co_filename).startswith(folder + os.sep)

    def _restore_modules(self, restored: list[str]) -> None:
        modules = sys.modules
        try:
            current = operator.itemgetter(*self.mod_names)(modules)
            intact = _all(_map(_is, current, self.mod_objs))
        except KeyError:
            intact = False
        if not intact:
            for name, mod in zip(self.mod_names, self.mod_objs):
                if modules.get(name) is not mod:
                    modules[name] = mod
                    restored.append(f"sys.modules[{name!r}]")
        for index, (d, keys, getter, values) in enumerate(self.mod_entries):
            try:
                now = getter(d)
                if _len(keys) == 1:
                    now = (now,)
                if _all(_map(_is, now, values)):
                    continue
            except KeyError:
                pass
            modname = d.get("__name__", "?")
            accepted = _list(values)
            for i, (key, value) in enumerate(zip(keys, values)):
                current = d.get(key, _MISSING)
                if current is value:
                    continue
                if self._library_wrapper(current, value, modname):
                    accepted[i] = current  # the library's own doing: the new normal
                else:
                    d[key] = value
                    restored.append(f"{modname}.{key}")
            self.mod_entries[index] = (d, keys, getter, _tuple(accepted))

    def _restore_classes(self, restored: list[str]) -> None:
        for cls, saved, size in self.class_entries:
            d = cls.__dict__
            if _len(d) == size and _all(d.get(k, _MISSING) is v for k, v in saved.items()):
                continue
            for key in _list(d):
                if key not in saved:
                    try:
                        delattr(cls, key)
                        restored.append(f"{cls.__qualname__}.{key}")
                    except (AttributeError, TypeError):
                        pass
            for key, value in saved.items():
                if d.get(key, _MISSING) is not value and key not in ("__dict__", "__weakref__", "__doc__"):
                    try:
                        _setattr(cls, key, value)
                        restored.append(f"{cls.__qualname__}.{key}")
                    except (AttributeError, TypeError):
                        pass

    def _restore_ipython(self, restored: list[str]) -> None:
        shell = self.kernel.shell
        for obj, attr, saved in self.lists:
            current = _getattr(obj, attr)
            if _len(current) != _len(saved) or not _all(_map(_is, current, saved)):
                _setattr(obj, attr, _list(saved))
                restored.append(f"shell.{attr}")
        callbacks = shell.events.callbacks
        for event in _list(callbacks):
            saved = self.events.get(event, [])
            keep = [cb for cb in callbacks[event] if any(cb is s for s in saved) or
                    (not self._is_user_code(cb) and _getattr(cb, "__code__", None) is not None)]
            if _len(keep) != _len(callbacks[event]):
                callbacks[event][:] = keep
                restored.append(f"shell.events[{event!r}]")
        # Instance attributes (plain and traitlets values) of the shell, kernel, session...:
        # put back hooks that were replaced, drop new ones that shadow methods.
        for obj, current, saved in self.instances:
            for key in _list(current):
                if key in saved:
                    continue
                if callable(_getattr(_type(obj), key, None)) or key.startswith("__"):
                    del current[key]
                    restored.append(f"{_type(obj).__name__}.{key}")
            for key, value in saved.items():
                now = current.get(key, _MISSING)
                if now is value:
                    continue
                if callable(value) or _type(value).__module__.startswith(HOOK_MODULES) or \
                        _isinstance(value, _tuple):
                    current[key] = value
                    restored.append(f"{_type(obj).__name__}.{key}")
