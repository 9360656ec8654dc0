"""cnnlib: the library behind the CNN architectures course. Modules are named by what they
hold, never by chapter (the maintainers' map: ``docs/maintainers.md``).

* :mod:`cnnlib.arithmetic` - closed-form output sizes, parameters, MACs, memory, receptive fields
* :func:`summarize` (:mod:`cnnlib.summary`, fast paths in :mod:`cnnlib.shape_inference`) -
  per-layer table of any model, traced on the meta device
* :mod:`cnnlib.models` - the model zoo (``list_models()``, ``get_model(name, **kw)``), one file
  per architecture family; :mod:`cnnlib.layers` - the blocks, factories and init they share
* :mod:`cnnlib.costs` - cost calculators (per stage, per block, per Inception branch);
  :mod:`cnnlib.published` - the papers' and torchvision's reported accuracies
* :mod:`cnnlib.display` - tables for print and notebooks; :mod:`cnnlib.figures` - figures and
  widgets grouped by concept (output sizes, receptive fields, residuals, scaling, ...);
  :mod:`cnnlib.plots`, :mod:`cnnlib.widgets`
* :mod:`cnnlib.errata` - lecture numbers shown wrong, by topic; :mod:`cnnlib.ledger` - every
  numeric lecture claim, recomputed
* :mod:`cnnlib.train` (``fit``, ``TrainConfig``), :mod:`cnnlib.data`, :mod:`cnnlib.experiments`
  - training; :mod:`cnnlib.search` - the toy architecture search
* :mod:`cnnlib.practice` - generated midterm practice problems
* :mod:`cnnlib.course` - the instructor's grading command ``cnnlib-course``
"""
from cnnlib.arithmetic import (
    activation_memory_bytes,
    conv_macs,
    conv_output_size,
    conv_params,
    linear_macs,
    linear_params,
    pool_output_size,
    receptive_field,
)
from cnnlib.registry import get_model, list_models, register_model
from cnnlib.summary import LayerRow, Summary, summarize

__version__ = "0.2.0"

__all__ = [
    "activation_memory_bytes", "conv_macs", "conv_output_size", "conv_params", "linear_macs",
    "linear_params", "pool_output_size", "receptive_field", "get_model", "list_models",
    "register_model", "LayerRow", "Summary", "summarize", "__version__",
]
