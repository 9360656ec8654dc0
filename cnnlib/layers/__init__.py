"""Reusable building blocks, one concept per file."""
from cnnlib.layers.channel_shuffle import ChannelShuffle, channel_shuffle
from cnnlib.layers.conv_norm_act import ConvNormAct
from cnnlib.layers.drop_path import DropPath, drop_path, linear_drop_rates
from cnnlib.layers.squeeze_excite import SqueezeExcitation

__all__ = [
    "ChannelShuffle", "channel_shuffle", "ConvNormAct", "DropPath", "drop_path",
    "linear_drop_rates", "SqueezeExcitation",
]
