"""cnnlib.figures.normalization: the shared-statistic masks against torch.nn's own layers."""
import itertools

import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from cnnlib.figures import normalization
from cnnlib.figures.normalization import (
    batch_dependence, norm_explorer, plot_norm_explorer, plot_normalization_cubes,
    shared_statistic_mask, values_per_statistic,
)
from cnnlib.layers import norms


def _torch_layer(kind: str, shape, groups):
    n, c, h, w = shape
    return {
        "batch": lambda: nn.BatchNorm2d(c, affine=False).train(),
        "layer": lambda: nn.LayerNorm((c, h, w), elementwise_affine=False),
        "instance": lambda: nn.InstanceNorm2d(c),
        "group": lambda: nn.GroupNorm(groups, c, affine=False),
    }[kind]()


@pytest.mark.parametrize("kind", ["batch", "layer", "instance", "group"])
@pytest.mark.parametrize("index", [(0, 0, 0, 0), (2, 3, 1, 0)])
def test_mask_is_the_set_of_inputs_that_move_the_output(kind, index):
    """Perturbing x[pos] changes y[index] exactly when pos shares index's statistics."""
    shape, groups = (3, 4, 2, 2), 2
    g = groups if kind == "group" else None
    layer = _torch_layer(kind, shape, groups)
    mask = shared_statistic_mask(kind, shape, groups=g, index=index)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    layer = layer.double()
    base = layer(x)[index]
    for pos in itertools.product(*(range(s) for s in shape)):
        x2 = x.clone()
        x2[pos] += 0.5
        moved = bool((layer(x2)[index] - base).abs() > 1e-9)
        assert moved == bool(mask[pos]), (kind, pos)


@pytest.mark.parametrize("kind", ["batch", "layer", "instance", "group"])
def test_values_per_statistic_counts_the_mask(kind):
    shape = (5, 6, 3, 4)
    g = 3 if kind == "group" else None
    mask = shared_statistic_mask(kind, shape, groups=g)
    assert values_per_statistic(kind, shape, groups=g) == int(mask.sum())


def test_group_norm_extremes():
    shape = (2, 6, 3, 3)
    assert torch.equal(shared_statistic_mask("group", shape, groups=1),
                       shared_statistic_mask("layer", shape))
    assert torch.equal(shared_statistic_mask("group", shape, groups=6),
                       shared_statistic_mask("instance", shape))


def test_mask_errors():
    with pytest.raises(ValueError, match="groups"):
        shared_statistic_mask("group", (2, 6, 3, 3))
    with pytest.raises(ValueError, match="divisor"):
        shared_statistic_mask("group", (2, 6, 3, 3), groups=4)
    with pytest.raises(ValueError, match="only applies"):
        shared_statistic_mask("batch", (2, 6, 3, 3), groups=2)
    with pytest.raises(ValueError, match="index"):
        shared_statistic_mask("batch", (2, 6, 3, 3), index=(2, 0, 0, 0))
    with pytest.raises(ValueError, match="unknown normalization"):
        values_per_statistic("weight", (2, 6, 3, 3))


def test_batch_dependence_only_for_batchnorm():
    images = torch.randn(40, 4, 3, 3, generator=torch.Generator().manual_seed(0))
    bn = norms.BatchNorm2d(4, affine=False, track_running_stats=False)
    spread = batch_dependence(bn, images, [2, 16], trials=30)
    assert spread[2] > spread[16] > 0
    gn = nn.GroupNorm(2, 4, affine=False)
    assert all(v < 1e-6 for v in batch_dependence(gn, images, [2, 16], trials=5).values())
    with pytest.raises(ValueError, match="batch sizes"):
        batch_dependence(bn, images, [1])
    with pytest.raises(ValueError, match="M x C x H x W"):
        batch_dependence(bn, images[0], [2])


def test_figures_and_static_explorer(monkeypatch):
    fig = plot_normalization_cubes(["batch", "group"], batch_size=2, channels=4, spatial=2)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    fig = plot_norm_explorer(batch_size=4, groups=2, trials=3)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    calls = []
    monkeypatch.setattr(normalization, "plot_norm_explorer", lambda *a, **kw: calls.append((a, kw)) or fig)
    assert norm_explorer(batch_size=8, groups=4) is fig
    assert calls == [((8, 4), {"channels": 8})]


def test_explorer_rejects_bad_settings():
    with pytest.raises(ValueError, match="batch_size"):
        plot_norm_explorer(batch_size=1)
    with pytest.raises(ValueError, match="divisor"):
        plot_norm_explorer(batch_size=4, groups=3)
