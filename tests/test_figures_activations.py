"""cnnlib.figures.activations: curves against autograd, signal propagation, dead units."""
import math

import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from cnnlib.figures.activations import (
    activation_curves, activation_explorer, activation_names, dead_units, plot_activations,
    signal_propagation,
)
from cnnlib.layers import activations


def test_curves_match_autograd_and_torch():
    x = torch.linspace(-5, 5, 401, dtype=torch.float64)
    curves = activation_curves(x=x)
    assert list(curves) == activation_names()
    references = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
                  "elu": nn.functional.elu, "gelu": nn.functional.gelu, "silu": nn.functional.silu,
                  "mish": nn.functional.mish, "selu": nn.functional.selu}
    for name, (y, dy) in curves.items():
        xg = x.clone().requires_grad_()
        fn = references.get(name)
        if fn is None:
            continue
        out = fn(xg)
        (grad,) = torch.autograd.grad(out.sum(), xg)
        assert torch.allclose(y.double(), out.detach(), atol=1e-6), name
        assert torch.allclose(dy.double(), grad, atol=1e-6), name


def test_curves_errors_and_figures(monkeypatch):
    with pytest.raises(ValueError, match="unknown activation"):
        activation_curves(["relu", "softsign"])
    with pytest.raises(ValueError, match="at least one"):
        activation_curves([])
    with pytest.raises(ValueError, match="x_range"):
        plot_activations(x_range=(1, -1))
    fig = plot_activations(["relu", "sigmoid"])
    assert isinstance(fig, Figure) and len(fig.axes[0].lines) == 2 + 2  # curves + the two axes lines
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    assert isinstance(activation_explorer(), Figure)


def test_signal_propagation_follows_the_variance_argument():
    """ReLU halves the second moment per layer unless the weights' variance is 2 / fan_in."""
    depth = 12
    he = signal_propagation(nn.ReLU, depth=depth, width=512, init="he")
    xavier = signal_propagation(nn.ReLU, depth=depth, width=512, init="xavier")
    assert len(he.grad_norm) == len(he.activation_std) == depth
    # Same seed, same draws: Xavier's weights are He's / sqrt(2), so (ReLU being positively
    # homogeneous) every activation is smaller by exactly sqrt(2) per layer.
    for layer, (a, b) in enumerate(zip(he.activation_std, xavier.activation_std), start=1):
        assert b == pytest.approx(a / math.sqrt(2) ** layer, rel=1e-4)
    assert 0.2 < he.grad_ratio < 5
    assert xavier.grad_ratio == pytest.approx(he.grad_ratio / math.sqrt(2) ** (depth - 1), rel=1e-3)
    sigmoid = signal_propagation(nn.Sigmoid, depth=depth, width=512, init="he")
    assert sigmoid.grad_ratio < 1e-4  # at most 0.25 per layer from the sigmoid alone


def test_signal_propagation_gradient_is_autograd():
    """For identity activations the gradient at layer l is W_{l+1}^T ... W_L^T applied to the
    loss gradient; check the first layer's against a direct product."""
    depth, width, batch = 3, 8, 5
    run = signal_propagation(nn.Identity, depth=depth, width=width, init="xavier", batch=batch, seed=3)
    gen = torch.Generator().manual_seed(3)
    std = math.sqrt(1.0 / width)
    weights = [torch.randn(width, width, generator=gen) * std for _ in range(depth)]
    signs = torch.randint(0, 2, (width,), generator=gen).float() * 2 - 1
    upstream = (signs / (batch * width)).expand(batch, width)
    grad_first = upstream @ weights[2] @ weights[1]
    assert run.grad_norm[0] == pytest.approx(float(grad_first.norm()), rel=1e-5)
    with pytest.raises(ValueError, match="unknown init"):
        signal_propagation(nn.ReLU, init="orthogonal")
    with pytest.raises(ValueError, match="depth"):
        signal_propagation(nn.ReLU, depth=0)


def test_dead_units_counts_units_that_never_fire():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3), activations.ReLU())
    with torch.no_grad():
        model[0].bias.copy_(torch.tensor([-100.0, -100.0, 100.0, 100.0, 100.0, 100.0]))
        model[2].bias.fill_(-1000.0)
    data = [(torch.randn(10, 4), torch.zeros(10)), (torch.randn(7, 4), torch.zeros(7))]
    assert dead_units(model, data) == {"1": (2, 6), "3": (3, 3)}
    assert model.training  # mode restored


def test_dead_units_per_channel_and_errors():
    conv = nn.Sequential(nn.Conv2d(1, 3, 1), nn.ReLU())
    with torch.no_grad():
        conv[0].weight.fill_(1.0)
        conv[0].bias.copy_(torch.tensor([0.0, -10.0, 5.0]))
    x = torch.rand(2, 1, 4, 4)  # in [0, 1): channel 0 fires somewhere, channel 1 never
    assert dead_units(conv, [x]) == {"1": (1, 3)}
    with pytest.raises(ValueError, match="no activation modules"):
        dead_units(nn.Linear(2, 2), [torch.zeros(1, 2)])
    with pytest.raises(ValueError, match="empty"):
        dead_units(conv, [])
