"""Errata about VGG (chapter 4)."""
from cnnlib.errata import erratum


@erratum(key="vgg16-total-memory", chapter="ch04", lecture="cs231n-2017",
         where="VGG-16 memory/parameters table",
         claim="TOTAL memory: 24M x 4 bytes ~= 96MB / image",
         why="Adding up the activations the slide itself lists (input, 13 conv, 5 pool and 3 FC "
             "outputs) gives about 15.2M numbers, not 24M.")
def _vgg_memory() -> str:
    import torchvision

    from cnnlib.summary import summarize

    s = summarize(torchvision.models.vgg16(weights=None), (3, 224, 224))
    numbers = 3 * 224 * 224 + sum(r.memory_bytes for r in s
                                  if r.kind in ("Conv2d", "MaxPool2d", "Linear")) // 4
    return f"{numbers / 1e6:.1f}M numbers x 4 bytes = {4 * numbers / 2**20:.0f} MiB / image"
