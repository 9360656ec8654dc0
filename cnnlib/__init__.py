"""cnnlib: the library behind the CNN architectures course.

* :mod:`cnnlib.arithmetic` - closed-form output sizes, parameters, MACs, memory, receptive fields
* :func:`summarize` - per-layer table of any model, traced on the meta device
* :mod:`cnnlib.models` - the model zoo (``list_models()``, ``get_model(name, **kw)``)
* :mod:`cnnlib.layers` - shared blocks and from-scratch normalizations and activations
* :mod:`cnnlib.train`, :mod:`cnnlib.data`, :mod:`cnnlib.experiments` - training
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
