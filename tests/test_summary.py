"""`cnnlib.summarize` against the lectures' tables, PyTorch's FlopCounterMode and real modules."""
import re

import pytest
import torch
import torchvision
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import cnnlib
from cnnlib import summarize

# The Michigan lecture's AlexNet table (torchvision's 64-192-384-256-256 variant at 227x227):
# (name, out C, out H/W, memory KB, params, MACs). Computed values; where the slide rounds or
# errs (conv4 "145" MFLOP, FC params without bias) the book's errata page explains it.
ALEXNET_TABLE = [
    ("conv1", 64, 56, 784, 23_296, 72_855_552),
    ("pool1", 64, 27, 182, 0, 0),
    ("conv2", 192, 27, 547, 307_392, 223_948_800),
    ("pool2", 192, 13, 127, 0, 0),
    ("conv3", 384, 13, 254, 663_936, 112_140_288),
    ("conv4", 256, 13, 169, 884_992, 149_520_384),
    ("conv5", 256, 13, 169, 590_080, 99_680_256),
    ("pool5", 256, 6, 36, 0, 0),
    ("fc6", 4096, None, 16, 37_752_832, 37_748_736),
    ("fc7", 4096, None, 16, 16_781_312, 16_777_216),
    ("fc8", 1000, None, 4, 4_097_000, 4_096_000),
]


def _alexnet_models():
    models = [torchvision.models.alexnet(weights=None)]
    if "alexnet_owt" in cnnlib.list_models():
        models.append(cnnlib.get_model("alexnet_owt"))
    return models


@pytest.mark.parametrize("model", _alexnet_models(), ids=lambda m: type(m).__module__)
def test_alexnet_lecture_table(model):
    s = summarize(model, (3, 227, 227)).only("Conv2d", "MaxPool2d", "Linear")
    rows = s._shown
    assert len(rows) == len(ALEXNET_TABLE)
    for row, (label, c, hw, kb, params, macs) in zip(rows, ALEXNET_TABLE):
        assert row.output_shape[0] == c, label
        if hw is not None:
            assert row.output_shape[1:] == (hw, hw), label
        assert round(row.memory_kb) == kb, label
        assert row.params == params, label
        assert row.macs == macs, label


def test_vgg16_lecture_table():
    """CS231n's VGG-16 table: activations (numbers, not bytes) and weights (no bias) per layer."""
    s = summarize(torchvision.models.vgg16(weights=None), (3, 224, 224))
    convs = [r for r in s if r.kind == "Conv2d"]
    widths = [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512]
    sizes = [224, 224, 112, 112, 56, 56, 56, 28, 28, 28, 14, 14, 14]
    cin = 3
    for r, c, hw in zip(convs, widths, sizes):
        assert r.output_shape == (c, hw, hw)
        assert r.memory_bytes == 4 * hw * hw * c
        assert r.params - c == 3 * 3 * cin * c      # slide: (3*3*C_in)*C_out, bias left out
        cin = c
    fcs = [r for r in s if r.kind == "Linear"]
    assert [r.params - r.output_shape[0] for r in fcs] == [102_760_448, 16_777_216, 4_096_000]
    assert s.total_params == 138_357_544            # "138M parameters"
    # The slide's "TOTAL memory: 24M" activations is wrong; the layers it lists add up to ~15.2M.
    listed = 3 * 224 * 224 + sum(r.memory_bytes for r in s if r.kind in ("Conv2d", "MaxPool2d", "Linear")) // 4
    assert 15_100_000 < listed < 15_300_000


class _Naive(nn.Module):
    def __init__(self, cin=256):
        super().__init__()
        self.b1 = nn.Conv2d(cin, 128, 1)
        self.b3 = nn.Conv2d(cin, 192, 3, padding=1)
        self.b5 = nn.Conv2d(cin, 96, 5, padding=2)
        self.pool = nn.MaxPool2d(3, 1, 1)

    def forward(self, x):
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.pool(x)], 1)


class _Reduced(nn.Module):
    def __init__(self, cin=256):
        super().__init__()
        self.b1 = nn.Conv2d(cin, 128, 1)
        self.b3 = nn.Sequential(nn.Conv2d(cin, 64, 1), nn.Conv2d(64, 192, 3, padding=1))
        self.b5 = nn.Sequential(nn.Conv2d(cin, 64, 1), nn.Conv2d(64, 96, 5, padding=2))
        self.pool = nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(cin, 64, 1))

    def forward(self, x):
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.pool(x)], 1)


def test_inception_op_counts():
    naive = summarize(_Naive(), (256, 28, 28))
    reduced = summarize(_Reduced(), (256, 28, 28))
    assert naive.output_shape == (672, 28, 28)
    assert naive.total_macs == 854_196_224          # "854M ops"
    # The slide says "358M ops", but the six convolutions it lists add up to 271.35M:
    # 358M is what you get by counting the 3x3 branch (86.7M) twice. Erratum in the book.
    assert reduced.total_macs == 271_351_808
    three = reduced.row("b3.1").macs
    assert three == 86_704_128 and round((reduced.total_macs + three) / 1e6) == 358
    assert reduced.output_shape == (480, 28, 28)
    # Parameters (weights only): the slide's "108k" and "33k" are off by ten.
    w = lambda s: sum(r.params - (r.output_shape[0] if r.kind == "Conv2d" else 0) for r in s)
    assert w(naive) == 1_089_536 and w(reduced) == 346_112


def test_5x5_bottleneck_example():
    direct = summarize(nn.Conv2d(192, 32, 5, padding=2), (192, 28, 28))
    reduced = summarize(nn.Sequential(nn.Conv2d(192, 16, 1), nn.Conv2d(16, 32, 5, padding=2)),
                        (192, 28, 28))
    assert direct.total_macs == 120_422_400         # "120M"
    assert reduced.total_macs == 12_443_648         # "12.4M" (2.4M + 10.0M)
    assert reduced.rows[0].macs == 2_408_448        # the slide writes 28x28x6x192: a typo for 16


@pytest.mark.parametrize("name, size", [
    ("resnet18", 224), ("resnet50", 224), ("vgg11_bn", 64), ("densenet121", 96),
    ("mobilenet_v2", 160), ("googlenet", 128), ("squeezenet1_1", 128), ("shufflenet_v2_x0_5", 96),
    ("efficientnet_b0", 96), ("regnet_y_400mf", 96), ("alexnet", 227),
])
def test_totals_match_flop_counter_and_parameters(name, size):
    kwargs = {"init_weights": False} if name == "googlenet" else {}
    model = getattr(torchvision.models, name)(weights=None, **kwargs).eval()
    s = summarize(model, (3, size, size), batch_size=2)
    with FlopCounterMode(display=False) as fc, torch.no_grad():
        model(torch.randn(2, 3, size, size))
    assert s.total_flops == fc.get_total_flops()
    assert s.total_params == sum(p.numel() for p in model.parameters())
    assert sum(r.params for r in s) + s.unused_params == s.total_params
    aux = [getattr(model, a, None) for a in ("aux1", "aux2", "AuxLogits")]
    assert s.unused_params == sum(p.numel() for m in aux if m is not None for p in m.parameters())
    assert s.output_shape == (1000,)


def test_shared_module_counted_once_and_mode_restored():
    conv = nn.Conv2d(4, 4, 3, padding=1)
    model = nn.Sequential(conv, nn.ReLU(), conv).train()
    s = summarize(model, (4, 8, 8))
    assert [r.name for r in s] == ["0", "1", "0"]
    assert s.total_params == sum(r.params for r in s) == 4 * 4 * 9 + 4
    assert s.rows[2].macs == s.rows[0].macs
    assert model.training
    assert all(p.device.type == "cpu" for p in model.parameters())


def test_rendering_and_records():
    s = summarize(torchvision.models.alexnet(weights=None), (3, 227, 227))
    text = str(s.only("Conv2d", "MaxPool2d", "Linear"))
    header = text.splitlines()[1]
    for col in ("Layer", "C, H/W in", "filters, kernel, stride, pad", "C, H/W out",
                "memory KB", "params k", "MFLOP"):
        assert col in header
    assert "features.0 (Conv2d)" in text and "64, 11, 4, 2" in text and "784" in text
    assert "<table" in s._repr_html_() and "features.0" in s._repr_html_()
    rec = s.records()[0]
    assert rec["name"] == "features.0" and rec["flops"] == 2 * rec["macs"]
    assert s.argmax("params").name == "classifier.1"
    assert s.argmax("memory_bytes").name in ("features.0", "features.1")
    assert s.row("classifier.6").output_shape == (1000,)


def test_batch_size_scales_memory_and_macs():
    m = torchvision.models.resnet18(weights=None)
    one, four = summarize(m, (3, 64, 64)), summarize(m, (3, 64, 64), batch_size=4)
    assert four.total_macs == 4 * one.total_macs
    assert four.total_memory_bytes == 4 * one.total_memory_bytes
    assert four.total_params == one.total_params


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"input too small at layer 'features.12' \(MaxPool2d"):
        summarize(torchvision.models.alexnet(weights=None), (3, 32, 32))
    with pytest.raises(ValueError, match=r"layer 'features.0' \(Conv2d\) expects 3 input channels, got 1"):
        summarize(torchvision.models.vgg11(weights=None), (1, 64, 64))
    with pytest.raises(ValueError, match=r"layer '1' \(Linear\) expects 100 input features, got 64"):
        summarize(nn.Sequential(nn.Flatten(), nn.Linear(100, 2)), (1, 8, 8))
    with pytest.raises(ValueError, match="input_size must be a shape"):
        summarize(nn.Conv2d(1, 1, 1), 224)
    with pytest.raises(ValueError, match=r"input_size\[1\] must be >= 1, got 0"):
        summarize(nn.Conv2d(1, 1, 1), (1, 0, 5))
    with pytest.raises(ValueError, match="must be a torch.nn.Module"):
        summarize("resnet50", (3, 224, 224))


def test_smallest_input_size():
    from cnnlib.summary import smallest_input_size
    alex = torchvision.models.alexnet(weights=None)
    side = smallest_input_size(alex)
    summarize(alex, (3, side, side))
    with pytest.raises(ValueError):
        summarize(alex, (3, side - 1, side - 1))


@pytest.mark.parametrize("conv", [
    nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.Conv2d(3, 8, (3, 5), stride=(1, 2), padding=(1, 0)),
    nn.Conv2d(3, 8, 3, dilation=2, padding="same"), nn.Conv2d(3, 8, 3, padding="valid"),
    nn.Conv2d(3, 9, 3, padding=2, padding_mode="reflect", groups=3), nn.Conv1d(3, 4, 5, stride=3),
    nn.Conv3d(3, 4, 3, padding=1),
], ids=str)
def test_convolutions_traced_by_shape_arithmetic_match_pytorch(conv):
    size = (3, 11) if isinstance(conv, nn.Conv1d) else (3, 11, 11, 11) if isinstance(conv, nn.Conv3d) else (3, 11, 13)
    s = summarize(conv, size)
    with torch.no_grad():
        out = conv(torch.randn(1, *size))
    assert s.output_shape == tuple(out.shape[1:])
    with FlopCounterMode(display=False) as fc, torch.no_grad():
        conv(torch.randn(1, *size))
    assert s.total_flops == fc.get_total_flops()


def test_model_is_left_as_it_was_after_a_trace_and_after_a_failed_one():
    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)
            self.bn = nn.BatchNorm2d(4)

        def forward(self, x):
            return self.bn(self.conv(x)).relu()

    model = nn.Sequential(Custom(), nn.Flatten(), nn.Linear(4 * 6 * 6, 2)).train()
    patched = lambda x: x.flatten(1)  # noqa: E731 - a forward a user set on an instance is kept
    model[1].forward = patched
    params = {n: p for n, p in model.named_parameters()}
    buffers = {n: b for n, b in model.named_buffers()}
    for size, error in [((3, 8, 8), None), ((3, 2, 2), "input too small at layer '0.conv' (Conv2d")]:
        if error is None:
            assert summarize(model, size).output_shape == (2,)
        else:
            with pytest.raises(ValueError, match=re.escape(error)):
                summarize(model, size)
        assert all(m.training for m in model.modules())
        assert model[1].__dict__["forward"] is patched
        assert all("forward" not in m.__dict__ for i, m in enumerate(model.modules()) if m is not model[1])
        assert {n: p for n, p in model.named_parameters()} == params
        assert all(p.device.type == "cpu" for p in params.values())
        assert {n: b for n, b in model.named_buffers()} == buffers
    assert model(torch.randn(2, 3, 8, 8)).shape == (2, 2)


# One model of every family (the classic ones with a narrow classifier: building 4096-wide
# layers costs seconds); all of them run in one fresh process.
ONE_PER_FAMILY = ["lenet5", "alexnet", "alexnet_owt", "zfnet", "vgg11_bn", "nin", "googlenet",
                  "resnet50", "resnet20", "plain20", "preact_resnet18", "wide_resnet28_10",
                  "resnext50_32x4d", "se_resnet50", "densenet121", "fractalnet", "squeezenet1_0",
                  "mobilenet_v1", "mobilenet_v2", "shufflenet_v1", "shufflenet_v2_x1_0",
                  "efficientnet_b0", "nasnet_a_mobile", "mnasnet1_0", "regnet_y_400mf", "tinynet"]


def test_tracing_the_zoo_never_imports_torch_dynamo():
    """PyTorch's Python meta kernels import torch._dynamo on first use (seconds, once per
    process: every notebook and every grading kernel paid it). summarize answers those ops
    from shapes instead; this fails if a model reaches one it does not cover."""
    families = {n.split("_")[0].rstrip("0123456789") for n in cnnlib.list_models()}
    covered = {n.split("_")[0].rstrip("0123456789") for n in ONE_PER_FAMILY}
    assert families <= covered, f"add a model of {sorted(families - covered)} to ONE_PER_FAMILY"
    code = (
        "import sys, cnnlib\n"
        f"for name in {ONE_PER_FAMILY!r}:\n"
        "    narrow = {'hidden': 256} if name.startswith(('alexnet', 'zfnet', 'vgg')) else {}\n"
        "    m = cnnlib.get_model(name, **narrow)  # on the CPU: building on meta runs Python kernels\n"
        "    cifar = name == 'lenet5' or name.startswith(('resnet20', 'plain', 'wide_resnet28', 'fractalnet'))\n"
        "    s = 32 if cifar else 224\n"
        "    cnnlib.summarize(m, (m.in_channels, s, s))\n"
        "    assert 'torch._dynamo' not in sys.modules, f'{name} imported torch._dynamo'\n"
        "print('ok')\n")
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


# ------------------------------------------------------------------ the tracer's pieces
from cnnlib import shape_inference  # noqa: E402
from cnnlib import summary as summary_module  # noqa: E402


class _WithOwnParameter(nn.Module):
    """A container that holds a parameter of its own besides its children."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(4))
        self.conv = nn.Conv2d(4, 4, 1)

    def forward(self, x):
        return self.conv(x) * self.scale.view(1, -1, 1, 1)


def test_which_modules_get_a_row_and_their_names():
    shared = nn.ReLU()
    model = nn.Sequential(nn.Conv2d(4, 4, 3), shared, nn.Sequential(_WithOwnParameter(), shared))
    names = summary_module._first_names(model)
    assert names[shared] == "1"  # a module used twice keeps its first name
    assert len(names) == 6
    with_rows = [names[m] for m in names if summary_module._gets_a_row(m)]
    assert with_rows == ["0", "1", "2.0", "2.0.conv"]  # leaves, and the container with a parameter
    s = summarize(model, (4, 8, 8))
    assert [r.name for r in s] == ["0", "1", "2.0.conv", "2.0", "1"]  # in the order they run
    assert s.row("2.0").params == 4 and s.rows[-1].params == 0  # the shared ReLU: counted once


def test_layer_facts_are_worked_out_before_the_trace():
    conv = nn.Conv2d(8, 16, (3, 5), stride=(1, 2), padding=(1, 2), groups=4)
    layer = summary_module._layer(conv, "body.conv")
    assert (layer.name, layer.kind) == ("body.conv", "Conv2d")
    assert (layer.kernel, layer.stride, layer.padding, layer.groups) == ((3, 5), (1, 2), (1, 2), 4)
    assert layer.params == 16 * 2 * 3 * 5 + 16 and layer.checked
    assert layer.cost == summary_module._Cost(from_input=False, macs_per_element=2 * 15, ops_per_element=0)
    pool = summary_module._layer(nn.MaxPool2d(3, padding=1), "pool")
    assert (pool.kernel, pool.stride, pool.padding) == ((3, 3), (3, 3), (1, 1))  # stride = kernel
    relu = summary_module._layer(nn.ReLU(), "act")
    assert (relu.kernel, relu.groups, relu.params, relu.checked) == (None, None, 0, False)
    assert relu.cost.ops_per_element == 1


def test_shape_only_forwards_are_chosen_for_plain_torch_layers_only():
    pick = summary_module._shape_only_forward
    assert pick(nn.BatchNorm2d(4)) is shape_inference.passthrough
    assert pick(nn.ReLU()) is shape_inference.passthrough
    assert pick(nn.Conv2d(3, 4, 3)) is not None and pick(nn.AdaptiveAvgPool2d(1)) is not None
    assert pick(nn.Linear(3, 4)) is None and pick(nn.MaxPool2d(2)) is None
    assert pick(nn.AdaptiveMaxPool2d(1, return_indices=True)) is None

    class MyConv(nn.Conv2d):  # a subclass may compute something else: it runs for real
        def forward(self, x):
            return super().forward(x)[:, :2]
    assert pick(MyConv(3, 4, 3)) is None
    relu = nn.ReLU()
    relu.forward = lambda x: x[:, :1]  # a forward set on the instance is the user's
    assert pick(relu) is None
    s = summarize(nn.Sequential(MyConv(3, 4, 3), relu), (3, 8, 8))
    assert [r.output_shape for r in s] == [(2, 6, 6), (1, 6, 6)]


@pytest.mark.parametrize("pool, size", [
    (nn.AdaptiveAvgPool2d((None, 3)), (2, 7, 9)), (nn.AdaptiveMaxPool1d(4), (3, 10)),
    (nn.AdaptiveAvgPool3d(2), (1, 5, 6, 7)),
], ids=str)
def test_shape_only_adaptive_pooling_matches_pytorch(pool, size):
    out = shape_inference.adaptive_pool_shape_only(pool)(torch.empty(2, *size, device="meta"))
    assert out.shape == pool(torch.randn(2, *size)).shape and out.device.type == "meta"


def test_unchecked_conv_size_matches_the_checked_formula():
    from cnnlib.arithmetic import conv_output_size
    for size in range(1, 20):
        for kernel, stride, padding, dilation in [(1, 1, 0, 1), (3, 1, 1, 1), (3, 2, 1, 1),
                                                  (5, 3, 2, 1), (3, 1, 2, 2), (7, 2, 3, 1)]:
            if dilation * (kernel - 1) + 1 <= size + 2 * padding:
                assert shape_inference.conv_size(size, kernel, stride, padding, dilation) == \
                    conv_output_size(size, kernel, stride, padding, dilation)


def test_shape_only_ops_match_pytorch_kernels():
    a, b = torch.randn(2, 3, 4), torch.randn(3, 1)
    m1, m2, bias = torch.randn(2, 5), torch.randn(5, 3), torch.randn(3)
    cases = [
        lambda a, b, *_: a + b, lambda a, b, *_: a * 2.0, lambda a, b, *_: a / a[0, 0, 0],
        lambda a, b, *_: torch.cat([a, a], 1), lambda a, b, *_: torch.stack([a, a], -1),
        lambda a, b, *_: a.mean((1, 2), keepdim=True), lambda a, b, *_: a.mean(-1),
        lambda a, b, *_: a.relu(), lambda a, b, *_: a.clone().sigmoid_(),
        lambda a, b, m1, m2, bias: torch.addmm(bias, m1, m2), lambda a, b, m1, m2, bias: m1 @ m2,
    ]
    meta = [t.to("meta") for t in (a, b, m1, m2, bias)]
    for i, op in enumerate(cases):
        expected = op(a, b, m1, m2, bias)
        with shape_inference.shape_only_ops():
            got = op(*meta)
        assert (got.shape, got.dtype, got.device.type) == (expected.shape, expected.dtype, "meta"), i


# ------------------------------------------------------- without torch's private APIs
def _records_and_totals(s):
    return s.records(), (s.total_params, s.total_macs, s.total_memory_bytes, s.total_other_ops,
                         s.output_shape, s.unused_params)


def _ops_model():
    """A model whose ops the dispatch mode answers (cat, add, mean, addmm)."""
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Conv2d(3, 4, 3, padding=1), nn.Conv2d(3, 4, 1)
            self.fc = nn.Linear(8, 2)

        def forward(self, x):
            y = torch.cat([self.a(x), self.b(x)], 1)
            return self.fc((y + y).mean((2, 3)))
    return Model()


def test_trace_without_torchs_private_dispatch_api(monkeypatch):
    """Where torch lacks ``torch._C._DisableTorchDispatch``, the trace runs PyTorch's own meta
    kernels instead of the shape-only dispatch mode, with the same result."""
    model = _ops_model()
    expected = _records_and_totals(summarize(model, (3, 8, 8)))
    assert shape_inference.has_dispatch_mode_api()
    monkeypatch.delattr(torch._C, "_DisableTorchDispatch")
    assert not shape_inference.has_dispatch_mode_api()
    assert not isinstance(shape_inference.shape_only_ops(), shape_inference._ShapeOnlyOps)
    assert shape_inference.meta_empty((2, 3), torch.float32).shape == (2, 3)
    assert _records_and_totals(summarize(model, (3, 8, 8))) == expected


def test_import_without_torchs_private_dispatch_module(monkeypatch):
    """Where ``torch.utils._python_dispatch`` can't be imported, the module still loads and
    traces without the dispatch mode, with the same result."""
    import importlib.util
    import sys
    model = _ops_model()
    expected = _records_and_totals(summarize(model, (3, 8, 8)))
    monkeypatch.setitem(sys.modules, "torch.utils._python_dispatch", None)  # import fails
    spec = importlib.util.spec_from_file_location("_shape_inference_without", shape_inference.__file__)
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    assert fresh._DispatchModeBase is None and not fresh.has_dispatch_mode_api()
    monkeypatch.setattr(summary_module, "shape_only_ops", fresh.shape_only_ops)
    assert _records_and_totals(summarize(model, (3, 8, 8))) == expected


def test_public_fallbacks_cover_torchs_private_norm_bases():
    """Without ``_NormBase`` / ``_BatchNorm`` (private), the public classes listed instead
    cover every torch.nn norm those bases cover (lazy ones aside: they become these)."""
    from torch.nn.modules import batchnorm
    norm_base_fallback = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm,
                          nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d)
    batch_norm_fallback = norm_base_fallback[:4]
    public = [c for c in vars(nn).values() if isinstance(c, type) and issubclass(c, nn.Module)
              and not issubclass(c, nn.modules.lazy.LazyModuleMixin)]
    for private, fallback in [(batchnorm._NormBase, norm_base_fallback),
                              (batchnorm._BatchNorm, batch_norm_fallback)]:
        assert {c for c in public if issubclass(c, private)} == set(fallback)
    assert summary_module._BATCH_OR_INSTANCE_NORM is batchnorm._NormBase  # this torch has them
