"""Errata about AlexNet."""
from cnnlib.arithmetic import conv_macs, linear_params
from cnnlib.errata import erratum


@erratum(key="alexnet-conv4-flop", topic="alexnet", lecture="eecs498-2022",
         where="AlexNet per-layer table, conv4 row",
         claim="conv4: 145 M(FLOP)",
         why="conv4 maps 384 channels to 256 with 3x3 filters on a 13x13 map: "
             "256 x 384 x 9 x 13 x 13 multiply-adds.")
def _conv4() -> str:
    return f"{conv_macs(384, 256, 3, 13, 13) / 1e6:.1f} M MACs"


@erratum(key="alexnet-fc-bias", topic="alexnet", lecture="eecs498-2022",
         where="AlexNet per-layer table, fc6/fc7/fc8 params",
         claim="fc6 37,749k, fc7 16,777k, fc8 4,096k parameters",
         why="The slide's own formula is params = Cin x Cout + Cout, but the table leaves out the "
             "biases (+4096, +4096, +1000).")
def _fc_bias() -> str:
    p = [linear_params(9216, 4096), linear_params(4096, 4096), linear_params(4096, 1000)]
    return ", ".join(f"{v / 1e3:,.1f}k" for v in p)


@erratum(key="alexnet-fc6-params-arithmetic", topic="alexnet", lecture="eecs498-2022",
         where="AlexNet per-layer table, worked example for fc6 (the slide after 'Flatten')",
         claim="FC params = 9216 * 4096 + 4096 = 37,725,832 (table: 37,726k)",
         why="The formula is right but the sum is not: 9216 x 4096 = 37,748,736, and adding the "
             "4096 biases makes the count larger, not smaller. The other slides print 37,749k, "
             "the weights without the biases (see the fc-bias entry).")
def _fc6_arithmetic() -> str:
    return f"9216 x 4096 + 4096 = {linear_params(9216, 4096):,}"
