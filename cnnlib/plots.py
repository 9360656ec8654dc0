"""Plots of training runs. Every function returns a ``matplotlib.figure.Figure`` and shows nothing.

The figures are made with ``matplotlib.figure.Figure`` directly, not through ``pyplot``, so
a notebook displays the returned figure once (no second copy from pyplot's global state)
and scripts leak no open figures.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from cnnlib.train import History

__all__ = ["plot_history", "plot_histories", "plot_step_loss", "METRIC_LABELS"]

#: Axis labels for the per-epoch fields of :class:`cnnlib.train.History`.
METRIC_LABELS = {
    "train_loss": "training loss",
    "val_loss": "validation loss",
    "train_acc": "training accuracy",
    "val_acc": "validation accuracy",
    "train_error": "training error (1 - accuracy)",
    "val_error": "validation error (1 - accuracy)",
    "lr": "learning rate",
    "images_per_sec": "training images / s",
    "epoch_time_s": "epoch time (s)",
}


def _new_figure(ncols: int, *, width_per_panel: float = 4.2, height: float = 3.4) -> "Figure":
    from matplotlib.figure import Figure

    return Figure(figsize=(width_per_panel * ncols, height), layout="constrained")


def _integer_epochs(ax) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _series(history: "History", metric: str) -> list[float]:
    if metric in ("train_error", "val_error"):
        return [1.0 - a for a in getattr(history, metric.replace("error", "acc"))]
    if metric not in METRIC_LABELS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(METRIC_LABELS)}")
    return list(getattr(history, metric))


def plot_history(history: "History", *, title: str | None = None) -> "Figure":
    """Three panels: loss (train, val), accuracy (train, val) and the learning rate.

    The learning-rate panel shows every optimizer step (``history.step_lr``) on an epoch
    axis, so warm-up and decay are visible even in a two-epoch run.
    """
    if history.epochs == 0:
        raise ValueError("the history has no completed epoch to plot")
    fig = _new_figure(3)
    ax_loss, ax_acc, ax_lr = fig.subplots(1, 3)
    epochs = list(range(1, history.epochs + 1))
    marker = "o" if history.epochs <= 30 else None

    ax_loss.plot(epochs, history.train_loss, marker=marker, label="train")
    if history.val_loss:
        ax_loss.plot(epochs[: len(history.val_loss)], history.val_loss, marker=marker, label="val")
    ax_loss.set(xlabel="epoch", ylabel="loss", title="loss")

    ax_acc.plot(epochs, history.train_acc, marker=marker, label="train")
    if history.val_acc:
        ax_acc.plot(epochs[: len(history.val_acc)], history.val_acc, marker=marker, label="val")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy", ylim=(0, 1.02))

    steps = len(history.step_lr)
    if steps:
        per_epoch = steps / history.epochs
        ax_lr.plot([(k + 1) / per_epoch for k in range(steps)], history.step_lr)
    else:
        ax_lr.plot(epochs, history.lr, marker=marker)
    ax_lr.set(xlabel="epoch", ylabel="learning rate", title="learning rate")

    for ax in (ax_loss, ax_acc):
        ax.legend()
        _integer_epochs(ax)
    for ax in (ax_loss, ax_acc, ax_lr):
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return fig


def plot_histories(
    histories: Mapping[str, "History"],
    metric: str | Sequence[str] = "val_acc",
    *,
    title: str | None = None,
    styles: Mapping[str, Mapping[str, Any]] | None = None,
) -> "Figure":
    """Compare runs: one panel per metric, one line per named history.

    ``metric`` is a field of :class:`~cnnlib.train.History` (``train_loss``, ``val_acc``,
    ``lr``, ...) or ``train_error`` / ``val_error`` (1 - accuracy, as the ResNet paper
    plots), or a list of them. ``styles`` maps a run name to matplotlib line keywords
    (e.g. ``{"plain56": {"linestyle": "--"}}``).
    """
    if not histories:
        raise ValueError("plot_histories needs at least one history")
    metrics = [metric] if isinstance(metric, str) else list(metric)
    if not metrics:
        raise ValueError("give at least one metric")
    for m in metrics:
        _series(next(iter(histories.values())), m)  # validates the name
    fig = _new_figure(len(metrics))
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    for ax, m in zip(axes, metrics):
        for name, history in histories.items():
            ys = _series(history, m)
            if not ys:
                continue
            kw = dict(styles.get(name, {})) if styles else {}
            kw.setdefault("marker", "o" if len(ys) <= 30 else None)
            ax.plot(range(1, len(ys) + 1), ys, label=name, **kw)
        ax.set(xlabel="epoch", ylabel=METRIC_LABELS[m], title=METRIC_LABELS[m])
        if m.endswith(("acc", "error")):
            ax.set_ylim(0, 1.02)
        _integer_epochs(ax)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig


def plot_step_loss(histories: Mapping[str, "History"], *, window: int = 5, title: str = "",
                   styles: Mapping[str, Mapping[str, Any]] | None = None) -> "Figure":
    """Training loss after every optimizer step (moving average over ``window`` steps).

    ``histories`` maps a run name to a :class:`cnnlib.train.History`; the x axis is in
    epochs, so runs with the same schedule line up. The ResNet paper's Fig. 1 and Fig. 6 plot
    against iterations the same way.
    """
    if not histories:
        raise ValueError("plot_step_loss needs at least one history")
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    fig = _new_figure(1, width_per_panel=7, height=3.6)
    ax = fig.subplots()
    for name, h in histories.items():
        losses = list(h.step_loss)
        if not losses:
            continue
        smooth = [sum(losses[max(0, i - window + 1): i + 1]) / len(losses[max(0, i - window + 1): i + 1])
                  for i in range(len(losses))]
        per_epoch = len(losses) / max(h.epochs, 1)
        kw = dict(styles.get(name, {})) if styles else {}
        ax.plot([(i + 1) / per_epoch for i in range(len(losses))], smooth, label=name, **kw)
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"training loss ({window}-step average)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig
