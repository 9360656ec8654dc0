"""Errata about LeNet-5."""
from cnnlib.errata import erratum


@erratum(key="lenet-layer-pattern", topic="lenet", lecture="cs231n-2017",
         where="Review: LeNet-5 (the same slide is in cs231n-2023 and survey-ng)",
         claim="architecture is [CONV-POOL-CONV-POOL-FC-FC]",
         why="LeNet-5 has three layers after S4, not two: C5 (120 filters of 5x5 on the 5x5 S4 "
             "map, so each filter sees every input: a fully-connected layer written as a "
             "convolution), F6 (84 units) and the 10 output units.")
def _lenet_pattern() -> str:
    from cnnlib.models.lenet import lenet5
    from cnnlib.summary import summarize
    from cnnlib.figures.per_layer import layer_pattern

    s = summarize(lenet5(), (1, 32, 32))
    return (f"{layer_pattern(s)} as built (C5 is a conv); "
            f"{layer_pattern(s, conv_as_fc=True)} counting C5 as the FC layer it is")
