"""Channel rounding: make a scaled layer width a multiple of 8 (hardware friendly).

The rule of the TF-slim MobileNet code, used by MobileNetV2/V3, MnasNet (its reference's
``_round_to_multiple_of`` with ``round_up_bias=0.9`` is the same rule), EfficientNet's
``round_filters`` and RegNet's group-width adjustment, and by torchvision as ``_make_divisible``.
"""
from __future__ import annotations

from typing import Optional

__all__ = ["make_divisible"]


def make_divisible(value: float, divisor: int = 8, min_value: Optional[int] = None) -> int:
    """Round ``value`` to the nearest multiple of ``divisor`` (at least ``min_value``, default
    ``divisor``), never going more than 10% below ``value``."""
    if divisor <= 0:
        raise ValueError(f"divisor must be positive, got {divisor}")
    if value <= 0:
        raise ValueError(f"value must be positive to round it to a channel count, got {value}")
    if min_value is None:
        min_value = divisor
    new_value = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new_value < 0.9 * value:  # rounding down must not remove more than 10%
        new_value += divisor
    return new_value
