"""Errata about the efficient networks (SqueezeNet)."""
from cnnlib.errata import erratum


def _params(name: str, size: int) -> int:
    import torch

    from cnnlib.registry import get_model
    from cnnlib.summary import summarize

    with torch.device("meta"):
        model = get_model(name)
    return summarize(model, (3, size, size)).total_params


@erratum(key="squeezenet-half-megabit", topic="efficient", lecture="cs231n-2017",
         where="Efficient networks: SqueezeNet",
         claim="Can compress to 510x smaller than AlexNet (0.5Mb)",
         why="The paper's compressed SqueezeNet is 0.47 megaBYTES (Iandola et al. 2016, "
             "Table 2: Deep Compression, 6-bit weights, 33% of them kept), 510x less than "
             "AlexNet's 240 MB of 32-bit weights. 'Mb' reads as megabits, eight times smaller.")
def _half_megabit() -> str:
    alexnet_bytes = 4 * _params("alexnet", 227)
    mb = alexnet_bytes / 510 / 1e6
    return (f"AlexNet: {alexnet_bytes / 1e6:.0f} MB of float32 weights; / 510 = {mb:.2f} MB "
            f"= {8 * mb:.1f} Mbit")
