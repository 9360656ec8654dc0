"""Weight initialisation: one rule per convention, each citing its source, and
:func:`apply_init`, the one loop that applies them to a model.

A rule initialises a weight tensor in place (``rule(weight)``). A model's ``init_weights``
method says which rule its convolutions and linear layers get, e.g.
``apply_init(self, conv=he_normal_, linear=small_normal_)``. Blocks with a residual branch
can offer ``zero_init_last()``; :func:`zero_init_residuals_` calls it on all of them.
"""
from __future__ import annotations

from typing import Callable, Optional

import torch
from torch import nn

__all__ = [
    "WeightRule", "NORM_LAYERS", "he_normal_", "he_uniform_", "small_normal_", "lecun_uniform_",
    "reset_norm_", "zero_init_last_norm_", "zero_init_residuals_", "apply_init",
]

WeightRule = Callable[[torch.Tensor], object]
NORM_LAYERS = (nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)


def he_normal_(weight: torch.Tensor, mode: str = "fan_out") -> torch.Tensor:
    """N(0, 2 / fan) for ReLU nets: He et al. 2015 (arXiv:1502.01852). ``fan_in`` keeps the
    variance of the forward signal (Eq. 10), ``fan_out`` that of the backward gradient
    (Eq. 14); the paper shows either works. torchvision's CNNs use ``fan_out``."""
    return nn.init.kaiming_normal_(weight, mode=mode, nonlinearity="relu")


def he_uniform_(weight: torch.Tensor, mode: str = "fan_in") -> torch.Tensor:
    """U(+-sqrt(6 / fan)), the uniform distribution with the variance 2 / fan of
    :func:`he_normal_` (He et al. 2015, arXiv:1502.01852)."""
    return nn.init.kaiming_uniform_(weight, mode=mode, nonlinearity="relu")


def small_normal_(weight: torch.Tensor, std: float = 0.01) -> torch.Tensor:
    """N(0, 0.01^2): every AlexNet layer (Krizhevsky et al. 2012, NeurIPS, Sec. 5); torchvision
    keeps it for the classifiers of VGG, GoogLeNet, MobileNet, ShuffleNet and RegNet."""
    return nn.init.normal_(weight, 0.0, std)


def lecun_uniform_(weight: torch.Tensor) -> torch.Tensor:
    """U(+-2.4 / F_i), F_i the fan-in of the unit: LeCun et al. 1998 (Proc. IEEE 86(11),
    Appendix A.C). Not Keras' ``lecun_uniform``, which is U(+-sqrt(3 / F_i))."""
    fan_in = weight[0].numel()
    return nn.init.uniform_(weight, -2.4 / fan_in, 2.4 / fan_in)


def reset_norm_(norm: nn.Module) -> None:
    """Scale 1, shift 0: a fresh norm layer is a plain standardisation, and the learned
    gamma, beta of Ioffe & Szegedy 2015 (arXiv:1502.03167, Sec. 3) start from there."""
    if getattr(norm, "weight", None) is not None:
        nn.init.ones_(norm.weight)
    if getattr(norm, "bias", None) is not None:
        nn.init.zeros_(norm.bias)


def zero_init_last_norm_(norm: nn.Module) -> None:
    """Scale 0 in the last norm layer of a residual branch, so the block starts as the identity
    (Goyal et al. 2017, arXiv:1706.02677, Sec. 5.1; timm's ``zero_init_last``)."""
    weight = getattr(norm, "weight", None)
    if weight is None:
        raise ValueError(f"zero_init_residual needs a norm layer with a scale; got {norm}")
    nn.init.zeros_(weight)


def zero_init_residuals_(model: nn.Module) -> None:
    """Call ``zero_init_last()`` on every block of ``model`` that has one, so each residual
    block starts as the identity (Goyal et al. 2017, arXiv:1706.02677, Sec. 5.1)."""
    for m in model.modules():
        if hasattr(m, "zero_init_last"):
            m.zero_init_last()


def apply_init(
    model: nn.Module,
    *,
    conv: Optional[WeightRule] = None,
    linear: Optional[WeightRule] = None,
) -> None:
    """Initialise ``model`` layer by layer, in ``model.modules()`` order (so a seed gives the
    same weights): ``nn.Conv2d`` weights by ``conv`` and ``nn.Linear`` weights by ``linear``,
    their biases 0; norm layers by :func:`reset_norm_`. A layer type whose rule is ``None``
    keeps PyTorch's default init, bias included."""
    for m in model.modules():
        rule = conv if isinstance(m, nn.Conv2d) else linear if isinstance(m, nn.Linear) else None
        if rule is not None:
            rule(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, NORM_LAYERS):
            reset_norm_(m)
