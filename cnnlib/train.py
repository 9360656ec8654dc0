"""Training: :func:`fit`, :func:`evaluate`, :class:`History` and learning-rate schedules.

One plain loop that a student can read top to bottom: SGD or AdamW; constant, step, cosine
or one-cycle learning rate with linear warm-up, updated every optimizer step; label
smoothing; gradient clipping; fp32, bf16 or fp16 mixed precision (fp16 with a gradient
scaler); channels-last memory format; ``torch.compile``; checkpoints that resume the run
exactly (model, optimizer, scheduler, scaler, counters, every RNG and the history).

``fit`` returns a :class:`History` of plain per-epoch lists; ``cnnlib.plots.plot_history``
draws it.
"""
from __future__ import annotations

import math
import os
import random
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import torch
from torch import nn

__all__ = [
    "History", "fit", "evaluate", "load_checkpoint", "lr_factor", "lr_schedule",
    "resolve_device", "seed_everything", "OPTIMIZERS", "SCHEDULES", "PRECISIONS",
]

OPTIMIZERS = ("sgd", "adamw")
SCHEDULES = ("constant", "step", "cosine", "onecycle")
PRECISIONS = ("fp32", "bf16", "fp16")
_CHECKPOINT_FORMAT = "cnnlib.train.checkpoint/1"

# A callback gets the history so far and the model after each epoch; returning True stops.
Callback = Callable[["History", nn.Module], Any]


# --------------------------------------------------------------------------------------
# History
# --------------------------------------------------------------------------------------
@dataclass
class History:
    """What happened during :func:`fit`, as plain lists (one entry per epoch unless noted).

    ``train_loss`` / ``train_acc`` are averaged over the epoch's training batches (the model
    changes during the epoch; dropout and augmentation are on). ``val_*`` are empty when no
    validation data was given. ``lr`` is the learning rate of each epoch's last step;
    ``step_lr`` / ``step_loss`` have one entry per optimizer step. ``images_per_sec`` counts
    training images per second of training time (data loading included, evaluation
    excluded); ``epoch_time_s`` is the whole epoch, evaluation included.
    """

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    images_per_sec: list[float] = field(default_factory=list)
    epoch_time_s: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    step_lr: list[float] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    stop_reason: str | None = None

    @property
    def epochs(self) -> int:
        """Number of completed epochs."""
        return len(self.train_loss)

    @property
    def best_val_acc(self) -> float | None:
        """Highest validation accuracy over the epochs (``None`` without validation data)."""
        return max(self.val_acc) if self.val_acc else None

    @property
    def best_epoch(self) -> int | None:
        """1-based epoch of :attr:`best_val_acc` (the first one, on ties)."""
        if not self.val_acc:
            return None
        return self.val_acc.index(max(self.val_acc)) + 1

    @property
    def total_time_s(self) -> float:
        return float(sum(self.epoch_time_s))

    def to_dict(self) -> dict[str, Any]:
        """A plain ``dict`` (JSON-serializable when the config is)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "History":
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown History fields: {sorted(unknown)}")
        return cls(**{k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in data.items()})

    def __repr__(self) -> str:
        parts = [f"epochs={self.epochs}"]
        if self.train_loss:
            parts.append(f"train_loss={self.train_loss[-1]:.4f}")
            parts.append(f"train_acc={self.train_acc[-1]:.4f}")
        if self.val_acc:
            parts.append(f"val_acc={self.val_acc[-1]:.4f}")
            parts.append(f"best_val_acc={self.best_val_acc:.4f}")
        if self.stop_reason:
            parts.append(f"stop_reason={self.stop_reason!r}")
        return f"History({', '.join(parts)})"


# --------------------------------------------------------------------------------------
# Devices, seeds
# --------------------------------------------------------------------------------------
def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """``None`` picks CUDA, then Apple MPS, then CPU; a name or device is checked."""
    if device is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"unknown device {device!r}; use 'cpu', 'cuda', 'cuda:0' or 'mps'") from err
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but torch.cuda.is_available() is False; "
                         "use device=None (auto) or 'cpu'")
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device {device!r} requested but MPS is not available; use 'cpu'")
    return dev


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy and torch (CPU and all GPUs).

    Call it before building a model to make the initial weights reproducible too;
    ``fit(seed=...)`` calls it before training.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device


def _rng_state() -> dict[str, Any]:
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "python": random.getstate(),
        # numpy's key array stored as an int64 tensor so the checkpoint loads with
        # torch.load(weights_only=True).
        "numpy": (kind, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        state["mps"] = torch.mps.get_rng_state()
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    if "mps" in state and torch.backends.mps.is_available():
        torch.mps.set_rng_state(state["mps"])


# --------------------------------------------------------------------------------------
# Learning-rate schedules
# --------------------------------------------------------------------------------------
def lr_factor(
    step: int,
    *,
    schedule: str,
    total_steps: int,
    warmup_steps: int = 0,
    milestone_steps: Sequence[int] = (),
    gamma: float = 0.1,
) -> float:
    """Multiplier of the base learning rate for optimizer step ``step`` (0-based).

    * warm-up (any schedule): step ``k < warmup_steps`` is scaled by ``(k + 1) / warmup_steps``
      (linear from ``lr / warmup_steps`` to ``lr``; Goyal et al. 2017, arXiv:1706.02677);
    * ``"constant"``: 1;
    * ``"step"``: ``gamma ** (number of milestones <= step)`` (the ResNet paper's "divide by
      10 at 32k and 48k iterations");
    * ``"cosine"``: ``(1 + cos(pi * t)) / 2`` with ``t`` going from 0 at the end of warm-up
      to 1 at ``total_steps`` (SGDR without restarts, Loshchilov & Hutter 2016, arXiv:1608.03983);
    * ``"onecycle"``: after the warm-up ramp, a straight line down to 0 at ``total_steps``
      (the triangular one-cycle policy, Smith & Topin 2017, arXiv:1708.07120, as used for the
      DAWNBench ResNet-9: up for 5 epochs, down to 0 at 24).
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")
    warm = (step + 1) / warmup_steps if step < warmup_steps else 1.0
    if schedule == "constant":
        decay = 1.0
    elif schedule == "step":
        decay = gamma ** sum(step >= m for m in milestone_steps)
    elif step < warmup_steps:
        decay = 1.0
    else:
        t = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        decay = 0.5 * (1.0 + math.cos(math.pi * t)) if schedule == "cosine" else max(0.0, 1.0 - t)
    return warm * decay


@dataclass(frozen=True)
class _ScheduleSpec:
    schedule: str
    total_steps: int
    warmup_steps: int
    milestone_steps: tuple[int, ...]
    gamma: float

    def factor(self, step: int) -> float:
        return lr_factor(step, schedule=self.schedule, total_steps=self.total_steps,
                         warmup_steps=self.warmup_steps, milestone_steps=self.milestone_steps,
                         gamma=self.gamma)


def _schedule_spec(
    *, schedule: str, epochs: int, steps_per_epoch: int | None, warmup_epochs: float,
    warmup_steps: int | None, step_size: float | None, milestones: Sequence[float] | None,
    gamma: float,
) -> _ScheduleSpec:
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")
    if warmup_epochs < 0:
        raise ValueError(f"warmup_epochs must be >= 0, got {warmup_epochs}")
    if warmup_steps is not None and warmup_steps < 0:
        raise ValueError(f"warmup_steps must be >= 0, got {warmup_steps}")
    if warmup_steps and warmup_epochs:
        raise ValueError("give warmup_epochs or warmup_steps, not both")
    needs_length = schedule != "constant" or warmup_epochs > 0
    if steps_per_epoch is None:
        if needs_length:
            raise ValueError(
                f"schedule={schedule!r} (or warmup_epochs) needs the number of steps per epoch, "
                "but train_data has no len(); pass max_steps_per_epoch=..."
            )
        steps_per_epoch = 1  # unused by a constant schedule without epoch-based warm-up
    total = epochs * steps_per_epoch
    warm = warmup_steps if warmup_steps is not None else round(warmup_epochs * steps_per_epoch)
    milestone_steps: tuple[int, ...] = ()
    if schedule == "step":
        if (step_size is None) == (milestones is None):
            raise ValueError("schedule='step' needs exactly one of step_size=E (decay every E "
                             "epochs) or milestones=[e1, e2, ...] (epochs, floats allowed)")
        if not 0 < gamma <= 1:
            raise ValueError(f"gamma must be in (0, 1], got {gamma}")
        if step_size is not None:
            if step_size <= 0:
                raise ValueError(f"step_size must be > 0 epochs, got {step_size}")
            every = max(1, round(step_size * steps_per_epoch))
            milestone_steps = tuple(range(every, total, every))
        else:
            epochs_at = list(milestones or ())
            if any(m <= 0 for m in epochs_at):
                raise ValueError(f"milestones must be positive epochs, got {epochs_at}")
            milestone_steps = tuple(sorted(round(m * steps_per_epoch) for m in epochs_at))
    elif step_size is not None or milestones is not None:
        raise ValueError(f"step_size/milestones only apply to schedule='step', not {schedule!r}")
    if schedule == "onecycle" and warm == 0:
        # torch.optim.lr_scheduler.OneCycleLR's default pct_start: 30% of training going up.
        warm = max(1, round(0.3 * total))
    if warm > total and needs_length:
        raise ValueError(f"warm-up ({warm} steps) is longer than training ({total} steps)")
    return _ScheduleSpec(schedule, total, warm, milestone_steps, gamma)


def lr_schedule(
    *,
    lr: float,
    epochs: int,
    steps_per_epoch: int,
    schedule: str = "constant",
    warmup_epochs: float = 0.0,
    warmup_steps: int | None = None,
    step_size: float | None = None,
    milestones: Sequence[float] | None = None,
    gamma: float = 0.1,
) -> list[float]:
    """The learning rate of every optimizer step that :func:`fit` would use (for plots)."""
    spec = _schedule_spec(schedule=schedule, epochs=epochs, steps_per_epoch=steps_per_epoch,
                          warmup_epochs=warmup_epochs, warmup_steps=warmup_steps,
                          step_size=step_size, milestones=milestones, gamma=gamma)
    return [lr * spec.factor(k) for k in range(spec.total_steps)]


# --------------------------------------------------------------------------------------
# Precision and batches
# --------------------------------------------------------------------------------------
def _check_precision(precision: str, device: torch.device) -> None:
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    if precision == "fp16" and device.type == "cpu":
        raise ValueError("precision='fp16' needs a GPU (CPU autocast and GradScaler work in "
                         "bfloat16); on CPU use precision='bf16' or 'fp32'")
    if precision == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ValueError("this GPU does not support bfloat16; use precision='fp16'")


def _autocast(precision: str, device: torch.device):
    if precision == "fp32":
        return torch.autocast(device_type=device.type, enabled=False)
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype)


def _unpack(batch: Any) -> tuple[torch.Tensor, torch.Tensor]:
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    raise ValueError(
        "each batch must be a pair (images, labels), as a DataLoader over a classification "
        f"dataset yields; got {type(batch).__name__}"
        + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else "")
    )


def _to_device(x: torch.Tensor, y: torch.Tensor, device: torch.device, channels_last: bool):
    non_blocking = device.type == "cuda"
    x = x.to(device, non_blocking=non_blocking)
    if channels_last and x.dim() == 4:
        x = x.contiguous(memory_format=torch.channels_last)
    return x, y.to(device, non_blocking=non_blocking)


def _sum_dtype(device: torch.device) -> torch.dtype:
    # Loss sums in float64 (exact enough over any epoch); MPS has no float64.
    return torch.float32 if device.type == "mps" else torch.float64


def _model_device(model: nn.Module) -> torch.device:
    for t in model.parameters():
        return t.device
    for t in model.buffers():
        return t.device
    return torch.device("cpu")


# --------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------
@torch.no_grad()
def evaluate(
    model: nn.Module,
    data: Iterable,
    *,
    device: str | torch.device | None = None,
    precision: str = "fp32",
    label_smoothing: float = 0.0,
    channels_last: bool = False,
    max_steps: int | None = None,
) -> dict[str, float | int]:
    """Mean loss and accuracy of ``model`` over ``data`` in eval mode: ``{loss, acc, n}``.

    ``device=None`` uses the device the model is on; a given device moves the model there.
    The model's train/eval mode is restored afterwards.
    """
    dev = _model_device(model) if device is None else resolve_device(device)
    _check_precision(precision, dev)
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}")
    if device is not None:
        model.to(dev)
    was_training = model.training
    model.eval()
    criterion = nn.CrossEntropyLoss(reduction="sum", label_smoothing=label_smoothing)
    loss_sum = torch.zeros((), device=dev, dtype=_sum_dtype(dev))
    correct = torch.zeros((), device=dev, dtype=torch.int64)
    n = 0
    try:
        for i, batch in enumerate(data):
            if max_steps is not None and i >= max_steps:
                break
            x, y = _to_device(*_unpack(batch), dev, channels_last)
            with _autocast(precision, dev):
                out = model(x)
            out = out.float()
            loss_sum += criterion(out, y).to(loss_sum.dtype)
            correct += (out.argmax(dim=1) == y).sum()
            n += y.shape[0]
    finally:
        model.train(was_training)
    if n == 0:
        raise ValueError("evaluate got no batches")
    return {"loss": loss_sum.item() / n, "acc": correct.item() / n, "n": n}


# --------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------
def _make_optimizer(model: nn.Module, name: str, *, lr: float, momentum: float,
                    weight_decay: float, nesterov: bool,
                    betas: tuple[float, float]) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("the model has no trainable parameters")
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay,
                               nesterov=nesterov)
    return torch.optim.AdamW(params, lr=lr, betas=betas, weight_decay=weight_decay)


def _len_or_none(data: Any) -> int | None:
    try:
        return len(data)
    except TypeError:
        return None


def _save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)  # atomic: a crash mid-save never leaves a half-written checkpoint


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint written by :func:`fit` (with ``torch.load(weights_only=True)``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(ckpt, dict) or ckpt.get("format") != _CHECKPOINT_FORMAT:
        raise ValueError(f"{str(path)!r} is not a checkpoint written by cnnlib.train.fit")
    return ckpt


def fit(
    model: nn.Module,
    train_data: Iterable,
    val_data: Iterable | None = None,
    *,
    epochs: int,
    lr: float,
    optimizer: str = "sgd",
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    nesterov: bool = False,
    betas: tuple[float, float] = (0.9, 0.999),
    schedule: str = "constant",
    warmup_epochs: float = 0.0,
    warmup_steps: int | None = None,
    step_size: float | None = None,
    milestones: Sequence[float] | None = None,
    gamma: float = 0.1,
    label_smoothing: float = 0.0,
    grad_clip: float | None = None,
    precision: str = "fp32",
    channels_last: bool = False,
    compile: bool = False,
    device: str | torch.device | None = None,
    seed: int | None = None,
    checkpoint_path: str | os.PathLike | None = None,
    resume_from: str | os.PathLike | None = None,
    progress: bool = True,
    max_steps_per_epoch: int | None = None,
    max_val_steps: int | None = None,
    callbacks: Sequence[Callback] = (),
    on_nonfinite: str = "raise",
) -> History:
    """Train ``model`` on ``train_data`` for ``epochs`` epochs; return its :class:`History`.

    ``train_data`` / ``val_data``: a DataLoader or any re-iterable of ``(images, labels)``
    batches. The model is moved to ``device`` (``None``: CUDA, then MPS, then CPU) and
    trained in place. The learning rate follows ``schedule`` (see :func:`lr_factor`) and is
    updated every step; ``warmup_epochs`` (floats allowed) or ``warmup_steps`` add a linear
    warm-up; ``step_size`` / ``milestones`` are in epochs. ``precision``: ``"fp32"``,
    ``"bf16"`` (autocast; CPU too) or ``"fp16"`` (autocast + ``torch.amp.GradScaler``; GPU
    only). ``grad_clip`` clips the global gradient norm. ``seed`` calls
    :func:`seed_everything` first (data order, dropout, augmentation; seed before building
    the model for identical initial weights too).

    ``checkpoint_path`` is rewritten after every epoch with everything needed to continue:
    ``fit(..., resume_from=path)`` restores model, optimizer, scheduler, scaler, counters,
    RNG states and history, and continues at the next epoch as if never stopped (bit for
    bit on CPU with ``num_workers=0``; DataLoader worker processes keep their own random
    state for augmentation, and GPU kernels need not be deterministic).
    ``max_steps_per_epoch`` / ``max_val_steps`` cap batches per epoch (quick runs).
    ``callbacks`` are called as ``cb(history, model)`` after each epoch; one that returns
    ``True`` stops training. ``on_nonfinite="raise"`` raises if an epoch's loss is NaN/inf;
    ``"stop"`` ends training and records why in ``history.stop_reason``.
    """
    # ---- check the arguments ---------------------------------------------------------
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs <= 0:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    if not (isinstance(lr, (int, float)) and lr > 0 and math.isfinite(lr)):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must be in [0, 1), got {momentum}")
    if weight_decay < 0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
    if nesterov and (optimizer != "sgd" or momentum == 0):
        raise ValueError("nesterov=True needs optimizer='sgd' with momentum > 0")
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}")
    if grad_clip is not None and not grad_clip > 0:
        raise ValueError(f"grad_clip must be a positive max norm or None, got {grad_clip}")
    for name, value in (("max_steps_per_epoch", max_steps_per_epoch),
                        ("max_val_steps", max_val_steps)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
    if on_nonfinite not in ("raise", "stop"):
        raise ValueError(f"on_nonfinite must be 'raise' or 'stop', got {on_nonfinite!r}")
    if not isinstance(train_data, Iterable):
        raise ValueError("train_data must be a DataLoader or an iterable of (images, labels)")
    dev = resolve_device(device)
    _check_precision(precision, dev)

    n_batches = _len_or_none(train_data)
    if n_batches == 0:
        raise ValueError("train_data is empty")
    if n_batches is None:
        steps_per_epoch = max_steps_per_epoch  # None if not given: only a constant lr works
    else:
        steps_per_epoch = min(n_batches, max_steps_per_epoch or n_batches)
    spec = _schedule_spec(schedule=schedule, epochs=epochs, steps_per_epoch=steps_per_epoch,
                          warmup_epochs=warmup_epochs, warmup_steps=warmup_steps,
                          step_size=step_size, milestones=milestones, gamma=gamma)

    config = dict(
        epochs=epochs, lr=lr, optimizer=optimizer, momentum=momentum, weight_decay=weight_decay,
        nesterov=nesterov, betas=tuple(betas), schedule=schedule, warmup_epochs=warmup_epochs,
        warmup_steps=spec.warmup_steps, step_size=step_size,
        milestones=list(milestones) if milestones is not None else None, gamma=gamma,
        label_smoothing=label_smoothing, grad_clip=grad_clip, precision=precision,
        channels_last=channels_last, compile=compile, device=str(dev), seed=seed,
        steps_per_epoch=steps_per_epoch, max_steps_per_epoch=max_steps_per_epoch,
        model=type(model).__name__,
        params=sum(p.numel() for p in model.parameters()),
    )

    # ---- set up ----------------------------------------------------------------------
    if seed is not None:
        seed_everything(seed)
    model.to(dev)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    opt = _make_optimizer(model, optimizer, lr=lr, momentum=momentum,
                          weight_decay=weight_decay, nesterov=nesterov, betas=betas)

    def factor(step: int) -> float:  # a plain function: LambdaLR saves no state for it
        return spec.factor(step)

    scheduler = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    scaler = torch.amp.GradScaler(dev.type, enabled=precision == "fp16")
    criterion = nn.CrossEntropyLoss(label_smoothing=label_smoothing)
    history = History(config=config)
    start_epoch, global_step = 0, 0

    if resume_from is not None:
        ckpt = load_checkpoint(resume_from)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        scaler.load_state_dict(ckpt["scaler"])
        start_epoch, global_step = int(ckpt["epoch"]), int(ckpt["step"])
        history = History.from_dict(ckpt["history"])
        history.config = config
        _set_rng_state(ckpt["rng"])  # last, so nothing above consumes random numbers

    train_model = torch.compile(model) if compile else model
    ckpt_path = Path(checkpoint_path) if checkpoint_path is not None else None

    from tqdm.auto import tqdm

    total = epochs * steps_per_epoch if steps_per_epoch is not None else None
    bar = tqdm(total=total, initial=min(global_step, total or global_step), disable=not progress,
               unit="step", dynamic_ncols=True)
    postfix_every = max(1, (steps_per_epoch or 50) // 10)

    try:
        for epoch in range(start_epoch, epochs):
            bar.set_description(f"epoch {epoch + 1}/{epochs}")
            model.train()
            t0 = time.perf_counter()
            loss_sum = torch.zeros((), device=dev, dtype=_sum_dtype(dev))
            correct = torch.zeros((), device=dev, dtype=torch.int64)
            seen = 0
            step_losses: list[torch.Tensor] = []
            for i, batch in enumerate(train_data):
                if max_steps_per_epoch is not None and i >= max_steps_per_epoch:
                    break
                x, y = _to_device(*_unpack(batch), dev, channels_last)
                with _autocast(precision, dev):
                    out = train_model(x)
                loss = criterion(out.float(), y)
                opt.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                if grad_clip is not None:
                    scaler.unscale_(opt)
                    nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
                history.step_lr.append(opt.param_groups[0]["lr"])
                scaler.step(opt)
                scaler.update()
                scheduler.step()
                global_step += 1

                loss = loss.detach()
                step_losses.append(loss)
                loss_sum += loss.to(loss_sum.dtype) * y.shape[0]
                correct += (out.detach().argmax(dim=1) == y).sum()
                seen += y.shape[0]
                bar.update(1)
                if progress and (i + 1) % postfix_every == 0:
                    bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
            if seen == 0:
                raise ValueError(
                    f"train_data produced no batches in epoch {epoch + 1}; pass a DataLoader or "
                    "another re-iterable (a generator is used up after one epoch)"
                )
            if dev.type == "cuda":
                torch.cuda.synchronize(dev)
            train_time = time.perf_counter() - t0

            history.step_loss.extend(torch.stack(step_losses).float().cpu().tolist())
            history.train_loss.append(loss_sum.item() / seen)
            history.train_acc.append(correct.item() / seen)
            history.lr.append(history.step_lr[-1])
            history.images_per_sec.append(seen / train_time)
            if val_data is not None:
                result = evaluate(train_model, val_data, precision=precision,
                                  label_smoothing=label_smoothing, channels_last=channels_last,
                                  max_steps=max_val_steps)
                history.val_loss.append(result["loss"])
                history.val_acc.append(result["acc"])
            history.epoch_time_s.append(time.perf_counter() - t0)

            postfix = dict(loss=f"{history.train_loss[-1]:.3f}", acc=f"{history.train_acc[-1]:.3f}")
            if history.val_acc:
                postfix["val_acc"] = f"{history.val_acc[-1]:.3f}"
            bar.set_postfix(postfix)

            stop = False
            if not math.isfinite(history.train_loss[-1]):
                msg = (f"training loss became {history.train_loss[-1]} in epoch {epoch + 1}; "
                       "try a smaller lr, warm-up, grad_clip or precision='fp32'")
                if on_nonfinite == "raise":
                    raise FloatingPointError(msg)
                history.stop_reason = msg
                stop = True
            for cb in callbacks:
                if cb(history, model) is True:
                    history.stop_reason = (history.stop_reason
                                           or f"stopped by {_name(cb)} after epoch {epoch + 1}")
                    stop = True
            if ckpt_path is not None:
                _save_checkpoint(ckpt_path, {
                    "format": _CHECKPOINT_FORMAT,
                    "model": model.state_dict(),
                    "optimizer": opt.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "scaler": scaler.state_dict(),
                    "epoch": epoch + 1,
                    "step": global_step,
                    "history": history.to_dict(),
                    "rng": _rng_state(),
                })
            if stop:
                break
    finally:
        bar.close()
    return history


def _name(obj: Any) -> str:
    return getattr(obj, "__name__", type(obj).__name__)

