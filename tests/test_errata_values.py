"""The corrected values that the errata entries compute, topic by topic."""
from cnnlib import linear_params
from cnnlib.errata import entries


def test_lenet_errata_compute_the_pattern():
    (e,) = entries("lenet")
    assert "CONV-POOL-CONV-POOL-FC-FC-FC" in e.correct and e.claim.endswith("FC-FC]")


def test_alexnet_errata():
    found = {e.key: e for e in entries("alexnet")}
    assert found["alexnet-fc6-params-arithmetic"].correct.endswith(f"{linear_params(9216, 4096):,}")
    assert "37,725,832" in found["alexnet-fc6-params-arithmetic"].claim
    assert {"alexnet-conv4-flop", "alexnet-fc-bias"} <= set(found)


def test_zfnet_errata():
    (e,) = entries("zfnet")
    assert "384, 384, 256" in e.correct and "512, 1024, 512" in e.correct


def test_vgg_errata_compute():
    found = {e.key: e.correct for e in entries("vgg")}
    assert {"vgg16-total-memory", "vgg16-stage3-convs", "vgg16-total-gflop",
            "vgg16-total-memory-mb", "vgg16-table-conv3-3"} <= set(found)
    assert "15.2M numbers" in found["vgg16-total-memory"]
    assert "2-2-3-3-3" in found["vgg16-stage3-convs"] and "16 layers" in found["vgg16-stage3-convs"]
    # Leaving conv3-3 out reproduces the Michigan slide's 13.6 and 48.6 exactly.
    assert "15.47 G MACs" in found["vgg16-total-gflop"]
    assert "without conv3-3: 13.62 G MACs" in found["vgg16-total-gflop"]
    assert "without conv3-3: 48.6" in found["vgg16-total-memory-mb"]
    assert "AlexNet 1.9 MB" in found["vgg16-total-memory-mb"]
    assert "589,824" in found["vgg16-table-conv3-3"]


def test_googlenet_errata_compute():
    found = {e.key: e.correct for e in entries("googlenet")}
    # the entries that were there before this chapter was written stay
    assert {"inception-naive-params", "inception-reduced-params", "inception-reduced-ops",
            "bottleneck-5x5-typo"} <= set(found)
    assert "6,998,552 parameters" in found["googlenet-5-million"]
    assert "8.7x" in found["googlenet-12x-alexnet"]
    assert "19.8x" in found["googlenet-27x-vgg16"]
    assert "477.7 M MACs" in found["googlenet-stem-mflop"] and "= 481 M" in found["googlenet-stem-mflop"]
    assert "51.3 MB" in found["googlenet-stem-vs-vgg16"] and "9,335 M MACs" in found["googlenet-stem-vs-vgg16"]
    assert "526,848" in found["inception-naive-output-numbers"]
    assert "fc6 102,764.5k" in found["gap-vs-fc-bias"]


def test_resnet_errata_compute():
    found = {e.key: e.correct for e in entries("resnet")}
    assert set(found) == {"resnet-block-flops", "resnet-table-gflop", "resnet-init-xavier",
                          "resnet-weight-decay-cs231n-2017", "resnet-weight-decay-cs231n-2023",
                          "resnet-weight-decay-senet-deck"}
    assert found["resnet-block-flops"] == ("basic 18 HWC^2 MACs = 36 HWC^2 FLOPs; "
                                           "bottleneck 17 HWC^2 MACs = 34 HWC^2 FLOPs")
    # the paper's Table 1 'FLOPs' (1.8, 3.6, 3.8, 7.6, 11.3 x 10^9) are v1 multiply-adds
    assert found["resnet-table-gflop"].startswith("v1: 1.81 / 3.66 / 3.86 / 7.57 / 11.28 G MACs")
    assert "v1.5: 1.81 / 3.66 / 4.09 / 7.80 / 11.51" in found["resnet-table-gflop"]
    assert found["resnet-weight-decay-senet-deck"].startswith("weight decay 0.0001")
    assert "He sqrt(2/fan) = 0.1179; Xavier sqrt(1/fan) = 0.0833" in found["resnet-init-xavier"]


def test_densenet_errata_compute():
    found = {e.key: e.correct for e in entries("densenet")}
    assert found["densenet-50-vs-152"] == (
        "weighted layers (conv + FC): DenseNet-121 121, DenseNet-169 169, DenseNet-201 201; "
        "parameters: DenseNet-201 20.0 M vs ResNet-101 44.5 M")
