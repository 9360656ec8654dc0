"""Errata about GoogLeNet's Inception module (chapter 5)."""
from cnnlib.arithmetic import conv_macs, conv_params
from cnnlib.errata import erratum

# The lectures' example: a 28x28x256 input; branches 1x1/128, 3x3/192, 5x5/96 (+3x3 max pool);
# the reduced module puts 64-channel 1x1 bottlenecks before the 3x3 and 5x5 and after the pool.
_NAIVE = [(256, 128, 1), (256, 192, 3), (256, 96, 5)]
_REDUCED = [(256, 64, 1), (256, 64, 1), (256, 128, 1), (64, 192, 3), (64, 96, 5), (256, 64, 1)]


def _weights(convs) -> int:
    return sum(conv_params(ci, co, k, bias=False) for ci, co, k in convs)


def _macs(convs) -> int:
    return sum(conv_macs(ci, co, k, 28, 28) for ci, co, k in convs)


@erratum(key="inception-naive-params", chapter="ch05", lecture="senet-deck",
         where="Inception module, naive version: 'Parameters'",
         claim="Total: 108k",
         why="128x1x1x256 + 192x3x3x256 + 96x5x5x256 adds up to about 1.09 million weights: "
             "the slide is off by a factor of ten.")
def _naive_params() -> str:
    return f"{_weights(_NAIVE):,} weights"


@erratum(key="inception-reduced-params", chapter="ch05", lecture="senet-deck",
         where="Inception module with 1x1 bottlenecks: 'Parameters'",
         claim="Total: 33k, decreased from 108k",
         why="The six convolutions listed hold about 346 thousand weights, again ten times the "
             "slide's figure (the ratio, about 3x fewer, is right).")
def _reduced_params() -> str:
    return f"{_weights(_REDUCED):,} weights"


@erratum(key="inception-reduced-ops", chapter="ch05", lecture="cs231n-2017",
         where="Inception module with dimension reduction: 'Conv Ops'",
         claim="Total: 358M ops (vs 854M naive)",
         why="The six products the slide lists add up to 271M; 358M is what you get if the 3x3 "
             "branch (86.7M) is counted twice. The naive 854M is right.")
def _reduced_ops() -> str:
    return f"{_macs(_REDUCED) / 1e6:.1f}M MACs (naive: {_macs(_NAIVE) / 1e6:.1f}M)"


@erratum(key="bottleneck-5x5-typo", chapter="ch05", lecture="survey-ng",
         where="Computational cost with 1x1 convolutions: first layer",
         claim="28 x 28 x 6 x 192 = 2.4M",
         why="The bottleneck has 16 filters, not 6: 28x28x16x192 = 2.4M (the result is right, the "
             "factor is a typo; 28x28x6x192 would be 0.9M).")
def _bottleneck_typo() -> str:
    return f"28 x 28 x 16 x 192 = {conv_macs(192, 16, 1, 28, 28) / 1e6:.2f}M"
