"""Errata about VGG.

Several of the Michigan lecture's VGG-16 numbers are those of a network with only two convs in
stage 3 (its design-rules slide says so): leaving out conv3-3 reproduces them exactly. The
helpers below trace the real VGG-16 on the meta device (shapes only, no memory, fast).
"""
from __future__ import annotations

from cnnlib.costs import meta_summary
from cnnlib.errata import erratum




def _conv_fc_bytes(summary, skip: tuple[str, ...] = ()) -> int:
    """Output bytes of the conv and FC layers (the Michigan totals leave the pools out)."""
    return sum(r.memory_bytes for r in summary
               if r.kind in ("Conv2d", "Linear") and r.name not in skip)


_CONV3_3 = "stages.stage3.2.0"  # VGG-16's third conv of stage 3 in cnnlib.models.vgg


@erratum(key="vgg16-total-memory", topic="vgg", lecture="cs231n-2017",
         where="VGG-16 memory/parameters table",
         claim="TOTAL memory: 24M x 4 bytes ~= 96MB / image",
         why="Adding up the activations the slide itself lists (input, 13 conv, 5 pool and 3 FC "
             "outputs) gives about 15.2M numbers, not 24M.")
def _vgg_memory() -> str:
    import torch
    import torchvision

    from cnnlib.summary import summarize

    with torch.device("meta"):  # torchvision's own VGG-16 as an outside oracle, shapes only
        model = torchvision.models.vgg16(weights=None)
    s = summarize(model, (3, 224, 224))
    numbers = 3 * 224 * 224 + sum(r.memory_bytes for r in s
                                  if r.kind in ("Conv2d", "MaxPool2d", "Linear")) // 4
    return f"{numbers / 1e6:.1f}M numbers x 4 bytes = {4 * numbers / 2**20:.0f} MiB / image"


@erratum(key="vgg16-stage3-convs", topic="vgg", lecture="eecs498-2022",
         where="VGG design rules: the five stages",
         claim="Stage 3: conv-conv-pool; stages 4 and 5: conv-conv-conv-[conv]-pool "
               "(VGG-19 has 4 conv in stages 4 and 5)",
         why="In the paper's Table 1, VGG-16 (D) has three convs in stage 3, like stages 4 and 5, "
             "and VGG-19 (E) has four in stages 3, 4 and 5. With two convs in stage 3 the network "
             "would have 15 weight layers.")
def _stage3() -> str:
    from cnnlib.models.vgg import VGG_CFGS

    d = [n for _, n in VGG_CFGS["D"]]
    e = [n for _, n in VGG_CFGS["E"]]
    return (f"convs per stage: VGG-16 {'-'.join(map(str, d))} ({sum(d)} convs + 3 FC = "
            f"{sum(d) + 3} layers), VGG-19 {'-'.join(map(str, e))}")


@erratum(key="vgg16-total-gflop", topic="vgg", lecture="eecs498-2022",
         where="AlexNet vs VGG-16, compute panel",
         claim="AlexNet total: 0.7 GFLOP; VGG-16 total: 13.6 GFLOP (19.4x)",
         why="Two slips. The panel counts multiply-adds (MACs), not FLOPs (see chapter 0). And "
             "its VGG-16 lacks conv3-3, as on the design-rules slide: the real VGG-16 minus "
             "conv3-3's 1.85 G MACs is exactly the slide's 13.6.")
def _total_gflop() -> str:
    a, v = meta_summary("alexnet_owt", 227), meta_summary("vgg16", 224)
    missing = v.row(_CONV3_3).macs
    return (f"AlexNet {a.total_macs / 1e9:.2f} G MACs = {a.total_flops / 1e9:.2f} GFLOP; VGG-16 "
            f"{v.total_macs / 1e9:.2f} G MACs = {v.total_flops / 1e9:.1f} GFLOP "
            f"({v.total_macs / a.total_macs:.1f}x); without conv3-3: "
            f"{(v.total_macs - missing) / 1e9:.2f} G MACs")


@erratum(key="vgg16-total-memory-mb", topic="vgg", lecture="eecs498-2022",
         where="AlexNet vs VGG-16, memory panel",
         claim="AlexNet total: 1.9 MB; VGG-16 total: 48.6 MB (25x)",
         why="The panel adds up the conv and FC outputs (no pools); AlexNet's 1.9 MB is right, "
             "but VGG-16's total again leaves out conv3-3 (56x56x256 floats = 3,136 KB).")
def _total_memory_mb() -> str:
    a, v = meta_summary("alexnet_owt", 227), meta_summary("vgg16", 224)
    mb_a, mb_v = _conv_fc_bytes(a) / 2**20, _conv_fc_bytes(v) / 2**20
    without = _conv_fc_bytes(v, skip=(_CONV3_3,)) / 2**20
    return (f"AlexNet {mb_a:.1f} MB; VGG-16 {mb_v:.1f} MB ({mb_v / mb_a:.0f}x); "
            f"without conv3-3: {without:.2f} MB")


@erratum(key="vgg16-table-conv3-3", topic="vgg", lecture="senet-deck",
         where="VGG-16 memory/parameters table",
         claim="stage 3: CONV3-1, CONV3-2, then the pool (two 256-channel convs)",
         why="VGG-16 has three 256-channel convs in stage 3; this copy of the CS231n table drops "
             "the conv3-3 row (and numbers the pools 1, 2, 2, 3, 4). The 138M total, which "
             "includes conv3-3, is still right.")
def _table_conv3_3() -> str:
    v = meta_summary("vgg16", 224)
    r = v.row(_CONV3_3)
    c, h, w = r.output_shape
    weights = c * r.input_shape[0] * 9
    listed = sum(x.params for x in v) - r.params
    return (f"conv3-3: [{h}x{w}x{c}] memory {c * h * w:,}, params (3*3*{r.input_shape[0]})*{c} = "
            f"{weights:,}; without it the total is {listed / 1e6:.2f}M, with it "
            f"{v.total_params / 1e6:.2f}M")
