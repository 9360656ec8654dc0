"""Per-layer analysis of a model without running it: ``summarize(model, input_size)``.

The model is traced on PyTorch's ``meta`` device: a meta input (shape and dtype only, no
storage) flows through it, and the parameters and buffers that layers read are swapped for meta
tensors. Each layer's forward is wrapped for the trace (and restored after) to check its input
and record its input and output shapes; parameters, MACs and memory come from the shapes by the
formulas in :mod:`cnnlib.arithmetic`. Layers whose output shape is known without running them
(normalizations, activations, plain convolutions, adaptive pooling) are not run, and common
elementwise, concatenation and matrix ops are answered from shapes (:class:`_ShapeOnlyOps`):
PyTorch's meta kernels for them are Python and would dominate the trace. Nothing is computed on
real numbers, so ResNet-152 at 224x224 is summarized in a few tens of milliseconds, far faster
than one real forward pass (``benchmarks/analysis.py`` measures the ratio).

Rows are the model's leaf modules (plus any module holding parameters of its own) in the order
they run. A module called twice gets two rows; its parameters are counted once.
"""
from __future__ import annotations

import html
import math
import threading
from dataclasses import asdict, dataclass, field
from typing import Iterable, Iterator, Sequence

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from cnnlib.arithmetic import BYTES_PER_FLOAT32, _check_int, conv_output_size

__all__ = ["summarize", "Summary", "LayerRow", "explain_input_error", "smallest_input_size"]

_CONV = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_CONV_T = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
_POOL = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)
_CONV_ANY = _CONV + _CONV_T
_ADAPTIVE_POOL = (
    nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
    nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d,
)
_NORM = (
    nn.modules.batchnorm._NormBase, nn.GroupNorm, nn.LayerNorm, nn.LocalResponseNorm,
)
# Layers that move or reshape data without arithmetic.
_NO_OPS = (nn.Identity, nn.Flatten, nn.Unflatten, nn.Dropout, nn.Dropout2d, nn.Dropout1d,
           nn.AlphaDropout)

# torch.nn layers whose output has their input's shape (traced as a pass-through; exact types
# only, so a subclass with its own forward is traced for real).
_SHAPE_KEEPING = {nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU,
                  nn.SiLU, nn.Mish, nn.Hardswish, nn.Hardsigmoid, nn.Sigmoid, nn.Tanh,
                  nn.Dropout3d, *(set(_NO_OPS) - {nn.Flatten, nn.Unflatten})}

_state = threading.local()


@dataclass(frozen=True)
class LayerRow:
    """One layer of a :class:`Summary`. Shapes exclude the batch dimension."""

    name: str
    kind: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int
    macs: int
    memory_bytes: int
    other_ops: int = 0
    kernel: tuple[int, ...] | None = None
    stride: tuple[int, ...] | None = None
    padding: tuple[int, ...] | None = None
    groups: int | None = None

    @property
    def flops(self) -> int:
        """2 x MACs (a multiply and an add each)."""
        return 2 * self.macs

    @property
    def memory_kb(self) -> float:
        return self.memory_bytes / 1024

    def as_dict(self) -> dict:
        d = asdict(self)
        d["flops"] = self.flops
        return d


@dataclass
class Summary:
    """Per-layer table and totals. ``str()`` renders the lectures' table; notebooks show HTML."""

    model_name: str
    input_size: tuple[int, ...]
    batch_size: int
    rows: list[LayerRow]
    total_params: int
    total_trainable_params: int
    total_macs: int
    total_memory_bytes: int
    total_other_ops: int
    output_shape: tuple[int, ...] = ()
    #: Parameters of modules that did not run for this input in eval mode (e.g. GoogLeNet's
    #: auxiliary classifiers): counted in ``total_params`` but in no row.
    unused_params: int = 0
    _shown: list[LayerRow] | None = field(default=None, repr=False)

    @property
    def total_flops(self) -> int:
        """2 x ``total_macs``, the count ``torch.utils.flop_counter.FlopCounterMode`` reports."""
        return 2 * self.total_macs


    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[LayerRow]:
        return iter(self.rows)

    def __getitem__(self, index: int) -> LayerRow:
        return self.rows[index]

    def row(self, name: str) -> LayerRow:
        """The (first) row of the module called ``name`` (its dotted path in the model)."""
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(f"no layer named {name!r}; names look like {self.rows[0].name!r}")

    def records(self) -> list[dict]:
        """Rows as plain dicts (for tests, pandas and plots)."""
        return [r.as_dict() for r in self.rows]

    def only(self, *kinds: str) -> "Summary":
        """The same summary showing only rows whose ``kind`` is one of ``kinds`` (e.g.
        ``"Conv2d", "MaxPool2d", "Linear"`` for the lectures' tables). Totals stay whole-model."""
        copy = Summary(**{k: getattr(self, k) for k in self.__dataclass_fields__ if k != "_shown"})
        copy._shown = [r for r in self.rows if r.kind in kinds]
        return copy

    def argmax(self, column: str) -> LayerRow:
        """The row with the largest value in ``column`` (``params``, ``macs``, ``memory_bytes``)."""
        if column not in ("params", "macs", "memory_bytes", "other_ops", "flops"):
            raise ValueError(f"column must be params, macs, flops, memory_bytes or other_ops, got {column!r}")
        return max(self.rows, key=lambda r: getattr(r, column))

    # ---------------------------------------------------------------- rendering
    _HEAD = ("Layer", "C, H/W in", "filters, kernel, stride, pad", "C, H/W out",
             "memory KB", "params k", "MMAC", "MFLOP")

    def _cells(self) -> list[tuple[str, ...]]:
        cells = []
        for r in self._shown if self._shown is not None else self.rows:
            cfg = ""
            if r.kernel is not None:
                parts = [str(r.output_shape[0]) if r.kind.startswith("Conv") else "-",
                         _dims(r.kernel), _dims(r.stride), _dims(r.padding)]
                if r.groups and r.groups > 1:
                    parts.append(f"g={r.groups}")
                cfg = ", ".join(parts)
            cells.append((
                f"{r.name} ({r.kind})", _shape(r.input_shape), cfg, _shape(r.output_shape),
                f"{r.memory_kb:,.0f}", f"{r.params / 1e3:,.1f}", f"{r.macs / 1e6:,.1f}",
                f"{r.flops / 1e6:,.1f}",
            ))
        return cells

    def _footer(self) -> tuple[str, ...]:
        return ("Total", _shape(self.input_size), "", _shape(self.output_shape),
                f"{self.total_memory_bytes / 1024:,.0f}", f"{self.total_params / 1e3:,.1f}",
                f"{self.total_macs / 1e6:,.1f}", f"{self.total_flops / 1e6:,.1f}")

    def __str__(self) -> str:
        table = [self._HEAD, *self._cells(), self._footer()]
        widths = [max(len(row[i]) for row in table) for i in range(len(self._HEAD))]
        def fmt(row):
            return " | ".join(c.ljust(w) if i < 4 else c.rjust(w)
                              for i, (c, w) in enumerate(zip(row, widths)))
        rule = "-+-".join("-" * w for w in widths)
        lines = [f"{self.model_name} on input {_shape(self.input_size)} "
                 f"(batch {self.batch_size}; memory = float32 outputs; MFLOP = 2 x MMAC)",
                 fmt(self._HEAD), rule, *map(fmt, table[1:-1]), rule, fmt(table[-1])]
        if self.unused_params:
            lines.append(f"({self.unused_params:,} parameters belong to layers that do not run "
                         f"in eval mode, e.g. auxiliary classifiers; they are in the total.)")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in self._HEAD)
        body = "".join(
            "<tr>" + "".join(
                f"<td style='text-align:{'left' if i < 4 else 'right'}'>{esc(c)}</td>"
                for i, c in enumerate(row)) + "</tr>"
            for row in self._cells())
        foot = "<tr>" + "".join(f"<th style='text-align:{'left' if i < 4 else 'right'}'>{esc(c)}</th>"
                                for i, c in enumerate(self._footer())) + "</tr>"
        caption = (f"{esc(self.model_name)} on input {esc(_shape(self.input_size))}; "
                   f"memory = float32 outputs, batch {self.batch_size}; MFLOP = 2 x MMAC")
        return (f"<table class='cnnlib-summary'><caption>{caption}</caption>"
                f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody><tfoot>{foot}</tfoot></table>")

    def __repr__(self) -> str:
        return (f"Summary({self.model_name}, input={self.input_size}, layers={len(self.rows)}, "
                f"params={self.total_params:,}, macs={self.total_macs:,}, "
                f"memory_bytes={self.total_memory_bytes:,})")


def _shape(shape: Sequence[int]) -> str:
    if len(shape) == 3:
        c, h, w = shape
        return f"{c}, {h}" if h == w else f"{c}, {h}x{w}"
    return "x".join(str(s) for s in shape)


def _dims(t: Sequence[int] | None) -> str:
    if t is None:
        return "-"
    return str(t[0]) if len(set(t)) == 1 else "x".join(map(str, t))


def _tuple(v, n: int) -> tuple[int, ...]:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


# -------------------------------------------------------------------- input validation
def _check_layer_input(name: str, module: nn.Module, x: torch.Tensor) -> None:
    """Raise a ValueError naming ``name`` when ``x`` can't go through ``module``."""
    kind = type(module).__name__
    if isinstance(module, _CONV_ANY):
        n_sp = len(module.kernel_size)
        if x.dim() != n_sp + 2:
            raise ValueError(f"layer {name!r} ({kind}) expects a {n_sp + 2}-D input "
                             f"(N, C, spatial...), got shape {tuple(x.shape)}")
        if x.shape[1] != module.in_channels:
            raise ValueError(f"layer {name!r} ({kind}) expects {module.in_channels} input "
                             f"channels, got {x.shape[1]} (input shape {tuple(x.shape[1:])})")
        if isinstance(module, _CONV):
            pad = module.padding if not isinstance(module.padding, str) else (0,) * n_sp
            if module.padding == "same":
                return
            _check_window(name, kind, x.shape[2:], module.kernel_size, module.dilation, pad)
    elif isinstance(module, _POOL):
        n_sp = int(kind[-2])
        k = _tuple(module.kernel_size, n_sp)
        dil = _tuple(getattr(module, "dilation", 1), n_sp)
        _check_window(name, kind, x.shape[-n_sp:], k, dil, _tuple(module.padding, n_sp))
    elif isinstance(module, nn.Linear):
        if x.shape[-1] != module.in_features:
            raise ValueError(f"layer {name!r} (Linear) expects {module.in_features} input "
                             f"features, got {x.shape[-1]} (input shape {tuple(x.shape[1:])}); "
                             f"the spatial size reaching it depends on the input size")
    elif isinstance(module, nn.modules.batchnorm._BatchNorm) and x.dim() >= 2:
        if x.shape[1] != module.num_features:
            raise ValueError(f"layer {name!r} ({kind}) expects {module.num_features} channels, "
                             f"got {x.shape[1]}")


def _check_window(name, kind, spatial, kernel, dilation, padding) -> None:
    for size, k, d, p in zip(spatial, kernel, dilation, padding):
        k_eff = d * (k - 1) + 1
        if size + 2 * p < k_eff:
            raise ValueError(
                f"input too small at layer {name!r} ({kind}, kernel {k}, padding {p}): the "
                f"spatial size has shrunk to {'x'.join(map(str, spatial))}, smaller than the "
                f"{k_eff}-wide window")


# -------------------------------------------------------------------- per-layer costs
_CATEGORIES = [("conv", _CONV), ("conv_t", _CONV_T), ("linear", nn.Linear),
               ("bilinear", nn.Bilinear), ("pool", _POOL), ("adaptive_pool", _ADAPTIVE_POOL),
               ("lrn", nn.LocalResponseNorm), ("norm", _NORM), ("no_op", _NO_OPS)]
_category_cache: dict[type, str] = {}


def _category(module: nn.Module) -> str:
    """Which cost rule applies to ``module`` (worked out once per class: isinstance over these
    tuples, for every layer of a large network, is a noticeable part of a trace)."""
    cls = type(module)
    cat = _category_cache.get(cls)
    if cat is None:
        cat = next((name for name, types in _CATEGORIES if issubclass(cls, types)), "elementwise")
        _category_cache[cls] = cat
    return cat


def _cost_rule(module: nn.Module, category: str) -> tuple[bool, int, int]:
    """How one call of ``module`` costs, as ``(from_input, macs_per_element, ops_per_element)``:
    MACs and other ops are those factors times the number of elements of the output (of the
    input when ``from_input``), for the whole batch. Worked out once per layer."""
    if category == "conv":
        return False, (module.in_channels // module.groups) * math.prod(module.kernel_size), 0
    if category == "conv_t":  # each input element meets out_channels/groups x k weights
        return True, (module.out_channels // module.groups) * math.prod(module.kernel_size), 0
    if category == "linear":
        return False, module.in_features, 0
    if category == "bilinear":
        return False, module.in1_features * module.in2_features, 0
    if category == "pool":
        n_sp = int(type(module).__name__[-2])
        return False, 0, math.prod(_tuple(module.kernel_size, n_sp))
    if category == "adaptive_pool":
        return True, 0, 1
    if category == "lrn":
        return False, 0, module.size + 3
    if category == "norm":
        return False, 0, 2
    if category == "no_op":
        return False, 0, 0
    return False, 0, 1  # activations and other elementwise layers: one op per output


# -------------------------------------------------------------------- tracing
def _passthrough(x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    return x


def _meta_empty(shape, dtype: torch.dtype) -> torch.Tensor:
    """An empty meta tensor, made without going through :class:`_ShapeOnlyOps` (~10 us, not ~50)."""
    with torch._C._DisableTorchDispatch():
        return torch.empty(shape, dtype=dtype, device="meta")


def _result_dtype(a: torch.Tensor, b) -> torch.dtype | None:
    """dtype of a binary elementwise op on float tensors, in the cases that are unambiguous
    (same dtype; or one side a Python number / 0-dim tensor, which does not promote a float
    tensor); ``None`` for anything else, which then goes to PyTorch's own meta kernel."""
    if not a.dtype.is_floating_point:
        return None
    if isinstance(b, (int, float)) and not isinstance(b, bool):
        return a.dtype
    if isinstance(b, torch.Tensor):
        if b.dtype == a.dtype:
            return a.dtype
        if b.dim() == 0 and a.dim() > 0 and not b.dtype.is_complex and b.dtype != torch.bool:
            return a.dtype
    return None


def _broadcast(a: torch.Size, b) -> tuple[int, ...] | None:
    shape_b = b.shape if isinstance(b, torch.Tensor) else ()
    if shape_b == a or not shape_b:
        return tuple(a)
    try:
        return tuple(torch.broadcast_shapes(a, shape_b))
    except RuntimeError:
        return None


def _binary(args, kwargs):
    a, b = args[0], args[1]
    dtype = _result_dtype(a, b)
    if dtype is None:
        return None
    shape = _broadcast(a.shape, b)
    return None if shape is None else _meta_empty(shape, dtype)


def _binary_inplace(args, kwargs):
    a, b = args[0], args[1]
    if _result_dtype(a, b) is None or _broadcast(a.shape, b) != tuple(a.shape):
        return None
    return a


def _unary(args, kwargs):
    a = args[0]
    return _meta_empty(a.shape, a.dtype) if a.dtype.is_floating_point else None


def _unary_inplace(args, kwargs):
    return args[0] if args[0].dtype.is_floating_point else None


def _cat(args, kwargs):
    tensors = [t for t in args[0] if not (t.dim() == 1 and t.shape[0] == 0)]  # legacy empties
    dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
    if not tensors or any(t.dtype != tensors[0].dtype or t.dim() != tensors[0].dim() for t in tensors):
        return None
    dim %= tensors[0].dim()
    shape = list(tensors[0].shape)
    if any(tuple(t.shape[:dim]) + tuple(t.shape[dim + 1:]) != tuple(shape[:dim] + shape[dim + 1:])
           for t in tensors):
        return None
    shape[dim] = sum(t.shape[dim] for t in tensors)
    return _meta_empty(shape, tensors[0].dtype)


def _stack(args, kwargs):
    tensors = args[0]
    dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
    if not tensors or any(t.shape != tensors[0].shape or t.dtype != tensors[0].dtype for t in tensors):
        return None
    shape = list(tensors[0].shape)
    shape.insert(dim % (len(shape) + 1), len(tensors))
    return _meta_empty(shape, tensors[0].dtype)


def _mean(args, kwargs):
    x = args[0]
    dims = args[1] if len(args) > 1 else kwargs.get("dim")
    keepdim = args[2] if len(args) > 2 else kwargs.get("keepdim", False)
    if kwargs.get("dtype") is not None or not x.dtype.is_floating_point or x.dim() == 0:
        return None
    dims = range(x.dim()) if not dims else {d % x.dim() for d in dims}
    shape = ([1 if i in dims else n for i, n in enumerate(x.shape)] if keepdim
             else [n for i, n in enumerate(x.shape) if i not in dims])
    return _meta_empty(shape, x.dtype)


def _matmul_2d(m1: torch.Tensor, m2: torch.Tensor) -> tuple[int, int] | None:
    if m1.dim() != 2 or m2.dim() != 2 or m1.shape[1] != m2.shape[0] or m1.dtype != m2.dtype:
        return None
    return m1.shape[0], m2.shape[1]


def _addmm(args, kwargs):
    shape = _matmul_2d(args[1], args[2])
    return None if shape is None or args[0].dtype != args[1].dtype else _meta_empty(shape, args[1].dtype)


def _mm(args, kwargs):
    shape = _matmul_2d(args[0], args[1])
    return None if shape is None else _meta_empty(shape, args[0].dtype)


_aten = torch.ops.aten
_SHAPE_RULES = {
    **{op: _binary for op in (_aten.add.Tensor, _aten.sub.Tensor, _aten.mul.Tensor, _aten.div.Tensor)},
    **{op: _binary_inplace for op in (_aten.add_.Tensor, _aten.sub_.Tensor, _aten.mul_.Tensor,
                                      _aten.div_.Tensor)},
    **{op: _unary for op in (_aten.relu.default, _aten.sigmoid.default, _aten.hardsigmoid.default,
                             _aten.hardswish.default, _aten.silu.default, _aten.tanh.default,
                             _aten.gelu.default)},
    **{op: _unary_inplace for op in (_aten.relu_.default, _aten.sigmoid_.default,
                                     _aten.hardsigmoid_.default, _aten.hardswish_.default,
                                     _aten.silu_.default, _aten.tanh_.default)},
    _aten.cat.default: _cat, _aten.stack.default: _stack, _aten.mean.dim: _mean, _aten.addmm.default: _addmm, _aten.mm.default: _mm,
}


class _ShapeOnlyOps(TorchDispatchMode):
    """During a trace: answer the commonest elementwise, concatenation, mean and matrix ops on
    meta tensors from their input shapes. PyTorch's meta kernels for these are Python reference
    implementations: hundreds of microseconds a call, and the first call in a process imports
    torch._dynamo (seconds: every notebook and grading kernel that summarizes a model paid it).
    Anything not in :data:`_SHAPE_RULES`, or a case a rule does not cover (it returns
    ``None``), runs PyTorch's own kernel. The tests compare traced shapes and MACs with real
    forward passes and FlopCounterMode (``tests/test_summary.py``, ``tests/test_models_*.py``)."""

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        # Otherwise TorchDispatchMode wraps __torch_dispatch__ in torch._disable_dynamo, whose
        # first call imports torch._dynamo: the very cost this mode is here to avoid.
        return False

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        rule = _SHAPE_RULES.get(func)
        if rule is not None and all(isinstance(a, torch.Tensor) and a.device.type == "meta"
                                    for a in args if isinstance(a, torch.Tensor)):
            out = rule(args, kwargs)
            if out is not None:
                return out
        return func(*args, **kwargs)


def _adaptive_pool_shape_only(pool: nn.Module):
    """A forward for a plain adaptive pooling layer: an empty tensor of the output's shape.
    (Its meta kernel divides with a Python reference implementation whose first call imports
    torch._dynamo: seconds, once per process, in every notebook and grading kernel.)"""
    n_sp = int(type(pool).__name__[-2])
    target = _tuple(pool.output_size, n_sp)

    def forward(x: torch.Tensor) -> torch.Tensor:
        spatial = [size if t is None else t for size, t in zip(x.shape[-n_sp:], target)]
        return _meta_empty((*x.shape[:-n_sp], *spatial), x.dtype)
    return forward


def _conv_shape_only(conv: nn.Module):
    """A forward for a plain ``nn.ConvNd`` that returns an empty tensor of the output's shape,
    from :func:`cnnlib.arithmetic.conv_output_size` (the wrapper has already checked channels
    and size). The meta kernel's shape inference is Python too, and slower."""
    def forward(x: torch.Tensor) -> torch.Tensor:
        if conv.padding == "same":
            spatial = x.shape[2:]
        else:
            pads = (0,) * len(conv.kernel_size) if conv.padding == "valid" else conv.padding
            spatial = [conv_output_size(size, k, s, p, d) for size, k, s, p, d in
                       zip(x.shape[2:], conv.kernel_size, conv.stride, pads, conv.dilation)]
        return _meta_empty((x.shape[0], conv.out_channels, *spatial), x.dtype)
    return forward


class _OnMeta:
    """Context manager: swap every parameter and buffer of ``model`` for a meta tensor of the
    same shape (shared tensors stay shared) and put the originals back on exit.

    (``torch.func.functional_call`` does the same, but as of torch 2.13 leaves a module that is
    used twice on the meta device afterwards; swapping the dict entries directly is simpler.)
    """

    def __init__(self, model: nn.Module, modules: Iterable[nn.Module] | None = None) -> None:
        self.model = model
        self.modules = modules  # the model's modules, when the caller has listed them already
        self.saved: list[tuple[dict, str, torch.Tensor]] = []

    def __enter__(self) -> None:
        fakes: dict[int, torch.Tensor] = {}
        for module in self.model.modules() if self.modules is None else self.modules:
            for store in (module._parameters, module._buffers):
                for key, value in store.items():
                    if value is None:
                        continue
                    fake = fakes.get(id(value))
                    if fake is None:
                        # A plain meta tensor, not an nn.Parameter: the trace runs under no_grad,
                        # and wrapping a thousand tensors in Parameters costs more than the trace.
                        fake = torch.empty(value.shape, dtype=value.dtype, device="meta")
                        fakes[id(value)] = fake
                    self.saved.append((store, key, value))
                    store[key] = fake

    def __exit__(self, *exc) -> None:
        for store, key, value in reversed(self.saved):
            store[key] = value
        self.saved.clear()


def _validate_input_size(input_size) -> tuple[int, ...]:
    if isinstance(input_size, int):
        raise ValueError(f"input_size must be a shape without the batch, e.g. (3, 224, 224); "
                         f"got the int {input_size}")
    try:
        dims = tuple(input_size)
    except TypeError:
        raise ValueError(f"input_size must be a tuple like (3, 224, 224), got {input_size!r}") from None
    if not dims:
        raise ValueError("input_size is empty; give (channels, height, width)")
    return tuple(_check_int(f"input_size[{i}]", d) for i, d in enumerate(dims))


def summarize(
    model: nn.Module,
    input_size: Sequence[int],
    *,
    batch_size: int = 1,
    dtype: torch.dtype = torch.float32,
) -> Summary:
    """Per-layer table of ``model`` for one input of ``input_size`` (C, H, W), without running it.

    ``memory_bytes`` counts output activations in float32 for ``batch_size`` samples; ``macs``
    and ``other_ops`` are for the whole batch. The model is analysed in eval mode (so training-
    only branches such as auxiliary classifiers are left out) and restored to its mode after.

    Raises ``ValueError`` naming the layer when the input is too small or has the wrong
    number of channels.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    input_size = _validate_input_size(input_size)
    batch_size = _check_int("batch_size", batch_size)

    names: dict[nn.Module, str] = {}
    for n, m in model.named_modules(remove_duplicate=False):
        names.setdefault(m, n)  # a module used twice keeps its first name
    rows: list[LayerRow] = []
    counted: set[int] = set()

    def geometry(module: nn.Module, category: str) -> dict:
        """The row fields that don't depend on the input (computed once per layer)."""
        kind = type(module).__name__
        fields = dict(name=names.get(module, kind), kind=kind, kernel=None, stride=None,
                      padding=None, groups=module.__dict__.get("groups"))
        # (not getattr(module, "groups", None): nn.Module.__getattr__ raises and formats an
        # AttributeError for every layer without groups, which costs more than the whole row)
        if category in ("conv", "conv_t", "pool"):
            n_sp = len(module.kernel_size) if category != "pool" else int(kind[-2])
            fields["kernel"] = _tuple(module.kernel_size, n_sp)
            stride = module.stride if module.stride is not None else module.kernel_size
            fields["stride"] = _tuple(stride, n_sp)
            if not isinstance(module.padding, str):
                fields["padding"] = _tuple(module.padding, n_sp)
        return fields

    def record(module: nn.Module, fields: dict, rule: tuple[bool, int, int],
               x: torch.Tensor | None, out) -> None:
        y = out if isinstance(out, torch.Tensor) else (out[0] if isinstance(out, (tuple, list))
                                                       and out and isinstance(out[0], torch.Tensor) else None)
        params = 0 if id(module) in counted else sum(
            p.numel() for p in module._parameters.values() if p is not None)
        counted.add(id(module))
        if x is not None and y is not None:
            from_input, mac_factor, op_factor = rule
            n = x.numel() if from_input else y.numel()
            macs, other = n * mac_factor, n * op_factor
        else:
            macs = other = 0
        # Filled in directly rather than through the frozen dataclass's __init__ (which sets
        # each field with object.__setattr__): a few microseconds per layer, a thousand layers.
        row = object.__new__(LayerRow)
        row.__dict__.update(
            fields,
            input_shape=tuple(x.shape[1:]) if x is not None else (),
            output_shape=tuple(y.shape[1:]) if y is not None else (),
            params=params,
            macs=int(macs),
            memory_bytes=int(y.numel() * BYTES_PER_FLOAT32) if y is not None else 0,
            other_ops=int(other),
        )
        rows.append(row)

    def traced(module: nn.Module, inner):
        """A forward for ``module``: check its input (naming the layer), run ``inner``, record a
        row. Set on the instance rather than registered as hooks: modules without hooks take
        PyTorch's fast call path, which matters for networks of a thousand layers."""
        category = _category(module)
        fields = geometry(module, category)
        rule = _cost_rule(module, category)
        check_name = fields["name"] or fields["kind"]
        # the layers _check_layer_input knows about
        checked = category in ("conv", "conv_t", "pool", "linear") or (
            category == "norm" and isinstance(module, nn.modules.batchnorm._BatchNorm))

        def forward(*args, **kwargs):
            x = args[0] if args and isinstance(args[0], torch.Tensor) else None
            if checked and x is not None:
                _check_layer_input(check_name, module, x)
            out = inner(*args, **kwargs)
            record(module, fields, rule, x, out)
            return out
        return forward

    # The leaves, and containers that hold parameters of their own, get a row.
    # Normalization layers and activations keep the shape, and on the meta device PyTorch runs
    # their Python decompositions, which would dominate the trace: they pass the input through.
    # Plain convolutions (exact nn.ConvNd, not subclasses with a forward of their own) compute
    # their output shape by formula. These layers never read their weights.
    patched: list[tuple[nn.Module, object]] = []
    untouched: set[nn.Module] = set()
    for m in names:
        if next(m.children(), None) is not None and next(iter(m._parameters.values()), None) is None:
            continue
        own = m.__dict__.get("forward")
        inner = m.forward
        if own is None and (isinstance(m, _NORM) or type(m) in _SHAPE_KEEPING):
            inner = _passthrough
            untouched.add(m)
        elif own is None and type(m) in _CONV:
            inner = _conv_shape_only(m)
            untouched.add(m)
        elif own is None and type(m) in _ADAPTIVE_POOL and not m.__dict__.get("return_indices"):
            inner = _adaptive_pool_shape_only(m)
            untouched.add(m)
        patched.append((m, own))
        m.__dict__["forward"] = traced(m, inner)

    # eval mode (training-only branches left out); only modules in training mode are switched
    in_training = [m for m in names if m.training]
    for m in in_training:
        object.__setattr__(m, "training", False)
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        x = torch.empty((batch_size, *input_size), device="meta", dtype=dtype)
        # only the layers that read their weights need meta copies of them
        with torch.no_grad(), _OnMeta(model, [m for m in names if m not in untouched]), _ShapeOnlyOps():
            out = model(x)
    finally:
        _state.depth -= 1
        for m, own in patched:
            if own is None:
                del m.__dict__["forward"]
            else:
                m.__dict__["forward"] = own
        for m in in_training:
            object.__setattr__(m, "training", True)
    params = list(model.parameters())  # each shared parameter once
    total_params = sum(p.numel() for p in params)
    total_trainable = sum(p.numel() for p in params if p.requires_grad)
    return Summary(
        model_name=type(model).__name__,
        input_size=input_size,
        batch_size=batch_size,
        rows=rows,
        total_params=total_params,
        total_trainable_params=total_trainable,
        total_macs=sum(r.macs for r in rows),
        total_memory_bytes=sum(r.memory_bytes for r in rows),
        total_other_ops=sum(r.other_ops for r in rows),
        output_shape=tuple(out.shape[1:]) if isinstance(out, torch.Tensor)
        else (rows[-1].output_shape if rows else ()),
        unused_params=total_params - sum(r.params for r in rows),
    )


def _fits(model: nn.Module, input_size: tuple[int, ...]) -> bool:
    try:
        summarize(model, input_size)
        return True
    except (ValueError, RuntimeError):
        return False


def smallest_input_size(model: nn.Module, channels: int = 3, *, limit: int = 4096) -> int | None:
    """Smallest square input side that goes through ``model`` (found by meta-device tracing)."""
    lo, hi = 1, 1
    while not _fits(model, (channels, hi, hi)):
        lo = hi + 1
        hi *= 2
        if hi > limit:
            return None
    while lo < hi:  # hi fits; find the first size that fits in [lo, hi]
        mid = (lo + hi) // 2
        if _fits(model, (channels, mid, mid)):
            hi = mid
        else:
            lo = mid + 1
    # sizes below a fitting one can still fit irregularly; scan down a little to be exact
    while hi > 1 and _fits(model, (channels, hi - 1, hi - 1)):
        hi -= 1
    return hi


def explain_input_error(model: nn.Module, input_size: tuple[int, ...]) -> ValueError | None:
    """If ``input_size`` can't go through ``model`` because of its size or channels, a
    ``ValueError`` naming the layer (and, for a too-small input, the smallest input that works);
    ``None`` when the failure has another cause."""
    if getattr(_state, "depth", 0):
        return None  # already tracing: let the caller report
    try:
        summarize(model, input_size)
    except ValueError as err:
        msg = str(err)
        if "too small" in msg and len(input_size) == 3:
            side = smallest_input_size(model, input_size[0])
            if side is not None:
                msg += (f". The smallest square input that works is "
                        f"{input_size[0]}x{side}x{side}")
        return ValueError(msg)
    except RuntimeError:
        return None
    return None
