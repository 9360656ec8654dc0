"""Per-layer analysis of a model without running it: ``summarize(model, input_size)``.

The model is traced on PyTorch's ``meta`` device: a meta input (shape and dtype only, no
storage) flows through it, and the parameters and buffers that layers read are swapped for meta
tensors. A tracer (:class:`_Tracer`) wraps each layer's forward for the trace (and restores it
after) to check its input and record one row a call; parameters, MACs and memory come from the
shapes by the formulas in :mod:`cnnlib.arithmetic`. Layers whose output shape is known without
running them (normalizations, activations, plain convolutions, adaptive pooling) are not run,
and common elementwise, concatenation and matrix ops are answered from shapes
(:mod:`cnnlib.shape_inference`): PyTorch's meta kernels for them are Python and would dominate
the trace. Nothing is computed on real numbers, so ResNet-152 at 224x224 is summarized in a few
tens of milliseconds, far faster than one real forward pass (``benchmarks/analysis.py`` measures
the ratio). Private torch APIs are used only where a fallback stands behind them.

Rows are the model's leaf modules (plus any module holding parameters of its own) in the order
they run. A module called twice gets two rows; its parameters are counted once.
"""
from __future__ import annotations

import contextlib
import math
import threading
from dataclasses import asdict, dataclass, field
from typing import Callable, Iterable, Iterator, NamedTuple, Sequence

import torch
from torch import nn

from cnnlib.arithmetic import BYTES_PER_FLOAT32, _check_int
from cnnlib.display import html_table, text_table
from cnnlib.shape_inference import (
    adaptive_pool_shape_only, conv_shape_only, passthrough, shape_only_ops,
)

__all__ = ["summarize", "Summary", "LayerRow", "explain_input_error", "smallest_input_size"]

_CONV = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_CONV_T = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
_POOL = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)
_CONV_ANY = _CONV + _CONV_T
_ADAPTIVE_POOL = (
    nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
    nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d,
)
# torch's private bases of the batch and instance norms, or (where a torch lacks them) the
# public classes they cover.
_BATCH_NORM = getattr(nn.modules.batchnorm, "_BatchNorm", (
    nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm))
_BATCH_OR_INSTANCE_NORM = getattr(nn.modules.batchnorm, "_NormBase", (
    nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm,
    nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d))
_NORM = (_BATCH_OR_INSTANCE_NORM, nn.GroupNorm, nn.LayerNorm, nn.LocalResponseNorm)
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
    _ALIGN = ("left",) * 4 + ("right",) * 4

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
        notes = []
        if self.unused_params:
            notes.append(f"({self.unused_params:,} parameters belong to layers that do not run "
                         f"in eval mode, e.g. auxiliary classifiers; they are in the total.)")
        title = (f"{self.model_name} on input {_shape(self.input_size)} "
                 f"(batch {self.batch_size}; memory = float32 outputs; MFLOP = 2 x MMAC)")
        return text_table(self._HEAD, self._cells(), align=self._ALIGN, title=title,
                          foot=self._footer(), notes=notes)

    def _repr_html_(self) -> str:
        caption = (f"{self.model_name} on input {_shape(self.input_size)}; "
                   f"memory = float32 outputs, batch {self.batch_size}; MFLOP = 2 x MMAC")
        return html_table(self._HEAD, self._cells(), css_class="cnnlib-summary", align=self._ALIGN,
                          caption=caption, foot=self._footer(), align_head=False)

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
    elif isinstance(module, _BATCH_NORM) and x.dim() >= 2:
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


class _Cost(NamedTuple):
    """How one call of a layer costs: MACs and other ops are these factors times the number of
    elements of its output (of its input when ``from_input``), for the whole batch."""

    from_input: bool
    macs_per_element: int
    ops_per_element: int


def _cost_rule(module: nn.Module, category: str) -> _Cost:
    """The :class:`_Cost` of one call of ``module`` (worked out once per layer)."""
    if category == "conv":
        return _Cost(False, module.in_channels // module.groups * math.prod(module.kernel_size), 0)
    if category == "conv_t":  # each input element meets out_channels/groups x k weights
        return _Cost(True, module.out_channels // module.groups * math.prod(module.kernel_size), 0)
    if category == "linear":
        return _Cost(False, module.in_features, 0)
    if category == "bilinear":
        return _Cost(False, module.in1_features * module.in2_features, 0)
    if category == "pool":
        n_sp = int(type(module).__name__[-2])
        return _Cost(False, 0, math.prod(_tuple(module.kernel_size, n_sp)))
    if category == "adaptive_pool":
        return _Cost(True, 0, 1)
    if category == "lrn":
        return _Cost(False, 0, module.size + 3)
    if category == "norm":
        return _Cost(False, 0, 2)
    if category == "no_op":
        return _Cost(False, 0, 0)
    return _Cost(False, 0, 1)  # activations and other elementwise layers: one op per output


# -------------------------------------------------------------------- tracing
class _Layer(NamedTuple):
    """What a trace knows about one layer before it runs: the row fields that don't depend on
    the input, and how to count the rest."""

    module: nn.Module
    name: str
    kind: str
    kernel: tuple[int, ...] | None
    stride: tuple[int, ...] | None
    padding: tuple[int, ...] | None
    groups: int | None
    params: int  # its own parameters, not its children's
    cost: _Cost
    checked: bool  # whether _check_layer_input knows this kind of layer


def _first_names(model: nn.Module) -> dict[nn.Module, str]:
    """Every module of ``model`` with its dotted path; a module used twice keeps its first name."""
    return {module: name for name, module in model.named_modules()}


def _gets_a_row(module: nn.Module) -> bool:
    """Leaves get a row, and so do containers that hold parameters of their own."""
    has_children = any(child is not None for child in module._modules.values())
    return not has_children or any(p is not None for p in module._parameters.values())


_NO_WINDOW = (None, None, None)


def _window(module: nn.Module, category: str) -> tuple[tuple[int, ...] | None, ...]:
    """``(kernel, stride, padding)`` of a convolution or pooling layer, per spatial axis
    (padding ``None`` when given as a string); ``(None, None, None)`` for other layers."""
    if category not in ("conv", "conv_t", "pool"):
        return _NO_WINDOW
    n_sp = len(module.kernel_size) if category != "pool" else int(type(module).__name__[-2])
    stride = module.stride if module.stride is not None else module.kernel_size
    padding = None if isinstance(module.padding, str) else _tuple(module.padding, n_sp)
    return _tuple(module.kernel_size, n_sp), _tuple(stride, n_sp), padding


def _layer(module: nn.Module, name: str) -> _Layer:
    category = _category(module)
    checked = category in ("conv", "conv_t", "pool", "linear") or (
        category == "norm" and isinstance(module, _BATCH_NORM))
    # module.__dict__.get, not getattr(module, "groups", None): nn.Module.__getattr__ raises and
    # formats an AttributeError for every layer without groups, which costs more than the row.
    groups = module.__dict__.get("groups")
    params = sum(p.numel() for p in module._parameters.values() if p is not None)
    return _Layer(module, name, type(module).__name__, *_window(module, category), groups,
                  params, _cost_rule(module, category), checked)


def _shape_only_forward(module: nn.Module) -> Callable | None:
    """A forward that makes ``module``'s output from its input's shape without running it, for
    torch.nn layers that keep the shape (norms, activations), plain convolutions and adaptive
    pooling; ``None`` for any other layer, and for one with a forward set on the instance.
    (Exact types, so a subclass with a forward of its own runs for real.) Such a layer never
    reads its weights."""
    if "forward" in module.__dict__:
        return None
    cls = type(module)
    if cls in _SHAPE_KEEPING or isinstance(module, _NORM):
        return passthrough
    if cls in _CONV:
        return conv_shape_only(module)
    if cls in _ADAPTIVE_POOL and not module.__dict__.get("return_indices"):
        return adaptive_pool_shape_only(module)
    return None


def _first_tensor(out) -> torch.Tensor | None:
    """A layer's output tensor: ``out`` itself, or the first item of a tuple or list."""
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, (tuple, list)) and out and isinstance(out[0], torch.Tensor):
        return out[0]
    return None


def _shape_without_batch(t: torch.Tensor | None) -> tuple[int, ...]:
    return tuple(t.shape)[1:] if t is not None else ()


@contextlib.contextmanager
def _eval_mode(modules: Iterable[nn.Module]) -> Iterator[None]:
    """Switch the ``modules`` in training mode to eval mode, and back on exit."""
    in_training = [m for m in modules if m.training]
    _set_training(in_training, False)
    try:
        yield
    finally:
        _set_training(in_training, True)


def _set_training(modules: Iterable[nn.Module], mode: bool) -> None:
    for m in modules:
        # object.__setattr__, not m.training = mode: nn.Module.__setattr__ first looks for a
        # parameter, buffer or submodule of that name (~4 us a module, a thousand modules).
        object.__setattr__(m, "training", mode)


@contextlib.contextmanager
def _tracing_depth() -> Iterator[None]:
    """Count the traces running on this thread (:func:`explain_input_error` reads it)."""
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1


class _Tracer:
    """Runs a model on the meta device and records a :class:`LayerRow` for each call of a layer
    that gets a row (:func:`_gets_a_row`), in the order the calls happen.

    Each such layer's forward is replaced on the instance for the trace, and put back after
    (also after a failed trace). Not registered hooks: modules without hooks take PyTorch's fast
    call path, which matters for networks of a thousand layers, and a layer traced by shape
    only (:func:`_shape_only_forward`) needs its forward replaced anyway.
    """

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.names = _first_names(model)
        self.rows: list[LayerRow] = []
        self._counted: set[nn.Module] = set()  # layers whose parameters a row holds already
        self._replaced: list[tuple[nn.Module, Callable | None]] = []  # (layer, its own forward)
        self._weightless: set[nn.Module] = set()  # layers traced by shape only

    def run(self, x: torch.Tensor):
        """``model(x)`` in eval mode on meta weights, recording rows; leaves the model as it was."""
        with _tracing_depth(), self._wrapped(), _eval_mode(self.names):
            # only the layers that read their weights need meta copies of them
            reads_weights = [m for m in self.names if m not in self._weightless]
            with torch.no_grad(), _OnMeta(self.model, reads_weights), shape_only_ops():
                return self.model(x)

    @contextlib.contextmanager
    def _wrapped(self) -> Iterator[None]:
        """Replace the forward of every layer that gets a row; put them back on exit."""
        try:
            for module, name in self.names.items():
                if _gets_a_row(module):
                    self._wrap(module, name)
            yield
        finally:
            for module, own in self._replaced:
                if own is None:
                    del module.__dict__["forward"]
                else:
                    module.__dict__["forward"] = own
            self._replaced.clear()

    def _wrap(self, module: nn.Module, name: str) -> None:
        inner = _shape_only_forward(module)
        if inner is None:
            inner = module.forward
        else:
            self._weightless.add(module)
        traced = self._traced_forward(_layer(module, name), inner)
        self._replaced.append((module, module.__dict__.get("forward")))
        module.__dict__["forward"] = traced

    def _traced_forward(self, layer: _Layer, inner: Callable) -> Callable:
        """``layer``'s forward: check its input (naming the layer), run ``inner``, record a row."""
        check_name = layer.name or layer.kind

        def forward(*args, **kwargs):
            x = args[0] if args and isinstance(args[0], torch.Tensor) else None
            if layer.checked and x is not None:
                _check_layer_input(check_name, layer.module, x)
            out = inner(*args, **kwargs)
            self.rows.append(self._row(layer, x, out))
            return out
        return forward

    def _row(self, layer: _Layer, x: torch.Tensor | None, out) -> LayerRow:
        """The row of one call of ``layer``, with input ``x`` and output ``out``."""
        y = _first_tensor(out)
        params = 0 if layer.module in self._counted else layer.params  # once per layer
        self._counted.add(layer.module)
        macs = other_ops = memory_bytes = 0
        if y is not None:
            memory_bytes = y.numel() * BYTES_PER_FLOAT32
        if x is not None and y is not None:
            n = (x if layer.cost.from_input else y).numel()
            macs, other_ops = n * layer.cost.macs_per_element, n * layer.cost.ops_per_element
        # Positional, in LayerRow's field order: twelve keywords cost ~3 us a row, a thousand rows.
        return LayerRow(layer.name, layer.kind, _shape_without_batch(x), _shape_without_batch(y),
                        params, int(macs), int(memory_bytes), int(other_ops),
                        layer.kernel, layer.stride, layer.padding, layer.groups)


def _meta_twin(value: torch.Tensor, fakes: dict[int, torch.Tensor]) -> torch.Tensor:
    """A meta tensor shaped like ``value``, the same one for every place ``value`` is shared."""
    fake = fakes.get(id(value))
    if fake is None:
        # A plain meta tensor, not an nn.Parameter: the trace runs under no_grad, and wrapping
        # a thousand tensors in Parameters costs more than the trace.
        fake = fakes[id(value)] = torch.empty(value.shape, dtype=value.dtype, device="meta")
    return fake


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
        fakes: dict[int, torch.Tensor] = {}  # id of a real tensor -> its meta twin
        for module in self.model.modules() if self.modules is None else self.modules:
            for store in (module._parameters, module._buffers):
                for key, value in store.items():
                    if value is not None:
                        self.saved.append((store, key, value))
                        store[key] = _meta_twin(value, fakes)

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
    tracer = _Tracer(model)
    out = tracer.run(torch.empty((batch_size, *input_size), device="meta", dtype=dtype))
    return _summary(model, input_size, batch_size, tracer.rows, out)


def _summary(model: nn.Module, input_size: tuple[int, ...], batch_size: int,
             rows: list[LayerRow], out) -> Summary:
    """The :class:`Summary` of a finished trace: ``rows`` and the model's output ``out``."""
    params = list(model.parameters())  # each shared parameter once
    total_params = sum(p.numel() for p in params)
    if isinstance(out, torch.Tensor):
        output_shape = tuple(out.shape[1:])
    else:
        output_shape = rows[-1].output_shape if rows else ()
    return Summary(
        model_name=type(model).__name__,
        input_size=input_size,
        batch_size=batch_size,
        rows=rows,
        total_params=total_params,
        total_trainable_params=sum(p.numel() for p in params if p.requires_grad),
        total_macs=sum(r.macs for r in rows),
        total_memory_bytes=sum(r.memory_bytes for r in rows),
        total_other_ops=sum(r.other_ops for r in rows),
        output_shape=output_shape,
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
