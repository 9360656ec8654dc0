"""cnnlib.search and its model, cnnlib.models.tinynet. No training: fast."""
import itertools

import pytest
import torch

import cnnlib
from cnnlib.models.tinynet import BlockSpec, TinyNet
from cnnlib.search import SearchSpace, mnas_reward, pareto_front, sample_architectures
from cnnlib.summary import summarize


def test_search_space_size_matches_enumeration():
    space = SearchSpace(depths=(1, 2), widths=(8, 16), kernels=(3,), residual=(False, True))
    blocks = space.all_blocks()
    enumerated = sum(len(list(itertools.product(blocks, repeat=d))) for d in space.depths)
    assert space.size() == enumerated == 4 + 16
    assert SearchSpace(per_block=False).size() == 3 * 12
    with pytest.raises(ValueError, match="empty"):
        SearchSpace(widths=())
    with pytest.raises(ValueError, match="odd"):
        SearchSpace(kernels=(3, 4))


def test_sample_architectures_distinct_and_bounded():
    space = SearchSpace(depths=(1,), widths=(8,), kernels=(3,))
    archs = sample_architectures(space, 2, seed=1)
    assert len(set(archs)) == 2
    with pytest.raises(ValueError, match="only 2"):
        sample_architectures(space, 3)


def test_tinynet_shapes_and_params():
    arch = [BlockSpec(8, 3, True), BlockSpec(16, 5, True)]
    net = TinyNet(arch, num_classes=7)
    assert net(torch.randn(2, 3, 8, 8)).shape == (2, 7)
    table = summarize(net, (3, 8, 8))
    assert table.total_params == sum(p.numel() for p in net.parameters())
    with pytest.raises(ValueError, match="empty"):
        TinyNet([])


def test_pareto_front():
    costs, scores = [1, 2, 3, 4, 2], [0.5, 0.7, 0.6, 0.9, 0.4]
    assert pareto_front(costs, scores) == [0, 1, 3]
    with pytest.raises(ValueError, match="length"):
        pareto_front([1], [])


def test_mnas_reward():
    assert mnas_reward(0.8, 50, 50) == pytest.approx(0.8)
    assert mnas_reward(0.8, 100, 50) == pytest.approx(0.8 * 2 ** -0.07)
    assert mnas_reward(0.8, 25, 50, alpha=0.0, beta=-1.0) == pytest.approx(0.8)
    with pytest.raises(ValueError, match="positive"):
        mnas_reward(0.8, 0, 50)


def test_tinynet_is_in_the_zoo():
    assert "tinynet" in cnnlib.list_models()
    net = cnnlib.get_model("tinynet", num_classes=10)
    assert net(torch.randn(2, 3, 16, 16)).shape == (2, 10)
    assert [str(b) for b in net.arch] == ["8c3", "16c3r", "32c3r"]
