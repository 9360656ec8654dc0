"""Argument checks shared by the calculators, tables and figures."""
from __future__ import annotations

import numbers

__all__ = ["positive_int"]


def positive_int(name: str, value, minimum: int = 1) -> int:
    """``value`` as an int, or a ``ValueError`` naming ``name`` if it is not a whole number
    (bools are refused) or is below ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        wanted = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {wanted}, got {value!r}")
    return int(value)
