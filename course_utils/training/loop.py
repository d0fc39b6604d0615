"""A small training loop a student can read in one screen: ``fit``, ``evaluate``, ``predict``.

The loss and the metric are arguments: cross-entropy and accuracy for a classifier (the
default), mean squared error and no metric for an autoencoder, a detector's own loss.

Data are plain tensors ``(x, y)``. While you work in JupyterLab, ``fit`` shows a
progress bar and a loss/accuracy plot that updates every epoch. When lessons
run headless (tests, or ``make notebooks``: ``COURSE_HEADLESS=1``) it stays
quiet during training and draws the final plot once, so outputs are reproducible.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

HEADLESS_ENV = "COURSE_HEADLESS"


def headless() -> bool:
    """True while lessons run unattended (tests, recording outputs)."""
    return os.environ.get(HEADLESS_ENV, "") not in ("", "0")


Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Metric = Callable[[torch.Tensor, torch.Tensor], float]


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of rows whose largest logit is at the true label (the default metric).

    >>> accuracy(torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]]), torch.tensor([0, 1, 1]))
    0.6666666666666666
    """
    return (logits.argmax(1) == labels).double().mean().item()


@dataclass
class History:
    """Per-epoch measurements of a ``fit`` run: the loss and one metric, on training and validation data.

    ``metric`` names the metric (``"accuracy"`` by default); for that default, ``train_accuracy``
    and ``val_accuracy`` read the metric lists by name.
    """

    train_loss: list[float] = field(default_factory=list)
    train_metric: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)
    metric: str | None = "accuracy"
    seconds: float = 0.0

    @property
    def train_accuracy(self) -> list[float]:
        return self._metric_named("accuracy", self.train_metric)

    @property
    def val_accuracy(self) -> list[float]:
        return self._metric_named("accuracy", self.val_metric)

    def _metric_named(self, name: str, values: list[float]) -> list[float]:
        if self.metric != name:
            raise AttributeError(f"this run measured {self.metric!r}, not {name!r}: read train_metric / val_metric")
        return values

    def plot(self):
        """Loss (and the metric, if any) per epoch, training and validation side by side.

        The training curve is the mean over each epoch's batches, measured while the weights
        change (and on augmented batches when ``fit`` augments); the validation curve is the
        model at the end of the epoch, in evaluation mode, on data it never trains on.
        """
        import matplotlib.pyplot as plt

        panels = [("loss", self.train_loss, self.val_loss)]
        if self.metric is not None:
            panels.append((self.metric, self.train_metric, self.val_metric))
        fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3), squeeze=False)
        epochs = range(1, len(self.train_loss) + 1)
        for ax, (name, train, val) in zip(axes[0], panels, strict=True):
            ax.plot(epochs, train, "o-", label="training batches (mean over the epoch)")
            if val:
                ax.plot(epochs, val, "o-", label="validation")
            ax.set(xlabel="epoch", title=name)
            ax.legend()
        fig.tight_layout()
        return fig


Targets = torch.Tensor | tuple[torch.Tensor, ...]


def _check_data(x: torch.Tensor, y: Targets, name: str) -> None:
    for target in y if isinstance(y, tuple) else (y,):
        if len(x) != len(target):
            raise ValueError(f"{name}: {len(x)} inputs but {len(target)} labels; pass matching (x, y) tensors")
    if len(x) == 0:
        raise ValueError(f"{name} is empty")


def _take(y: Targets, index: torch.Tensor) -> Targets:
    return tuple(target[index] for target in y) if isinstance(y, tuple) else y[index]


def _to(y: Targets, device: torch.device) -> Targets:
    return tuple(target.to(device) for target in y) if isinstance(y, tuple) else y.to(device)


def batches(x: torch.Tensor, y: Targets, batch_size: int, shuffle: bool = False):
    """Yield ``(x_batch, y_batch)`` pairs; a fresh random order each call when ``shuffle``.

    ``y`` is a tensor of targets (labels, or images for an autoencoder) or a tuple of such
    tensors (boxes and classes for a detector), each with one row per input.
    """
    order = torch.randperm(len(x)) if shuffle else torch.arange(len(x))
    for start in range(0, len(x), batch_size):
        index = order[start : start + batch_size]
        yield x[index], _take(y, index)


@torch.no_grad()
def evaluate(
    model: nn.Module,
    x: torch.Tensor,
    y: Targets,
    batch_size: int = 500,
    loss_fn: Loss = F.cross_entropy,
    metric: Metric | None = accuracy,
) -> tuple[float, float | None]:
    """Mean loss and metric of ``model`` on ``(x, y)``, in evaluation mode.

    By default the loss is cross-entropy and the metric accuracy; pass ``loss_fn=F.mse_loss,
    metric=None`` for an autoencoder (``y = x``), or a detector's own loss. Both are averaged
    over inputs (each batch weighted by its size). The metric is ``None`` when there is none.
    """
    _check_data(x, y, "evaluation data")
    model.eval()
    device = next(model.parameters()).device
    loss, measured = 0.0, 0.0
    for xb, yb in batches(x, y, batch_size):
        output, yb = model(xb.to(device)), _to(yb, device)
        loss += loss_fn(output, yb).item() * len(xb)
        measured += metric(output, yb) * len(xb) if metric is not None else 0.0
    return loss / len(x), measured / len(x) if metric is not None else None


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 500, softmax: bool = True) -> torch.Tensor:
    """The model's outputs, one row per input, on the CPU: class probabilities (softmax of the logits) by default.

    ``softmax=False`` returns the raw outputs (reconstructions, box offsets, logits).
    """
    model.eval()
    device = next(model.parameters()).device
    outputs = torch.cat([model(xb.to(device)).cpu() for xb in x.split(batch_size)])
    return outputs.softmax(1) if softmax else outputs


def train_epoch(
    model, x, y, optimizer, scheduler, batch_size, augment, progress, loss_fn=F.cross_entropy, metric=accuracy
) -> tuple[float, float | None]:
    """One pass over the training data; returns its mean loss and metric (``None`` without a metric)."""
    model.train()
    device = next(model.parameters()).device
    loss_sum, measured = 0.0, 0.0
    for xb, yb in batches(x, y, batch_size, shuffle=True):
        if augment is not None:
            xb = augment(xb)
        xb, yb = xb.to(device), _to(yb, device)
        output = model(xb)
        loss = loss_fn(output, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        loss_sum += loss.item() * len(xb)
        if metric is not None:
            measured += metric(output.detach(), yb) * len(xb)
        progress.update(len(xb))
    return loss_sum / len(x), measured / len(x) if metric is not None else None


def fit(
    model: nn.Module,
    train: tuple[torch.Tensor, Targets],
    val: tuple[torch.Tensor, Targets] | None = None,
    epochs: int = 5,
    lr: float = 1e-3,
    batch_size: int = 64,
    one_cycle: bool = True,
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
    patience: int | None = None,
    plot: bool = True,
    loss_fn: Loss = F.cross_entropy,
    metric: Metric | None = accuracy,
) -> History:
    """Train ``model`` with Adam on ``loss_fn`` (cross-entropy by default); returns the :class:`History`.

    ``one_cycle`` ramps the learning rate up to ``lr`` and back down (Smith, 2018),
    which reaches a good accuracy in few epochs. ``augment`` transforms each
    training batch. With ``patience``, training stops once the validation loss
    has not improved for that many epochs, and the best weights are restored.
    ``plot`` shows the loss and the metric per epoch (in a notebook).

    ``loss_fn(output, target)`` returns the batch's mean loss and ``metric(output, target)``
    a number (accuracy by default; ``None`` for none): an autoencoder trains with
    ``fit(model, (x, x), loss_fn=F.mse_loss, metric=None)``.
    """
    from tqdm.auto import tqdm

    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs ({epochs}) and batch_size ({batch_size}) must be at least 1")
    _check_data(*train, "training data")
    if patience is not None and val is None:
        raise ValueError("early stopping watches the validation loss: pass val=(x_val, y_val) or patience=None")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * -(-len(train[0]) // batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=steps) if one_cycle else None
    history = History(metric=None if metric is None else getattr(metric, "__name__", "metric"))
    live = LivePlot(plot)
    stopper = EarlyStopping(patience) if patience is not None else None
    measure = {"loss_fn": loss_fn, "metric": metric}
    start = time.perf_counter()
    with tqdm(total=epochs * len(train[0]), unit="img", disable=headless()) as progress:
        for _ in range(epochs):
            loss, measured = train_epoch(model, *train, optimizer, scheduler, batch_size, augment, progress, **measure)
            _record(history.train_loss, history.train_metric, loss, measured)
            if val is not None:
                _record(history.val_loss, history.val_metric, *evaluate(model, *val, **measure))
            live.update(history)
            if stopper is not None and stopper.should_stop(model, history.val_loss[-1]):
                break
    history.seconds = time.perf_counter() - start
    if stopper is not None:
        stopper.restore_best(model)
    live.finish(history)
    return history


def _record(losses: list[float], metrics: list[float], loss: float, measured: float | None) -> None:
    losses.append(loss)
    if measured is not None:
        metrics.append(measured)


class EarlyStopping:
    """Stop when the validation loss has not improved for ``patience`` epochs; keep the best weights."""

    def __init__(self, patience: int):
        if patience < 1:
            raise ValueError(f"patience must be at least 1 epoch, got {patience}")
        self.patience, self.best_loss, self.waited, self.best_state = patience, float("inf"), 0, None

    def should_stop(self, model: nn.Module, val_loss: float) -> bool:
        if val_loss < self.best_loss:
            self.best_loss, self.waited = val_loss, 0
            self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            return False
        self.waited += 1
        return self.waited >= self.patience

    def restore_best(self, model: nn.Module) -> None:
        if self.best_state is not None:
            model.load_state_dict(self.best_state)


class LivePlot:
    """The history plot: redrawn in place each epoch in a live notebook, drawn once at the end headless."""

    def __init__(self, enabled: bool):
        in_notebook = enabled and _in_notebook()
        self.live = in_notebook and not headless()
        self.final = in_notebook and headless()
        self.handle = None

    def update(self, history: History) -> None:
        if self.live:
            self._show(history)

    def finish(self, history: History) -> None:
        if self.final:
            self._show(history)

    def _show(self, history: History) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import display

        fig = history.plot()
        if self.handle is None:
            self.handle = display(fig, display_id=True)
        else:
            self.handle.update(fig)
        plt.close(fig)


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"
