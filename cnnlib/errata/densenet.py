"""Errata about DenseNet."""
from __future__ import annotations

from cnnlib.errata import erratum


def _weighted_layers(name: str) -> tuple[int, int]:
    """(convolutions + linear layers, parameters) of zoo model ``name``, traced on meta."""
    import torch

    from cnnlib.registry import get_model
    from cnnlib.summary import summarize

    with torch.device("meta"):
        model = get_model(name)
    s = summarize(model, (3, 224, 224))
    return sum(r.kind in ("Conv2d", "Linear") for r in s), s.total_params


@erratum(key="densenet-50-vs-152", topic="densenet", lecture="senet-deck",
         where="DenseNet: advantages",
         claim="Experiments showed that shallow 50-layer network can outperform deeper 152 layer "
               "ResNet",
         why="The DenseNet paper's ImageNet networks (Table 1) have 121 to 264 layers; there is no "
             "50-layer DenseNet. Its ImageNet comparison (Fig. 3) is by parameters: DenseNet-201 "
             "matches ResNet-101 with less than half the parameters. The 50-versus-152-layer claim "
             "is Wide ResNet's (WRN-50-2 against ResNet-152), quoted earlier in the same deck.")
def _densenet_depths() -> str:
    depths = {n: _weighted_layers(n) for n in ("densenet121", "densenet169", "densenet201", "resnet101")}
    dense = ", ".join(f"DenseNet-{n[len('densenet'):]} {depths[n][0]}" for n in depths
                      if n.startswith("densenet"))
    return (f"weighted layers (conv + FC): {dense}; parameters: DenseNet-201 "
            f"{depths['densenet201'][1] / 1e6:.1f} M vs ResNet-101 {depths['resnet101'][1] / 1e6:.1f} M")
