"""Activation functions written from scratch with elementwise tensor math.

Each module cites its paper and matches its ``torch.nn`` counterpart in value and gradient,
including the gradient PyTorch picks at a kink (ReLU'(0) = 0, LeakyReLU'(0) = slope,
ELU'(0) = alpha). ``torch.sigmoid``, ``torch.tanh``, ``torch.erf``, ``torch.expm1`` and
``torch.logaddexp`` are used as elementwise math; no ``torch.nn.functional`` activation is.

The ``inplace`` flag of the ``torch.nn`` versions is left out: these modules always return a
new tensor (``ConvNormAct`` copes, it only passes ``inplace`` to layers that accept it).

:data:`ACTIVATIONS` maps names to classes for ``act_layer=get_activation("gelu")``;
:func:`activation_derivative` gives the analytic derivative of each, for plots and exercises.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn

__all__ = [
    "ReLU",
    "LeakyReLU",
    "PReLU",
    "ELU",
    "SELU",
    "GELU",
    "SiLU",
    "Swish",
    "Mish",
    "ACTIVATIONS",
    "get_activation",
    "activation_derivative",
    "SELU_ALPHA",
    "SELU_SCALE",
]

# Klambauer et al. 2017, arXiv:1706.02515, Eq. 14 / Theorem 1: alpha_01 and lambda_01, the
# values that make mean 0 and variance 1 a fixed point for standard-normal pre-activations.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_TANH_COEF = 0.044715  # Hendrycks & Gimpel 2016, Sec. 2
_APPROXIMATIONS = ("none", "tanh")


def _neg_expm1(x: torch.Tensor, alpha: float) -> torch.Tensor:
    """``alpha * (exp(x) - 1)`` evaluated on ``min(x, 0)``, so large positive ``x`` (whose
    branch ``torch.where`` discards) cannot overflow into a NaN gradient."""
    return alpha * torch.expm1(x.clamp(max=0.0))


def _softplus(x: torch.Tensor) -> torch.Tensor:
    """``log(1 + exp(x))``, computed stably as ``logaddexp(x, 0)``."""
    return torch.logaddexp(x, torch.zeros_like(x))


class ReLU(nn.Module):
    """``max(0, x)``. Nair & Hinton 2010 (ICML); Glorot, Bordes & Bengio 2011 (AISTATS);
    the activation of AlexNet (Krizhevsky et al. 2012, Sec. 3.1)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # `x <= 0` picks 0, so the gradient at 0 is 0 (as torch.relu) and NaN passes through.
        return torch.where(x <= 0, 0.0, x)


class LeakyReLU(nn.Module):
    """``x`` if ``x > 0`` else ``negative_slope * x``. Maas, Hannun & Ng 2013 (ICML workshop)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.where(x > 0, x, x * self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class PReLU(nn.Module):
    """Leaky ReLU with a learned slope, one shared (``num_parameters=1``) or one per channel
    (dim 1). He et al. 2015, arXiv:1502.01852, Eq. 1; the paper initializes the slope to 0.25.
    """

    def __init__(
        self,
        num_parameters: int = 1,
        init: float = 0.25,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if num_parameters <= 0:
            raise ValueError(f"num_parameters must be positive, got {num_parameters}")
        self.num_parameters = num_parameters
        self.init = init
        self.weight = nn.Parameter(torch.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every slope = ``init`` (paper, Sec. 2.1: a = 0.25)."""
        nn.init.constant_(self.weight, self.init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.num_parameters == 1:
            slope = self.weight.reshape(())  # one scalar broadcasts to any shape
        else:
            if x.dim() < 2 or x.shape[1] != self.num_parameters:
                raise ValueError(
                    f"PReLU with num_parameters={self.num_parameters} needs input with that "
                    f"many channels in dim 1, got shape {tuple(x.shape)}"
                )
            slope = self.weight.reshape((1, -1) + (1,) * (x.dim() - 2))
        return torch.where(x > 0, x, slope * x)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(nn.Module):
    """``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``. Clevert, Unterthiner & Hochreiter
    2015, arXiv:1511.07289, Eq. 15."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.where(x > 0, x, _neg_expm1(x, self.alpha))

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class SELU(nn.Module):
    """Scaled ELU, ``SELU_SCALE * ELU_{SELU_ALPHA}(x)``: self-normalizing networks.
    Klambauer et al. 2017, arXiv:1706.02515, Eq. 2 with the constants of Eq. 14."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return SELU_SCALE * torch.where(x > 0, x, _neg_expm1(x, SELU_ALPHA))


class GELU(nn.Module):
    """``x * Phi(x)`` with ``Phi`` the standard normal CDF. Hendrycks & Gimpel 2016,
    arXiv:1606.08415, Sec. 2; ``approximate='tanh'`` is their tanh approximation
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in _APPROXIMATIONS:
            raise ValueError(
                f"approximate must be one of {_APPROXIMATIONS}, got {approximate!r}"
            )
        self.approximate = approximate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.approximate == "tanh":
            inner = _SQRT_2_OVER_PI * (x + _GELU_TANH_COEF * x.pow(3))
            return 0.5 * x * (1.0 + torch.tanh(inner))
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Swish(nn.Module):
    """``x * sigmoid(beta * x)``. Ramachandran, Zoph & Le 2017, arXiv:1710.05941, Sec. 4
    ("Swish-beta"); ``trainable=True`` learns ``beta`` as in the paper, starting at ``beta``.
    ``beta=1`` is the SiLU (Hendrycks & Gimpel 2016; Elfwing et al. 2017, arXiv:1702.03118).
    """

    def __init__(self, beta: float = 1.0, trainable: bool = False) -> None:
        super().__init__()
        self.trainable = trainable
        if trainable:
            self.beta = nn.Parameter(torch.tensor(float(beta)))
        else:
            self.beta = float(beta)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(self.beta * x)

    def extra_repr(self) -> str:
        beta = float(self.beta) if not self.trainable else float(self.beta.detach())
        return f"beta={beta}, trainable={self.trainable}"


class SiLU(nn.Module):
    """``x * sigmoid(x)``, Swish with fixed ``beta = 1``. Hendrycks & Gimpel 2016,
    arXiv:1606.08415; Elfwing et al. 2017, arXiv:1702.03118; Ramachandran et al. 2017,
    arXiv:1710.05941 (as Swish-1). Used by EfficientNet."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(x)


class Mish(nn.Module):
    """``x * tanh(softplus(x))``. Misra 2019, arXiv:1908.08681, Eq. 1."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.tanh(_softplus(x))


ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "prelu": PReLU,
    "elu": ELU,
    "selu": SELU,
    "gelu": GELU,
    "silu": SiLU,
    "swish": Swish,
    "mish": Mish,
}


def _canonical(name: str) -> str:
    key = name.strip().lower().replace("-", "_") if isinstance(name, str) else name
    if key not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {name!r}; valid names: {', '.join(sorted(ACTIVATIONS))}"
        )
    return key


def get_activation(name: str) -> type[nn.Module]:
    """The activation class registered under ``name`` (case-insensitive, ``-`` or ``_``).

    Returns the class, not an instance, so it can be passed as ``act_layer``.
    """
    return ACTIVATIONS[_canonical(name)]


# Analytic derivatives d act(x) / dx. Keyword arguments mirror the constructors; at a kink
# each picks the same one-sided value as PyTorch's autograd.
def _d_relu(x: torch.Tensor) -> torch.Tensor:
    return (x > 0).to(x.dtype)


def _d_leaky_relu(x: torch.Tensor, negative_slope: float = 0.01) -> torch.Tensor:
    return torch.where(x > 0, 1.0, negative_slope).to(x.dtype)


def _d_prelu(x: torch.Tensor, init: float = 0.25) -> torch.Tensor:
    return torch.where(x > 0, 1.0, init).to(x.dtype)


def _d_elu(x: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    return torch.where(x > 0, 1.0, alpha * torch.exp(x.clamp(max=0.0))).to(x.dtype)


def _d_selu(x: torch.Tensor) -> torch.Tensor:
    return SELU_SCALE * _d_elu(x, SELU_ALPHA)


def _d_gelu(x: torch.Tensor, approximate: str = "none") -> torch.Tensor:
    if approximate == "tanh":
        t = torch.tanh(_SQRT_2_OVER_PI * (x + _GELU_TANH_COEF * x.pow(3)))
        dinner = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_TANH_COEF * x.square())
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t.square()) * dinner
    if approximate != "none":
        raise ValueError(f"approximate must be one of {_APPROXIMATIONS}, got {approximate!r}")
    cdf = 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))
    pdf = torch.exp(-0.5 * x.square()) / math.sqrt(2.0 * math.pi)
    return cdf + x * pdf  # d/dx [x Phi(x)] = Phi(x) + x phi(x)


def _d_swish(x: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
    s = torch.sigmoid(beta * x)
    return s + beta * x * s * (1.0 - s)


def _d_silu(x: torch.Tensor) -> torch.Tensor:
    return _d_swish(x, 1.0)


def _d_mish(x: torch.Tensor) -> torch.Tensor:
    t = torch.tanh(_softplus(x))
    return t + x * (1.0 - t.square()) * torch.sigmoid(x)  # softplus' = sigmoid


_DERIVATIVES: dict[str, Callable[..., torch.Tensor]] = {
    "relu": _d_relu,
    "leaky_relu": _d_leaky_relu,
    "prelu": _d_prelu,
    "elu": _d_elu,
    "selu": _d_selu,
    "gelu": _d_gelu,
    "silu": _d_silu,
    "swish": _d_swish,
    "mish": _d_mish,
}


def activation_derivative(name: str, x: torch.Tensor, **params: float | str) -> torch.Tensor:
    """Analytic derivative of activation ``name`` at ``x`` (elementwise).

    ``params`` are the activation's constructor arguments (``negative_slope``, ``alpha``,
    ``approximate``, ``beta``; for ``prelu`` the slope is ``init``). At kinks the value is the
    one PyTorch's autograd uses (e.g. ReLU'(0) = 0).
    """
    key = _canonical(name)
    x = torch.as_tensor(x)
    if not x.is_floating_point():
        x = x.to(torch.get_default_dtype())
    try:
        return _DERIVATIVES[key](x, **params)
    except TypeError as err:
        raise ValueError(
            f"bad parameters {sorted(params)} for activation {key!r}: {err}"
        ) from None
