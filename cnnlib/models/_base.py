"""The one interface every model shares: ``features(x)`` then ``head(x)``.

(timm's ``forward_features`` / ``forward_head``.) Subclasses set ``self.in_channels`` and
implement ``features`` and ``head``. ``forward`` adds the friendly input checks the course
promises: a wrong channel count says expected vs got; an input too small for the network
says which layer ran out of spatial size and the smallest input that works.
"""
from __future__ import annotations

from typing import Callable, TypeVar

import torch
from torch import nn

T = TypeVar("T")

__all__ = ["ImageClassifier", "check_num_classes"]


class ImageClassifier(nn.Module):
    """Base class: ``forward(x) = head(features(x))`` with input checks."""

    in_channels: int = 3

    def features(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def head(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._run_checked(lambda t: self.head(self.features(t)), x)

    def _run_checked(self, fn: Callable[[torch.Tensor], T], x: torch.Tensor) -> T:
        """Run ``fn(x)`` after the channel check; explain spatial-size failures by layer.

        Subclasses whose forward is not ``head(features(x))`` (e.g. GoogLeNet's auxiliary
        heads in training) call this with their own ``fn``.
        """
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"{type(self).__name__} expects input of shape (N, {self.in_channels}, H, W); "
                f"got {tuple(x.shape)} (expected {self.in_channels} channels, got "
                f"{x.shape[1] if x.dim() > 1 else 'none'})."
            )
        if torch.compiler.is_compiling():
            return fn(x)
        try:
            return fn(x)
        except RuntimeError as err:
            from cnnlib.summary import explain_input_error

            explained = explain_input_error(self, tuple(x.shape[1:]))
            if explained is None:
                raise
            raise explained from err


def check_num_classes(num_classes: int) -> None:
    """Raise ``ValueError`` unless ``num_classes`` is a positive integer."""
    if not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
