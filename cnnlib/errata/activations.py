"""Errata about activation functions: ReLU and the vanishing gradient.

(The CS231n 2023 slide's "Xavier initialization from He et al." is the ``resnet`` topic's
erratum ``resnet-init-xavier``; the signal-propagation figure of :mod:`cnnlib.figures.activations` shows
why it matters.)

The entry is computed with :func:`cnnlib.figures.activations.signal_propagation`: a standard-normal
batch pushed through 20 bias-free 256 x 256 linear layers with an activation after each.
"""
from torch import nn

from cnnlib.errata import erratum

_DEPTH = 20


@erratum(key="relu-solves-vanishing-gradient", topic="activations", lecture="senet-deck",
         where="ReLU vs. Sigmoid, 'Pros'",
         claim="Linearity means that the slope doesn't plateau, thus solves the vanishing "
               "gradient problem.",
         why="ReLU removes the saturation (its slope is 1 wherever it is active; the sigmoid's "
             "is at most 0.25), but the gradient still shrinks geometrically with depth unless "
             "the weights are scaled for ReLU. It is ReLU together with He initialization "
             "(He et al. 2015, arXiv:1502.01852), and later BatchNorm and residual connections, "
             "that keep deep networks trainable.")
def _relu_vanishing() -> str:
    from cnnlib.figures.activations import signal_propagation

    ratio = {init: signal_propagation(nn.ReLU, depth=_DEPTH, init=init).grad_ratio
             for init in ("pytorch", "xavier", "he")}
    sigmoid = signal_propagation(nn.Sigmoid, depth=_DEPTH, init="he").grad_ratio
    return (f"gradient at layer 1 / at layer {_DEPTH} of a {_DEPTH}-layer ReLU stack: "
            f"{ratio['pytorch']:.1e} with PyTorch's default init, {ratio['xavier']:.1e} with "
            f"Xavier, {ratio['he']:.2f} with He init (sigmoid, He init: {sigmoid:.1e})")
