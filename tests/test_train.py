"""cnnlib.train and cnnlib.plots: learning, exact resume, determinism, schedules, precision, errors."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from cnnlib import data, plots, train
from cnnlib.train import History, evaluate, fit, lr_factor, lr_schedule, seed_everything


def small_cnn(in_channels: int = 1, p_drop: float = 0.0) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(in_channels, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(p_drop), nn.Linear(32, 10),
    )



@pytest.fixture(scope="module")
def digits8():
    """The offline digits at their native 8x8, one channel: the cheapest real data."""
    return data.digits(batch_size=64, size=8, channels=1)


@pytest.fixture(scope="module")
def digits8_aug():
    return data.digits(batch_size=64, size=8, channels=1, augment=True)


def test_short_run_on_digits_learns(digits8):
    train_loader, val_loader = digits8
    seed_everything(0)
    model = small_cnn()
    history = fit(model, train_loader, val_loader, epochs=4, lr=0.1, weight_decay=5e-4,
                  schedule="cosine", warmup_epochs=0.5, seed=0, progress=False)
    assert isinstance(history, History)
    assert history.epochs == 4
    for name in ("train_loss", "train_acc", "val_loss", "val_acc", "lr", "images_per_sec", "epoch_time_s"):
        assert len(getattr(history, name)) == 4, name
    assert len(history.step_lr) == len(history.step_loss) == 4 * len(train_loader)
    # chance is 10%; a few seconds of training on the real digits gets far above it
    assert history.val_acc[-1] > 0.6
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.best_val_acc == max(history.val_acc)
    assert history.val_acc[history.best_epoch - 1] == history.best_val_acc
    assert all(v > 0 for v in history.images_per_sec)
    # the reported final accuracy is what evaluate() measures on the final model
    assert evaluate(model, val_loader)["acc"] == pytest.approx(history.val_acc[-1])
    # plain data that round-trips
    again = History.from_dict(history.to_dict())
    assert again == history
    assert history.config["schedule"] == "cosine" and history.config["device"] == "cpu"


def test_same_seed_same_history(digits8_aug):
    train_loader, val_loader = digits8_aug

    def run(seed: int) -> History:
        seed_everything(seed)
        model = small_cnn(p_drop=0.2)
        return fit(model, train_loader, val_loader, epochs=2, lr=0.05, seed=seed,
                   progress=False, max_steps_per_epoch=6)

    a, b, c = run(1), run(1), run(2)
    for name in ("train_loss", "train_acc", "val_loss", "val_acc", "lr", "step_loss", "step_lr"):
        assert getattr(a, name) == getattr(b, name), name
    assert a.step_loss != c.step_loss  # the seed matters, so the equality above means something


def test_resume_reproduces_the_uninterrupted_run(tmp_path, digits8_aug):
    # Dropout, random-shift augmentation and shuffling all draw random numbers; momentum and
    # the cosine schedule carry state; so every part of the checkpoint is exercised.
    train_loader, val_loader = digits8_aug
    kw = dict(epochs=3, lr=0.05, momentum=0.9, weight_decay=5e-4, schedule="cosine",
              warmup_steps=3, max_steps_per_epoch=5, progress=False)

    seed_everything(0)
    full = fit(small_cnn(p_drop=0.3), train_loader, val_loader, seed=0, **kw)

    ckpt = tmp_path / "run.pt"
    seed_everything(0)
    first = fit(small_cnn(p_drop=0.3), train_loader, val_loader, seed=0, checkpoint_path=ckpt,
                callbacks=[lambda h, m: h.epochs == 1], **kw)
    assert first.epochs == 1 and "stopped by" in first.stop_reason

    seed_everything(123)  # a different model and RNG state: the checkpoint must restore all of it
    resumed = fit(small_cnn(p_drop=0.3), train_loader, val_loader, resume_from=ckpt,
                  checkpoint_path=ckpt, **kw)
    n = len(first.step_loss)
    assert resumed.step_loss[n] == full.step_loss[n]  # the next step after resuming: exact
    assert resumed.step_loss == full.step_loss
    assert resumed.step_lr == full.step_lr
    assert resumed.val_acc == full.val_acc
    assert resumed.train_loss == full.train_loss

    saved = train.load_checkpoint(ckpt)  # torch.load(weights_only=True) under the hood
    assert saved["epoch"] == 3 and saved["step"] == 15
    assert {"model", "optimizer", "scheduler", "scaler", "rng", "history"} <= set(saved)
    # resuming a finished run trains nothing more
    done = fit(small_cnn(p_drop=0.3), train_loader, val_loader, resume_from=ckpt, **kw)
    assert done.step_loss == full.step_loss


def test_bf16_autocast_runs_on_cpu(digits8):
    train_loader, val_loader = digits8
    model = small_cnn()
    dtypes = []
    model[0].register_forward_hook(lambda mod, inp, out: dtypes.append(out.dtype))
    history = fit(model, train_loader, val_loader, epochs=1, lr=0.05, precision="bf16",
                  max_steps_per_epoch=3, progress=False)
    assert dtypes and all(d == torch.bfloat16 for d in dtypes)
    assert all(math.isfinite(v) for v in history.step_loss)
    assert model[0].weight.dtype == torch.float32  # autocast, not a bf16 copy of the weights
    assert 0.0 <= evaluate(model, val_loader, precision="bf16")["acc"] <= 1.0


def test_progress_bar_without_notebook(capfd, digits8):
    train_loader, _ = digits8
    fit(small_cnn(), train_loader, epochs=1, lr=0.05, max_steps_per_epoch=2, progress=True)
    out, err = capfd.readouterr()
    assert "epoch 1/1" in err and "2/2" in err
    fit(small_cnn(), train_loader, epochs=1, lr=0.05, max_steps_per_epoch=2, progress=False)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_lr_factor_values():
    f = lambda k, **kw: lr_factor(k, total_steps=110, warmup_steps=10, **kw)  # noqa: E731
    # linear warm-up: (k + 1) / 10
    assert f(0, schedule="cosine") == pytest.approx(0.1)
    assert f(4, schedule="cosine") == pytest.approx(0.5)
    assert f(9, schedule="cosine") == pytest.approx(1.0)
    # cosine over the 100 steps after warm-up: 1 at the start, 1/2 halfway, ~0 at the end
    assert f(10, schedule="cosine") == pytest.approx(1.0)
    assert f(60, schedule="cosine") == pytest.approx(0.5)
    assert f(35, schedule="cosine") == pytest.approx(0.5 * (1 + math.cos(math.pi / 4)))
    assert f(109, schedule="cosine") == pytest.approx(0.5 * (1 + math.cos(math.pi * 0.99)))
    # one-cycle: straight line from 1 down to 0
    assert f(10, schedule="onecycle") == pytest.approx(1.0)
    assert f(60, schedule="onecycle") == pytest.approx(0.5)
    assert f(109, schedule="onecycle") == pytest.approx(0.01)
    # step: x gamma at each milestone; warm-up multiplies on top
    g = lambda k: lr_factor(k, schedule="step", total_steps=110, warmup_steps=10,  # noqa: E731
                            milestone_steps=(50, 80), gamma=0.1)
    assert [g(k) for k in (0, 20, 49, 50, 79, 80, 109)] == pytest.approx(
        [0.1, 1.0, 1.0, 0.1, 0.1, 0.01, 0.01])
    assert lr_factor(7, schedule="constant", total_steps=10) == 1.0


def test_lr_schedule_helper_and_epoch_units():
    # ResNet paper style: divide by 10 at epochs 2 and 3 of 4, 10 steps per epoch
    lrs = lr_schedule(lr=0.1, epochs=4, steps_per_epoch=10, schedule="step", milestones=[2, 3])
    assert len(lrs) == 40
    assert lrs[19] == pytest.approx(0.1) and lrs[20] == pytest.approx(0.01)
    assert lrs[30] == pytest.approx(0.001)
    every = lr_schedule(lr=1.0, epochs=4, steps_per_epoch=10, schedule="step", step_size=1, gamma=0.5)
    assert every[9] == 1.0 and every[10] == 0.5 and every[39] == 0.125
    # one-cycle without explicit warm-up rises for 30% of training
    oc = lr_schedule(lr=0.4, epochs=10, steps_per_epoch=10, schedule="onecycle")
    assert max(oc) == pytest.approx(0.4) and oc.index(max(oc)) == 29


def test_fit_follows_the_schedule(digits8):
    train_loader, _ = digits8
    steps = 4
    history = fit(small_cnn(), train_loader, epochs=3, lr=0.2, schedule="step", milestones=[2],
                  warmup_epochs=1, max_steps_per_epoch=steps, progress=False)
    expected = lr_schedule(lr=0.2, epochs=3, steps_per_epoch=steps, schedule="step",
                           milestones=[2], warmup_epochs=1)
    assert history.step_lr == pytest.approx(expected)
    assert expected[:4] == pytest.approx([0.05, 0.1, 0.15, 0.2])
    assert history.lr == pytest.approx([expected[3], expected[7], expected[11]])


def test_grad_clip_bounds_the_update(digits8):
    train_loader, _ = digits8

    def step_norm(grad_clip):
        seed_everything(0)
        model = small_cnn()
        before = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
        fit(model, train_loader, epochs=1, lr=1.0, momentum=0.0, max_steps_per_epoch=1,
            grad_clip=grad_clip, progress=False, seed=0)
        after = torch.cat([p.detach().flatten() for p in model.parameters()])
        return (after - before).norm().item()

    assert step_norm(1e-3) <= 1e-3 * (1 + 1e-4)  # plain SGD, lr 1: |update| = |clipped grad|
    assert step_norm(None) > 1e-2


def test_adamw_channels_last_and_plain_iterables(digits8):
    train_loader, _ = digits8
    batches = [next(iter(train_loader)) for _ in range(2)]  # a list is a re-iterable dataset
    model = small_cnn()
    history = fit(model, batches, batches, epochs=2, lr=1e-3, optimizer="adamw",
                  weight_decay=0.05, channels_last=True, progress=False)
    assert history.epochs == 2 and len(history.step_loss) == 4
    assert model[0].weight.is_contiguous(memory_format=torch.channels_last)
    # a generator is used up after one epoch: say so instead of training on nothing
    with pytest.raises(ValueError, match="no batches in epoch 2"):
        fit(small_cnn(), (b for b in batches), epochs=2, lr=0.1, progress=False)
    # without len() a decaying schedule needs the epoch length
    with pytest.raises(ValueError, match="max_steps_per_epoch"):
        fit(small_cnn(), (b for b in batches), epochs=1, lr=0.1, schedule="cosine", progress=False)
    h = fit(small_cnn(), (b for b in batches), epochs=1, lr=0.1, schedule="cosine",
            max_steps_per_epoch=2, progress=False)
    assert len(h.step_lr) == 2


def test_evaluate_matches_a_manual_computation(digits8):
    _, val_loader = digits8
    seed_everything(0)
    model = small_cnn()
    model.train()
    result = evaluate(model, val_loader, label_smoothing=0.1)
    assert model.training  # mode restored
    model.eval()
    with torch.no_grad():
        x = torch.cat([b[0] for b in val_loader])
        y = torch.cat([b[1] for b in val_loader])
        out = model(x)
    assert result["n"] == len(val_loader.dataset) == len(y)
    assert result["acc"] == pytest.approx((out.argmax(1) == y).float().mean().item())
    expected = nn.functional.cross_entropy(out, y, label_smoothing=0.1).item()
    assert result["loss"] == pytest.approx(expected, rel=1e-5)


class _NaNNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(x.flatten(1)) * float("nan")


def test_nonfinite_loss_raises_or_stops(digits8):
    train_loader, _ = digits8
    with pytest.raises(FloatingPointError, match="smaller lr"):
        fit(_NaNNet(), train_loader, epochs=2, lr=0.1, max_steps_per_epoch=2, progress=False)
    h = fit(_NaNNet(), train_loader, epochs=3, lr=0.1, max_steps_per_epoch=2, progress=False,
            on_nonfinite="stop")
    assert h.epochs == 1 and "nan" in h.stop_reason


@pytest.mark.parametrize("kwargs, match", [
    (dict(optimizer="rmsprop"), "unknown optimizer"),
    (dict(schedule="linear"), "unknown schedule"),
    (dict(precision="fp8"), "unknown precision"),
    (dict(precision="fp16"), "bf16"),
    (dict(epochs=0), "epochs must be a positive integer"),
    (dict(epochs=2.5), "epochs must be a positive integer"),
    (dict(lr=0), "lr must be a positive number"),
    (dict(lr=-0.1), "lr must be a positive number"),
    (dict(momentum=1.0), "momentum"),
    (dict(weight_decay=-1), "weight_decay"),
    (dict(nesterov=True, optimizer="adamw"), "nesterov"),
    (dict(label_smoothing=1.0), "label_smoothing"),
    (dict(grad_clip=0), "grad_clip"),
    (dict(schedule="step"), "step_size"),
    (dict(schedule="step", step_size=1, milestones=[1]), "exactly one"),
    (dict(milestones=[1]), "only apply to schedule='step'"),
    (dict(warmup_epochs=1, warmup_steps=3), "not both"),
    (dict(warmup_epochs=5), "longer than training"),
    (dict(device="cuda:0"), "cuda"),
    (dict(device="banana"), "unknown device"),
    (dict(max_steps_per_epoch=0), "max_steps_per_epoch"),
    (dict(on_nonfinite="ignore"), "on_nonfinite"),
])
def test_bad_arguments_raise_clear_errors(kwargs, match, digits8):
    if kwargs.get("device") == "cuda:0" and torch.cuda.is_available():
        pytest.skip("a GPU is present")
    train_loader, _ = digits8
    base = dict(epochs=1, lr=0.1, progress=False)
    with pytest.raises(ValueError, match=match):
        fit(small_cnn(), train_loader, **{**base, **kwargs})


def test_bad_batches_and_missing_checkpoint(tmp_path):
    with pytest.raises(ValueError, match=r"pair \(images, labels\)"):
        fit(small_cnn(), [torch.zeros(2, 1, 8, 8)], epochs=1, lr=0.1, progress=False)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        fit(small_cnn(), [(torch.zeros(2, 1, 8, 8), torch.zeros(2, dtype=torch.long))], epochs=1,
            lr=0.1, progress=False, resume_from=tmp_path / "missing.pt")


def test_plots_return_figures(digits8):
    from matplotlib.figure import Figure

    train_loader, val_loader = digits8
    h = fit(small_cnn(), train_loader, val_loader, epochs=2, lr=0.05, schedule="onecycle",
            max_steps_per_epoch=3, progress=False)
    fig = plots.plot_history(h, title="demo")
    assert isinstance(fig, Figure)
    loss_ax, acc_ax, lr_ax = fig.axes
    assert [list(line.get_ydata()) for line in loss_ax.lines] == [h.train_loss, h.val_loss]
    assert list(lr_ax.lines[0].get_ydata()) == h.step_lr
    other = History(train_loss=[2.0, 1.0], train_acc=[0.2, 0.5], val_loss=[2.1, 1.2],
                    val_acc=[0.25, 0.4], lr=[0.1, 0.1])
    fig2 = plots.plot_histories({"a": h, "b": other}, ["train_error", "val_acc"])
    err_ax, acc_ax2 = fig2.axes
    assert list(err_ax.lines[1].get_ydata()) == pytest.approx([0.8, 0.5])
    assert [t.get_text() for t in acc_ax2.get_legend().get_texts()] == ["a", "b"]
    with pytest.raises(ValueError, match="unknown metric"):
        plots.plot_histories({"a": h}, "val_accuracy")
    with pytest.raises(ValueError, match="no completed epoch"):
        plots.plot_history(History())


# --------------------------------------------------------------------------------------
# TrainConfig: one frozen, checked configuration; keyword overrides; callbacks
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, field, allowed", [
    (dict(optimizer="rmsprop"), "optimizer", "one of 'sgd', 'adamw'"),
    (dict(schedule="linear"), "schedule", "one of 'constant', 'step', 'cosine', 'onecycle'"),
    (dict(precision="fp8"), "precision", "one of 'fp32', 'bf16', 'fp16'"),
    (dict(on_nonfinite="ignore"), "on_nonfinite", "one of 'raise', 'stop'"),
    (dict(epochs=0), "epochs", "a positive integer"),
    (dict(epochs=True), "epochs", "a positive integer"),
    (dict(lr=float("nan")), "lr", "a positive number"),
    (dict(momentum=-0.1), "momentum", "in [0, 1)"),
    (dict(weight_decay="0.1"), "weight_decay", "a number >= 0"),
    (dict(nesterov=1), "nesterov", "True or False"),
    (dict(nesterov=True, momentum=0.0), "nesterov", "False unless optimizer='sgd' with momentum > 0"),
    (dict(betas=(0.9,)), "betas", "a pair of numbers in [0, 1)"),
    (dict(label_smoothing=-0.1), "label_smoothing", "in [0, 1)"),
    (dict(grad_clip=-1.0), "grad_clip", "a positive max norm or None"),
    (dict(warmup_epochs=-1), "warmup_epochs", "a number of epochs >= 0"),
    (dict(warmup_steps=1.5), "warmup_steps", "an integer >= 0 or None"),
    (dict(warmup_epochs=1, warmup_steps=3), "warmup_steps", "None or 0 when warmup_epochs is set"),
    (dict(gamma=0.0), "gamma", "a factor in (0, 1]"),
    (dict(schedule="step"), "step_size", "set if and only if milestones is None"),
    (dict(schedule="step", milestones=[0, 2]), "milestones", "a list of positive epochs"),
    (dict(step_size=2), "step_size", "None unless schedule='step'"),
    (dict(channels_last="yes"), "channels_last", "True or False"),
    (dict(device="banana"), "device",
     "None (auto) or a device name: 'cpu', 'cuda', 'cuda:0' or 'mps'"),
    (dict(seed=1.5), "seed", "an integer or None"),
    (dict(max_val_steps=0), "max_val_steps", "a positive integer or None"),
])
def test_config_errors_name_the_field_and_what_it_allows(kwargs, field, allowed):
    with pytest.raises(train.ConfigError) as info:
        train.TrainConfig(**{"epochs": 1, "lr": 0.1, **kwargs})
    err = info.value
    assert isinstance(err, ValueError)  # callers that catch ValueError keep working
    assert err.field == field and err.allowed == allowed
    assert str(err).startswith((f"{field} must be {allowed}", f"unknown {field} "))
    assert allowed in str(err) and f"got {err.value!r}" in str(err)


def test_unknown_settings_are_named_with_the_closest_field(digits8):
    train_loader, _ = digits8
    with pytest.raises(TypeError, match=r"'momentun' \(did you mean 'momentum'\?\)"):
        fit(small_cnn(), train_loader, epochs=1, lr=0.1, momentun=0.5, progress=False)
    with pytest.raises(TypeError, match="'batchsize'"):
        train.TrainConfig(epochs=1, lr=0.1).replace(batchsize=64)
    with pytest.raises(TypeError, match="needs epochs and lr"):
        fit(small_cnn(), train_loader, progress=False)
    with pytest.raises(TypeError, match="config must be a TrainConfig"):
        fit(small_cnn(), train_loader, None, {"epochs": 1, "lr": 0.1}, progress=False)


def test_config_is_frozen_plain_data():
    import dataclasses

    config = train.TrainConfig(epochs=4, lr=0.1, schedule="step", milestones=[2, 3],
                               device=torch.device("cpu"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.lr = 0.2
    assert config.milestones == (2, 3) and config.device == "cpu"  # normalized: tuple, name
    assert hash(config) == hash(train.TrainConfig(epochs=4, lr=0.1, schedule="step",
                                                  milestones=(2, 3), device="cpu"))
    changed = config.replace(lr=0.2, gamma=0.5)
    assert (changed.lr, changed.gamma, config.lr, config.gamma) == (0.2, 0.5, 0.1, 0.1)
    with pytest.raises(train.ConfigError, match="gamma"):
        config.replace(gamma=2.0)  # a copy is checked again
    assert config.to_dict()["milestones"] == [2, 3]
    assert train.TrainConfig.from_dict(config.to_dict()) == config


def test_config_and_keywords_train_the_same(digits8):
    train_loader, val_loader = digits8
    config = train.TrainConfig(epochs=2, lr=0.1, schedule="cosine", warmup_steps=2, seed=0,
                               max_steps_per_epoch=4)

    def run(*args, **kwargs) -> History:
        seed_everything(0)
        return fit(small_cnn(), train_loader, val_loader, *args, progress=False, **kwargs)

    by_config = run(config)
    by_keywords = run(**config.to_dict())
    assert by_config.step_loss == by_keywords.step_loss and by_config.config == by_keywords.config
    overridden = run(config, lr=0.05, max_steps_per_epoch=3)
    assert overridden.config["lr"] == 0.05 and len(overridden.step_loss) == 6
    assert overridden.config["schedule"] == "cosine" and config.lr == 0.1  # the rest kept
    assert overridden.step_lr == pytest.approx(lr_schedule(
        lr=0.05, epochs=2, steps_per_epoch=3, schedule="cosine", warmup_steps=2))


def test_config_round_trips_through_history_and_checkpoint(tmp_path, digits8):
    import json

    train_loader, _ = digits8
    config = train.TrainConfig(epochs=2, lr=0.1, schedule="step", milestones=[1.5], gamma=0.5,
                               max_steps_per_epoch=2, on_nonfinite="stop")
    ckpt = tmp_path / "run.pt"
    h = fit(small_cnn(), train_loader, config=config, checkpoint_path=ckpt, progress=False)
    ran = config.replace(device="cpu")  # the device fit resolved is what ran
    assert train.TrainConfig.from_dict(h.config) == ran
    assert train.TrainConfig.from_dict(json.loads(json.dumps(h.config))) == ran
    assert {k: h.config[k] for k in train.RUN_FACTS} == {
        "steps_per_epoch": 2, "model": "Sequential",
        "params": sum(p.numel() for p in small_cnn().parameters())}
    assert train.TrainConfig.from_dict(train.load_checkpoint(ckpt)["config"]) == ran
    with pytest.raises(TypeError, match="'lrate'"):
        train.TrainConfig.from_dict({**h.config, "lrate": 0.1})


def test_step_and_epoch_callbacks_get_what_they_promise(digits8):
    train_loader, val_loader = digits8
    model = small_cnn()
    steps, epochs = [], []

    def on_step(step, m):
        assert m is model
        steps.append(step)

    def on_epoch(history, m):
        assert m is model
        epochs.append((history.epochs, len(history.step_loss), len(history.val_acc)))

    h = fit(model, train_loader, val_loader, epochs=2, lr=0.1, schedule="onecycle",
            max_steps_per_epoch=3, progress=False, step_callbacks=[on_step], callbacks=[on_epoch])
    assert [(s.epoch, s.batch, s.step) for s in steps] == [
        (1, 1, 1), (1, 2, 2), (1, 3, 3), (2, 1, 4), (2, 2, 5), (2, 3, 6)]
    assert [s.loss for s in steps] == h.step_loss  # the same float32 numbers, as Python floats
    assert [s.lr for s in steps] == h.step_lr      # the learning rate each step used
    assert all(s.batch_size == 64 for s in steps)
    assert epochs == [(1, 3, 1), (2, 6, 2)] and h.stop_reason is None


def test_a_step_callback_stops_training_mid_epoch(tmp_path, digits8):
    train_loader, val_loader = digits8
    kw = dict(epochs=3, lr=0.1, max_steps_per_epoch=4, seed=0, progress=False)
    seed_everything(0)
    full = fit(small_cnn(), train_loader, val_loader, **kw)

    def after_six(step, model):
        return step.step == 6

    seed_everything(0)
    ckpt = tmp_path / "run.pt"
    h = fit(small_cnn(), train_loader, val_loader, step_callbacks=[after_six],
            checkpoint_path=ckpt, **kw)
    assert h.step_loss == full.step_loss[:6]  # the same steps, then nothing more
    assert h.epochs == 2 and len(h.val_acc) == 2  # the cut epoch is recorded and evaluated
    assert h.train_loss[1] == pytest.approx(sum(h.step_loss[4:6]) / 2)  # over its 2 batches
    assert h.stop_reason == "stopped by after_six at step 6 (epoch 2, batch 2)"
    saved = train.load_checkpoint(ckpt)
    assert (saved["epoch"], saved["step"]) == (2, 6)


def test_checkpoint_without_config_still_resumes(tmp_path, digits8_aug):
    """Checkpoints written before TrainConfig have no "config" entry: they resume the same."""
    train_loader, val_loader = digits8_aug
    kw = dict(epochs=2, lr=0.05, schedule="cosine", max_steps_per_epoch=3, progress=False)
    seed_everything(0)
    full = fit(small_cnn(p_drop=0.3), train_loader, val_loader, seed=0, **kw)
    ckpt = tmp_path / "old.pt"
    seed_everything(0)
    first = fit(small_cnn(p_drop=0.3), train_loader, val_loader, seed=0, checkpoint_path=ckpt,
                callbacks=[lambda h, m: True], **kw)
    old = torch.load(ckpt, weights_only=True)
    del old["config"]
    torch.save(old, ckpt)
    resumed = fit(small_cnn(p_drop=0.3), train_loader, val_loader, resume_from=ckpt, **kw)
    assert first.epochs == 1 and resumed.step_loss == full.step_loss
    assert resumed.stop_reason is None  # the first run's reason to stop is not the result's
