"""Training: :func:`fit`, :class:`TrainConfig`, :func:`evaluate`, :class:`History` and
learning-rate schedules.

One plain loop that a student can read top to bottom: SGD or AdamW; constant, step, cosine
or one-cycle learning rate with linear warm-up, updated every optimizer step; label
smoothing; gradient clipping; fp32, bf16 or fp16 mixed precision (fp16 with a gradient
scaler); channels-last memory format; ``torch.compile``; checkpoints that resume the run
exactly (model, optimizer, scheduler, scaler, counters, every RNG and the history).

Every setting lives in one frozen, checked :class:`TrainConfig`; ``fit`` also takes them as
keywords. Step and epoch callbacks can watch the run and stop it. ``fit`` returns a
:class:`History` of plain per-epoch lists; ``cnnlib.plots.plot_history`` draws it.
"""
from __future__ import annotations

import difflib
import math
import numbers
import os
import random
import time
from dataclasses import asdict, dataclass, field, fields, replace
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import torch
from torch import nn

__all__ = [
    "History", "TrainConfig", "ConfigError", "Step", "fit", "evaluate", "load_checkpoint",
    "lr_factor", "lr_schedule", "resolve_device", "seed_everything", "OPTIMIZERS", "SCHEDULES",
    "PRECISIONS", "RUN_FACTS",
]

OPTIMIZERS = ("sgd", "adamw")
SCHEDULES = ("constant", "step", "cosine", "onecycle")
PRECISIONS = ("fp32", "bf16", "fp16")
_CHECKPOINT_FORMAT = "cnnlib.train.checkpoint/1"


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
    excluded); ``epoch_time_s`` is the whole epoch, evaluation included. ``config`` is the
    run's :meth:`TrainConfig.to_dict` plus the facts named in :data:`RUN_FACTS`.
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
# The configuration
# --------------------------------------------------------------------------------------
class ConfigError(ValueError):
    """A training setting with a value it does not allow; ``field`` names the setting,
    ``allowed`` says in words what it allows and ``value`` is what it got."""

    def __init__(self, name: str, value: Any, allowed: str, *, unknown: bool = False,
                 hint: str = "") -> None:
        self.field, self.value, self.allowed = name, value, allowed
        head = f"unknown {name} {value!r}; " if unknown else ""
        tail = f" ({hint})" if hint else ""
        super().__init__(f"{head}{name} must be {allowed}, got {value!r}{tail}")


def _choices(values: Sequence[str]) -> str:
    return "one of " + ", ".join(repr(v) for v in values)


def _is_int(v: Any) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _is_real(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)


def _check_choice(name: str, value: Any, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ConfigError(name, value, _choices(choices), unknown=True)


def _check_number(name: str, value: Any, allowed: str, ok: Callable[[float], bool],
                  *, optional: bool = False) -> None:
    if optional and value is None:
        return
    if not (_is_real(value) and ok(value)):
        raise ConfigError(name, value, allowed)


def _check_count(name: str, value: Any, *, minimum: int, optional: bool) -> None:
    if optional and value is None:
        return
    if not (_is_int(value) and value >= minimum):
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ConfigError(name, value, what + (" or None" if optional else ""))


def _check_flag(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ConfigError(name, value, "True or False")


def _check_schedule(*, schedule: str, warmup_epochs: float, warmup_steps: int | None,
                    step_size: float | None, milestones: Sequence[float] | None,
                    gamma: float) -> None:
    """The schedule settings that can be checked without knowing the epoch length."""
    _check_choice("schedule", schedule, SCHEDULES)
    _check_number("warmup_epochs", warmup_epochs, "a number of epochs >= 0", lambda v: v >= 0)
    _check_count("warmup_steps", warmup_steps, minimum=0, optional=True)
    if warmup_steps and warmup_epochs:
        raise ConfigError("warmup_steps", warmup_steps, "None or 0 when warmup_epochs is set",
                          hint="give warmup_epochs or warmup_steps, not both")
    _check_number("gamma", gamma, "a factor in (0, 1]", lambda v: 0 < v <= 1)
    if schedule != "step":
        for name, value in (("step_size", step_size), ("milestones", milestones)):
            if value is not None:
                raise ConfigError(name, value, "None unless schedule='step'",
                                  hint=f"step_size/milestones only apply to schedule='step', "
                                       f"not {schedule!r}")
        return
    if (step_size is None) == (milestones is None):
        raise ConfigError("step_size", step_size, "set if and only if milestones is None",
                          hint="schedule='step' needs exactly one of step_size=E (decay every E "
                               "epochs) or milestones=[e1, e2, ...] (epochs, floats allowed)")
    _check_number("step_size", step_size, "a positive number of epochs", lambda v: v > 0,
                  optional=True)
    if milestones is not None and not all(_is_real(m) and m > 0 for m in milestones):
        raise ConfigError("milestones", list(milestones), "a list of positive epochs")


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """How :func:`fit` trains: every setting, checked when the object is made.

    Frozen: :meth:`replace` makes a changed copy. Plain data: :meth:`to_dict` is what
    ``History.config`` and a checkpoint's ``"config"`` hold, and :meth:`from_dict` reads it
    back. A value it does not allow raises :class:`ConfigError` (a ``ValueError``) that names
    the field and what it allows. What needs the data or the machine (a warm-up longer than
    training, fp16 on a CPU, a missing GPU) is checked by :func:`fit`.
    """

    epochs: int                                   # passes over the training data
    lr: float                                     # base (peak) learning rate
    optimizer: str = "sgd"                        # one of OPTIMIZERS
    momentum: float = 0.9                         # SGD only; in [0, 1)
    weight_decay: float = 0.0                     # >= 0
    nesterov: bool = False                        # SGD with momentum > 0 only
    betas: tuple[float, float] = (0.9, 0.999)     # AdamW only
    schedule: str = "constant"                    # one of SCHEDULES (see lr_factor)
    warmup_epochs: float = 0.0                    # linear warm-up in epochs (floats allowed) ...
    warmup_steps: int | None = None               # ... or in optimizer steps; not both
    step_size: float | None = None                # schedule="step": decay every step_size epochs ...
    milestones: tuple[float, ...] | None = None   # ... or at these epochs
    gamma: float = 0.1                            # schedule="step": factor per decay, in (0, 1]
    label_smoothing: float = 0.0                  # in [0, 1)
    grad_clip: float | None = None                # max global gradient norm
    precision: str = "fp32"                       # one of PRECISIONS
    channels_last: bool = False                   # channels-last memory format
    compile: bool = False                         # train a torch.compile'd model
    device: str | None = None                     # None: CUDA, then MPS, then CPU
    seed: int | None = None                       # seed_everything(seed) before training
    max_steps_per_epoch: int | None = None        # cap on training batches per epoch
    max_val_steps: int | None = None              # cap on validation batches
    on_nonfinite: str = "raise"                   # NaN/inf epoch loss: "raise" or "stop"

    def __post_init__(self) -> None:
        self._normalize()
        self._check_training()
        _check_schedule(schedule=self.schedule, warmup_epochs=self.warmup_epochs,
                        warmup_steps=self.warmup_steps, step_size=self.step_size,
                        milestones=self.milestones, gamma=self.gamma)
        self._check_run()

    def _normalize(self) -> None:
        # Frozen: plain tuples and a device name, so that the object is hashable plain data.
        set_ = partial(object.__setattr__, self)
        if isinstance(self.betas, (list, tuple)):
            set_("betas", tuple(self.betas))
        if isinstance(self.milestones, (list, tuple)):
            set_("milestones", tuple(self.milestones))
        if isinstance(self.device, torch.device):
            set_("device", str(self.device))

    def _check_training(self) -> None:
        _check_count("epochs", self.epochs, minimum=1, optional=False)
        _check_number("lr", self.lr, "a positive number", lambda v: v > 0)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_number("momentum", self.momentum, "in [0, 1)", lambda v: 0 <= v < 1)
        _check_number("weight_decay", self.weight_decay, "a number >= 0", lambda v: v >= 0)
        _check_flag("nesterov", self.nesterov)
        if self.nesterov and (self.optimizer != "sgd" or self.momentum == 0):
            raise ConfigError("nesterov", True, "False unless optimizer='sgd' with momentum > 0")
        betas = self.betas
        if not (isinstance(betas, tuple) and len(betas) == 2
                and all(_is_real(b) and 0 <= b < 1 for b in betas)):
            raise ConfigError("betas", self.betas, "a pair of numbers in [0, 1)")
        _check_number("label_smoothing", self.label_smoothing, "in [0, 1)", lambda v: 0 <= v < 1)
        _check_number("grad_clip", self.grad_clip, "a positive max norm or None",
                      lambda v: v > 0, optional=True)

    def _check_run(self) -> None:
        _check_choice("precision", self.precision, PRECISIONS)
        _check_flag("channels_last", self.channels_last)
        _check_flag("compile", self.compile)
        _check_device_name(self.device)
        if self.seed is not None and not _is_int(self.seed):
            raise ConfigError("seed", self.seed, "an integer or None")
        _check_count("max_steps_per_epoch", self.max_steps_per_epoch, minimum=1, optional=True)
        _check_count("max_val_steps", self.max_val_steps, minimum=1, optional=True)
        _check_choice("on_nonfinite", self.on_nonfinite, ("raise", "stop"))

    def replace(self, **overrides: Any) -> "TrainConfig":
        """A copy with some fields changed (checked again)."""
        self.check_names(overrides)
        return replace(self, **overrides)

    @classmethod
    def check_names(cls, settings: Mapping[str, Any]) -> None:
        """Raise ``TypeError`` for a key of ``settings`` that is not a field of this class."""
        names = [f.name for f in fields(cls)]
        unknown = [k for k in settings if k not in names]
        if unknown:
            close = {k: difflib.get_close_matches(k, names, n=1) for k in unknown}
            hints = [f"{k!r} (did you mean {c[0]!r}?)" if c else repr(k) for k, c in close.items()]
            raise TypeError(f"unknown training setting {', '.join(hints)}; the settings are the "
                            f"fields of TrainConfig: {', '.join(names)}")

    def to_dict(self) -> dict[str, Any]:
        """Plain data: every field, ``milestones`` as a list."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        if self.milestones is not None:
            data["milestones"] = list(self.milestones)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TrainConfig":
        """Read :meth:`to_dict` back; the facts about a run that :func:`fit` adds to
        ``History.config`` (:data:`RUN_FACTS`) are skipped."""
        settings = {k: v for k, v in data.items() if k not in RUN_FACTS}
        cls.check_names(settings)
        return cls(**settings)


#: Keys of ``History.config`` that describe the run rather than configure it.
RUN_FACTS = ("steps_per_epoch", "model", "params")


def _check_device_name(device: Any) -> None:
    if device is None:
        return
    allowed = "None (auto) or a device name: 'cpu', 'cuda', 'cuda:0' or 'mps'"
    if not isinstance(device, str):
        raise ConfigError("device", device, allowed)
    try:
        torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ConfigError("device", device, allowed, unknown=True) from err


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


def _schedule_spec(config: "TrainConfig", steps_per_epoch: int | None) -> _ScheduleSpec:
    """The schedule of ``config`` in optimizer steps (its settings are checked already)."""
    schedule, epochs, warmup_epochs = config.schedule, config.epochs, config.warmup_epochs
    warmup_steps, step_size, milestones = config.warmup_steps, config.step_size, config.milestones
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
    if step_size is not None:
        every = max(1, round(step_size * steps_per_epoch))
        milestone_steps = tuple(range(every, total, every))
    elif milestones is not None:
        milestone_steps = tuple(sorted(round(m * steps_per_epoch) for m in milestones))
    if schedule == "onecycle" and warm == 0:
        # torch.optim.lr_scheduler.OneCycleLR's default pct_start: 30% of training going up.
        warm = max(1, round(0.3 * total))
    if warm > total and needs_length:
        raise ValueError(f"warm-up ({warm} steps) is longer than training ({total} steps); "
                         "shorten warmup_epochs / warmup_steps or train longer")
    return _ScheduleSpec(schedule, total, warm, milestone_steps, config.gamma)


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
    config = TrainConfig(epochs=epochs, lr=lr, schedule=schedule, warmup_epochs=warmup_epochs,
                         warmup_steps=warmup_steps, step_size=step_size, milestones=milestones,
                         gamma=gamma)
    spec = _schedule_spec(config, steps_per_epoch)
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
@dataclass(frozen=True)
class Step:
    """What a step callback gets after each optimizer step: ``cb(step, model)``."""

    epoch: int       # 1-based epoch
    batch: int       # 1-based batch within the epoch
    step: int        # optimizer steps taken so far, this one included
    loss: float      # this batch's training loss (computed before the update)
    lr: float        # the learning rate this step used
    batch_size: int  # images in this batch


# A step callback gets the Step and the model after each optimizer step; an epoch callback
# gets the history so far and the model after each epoch. Returning True stops training.
StepCallback = Callable[[Step, nn.Module], Any]
EpochCallback = Callable[["History", nn.Module], Any]
Callback = EpochCallback  # the name before step callbacks existed


def _make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("the model has no trainable parameters")
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum,
                               weight_decay=config.weight_decay, nesterov=config.nesterov)
    return torch.optim.AdamW(params, lr=config.lr, betas=config.betas,
                             weight_decay=config.weight_decay)


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
    """Read a checkpoint written by :func:`fit` (with ``torch.load(weights_only=True)``).

    ``ckpt["config"]`` is the run's :meth:`TrainConfig.to_dict` (absent in checkpoints of
    cnnlib before TrainConfig; they resume all the same).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(ckpt, dict) or ckpt.get("format") != _CHECKPOINT_FORMAT:
        raise ValueError(f"{str(path)!r} is not a checkpoint written by cnnlib.train.fit")
    return ckpt


def _config_for_call(config: TrainConfig | None, overrides: Mapping[str, Any]) -> TrainConfig:
    if config is None:
        TrainConfig.check_names(overrides)
        missing = [k for k in ("epochs", "lr") if k not in overrides]
        if missing:
            raise TypeError(f"fit() needs {' and '.join(missing)} (as keywords or in a "
                            "TrainConfig)")
        return TrainConfig(**overrides)
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}; pass "
                        "settings as keywords, or TrainConfig(**settings)")
    return config.replace(**overrides) if overrides else config


def _steps_per_epoch(train_data: Iterable, config: TrainConfig) -> int | None:
    if not isinstance(train_data, Iterable):
        raise ValueError("train_data must be a DataLoader or an iterable of (images, labels)")
    n_batches = _len_or_none(train_data)
    if n_batches == 0:
        raise ValueError("train_data is empty")
    if n_batches is None:
        return config.max_steps_per_epoch  # None if not given: only a constant lr works
    return min(n_batches, config.max_steps_per_epoch or n_batches)


@dataclass
class _Run:
    """One call of :func:`fit`: the model, what trains it, and how far it got."""

    config: TrainConfig
    device: torch.device
    model: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    scaler: torch.amp.GradScaler
    criterion: nn.Module
    history: History
    steps_per_epoch: int | None           # None: train_data has no len() and no cap was given
    train_model: nn.Module | None = None  # torch.compile(model), or the model itself
    epoch: int = 0                        # epochs completed
    step: int = 0                         # optimizer steps taken

    def checkpoint(self) -> dict[str, Any]:
        """Everything needed to continue the run exactly."""
        return {
            "format": _CHECKPOINT_FORMAT,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(),
            "epoch": self.epoch,
            "step": self.step,
            "history": self.history.to_dict(),
            "config": self.config.to_dict(),
            "rng": _rng_state(),
        }

    def restore(self, ckpt: Mapping[str, Any]) -> None:
        """Continue from ``ckpt``; this call's config replaces the checkpoint's."""
        self.model.load_state_dict(ckpt["model"])
        self.optimizer.load_state_dict(ckpt["optimizer"])
        self.scheduler.load_state_dict(ckpt["scheduler"])
        self.scaler.load_state_dict(ckpt["scaler"])
        self.epoch, self.step = int(ckpt["epoch"]), int(ckpt["step"])
        config = self.history.config
        self.history = History.from_dict(ckpt["history"])
        self.history.config, self.history.stop_reason = config, None
        _set_rng_state(ckpt["rng"])  # last, so nothing above consumes random numbers


def _start_run(model: nn.Module, config: TrainConfig, device: torch.device,
               spec: _ScheduleSpec, steps_per_epoch: int | None,
               resume_from: str | os.PathLike | None) -> _Run:
    if config.seed is not None:
        seed_everything(config.seed)
    model.to(device)
    if config.channels_last:
        model.to(memory_format=torch.channels_last)
    opt = _make_optimizer(model, config)

    def factor(step: int) -> float:  # a plain function: LambdaLR saves no state for it
        return spec.factor(step)

    facts = dict(steps_per_epoch=steps_per_epoch, model=type(model).__name__,
                 params=sum(p.numel() for p in model.parameters()))
    run = _Run(config=config, device=device, model=model, optimizer=opt,
               scheduler=torch.optim.lr_scheduler.LambdaLR(opt, factor),
               scaler=torch.amp.GradScaler(device.type, enabled=config.precision == "fp16"),
               criterion=nn.CrossEntropyLoss(label_smoothing=config.label_smoothing),
               history=History(config={**config.to_dict(), **facts}),
               steps_per_epoch=steps_per_epoch)
    if resume_from is not None:
        run.restore(load_checkpoint(resume_from))
    run.train_model = torch.compile(model) if config.compile else model
    return run


def _train_step(run: _Run, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """One optimizer step on a batch; returns the (detached) loss and logits."""
    cfg, opt = run.config, run.optimizer
    with _autocast(cfg.precision, run.device):
        out = run.train_model(x)
    loss = run.criterion(out.float(), y)
    opt.zero_grad(set_to_none=True)
    run.scaler.scale(loss).backward()
    if cfg.grad_clip is not None:
        run.scaler.unscale_(opt)
        nn.utils.clip_grad_norm_(run.model.parameters(), cfg.grad_clip)
    run.history.step_lr.append(opt.param_groups[0]["lr"])
    run.scaler.step(opt)
    run.scaler.update()
    run.scheduler.step()
    run.step += 1
    return loss.detach(), out.detach()


@dataclass
class _EpochTotals:
    """Sums over one epoch's training batches, kept on the device (no sync per step)."""

    loss_sum: torch.Tensor
    correct: torch.Tensor
    seen: int = 0
    step_losses: list[torch.Tensor] = field(default_factory=list)
    stop_reason: str | None = None  # set when a step callback stopped the epoch

    @classmethod
    def zeros(cls, device: torch.device) -> "_EpochTotals":
        return cls(torch.zeros((), device=device, dtype=_sum_dtype(device)),
                   torch.zeros((), device=device, dtype=torch.int64))

    def add(self, loss: torch.Tensor, out: torch.Tensor, y: torch.Tensor) -> None:
        self.step_losses.append(loss)
        self.loss_sum += loss.to(self.loss_sum.dtype) * y.shape[0]
        self.correct += (out.argmax(dim=1) == y).sum()
        self.seen += y.shape[0]


def _step_callbacks_stop(run: _Run, callbacks: Sequence[StepCallback], batch: int,
                         loss: torch.Tensor, batch_size: int) -> str | None:
    """Call every step callback; the reason to stop if one returned True."""
    info = Step(epoch=run.epoch + 1, batch=batch, step=run.step, loss=loss.item(),
                lr=run.history.step_lr[-1], batch_size=batch_size)
    reason = None
    for cb in callbacks:
        if cb(info, run.model) is True and reason is None:
            reason = f"stopped by {_name(cb)} at step {info.step} (epoch {info.epoch}, batch {batch})"
    return reason


def _train_epoch(run: _Run, train_data: Iterable, bar: Any,
                 step_callbacks: Sequence[StepCallback]) -> _EpochTotals:
    cfg = run.config
    postfix_every = max(1, (run.steps_per_epoch or 50) // 10)
    run.model.train()
    totals = _EpochTotals.zeros(run.device)
    for i, batch in enumerate(train_data):
        if cfg.max_steps_per_epoch is not None and i >= cfg.max_steps_per_epoch:
            break
        x, y = _to_device(*_unpack(batch), run.device, cfg.channels_last)
        loss, out = _train_step(run, x, y)
        totals.add(loss, out, y)
        bar.update(1)
        if not bar.disable and (i + 1) % postfix_every == 0:
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
        if step_callbacks:
            totals.stop_reason = _step_callbacks_stop(run, step_callbacks, i + 1, loss, y.shape[0])
            if totals.stop_reason:
                break
    if totals.seen == 0:
        raise ValueError(
            f"train_data produced no batches in epoch {run.epoch + 1}; pass a DataLoader or "
            "another re-iterable (a generator is used up after one epoch)"
        )
    return totals


def _record_epoch(run: _Run, totals: _EpochTotals, t0: float, val_data: Iterable | None) -> None:
    """Append the epoch's numbers to the history (evaluating on ``val_data`` if given)."""
    h, cfg = run.history, run.config
    if run.device.type == "cuda":
        torch.cuda.synchronize(run.device)
    train_time = time.perf_counter() - t0
    h.step_loss.extend(torch.stack(totals.step_losses).float().cpu().tolist())
    h.train_loss.append(totals.loss_sum.item() / totals.seen)
    h.train_acc.append(totals.correct.item() / totals.seen)
    h.lr.append(h.step_lr[-1])
    h.images_per_sec.append(totals.seen / train_time)
    if val_data is not None:
        result = evaluate(run.train_model, val_data, precision=cfg.precision,
                          label_smoothing=cfg.label_smoothing, channels_last=cfg.channels_last,
                          max_steps=cfg.max_val_steps)
        h.val_loss.append(result["loss"])
        h.val_acc.append(result["acc"])
    h.epoch_time_s.append(time.perf_counter() - t0)


def _stop_reason(run: _Run, totals: _EpochTotals, callbacks: Sequence[EpochCallback]) -> str | None:
    """Why training stops after this epoch (None: it goes on). Every epoch callback is called."""
    h, epoch = run.history, run.epoch
    reason = None
    if not math.isfinite(h.train_loss[-1]):
        reason = (f"training loss became {h.train_loss[-1]} in epoch {epoch}; "
                  "try a smaller lr, warm-up, grad_clip or precision='fp32'")
        if run.config.on_nonfinite == "raise":
            raise FloatingPointError(reason)
    reason = reason or totals.stop_reason
    for cb in callbacks:
        if cb(h, run.model) is True:
            reason = reason or f"stopped by {_name(cb)} after epoch {epoch}"
    return reason


def _progress_bar(run: _Run, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    per_epoch = run.steps_per_epoch
    total = run.config.epochs * per_epoch if per_epoch is not None else None
    return tqdm(total=total, initial=min(run.step, total or run.step), disable=not enabled,
                unit="step", dynamic_ncols=True)


def fit(
    model: nn.Module,
    train_data: Iterable,
    val_data: Iterable | None = None,
    config: TrainConfig | None = None,
    *,
    callbacks: Sequence[EpochCallback] = (),
    step_callbacks: Sequence[StepCallback] = (),
    checkpoint_path: str | os.PathLike | None = None,
    resume_from: str | os.PathLike | None = None,
    progress: bool = True,
    **overrides: Any,
) -> History:
    """Train ``model`` on ``train_data`` as ``config`` says; return its :class:`History`.

    ``config``: a :class:`TrainConfig`; keyword arguments set or override its fields
    (``fit(model, data, epochs=3, lr=0.1)`` works without one). ``train_data`` /
    ``val_data``: a DataLoader or any re-iterable of ``(images, labels)`` batches. The model
    is moved to ``config.device`` and trained in place.

    ``step_callbacks`` are called as ``cb(step, model)`` (a :class:`Step`) after every
    optimizer step, ``callbacks`` as ``cb(history, model)`` after every epoch; one that
    returns ``True`` stops training. A step callback that stops ends the epoch early: the
    epoch is recorded (and evaluated, and checkpointed) over the batches it saw, and a resume
    goes on with the next epoch. With step callbacks every step waits for the GPU
    (``step.loss`` is a Python number).

    ``checkpoint_path`` is rewritten after every epoch with everything needed to continue:
    ``resume_from=path`` restores model, optimizer, scheduler, scaler, counters, RNG states
    and history, and continues at the next epoch as if never stopped (bit for bit on CPU with
    ``num_workers=0``; DataLoader workers keep their own random state, and GPU kernels need
    not be deterministic). ``progress`` shows a tqdm bar.
    """
    cfg = _config_for_call(config, overrides)
    dev = resolve_device(cfg.device)
    _check_precision(cfg.precision, dev)
    steps_per_epoch = _steps_per_epoch(train_data, cfg)
    spec = _schedule_spec(cfg, steps_per_epoch)
    run = _start_run(model, cfg.replace(device=str(dev)), dev, spec, steps_per_epoch, resume_from)
    ckpt_path = Path(checkpoint_path) if checkpoint_path is not None else None
    with _progress_bar(run, progress) as bar:
        while run.epoch < cfg.epochs:
            bar.set_description(f"epoch {run.epoch + 1}/{cfg.epochs}")
            t0 = time.perf_counter()
            totals = _train_epoch(run, train_data, bar, step_callbacks)
            _record_epoch(run, totals, t0, val_data)
            h = run.history
            postfix = dict(loss=f"{h.train_loss[-1]:.3f}", acc=f"{h.train_acc[-1]:.3f}")
            if h.val_acc:
                postfix["val_acc"] = f"{h.val_acc[-1]:.3f}"
            bar.set_postfix(postfix)
            run.epoch += 1
            h.stop_reason = _stop_reason(run, totals, callbacks)
            if ckpt_path is not None:
                _save_checkpoint(ckpt_path, run.checkpoint())
            if h.stop_reason:
                break
    return run.history


def _name(obj: Any) -> str:
    return getattr(obj, "__name__", type(obj).__name__)
