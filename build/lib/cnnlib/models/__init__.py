"""The model zoo: one module per architecture family, each registering its builders.

Importing this package imports every family module in it, so ``cnnlib.list_models()``
sees every builder without a hand-maintained import list.
"""
from __future__ import annotations

import importlib
import pkgutil

from cnnlib.models._base import ImageClassifier

__all__ = ["ImageClassifier"]

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}")
