"""Reusable building blocks, one concept per file.

Shared blocks: :class:`ConvNormAct`, :class:`SqueezeExcitation`, :class:`DropPath`,
:func:`channel_shuffle`. From-scratch reference implementations (equal to ``torch.nn`` in
outputs and gradients) live in :mod:`cnnlib.layers.norms` and :mod:`cnnlib.layers.activations`;
they share torch's class names, so use them through their module (``norms.BatchNorm2d``).
"""
from cnnlib.layers import activations, norms
from cnnlib.layers.activations import ACTIVATIONS, activation_derivative, get_activation
from cnnlib.layers.bn_fold import batchnorm_as_affine, fold_batchnorm
from cnnlib.layers.channel_shuffle import ChannelShuffle, channel_shuffle
from cnnlib.layers.conv_norm_act import ConvNormAct
from cnnlib.layers.drop_path import DropPath, drop_path, linear_drop_rates
from cnnlib.layers.norms import normalization_axes
from cnnlib.layers.squeeze_excite import SqueezeExcitation

__all__ = [
    "activations", "norms", "ACTIVATIONS", "activation_derivative", "get_activation",
    "batchnorm_as_affine", "fold_batchnorm", "ChannelShuffle", "channel_shuffle", "ConvNormAct",
    "DropPath", "drop_path", "linear_drop_rates", "normalization_axes", "SqueezeExcitation",
]
