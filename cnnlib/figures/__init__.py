"""Figures, the tables shown beside them, and interactive controls, one module per concept.

* :mod:`~cnnlib.figures.output_size` -- output sides of conv layers, a network's map sizes.
* :mod:`~cnnlib.figures.receptive_field` -- which input pixels a layer's windows cover.
* :mod:`~cnnlib.figures.filters` -- which input channels filters read, and what they learned.
* :mod:`~cnnlib.figures.per_layer` -- layer-by-layer tables and bars of a :class:`cnnlib.Summary`.
* :mod:`~cnnlib.figures.inception` -- the Inception module's branches and bottlenecks.
* :mod:`~cnnlib.figures.residual` -- ResNet stages and depth, DenseNet growth, stochastic
  depth, squeeze-and-excitation.
* :mod:`~cnnlib.figures.normalization` -- which numbers share a normalization statistic.
* :mod:`~cnnlib.figures.activations` -- activation curves, signal propagation, dead units.
* :mod:`~cnnlib.figures.scaling` -- cost against depth, width and resolution (VGG stages,
  EfficientNet's compound scaling).
* :mod:`~cnnlib.figures.search` -- NAS cells, RegNet widths, the MnasNet reward, a search's
  Pareto front.
* :mod:`~cnnlib.figures.comparison` -- many models side by side, with published accuracies.

Every plotting function returns a ``matplotlib.figure.Figure`` and shows nothing; every
control follows :mod:`cnnlib.widgets` (a live ``ipywidgets`` control in a notebook, a static
figure while the book is built with ``CNNLIB_STATIC=1``). The calculators behind the numbers
are in :mod:`cnnlib.costs`, the tables in :mod:`cnnlib.display`.
"""
