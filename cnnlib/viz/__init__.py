"""Chapter-specific figures and interactive controls, one module per chapter (``ch07.py`` ...).

Every plotting function returns a ``matplotlib.figure.Figure`` and shows nothing; every
widget follows :mod:`cnnlib.widgets` (a live ``ipywidgets`` control in a notebook, a static
figure while the book is built with ``CNNLIB_STATIC=1``).
"""
