"""Errata about counting conventions (MACs and FLOPs)."""
from cnnlib.arithmetic import conv_macs
from cnnlib.errata import erratum


@erratum(key="flop-means-mac", topic="arithmetic", lecture="eecs498-2022",
         where="AlexNet per-layer table, column 'flop (M)'",
         claim="conv1: 73 MFLOP",
         why="The column counts multiply-adds (MACs). PyTorch's FlopCounterMode and this book count "
             "a multiply-add as 2 FLOPs, so every number in that column is half the FLOP count.")
def _flop_means_mac() -> str:
    macs = conv_macs(3, 64, 11, 56, 56)
    return f"{macs / 1e6:.1f} M MACs = {2 * macs / 1e6:.1f} MFLOP"
