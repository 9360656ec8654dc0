"""Lecture claims about activation functions (ReLU and friends) and the vanishing gradient.

Only the SENet deck states numbers about activations (its "ReLU vs. Sigmoid" slides). The
ReLU is :class:`cnnlib.layers.activations.ReLU`; the vanishing-gradient experiment is
:func:`cnnlib.figures.activations.signal_propagation` (20 bias-free 256 x 256 linear layers).
"""
from __future__ import annotations

from cnnlib.ledger import claim

_DECK = "senet-deck"
_RELU_VS_SIGMOID = "ReLU vs. Sigmoid"
_DEPTH = 20


@claim(key="relu-range", topic="activations", numeric=False,
       quantity="ReLU's range", stated="[0, inf)",
       method="cnnlib.layers.activations.ReLU on 10^6 points of [-1e6, 1e6]: the smallest output "
              "is 0 (reached by every negative input) and the output equals the input for every "
              "positive one, so it has no upper bound",
       sources=[(_DECK, f"{_RELU_VS_SIGMOID}, 'Cons'",
                 "¡ The range of ReLu is [0, inf). This means it can blow up the activation.")])
def _relu_range() -> bool:
    import torch

    from cnnlib.layers.activations import ReLU

    x = torch.linspace(-1e6, 1e6, 1_000_001, dtype=torch.float64)
    y = ReLU()(x)
    return (float(y.min()) == 0.0 and bool((y[x < 0] == 0).all())
            and bool((y[x > 0] == x[x > 0]).all()))


@claim(key="relu-solves-vanishing-gradient", topic="activations", numeric=False, status="wrong",
       erratum="relu-solves-vanishing-gradient",
       quantity="ReLU and the vanishing gradient",
       stated="ReLU's slope does not plateau, so it solves the vanishing gradient problem",
       method=f"cnnlib.figures.activations.signal_propagation(ReLU, depth={_DEPTH}): the "
              f"gradient reaching layer 1 divided by that reaching layer {_DEPTH}, with "
              "PyTorch's default and with Xavier initialization; the slide would be right if "
              "neither shrank below 0.1",
       why="ReLU removes the sigmoid's saturation, but with the usual initializations the "
           "gradient still shrinks geometrically with depth (by about 1e-8 over 20 layers with "
           "PyTorch's default init, 1e-3 with Xavier); only He initialization (and later "
           "BatchNorm and residual connections) keeps it near 1.",
       sources=[(_DECK, f"{_RELU_VS_SIGMOID}, 'Pros'",
                 "Linearity means that the slope doesn’t plateau, thus solves the vanishing "
                 "gradient problem.")])
def _relu_vanishing() -> bool:
    from torch import nn

    from cnnlib.figures.activations import signal_propagation

    ratios = [signal_propagation(nn.ReLU, depth=_DEPTH, init=init).grad_ratio
              for init in ("pytorch", "xavier")]
    return min(ratios) > 0.1
