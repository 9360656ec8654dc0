"""The training experiments the book's chapters run, each sized by one switch.

``size="cpu"`` (the default, or whatever the environment variable ``CNNLIB_SIZE`` says) is
a small demo on the offline digits (:func:`cnnlib.data.digits`, 8x8 images) that finishes
in about a minute on a 2-core CPU. It shows the *direction* of an effect on a toy problem;
it is not the paper's setting and its numbers are not the paper's numbers. Every result
says so in its ``note``.

``size="gpu"`` trains on CIFAR-10 (MNIST for LeNet-5) with a short schedule of this course's
choosing (cosine decay, mixed precision on CUDA; the epochs per experiment are in
:data:`GPU_EPOCHS`), meant for one evening on a free Colab GPU: enough to show the paper's
effect, not its final numbers. ``size="paper"`` runs the schedule the cited paper published
(hours to days on one GPU) and checkpoints every run after every epoch into ``checkpoint_dir``,
so that calling the same experiment again, in a new session, resumes where it stopped. Where no
paper published a setting for an experiment (the chapters' classroom miniatures), the paper
size runs the GPU size's setting, checkpointed, and its ``note`` says so. Both need the dataset
on disk or ``download=True``.

The experiments, by topic: :func:`lenet_c3_connections` (LeNet-5's full or sparse C3),
:func:`relu_vs_tanh` with :func:`steps_to_training_error` (AlexNet's Figure 1),
:func:`first_layer_stride` (AlexNet's or ZFNet's first layer), :func:`vgg_training`,
:func:`inception_training`, :func:`degradation` (ResNet), :func:`batchnorm_ablation`,
:func:`activation_comparison`, :func:`stochastic_depth`, :func:`separable_convs` (MobileNet's
depthwise separable convolutions), :func:`random_search` with :func:`search_candidates` (a toy
architecture search) and :func:`train_fast`.

Before it trains, an experiment times a few steps of each of its models on the machine's own
data loader and device and prints how long the whole experiment should take
(:class:`ExperimentPlan`); ``dry_run=True`` returns that plan without training.

Every experiment takes the same keyword options (:class:`RunOptions`: data, device, seed,
epochs, ...; any other keyword overrides a :class:`~cnnlib.train.TrainConfig` field), and its
runs share one ``TrainConfig`` that differs between runs only where the experiment says so.
Each returns an :class:`ExperimentResult`: the histories (plain data), the configuration
used, the dataset and device it ran on, the trained models, and ``plot()``.

Also here: :func:`train_fast` with :func:`fast_cifar10_recipe`, a recipe in the spirit of the
fastest published CIFAR-10 runs, for the zoo's :func:`~cnnlib.models.resnet9.resnet9` (Page's
DAWNBench ResNet-9; still importable from here).
"""
from __future__ import annotations

import contextlib
import math
import os
import re
import time
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import torch
from torch import nn

from cnnlib.models.resnet9 import RESNET9_LOGIT_SCALE, RESNET9_STAGES, ResNet9, resnet9
from cnnlib.models.zfnet import FIRST_LAYERS  # the pair first_layer_stride compares
from cnnlib.train import History, TrainConfig, fit, resolve_device, seed_everything

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from cnnlib.search import Candidate, SearchSpace

__all__ = [
    "SIZES", "default_size", "RunOptions", "ExperimentResult", "ExperimentPlan", "GPU_SCHEDULE",
    "GPU_EPOCHS", "degradation", "batchnorm_ablation",
    "activation_comparison", "stochastic_depth", "ResNet9", "resnet9", "fast_cifar10_recipe",
    "train_fast", "RESNET_CIFAR_SCHEDULE", "STOCHASTIC_DEPTH_SCHEDULE", "CPU_SCHEDULE",
    "RESNET9_STAGES", "RESNET9_LOGIT_SCALE", "ACTIVATIONS",
    "lenet_c3_connections", "relu_vs_tanh", "steps_to_training_error", "first_layer_stride",
    "FIRST_LAYERS", "vgg_training", "inception_training", "separable_convs", "random_search",
    "search_candidates",
]

SIZES = ("cpu", "gpu", "paper")

# He et al. 2015 (arXiv:1512.03385), Sec. 4.2: "a weight decay of 0.0001 and momentum of 0.9
# ... mini-batch size of 128 ... We start with a learning rate of 0.1, divide it by 10 at
# 32k and 48k iterations, and terminate training at 64k iterations". With 50,000 training
# images and batch 128 an epoch is 391 iterations: 164 epochs = 64,124 iterations, and the
# milestones are given in epochs so that they fall on iterations 32,000 and 48,000.
_CIFAR_STEPS_PER_EPOCH = math.ceil(50_000 / 128)  # 391
RESNET_CIFAR_SCHEDULE: dict[str, Any] = dict(
    epochs=math.ceil(64_000 / _CIFAR_STEPS_PER_EPOCH),  # 164
    lr=0.1, optimizer="sgd", momentum=0.9, weight_decay=1e-4, nesterov=False,
    schedule="step", milestones=[32_000 / _CIFAR_STEPS_PER_EPOCH, 48_000 / _CIFAR_STEPS_PER_EPOCH],
    gamma=0.1,
)
# Huang et al. 2016 (arXiv:1603.09382), Sec. 4, and the authors' code
# (github.com/yueatsprograms/Stochastic_Depth, main.lua): ResNet-110 on CIFAR-10, 500 epochs,
# batch 128, SGD with Nesterov momentum 0.9, weight decay 1e-4, learning rate 0.1 divided
# by 10 at 50% and 75% of training; linear decay of survival to p_L = 0.5.
STOCHASTIC_DEPTH_SCHEDULE: dict[str, Any] = dict(
    epochs=500, lr=0.1, optimizer="sgd", momentum=0.9, weight_decay=1e-4, nesterov=True,
    schedule="step", milestones=[250, 375], gamma=0.1,
)
# The CPU demos: our own choice, not from a paper. SGD with the ResNet paper's momentum and
# weight decay, batch 64, a short warm-up and a cosine decay so that a few epochs converge.
CPU_SCHEDULE: dict[str, Any] = dict(
    lr=0.1, optimizer="sgd", momentum=0.9, weight_decay=1e-4, nesterov=False,
    schedule="cosine", warmup_epochs=0.5,
)
# The GPU size: our choice, not a paper's, in the style of the fast CIFAR-10 recipes (Page 2018,
# "How to train your ResNet"; airbench, arXiv:2404.00498): a short cosine schedule after a
# one-epoch warm-up, Nesterov momentum, weight decay 5e-4, batch 128, bf16/fp16 autocast and
# channels-last on CUDA. GPU_EPOCHS says how many epochs each experiment's runs get; the
# experiment prints its own time estimate, measured on the device, before it starts.
GPU_SCHEDULE: dict[str, Any] = dict(
    lr=0.1, optimizer="sgd", momentum=0.9, weight_decay=5e-4, nesterov=True,
    schedule="cosine", warmup_epochs=1,
)
GPU_EPOCHS: dict[str, int] = {
    "degradation": 15,            # 4 runs (plain/residual x 20/56 layers)
    "batchnorm_ablation": 15,     # 4 runs of ResNet-20
    "activation_comparison": 12,  # 6 runs of ResNet-20
    "stochastic_depth": 20,       # 2 runs of ResNet-56 (the paper: ResNet-110, 500 epochs)
    "train_fast": 24,             # Page's full recipe: it is already short
    # The chapters' classroom experiments. Our estimates for a free Colab T4 (2 CPU cores that
    # also load the data), not measurements: each should take well under 15 minutes, and each
    # prints its own estimate, timed on the machine it runs on, before it starts.
    "lenet_c3_connections": 10,   # 2 runs of LeNet-5 on MNIST (the paper: 20 passes)
    "relu_vs_tanh": 15,           # 6 runs: tanh/ReLU x 3 learning rates, a four-layer net
    "first_layer_stride": 15,     # 2 runs (one seed) of a three-conv network
    "vgg_training": 20,           # 1 run of vgg11_bn
    "inception_training": 20,     # 1 run of tiny_inception(width=32)
    "separable_convs": 20,        # 2 runs of a small MobileNet-like network
    "random_search": 5,           # 12 candidates of the toy search space, 5 epochs each
}
_CPU_DATA = dict(size=8, channels=3, batch_size=64)


def _cpu_note(paper_setting: str = "CIFAR-10, 32x32, tens of thousands of iterations",
              larger: str = "size='gpu' (or CNNLIB_SIZE=gpu) runs a short schedule on "
                            "CIFAR-10, size='paper' the published one") -> str:
    return ("Small CPU demo on the offline digits (scikit-learn's 1,797 8x8 images of 10 digit "
            "classes, 1,437 train / 360 validation), trained for a few epochs. This is not the "
            f"paper's setting ({paper_setting}): it shows the direction of the effect on a toy "
            f"problem, and its numbers are not the paper's. {larger}.")


_CPU_NOTE = _cpu_note()


_SIZE_CHOICES = "'cpu', 'gpu' or 'paper'"


def default_size() -> str:
    """The experiment size from the ``CNNLIB_SIZE`` environment variable (default ``"cpu"``)."""
    size = os.environ.get("CNNLIB_SIZE", "cpu").strip().lower() or "cpu"
    if size not in SIZES:
        raise ValueError(f"CNNLIB_SIZE must be {_SIZE_CHOICES}, got {size!r}")
    return size


def _resolve_size(size: str | None) -> str:
    if size is None:
        return default_size()
    if size not in SIZES:
        raise ValueError(f"size must be {_SIZE_CHOICES} (or None: read CNNLIB_SIZE), got {size!r}")
    return size


# --------------------------------------------------------------------------------------
# Result object
# --------------------------------------------------------------------------------------
@dataclass
class ExperimentResult:
    """Histories of the runs of one experiment, what they ran on, and how to plot them."""

    name: str
    size: str
    dataset: str
    device: str
    note: str
    config: dict[str, Any]
    histories: dict[str, History]
    params: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    plot_metrics: tuple[str, ...] = ("train_loss", "val_acc")
    plan: "ExperimentPlan | None" = None
    #: The trained networks, by run (in memory only: not part of :meth:`to_dict`).
    models: dict[str, nn.Module] = field(default_factory=dict, repr=False)
    #: The shape of one input image, ``(channels, height, width)``.
    input_shape: tuple[int, ...] = ()

    def plot(self, metrics: str | Sequence[str] | None = None, *, title: str | None = None,
             ) -> "Figure":
        """One panel per metric, one line per run (see :func:`cnnlib.plots.plot_histories`);
        the default title names the experiment, its dataset and size."""
        from cnnlib.plots import plot_histories

        if title is None:
            title = f"{self.name} ({self.dataset.split(' (')[0]}, {self.size})"
        return plot_histories(self.histories, metrics or self.plot_metrics, title=title)

    def summary(self) -> list[dict[str, Any]]:
        """One row per run: final training loss/accuracy, final and best validation accuracy."""
        rows = []
        for run, h in self.histories.items():
            rows.append({
                "run": run,
                "params": self.params.get(run),
                "epochs": h.epochs,
                "train_loss": h.train_loss[-1] if h.train_loss else None,
                "train_acc": h.train_acc[-1] if h.train_acc else None,
                "val_acc": h.val_acc[-1] if h.val_acc else None,
                "best_val_acc": h.best_val_acc,
                "seconds": round(h.total_time_s, 2),
                "stop_reason": h.stop_reason,
            })
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "size": self.size, "dataset": self.dataset, "device": self.device,
            "note": self.note, "config": self.config, "params": dict(self.params),
            "input_shape": list(self.input_shape), "seconds": self.seconds, "histories": {k: h.to_dict() for k, h in self.histories.items()},
        }

    def __repr__(self) -> str:
        return (f"ExperimentResult(name={self.name!r}, size={self.size!r}, runs={list(self.histories)}, "
                f"dataset={self.dataset!r}, device={self.device!r}, seconds={self.seconds:.1f})")

    def __str__(self) -> str:
        lines = [f"{self.name}: {self.dataset} on {self.device}, {self.seconds:.1f} s", self.note]
        head = f"{'run':<32}{'params':>10}{'epochs':>8}{'train loss':>12}{'train acc':>11}{'val acc':>9}"
        lines.append(head)
        for r in self.summary():
            fmt = lambda v, spec: format(v, spec) if v is not None else "-"  # noqa: E731
            lines.append(f"{r['run']:<32}{fmt(r['params'], ',d'):>10}{r['epochs']:>8}"
                         f"{fmt(r['train_loss'], '.4f'):>12}{fmt(r['train_acc'], '.4f'):>11}"
                         f"{fmt(r['val_acc'], '.4f'):>9}")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Shared runner
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class RunOptions:
    """How an experiment runs, the same keywords for every experiment.

    ``size``: ``"cpu"``, ``"gpu"`` or ``"paper"`` (``None``: :func:`default_size`).
    ``root`` / ``download`` / ``verify_md5``: where CIFAR-10 is and how it is checked (GPU
    and paper sizes; ``verify_md5=False`` only for files you made yourself, such as a test
    fixture, e.g. :func:`cnnlib.synthetic.write_cifar10`'s). ``loader``: how the GPU and paper
    sizes batch their data: ``"device"`` (default) holds the whole dataset on the training
    device and augments batches there (:class:`cnnlib.data.DeviceBatches`, as the fast CIFAR-10
    recipes do), ``"workers"`` uses torch ``DataLoader`` worker processes and torchvision's
    transforms (``num_workers`` of them; ``None``: :func:`cnnlib.data.dataloaders`' choice).
    ``batch_size``: ``None`` is the experiment's choice. ``seed``: seeds every run alike. ``checkpoint_dir``: every run is checkpointed
    there after every epoch and resumed from there by the next call (default
    ``"checkpoints"`` for the paper size, none otherwise; on Colab give a Drive folder).
    ``dry_run``: return the :class:`ExperimentPlan` (with its measured time estimate) without
    training. ``fit``: overrides of the experiment's :class:`~cnnlib.train.TrainConfig`
    (``epochs``, ``max_steps_per_epoch``, ``lr``, ...), checked against its fields.
    """

    size: str
    device: str | torch.device | None = None
    root: str | os.PathLike = "data"
    download: bool = False
    verify_md5: bool = True
    loader: str = "device"
    batch_size: int | None = None
    num_workers: int | None = None
    seed: int = 0
    progress: bool = True
    checkpoint_dir: str | os.PathLike | None = None
    dry_run: bool = False
    fit: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, size: str | None, options: Mapping[str, Any]) -> "RunOptions":
        """Split an experiment's keywords into run options and ``TrainConfig`` overrides.

        ``epochs=None`` / ``max_steps_per_epoch=None`` mean the experiment's default.
        """
        own = {f.name for f in fields(cls)} - {"size", "fit"}
        fit_kw = {k: v for k, v in options.items() if k not in own}
        for k in ("epochs", "max_steps_per_epoch"):
            if fit_kw.get(k, 0) is None:
                del fit_kw[k]
        try:
            TrainConfig.check_names(fit_kw)
        except TypeError as err:
            raise TypeError(f"{err}; or the run options: {', '.join(sorted(own))}") from None
        opts = cls(size=_resolve_size(size), fit=MappingProxyType(fit_kw),
                   **{k: v for k, v in options.items() if k in own})
        if opts.loader not in _LOADERS:
            raise ValueError(f"loader must be {' or '.join(map(repr, _LOADERS))}, got {opts.loader!r}")
        if opts.loader == "device" and opts.num_workers is not None:
            raise ValueError("num_workers is for loader='workers' (DataLoader worker processes); "
                             "loader='device' batches on the training device, without workers")
        return opts


_LOADERS = ("device", "workers")


@dataclass(frozen=True)
class _Recipe:
    """What an experiment trains with at one size: ``fit`` settings, default epochs, a note."""

    schedule: Mapping[str, Any]
    epochs: int | None  # None: the schedule's
    note: str
    threads: int | None = None  # torch CPU threads while it trains on a CPU (None: leave as is)
    accelerate: bool = False    # mixed precision / channels-last on CUDA (always at size "gpu")


def _gpu_note(experiment: str, what: str) -> str:
    return (f"GPU size: CIFAR-10, {GPU_EPOCHS[experiment]} epochs of this course's short "
            f"schedule (cnnlib.experiments.GPU_SCHEDULE) instead of {what}. It shows the "
            f"direction and rough size of the effect; size='paper' runs the published schedule.")


def _resnet_recipe(size: str, experiment: str, paper_note: str, *, cpu_epochs: int,
                   threads: int | None = None) -> _Recipe:
    """The CPU demo (``cpu_epochs``, what the book runs; ``threads``: its torch CPU threads),
    the short GPU schedule, or the ResNet paper's CIFAR-10 schedule (164 epochs)."""
    if size == "cpu":
        return _Recipe(CPU_SCHEDULE, cpu_epochs, _CPU_NOTE, threads=threads)
    if size == "gpu":
        return _Recipe(GPU_SCHEDULE, GPU_EPOCHS[experiment],
                       _gpu_note(experiment, "the ResNet paper's 164 (64k iterations)"))
    return _Recipe(RESNET_CIFAR_SCHEDULE, None, paper_note)


@dataclass(frozen=True)
class _Run:
    build: Callable[[], nn.Module]
    model_kwargs: dict[str, Any]
    fit_overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Dataset:
    """The data of the GPU and paper sizes: a dataset of :func:`cnnlib.data.dataloaders`."""

    name: str
    description: str
    augment: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)


_CIFAR10 = _Dataset("cifar10", "CIFAR-10 (50,000 train with pad-4 crop + flip; validation = "
                    "the 10,000 test images)")
_CIFAR10_PLAIN = _Dataset("cifar10", "CIFAR-10 (50,000 train, no augmentation; validation = "
                          "the 10,000 test images)", augment=False)
_MNIST32 = _Dataset("mnist", "MNIST (60,000 train, 28x28 padded to 32x32, no augmentation; "
                    "validation = the 10,000 test images)", augment=False,
                    options=MappingProxyType(dict(size=32, channels=1)))


def _data(opts: RunOptions, dev: torch.device, cpu_data: Mapping[str, Any] = _CPU_DATA,
          dataset: _Dataset = _CIFAR10):
    from cnnlib import data

    if opts.size == "cpu":
        kw = dict(cpu_data)
        if opts.batch_size is not None:
            kw["batch_size"] = opts.batch_size
        train, val = data.digits(**kw)
        desc = (f"digits ({kw['size']}x{kw['size']}, offline, scikit-learn; "
                f"{len(train.dataset):,} train / {len(val.dataset):,} validation images)")
        return train, val, desc, kw
    kw = dict(batch_size=opts.batch_size or 128, **dataset.options)
    if dataset.name == "cifar10":
        kw["verify_md5"] = opts.verify_md5
    if opts.loader == "device":
        train, val = data.device_dataloaders(dataset.name, root=opts.root, download=opts.download,
                                             augment=dataset.augment, device=dev, **kw)
    else:
        kw["num_workers"] = opts.num_workers
        train, val = data.dataloaders(dataset.name, root=opts.root, download=opts.download,
                                      augment=dataset.augment, **kw)
    return train, val, dataset.description, dict(kw, dataset=dataset.name, augment=dataset.augment,
                                                 loader=opts.loader)


def _input_shape(loader) -> tuple[int, ...]:
    """``(channels, height, width)`` of the images a loader gives."""
    if isinstance(getattr(loader, "input_shape", None), tuple):
        return loader.input_shape
    return tuple(loader.dataset[0][0].shape)


def _shared_config(opts: RunOptions, recipe: _Recipe, device: torch.device) -> TrainConfig:
    """The TrainConfig every run of an experiment starts from."""
    settings = dict(recipe.schedule)
    if recipe.epochs is not None:
        settings["epochs"] = recipe.epochs
    settings["on_nonfinite"] = "stop"  # a diverging run is a result, not a crash
    if opts.size == "gpu" or recipe.accelerate:
        settings.update(_accelerated(device))
    settings.update(opts.fit)
    return TrainConfig(**settings, device=str(device), seed=opts.seed)


def _accelerated(device: torch.device) -> dict[str, Any]:
    """Mixed precision and channels-last on CUDA (bf16 where supported, else fp16 with a
    gradient scaler); fp32 elsewhere (bf16 autocast only pays off on CPUs with bf16 units)."""
    if device.type != "cuda":
        return dict(precision="fp32", channels_last=False)
    return dict(precision="bf16" if torch.cuda.is_bf16_supported() else "fp16", channels_last=True)


def _run_experiment(
    name: str,
    opts: RunOptions,
    runs: Mapping[str, _Run],
    recipe: _Recipe,
    *,
    plot_metrics: tuple[str, ...],
    cpu_data: Mapping[str, Any] = _CPU_DATA,
    dataset: _Dataset = _CIFAR10,
    validate: bool = True,
) -> "ExperimentResult | ExperimentPlan":
    """Train every run with the shared config; they differ only in their ``fit_overrides``.

    ``cpu_data``: the digits of the CPU size (:func:`cnnlib.data.digits` keywords);
    ``dataset``: the data of the GPU and paper sizes; ``validate=False`` trains without
    evaluating (an experiment about training error only).
    """
    dev = resolve_device(opts.device)
    train_loader, val_loader, dataset_desc, data_cfg = _data(opts, dev, cpu_data, dataset)
    if not validate:
        val_loader = None
    config = _shared_config(opts, recipe, dev)
    with _cpu_threads(recipe.threads, dev):
        plan = _plan(name, opts, runs, config, train_loader, val_loader, dev)
        if opts.dry_run:
            return plan
        print(plan, flush=True)  # before training starts: how long the chosen size will take
        histories: dict[str, History] = {}
        params: dict[str, int] = {}
        models: dict[str, nn.Module] = {}
        run_cfg: dict[str, Any] = {}
        t0 = time.perf_counter()
        for run_name, run in runs.items():
            run_config = config.replace(**run.fit_overrides)
            # Same seed for every run (unless the run sets its own): same initial RNG state for
            # the weights, the same order of batches, so the runs differ only in what the
            # experiment varies.
            seed_everything(run_config.seed)
            model = run.build()
            params[run_name] = sum(p.numel() for p in model.parameters())
            ckpt = _checkpoint_path(opts, name, run_name)
            resume = _resumable(ckpt, run_config)
            histories[run_name] = fit(model, train_loader, val_loader, run_config,
                                      checkpoint_path=ckpt, resume_from=resume,
                                      progress=opts.progress)
            models[run_name] = model
            run_cfg[run_name] = {"model": _describe(run.model_kwargs),
                                 "fit_overrides": dict(run.fit_overrides),
                                 "checkpoint": None if ckpt is None else str(ckpt),
                                 "resumed_at_epoch": None if resume is None else _epoch_of(resume)}
        seconds = time.perf_counter() - t0
    return ExperimentResult(
        name=name, size=opts.size, dataset=dataset_desc, device=str(dev), note=recipe.note,
        config={"fit": config.to_dict(), "data": _describe(data_cfg), "runs": run_cfg,
                "seed": opts.seed},
        histories=histories, params=params, seconds=seconds,
        plot_metrics=plot_metrics, plan=plan, models=models,
        input_shape=_input_shape(train_loader),
    )


@contextlib.contextmanager
def _cpu_threads(threads: int | None, dev: torch.device):
    """Train with ``threads`` torch CPU threads, and restore the number after: for the CPU
    demos' tiny models one thread is as fast as several and spares a shared machine."""
    if threads is None or dev.type != "cpu":
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# --------------------------------------------------------------------------------------
# Checkpoints (resume a run in a later session)
# --------------------------------------------------------------------------------------
def _checkpoint_path(opts: RunOptions, experiment: str, run_name: str) -> Path | None:
    folder = opts.checkpoint_dir
    if folder is None and opts.size == "paper":
        folder = "checkpoints"
    if folder is None:
        return None
    slug = re.sub(r"[^A-Za-z0-9.=-]+", "_", run_name).strip("_")
    return Path(folder).expanduser() / f"{experiment}-{opts.size}" / f"{slug}.pt"


#: Settings that may change between the sessions of one run (how it runs, not what it learns).
_RESUME_MAY_CHANGE = {"device", "compile", "max_val_steps"}


def _resumable(ckpt: Path | None, config: TrainConfig) -> Path | None:
    """``ckpt`` if it exists and was written by a run of the same settings; ``None`` if there
    is none. A checkpoint of other settings is an error that says what differs."""
    if ckpt is None or not ckpt.is_file():
        return None
    from cnnlib.train import load_checkpoint

    saved = load_checkpoint(ckpt).get("config", {})
    now = config.to_dict()
    differ = sorted(k for k in now if k not in _RESUME_MAY_CHANGE and k in saved
                    and saved[k] != now[k])
    if differ:
        detail = ", ".join(f"{k}: {saved[k]!r} then, {now[k]!r} now" for k in differ)
        raise ValueError(f"the checkpoint {str(ckpt)!r} is of a run with other settings "
                         f"({detail}); give another checkpoint_dir, or delete the file to "
                         f"start that run again")
    return ckpt


def _epoch_of(ckpt: Path) -> int:
    from cnnlib.train import load_checkpoint

    return int(load_checkpoint(ckpt)["epoch"])


# --------------------------------------------------------------------------------------
# The time estimate, measured before training
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExperimentPlan:
    """What an experiment will train, and how long that should take on this machine.

    ``seconds_per_step`` is measured per run: a few training steps of the run's model on
    batches from the experiment's own data loader, on the device it will train on (after one
    untimed warm-up step). The estimate multiplies it by the steps to take and adds
    validation at a third of a training step per batch. It leaves out torch.compile's
    compilation and a first epoch's slower start (workers, caches).
    """

    name: str
    size: str
    device: str
    epochs: dict[str, int]
    steps_per_epoch: int
    val_steps: int
    seconds_per_step: dict[str, float]
    done_epochs: dict[str, int] = field(default_factory=dict)

    @property
    def estimated_s(self) -> float:
        total = 0.0
        for run, t in self.seconds_per_step.items():
            left = self.epochs[run] - self.done_epochs.get(run, 0)
            total += max(left, 0) * (self.steps_per_epoch + self.val_steps / 3) * t
        return total

    def __str__(self) -> str:
        runs = len(self.epochs)
        epochs = sorted(set(self.epochs.values()))
        resumed = sum(1 for r, e in self.done_epochs.items() if e)
        more = f"; {resumed} run(s) resume from a checkpoint" if resumed else ""
        return (f"{self.name} ({self.size} size) on {self.device}: {runs} run(s) x "
                f"{'/'.join(map(str, epochs))} epoch(s) of {self.steps_per_epoch} steps{more}; "
                f"estimated {_duration(self.estimated_s)} (timed on this machine)")


def _duration(seconds: float) -> str:
    from cnnlib.timings import duration

    return duration(seconds)


def _device_name(dev: torch.device) -> str:
    if dev.type == "cuda":
        return f"{dev} ({torch.cuda.get_device_name(dev)})"
    return str(dev)


_TIMED_STEPS = 3


def _seconds_per_step(run: _Run, config: TrainConfig, loader, dev: torch.device) -> float:
    """Median time of a training step of ``run``'s model on batches from ``loader``."""
    from cnnlib.train import fit as _fit

    model = run.build()
    times: list[float] = []

    def timer(step, _model) -> None:
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
        times.append(time.perf_counter())

    cfg = config.replace(epochs=1, max_steps_per_epoch=_TIMED_STEPS + 1, max_val_steps=None,
                         schedule="constant", warmup_epochs=0, warmup_steps=None,
                         milestones=None, step_size=None, compile=False, seed=None)
    _fit(model, loader, None, cfg, step_callbacks=[timer], progress=False)
    gaps = sorted(b - a for a, b in zip(times, times[1:]))
    return gaps[len(gaps) // 2] if gaps else 0.0


def _plan(name: str, opts: RunOptions, runs: Mapping[str, _Run], config: TrainConfig,
          train_loader, val_loader, dev: torch.device) -> ExperimentPlan:
    rng = torch.get_rng_state()
    steps = len(train_loader) if config.max_steps_per_epoch is None else \
        min(len(train_loader), config.max_steps_per_epoch)
    if val_loader is None:
        val = 0
    else:
        val = len(val_loader) if config.max_val_steps is None else \
            min(len(val_loader), config.max_val_steps)
    epochs, per_step, done = {}, {}, {}
    for run_name, run in runs.items():
        run_config = config.replace(**run.fit_overrides)
        epochs[run_name] = run_config.epochs
        ckpt = _resumable(_checkpoint_path(opts, name, run_name), run_config)
        done[run_name] = 0 if ckpt is None else _epoch_of(ckpt)
        finished = done[run_name] >= run_config.epochs
        per_step[run_name] = 0.0 if finished else _seconds_per_step(run, run_config, train_loader, dev)
    torch.set_rng_state(rng)
    return ExperimentPlan(name, opts.size, _device_name(dev), epochs, steps, val, per_step, done)


def _describe(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Plain-data copy of keyword arguments (classes and functions by name)."""
    out: dict[str, Any] = {}
    for k, v in kwargs.items():
        if isinstance(v, (str, int, float, bool, type(None))):
            out[k] = v
        elif isinstance(v, (list, tuple)):
            out[k] = list(v)
        else:
            out[k] = getattr(v, "__name__", repr(v))
    return out


def _zoo(name: str, **kwargs: Any) -> Callable[[], nn.Module]:
    from cnnlib.registry import get_model

    return lambda: get_model(name, num_classes=10, **kwargs)


# --------------------------------------------------------------------------------------
# The experiments
# --------------------------------------------------------------------------------------
def degradation(size: str | None = None, *, depths: Sequence[int] = (20, 56),
                **options: Any) -> ExperimentResult:
    """Plain vs residual networks of growing depth (He et al. 2015, Fig. 1 and Fig. 6).

    The paper's observation: a deeper *plain* network has higher *training* error than a
    shallower one (degradation, not overfitting), while the residual twins get better with
    depth. Runs ``plain{d}`` and ``resnet{d}`` for each depth (same parameters; the ResNet's
    option-A shortcuts add none). ``size="paper"``: the paper's CIFAR-10 schedule
    (:data:`RESNET_CIFAR_SCHEDULE`); ``size="gpu"``: the short one. ``options``: see
    :class:`RunOptions`.
    """
    opts = RunOptions.parse(size, options)
    runs = {}
    for d in depths:
        for kind in ("plain", "resnet"):
            runs[f"{kind}{d}"] = _Run(_zoo(f"{kind}{d}"), {"name": f"{kind}{d}"})
    recipe = _resnet_recipe(opts.size, "degradation", "He et al. 2015 (arXiv:1512.03385) Sec. 4.2 schedule on "
                            "CIFAR-10; the paper reports test error with training error in Fig. 6.",
                            cpu_epochs=2, threads=1)  # 8x8 inputs: one CPU thread is as fast
    return _run_experiment("degradation", opts, runs, recipe,
                           plot_metrics=("train_error", "val_error"))


def batchnorm_ablation(size: str | None = None, *, model: str = "resnet20",
                       lrs: Sequence[float] | None = None, **options: Any) -> ExperimentResult:
    """The same network with BatchNorm and without (``norm_layer=nn.Identity``).

    Ioffe & Szegedy 2015 (arXiv:1502.03167) report that BatchNorm allows much higher learning
    rates and trains faster. Each learning rate in ``lrs`` (default: the schedule's, and a
    tenth of it) is run with and without BatchNorm. Without normalization the convolutions
    also lose the shift that BatchNorm supplied (``ConvNormAct`` adds no bias unless
    ``norm_layer`` is ``None``; the zoo's blocks have none). A run whose loss becomes NaN stops
    and records why (``history.stop_reason``). ``size="paper"`` uses the ResNet paper's CIFAR-10
    schedule; that BatchNorm ablation on CIFAR-10 is this course's, not a paper's.
    ``options``: see :class:`RunOptions`.
    """
    opts = RunOptions.parse(size, options)
    recipe = _resnet_recipe(opts.size, "batchnorm_ablation", "CIFAR-10 with the ResNet paper's schedule "
                            "(arXiv:1512.03385, Sec. 4.2); the BatchNorm paper's own "
                            "experiments are on MNIST and ImageNet.", cpu_epochs=3)
    base_lr = float(opts.fit.get("lr", recipe.schedule["lr"]))
    lrs = list(lrs) if lrs is not None else [base_lr, base_lr / 10]
    if not lrs or any(lr <= 0 for lr in lrs):
        raise ValueError(f"lrs must be positive learning rates, got {lrs}")
    runs = {}
    for lr in lrs:
        runs[f"BatchNorm, lr={lr:g}"] = _Run(_zoo(model), {"name": model}, {"lr": lr})
        runs[f"no norm, lr={lr:g}"] = _Run(_zoo(model, norm_layer=nn.Identity),
                                           {"name": model, "norm_layer": nn.Identity}, {"lr": lr})
    return _run_experiment("batchnorm_ablation", opts, runs, recipe,
                           plot_metrics=("train_loss", "val_acc"))


#: The activations :func:`activation_comparison` runs by default (``torch.nn`` classes).
ACTIVATIONS: dict[str, Callable[..., nn.Module]] = {
    "tanh": nn.Tanh,            # LeNet-5 and the networks before AlexNet
    "ReLU": nn.ReLU,            # Nair & Hinton 2010
    "LeakyReLU": nn.LeakyReLU,  # Maas et al. 2013 (slope 0.01)
    "ELU": nn.ELU,              # Clevert et al. 2015, arXiv:1511.07289
    "GELU": nn.GELU,            # Hendrycks & Gimpel 2016, arXiv:1606.08415
    "SiLU": nn.SiLU,            # Swish, Ramachandran et al. 2017, arXiv:1710.05941
}


def _activations(activations: Mapping[str, Callable[..., nn.Module]] | Sequence[str] | None,
                 ) -> dict[str, Callable[..., nn.Module]]:
    if activations is None:
        return dict(ACTIVATIONS)
    if isinstance(activations, Mapping):
        acts = dict(activations)
    else:
        unknown = [a for a in activations if a not in ACTIVATIONS]
        if unknown:
            raise ValueError(f"unknown activations {unknown}; known: {', '.join(ACTIVATIONS)} "
                             "(or pass a mapping name -> nn.Module class)")
        acts = {a: ACTIVATIONS[a] for a in activations}
    if not acts:
        raise ValueError("give at least one activation")
    return acts


def activation_comparison(
    size: str | None = None,
    *,
    model: str = "resnet20",
    activations: Mapping[str, Callable[..., nn.Module]] | Sequence[str] | None = None,
    **options: Any,
) -> ExperimentResult:
    """The same network with different activation functions (``act_layer``).

    ``activations``: names from :data:`ACTIVATIONS` or a mapping name -> ``nn.Module`` class
    (any factory ``act_layer()`` works, e.g. the from-scratch ones in ``cnnlib.layers``).
    Weights keep the He initialization derived for ReLU for every activation.
    ``options``: see :class:`RunOptions`.
    """
    opts = RunOptions.parse(size, options)
    runs = {name: _Run(_zoo(model, act_layer=act), {"name": model, "act_layer": act})
            for name, act in _activations(activations).items()}
    recipe = _resnet_recipe(opts.size, "activation_comparison", "CIFAR-10 with the ResNet paper's schedule "
                            "(arXiv:1512.03385, Sec. 4.2); the activation comparison itself "
                            "is this course's.", cpu_epochs=3)
    return _run_experiment("activation_comparison", opts, runs, recipe,
                           plot_metrics=("train_loss", "val_acc"))


def stochastic_depth(size: str | None = None, *, model: str | None = None,
                     drop_path_rate: float = 0.5, **options: Any) -> ExperimentResult:
    """A ResNet with and without stochastic depth (Huang et al. 2016, arXiv:1603.09382).

    ``drop_path_rate`` is the drop probability of the last block, 1 - p_L (the paper uses
    p_L = 0.5), decayed linearly towards the input. ``model``: ``"resnet110"`` at the paper
    size (the paper's network, 500 epochs), ``"resnet56"`` at the GPU size (20 epochs of the
    short schedule) and ``"resnet20"`` for the CPU demo by default. Stochastic depth is
    a regularizer: it slows fitting the training set, and its gain in test error appears over
    the paper's 500 epochs, not in a few (in our short CPU runs, ResNet-32 and ResNet-56
    with drop rate 0.5 stayed far below their twins without it; try ``model="resnet56"``).
    The paper's training-time saving comes from skipping dropped blocks; ``cnnlib``'s
    drop-path multiplies them by zero instead, so here both runs cost the same.
    ``options``: see :class:`RunOptions`.
    """
    opts = RunOptions.parse(size, options)
    if not 0.0 < drop_path_rate < 1.0:
        raise ValueError(f"drop_path_rate must be in (0, 1), got {drop_path_rate}")
    model = model or {"cpu": "resnet20", "gpu": "resnet56", "paper": "resnet110"}[opts.size]
    runs = {
        f"{model}": _Run(_zoo(model), {"name": model, "drop_path_rate": 0.0}),
        f"{model}, stochastic depth {drop_path_rate:g}": _Run(
            _zoo(model, drop_path_rate=drop_path_rate),
            {"name": model, "drop_path_rate": drop_path_rate}),
    }
    recipe = {"cpu": _Recipe(CPU_SCHEDULE, 6, _CPU_NOTE, threads=1),
              "gpu": _Recipe(GPU_SCHEDULE, GPU_EPOCHS["stochastic_depth"], _gpu_note(
                  "stochastic_depth", "the paper's 500 epochs of ResNet-110 (here ResNet-56)")),
              }.get(opts.size) or _Recipe(
        STOCHASTIC_DEPTH_SCHEDULE, None,
        "Huang et al. 2016 (arXiv:1603.09382) CIFAR-10 schedule: 500 epochs, lr 0.1 /10 at "
        "epochs 250 and 375, Nesterov momentum 0.9, weight decay 1e-4, batch 128. The "
        "authors' code holds out 5,000 training images for validation; here all 50,000 "
        "train and the 10,000 test images are the validation set.")
    return _run_experiment("stochastic_depth", opts, runs, recipe,
                           plot_metrics=("train_loss", "val_acc"))


# --------------------------------------------------------------------------------------
# The chapters' classroom experiments: small networks, one question each
# --------------------------------------------------------------------------------------
def _gpu_or_same(size: str, experiment: str, schedule: Mapping[str, Any], gpu_note: str,
                 no_paper: str) -> _Recipe:
    """The GPU recipe. At the paper size the same (mixed precision included, checkpointed):
    for an experiment whose papers published no setting for it to reproduce (``no_paper``)."""
    epochs = GPU_EPOCHS[experiment]
    if size == "gpu":
        return _Recipe(schedule, epochs, gpu_note)
    return _Recipe(schedule, epochs, f"The paper size is the GPU size here: {no_paper} {gpu_note}",
                   accelerate=True)


def _short(experiment: str, what: str) -> str:
    return f"GPU size: {what}, {GPU_EPOCHS[experiment]} epochs (a short schedule of this course's)."


_LENET_SCHEDULE: dict[str, Any] = dict(optimizer="adamw", schedule="cosine")


def lenet_c3_connections(size: str | None = None, **options: Any) -> ExperimentResult:
    """LeNet-5 with every C3 map connected to all six S2 maps, and with the paper's Table I.

    Runs ``"full C3"`` and ``"sparse C3 (Table I)"``: :func:`~cnnlib.models.lenet.lenet5`
    with ``sparse_c3`` off and on (LeCun et al. 1998), with the paper's tanh units and
    initialization, trained with a modern recipe: AdamW with a cosine decay (the paper used a
    stochastic diagonal Levenberg-Marquardt method, one image at a time).

    ``size="cpu"``: the digits upscaled to 1x32x32, batch 32, lr 3e-3, 6 epochs, one CPU
    thread. ``size="gpu"``: MNIST padded to 32x32 without distortions, batch 128, lr 1e-3,
    ``GPU_EPOCHS["lenet_c3_connections"]`` (10) epochs, half the paper's passes.
    ``size="paper"``: the paper's 20 passes over MNIST (Section III, which reports 0.95% test
    error without distortions), same recipe, fp32. ``options``: see :class:`RunOptions`.
    """
    opts = RunOptions.parse(size, options)
    runs = {name: _Run(_zoo("lenet5", sparse_c3=sparse), {"name": "lenet5", "sparse_c3": sparse})
            for name, sparse in (("full C3", False), ("sparse C3 (Table I)", True))}
    schedule_gpu = dict(_LENET_SCHEDULE, lr=1e-3)
    recipe = {
        "cpu": _Recipe(dict(_LENET_SCHEDULE, lr=3e-3), 6, _cpu_note(
            "MNIST, 60,000 28x28 digits, 20 passes", "size='gpu' (or CNNLIB_SIZE=gpu) trains "
            "on MNIST for 10 epochs, size='paper' for the paper's 20 passes"), threads=1),
        "gpu": _Recipe(schedule_gpu, GPU_EPOCHS["lenet_c3_connections"], _short(
            "lenet_c3_connections", "MNIST padded to 32x32, AdamW lr 1e-3 with a cosine decay")
            + " The paper trained for 20 passes (size='paper') and reports 0.95% test error."),
    }.get(opts.size) or _Recipe(
        schedule_gpu, 20, "LeCun et al. 1998, Section III: 20 passes over MNIST without "
        "distortions (0.95% test error published for LeNet-5). The optimizer is this course's "
        "AdamW with a cosine decay, batch 128, not the paper's stochastic diagonal "
        "Levenberg-Marquardt method with one image per step.")
    return _run_experiment("lenet_c3_connections", opts, runs, recipe,
                           plot_metrics=("train_loss", "val_acc"),
                           cpu_data=dict(size=32, channels=1, batch_size=32), dataset=_MNIST32)


def relu_vs_tanh(size: str | None = None, *, lrs: Sequence[float] = (0.01, 0.03, 0.1),
                 **options: Any) -> ExperimentResult:
    """The same network with tanh and with ReLU units, each at several learning rates: the
    experiment of AlexNet's Figure 1, read with :func:`steps_to_training_error`.

    Krizhevsky et al. 2012 (Fig. 1): a four-layer convolutional network with ReLUs reached
    25% training error on CIFAR-10 six times faster than the same network with tanh units,
    each at the learning rate that made it fastest, with no regularization of any kind. Here
    every run is SGD with momentum 0.9 at a constant learning rate from ``lrs``, without
    weight decay or augmentation, from PyTorch's default initialization for both activations
    (the same seed); nothing is validated, the figure is about training error. Runs
    ``"Tanh, lr=..."`` and ``"ReLU, lr=..."``.

    ``size="cpu"``: LeNet-5 (:func:`~cnnlib.models.lenet.lenet5_default_init`) on the digits
    upscaled to 1x32x32, batch 32, 20 "epochs" of 5 steps each (a point of the curve every
    5 steps), one CPU thread. ``size="gpu"``: :func:`~cnnlib.models.alexnet.four_layer_cifar_net`
    (our reading of the paper's network) on CIFAR-10, batch 128,
    ``GPU_EPOCHS["relu_vs_tanh"]`` (15) epochs, mixed precision on CUDA. ``size="paper"``:
    the same network for 40 epochs in fp32 (our choice: the paper does not say how long it
    trained). ``options``: see :class:`RunOptions`.
    """
    opts = RunOptions.parse(size, options)
    lrs = list(lrs)
    if not lrs or any(not lr > 0 for lr in lrs):
        raise ValueError(f"lrs must be positive learning rates, got {lrs}")
    from cnnlib.models.alexnet import four_layer_cifar_net
    from cnnlib.models.lenet import lenet5_default_init

    if opts.size == "cpu":
        def build(act):
            return lambda: lenet5_default_init(act, in_channels=1)
        model_name = "lenet5_default_init"
    else:
        def build(act):
            return lambda: four_layer_cifar_net(act)
        model_name = "four_layer_cifar_net"
    runs = {f"{act.__name__}, lr={lr:g}": _Run(build(act), {"name": model_name, "act_layer": act},
                                               {"lr": lr})
            for act in (nn.Tanh, nn.ReLU) for lr in lrs}
    sgd = dict(optimizer="sgd", momentum=0.9, weight_decay=0.0, schedule="constant", lr=lrs[0])
    recipe = {
        "cpu": _Recipe(dict(sgd, max_steps_per_epoch=5), 20, _cpu_note(
            "CIFAR-10 and a four-layer network, trained until 25% training error"), threads=1),
        "gpu": _Recipe(sgd, GPU_EPOCHS["relu_vs_tanh"], _short(
            "relu_vs_tanh", "CIFAR-10 without augmentation, a four-layer network "
            "(cnnlib.models.alexnet.four_layer_cifar_net), SGD at constant learning rates")
            + " A slow tanh run may not reach 25% training error in that time; size='paper' "
            "trains 40 epochs."),
    }.get(opts.size) or _Recipe(
        sgd, 40, "Krizhevsky et al. 2012, Fig. 1: a four-layer network on CIFAR-10, no "
        "regularization, each activation at its fastest learning rate. The network is our "
        "reading of it (cuda-convnet's four-layer example); 40 epochs and the learning-rate "
        "grid are this course's choices.")
    return _run_experiment("relu_vs_tanh", opts, runs, recipe, plot_metrics=("train_error",),
                           cpu_data=dict(size=32, channels=1, batch_size=32),
                           dataset=_CIFAR10_PLAIN, validate=False)


def steps_to_training_error(result: ExperimentResult, target: float = 0.25) -> dict[str, Any]:
    """Read a :func:`relu_vs_tanh` result as the paper's Figure 1: optimizer steps until the
    training error falls below ``target``, per run, and the speed-up of the fastest ReLU run
    over the fastest tanh run.

    The training error is recorded once per epoch (at the CPU size an epoch of 5 steps), as
    the average over that epoch's batches; a run's count is the step at the end of the first
    epoch whose error is below ``target``, ``None`` if there is none. The fastest run of an
    activation has the fewest steps, then the lowest final training error, then the smaller
    learning rate. Returns plain data: ``target``, ``steps_per_epoch``; ``runs``: for each
    run its ``activation``, ``lr``, ``steps`` and ``train_error`` (the curve) and
    ``steps_to_target``; ``fastest``: activation -> run; ``speedup``: the fastest tanh run's
    steps over the fastest ReLU run's (``None`` unless both reach the target).
    """
    if not 0 < target < 1:
        raise ValueError(f"target is a training error in (0, 1), got {target}")
    runs: dict[str, dict[str, Any]] = {}
    per_epoch = result.plan.steps_per_epoch if result.plan is not None else None
    for run, h in result.histories.items():
        n = per_epoch or (len(h.step_loss) // max(h.epochs, 1))
        errors = [1.0 - a for a in h.train_acc]
        steps = [(i + 1) * n for i in range(len(errors))]
        reached = next((s for s, e in zip(steps, errors) if e < target), None)
        cfg = result.config["runs"][run]
        runs[run] = {"activation": cfg["model"]["act_layer"], "lr": cfg["fit_overrides"]["lr"],
                     "steps": steps, "train_error": errors, "steps_to_target": reached}
    fastest: dict[str, str] = {}
    best: dict[str, tuple] = {}
    for run, r in runs.items():
        key = (r["steps_to_target"] if r["steps_to_target"] is not None else math.inf,
               r["train_error"][-1] if r["train_error"] else math.inf, r["lr"])
        if r["activation"] not in best or key < best[r["activation"]]:
            best[r["activation"]], fastest[r["activation"]] = key, run
    speedup = None
    if "Tanh" in fastest and "ReLU" in fastest:
        t, r = runs[fastest["Tanh"]]["steps_to_target"], runs[fastest["ReLU"]]["steps_to_target"]
        if t is not None and r is not None:
            speedup = t / r
    return {"target": target, "steps_per_epoch": per_epoch, "runs": runs, "fastest": fastest,
            "speedup": speedup}


def first_layer_stride(size: str | None = None, *, seeds: int | None = None,
                       **options: Any) -> ExperimentResult:
    """Two networks that differ only in their first layer: AlexNet's 11x11 filters at stride
    4 or ZFNet's 7x7 at stride 2 (:data:`FIRST_LAYERS`,
    :func:`~cnnlib.models.zfnet.first_layer_net`), each trained from ``seeds`` seeds (the
    run option ``seed``, ``seed + 1``, ...). Runs ``"<first layer>, seed <s>"``; the trained
    networks are in ``result.models`` (their first-layer filters, ``model[0].weight``).

    Zeiler & Fergus (arXiv:1311.2901, Sec. 4.1) made this change to AlexNet's first layer on
    ImageNet after looking at its filters; no paper trains this pair, so there is no published
    setting and ``size="paper"`` is the GPU size. ``size="cpu"``: the digits upscaled to
    1x16x16 (a stride of 4 leaves a 4x4 grid), batch 32, AdamW lr 3e-3 with a cosine decay,
    6 epochs, 2 seeds, one CPU thread. ``size="gpu"``: CIFAR-10, batch 128, AdamW lr 1e-3,
    ``GPU_EPOCHS["first_layer_stride"]`` (15) epochs, 1 seed. ``options``: see
    :class:`RunOptions`.
    """
    opts = RunOptions.parse(size, options)
    seeds = seeds if seeds is not None else (2 if opts.size == "cpu" else 1)
    if not (isinstance(seeds, int) and seeds >= 1):
        raise ValueError(f"seeds must be a positive number of seeds, got {seeds!r}")
    from cnnlib.models.zfnet import first_layer_net

    channels = 1 if opts.size == "cpu" else 3
    runs = {}
    for name, (k, stride, pad) in FIRST_LAYERS.items():
        for s in range(opts.seed, opts.seed + seeds):
            runs[f"{name}, seed {s}"] = _Run(
                lambda k=k, stride=stride, pad=pad: first_layer_net(k, stride, pad, in_channels=channels),
                {"name": "first_layer_net", "kernel": k, "stride": stride, "padding": pad,
                 "in_channels": channels}, {"seed": s})
    recipe = {
        "cpu": _Recipe(dict(optimizer="adamw", schedule="cosine", lr=3e-3), 6, _cpu_note(
            "ImageNet, 224x224; no paper trains this pair", "size='gpu' (or CNNLIB_SIZE=gpu) "
            "trains the pair on CIFAR-10"), threads=1),
    }.get(opts.size) or _gpu_or_same(
        opts.size, "first_layer_stride", dict(optimizer="adamw", schedule="cosine", lr=1e-3),
        _short("first_layer_stride", "CIFAR-10, AdamW lr 1e-3 with a cosine decay, one seed"),
        "ZFNet's comparison was on ImageNet and no paper trains this pair.")
    return _run_experiment("first_layer_stride", opts, runs, recipe,
                           plot_metrics=("train_loss", "val_acc"),
                           cpu_data=dict(size=16, channels=1, batch_size=32))


_VGG_SCHEDULE: dict[str, Any] = dict(optimizer="sgd", momentum=0.9, lr=0.05, weight_decay=5e-4,
                                     schedule="cosine")


def vgg_training(size: str | None = None, **options: Any) -> ExperimentResult:
    """Train a VGG network: stages of 3x3 convolutions (with BatchNorm), 2x2 max pools, an FC
    head (Simonyan & Zisserman, arXiv:1409.1556).

    ``size="cpu"``: VGG in miniature (:func:`~cnnlib.models.vgg.small_vgg`, 8-16-32 channels)
    on the digits upscaled to 3x16x16, batch 64, 4 epochs, one CPU thread. ``size="gpu"``: the
    zoo's ``vgg11_bn`` (configuration A with BatchNorm, as torchvision's) on CIFAR-10, batch
    128, ``GPU_EPOCHS["vgg_training"]`` (20) epochs. Both: SGD with momentum 0.9, lr 0.05, the
    paper's weight decay 5e-4, a warm-up (half an epoch; one epoch) and a cosine decay.
    VGG's published schedule is for ImageNet (Sec. 3.1: batch 256, lr 1e-2 divided by 10
    three times when the validation accuracy stopped improving, 74 epochs); there is no
    published CIFAR-10 one, so ``size="paper"`` is the GPU size. One run, named after the
    network. ``options``: see :class:`RunOptions`.
    """
    opts = RunOptions.parse(size, options)
    if opts.size == "cpu":
        from cnnlib.models.vgg import small_vgg

        runs = {"small_vgg": _Run(small_vgg, {"name": "small_vgg"})}
        recipe = _Recipe(dict(_VGG_SCHEDULE, warmup_epochs=0.5), 4, _cpu_note(
            "VGG-11 to VGG-19 on ImageNet, 224x224, 74 epochs", "size='gpu' (or CNNLIB_SIZE=gpu) "
            "trains vgg11_bn on CIFAR-10"), threads=1)
    else:
        runs = {"vgg11_bn": _Run(_zoo("vgg11_bn"), {"name": "vgg11_bn"})}
        recipe = _gpu_or_same(
            opts.size, "vgg_training", dict(_VGG_SCHEDULE, warmup_epochs=1),
            _short("vgg_training", "vgg11_bn on CIFAR-10, SGD lr 0.05, weight decay 5e-4, "
                   "one warm-up epoch and a cosine decay"),
            "VGG's published schedule is ImageNet's (74 epochs); there is none for CIFAR-10.")
    return _run_experiment("vgg_training", opts, runs, recipe,
                           plot_metrics=("train_loss", "val_acc"),
                           cpu_data=dict(size=16, channels=3, batch_size=64))


def inception_training(size: str | None = None, **options: Any) -> ExperimentResult:
    """Train a tiny Inception network (:func:`~cnnlib.models.googlenet.tiny_inception`: a 3x3
    stem, two Inception modules with BatchNorm and a max pool between them, global average
    pooling, one linear layer; no auxiliary classifiers).

    ``size="cpu"``: ``tiny_inception()`` (width 8) on the digits upscaled to 3x12x12, batch
    128, lr 0.1, half an epoch of warm-up, 5 epochs, one CPU thread. ``size="gpu"``: the same
    design four times wider (``width=32``) on CIFAR-10, batch 128, lr 0.05, one warm-up epoch,
    ``GPU_EPOCHS["inception_training"]`` (20) epochs. Both: SGD with momentum 0.9, weight
    decay 5e-4, cosine decay. GoogLeNet's published schedule trains the full network on
    ImageNet (Szegedy et al., arXiv:1409.4842, Sec. 6); none exists for this miniature, so
    ``size="paper"`` is the GPU size. One run, ``"tiny_inception"``. ``options``: see
    :class:`RunOptions`.
    """
    opts = RunOptions.parse(size, options)
    from cnnlib.models.googlenet import tiny_inception

    schedule = dict(optimizer="sgd", momentum=0.9, weight_decay=5e-4, schedule="cosine")
    if opts.size == "cpu":
        width = 8
        recipe = _Recipe(dict(schedule, lr=0.1, warmup_epochs=0.5), 5, _cpu_note(
            "GoogLeNet on ImageNet, 224x224", "size='gpu' (or CNNLIB_SIZE=gpu) trains a four "
            "times wider network on CIFAR-10"), threads=1)
    else:
        width = 32
        recipe = _gpu_or_same(
            opts.size, "inception_training", dict(schedule, lr=0.05, warmup_epochs=1),
            _short("inception_training", "tiny_inception(width=32) on CIFAR-10, SGD lr 0.05, "
                   "one warm-up epoch and a cosine decay"),
            "GoogLeNet's published schedule is for the full network on ImageNet.")
    runs = {"tiny_inception": _Run(lambda: tiny_inception(width), {"name": "tiny_inception",
                                                                   "width": width})}
    return _run_experiment("inception_training", opts, runs, recipe,
                           plot_metrics=("train_loss", "val_acc"),
                           cpu_data=dict(size=12, channels=3, batch_size=128))


def separable_convs(size: str | None = None, **options: Any) -> ExperimentResult:
    """The same small network with standard 3x3 convolutions and with depthwise separable ones
    (:func:`~cnnlib.models.mobilenet.small_mobilenet`; runs ``"standard 3x3"`` and
    ``"depthwise separable"``), like MobileNet's comparison with "Conv MobileNet" (Howard et al.
    2017, arXiv:1704.04861, Table 4, on ImageNet).

    ``size="cpu"``: the digits at their native 3x8x8, batch 64, AdamW lr 3e-3 with a cosine
    decay, 4 epochs, one CPU thread. ``size="gpu"``: CIFAR-10, batch 128, the course's short
    schedule (:data:`GPU_SCHEDULE`), ``GPU_EPOCHS["separable_convs"]`` (20) epochs. The paper
    compared full networks on ImageNet; there is no published setting for this pair, so
    ``size="paper"`` is the GPU size. ``options``: see :class:`RunOptions`.
    """
    opts = RunOptions.parse(size, options)
    from cnnlib.models.mobilenet import small_mobilenet

    runs = {label: _Run(lambda sep=sep: small_mobilenet(sep), {"name": "small_mobilenet",
                                                               "separable": sep})
            for label, sep in (("standard 3x3", False), ("depthwise separable", True))}
    recipe = {
        "cpu": _Recipe(dict(optimizer="adamw", schedule="cosine", lr=3e-3), 4, _cpu_note(
            "MobileNet and its standard-conv twin on ImageNet", "size='gpu' (or "
            "CNNLIB_SIZE=gpu) trains the pair on CIFAR-10"), threads=1),
    }.get(opts.size) or _gpu_or_same(
        opts.size, "separable_convs", GPU_SCHEDULE,
        _short("separable_convs", "CIFAR-10, this course's GPU_SCHEDULE"),
        "MobileNet's comparison is of full networks on ImageNet.")
    return _run_experiment("separable_convs", opts, runs, recipe,
                           plot_metrics=("train_loss", "val_acc"),
                           cpu_data=dict(size=8, channels=3, batch_size=64))


def random_search(size: str | None = None, *, candidates: int | None = None,
                  space: "SearchSpace | None" = None, **options: Any) -> ExperimentResult:
    """Random architecture search in the toy space of :mod:`cnnlib.search`: draw ``candidates``
    distinct architectures (:func:`cnnlib.search.sample_architectures` with the run option
    ``seed``), train each with the same short schedule and seed, then read them with
    :func:`search_candidates` (parameters, MACs, validation accuracy: the points of a Pareto
    plot). Runs are named by architecture (``16c5r-32c3``: 16 channels, 5x5, residual; then
    32 channels, 3x3).

    ``size="cpu"``: ``SearchSpace()`` (widths 8, 16, 32), 6 candidates, the digits at 3x8x8,
    batch 64, AdamW at a constant lr 1e-2, 3 epochs each, one CPU thread. ``size="gpu"``:
    widths 16 to 128, 12 candidates, CIFAR-10, batch 128, ``GPU_EPOCHS["random_search"]``
    (5) epochs each. The NAS papers' searches (their own spaces, thousands of GPU-days) are
    not a setting to reproduce here, so ``size="paper"`` is the GPU size. ``options``: see
    :class:`RunOptions`.
    """
    opts = RunOptions.parse(size, options)
    from cnnlib.models.tinynet import TinyNet
    from cnnlib.search import SearchSpace, sample_architectures

    if space is None:
        space = SearchSpace() if opts.size == "cpu" else SearchSpace(widths=(16, 32, 64, 128))
    n = candidates if candidates is not None else (6 if opts.size == "cpu" else 12)
    runs = {"-".join(map(str, arch)): _Run(lambda arch=arch: TinyNet(arch, in_channels=3),
                                           {"name": "TinyNet", "arch": "-".join(map(str, arch))})
            for arch in sample_architectures(space, n, seed=opts.seed)}
    schedule = dict(optimizer="adamw", lr=1e-2, schedule="constant")
    recipe = {
        "cpu": _Recipe(schedule, 3, _cpu_note(
            "the NAS papers search their own spaces on CIFAR-10 and ImageNet",
            "size='gpu' (or CNNLIB_SIZE=gpu) searches 12 candidates on CIFAR-10"), threads=1),
    }.get(opts.size) or _gpu_or_same(
        opts.size, "random_search", schedule,
        _short("random_search", f"{n} candidates with widths up to {max(space.widths)} on "
               "CIFAR-10, AdamW lr 1e-2"),
        "the published searches (their own spaces, thousands of GPU-days) are not a setting "
        "to reproduce here.")
    return _run_experiment("random_search", opts, runs, recipe,
                           plot_metrics=("train_loss", "val_acc"),
                           cpu_data=dict(size=8, channels=3, batch_size=64))


def search_candidates(result: ExperimentResult) -> list["Candidate"]:
    """The candidates of a :func:`random_search` result, in the order they were drawn, as
    :class:`cnnlib.search.Candidate`: architecture, parameters and MACs (:func:`cnnlib.summarize`
    at the result's input shape), final validation accuracy, seconds of training."""
    from cnnlib.search import Candidate
    from cnnlib.summary import summarize

    out = []
    for run, model in result.models.items():
        table = summarize(model, result.input_shape)
        h = result.histories[run]
        out.append(Candidate(tuple(model.arch), table.total_params, table.total_macs,
                             h.val_acc[-1] if h.val_acc else math.nan, h.total_time_s))
    return out


# --------------------------------------------------------------------------------------
# Training fast: the DAWNBench ResNet-9 (the network is the zoo's cnnlib.models.resnet9)
# --------------------------------------------------------------------------------------
def fast_cifar10_recipe(device: str | torch.device | None = None) -> dict[str, Any]:
    """``fit`` settings and batch size of the fast CIFAR-10 recipe for :func:`resnet9`.

    Follows the published runs, cited as published (not measured here):

    * David Page, "How to train your ResNet" (2018): ResNet-9, batch 512, 24 epochs, SGD
      with Nesterov momentum 0.9, weight decay 5e-4, learning rate rising linearly from 0 to
      0.4 over 5 epochs and back to 0 at epoch 24 (one-cycle); 94% test accuracy in 79 s
      on one V100 (part 4). Page's loss is summed over the batch with lr/512 and weight decay
      5e-4 x 512, the same update as a mean loss with lr 0.4 and weight decay 5e-4.
    * Label smoothing 0.2: Page's final "bag of tricks" (part 8) and Keller Jordan's
      airbench (arXiv:2404.00498; 94% in 3.29 s on one A100 with many more tricks).
    * Mixed precision (Page trained in fp16) and channels-last memory layout on CUDA; bf16
      where supported, else fp16 with a gradient scaler.

    Not included (so expect less than 94% / a slower run than published): cutout, the
    whitening and frozen-scale tricks, test-time flipping, EMA of the weights.
    """
    return dict(
        batch_size=512,
        fit=dict(epochs=GPU_EPOCHS["train_fast"], lr=0.4, optimizer="sgd", momentum=0.9,
                 nesterov=True, weight_decay=5e-4, schedule="onecycle", warmup_epochs=5,
                 label_smoothing=0.2, **_accelerated(resolve_device(device))),
    )


def train_fast(size: str | None = None, **options: Any) -> ExperimentResult:
    """Train :func:`resnet9` with :func:`fast_cifar10_recipe`.

    ``size="gpu"`` and ``size="paper"`` (the same: Page's recipe is already short): the
    full-width network on CIFAR-10, 24 epochs. ``size="cpu"``: a
    quarter-width ResNet-9 (16-32-64-128 channels) on the 16x16 digits for 5 epochs with
    the same recipe scaled to the short run (warm-up 1 epoch, batch 64), fp32.
    ``options``: see :class:`RunOptions` (``batch_size=None``: the recipe's).
    """
    opts = RunOptions.parse(size, options)
    opts = replace(opts, device=resolve_device(opts.device))
    recipe = fast_cifar10_recipe(opts.device)
    schedule = dict(recipe["fit"])
    if opts.size == "cpu":
        widths = (16, 32, 64, 128)
        schedule.update(epochs=5, warmup_epochs=1, precision="fp32", channels_last=False)
        batch_size, cpu_data = 64, dict(size=16, channels=3, batch_size=64)
        note = _CPU_NOTE
    else:
        widths = tuple(c for _, c, _ in RESNET9_STAGES)
        batch_size, cpu_data = recipe["batch_size"], _CPU_DATA
        note = ("Page's DAWNBench recipe (ResNet-9, 24 epochs, one-cycle to lr 0.4, batch 512) "
                "with label smoothing 0.2 and mixed precision; published: 94% in 79 s on a "
                "V100. This run's time and accuracy are what this machine measured.")
    opts = replace(opts, batch_size=opts.batch_size or batch_size)
    runs = {"resnet9": _Run(lambda: resnet9(widths=widths), {"name": "resnet9", "widths": list(widths)})}
    return _run_experiment("train_fast", opts, runs, _Recipe(schedule, None, note),
                           plot_metrics=("train_loss", "val_acc", "lr"), cpu_data=cpu_data)
