"""A small training loop a student can read in one screen: ``fit``, ``evaluate``, ``predict``.

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
from torch import nn

HEADLESS_ENV = "COURSE_HEADLESS"


def headless() -> bool:
    """True while lessons run unattended (tests, recording outputs)."""
    return os.environ.get(HEADLESS_ENV, "") not in ("", "0")


@dataclass
class History:
    """Per-epoch measurements of a ``fit`` run."""

    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def plot(self):
        """Loss and accuracy per epoch, training and validation side by side."""
        import matplotlib.pyplot as plt

        fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(8, 3))
        epochs = range(1, len(self.train_loss) + 1)
        for ax, train, val, name in [
            (loss_ax, self.train_loss, self.val_loss, "loss"),
            (acc_ax, self.train_accuracy, self.val_accuracy, "accuracy"),
        ]:
            ax.plot(epochs, train, "o-", label="training")
            if val:
                ax.plot(epochs, val, "o-", label="validation")
            ax.set(xlabel="epoch", title=name)
            ax.legend()
        fig.tight_layout()
        return fig


def _check_data(x: torch.Tensor, y: torch.Tensor, name: str) -> None:
    if len(x) != len(y):
        raise ValueError(f"{name}: {len(x)} inputs but {len(y)} labels; pass matching (x, y) tensors")
    if len(x) == 0:
        raise ValueError(f"{name} is empty")


def batches(x: torch.Tensor, y: torch.Tensor, batch_size: int, shuffle: bool = False):
    """Yield ``(x_batch, y_batch)`` pairs; a fresh random order each call when ``shuffle``."""
    order = torch.randperm(len(x)) if shuffle else torch.arange(len(x))
    for start in range(0, len(x), batch_size):
        index = order[start : start + batch_size]
        yield x[index], y[index]


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 500) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy of ``model`` on ``(x, y)``, in evaluation mode."""
    _check_data(x, y, "evaluation data")
    model.eval()
    device = next(model.parameters()).device
    loss, correct = 0.0, 0
    for xb, yb in batches(x, y, batch_size):
        logits = model(xb.to(device))
        loss += nn.functional.cross_entropy(logits, yb.to(device), reduction="sum").item()
        correct += (logits.argmax(1).cpu() == yb).sum().item()
    return loss / len(x), correct / len(x)


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
    """Class probabilities (softmax of the logits), one row per input, on the CPU."""
    model.eval()
    device = next(model.parameters()).device
    return torch.cat([model(xb.to(device)).softmax(1).cpu() for xb in x.split(batch_size)])


def train_epoch(model, x, y, optimizer, scheduler, batch_size, augment, progress) -> tuple[float, float]:
    """One pass over the training data; returns its mean loss and accuracy."""
    model.train()
    device = next(model.parameters()).device
    loss_sum, correct = 0.0, 0
    for xb, yb in batches(x, y, batch_size, shuffle=True):
        if augment is not None:
            xb = augment(xb)
        xb, yb = xb.to(device), yb.to(device)
        logits = model(xb)
        loss = nn.functional.cross_entropy(logits, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        loss_sum += loss.item() * len(xb)
        correct += (logits.argmax(1) == yb).sum().item()
        progress.update(len(xb))
    return loss_sum / len(x), correct / len(x)


def fit(
    model: nn.Module,
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor] | None = None,
    epochs: int = 5,
    lr: float = 1e-3,
    batch_size: int = 64,
    one_cycle: bool = True,
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
    patience: int | None = None,
    plot: bool = True,
) -> History:
    """Train ``model`` with Adam and cross-entropy; returns the :class:`History`.

    ``one_cycle`` ramps the learning rate up to ``lr`` and back down (Smith, 2018),
    which reaches a good accuracy in few epochs. ``augment`` transforms each
    training batch. With ``patience``, training stops once the validation loss
    has not improved for that many epochs, and the best weights are restored.
    ``plot`` shows loss and accuracy per epoch (in a notebook).
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
    history, live = History(), LivePlot(plot)
    stopper = EarlyStopping(patience) if patience is not None else None
    start = time.perf_counter()
    with tqdm(total=epochs * len(train[0]), unit="img", disable=headless()) as progress:
        for _ in range(epochs):
            loss, accuracy = train_epoch(model, *train, optimizer, scheduler, batch_size, augment, progress)
            history.train_loss.append(loss)
            history.train_accuracy.append(accuracy)
            if val is not None:
                val_loss, val_accuracy = evaluate(model, *val)
                history.val_loss.append(val_loss)
                history.val_accuracy.append(val_accuracy)
            live.update(history)
            if stopper is not None and stopper.should_stop(model, history.val_loss[-1]):
                break
    history.seconds = time.perf_counter() - start
    if stopper is not None:
        stopper.restore_best(model)
    live.finish(history)
    return history


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
