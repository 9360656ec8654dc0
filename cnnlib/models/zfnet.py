"""ZFNet (Zeiler & Fergus, "Visualizing and Understanding Convolutional Networks",
arXiv:1311.2901, ECCV 2014), Fig. 3: AlexNet with a smaller, denser first layer.

The architecture as data, for a 224x224x3 input (paper, Fig. 3):

    layer  filters  kernel/stride  padding  then                      output
    conv1    96      7x7 / 2        1       max pool 3x3/2, norm       96 x 55 x 55
    conv2   256      5x5 / 2        0       max pool 3x3/2, norm      256 x 13 x 13
    conv3   384      3x3 / 1        1                                 384 x 13 x 13
    conv4   384      3x3 / 1        1                                 384 x 13 x 13
    conv5   256      3x3 / 1        1       max pool 3x3/2            256 x  6 x  6
    fc6 4096, fc7 4096, fc8 num_classes

The CS231n lecture's ZFNet slide says conv3/4/5 use 512, 1024, 512 filters "instead of 384, 384,
256". Those widths are a variant listed in the paper's Table 2 (the Fig. 3 model with 512, 1024
and 512 maps in layers 3, 4 and 5), not the Fig. 3 model itself. ``zfnet()`` builds Fig. 3;
``zfnet_cs231n()`` (or ``zfnet(widths=ZFNET_CS231N_WIDTHS)``) builds the lecture's widths.

Paddings are not printed in the paper; the ones above (and ``ceil_mode`` pooling) are the ones
that reproduce every map size of Fig. 3 (110 -> 55, 26 -> 13, 13 -> 6).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Optional, Sequence

import torch
from torch import nn

from cnnlib.layers import LayerFactory, fc_classifier
from cnnlib.layers.weight_init import apply_init, small_normal_
from cnnlib.models._base import ImageClassifier
from cnnlib.models.alexnet import alexnet_lrn
from cnnlib.registry import register_model

__all__ = ["ZFNet", "ZFNET_WIDTHS", "ZFNET_CS231N_WIDTHS", "zfnet", "zfnet_cs231n",
           "FIRST_LAYERS", "first_layer_net"]

# (out_channels, kernel, stride, padding, pool_and_norm_after) per conv layer, paper Fig. 3.
_ZFNET_LAYOUT = ((7, 2, 1, "pool+norm"), (5, 2, 0, "pool+norm"), (3, 1, 1, ""), (3, 1, 1, ""),
                 (3, 1, 1, "pool"))
ZFNET_WIDTHS: tuple[int, ...] = (96, 256, 384, 384, 256)          # paper, Fig. 3
ZFNET_CS231N_WIDTHS: tuple[int, ...] = (96, 256, 512, 1024, 512)  # CS231n slide / paper Table 2


class ZFNet(ImageClassifier):
    """Five conv layers and three FC layers; see the module docstring for the table.

    ``norm_layer`` stands in for the paper's "contrast normalization across feature maps"
    (default: AlexNet's local response normalization, the same operation family; the paper gives
    no constants). Like :class:`~cnnlib.models.alexnet.AlexNet`, an ``AdaptiveAvgPool2d((6, 6))``
    before fc6 is an identity at 224x224 and lets larger inputs through. ``hidden`` is the width
    of fc6 and fc7 (4096 in the paper).
    """

    def __init__(
        self,
        num_classes: int = 1000,
        *,
        widths: Sequence[int] = ZFNET_WIDTHS,
        in_channels: int = 3,
        norm_layer: Optional[LayerFactory] = alexnet_lrn,
        act_layer: LayerFactory = nn.ReLU,
        dropout: float = 0.5,
        hidden: int = 4096,
    ) -> None:
        super().__init__()
        widths = tuple(int(w) for w in widths)
        if len(widths) != 5 or min(widths) < 1:
            raise ValueError(f"widths must be five positive conv widths, got {widths}")
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.widths = widths
        layers: list[tuple[str, nn.Module]] = []
        c_in = in_channels
        for i, (c_out, (k, s, p, after)) in enumerate(zip(widths, _ZFNET_LAYOUT), start=1):
            layers += [(f"conv{i}", nn.Conv2d(c_in, c_out, k, s, p)), (f"act{i}", act_layer())]
            if "pool" in after:
                layers.append((f"pool{i}", nn.MaxPool2d(3, 2, ceil_mode=True)))
            if "norm" in after and norm_layer is not None:
                layers.append((f"norm{i}", norm_layer(c_out)))
            c_in = c_out
        # At 224x224: conv1 N x 96 x 110 x 110, pool1 N x 96 x 55 x 55, conv2 N x 256 x 26 x 26,
        # pool2 N x 256 x 13 x 13, conv3-5 N x C x 13 x 13, pool5 N x 256 x 6 x 6.
        self.body = nn.Sequential(OrderedDict(layers))
        self.pool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = fc_classifier(c_in * 6 * 6, num_classes, hidden=hidden, dropout=dropout,
                                        act_layer=act_layer)
        self.init_weights()

    def init_weights(self) -> None:
        """Weights N(0, 0.01), biases 0 (Zeiler & Fergus 2013, Section 3, which initializes the
        weights "to 1e-2" and the biases to 0; we read 1e-2 as a Gaussian's std)."""
        apply_init(self, conv=small_normal_, linear=small_normal_)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)  # N x widths[4] x 6 x 6 at 224x224

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.pool(x), 1))


@register_model
def zfnet(*, num_classes: int = 1000, **kwargs) -> ZFNet:
    """ZFNet (Zeiler & Fergus, arXiv:1311.2901), the paper's Fig. 3 model: 96-256-384-384-256.

    Pass ``widths=ZFNET_CS231N_WIDTHS`` (or use :func:`zfnet_cs231n`) for 512-1024-512 in conv3-5.
    """
    return ZFNet(num_classes, **kwargs)


@register_model
def zfnet_cs231n(*, num_classes: int = 1000, **kwargs) -> ZFNet:
    """ZFNet with the CS231n lecture's conv3/4/5 widths 512-1024-512 (arXiv:1311.2901, Table 2)."""
    kwargs.setdefault("widths", ZFNET_CS231N_WIDTHS)
    return ZFNet(num_classes, **kwargs)


#: The two first layers chapter 3 compares, as ``(kernel, stride, padding)``: AlexNet's
#: 11x11 / 4 and ZFNet's 7x7 / 2 (paddings ours, chosen to keep the sizes simple).
FIRST_LAYERS: dict[str, tuple[int, int, int]] = {
    "11x11, stride 4": (11, 4, 5),
    "7x7, stride 2": (7, 2, 3),
}


def first_layer_net(kernel: int, stride: int, padding: int, *, in_channels: int = 3,
                    widths: Sequence[int] = (16, 32, 64), num_classes: int = 10) -> nn.Sequential:
    """A three-conv network whose first layer is ``kernel`` x ``kernel`` at ``stride``.

    Not registered, not a published network: chapter 3's classroom pair (:data:`FIRST_LAYERS`)
    that differ only in the first convolution. After it: ReLU, 3x3 / 2 max pool (padding 1),
    a 5x5 conv, ReLU, the same pool, a 3x3 conv, ReLU, global average pooling and a linear
    classifier; ``widths`` are the three convs' channels. PyTorch's default initialization.
    """
    if len(widths) != 3:
        raise ValueError(f"first_layer_net needs three widths, got {tuple(widths)}")
    c1, c2, c3 = widths
    return nn.Sequential(
        nn.Conv2d(in_channels, c1, kernel, stride, padding), nn.ReLU(), nn.MaxPool2d(3, 2, padding=1),
        nn.Conv2d(c1, c2, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2, padding=1),
        nn.Conv2d(c2, c3, 3, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c3, num_classes))
