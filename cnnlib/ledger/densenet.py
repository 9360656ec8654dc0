"""Lecture claims about DenseNet (Huang et al. 2016, "Densely Connected Convolutional Networks",
arXiv:1608.06993). The networks are the zoo's DenseNet-BC models (cnnlib.models.densenet),
traced on the meta device."""
from __future__ import annotations

from cnnlib.ledger import claim, not_a_claim

_2017, _DECK = "cs231n-2017", "senet-deck"


def _weighted_layers(name: str) -> int:
    """Convolutions and linear layers of zoo model ``name`` (the depth in DenseNet-121's name)."""
    import torch
    from torch import nn

    from cnnlib.registry import get_model

    with torch.device("meta"):
        model = get_model(name)
    return sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in model.modules())


@claim(key="densenet-50-vs-152", topic="densenet", status="wrong", erratum="densenet-50-vs-152",
       numeric=False, quantity="A 50-layer DenseNet outperforms the 152-layer ResNet",
       stated="shallow 50-layer network can outperform deeper 152 layer ResNet",
       method="whether any DenseNet of the paper's ImageNet family (the zoo's densenet121, 169, "
              "201, 161: convs + FC counted on the meta device) has 50 layers",
       why="The DenseNet paper's ImageNet networks have 121 to 264 layers and are compared with "
           "ResNets by parameters (DenseNet-201 matches ResNet-101 with less than half of them); "
           "the 50-versus-152-layer result is Wide ResNet's (WRN-50-2 vs ResNet-152), quoted "
           "earlier in the same deck.",
       sources=[(_DECK, "DenseNet: advantages",
                 "¡ Experiments showed that shallow 50-layer network can outperform deeper 152 "
                 "layer ResNet.")])
def _fifty_layers() -> bool:
    from cnnlib.models.densenet import DENSENETS

    return any(_weighted_layers(name) == 50 for name in DENSENETS)


@claim(key="densenet-connections", topic="densenet", numeric=False,
       quantity="Connections of L layers: L in a ResNet, L(L+1)/2 in a dense block",
       stated="ResNet: L layers have L shortcut connections; DenseNet: L(L+1)/2",
       method="in each dense block of the zoo's densenet121 (meta), layer i takes i earlier "
              "feature maps (the block's input and every earlier layer's k maps, read from its "
              "first conv's input channels): the sum over a block of L layers is L(L+1)/2. In "
              "resnet50 every one of the L residual blocks has exactly one shortcut.",
       sources=[(_DECK, "DenseNet: connectivity",
                 "¡ ResNet: 𝐿 layers have 𝐿 shortcut connections. ¡ DenseNet: 𝐿 layers have "
                 "𝐿(𝐿 + 1)/2 shortcut connections.")])
def _connections() -> bool:
    import torch

    from cnnlib.models.densenet import DenseBlock
    from cnnlib.registry import get_model

    with torch.device("meta"):
        dense, res = get_model("densenet121"), get_model("resnet50")
    ok = True
    for block in (m for m in dense.modules() if isinstance(m, DenseBlock)):
        first = block.layers[0].conv1.in_channels
        growth = block.layers[0].conv2.out_channels
        inputs = [(layer.conv1.in_channels - first) // growth + 1 for layer in block.layers]
        n = len(block.layers)
        ok &= sum(inputs) == n * (n + 1) // 2
    blocks = [b for stage in res.stages for b in stage]
    return ok and all(hasattr(b, "shortcut") and b.shortcut is not None for b in blocks)


# ---- lines that state nothing to check ----------------------------------------------------------

not_a_claim(_2017, "Dense Block 1 Conv Input Conv Dense Block 2 Conv Pool Conv Dense Block 3",
            "the labels of the paper's Fig. 2 (a DenseNet with three dense blocks, its CIFAR/SVHN "
            "layout; the ImageNet models of cnnlib.models.densenet have four)")
not_a_claim(_2017, "Conv Conv 1x1 conv, 64 1x1 conv, 64 Input Concat Concat Concat Dense Block",
            "a schematic dense block whose 1x1 conv width is illustrative (in DenseNet-BC the 1x1 "
            "conv outputs 4k maps: 128 in the ImageNet models, k = 32)")
not_a_claim(_DECK, "shortcut connections. 57", "the slide's page number")
not_a_claim(_DECK, "152 layer ResNet. 58", "the slide's page number")
not_a_claim(_DECK, "same dense block. 59", "the slide's page number")
not_a_claim(_DECK, 'networks." In Proceedings of the IEEE conference on computer vision and pattern '
                   'recognition, pp. 4700-4708. 2017.', "a citation (page numbers and year)")
