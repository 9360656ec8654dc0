"""Errata about ZFNet."""
from cnnlib.errata import erratum


@erratum(key="zfnet-conv345-widths", topic="zfnet", lecture="cs231n-2017",
         where="ZFNet slide (the same text is in eecs498-2022 and survey-ng)",
         claim="ZFNet = AlexNet but CONV3,4,5: instead of 384, 384, 256 filters use 512, 1024, 512",
         why="ZFNet as drawn in the paper (Fig. 3) keeps AlexNet's 384, 384, 256 filters in "
             "conv3-5: it changes conv1 and conv2 and drops the two-GPU split. 512, 1024, 512 is "
             "a wider variant trained for the paper's Table 2 and combined with the Fig. 3 model "
             "in its best ensemble.")
def _zfnet_widths() -> str:
    import torch

    from cnnlib.models.zfnet import ZFNET_CS231N_WIDTHS, ZFNET_WIDTHS, zfnet, zfnet_cs231n
    from cnnlib.summary import summarize

    with torch.device("meta"):
        paper, wide = zfnet(), zfnet_cs231n()
    p, w = summarize(paper, (3, 224, 224)), summarize(wide, (3, 224, 224))
    return (f"Fig. 3: conv3-5 = {', '.join(map(str, ZFNET_WIDTHS[2:]))} "
            f"({p.total_params / 1e6:.1f}M params, {p.total_macs / 1e9:.2f} G MACs); "
            f"the {', '.join(map(str, ZFNET_CS231N_WIDTHS[2:]))} variant: "
            f"{w.total_params / 1e6:.1f}M params, {w.total_macs / 1e9:.2f} G MACs")
