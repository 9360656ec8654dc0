"""Errata about activation functions: ReLU and the vanishing gradient.

(The CS231n 2023 slide's "Xavier initialization from He et al." is the ``resnet`` topic's
erratum ``resnet-init-xavier``; the signal-propagation figure of :mod:`cnnlib.figures.activations` shows
why it matters.)

The entry is computed with :func:`cnnlib.figures.activations.signal_propagation`: a standard-normal
batch pushed through 20 bias-free 256 x 256 linear layers with an activation after each.

:data:`ALEXNET_RELU` records what each lecture says about AlexNet and ReLU (the book states
which lectures call it a "first use" from it, with :func:`lectures_crediting_first_relu`).
"""
from typing import NamedTuple

from torch import nn

from cnnlib.errata import LECTURES, erratum

_DEPTH = 20


class LectureQuote(NamedTuple):
    where: str
    says: str | None  # the slide's words, verbatim; None: the lecture does not say it


#: What each lecture transcript says about AlexNet and ReLU (checked against the transcripts in
#: the course's seeds). Three call it AlexNet's "first use of ReLU"; Michigan lists "ReLU
#: nonlinearities" among AlexNet's features without calling it a first; the survey deck's AlexNet
#: slides do not mention the activation at all.
ALEXNET_RELU: dict[str, LectureQuote] = {
    "cs231n-2017": LectureQuote("Case Study: AlexNet, 'Details/Retrospectives'", "first use of ReLU"),
    "cs231n-2023": LectureQuote("AlexNet, 'Details/Retrospectives'", "first use of ReLU"),
    "senet-deck": LectureQuote("AlexNet, 'Details'", "First use of ReLU"),
    "eecs498-2022": LectureQuote("AlexNet (slides 26-27), list of features", "ReLU nonlinearities"),
    "survey-ng": LectureQuote("Case Study: AlexNet (architecture slides)", None),
}


def lectures_crediting_first_relu() -> list[str]:
    """Keys of the lectures (``LECTURES`` order) that call ReLU a first of AlexNet's."""
    return [k for k in LECTURES
            if ALEXNET_RELU[k].says and "first use" in ALEXNET_RELU[k].says.lower()]


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
