"""Lecture claims about LeNet-5 (LeCun et al. 1998, "Gradient-based learning applied to
document recognition", Fig. 2 and Section II.B)."""
from __future__ import annotations

from cnnlib.ledger import claim
from cnnlib.ledger._shared import only as _only

_REVIEW = "Review: LeNet-5"
_SOURCES_REVIEW = ("cs231n-2017", "cs231n-2023", "survey-ng")


def _lenet5():
    from cnnlib.models.lenet import lenet5

    return lenet5()




def _convs():
    from torch import nn

    return [m for m in _lenet5().modules() if isinstance(m, nn.Conv2d)]


def _pools():
    from torch import nn

    return [m for m in _lenet5().modules() if isinstance(m, nn.AvgPool2d)]


@claim(key="lenet-conv-kernel", topic="lenet", quantity="LeNet-5 conv kernel side",
       stated="5", method="kernel_size of every nn.Conv2d in cnnlib.models.lenet.lenet5()",
       sources=[(lec, _REVIEW, "Conv filters were 5x5, applied at stride 1")
                for lec in _SOURCES_REVIEW])
def _conv_kernel() -> int:
    return _only({k for m in _convs() for k in m.kernel_size}, "conv kernel sides")


@claim(key="lenet-conv-stride", topic="lenet", quantity="LeNet-5 conv stride",
       stated="1", method="stride of every nn.Conv2d in lenet5()",
       sources=[(lec, _REVIEW, "Conv filters were 5x5, applied at stride 1")
                for lec in _SOURCES_REVIEW])
def _conv_stride() -> int:
    return _only({s for m in _convs() for s in m.stride}, "conv strides")


@claim(key="lenet-pool-window", topic="lenet", quantity="LeNet-5 subsampling window and stride",
       stated={"window": "2", "stride": "2"}, method="kernel_size and stride of lenet5()'s S2, S4",
       sources=[(lec, _REVIEW, "Subsampling (Pooling) layers were 2x2 applied at stride 2")
                for lec in _SOURCES_REVIEW])
def _pool() -> dict[str, int]:
    pools = _pools()
    return {"window": _only({m.kernel_size for m in pools}, "pool windows"),
            "stride": _only({m.stride for m in pools}, "pool strides")}


@claim(key="lenet-layer-pattern", topic="lenet", numeric=False, status="wrong",
       erratum="lenet-layer-pattern",
       quantity="LeNet-5 layer pattern", stated="[CONV-POOL-CONV-POOL-FC-FC]",
       method="cnnlib.figures.per_layer.layer_pattern(summarize(lenet5()), conv_as_fc=True)",
       why="LeNet-5 has three layers after S4 (C5, F6 and the output), not two.",
       sources=[(lec, _REVIEW, "architecture is [CONV-POOL-CONV-POOL-FC-FC]")
                for lec in _SOURCES_REVIEW])
def _pattern() -> bool:
    from cnnlib.figures.per_layer import layer_pattern
    from cnnlib.summary import summarize

    return layer_pattern(summarize(_lenet5(), (1, 32, 32)), conv_as_fc=True) == \
        "CONV-POOL-CONV-POOL-FC-FC"
