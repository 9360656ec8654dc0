"""The student's side of grading: evaluate what the judge asks for and report it as plain data.

During autograding every test cell of a submission is replaced by a *probe cell*
that calls :func:`run` with the judge's requests (see :mod:`cnnlib.course.judge`).
The probe evaluates each requested expression in the student's namespace, or
builds the student's module, loads weights the judge chose and runs it on inputs
the judge chose, and publishes the results as one ``display_data`` output of type
:data:`MIME`: JSON whose tensors are raw bytes with their shape and dtype. It
never compares anything and never sees an expected value: that happens in the
judge, in a process where student code never ran.

This file runs inside the sandboxed kernel, where the student can change any of
it; that costs only their own answers (a broken probe reports nothing, and a
report the student forges is an answer like any other, judged against values the
sandbox never saw). The same file is imported by the trusted side
(:mod:`cnnlib.course.checks`, :mod:`cnnlib.course.judge`) for the wire format
(:func:`encode`, :func:`decode`), and, in a student's own notebook, to run the
visible checks exactly as the grader does. It imports nothing from ``cnnlib``
at module level: the grading kernel loads it from its file.
"""

from __future__ import annotations

import base64
import json
import math
import sys

__all__ = ["MIME", "ProbeError", "decode", "encode", "evaluate", "layers_in_call_order", "pairing_key", "run"]

#: Output type of the probe's report (a ``display_data`` output of the probe cell).
MIME = "application/vnd.cnnlib.answers+json"
#: Largest encoded answer: a tensor past this is reported as too large, not sent.
MAX_VALUE_BYTES = 8 * 2**20
#: Deepest nesting of lists/tuples/dicts in an answer.
MAX_DEPTH = 32
#: Longest string kept in an answer (longer ones are cut and marked).
MAX_STR = 10_000
#: Most items of a list/tuple/dict in an answer.
MAX_ITEMS = 100_000

_DTYPES = ("float16", "bfloat16", "float32", "float64", "complex64", "complex128", "int8", "int16", "int32",
           "int64", "uint8", "bool")


class ProbeError(ValueError):
    """Data that is not a valid answer (too large, too deep, malformed)."""


def _qualname(kind: type) -> str:
    module = getattr(kind, "__module__", "?")
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _tensor_payload(array_bytes: bytes, dtype: str, shape: list[int]) -> list:
    if len(array_bytes) > MAX_VALUE_BYTES:
        raise ProbeError(f"a tensor of {len(array_bytes)} bytes is larger than the {MAX_VALUE_BYTES} bytes "
                         "an answer may have")
    return [dtype, shape, base64.b64encode(array_bytes).decode("ascii")]


def encode(value, _depth: int = 0):
    """``value`` as JSON-able plain data: numbers, strings, lists, tagged tuples/dicts/tensors/arrays.

    Exact built-in types keep their type (an ``int`` stays an ``int``, a ``tuple`` a
    tuple); ``torch.Size`` is a tuple; a ``torch.Tensor`` (or ``Parameter``) and a numpy
    array keep dtype, shape and bytes; a numpy scalar is tagged with its dtype; anything
    else is reported by its class name only.
    """
    if _depth > MAX_DEPTH:
        raise ProbeError(f"the answer is nested more than {MAX_DEPTH} levels deep")
    kind = type(value)
    if value is None or kind is bool or kind is str and len(value) <= MAX_STR:
        return value
    if kind is str:
        return {"$str": value[:MAX_STR], "cut": len(value)}
    if kind is int:
        return value if -(2**63) <= value < 2**63 else {"$int": str(value)[:5000]}
    if kind is float:
        return value if value == value and value not in (float("inf"), float("-inf")) else {"$float": repr(value)}
    if kind is complex:
        return {"$complex": [encode(value.real), encode(value.imag)]}
    if kind is list or kind is tuple:
        if len(value) > MAX_ITEMS:
            raise ProbeError(f"the answer has more than {MAX_ITEMS} items")
        items = [encode(item, _depth + 1) for item in value]
        return items if kind is list else {"$tuple": items}
    if kind is dict:
        if len(value) > MAX_ITEMS:
            raise ProbeError(f"the answer has more than {MAX_ITEMS} items")
        return {"$dict": [[encode(k, _depth + 1), encode(v, _depth + 1)] for k, v in value.items()]}
    torch = sys.modules.get("torch")
    if torch is not None:
        if kind is torch.Size:
            return {"$tuple": [int(v) for v in value]}
        if kind is torch.Tensor or kind is torch.nn.Parameter:
            t = value.detach()
            if t.device.type != "cpu":
                t = t.cpu()
            dtype = str(t.dtype).replace("torch.", "")
            if dtype not in _DTYPES:
                return {"$object": f"torch.Tensor of dtype {dtype}"}
            t = t.contiguous()
            raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
            return {"$tensor": _tensor_payload(raw, dtype, list(t.shape))}
    np = sys.modules.get("numpy")
    if np is not None:
        if kind is np.ndarray:
            dtype = str(value.dtype)
            if dtype not in _DTYPES:
                return {"$object": f"numpy.ndarray of dtype {dtype}"}
            raw = np.ascontiguousarray(value).tobytes()
            return {"$ndarray": _tensor_payload(raw, dtype, list(value.shape))}
        if isinstance(value, np.generic) and kind.__module__ == "numpy":
            item = value.item()
            return {"$numpy": [str(value.dtype), encode(item, _depth + 1) if type(item) in (int, float, bool,
                                                                                             complex) else None]}
    return {"$object": _qualname(kind)}


class Opaque:
    """An answer of a type the judge does not read (its class name only)."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def __eq__(self, other) -> bool:
        return type(other) is Opaque and other.name == self.name

    __hash__ = None  # type: ignore[assignment]


class NumpyScalar:
    """A numpy scalar answer (``numpy.int64(5)``): its dtype and Python value."""

    def __init__(self, dtype: str, value):
        self.dtype, self.value = dtype, value

    def __repr__(self) -> str:
        return f"numpy.{self.dtype}({self.value!r})"


class CutString(str):
    """A string answer longer than :data:`MAX_STR`, cut; ``length`` is its full length."""

    length: int = 0


def _decode_array(payload, kind: str):
    if not (isinstance(payload, list) and len(payload) == 3):
        raise ProbeError(f"malformed {kind}")
    dtype, shape, data = payload
    if dtype not in _DTYPES or not isinstance(shape, list) or not all(type(s) is int and s >= 0 for s in shape) \
            or not isinstance(data, str) or len(shape) > 16:
        raise ProbeError(f"malformed {kind}")
    if len(data) > MAX_VALUE_BYTES * 4 // 3 + 8:
        raise ProbeError(f"{kind} too large")
    raw = base64.b64decode(data.encode("ascii"), validate=True)
    count = 1
    for s in shape:
        count *= s
    if kind == "$ndarray":
        import numpy as np

        if dtype == "bfloat16":
            raise ProbeError("numpy has no bfloat16")
        np_dtype = np.dtype(dtype)
        if count * np_dtype.itemsize != len(raw):
            raise ProbeError(f"{kind}: {len(raw)} bytes do not hold a {dtype} array of shape {tuple(shape)}")
        return np.frombuffer(raw, dtype=np_dtype).reshape(shape).copy()
    import torch

    torch_dtype = getattr(torch, dtype)
    itemsize = torch.empty((), dtype=torch_dtype).element_size()
    if count * itemsize != len(raw):
        raise ProbeError(f"{kind}: {len(raw)} bytes do not hold a {dtype} array of shape {tuple(shape)}")
    return torch.frombuffer(bytearray(raw), dtype=torch_dtype).reshape(shape) if raw else \
        torch.empty(shape, dtype=torch_dtype)


def decode(data, _depth: int = 0):
    """The inverse of :func:`encode` for data read back from a sandbox (validated as it goes)."""
    if _depth > MAX_DEPTH + 2:
        raise ProbeError("answer nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        if len(data) > MAX_ITEMS:
            raise ProbeError("answer has too many items")
        return [decode(item, _depth + 1) for item in data]
    if type(data) is not dict or len(data) not in (1, 2):
        raise ProbeError("malformed answer")
    (tag, payload), *rest = data.items()
    if tag == "$tuple" and type(payload) is list:
        return tuple(decode(item, _depth + 1) for item in payload)
    if tag == "$dict" and type(payload) is list:
        if not all(type(p) is list and len(p) == 2 for p in payload):
            raise ProbeError("malformed dict answer")
        out = {}
        for key, value in payload:
            key = decode(key, _depth + 1)
            try:
                out[key] = decode(value, _depth + 1)
            except TypeError:  # an unhashable key (a list): not a valid dict key anyway
                raise ProbeError("dict answer with an unhashable key") from None
        return out
    if tag in ("$tensor", "$ndarray"):
        return _decode_array(payload, tag)
    if tag == "$int" and type(payload) is str and len(payload) <= 5000:
        return int(payload)
    if tag == "$float" and payload in ("nan", "inf", "-inf"):
        return float(payload)
    if tag == "$complex" and type(payload) is list and len(payload) == 2:
        return complex(decode(payload[0], _depth + 1), decode(payload[1], _depth + 1))
    if tag == "$str" and type(payload) is str and rest and rest[0][0] == "cut" and type(rest[0][1]) is int:
        text = CutString(payload)
        text.length = rest[0][1]
        return text
    if tag == "$numpy" and type(payload) is list and len(payload) == 2 and type(payload[0]) is str:
        return NumpyScalar(payload[0][:20], decode(payload[1], _depth + 1))
    if tag == "$object" and type(payload) is str:
        return Opaque(payload[:200])
    raise ProbeError("malformed answer")


# ----------------------------------------------------------------------------- evaluation
def _error(exc: BaseException) -> dict:
    """An exception as data: its class chain (module, name) and its message (cut)."""
    chain = [[getattr(k, "__module__", "?"), getattr(k, "__qualname__", "?")] for k in type(exc).__mro__]
    try:
        message = str(exc)
    except BaseException:  # noqa: BLE001 - a student's __str__ may raise anything
        message = "<the exception's message could not be read>"
    return {"error": {"chain": chain[:20], "message": message[:2000]}}


def _namespace(namespace: dict, given) -> dict:
    if not given:
        return namespace
    scope = dict(namespace)
    scope.update({name: decode(value) for name, value in given.items()})
    return scope


def _evaluate_value(request: dict, namespace: dict) -> dict:
    scope = _namespace(namespace, request.get("given"))
    try:
        value = eval(compile(request["expr"], "<answer>", "eval"), scope)  # noqa: S307 - the student's own code
    except BaseException as exc:  # noqa: BLE001 - any failure of the student's code is an answer
        if isinstance(exc, KeyboardInterrupt):
            raise
        return _error(exc)
    if request.get("op") == "parameters":
        try:
            params = list(value.parameters())
            value = sum(int(p.numel()) for p in params)
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, KeyboardInterrupt):
                raise
            return _error(exc)
    try:
        return {"value": encode(value)}
    except ProbeError as exc:
        return {"error": {"chain": [["cnnlib", "AnswerTooLarge"]], "message": str(exc)}}
    except BaseException as exc:  # noqa: BLE001 - e.g. a tensor subclass whose methods raise
        if isinstance(exc, KeyboardInterrupt):
            raise
        return _error(exc)


def draw_rule(name: str, shape: tuple) -> str:
    """How :func:`seeded_tensors` draws a module's tensor called ``name`` with ``shape``."""
    if name == "running_var":
        return "variance"
    if name in ("running_mean", "bias"):
        return "small"
    return "fan" if len(shape) >= 2 else "scale"


def seeded_tensors(seed: int, specs: list) -> list:
    """Tensors drawn one after the other from a generator seeded with ``seed``, one per
    ``[rule, shape]``: ``fan`` He-uniform weights, ``small`` biases and means (N(0, 0.2)),
    ``variance`` in [0.5, 1.5), ``scale`` (norm weights) in [0.5, 1.5). The judge and the
    sandbox draw the same values with the same torch."""
    import torch

    g = torch.Generator().manual_seed(int(seed))
    out = []
    for rule, shape in specs:
        shape = tuple(int(n) for n in shape)
        if rule == "variance" or rule == "scale":
            out.append(torch.rand(shape, generator=g) + 0.5)
        elif rule == "small":
            out.append(torch.randn(shape, generator=g) * 0.2)
        elif rule == "fan":
            numel = max(1, math.prod(shape))
            out.append((torch.rand(shape, generator=g) * 2 - 1) * (6.0 * shape[0] / numel) ** 0.5)
        else:
            raise ValueError(f"unknown draw rule {rule!r}")
    return out


def own_tensors(module) -> list:
    """Parameters and buffers a module holds itself (not its children's), in registration order."""
    return [t for t in list(module._parameters.values()) + list(module._buffers.values()) if t is not None]


def layers_in_call_order(model, x) -> list:
    """The submodules that hold tensors, in the order a forward pass on ``x`` first runs them."""
    import torch

    order, seen, handles = [], set(), []

    def hook(module, args, output):
        if id(module) not in seen:
            seen.add(id(module))
            order.append(module)

    for m in model.modules():
        if own_tensors(m):
            handles.append(m.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(x.clone())
    finally:
        for h in handles:
            h.remove()
    return order


def pairing_key(module) -> list:
    """``[kind, [shapes]]`` of a layer; a Linear layer counts as the equivalent 1x1 convolution."""
    kind, shapes = type(module).__name__, [list(t.shape) for t in own_tensors(module)]
    if kind == "Linear":
        kind, shapes = "Conv2d", [s + [1, 1] if len(s) == 2 else s for s in shapes]
    return [kind, shapes]


def layer_table(model, input_size) -> list:
    """Sorted ``[kind, params, output shape]`` of the layers with weights (``cnnlib.summarize``)."""
    import cnnlib

    rows = []
    for r in cnnlib.summarize(model, tuple(input_size)).rows:
        if r.params > 0:
            kind, shape = r.kind, list(r.output_shape)
            if kind == "Linear":
                kind, shape = "Conv2d", shape + [1, 1]
            rows.append([kind, int(r.params), shape])
    return sorted(rows)


def _evaluate_module(request: dict, namespace: dict) -> dict:
    """Build the student's module, load the judge's weights into it, run it on the judge's inputs."""
    import torch

    stage = "construct"
    report: dict = {}
    try:
        torch.manual_seed(0)
        model = eval(compile(request["expr"], "<module>", "eval"), _namespace(namespace, request.get("given")))
        if not isinstance(model, torch.nn.Module):
            return {"stage": stage, "value": encode(None) if model is None else {"$object": _qualname(type(model))}}
        inputs = [decode(x) for x in request["inputs"]]
        if request.get("input_size") is not None:
            stage = "structure"
            report["table"] = layer_table(model, request["input_size"])
        stage = "layers"
        model.eval()
        mine = layers_in_call_order(model, inputs[0])
        report["layers"] = [pairing_key(m) for m in mine]
        groups: dict = {}
        for m in mine:
            groups.setdefault(repr(pairing_key(m)), []).append(m)
        reference: dict = {}
        for key, tensors in request["weights"]:
            reference.setdefault(repr(key), []).append(tensors)
        if sorted((k, len(v)) for k, v in groups.items()) != sorted((k, len(v)) for k, v in reference.items()):
            return {"stage": "layers", **report}
        stage = "weights"
        draws = request.get("draws") or {"seed": 0, "specs": []}
        drawn = seeded_tensors(draws["seed"], draws["specs"])
        with torch.no_grad():
            for key, tensor_lists in reference.items():
                for module, tensors in zip(groups[key], tensor_lists):
                    for mine_t, data in zip(own_tensors(module), tensors):
                        value = drawn[data["$draw"]] if "$draw" in data else decode(data)
                        mine_t.copy_(value.reshape(mine_t.shape))
        stage = "forward"
        outputs = []
        for mode in request.get("modes", ["eval"]):
            model.train(mode == "train")
            with torch.no_grad():
                outputs.append([mode, [encode(model(x.clone())) for x in inputs]])
        model.eval()
        return {"stage": "done", "outputs": outputs, **report}
    except BaseException as exc:  # noqa: BLE001 - the student's code failed at ``stage``
        if isinstance(exc, KeyboardInterrupt):
            raise
        return {"stage": stage, **_error(exc), **report}


def evaluate(requests: list[dict], namespace: dict) -> list[dict]:
    """Results of ``requests`` (as :func:`run` publishes them), one per request, in order."""
    results = []
    for request in requests:
        if request.get("op") == "module":
            result = _evaluate_module(request, namespace)
        else:
            result = _evaluate_value(request, namespace)
        results.append({"id": request["id"], **result})
    return results


def run(requests: str, namespace: dict, token: str = "") -> None:
    """Evaluate the JSON ``requests`` in ``namespace`` and publish the results (the probe cell's call)."""
    from IPython.display import display

    results = evaluate(json.loads(requests), namespace)
    display({MIME: {"token": token, "results": results}, "text/plain": f"[{len(results)} answer(s) collected]"},
            raw=True)
