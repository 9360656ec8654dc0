"""cnnlib.figures.search: NASNet cells, RegNet widths, the search-space explorer."""
import pytest
import torch

from cnnlib.figures.search import (
    _STATIC_SPACES, cell_edges, plot_cell, regnet_block_widths, search_space_explorer,
)
from cnnlib.models.nasnet import NASNET_A_NORMAL, NASNET_A_REDUCTION, CellGenotype
from cnnlib.models.regnet import REGNET_Y_400MF, RegNet


def test_cell_edges_follow_genotype():
    edges = cell_edges(NASNET_A_NORMAL)
    assert len(edges) == 2 * len(NASNET_A_NORMAL.blocks)
    assert edges[0] == (0, "sep5x5", 2) and edges[-1] == (0, "identity", 6)
    bad = CellGenotype(blocks=(("sep3x3", 2, "identity", 0),), concat=(2,), reduction=False)
    with pytest.raises(ValueError, match="does not exist"):
        cell_edges(bad)


def test_plot_cell_draws_every_op():
    fig = plot_cell(NASNET_A_REDUCTION)
    texts = [t.get_text() for t in fig.axes[0].texts]
    ops = [op for _, op, _ in cell_edges(NASNET_A_REDUCTION)]
    assert sorted(t for t in texts if t in set(ops)) == sorted(ops)


def test_regnet_widths_match_the_built_model():
    w = regnet_block_widths(REGNET_Y_400MF)
    assert len(w["continuous"]) == len(w["quantized"]) == REGNET_Y_400MF.depth
    assert w["continuous"][0] == REGNET_Y_400MF.w_0
    with torch.device("meta"):
        model = RegNet(REGNET_Y_400MF)
    built = [block.f.c[0].out_channels for stage in model.stages for block in stage]
    assert [int(x) for x in w["quantized"]] == built
    assert all(q % 8 == 0 for q in w["quantized"])


def test_static_explorer_is_a_figure(monkeypatch):
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    fig = search_space_explorer()
    assert len(fig.axes[0].patches) == len(_STATIC_SPACES)
