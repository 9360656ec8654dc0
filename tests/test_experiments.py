"""cnnlib.experiments: each experiment in a reduced CPU form, the size switch, ResNet-9, recipes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

import cnnlib
from cnnlib import experiments as E, synthetic
from cnnlib.data import DatasetUnavailableError
from cnnlib.train import load_checkpoint, lr_schedule
from cnnlib.search import SearchSpace, sample_architectures
from helpers import write_fake_cifar10

TINY = dict(size="cpu", epochs=1, max_steps_per_epoch=2, progress=False)



def check_result(result: E.ExperimentResult, runs: list[str]) -> None:
    from matplotlib.figure import Figure

    assert result.size == "cpu" and result.device == "cpu"
    assert result.dataset.startswith("digits")  # ran on the offline digits, said so
    assert "not the paper's setting" in result.note and "digits" in result.note
    assert list(result.histories) == runs
    for h in result.histories.values():
        assert h.epochs == 1 and len(h.step_loss) == 2 and len(h.val_acc) == 1
        assert h.config["device"] == "cpu" and h.config["max_steps_per_epoch"] == 2
    assert [row["run"] for row in result.summary()] == runs
    assert set(result.params) == set(runs) and all(p > 0 for p in result.params.values())
    json.dumps(result.to_dict())  # plain data all the way down
    assert result.config["data"]["size"] == 8 and result.config["fit"]["epochs"] == 1
    fig = result.plot()
    assert isinstance(fig, Figure) and len(fig.axes) == len(result.plot_metrics)
    assert result.name in str(result)


def test_zoo_has_the_models_the_experiments_use():
    names = set(cnnlib.list_models())
    assert {"plain20", "plain56", "resnet20", "resnet56", "resnet110"} <= names


def test_degradation_cpu():
    result = E.degradation(depths=(20,), **TINY)
    check_result(result, ["plain20", "resnet20"])
    assert result.params["plain20"] == result.params["resnet20"]  # option-A shortcuts are free
    assert result.plot_metrics == ("train_error", "val_error")
    assert result.config["fit"]["schedule"] == "cosine"


def test_batchnorm_ablation_cpu():
    result = E.batchnorm_ablation(lrs=[0.1], **TINY)
    check_result(result, ["BatchNorm, lr=0.1", "no norm, lr=0.1"])
    assert result.params["no norm, lr=0.1"] < result.params["BatchNorm, lr=0.1"]
    assert result.config["runs"]["no norm, lr=0.1"]["model"]["norm_layer"] == "Identity"
    assert result.histories["no norm, lr=0.1"].config["lr"] == 0.1
    with pytest.raises(ValueError, match="positive learning rates"):
        E.batchnorm_ablation(lrs=[0.0], **TINY)


def test_activation_comparison_cpu():
    result = E.activation_comparison(activations=["ReLU", "GELU"], **TINY)
    check_result(result, ["ReLU", "GELU"])
    assert result.config["runs"]["GELU"]["model"]["act_layer"] == "GELU"
    # the runs really differ in their activation: same seed, same data, different losses
    assert result.histories["ReLU"].step_loss != result.histories["GELU"].step_loss
    with pytest.raises(ValueError, match="unknown activations"):
        E.activation_comparison(activations=["Swoosh"], **TINY)


def test_stochastic_depth_cpu():
    result = E.stochastic_depth(drop_path_rate=0.3, **TINY)
    check_result(result, ["resnet20", "resnet20, stochastic depth 0.3"])
    assert result.config["runs"]["resnet20, stochastic depth 0.3"]["model"]["drop_path_rate"] == 0.3
    with pytest.raises(ValueError, match="drop_path_rate"):
        E.stochastic_depth(drop_path_rate=1.0, **TINY)


def test_train_fast_cpu():
    result = E.train_fast(**TINY)
    assert result.dataset.startswith("digits") and result.config["data"]["size"] == 16
    h = result.histories["resnet9"]
    assert h.config["label_smoothing"] == 0.2 and h.config["schedule"] == "onecycle"
    assert h.config["nesterov"] is True and h.config["precision"] == "fp32"


# ---- the chapters' classroom experiments at the CPU size: what each chapter relies on ----

def _check_classroom(result, runs, input_shape, **fit):
    assert result.size == "cpu" and result.dataset.startswith("digits")
    assert "not the paper's setting" in result.note and "1,437 train / 360 validation" in result.dataset
    assert list(result.histories) == runs and list(result.models) == runs
    assert result.input_shape == input_shape
    for key, value in fit.items():
        assert result.config["fit"][key] == value, key
    json.dumps(result.to_dict())
    assert result.seconds > 0 and result.name in str(result)


def test_lenet_c3_connections_cpu():
    result = E.lenet_c3_connections(**TINY)
    _check_classroom(result, ["full C3", "sparse C3 (Table I)"], (1, 32, 32),
                     optimizer="adamw", lr=3e-3, schedule="cosine")
    # Table I saves 900 of C3's 2,416 parameters; the rest of the network is the same
    assert result.params["full C3"] - result.params["sparse C3 (Table I)"] == 2416 - 1516
    assert result.config["data"]["batch_size"] == 32
    assert E.lenet_c3_connections("cpu", dry_run=True).epochs == {
        "full C3": 6, "sparse C3 (Table I)": 6}


def test_relu_vs_tanh_cpu():
    result = E.relu_vs_tanh("cpu", lrs=(0.03, 0.1), epochs=2, progress=False)
    runs = ["Tanh, lr=0.03", "Tanh, lr=0.1", "ReLU, lr=0.03", "ReLU, lr=0.1"]
    _check_classroom(result, runs, (1, 32, 32), optimizer="sgd", momentum=0.9,
                     weight_decay=0.0, schedule="constant", max_steps_per_epoch=5)
    for run, h in result.histories.items():  # 5 steps a point, no validation (Fig. 1: training error)
        assert len(h.step_loss) == 10 and h.val_acc == [] and h.config["lr"] == float(run.split("=")[1])
    acts = {run: type(m.body.act1).__name__ for run, m in result.models.items()}
    assert acts == {run: run.split(",")[0] for run in runs}
    speed = E.steps_to_training_error(result, target=0.99)  # every run is below 99% error at once
    assert speed["steps_per_epoch"] == 5 and speed["speedup"] == 1.0
    assert all(r["steps_to_target"] == 5 and r["steps"] == [5, 10] for r in speed["runs"].values())
    assert E.steps_to_training_error(result, target=0.001)["speedup"] is None
    with pytest.raises(ValueError, match="positive learning rates"):
        E.relu_vs_tanh(lrs=(), **TINY)


def test_steps_to_training_error_reads_figure_1():
    from cnnlib.train import History

    def run(*accs):
        return History(train_loss=[0.0] * len(accs), train_acc=list(accs), step_loss=[0.0] * 10 * len(accs))

    histories = {"Tanh, lr=0.01": run(.2, .5, .7, .8), "Tanh, lr=0.1": run(.3, .6, .76, .9),
                 "ReLU, lr=0.01": run(.5, .8, .9, .95), "ReLU, lr=0.1": run(.6, .7, .8, .9)}
    config = {"runs": {r: {"model": {"act_layer": r.split(",")[0]},
                           "fit_overrides": {"lr": float(r.split("=")[1])}} for r in histories}}
    result = E.ExperimentResult("relu_vs_tanh", "cpu", "digits", "cpu", "", config, histories)
    speed = E.steps_to_training_error(result)  # 10 steps per point, from the step losses
    assert {r: v["steps_to_target"] for r, v in speed["runs"].items()} == {
        "Tanh, lr=0.01": 40, "Tanh, lr=0.1": 30, "ReLU, lr=0.01": 20, "ReLU, lr=0.1": 30}
    assert speed["fastest"] == {"Tanh": "Tanh, lr=0.1", "ReLU": "ReLU, lr=0.01"}
    assert speed["speedup"] == 1.5
    assert speed["runs"]["Tanh, lr=0.01"]["train_error"] == pytest.approx([.8, .5, .3, .2])
    with pytest.raises(ValueError, match="target"):
        E.steps_to_training_error(result, target=25)


def test_first_layer_stride_cpu():
    result = E.first_layer_stride(**TINY)
    runs = [f"{name}, seed {s}" for name in E.FIRST_LAYERS for s in (0, 1)]  # two seeds each
    _check_classroom(result, runs, (1, 16, 16), optimizer="adamw", lr=3e-3, schedule="cosine")
    for run, model in result.models.items():
        kernel, stride, padding = E.FIRST_LAYERS[run.rsplit(",", 1)[0]]
        assert model[0].kernel_size == (kernel, kernel) and model[0].stride == (stride, stride)
        assert result.histories[run].config["seed"] == int(run[-1])
    # everything but the first layer is the same: the parameters differ by its weights only
    assert (result.params["11x11, stride 4, seed 0"] - result.params["7x7, stride 2, seed 0"]
            == 16 * (11 * 11 - 7 * 7))
    assert E.first_layer_stride(seeds=1, **TINY).histories.keys() == {
        "11x11, stride 4, seed 0", "7x7, stride 2, seed 0"}
    with pytest.raises(ValueError, match="seeds"):
        E.first_layer_stride(seeds=0, **TINY)


def test_vgg_training_cpu():
    result = E.vgg_training(**TINY)
    _check_classroom(result, ["small_vgg"], (3, 16, 16), optimizer="sgd", lr=0.05,
                     weight_decay=5e-4, warmup_epochs=0.5, schedule="cosine")
    assert result.config["data"]["batch_size"] == 64
    assert result.params["small_vgg"] == sum(p.numel() for p in cnnlib.models.vgg.small_vgg().parameters())


def test_inception_training_cpu():
    result = E.inception_training(**TINY)
    _check_classroom(result, ["tiny_inception"], (3, 12, 12), optimizer="sgd", lr=0.1,
                     weight_decay=5e-4, warmup_epochs=0.5)
    assert result.config["runs"]["tiny_inception"]["model"]["width"] == 8
    assert result.config["data"]["batch_size"] == 128


def test_separable_convs_cpu():
    result = E.separable_convs(**TINY)
    _check_classroom(result, ["standard 3x3", "depthwise separable"], (3, 8, 8),
                     optimizer="adamw", lr=3e-3, schedule="cosine")
    std, sep = (cnnlib.summarize(result.models[r], result.input_shape)
                for r in ("standard 3x3", "depthwise separable"))
    assert sep.total_params < std.total_params / 3 and sep.total_macs < std.total_macs / 3


def test_random_search_cpu():
    from cnnlib.search import pareto_front
    from cnnlib.models.tinynet import TinyNet

    result = E.random_search(candidates=3, **TINY)
    archs = sample_architectures(SearchSpace(), 3, seed=0)
    _check_classroom(result, ["-".join(map(str, a)) for a in archs], (3, 8, 8),
                     optimizer="adamw", lr=1e-2, schedule="constant")
    found = E.search_candidates(result)
    assert [c.arch for c in found] == archs
    for c, h in zip(found, result.histories.values()):
        fresh = cnnlib.summarize(TinyNet(c.arch), (3, 8, 8))
        assert (c.params, c.macs) == (fresh.total_params, fresh.total_macs)
        assert c.val_acc == h.val_acc[-1] and c.seconds == h.total_time_s
    assert pareto_front([c.macs for c in found], [c.val_acc for c in found])


def test_cpu_demos_restore_the_thread_count():
    before = torch.get_num_threads()
    E.separable_convs(epochs=1, max_steps_per_epoch=1, progress=False, size="cpu")  # trains on 1 thread
    assert torch.get_num_threads() == before


def test_size_switch_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("CNNLIB_SIZE", raising=False)
    assert E.default_size() == "cpu"
    monkeypatch.setenv("CNNLIB_SIZE", "GPU")
    assert E.default_size() == "gpu"
    # size=None follows the switch: the GPU size wants CIFAR-10 and never falls back to digits
    with pytest.raises(DatasetUnavailableError, match="CIFAR-10 not found"):
        E.degradation(root=tmp_path, progress=False)
    monkeypatch.setenv("CNNLIB_SIZE", "tpu")
    with pytest.raises(ValueError, match="CNNLIB_SIZE"):
        E.default_size()
    with pytest.raises(ValueError, match="size must be 'cpu', 'gpu' or 'paper'"):
        E.degradation(size="large")
    monkeypatch.setenv("CNNLIB_SIZE", "paper")
    assert E.default_size() == "paper"


def test_paper_schedules_are_the_published_ones():
    s = E.RESNET_CIFAR_SCHEDULE
    assert (s["lr"], s["momentum"], s["weight_decay"]) == (0.1, 0.9, 1e-4)
    lrs = lr_schedule(lr=s["lr"], epochs=s["epochs"], steps_per_epoch=391, schedule="step",
                      milestones=s["milestones"], gamma=s["gamma"])
    assert 64_000 <= len(lrs) < 64_000 + 391  # "terminate training at 64k iterations"
    assert lrs[31_999] == pytest.approx(0.1) and lrs[32_000] == pytest.approx(0.01)  # /10 at 32k
    assert lrs[47_999] == pytest.approx(0.01) and lrs[48_000] == pytest.approx(0.001)  # and 48k
    sd = E.STOCHASTIC_DEPTH_SCHEDULE
    assert (sd["epochs"], sd["milestones"], sd["nesterov"]) == (500, [250, 375], True)


def test_resnet9_matches_pages_architecture():
    model = E.resnet9()
    assert isinstance(model, cnnlib.models.ImageClassifier)
    out = model(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 10)
    # parameters from the table: 8 bias-free 3x3 convs, each followed by BN (2 per channel),
    # and a bias-free 512 -> 10 linear layer
    convs = [(3, 64), (64, 128), (128, 128), (128, 128), (128, 256), (256, 512), (512, 512), (512, 512)]
    expected = sum(cnnlib.conv_params(a, b, 3, bias=False) + 2 * b for a, b in convs)
    expected += cnnlib.linear_params(512, 10, bias=False)
    assert sum(p.numel() for p in model.parameters()) == expected
    assert sum(isinstance(m, nn.Conv2d) for m in model.modules()) == 8
    assert sum(isinstance(m, nn.MaxPool2d) for m in model.modules()) == 3
    assert model.features(torch.randn(1, 3, 32, 32)).shape == (1, 512, 4, 4)
    small = E.resnet9(widths=(16, 32, 64, 128))
    assert small(torch.randn(2, 3, 16, 16)).shape == (2, 10)
    with pytest.raises(ValueError, match="widths"):
        E.resnet9(widths=(16, 32))


def test_fast_recipe_follows_the_published_settings():
    recipe = E.fast_cifar10_recipe("cpu")
    fit_kw = recipe["fit"]
    assert recipe["batch_size"] == 512
    assert (fit_kw["epochs"], fit_kw["lr"], fit_kw["warmup_epochs"]) == (24, 0.4, 5)
    assert (fit_kw["momentum"], fit_kw["nesterov"], fit_kw["weight_decay"]) == (0.9, True, 5e-4)
    assert fit_kw["schedule"] == "onecycle" and fit_kw["label_smoothing"] == 0.2
    assert fit_kw["precision"] == "fp32"  # no fp16 on CPU
    lrs = lr_schedule(lr=0.4, epochs=24, steps_per_epoch=97, schedule="onecycle", warmup_epochs=5)
    peak = lrs.index(max(lrs))
    assert max(lrs) == pytest.approx(0.4) and peak == 5 * 97 - 1 and lrs[-1] < 0.4 / 100


def test_runs_share_one_checked_config():
    from cnnlib.train import TrainConfig

    result = E.batchnorm_ablation(lrs=[0.2, 0.1], **TINY)
    shared = TrainConfig.from_dict(result.config["fit"])  # plain data of one TrainConfig
    assert (shared.epochs, shared.max_steps_per_epoch, shared.seed) == (1, 2, 0)
    assert shared.on_nonfinite == "stop" and shared.schedule == E.CPU_SCHEDULE["schedule"]
    for run, h in result.histories.items():
        # every run is the shared config plus the overrides the experiment declares
        overrides = result.config["runs"][run]["fit_overrides"]
        assert TrainConfig.from_dict(h.config) == shared.replace(**overrides)
    # an option that is neither a run option nor a TrainConfig field is named, with the options
    with pytest.raises(TypeError, match=r"'batchsize'.*run options: batch_size"):
        E.degradation(depths=(20,), batchsize=32, **TINY)
    with pytest.raises(ValueError, match="momentum must be in"):  # checked before any training
        E.degradation(depths=(20,), momentum=1.5, **TINY)


def test_resnet9_lives_in_the_zoo():
    from cnnlib.models import resnet9 as zoo

    assert "resnet9" in cnnlib.list_models()
    assert E.resnet9 is zoo.resnet9 and E.ResNet9 is zoo.ResNet9  # old imports keep working
    model = cnnlib.get_model("resnet9", widths=(8, 8, 16, 16))
    assert isinstance(model, zoo.ResNet9) and model(torch.randn(1, 3, 16, 16)).shape == (1, 10)


# ---- every size end to end: the real CIFAR-10 loader on tiny files in the official format ----

@pytest.fixture(scope="module")
def cifar_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("cifar")
    write_fake_cifar10(root, n_per_batch=8)
    synthetic.write_mnist(root, train_images=8, test_images=8)  # LeNet-5's larger sizes: MNIST
    return root


def _few_steps(size, root, **extra):
    """A couple of training steps and one validation batch; CIFAR sizes read the fake files."""
    kw = dict(epochs=1, max_steps_per_epoch=2, max_val_steps=1, progress=False)
    if size != "cpu":
        kw.update(root=root, verify_md5=False, batch_size=4)
    kw.update(extra)
    return kw


EXPERIMENTS = {
    "degradation": (E.degradation, dict(depths=(20,)), ["plain20", "resnet20"]),
    "batchnorm_ablation": (E.batchnorm_ablation, dict(lrs=(0.1,)),
                           ["BatchNorm, lr=0.1", "no norm, lr=0.1"]),
    "activation_comparison": (E.activation_comparison, dict(activations=["ReLU", "GELU"]),
                              ["ReLU", "GELU"]),
    "stochastic_depth": (E.stochastic_depth, dict(model="resnet20"),
                         ["resnet20", "resnet20, stochastic depth 0.5"]),
    "train_fast": (E.train_fast, dict(warmup_epochs=0), ["resnet9"]),  # 5 epochs: longer than 2 steps
    "lenet_c3_connections": (E.lenet_c3_connections, {}, ["full C3", "sparse C3 (Table I)"]),
    "relu_vs_tanh": (E.relu_vs_tanh, dict(lrs=(0.1,)), ["Tanh, lr=0.1", "ReLU, lr=0.1"]),
    "first_layer_stride": (E.first_layer_stride, dict(seeds=1),
                           ["11x11, stride 4, seed 0", "7x7, stride 2, seed 0"]),
    "vgg_training": (E.vgg_training, {},
                     lambda size: ["small_vgg"] if size == "cpu" else ["vgg11_bn"]),
    "inception_training": (E.inception_training, {}, ["tiny_inception"]),
    "separable_convs": (E.separable_convs, {}, ["standard 3x3", "depthwise separable"]),
    "random_search": (E.random_search, dict(candidates=2), lambda size: [
        "-".join(map(str, arch)) for arch in sample_architectures(
            SearchSpace() if size == "cpu" else SearchSpace(widths=(16, 32, 64, 128)), 2, seed=0)]),
}
#: The GPU and paper sizes' dataset, where it is not CIFAR-10.
LARGER_DATASET = {"lenet_c3_connections": "MNIST"}
#: Experiments about training error only: nothing is validated.
NOT_VALIDATED = {"relu_vs_tanh"}


@pytest.mark.parametrize("size", E.SIZES)
@pytest.mark.parametrize("name", EXPERIMENTS)
def test_every_experiment_runs_at_every_size(name, size, cifar_root, tmp_path, capsys):
    run, extra, runs = EXPERIMENTS[name]
    runs = runs(size) if callable(runs) else runs
    result = run(size, **_few_steps(size, cifar_root, checkpoint_dir=tmp_path / "ck", **extra))
    assert result.size == size and list(result.histories) == runs
    assert result.dataset.startswith("digits" if size == "cpu" else LARGER_DATASET.get(name, "CIFAR-10"))
    for h in result.histories.values():
        assert h.epochs == 1 and len(h.val_acc) == (0 if name in NOT_VALIDATED else 1)
    assert list(result.models) == runs and len(result.input_shape) == 3
    if size != "cpu":  # the whole dataset on the device, batched there (DeviceBatches)
        assert result.config["data"]["loader"] == "device"
    # the time estimate is printed before training, and kept with the result
    printed = capsys.readouterr().out
    assert printed.startswith(f"{name} ({size} size) on cpu: {len(runs)} run(s)")
    assert result.plan.estimated_s > 0 and set(result.plan.seconds_per_step) == set(runs)
    fit_cfg = result.config["fit"]
    if size == "gpu" and name in GPU_STYLE:  # the short schedule, in the course's style
        assert fit_cfg["schedule"] in ("cosine", "onecycle") and fit_cfg["nesterov"] is True
    if size == "gpu" and name not in GPU_STYLE:  # the chapter's own recipe, said in the note
        assert result.note.startswith("GPU size:")


def test_the_workers_loader_runs_the_larger_sizes_too(cifar_root):
    """loader="workers": torch DataLoader worker processes and torchvision's transforms."""
    result = E.degradation("gpu", depths=(20,), loader="workers", num_workers=1,
                           **_few_steps("gpu", cifar_root))
    assert result.config["data"]["loader"] == "workers" and result.config["data"]["num_workers"] == 1
    assert all(h.epochs == 1 for h in result.histories.values())
    with pytest.raises(ValueError, match="loader must be 'device' or 'workers'"):
        E.degradation("gpu", loader="gpu", **_few_steps("gpu", cifar_root))
    with pytest.raises(ValueError, match="num_workers is for loader='workers'"):
        E.degradation("gpu", num_workers=2, **_few_steps("gpu", cifar_root))


#: The experiments whose GPU size uses GPU_SCHEDULE (or Page's recipe); the chapters' classroom
#: experiments keep their chapter's optimizer (AdamW, plain SGD) at every size.
GPU_STYLE = {"degradation", "batchnorm_ablation", "activation_comparison", "stochastic_depth",
             "train_fast", "separable_convs"}


@pytest.mark.parametrize("name", [n for n in EXPERIMENTS if n in E.GPU_EPOCHS and n != "train_fast"])
def test_larger_sizes_train_the_stated_epochs(name, cifar_root):
    """gpu: GPU_EPOCHS[name]; paper: the published count where there is one, else the GPU's."""
    run, extra, _ = EXPERIMENTS[name]
    gpu = run("gpu", dry_run=True, **_few_steps("gpu", cifar_root, epochs=None, **extra))
    paper = run("paper", dry_run=True, **_few_steps("paper", cifar_root, epochs=None,
                                                    checkpoint_dir=None, **extra))
    assert set(gpu.epochs.values()) == {E.GPU_EPOCHS[name]}
    published = {"degradation": 164, "batchnorm_ablation": 164, "activation_comparison": 164,
                 "stochastic_depth": 500, "lenet_c3_connections": 20, "relu_vs_tanh": 40}
    assert set(paper.epochs.values()) == {published.get(name, E.GPU_EPOCHS[name])}


def test_sizes_pick_their_schedules_and_models(cifar_root):
    def plan(size, **kw):
        return E.stochastic_depth(size, dry_run=True, **_few_steps(size, cifar_root, **kw))

    gpu, paper = plan("gpu", epochs=None), plan("paper", epochs=None, checkpoint_dir=None)
    assert gpu.epochs == {"resnet56": 20, "resnet56, stochastic depth 0.5": 20}
    assert paper.epochs == {"resnet110": 500, "resnet110, stochastic depth 0.5": 500}
    deg = E.degradation("gpu", dry_run=True, **_few_steps("gpu", cifar_root, epochs=None))
    assert set(deg.epochs.values()) == {E.GPU_EPOCHS["degradation"]}
    deg = E.degradation("paper", dry_run=True, **_few_steps("paper", cifar_root, epochs=None))
    assert set(deg.epochs.values()) == {E.RESNET_CIFAR_SCHEDULE["epochs"]}
    # the estimate scales with the steps it will take
    assert deg.estimated_s > 100 * gpu.steps_per_epoch * min(deg.seconds_per_step.values())


def test_dry_run_trains_nothing_and_writes_nothing(cifar_root, tmp_path):
    plan = E.degradation("paper", dry_run=True,
                         **_few_steps("paper", cifar_root, depths=(20,), checkpoint_dir=tmp_path))
    assert isinstance(plan, E.ExperimentPlan) and plan.done_epochs == {"plain20": 0, "resnet20": 0}
    assert "estimated" in str(plan) and not any(tmp_path.iterdir())


def test_paper_size_resumes_from_its_checkpoints(cifar_root, tmp_path, capsys):
    kw = _few_steps("paper", cifar_root, depths=(20,), checkpoint_dir=tmp_path, epochs=2)
    first = E.degradation("paper", **{**kw, "epochs": 1})  # a session that ends after 1 epoch
    ckpt = tmp_path / "degradation-paper" / "resnet20.pt"
    assert load_checkpoint(ckpt)["epoch"] == 1
    # the same call with the full schedule goes on from epoch 1 instead of starting again...
    with pytest.raises(ValueError, match="other settings.*epochs: 1 then, 2 now"):
        E.degradation("paper", **kw)  # ...but only for the same settings: epochs differ here
    kw["epochs"] = 1
    again = E.degradation("paper", **kw)
    assert again.config["runs"]["resnet20"]["resumed_at_epoch"] == 1
    assert again.plan.done_epochs["resnet20"] == 1 and again.plan.estimated_s == 0
    assert again.histories["resnet20"].train_loss == first.histories["resnet20"].train_loss
    assert "2 run(s) resume from a checkpoint" in capsys.readouterr().out


def test_the_size_benchmark_times_an_experiment_on_true_size_files(tmp_path, capsys, monkeypatch):
    """benchmarks/experiment_sizes.py: synthetic files of the true sizes through the real loader
    and training loop; its projection is the sum over runs of epochs x the projected epoch."""
    import importlib.util
    import math

    path = Path(__file__).parents[1] / "benchmarks" / "experiment_sizes.py"
    spec = importlib.util.spec_from_file_location("experiment_sizes", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "times.json"
    from cnnlib import timings
    recorded = tmp_path / "experiment_times.json"
    recorded.write_text(json.dumps({"measurements": [  # another machine's entry is kept
        {"experiment": "lenet_c3_connections", "size": "gpu", "machine": "cpu", "device": "cpu (x)",
         "seconds": 1.0, "projected": True, "date": "2026-01-01", "command": "python benchmarks/x", "commit": "a"}]}))
    monkeypatch.setattr(timings, "TIMES_FILE", recorded)
    assert bench.main(["--experiments", "lenet_c3_connections", "--device", "cpu", "--steps", "2",
                       "--val-steps", "1", "--json", str(out), "--record", "--machine", "t4"]) == 0
    printed = capsys.readouterr().out
    assert "| lenet_c3_connections | gpu | device | 2 x 10 |" in printed
    (row,) = json.loads(out.read_text())["rows"]
    assert row["dataset"] == "MNIST" and row["timed_steps"] == 2 and row["timed_val_steps"] == 1
    assert row["steps_per_epoch"] == math.ceil(60_000 / row["batch_size"])  # the true size
    assert row["val_steps"] == math.ceil(10_000 / max(row["batch_size"], 256))
    for run in row["runs"].values():
        assert run["epochs"] == E.GPU_EPOCHS["lenet_c3_connections"] and run["images_per_sec"] > 0
        assert run["total_s"] == pytest.approx(run["epochs"] * run["epoch_s"])
        # a whole epoch takes longer than the two steps that were timed
        assert run["epoch_s"] > 2 * row["batch_size"] / run["images_per_sec"]
    assert row["projected_total_s"] == pytest.approx(sum(r["total_s"] for r in row["runs"].values()))
    kept, new = json.loads(recorded.read_text())["measurements"]
    assert kept["machine"] == "cpu" and new["machine"] == "t4"
    assert new["seconds"] == round(row["projected_total_s"], 1) and new["projected"] is True
    assert new["command"].startswith("python benchmarks/experiment_sizes.py --experiments lenet_c3_connections")


def test_expected_times_show_what_was_measured_and_say_what_was_not(tmp_path, monkeypatch):
    from cnnlib import timings

    times = tmp_path / "experiment_times.json"
    times.write_text(json.dumps({"measurements": [
        {"experiment": "degradation", "size": "gpu", "machine": "cpu", "device": "cpu (AMD EPYC, 2 cores)",
         "seconds": 9000.0, "projected": True, "date": "2026-12-06", "command": "x", "commit": "abc"},
        {"experiment": "degradation", "size": "cpu", "machine": "cpu", "device": "cpu (AMD EPYC, 2 cores)",
         "seconds": 16.2, "projected": False, "date": "2026-12-06", "command": "x", "commit": "abc"}]}))
    monkeypatch.setattr(timings, "TIMES_FILE", times)
    timings.measured_times.cache_clear()
    try:
        table = timings.expected_times("degradation")
        assert table.column("size") == ["cpu", "gpu", "paper"]
        assert table.column("2-core CPU") == ["16 s", "2.5 h (projected)", "not measured yet"]
        assert set(table.column("Colab T4")) == {"not measured yet"}
        assert "2-core CPU: cpu (AMD EPYC, 2 cores) (2026-12-06)" in table.caption
        with pytest.raises(ValueError, match="unknown experiment 'degradaton'"):
            timings.expected_times("degradaton")
    finally:
        timings.measured_times.cache_clear()
    assert [timings.duration(s) for s in (40, 720, 9000, 3 * 86400)] == ["40 s", "12 min", "2.5 h", "3.0 days"]


def test_the_recorded_times_name_their_machine_and_cover_every_chapter_experiment():
    """The file the chapters read: every experiment with sizes has its measured cpu-size time on
    the 2-core machine, each entry names its device, date, command and commit."""
    from cnnlib import timings

    timings.measured_times.cache_clear()
    measured = timings.measured_times()
    assert {m["experiment"] for m in measured if m["size"] == "cpu" and m["machine"] == "cpu"} == set(E.GPU_EPOCHS)
    for m in measured:
        assert m["machine"] in timings.MACHINES and m["seconds"] > 0
        assert m["device"] and m["date"] and m["command"].startswith("python benchmarks/experiment_sizes.py")
        assert m["projected"] == (m["size"] != "cpu")
