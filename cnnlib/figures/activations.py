"""Activations: the ReLU family's curves, signal propagation through depth, dead units.

* :func:`activation_curves` / :func:`plot_activations` -- every activation of
  :data:`cnnlib.layers.ACTIVATIONS` (plus the sigmoid and tanh for reference) and its
  derivative from :func:`cnnlib.layers.activation_derivative`.
* :func:`activation_explorer` -- pick activations to compare (ipywidgets, static fallback).
* :func:`signal_propagation` -- activation scale and gradient norm, layer by layer, through a
  deep fully-connected stack: the vanishing-gradient experiment.
* :func:`dead_units` -- how many ReLU units never fire on a data set (dying ReLU).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import torch
from matplotlib.figure import Figure
from torch import nn

from cnnlib.checks import positive_int
from cnnlib.layers import ACTIVATIONS, activation_derivative, activations, get_activation
from cnnlib.widgets import is_static

__all__ = [
    "REFERENCE_ACTIVATIONS", "activation_names", "activation_curves", "plot_activations",
    "activation_explorer", "INITS", "Propagation", "signal_propagation", "dead_units",
]


def _d_sigmoid(x: torch.Tensor) -> torch.Tensor:
    s = torch.sigmoid(x)
    return s * (1.0 - s)


def _d_tanh(x: torch.Tensor) -> torch.Tensor:
    return 1.0 - torch.tanh(x).square()


#: The saturating activations the ReLU family replaced: name -> (function, derivative).
REFERENCE_ACTIVATIONS: dict[str, tuple[Callable[[torch.Tensor], torch.Tensor],
                                       Callable[[torch.Tensor], torch.Tensor]]] = {
    "sigmoid": (torch.sigmoid, _d_sigmoid),
    "tanh": (torch.tanh, _d_tanh),
}


def activation_names() -> list[str]:
    """Every name :func:`activation_curves` accepts: the references, then ``ACTIVATIONS``."""
    return list(REFERENCE_ACTIVATIONS) + list(ACTIVATIONS)


def activation_curves(names: Sequence[str] | None = None,
                      x: torch.Tensor | None = None) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """``{name: (act(x), act'(x))}`` for each name (default: all), on ``x`` (default: 801
    points on [-4, 4]). ``cnnlib`` activations run with their default arguments (PReLU with
    its initial slope 0.25) and use :func:`~cnnlib.layers.activation_derivative`."""
    names = activation_names() if names is None else list(names)
    if not names:
        raise ValueError("give at least one activation name")
    x = torch.linspace(-4.0, 4.0, 801) if x is None else torch.as_tensor(x)
    if not x.is_floating_point():
        x = x.to(torch.get_default_dtype())
    curves = {}
    for name in names:
        if name in REFERENCE_ACTIVATIONS:
            fn, dfn = REFERENCE_ACTIVATIONS[name]
            curves[name] = (fn(x), dfn(x))
            continue
        if name not in ACTIVATIONS:
            raise ValueError(f"unknown activation {name!r}; choose from {', '.join(activation_names())}")
        with torch.no_grad():
            y = get_activation(name)()(x)
        curves[name] = (y, activation_derivative(name, x))
    return curves


def plot_activations(names: Sequence[str] | None = None, *,
                     x_range: tuple[float, float] = (-4.0, 4.0), points: int = 801) -> Figure:
    """Two panels: each activation, and its derivative, on ``x_range``.

    By default every name of :func:`activation_names` except ``"swish"``, which with its
    default ``beta = 1`` is the same curve as ``"silu"``. The reference curves are dashed.
    """
    lo, hi = x_range
    if not lo < hi or points < 2:
        raise ValueError(f"need x_range=(lo, hi) with lo < hi and points >= 2, got {x_range}, {points}")
    if names is None:
        names = [n for n in activation_names() if n != "swish"]
    x = torch.linspace(lo, hi, points)
    curves = activation_curves(names, x)
    fig = Figure(figsize=(12, 4), layout="constrained")
    ax_f, ax_d = fig.subplots(1, 2)
    colors = iter(_colors())
    for name, (y, dy) in curves.items():
        if name in REFERENCE_ACTIVATIONS:
            style = {"linestyle": "--", "color": {"sigmoid": "0.2", "tanh": "0.55"}[name]}
        else:
            style = {"color": next(colors)}
        ax_f.plot(x, y, label=name, **style)
        ax_d.plot(x, dy, label=name, **style)
    ax_f.set(xlabel="x", ylabel="f(x)", title="activation", ylim=(-2.0, max(2.0, hi)))
    ax_d.set(xlabel="x", ylabel="f'(x)", title="derivative", ylim=(-0.3, 1.3))
    for ax in (ax_f, ax_d):
        ax.axhline(0, color="black", linewidth=0.5)
        ax.axvline(0, color="black", linewidth=0.5)
        ax.grid(alpha=0.3)
    fig.legend(*ax_f.get_legend_handles_labels(), loc="outside right center", fontsize=9)
    return fig


def _colors() -> list:
    """matplotlib's tab10 without its gray (the reference curves are gray), cycled."""
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    palette = [cmap(i) for i in range(10) if i != 7]
    return [palette[i % len(palette)] for i in range(len(ACTIVATIONS) + len(palette))]


def activation_explorer(selected: Sequence[str] = ("sigmoid", "relu", "elu", "gelu", "silu")):
    """Pick activations to overlay. On the static site: the ``selected`` ones over a wider range
    than :func:`plot_activations`' default, where their tails differ."""
    if is_static():
        return plot_activations(list(selected), x_range=(-8.0, 8.0))
    import ipywidgets as w
    from IPython.display import display

    options = activation_names()
    unknown = [s for s in selected if s not in options]
    if unknown:
        raise ValueError(f"unknown activations {unknown}; choose from {', '.join(options)}")

    def show(names, limit):
        if names:
            display(plot_activations(list(names), x_range=(-limit, limit)))

    return w.interactive(
        show,
        names=w.SelectMultiple(options=options, value=tuple(selected), rows=len(options),
                               description="activations"),
        limit=w.FloatSlider(4.0, min=1.0, max=10.0, step=0.5, description="x range"),
    )


# ---------------------------------------------------------------------------------------
# Signal propagation through depth
# ---------------------------------------------------------------------------------------
#: Weight initializations for :func:`signal_propagation`: name -> weight variance given fan_in.
INITS: dict[str, Callable[[int], float]] = {
    # Glorot & Bengio 2010, Eq. 16 ("normalized initialization"), 2 / (fan_in + fan_out),
    # which is 1 / fan_in for the square layers used here (= LeCun et al. 1998's variance).
    "xavier": lambda fan_in: 1.0 / fan_in,
    # He et al. 2015, arXiv:1502.01852, Eq. 10: 2 / fan_in, derived for ReLU.
    "he": lambda fan_in: 2.0 / fan_in,
    # torch.nn.Linear's default: kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    "pytorch": lambda fan_in: 1.0 / (3.0 * fan_in),
}


@dataclass(frozen=True)
class Propagation:
    """Per layer (input side first): the standard deviation of the layer's output (after the
    activation), and the norm of the loss gradient with respect to that output, i.e. the
    error signal backpropagation hands down to the layers below."""

    activation_std: list[float]
    grad_norm: list[float]

    @property
    def grad_ratio(self) -> float:
        """Gradient norm at the first layer's output divided by that at the last layer's."""
        return self.grad_norm[0] / self.grad_norm[-1]


def signal_propagation(act_layer: Callable[[], nn.Module], *, depth: int = 20, width: int = 256,
                       init: str = "he", batch: int = 256, seed: int = 0) -> Propagation:
    """Push a standard-normal batch through ``depth`` bias-free ``width x width`` linear layers,
    each followed by ``act_layer()``, with weights drawn from N(0, ``INITS[init](width)``);
    backpropagate the mean of the last outputs times fixed random signs; report, per layer,
    the std of its output and the norm of the gradient that reaches it."""
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose from {', '.join(INITS)}")
    for name, value in (("depth", depth), ("width", width), ("batch", batch)):
        positive_int(name, value)
    gen = torch.Generator().manual_seed(seed)
    std = math.sqrt(INITS[init](width))
    weights = [torch.randn(width, width, generator=gen) * std for _ in range(depth)]
    act = act_layer()
    signs = torch.randint(0, 2, (width,), generator=gen).float() * 2 - 1
    outputs = []
    with torch.enable_grad():
        h = torch.randn(batch, width, generator=gen).requires_grad_()
        for w in weights:
            h = act(h @ w.T)
            h.retain_grad()
            outputs.append(h)
        (h * signs).mean().backward()
    return Propagation([float(o.detach().std()) for o in outputs],
                       [float(o.grad.norm()) for o in outputs])


# ---------------------------------------------------------------------------------------
# Dead units
# ---------------------------------------------------------------------------------------
_RELUS = (nn.ReLU, activations.ReLU)


@torch.no_grad()
def dead_units(model: nn.Module, data: Iterable, *,
               kinds: tuple[type[nn.Module], ...] = _RELUS) -> dict[str, tuple[int, int]]:
    """``{module name: (dead, total)}`` for every activation module of a type in ``kinds``.

    A unit is a feature of a ``N x F`` output or a channel of a ``N x C x H x W`` one; it is
    dead if it is zero for every input in ``data`` (an iterable of ``(images, labels)``
    batches or of input tensors) and, for a channel, at every position. A dead ReLU unit
    gets no gradient, so it stays dead. The model runs in eval mode; its mode is restored.
    """
    watched = {name: m for name, m in model.named_modules() if isinstance(m, kinds)}
    if not watched:
        raise ValueError(f"the model has no activation modules of types {[k.__name__ for k in kinds]}")
    alive: dict[str, torch.Tensor] = {}

    def record(name: str):
        def hook(module, args, out):
            if out.dim() < 2:
                raise ValueError(f"{name} output has shape {tuple(out.shape)}; expected N x F or N x C x ...")
            fired = (out > 0).flatten(2).any(dim=2) if out.dim() > 2 else out > 0  # N x units
            fired = fired.any(dim=0)
            alive[name] = alive[name] | fired if name in alive else fired
        return hook

    handles = [m.register_forward_hook(record(name)) for name, m in watched.items()]
    was_training = model.training
    model.eval()
    seen = 0
    try:
        for batch in data:
            x = batch[0] if isinstance(batch, (tuple, list)) else batch
            model(x)
            seen += 1
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    if not seen:
        raise ValueError("data is empty: give at least one batch")
    return {name: (int((~alive[name]).sum()), alive[name].numel()) for name in watched if name in alive}
