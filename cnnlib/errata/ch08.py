"""Errata about ReLU, its initialization and the vanishing gradient (chapter 8).

Both entries are computed with :func:`cnnlib.viz.ch08.signal_propagation`: a standard-normal
batch pushed through 20 bias-free 256 x 256 linear layers with an activation after each.
"""
from torch import nn

from cnnlib.errata import erratum

_DEPTH = 20


@erratum(key="relu-solves-vanishing-gradient", chapter="ch08", lecture="senet-deck",
         where="ReLU vs. Sigmoid, 'Pros'",
         claim="Linearity means that the slope doesn't plateau, thus solves the vanishing "
               "gradient problem.",
         why="ReLU removes the saturation (its slope is 1 wherever it is active; the sigmoid's "
             "is at most 0.25), but the gradient still shrinks geometrically with depth unless "
             "the weights are scaled for ReLU. It is ReLU together with He initialization "
             "(He et al. 2015, arXiv:1502.01852), and later BatchNorm and residual connections, "
             "that keep deep networks trainable.")
def _relu_vanishing() -> str:
    from cnnlib.viz.ch08 import signal_propagation

    ratio = {init: signal_propagation(nn.ReLU, depth=_DEPTH, init=init).grad_ratio
             for init in ("pytorch", "xavier", "he")}
    sigmoid = signal_propagation(nn.Sigmoid, depth=_DEPTH, init="he").grad_ratio
    return (f"gradient at layer 1 / at layer {_DEPTH} of a {_DEPTH}-layer ReLU stack: "
            f"{ratio['pytorch']:.1e} with PyTorch's default init, {ratio['xavier']:.1e} with "
            f"Xavier, {ratio['he']:.2f} with He init (sigmoid, He init: {sigmoid:.1e})")


@erratum(key="resnet-init-he-not-xavier", chapter="ch08", lecture="cs231n-2023",
         where="Case Study: ResNet, 'Training ResNet in practice'",
         claim="Xavier initialization from He et al.",
         why="He et al. (2015, arXiv:1502.01852, Eq. 10) derive a weight variance of 2/fan_in "
             "for ReLU layers, twice Xavier's 1/fan_in, because ReLU zeroes half of its "
             "input; the 2017 version of this slide says 'Xavier/2'. With Xavier's scale each "
             "ReLU layer halves the second moment of the signal.")
def _he_not_xavier() -> str:
    from cnnlib.viz.ch08 import signal_propagation

    std = {init: signal_propagation(nn.ReLU, depth=_DEPTH, init=init).activation_std[-1]
           for init in ("xavier", "he")}
    return (f"He initialization, variance 2/fan_in: the activations' std after {_DEPTH} ReLU "
            f"layers is {std['he']:.2f}, against {std['xavier']:.1e} with Xavier's 1/fan_in")
