"""Shape-only answers for a meta-device trace: outputs of the right shape, computed from shapes.

:func:`cnnlib.summarize` runs a model on PyTorch's ``meta`` device. PyTorch's meta kernels for
many common layers and ops are Python reference implementations: hundreds of microseconds a
call, and the first one in a process imports ``torch._dynamo`` (seconds; every notebook and
grading kernel that summarized a model paid it). This module answers them from shapes instead:

* layer forwards (:func:`passthrough`, :func:`conv_shape_only`, :func:`adaptive_pool_shape_only`)
  that the tracer puts in place of a layer's own forward;
* :func:`shape_only_ops`, a dispatch mode that answers elementwise, concatenation, mean and
  matrix ops from their inputs' shapes, and hands every other case to PyTorch's own kernel.

The dispatch mode needs private torch APIs (``torch.utils._python_dispatch``,
``torch._C._DisableTorchDispatch``); where they are missing, :func:`shape_only_ops` is a no-op
and PyTorch's kernels answer every op: slower, same shapes. The tests compare traced shapes and
MACs with real forward passes and ``FlopCounterMode`` (``tests/test_summary.py``,
``tests/test_models_*.py``).
"""
from __future__ import annotations

import contextlib
from typing import Callable

import torch
from torch import nn

try:  # private API: without it, no dispatch mode (see shape_only_ops)
    from torch.utils._python_dispatch import TorchDispatchMode as _DispatchModeBase
except ImportError:  # pragma: no cover - depends on the torch build
    _DispatchModeBase = None

__all__ = ["meta_empty", "passthrough", "conv_size", "conv_shape_only", "adaptive_pool_shape_only",
           "shape_only_ops", "has_dispatch_mode_api"]

Forward = Callable[..., torch.Tensor]


# -------------------------------------------------------------------- layer forwards
def meta_empty(shape, dtype: torch.dtype) -> torch.Tensor:
    """An empty meta tensor, made without going through the dispatch mode (~10 us, not ~50)."""
    # (torch._C._DisableTorchDispatch is private; without it there is no mode to step around)
    without_modes = getattr(torch._C, "_DisableTorchDispatch", contextlib.nullcontext)
    with without_modes():
        return torch.empty(shape, dtype=dtype, device="meta")


def passthrough(x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """A forward for layers whose output has their input's shape (norms, activations)."""
    return x


def conv_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """:func:`cnnlib.arithmetic.conv_output_size` without its argument checks, for an
    ``nn.ConvNd``'s own ints and an input whose window the tracer has checked already (the
    checks cost more than the rest of a convolution's trace)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def conv_shape_only(conv: nn.Module) -> Forward:
    """A forward for a plain ``nn.ConvNd``: an empty tensor of the output's shape (the caller
    has checked the input's channels and size)."""
    def forward(x: torch.Tensor) -> torch.Tensor:
        if conv.padding == "same":
            spatial = x.shape[2:]
        else:
            pads = (0,) * len(conv.kernel_size) if conv.padding == "valid" else conv.padding
            spatial = [conv_size(size, k, s, p, d) for size, k, s, p, d in
                       zip(x.shape[2:], conv.kernel_size, conv.stride, pads, conv.dilation)]
        return meta_empty((x.shape[0], conv.out_channels, *spatial), x.dtype)
    return forward


def adaptive_pool_shape_only(pool: nn.Module) -> Forward:
    """A forward for a plain ``nn.AdaptiveXxxPoolNd``: an empty tensor of the output's shape."""
    n_spatial = int(type(pool).__name__[-2])
    size = pool.output_size
    target = tuple(size) if isinstance(size, (tuple, list)) else (size,) * n_spatial

    def forward(x: torch.Tensor) -> torch.Tensor:
        spatial = [now if t is None else t for now, t in zip(x.shape[-n_spatial:], target)]
        return meta_empty((*x.shape[:-n_spatial], *spatial), x.dtype)
    return forward


# -------------------------------------------------------------------- op rules
# Each rule takes an op's (args, kwargs) and returns its output, or None for a case it does not
# cover (which then goes to PyTorch's own kernel).
def _result_dtype(a: torch.Tensor, b) -> torch.dtype | None:
    """dtype of a binary elementwise op on float tensors, in the unambiguous cases (same dtype;
    or ``b`` a Python number / 0-dim tensor, which does not promote a float tensor)."""
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
    return None if shape is None else meta_empty(shape, dtype)


def _binary_inplace(args, kwargs):
    a, b = args[0], args[1]
    if _result_dtype(a, b) is None or _broadcast(a.shape, b) != tuple(a.shape):
        return None
    return a


def _unary(args, kwargs):
    a = args[0]
    return meta_empty(a.shape, a.dtype) if a.dtype.is_floating_point else None


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
    return meta_empty(shape, tensors[0].dtype)


def _stack(args, kwargs):
    tensors = args[0]
    dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
    if not tensors or any(t.shape != tensors[0].shape or t.dtype != tensors[0].dtype for t in tensors):
        return None
    shape = list(tensors[0].shape)
    shape.insert(dim % (len(shape) + 1), len(tensors))
    return meta_empty(shape, tensors[0].dtype)


def _mean(args, kwargs):
    x = args[0]
    dims = args[1] if len(args) > 1 else kwargs.get("dim")
    keepdim = args[2] if len(args) > 2 else kwargs.get("keepdim", False)
    if kwargs.get("dtype") is not None or not x.dtype.is_floating_point or x.dim() == 0:
        return None
    dims = range(x.dim()) if not dims else {d % x.dim() for d in dims}
    shape = ([1 if i in dims else n for i, n in enumerate(x.shape)] if keepdim
             else [n for i, n in enumerate(x.shape) if i not in dims])
    return meta_empty(shape, x.dtype)


def _matmul_2d(m1: torch.Tensor, m2: torch.Tensor) -> tuple[int, int] | None:
    if m1.dim() != 2 or m2.dim() != 2 or m1.shape[1] != m2.shape[0] or m1.dtype != m2.dtype:
        return None
    return m1.shape[0], m2.shape[1]


def _addmm(args, kwargs):
    shape = _matmul_2d(args[1], args[2])
    if shape is None or args[0].dtype != args[1].dtype:
        return None
    return meta_empty(shape, args[1].dtype)


def _mm(args, kwargs):
    shape = _matmul_2d(args[0], args[1])
    return None if shape is None else meta_empty(shape, args[0].dtype)


_aten = torch.ops.aten
_SHAPE_RULES = {
    **{op: _binary for op in (_aten.add.Tensor, _aten.sub.Tensor, _aten.mul.Tensor,
                              _aten.div.Tensor)},
    **{op: _binary_inplace for op in (_aten.add_.Tensor, _aten.sub_.Tensor, _aten.mul_.Tensor,
                                      _aten.div_.Tensor)},
    **{op: _unary for op in (_aten.relu.default, _aten.sigmoid.default, _aten.hardsigmoid.default,
                             _aten.hardswish.default, _aten.silu.default, _aten.tanh.default,
                             _aten.gelu.default)},
    **{op: _unary_inplace for op in (_aten.relu_.default, _aten.sigmoid_.default,
                                     _aten.hardsigmoid_.default, _aten.hardswish_.default,
                                     _aten.silu_.default, _aten.tanh_.default)},
    _aten.cat.default: _cat, _aten.stack.default: _stack, _aten.mean.dim: _mean,
    _aten.addmm.default: _addmm, _aten.mm.default: _mm,
}


# -------------------------------------------------------------------- the dispatch mode
class _ShapeOnlyOps(_DispatchModeBase or object):
    """A dispatch mode that answers the ops in :data:`_SHAPE_RULES` on meta tensors from their
    shapes; anything else, or a case a rule does not cover, runs PyTorch's own kernel."""

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        # A private hook: otherwise TorchDispatchMode wraps __torch_dispatch__ in
        # torch._disable_dynamo, whose first call imports torch._dynamo, the very cost this
        # mode is here to avoid. (A torch without the hook never calls it: slower, not wrong.)
        return False

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        rule = _SHAPE_RULES.get(func)
        if rule is not None and all(a.device.type == "meta" for a in args
                                    if isinstance(a, torch.Tensor)):
            out = rule(args, kwargs)
            if out is not None:
                return out
        return func(*args, **kwargs)


def has_dispatch_mode_api() -> bool:
    """Whether this torch has the private APIs :class:`_ShapeOnlyOps` is built on."""
    return _DispatchModeBase is not None and hasattr(torch._C, "_DisableTorchDispatch")


def shape_only_ops() -> contextlib.AbstractContextManager:
    """The context a trace runs in: the shape-only dispatch mode, or (on a torch without its
    private APIs) a no-op context, leaving every op to PyTorch's own meta kernels."""
    return _ShapeOnlyOps() if has_dispatch_mode_api() else contextlib.nullcontext()
