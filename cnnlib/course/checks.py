"""Assertions for exercise test cells that a submission cannot fool.

A student's code runs in the same Python process as the tests that grade it, so
it can replace ``torch.allclose``, ``numpy.testing``, ``cnnlib`` functions or a
helper defined earlier in the notebook, or return an object whose ``__eq__``
always says yes. These helpers never call anything the student can replace:
values are converted to plain nested lists of Python numbers through C methods
of immutable types (``torch._C.TensorBase.tolist``, ``numpy.ndarray.tolist``),
only exact ``torch.Tensor``/``Parameter``/``ndarray``/built-in types are accepted,
and the comparison uses ``math.isclose`` on floats. The grading kernel
(:mod:`cnnlib.course._guard`) additionally undoes patches of library functions and
puts a fresh copy of this module in ``sys.modules`` before every cell.

How exercise test cells must use it
-----------------------------------
1. Import the helpers **in the test cell itself**, on its first line (a helper
   defined or imported in an earlier cell can be redefined by the student)::

       from cnnlib.course.checks import assert_close, assert_equal, assert_shape

   Use ``from cnnlib.course.checks import ...`` (not ``import cnnlib.course.checks
   as ...``): inside the grading kernel it does not import the ``cnnlib`` package.
2. Compute expected values **before** calling the student's code in that cell
   (the student's function runs inside the test cell and could patch things on
   the way), with library functions or :func:`reference`::

       expected = reference("cnnlib.conv_output_size")(32, 3, padding=1)
       assert_equal(conv_out(32, 3, padding=1), expected)

3. Compare what the student returns only with these helpers, never with ``==``,
   ``np.allclose``, ``torch.allclose`` or ``torch.testing`` directly.
4. Hidden tests go between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``
   in a test cell; their text and their outputs never reach the students (not in
   ``exercises/``, not in the feedback HTML).
5. **A test cell must not write to stderr.** nbgrader 0.9.6 gives a test cell zero
   points when its output contains an error *or any stderr stream*
   (``nbgrader.utils.determine_grade``: ``output.output_type == 'stream' and
   output.name == 'stderr'``), so a ``UserWarning`` printed while a correct
   solution runs inside a test cell costs the points. Keep solutions warning-free
   or wrap the call in ``warnings.catch_warnings()``. A test cell whose last
   expression evaluates to a number gets that number as partial credit, so end
   test cells with an assertion, not an expression.
"""

from __future__ import annotations

import builtins as _builtins
import importlib as _importlib
import math as _math
import os as _os
import sys as _sys

__all__ = ["assert_close", "assert_equal", "assert_raises", "assert_shape", "assert_true", "reference"]

# Captured when this module is executed: the grading kernel executes a fresh copy
# right before each cell, after restoring the originals.
_type = _builtins.type
_isinstance = _builtins.isinstance
_issubclass = _builtins.issubclass
_len = _builtins.len
_repr = _builtins.repr
_list = _builtins.list
_tuple = _builtins.tuple
_range = _builtins.range
_getattr = _builtins.getattr
_all = _builtins.all
_enumerate = _builtins.enumerate
_bool = _builtins.bool
_int = _builtins.int
_float = _builtins.float
_complex = _builtins.complex
_str = _builtins.str
_AssertionError = _builtins.AssertionError
_TypeError = _builtins.TypeError
_BaseException = _builtins.BaseException
_isclose = _math.isclose
_isnan = _math.isnan
_realpath = _os.path.realpath
_HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: set for classes defined in Python code
_SCALARS = (_bool, _int, _float, _complex, _str, _type(None))
_NUMBERS = (_bool, _int, _float)


def _torch_tools():
    torch = _sys.modules.get("torch")
    if torch is None:
        return None
    C = torch._C
    return {
        "exact": (torch.Tensor, torch.nn.Parameter),
        "tolist": C.TensorBase.tolist,
        "shape": C.TensorBase.shape.__get__,
        "no_tf": C.DisableTorchFunction,
    }


def _numpy_tools():
    np = _sys.modules.get("numpy")
    if np is None:
        return None
    return {"ndarray": np.ndarray, "tolist": np.ndarray.tolist, "generic": np.generic,
            "item": np.generic.item, "shape": np.ndarray.shape.__get__}


_TORCH = _torch_tools()
_NUMPY = _numpy_tools()

# Where trusted code lives (the grading guard injects its own list before this runs).
_TRUSTED_ROOTS = globals().get("_TRUSTED_ROOTS") or _tuple(
    _realpath(p) + _os.sep
    for p in (_sys.prefix, _sys.base_prefix, _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__))))
)


def _describe(value) -> str:
    text = _repr(value) if _type(value) in _SCALARS or _type(value) in (_list, _tuple) else f"<{_type(value).__name__}>"
    return text if _len(text) <= 200 else text[:197] + "..."


def _plain(value, path: str = "value"):
    """``value`` as nested lists of Python scalars; refuse anything the student could fake."""
    kind = _type(value)
    if kind in _SCALARS:
        return value
    if kind is _list or kind is _tuple:
        return [_plain(item, f"{path}[{i}]") for i, item in _enumerate(value)]
    if _TORCH is not None and (kind is _TORCH["exact"][0] or kind is _TORCH["exact"][1]):
        with _TORCH["no_tf"]():
            return _plain(_TORCH["tolist"](value), path)
    if _NUMPY is not None:
        if kind is _NUMPY["ndarray"]:
            return _plain(_NUMPY["tolist"](value), path)
        if not kind.__flags__ & _HEAPTYPE and _issubclass(kind, _NUMPY["generic"]):
            return _plain(_NUMPY["item"](value), path)
    if not kind.__flags__ & _HEAPTYPE and kind.__module__ == "torch" and kind.__name__ == "Size":
        return [_plain(item, f"{path}[{i}]") for i, item in _enumerate(_tuple.__iter__(value))]
    raise _AssertionError(
        f"{path} has type {kind.__module__}.{kind.__qualname__}; expected a number, a list/tuple, "
        "a torch.Tensor or a numpy array (subclasses are not accepted)")


def _compare(actual, expected, path: str, *, exact: bool, rtol: float, atol: float, equal_nan: bool) -> str | None:
    """First difference between two plain structures, or None."""
    ta, te = _type(actual), _type(expected)
    if ta is _list or te is _list:
        if ta is not _list or te is not _list:
            return f"{path}: expected {'a sequence' if te is _list else _describe(expected)}, got {_describe(actual)}"
        if _len(actual) != _len(expected):
            return f"{path}: expected length {_len(expected)}, got length {_len(actual)}"
        for i in _range(_len(actual)):
            diff = _compare(actual[i], expected[i], f"{path}[{i}]", exact=exact, rtol=rtol, atol=atol,
                            equal_nan=equal_nan)
            if diff is not None:
                return diff
        return None
    numbers = _NUMBERS
    if ta in numbers and te in numbers and not exact:
        a, e = _float(actual), _float(expected)
        if equal_nan and _isnan(a) and _isnan(e):
            return None
        if _isclose(a, e, rel_tol=rtol, abs_tol=atol):
            return None
        return f"{path}: expected {e!r}, got {a!r} (rtol={rtol}, atol={atol})"
    if ta is _complex or te is _complex:
        if not exact and ta in numbers + (_complex,) and te in numbers + (_complex,):
            a, e = _complex(actual), _complex(expected)
            if _isclose(a.real, e.real, rel_tol=rtol, abs_tol=atol) and \
                    _isclose(a.imag, e.imag, rel_tol=rtol, abs_tol=atol):
                return None
        elif actual == expected and ta is te:
            return None
        return f"{path}: expected {expected!r}, got {actual!r}"
    if exact and ta in numbers and te in numbers:
        if ta is _float or te is _float:
            a, e = _float(actual), _float(expected)
            ok = a == e or (equal_nan and _isnan(a) and _isnan(e))
        else:
            ok = _int(actual) == _int(expected) and (ta is _bool) == (te is _bool)
        return None if ok else f"{path}: expected {expected!r}, got {actual!r}"
    if ta is te and actual == expected:  # both exact built-in scalars
        return None
    return f"{path}: expected {_describe(expected)}, got {_describe(actual)}"


def _fail(message: str, msg: str) -> None:
    raise _AssertionError(f"{msg}: {message}" if msg else message)


def assert_close(actual, expected, *, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False,
                 msg: str = "") -> None:
    """Assert ``actual`` equals ``expected`` elementwise within ``rtol``/``atol``.

    Both may be numbers, (nested) lists/tuples, ``torch.Tensor`` or numpy arrays;
    shapes must match exactly (a tensor of shape (2, 1) is not close to one of shape (2,)).
    """
    _check_tolerances(rtol, atol)
    diff = _compare(_plain(actual, "actual"), _plain(expected, "expected"), "value", exact=False,
                    rtol=rtol, atol=atol, equal_nan=equal_nan)
    if diff is not None:
        _fail(diff, msg)


def assert_equal(actual, expected, *, msg: str = "") -> None:
    """Assert exact equality of numbers, strings, sequences, tensors or arrays."""
    diff = _compare(_plain(actual, "actual"), _plain(expected, "expected"), "value", exact=True,
                    rtol=0.0, atol=0.0, equal_nan=False)
    if diff is not None:
        _fail(diff, msg)


def assert_shape(value, expected_shape, *, msg: str = "") -> None:
    """Assert a tensor's or array's shape, e.g. ``assert_shape(y, (8, 64, 16, 16))``."""
    kind = _type(value)
    if _TORCH is not None and (kind is _TORCH["exact"][0] or kind is _TORCH["exact"][1]):
        shape = _plain(_TORCH["shape"](value))
    elif _NUMPY is not None and kind is _NUMPY["ndarray"]:
        shape = _plain(_NUMPY["shape"](value))
    else:
        raise _AssertionError(f"expected a torch.Tensor or numpy array, got {kind.__module__}.{kind.__qualname__}")
    expected = _plain(expected_shape, "expected_shape")
    if _type(expected) is not _list or not _all(_type(s) is _int for s in expected):
        raise _TypeError(f"expected_shape must be a tuple of ints, got {expected_shape!r}")
    if shape != expected:
        _fail(f"expected shape {_tuple(expected)}, got {_tuple(shape)}", msg)


def assert_true(condition, *, msg: str = "condition is not true") -> None:
    """Assert ``condition`` is exactly ``True`` (a bool, or a one-element bool tensor/array)."""
    value = _plain(condition, "condition")
    while _type(value) is _list and _len(value) == 1:
        value = value[0]
    if value is not True:
        raise _AssertionError(msg)


def assert_raises(exception: type, function, *args, **kwargs) -> None:
    """Assert ``function(*args, **kwargs)`` raises ``exception`` (or a subclass of it)."""
    if not (_isinstance(exception, _type) and _issubclass(exception, _BaseException)):
        raise _TypeError(f"exception must be an exception class, got {exception!r}")
    try:
        function(*args, **kwargs)
    except exception:
        return
    except _BaseException as other:  # noqa: BLE001 - reported to the student
        raise _AssertionError(f"expected {exception.__name__}, got {_type(other).__name__}: {other}") from None
    raise _AssertionError(f"expected {exception.__name__} to be raised, nothing was raised")


def _is_trusted(obj) -> bool:
    seen = 0
    while _getattr(obj, "__wrapped__", None) is not None and seen < 10:
        obj, seen = obj.__wrapped__, seen + 1
    func = _getattr(obj, "__func__", obj)
    code = _getattr(func, "__code__", None)
    if code is not None:
        return _realpath(code.co_filename).startswith(_TRUSTED_ROOTS)
    kind = _type(obj)
    if not kind.__flags__ & _HEAPTYPE:
        return True  # a C function or an instance of a C type
    if kind is _type:  # a class: all its Python methods must come from the installation
        return _all(_is_trusted(v) for v in obj.__dict__.values() if _getattr(v, "__code__", None) is not None)
    return False


def reference(name: str):
    """The library object ``name`` (e.g. ``"cnnlib.conv_output_size"``), checked to be unpatched.

    Raises ``AssertionError`` when the object was replaced by code that does not
    come from the installed packages (e.g. a function the student defined).
    """
    if _type(name) is not _str or "." not in name:
        raise _TypeError(f"name must be a dotted name such as 'cnnlib.conv_output_size', got {name!r}")
    parts = name.split(".")
    obj = None
    for i in _range(_len(parts) - 1, 0, -1):
        try:
            obj = _importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = _getattr(obj, attr)
        break
    else:
        raise _TypeError(f"cannot import any module named in {name!r}")
    if not _is_trusted(obj):
        raise _AssertionError(f"{name} was replaced by code that is not part of the installed packages")
    return obj


def _check_tolerances(rtol: float, atol: float) -> None:
    if _type(rtol) not in (_int, _float) or _type(atol) not in (_int, _float) or rtol < 0 or atol < 0:
        raise _TypeError(f"rtol and atol must be non-negative numbers, got rtol={rtol!r}, atol={atol!r}")
