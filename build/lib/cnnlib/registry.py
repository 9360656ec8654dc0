"""Model registry: ``@register_model`` builders, ``list_models`` and ``get_model``.

Follows torchvision's ``@register_model`` idea: every public builder registers itself
under its function name, so tests, benchmarks and chapters can loop over the zoo.
"""
from __future__ import annotations

import fnmatch
from typing import Callable, TypeVar

from torch import nn

__all__ = ["register_model", "list_models", "get_model", "get_model_builder"]

_MODELS: dict[str, Callable[..., nn.Module]] = {}
F = TypeVar("F", bound=Callable[..., nn.Module])


def register_model(fn: F) -> F:
    """Register ``fn`` under its ``__name__``; names must be unique."""
    name = fn.__name__
    if name in _MODELS and _MODELS[name] is not fn:
        raise ValueError(f"a model named {name!r} is already registered")
    _MODELS[name] = fn
    return fn


def _ensure_loaded() -> None:
    # Importing the package registers every builder (one module per family).
    import cnnlib.models  # noqa: F401


def list_models(pattern: str = "*") -> list[str]:
    """Sorted names of registered models matching a shell-style ``pattern``."""
    _ensure_loaded()
    return sorted(n for n in _MODELS if fnmatch.fnmatchcase(n, pattern))


def get_model_builder(name: str) -> Callable[..., nn.Module]:
    _ensure_loaded()
    try:
        return _MODELS[name]
    except KeyError:
        close = fnmatch.filter(_MODELS, f"*{name.split('_')[0]}*")[:8]
        hint = f" Similar names: {', '.join(sorted(close))}." if close else ""
        raise ValueError(
            f"unknown model {name!r}.{hint} See cnnlib.list_models() for all {len(_MODELS)} names."
        ) from None


def get_model(name: str, **kwargs) -> nn.Module:
    """Build the registered model ``name`` with keyword arguments (e.g. ``num_classes=10``)."""
    return get_model_builder(name)(**kwargs)
