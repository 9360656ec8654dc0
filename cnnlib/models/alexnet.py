"""AlexNet (Krizhevsky, Sutskever, Hinton, "ImageNet Classification with Deep Convolutional
Neural Networks", NeurIPS 2012; no arXiv version), Section 3 and Fig. 2, and two descendants.

The architecture as data: one row per conv layer ``(out_channels, kernel, stride, padding,
groups, norm_after, pool_after)``. ``groups=2`` is the paper's two-GPU split: conv2, conv4 and
conv5 only see the kernel maps on their own GPU; conv3 and the FC layers talk across GPUs.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple, Optional

import torch
from torch import nn

from cnnlib.layers import LayerFactory, fc_classifier
from cnnlib.layers.weight_init import apply_init, small_normal_
from cnnlib.models._base import ImageClassifier
from cnnlib.registry import register_model

__all__ = [
    "AlexNet", "AlexNetConv", "ALEXNET_CFGS", "alexnet_lrn",
    "alexnet", "alexnet_ungrouped", "alexnet_owt", "four_layer_cifar_net",
]


class AlexNetConv(NamedTuple):
    out_channels: int
    kernel: int
    stride: int
    padding: int
    groups: int
    norm_after: bool  # LocalResponseNorm after the ReLU (paper Section 3.3)
    pool_after: bool  # overlapping 3x3 / stride-2 max pool (paper Section 3.4)


ALEXNET_CFGS: dict[str, tuple[AlexNetConv, ...]] = {
    # Krizhevsky et al. 2012, Section 3.5 / Fig. 2 (both GPUs together): 96-256-384-384-256.
    # 227x227 input (the paper says 224; 227 is what makes 11x11 / stride 4 give 55x55).
    "paper": (
        AlexNetConv(96, 11, 4, 0, 1, True, True),   # N x 96 x 55 x 55 -> pool N x 96 x 27 x 27
        AlexNetConv(256, 5, 1, 2, 2, True, True),   # N x 256 x 27 x 27 -> pool N x 256 x 13 x 13
        AlexNetConv(384, 3, 1, 1, 1, False, False),  # N x 384 x 13 x 13
        AlexNetConv(384, 3, 1, 1, 2, False, False),  # N x 384 x 13 x 13
        AlexNetConv(256, 3, 1, 1, 2, False, True),   # N x 256 x 13 x 13 -> pool N x 256 x 6 x 6
    ),
    # The single-tower table of the CS231n lecture ("Full (simplified) AlexNet"): same widths,
    # every layer sees all channels (groups=1).
    "ungrouped": (
        AlexNetConv(96, 11, 4, 0, 1, True, True),
        AlexNetConv(256, 5, 1, 2, 1, True, True),
        AlexNetConv(384, 3, 1, 1, 1, False, False),
        AlexNetConv(384, 3, 1, 1, 1, False, False),
        AlexNetConv(256, 3, 1, 1, 1, False, True),
    ),
    # Krizhevsky, "One weird trick for parallelizing CNNs" (arXiv:1404.5997): 64-192-384-256-256,
    # no LRN, conv1 padded by 2. This is torchvision.models.alexnet and the Michigan lecture's
    # per-layer table (227x227 -> conv1 64 x 56 x 56).
    "owt": (
        AlexNetConv(64, 11, 4, 2, 1, False, True),   # N x 64 x 56 x 56 -> pool N x 64 x 27 x 27
        AlexNetConv(192, 5, 1, 2, 1, False, True),   # N x 192 x 27 x 27 -> pool N x 192 x 13 x 13
        AlexNetConv(384, 3, 1, 1, 1, False, False),  # N x 384 x 13 x 13
        AlexNetConv(256, 3, 1, 1, 1, False, False),  # N x 256 x 13 x 13
        AlexNetConv(256, 3, 1, 1, 1, False, True),   # N x 256 x 13 x 13 -> pool N x 256 x 6 x 6
    ),
}


def alexnet_lrn(num_channels: int) -> nn.LocalResponseNorm:
    """The paper's local response normalization (Section 3.3): n=5, alpha=1e-4, beta=0.75, k=2.

    Takes ``num_channels`` (unused) so it has the same signature as ``nn.BatchNorm2d`` and can be
    passed, or replaced, as ``norm_layer``. Deviation: PyTorch (like Caffe's reference AlexNet,
    which also uses 1e-4) computes ``k + alpha / n * sum(a^2)``; the paper writes
    ``k + alpha * sum(a^2)``, so the paper's exact layer would be ``alpha=5e-4`` here.
    """
    return nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0)


class AlexNet(ImageClassifier):
    """Five conv layers (ReLU, optional LRN, optional max pool), then fc6-fc7-fc8 with dropout.

    Deviations shared by every variant, all invisible at the design input size:

    * ``nn.AdaptiveAvgPool2d((6, 6))`` before fc6 (as torchvision). At 227x227 (and 224 for
      ``owt``) pool5 already gives 6x6, so it is an identity: no parameters, no MACs. It lets
      larger inputs through instead of failing in fc6.
    * Dropout sits where the paper puts it, on the outputs of fc6 and fc7 ("we use dropout in the
      first two fully-connected layers"). torchvision instead applies it to the inputs of fc6 and
      fc7 (pool5's output and fc6's output). The parameter count is the same either way.
    * ``norm_layer`` replaces LRN where the paper has it (after the ReLU of conv1 and conv2);
      the lecture's table puts NORM after the pooling, the paper before it.

    ``hidden`` is the width of fc6 and fc7 (4096 in the paper).
    """

    def __init__(
        self,
        cfg: tuple[AlexNetConv, ...],
        num_classes: int = 1000,
        *,
        in_channels: int = 3,
        norm_layer: Optional[LayerFactory] = alexnet_lrn,
        act_layer: LayerFactory = nn.ReLU,
        dropout: float = 0.5,
        hidden: int = 4096,
    ) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.num_classes = num_classes
        layers: list[tuple[str, nn.Module]] = []
        c_in = in_channels
        for i, row in enumerate(cfg, start=1):
            layers.append((f"conv{i}", nn.Conv2d(
                c_in, row.out_channels, row.kernel, row.stride, row.padding, groups=row.groups)))
            layers.append((f"act{i}", act_layer()))
            if row.norm_after and norm_layer is not None:
                layers.append((f"norm{i}", norm_layer(row.out_channels)))
            if row.pool_after:
                # "Overlapping pooling": 3x3 windows every 2 pixels (Section 3.4).
                layers.append((f"pool{i}", nn.MaxPool2d(kernel_size=3, stride=2)))
            c_in = row.out_channels
        self.body = nn.Sequential(OrderedDict(layers))
        self.pool = nn.AdaptiveAvgPool2d((6, 6))  # identity at the design input size
        self.classifier = fc_classifier(c_in * 6 * 6, num_classes, hidden=hidden, dropout=dropout,
                                        act_layer=act_layer)
        self.init_weights()

    def init_weights(self) -> None:
        """The paper's init (Section 5): weights N(0, 0.01); biases 1 in conv2, conv4, conv5 and
        the fully-connected hidden layers (fc6, fc7), 0 elsewhere ("accelerates the early stages
        of learning by providing the ReLUs with positive inputs"). Norm layers: weight 1, bias 0.
        """
        apply_init(self, conv=small_normal_, linear=small_normal_)
        for name, m in self.named_modules():
            if name.rsplit(".", 1)[-1] in {"conv2", "conv4", "conv5", "fc6", "fc7"}:
                nn.init.ones_(m.bias)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)  # N x 256 x 6 x 6 at 227x227

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.pool(x), 1))


@register_model
def alexnet(*, num_classes: int = 1000, **kwargs) -> AlexNet:
    """AlexNet as in the paper (NeurIPS 2012, Fig. 2): two-tower grouped convs, LRN, 227x227.

    60,965,224 parameters with 1000 classes (checked in the tests); the paper's abstract rounds
    it to "60 million parameters". Not torchvision's ``alexnet``, which is the 2014 "one weird
    trick" network (:func:`alexnet_owt` here).
    """
    return AlexNet(ALEXNET_CFGS["paper"], num_classes, **kwargs)


@register_model
def alexnet_ungrouped(*, num_classes: int = 1000, **kwargs) -> AlexNet:
    """AlexNet as one tower (the CS231n lecture's table): same widths as the paper, groups=1.

    Removing the two-GPU split makes conv2, conv4 and conv5 see twice as many input channels:
    62,378,344 parameters with 1000 classes, 1,413,120 more than the paper's two-tower network
    (both numbers checked in the tests).
    """
    return AlexNet(ALEXNET_CFGS["ungrouped"], num_classes, **kwargs)


@register_model
def alexnet_owt(*, num_classes: int = 1000, **kwargs) -> AlexNet:
    """AlexNet "one weird trick" (Krizhevsky 2014, arXiv:1404.5997), = torchvision's alexnet.

    64-192-384-256-256, no LRN; parameter count equals ``torchvision.models.alexnet`` exactly.
    Differences from torchvision: dropout placement (see :class:`AlexNet`) and the init (the
    2012 paper's here, PyTorch's default there).
    """
    return AlexNet(ALEXNET_CFGS["owt"], num_classes, **kwargs)


def four_layer_cifar_net(act_layer: LayerFactory = nn.ReLU, *, in_channels: int = 3,
                         num_classes: int = 10) -> nn.Sequential:
    """A four-layer CIFAR-10 network for the tanh-versus-ReLU comparison of the paper's Fig. 1.

    Not registered. The paper says only "a four-layer convolutional neural network" on
    CIFAR-10 (Fig. 1 caption). This is an assumption: the four-layer network of Krizhevsky's
    cuda-convnet examples (``layers-18pct``): three 5x5 convolutions of 32, 32 and 64 filters
    (padding 2), each followed by ``act_layer`` and a 3x3 / stride-2 pool (max, then average,
    average; ``ceil_mode`` as cuda-convnet counts its pooling outputs: 32 -> 16 -> 8 -> 4),
    and one linear layer from 64 x 4 x 4 to the classes. Left out: cuda-convnet's response
    normalization layers and its initialization (PyTorch's default here, the same rule for
    every activation).
    """
    return nn.Sequential(
        nn.Conv2d(in_channels, 32, 5, padding=2), act_layer(), nn.MaxPool2d(3, 2, ceil_mode=True),
        nn.Conv2d(32, 32, 5, padding=2), act_layer(), nn.AvgPool2d(3, 2, ceil_mode=True),
        nn.Conv2d(32, 64, 5, padding=2), act_layer(), nn.AvgPool2d(3, 2, ceil_mode=True),
        nn.Flatten(), nn.Linear(64 * 4 * 4, num_classes))
