"""Reusable building blocks and helpers, one concept per file.

Shared blocks: :class:`ConvNormAct`, :class:`SqueezeExcitation`, :class:`DropPath`,
:func:`channel_shuffle`, :func:`fc_classifier`. Shared helpers for every model family:
:data:`LayerFactory` and :func:`make_activation` (``factory``), :func:`make_divisible` (channel
rounding) and the weight-init rules with :func:`apply_init` (``weight_init``). From-scratch
reference implementations (equal to ``torch.nn`` in outputs and gradients) live in
:mod:`cnnlib.layers.norms` and :mod:`cnnlib.layers.activations`; they share torch's class names,
so use them through their module (``norms.BatchNorm2d``).
"""
from cnnlib.layers import activations, norms
from cnnlib.layers.activations import ACTIVATIONS, activation_derivative, get_activation
from cnnlib.layers.bn_fold import batchnorm_as_affine, fold_batchnorm
from cnnlib.layers.channel_shuffle import ChannelShuffle, channel_shuffle
from cnnlib.layers.conv_norm_act import ConvNormAct
from cnnlib.layers.drop_path import DropPath, drop_path, linear_drop_rates
from cnnlib.layers.factory import LayerFactory, make_activation
from cnnlib.layers.fc_classifier import fc_classifier
from cnnlib.layers.make_divisible import make_divisible
from cnnlib.layers.norms import normalization_axes
from cnnlib.layers.squeeze_excite import SqueezeExcitation
from cnnlib.layers.weight_init import (apply_init, he_normal_, he_uniform_, lecun_uniform_,
                                       reset_norm_, small_normal_, zero_init_last_norm_,
                                       zero_init_residuals_)

__all__ = [
    "activations", "norms", "ACTIVATIONS", "activation_derivative", "get_activation",
    "batchnorm_as_affine", "fold_batchnorm", "ChannelShuffle", "channel_shuffle", "ConvNormAct",
    "DropPath", "drop_path", "linear_drop_rates", "LayerFactory", "make_activation",
    "fc_classifier", "make_divisible", "normalization_axes", "SqueezeExcitation",
    "apply_init", "he_normal_", "he_uniform_", "lecun_uniform_", "reset_norm_", "small_normal_",
    "zero_init_last_norm_", "zero_init_residuals_",
]
