"""Errata about ResNet.

The costs are traced from the zoo's real blocks and networks with ``cnnlib.summarize``, on the
meta device where a whole network is involved (shapes only, fast).
"""
from __future__ import annotations

from cnnlib.errata import erratum

# He et al. 2015 (arXiv:1512.03385): the five ImageNet ResNets of Table 1.
_FAMILY = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")


def _block_multiples() -> tuple[float, float]:
    """MACs of a basic block on C channels and a bottleneck on 4C, in units of H*W*C^2."""
    from cnnlib.models.resnet import BasicBlock, Bottleneck
    from cnnlib.summary import summarize

    c, size = 64, 56  # ResNet's first stage; any C and H give the same multiples
    basic = summarize(BasicBlock(c, c), (c, size, size)).total_macs
    bottleneck = summarize(Bottleneck(4 * c, 4 * c), (4 * c, size, size)).total_macs
    unit = size * size * c * c
    return basic / unit, bottleneck / unit


@erratum(key="resnet-block-flops", topic="resnet", lecture="eecs498-2022",
         where="Residual Networks: Basic Block / Bottleneck Block, 'FLOPs'",
         claim="basic block 9HWC^2 per 3x3 conv, total 18HWC^2 FLOPs; bottleneck (4C in and out) "
               "4HWC^2 + 9HWC^2 + 4HWC^2 = 17HWC^2 FLOPs",
         why="The algebra is right, but it counts multiply-adds (MACs), as the lecture's tables do "
             "(chapter 0). A multiply-add is 2 FLOPs, so the blocks cost 36HWC^2 and 34HWC^2 FLOPs; "
             "the comparison between them does not change.")
def _block_flops() -> str:
    basic, bottleneck = _block_multiples()
    return (f"basic {basic:g} HWC^2 MACs = {2 * basic:g} HWC^2 FLOPs; bottleneck {bottleneck:g} "
            f"HWC^2 MACs = {2 * bottleneck:g} HWC^2 FLOPs")


def _family_gmacs(**kwargs) -> list[float]:
    import torch

    from cnnlib.registry import get_model
    from cnnlib.summary import summarize

    out = []
    for name in _FAMILY:
        extra = kwargs if name not in ("resnet18", "resnet34") else {}  # basic blocks: no 1x1 conv
        with torch.device("meta"):
            model = get_model(name, **extra)
        out.append(summarize(model, (3, 224, 224)).total_macs / 1e9)
    return out


@erratum(key="resnet-table-gflop", topic="resnet", lecture="eecs498-2022",
         where="ResNet-18/34/50/101/152 table, column 'GFLOP'",
         claim="GFLOP: 1.8, 3.6, 3.8, 7.6, 11.3 (next to torchvision's top-5 errors)",
         why="The column copies the paper's Table 1, whose 'FLOPs' are multiply-adds of ResNet v1 "
             "(a bottleneck's stride on its first 1x1 conv): in FLOPs every entry doubles. The error "
             "column next to it is torchvision's, whose ResNet-50/101/152 are v1.5 (stride on the "
             "3x3 conv), a little more expensive than the column says.")
def _table_gflop() -> str:
    v1 = _family_gmacs(stride_in_1x1=True)
    v15 = _family_gmacs()
    fmt = lambda xs: " / ".join(f"{x:.2f}" for x in xs)  # noqa: E731
    return (f"v1: {fmt(v1)} G MACs = {fmt([2 * x for x in v1])} GFLOP; torchvision v1.5: "
            f"{fmt(v15)} G MACs")


def _weight_decay() -> str:
    from cnnlib.experiments import RESNET_CIFAR_SCHEDULE

    return (f"weight decay {RESNET_CIFAR_SCHEDULE['weight_decay']:g} "
            "(cnnlib.experiments.RESNET_CIFAR_SCHEDULE, the paper's setting)")


_WD_WHY = ("He et al. 2015 train with a weight decay of 0.0001, on ImageNet (Sec. 3.4) and on "
           "CIFAR-10 (Sec. 4.2): ten times the slide's value.")

for _key, _lecture in (("resnet-weight-decay-cs231n-2017", "cs231n-2017"),
                       ("resnet-weight-decay-cs231n-2023", "cs231n-2023"),
                       ("resnet-weight-decay-senet-deck", "senet-deck")):
    erratum(key=_key, topic="resnet", lecture=_lecture, where="Training ResNet in practice",
            claim="Weight decay of 1e-5", why=_WD_WHY)(_weight_decay)


@erratum(key="resnet-init-xavier", topic="resnet", lecture="cs231n-2023",
         where="Training ResNet in practice",
         claim="Xavier initialization from He et al.",
         why="He et al. (arXiv:1502.01852) replace Xavier's rule for ReLU networks: weight "
             "variance 2/fan instead of 1/fan, because a ReLU zeroes half of its inputs (the 2017 "
             "slide's 'Xavier/2' meant this). A freshly built ResNet's weights show the He value.")
def _init_rule() -> str:
    import math

    import torch

    from cnnlib.registry import get_model

    with torch.random.fork_rng():
        torch.manual_seed(0)
        conv = get_model("resnet20").stages[0][0].conv1  # 3x3, 16 -> 16
    fan = conv.out_channels * conv.kernel_size[0] * conv.kernel_size[1]  # fan_out, as ResNet.init_weights
    return (f"3x3 conv 16->16 (fan {fan}): weight std {conv.weight.std().item():.4f}; He "
            f"sqrt(2/fan) = {math.sqrt(2 / fan):.4f}; Xavier sqrt(1/fan) = {math.sqrt(1 / fan):.4f}")
