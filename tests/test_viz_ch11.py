"""Tests for cnnlib.viz.ch11 (NAS chapter helpers). No training: fast."""
import itertools

import pytest
import torch

from cnnlib.models.nasnet import NASNET_A_NORMAL, NASNET_A_REDUCTION, CellGenotype
from cnnlib.models.regnet import REGNET_Y_400MF, RegNet
from cnnlib.summary import summarize
from cnnlib.viz import ch11


def test_cell_edges_follow_genotype():
    edges = ch11.cell_edges(NASNET_A_NORMAL)
    assert len(edges) == 2 * len(NASNET_A_NORMAL.blocks)
    assert edges[0] == (0, "sep5x5", 2) and edges[-1] == (0, "identity", 6)
    bad = CellGenotype(blocks=(("sep3x3", 2, "identity", 0),), concat=(2,), reduction=False)
    with pytest.raises(ValueError, match="does not exist"):
        ch11.cell_edges(bad)


def test_plot_cell_draws_every_op():
    fig = ch11.plot_cell(NASNET_A_REDUCTION)
    texts = [t.get_text() for t in fig.axes[0].texts]
    ops = [op for _, op, _ in ch11.cell_edges(NASNET_A_REDUCTION)]
    assert sorted(t for t in texts if t in set(ops)) == sorted(ops)


def test_regnet_widths_match_the_built_model():
    w = ch11.regnet_block_widths(REGNET_Y_400MF)
    assert len(w["continuous"]) == len(w["quantized"]) == REGNET_Y_400MF.depth
    assert w["continuous"][0] == REGNET_Y_400MF.w_0
    with torch.device("meta"):
        model = RegNet(REGNET_Y_400MF)
    built = [block.f.c[0].out_channels for stage in model.stages for block in stage]
    assert [int(x) for x in w["quantized"]] == built
    assert all(q % 8 == 0 for q in w["quantized"])


def test_search_space_size_matches_enumeration():
    space = ch11.SearchSpace(depths=(1, 2), widths=(8, 16), kernels=(3,), residual=(False, True))
    blocks = space.all_blocks()
    enumerated = sum(len(list(itertools.product(blocks, repeat=d))) for d in space.depths)
    assert space.size() == enumerated == 4 + 16
    assert ch11.SearchSpace(per_block=False).size() == 3 * 12
    with pytest.raises(ValueError, match="empty"):
        ch11.SearchSpace(widths=())
    with pytest.raises(ValueError, match="odd"):
        ch11.SearchSpace(kernels=(3, 4))


def test_sample_architectures_distinct_and_bounded():
    space = ch11.SearchSpace(depths=(1,), widths=(8,), kernels=(3,))
    archs = ch11.sample_architectures(space, 2, seed=1)
    assert len(set(archs)) == 2
    with pytest.raises(ValueError, match="only 2"):
        ch11.sample_architectures(space, 3)


def test_tinynet_shapes_and_params():
    arch = [ch11.BlockSpec(8, 3, True), ch11.BlockSpec(16, 5, True)]
    net = ch11.TinyNet(arch, num_classes=7)
    assert net(torch.randn(2, 3, 8, 8)).shape == (2, 7)
    table = summarize(net, (3, 8, 8))
    assert table.total_params == sum(p.numel() for p in net.parameters())
    with pytest.raises(ValueError, match="empty"):
        ch11.TinyNet([])


def test_pareto_front():
    costs, scores = [1, 2, 3, 4, 2], [0.5, 0.7, 0.6, 0.9, 0.4]
    assert ch11.pareto_front(costs, scores) == [0, 1, 3]
    with pytest.raises(ValueError, match="length"):
        ch11.pareto_front([1], [])


def test_mnas_reward():
    assert ch11.mnas_reward(0.8, 50, 50) == pytest.approx(0.8)
    assert ch11.mnas_reward(0.8, 100, 50) == pytest.approx(0.8 * 2 ** -0.07)
    assert ch11.mnas_reward(0.8, 25, 50, alpha=0.0, beta=-1.0) == pytest.approx(0.8)
    with pytest.raises(ValueError, match="positive"):
        ch11.mnas_reward(0.8, 0, 50)


def test_static_explorer_is_a_figure(monkeypatch):
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    fig = ch11.search_space_explorer()
    assert len(fig.axes[0].patches) == len(ch11._STATIC_SPACES)
