"""The fully connected classifier of AlexNet, ZFNet and VGG: fc6, fc7 (``hidden`` units each,
activation, dropout), then fc8 with the class scores.

Krizhevsky et al. 2012 (NeurIPS), Sec. 3.5 and Fig. 2: two 4096-unit layers, then 1000-way;
dropout "in the first two fully-connected layers" (Sec. 4.2). Simonyan & Zisserman 2014
(arXiv:1409.1556), Table 1 and Sec. 3.1 keep it for VGG. The names follow the papers' layer
numbers, so the layers read ``classifier.fc6`` ... ``classifier.fc8``.
"""
from __future__ import annotations

from collections import OrderedDict

from torch import nn

from cnnlib.layers.factory import LayerFactory

__all__ = ["fc_classifier"]


def fc_classifier(
    in_features: int,
    num_classes: int,
    *,
    hidden: int = 4096,
    dropout: float = 0.5,
    act_layer: LayerFactory = nn.ReLU,
) -> nn.Sequential:
    """``fc6 -> act6 -> drop6 -> fc7 -> act7 -> drop7 -> fc8``; dropout on the outputs of fc6
    and fc7, where the papers put it (torchvision puts it on their inputs instead)."""
    return nn.Sequential(OrderedDict([
        ("fc6", nn.Linear(in_features, hidden)),
        ("act6", act_layer()),
        ("drop6", nn.Dropout(dropout)),
        ("fc7", nn.Linear(hidden, hidden)),
        ("act7", act_layer()),
        ("drop7", nn.Dropout(dropout)),
        ("fc8", nn.Linear(hidden, num_classes)),
    ]))
