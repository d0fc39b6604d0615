"""Lesson 07's training recipe, in one place, so the notebook and the script cannot drift apart.

``scripts/train_digit_cnn.py`` trains the digit CNN with :func:`train_digit_cnn` and saves it
to ``data/checkpoints/digit_cnn.pt``; the lesson either loads that file
(:func:`load_digit_cnn`) or calls :func:`train_digit_cnn` itself. The recipe:

* the digit CNN of the Qiu lecture (``models.digit_cnn``), 242,062 parameters;
* Adam with a one-cycle learning-rate schedule peaking at ``LR`` (Smith, 2018);
* mini-batches of ``BATCH_SIZE`` for ``EPOCHS`` passes over the 3,500 training digits
  (``EPOCHS`` chosen on the validation digits: ``scripts/train_digit_cnn.py --choose-epochs``);
* random small shifts, rotations and scalings of every batch (``augment.random_affine``);
* inputs in [0, 1], as ``course_utils.load_mnist`` returns them (no normalisation);
* the random generators reseeded with ``SEED`` just before the model is built, so the same
  environment (same PyTorch, same thread count) gives the same weights.

``train_recipe`` is the same recipe for any model factory. ``COMPARED`` names the models
lesson 07 compares, each with the recipe: the CNN, LeNet-5, the MLP, and the CNN trained on
the digits as they are (``digit_cnn_plain``, no augmentation).

The script trains each of them once per seed in ``SEEDS``, scores each on the test digits
once, saves the ``SEED`` run of the models in ``SAVED`` as checkpoints (:func:`load_trained`)
and writes what it measured to ``REPORT`` (:func:`read_report`): the lesson and the README
quote those numbers, and a test checks that every checkpoint still scores what the report says.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from course_utils import models
from course_utils.integrity import DATA_DIR
from course_utils.runtime import seed_everything
from course_utils.training.augment import random_affine
from course_utils.training.checkpoint import load_checkpoint
from course_utils.training.loop import History, fit

CHECKPOINT = DATA_DIR / "checkpoints" / "digit_cnn.pt"
REPORT = CHECKPOINT.with_suffix(".json")
EPOCHS, LR, BATCH_SIZE, SEED = 30, 3e-3, 64, 0
SEEDS = (0, 1, 2)

Augment = Callable[[torch.Tensor], torch.Tensor]

# name in the report -> (model factory, augmentation of every batch)
COMPARED: dict[str, tuple[Callable[[], nn.Module], Augment | None]] = {
    "digit_cnn": (models.digit_cnn, random_affine),
    "lenet5": (models.lenet5, random_affine),
    "mlp": (models.mlp, random_affine),
    "digit_cnn_plain": (models.digit_cnn, None),
}
SAVED = ("digit_cnn", "mlp", "digit_cnn_plain")  # seed SEED of these ships as data/checkpoints/<name>.pt


def train_recipe(
    make_model: Callable[[], nn.Module],
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int = EPOCHS,
    augment: Augment | None = random_affine,
    seed: int = SEED,
    device: str | torch.device = "cpu",
    val: tuple[torch.Tensor, torch.Tensor] | None = None,
    plot: bool = False,
) -> tuple[nn.Module, History]:
    """Seed, build ``make_model()``, train it with the lesson's recipe; returns ``(model, history)``.

    ``make_model`` is a function that builds the model (``models.digit_cnn``, not
    ``models.digit_cnn()``): the generators are seeded before it runs, so the initial
    weights, the batch order and the augmentations are the same every time.
    ``augment=None`` trains on the digits as they are. ``device`` is where the model
    trains (the data stay on the CPU; each batch moves there).

    >>> model, history = train_recipe(models.mlp, torch.zeros(8, 1, 28, 28), torch.zeros(8, dtype=torch.long),
    ...                               epochs=1)
    >>> len(history.train_loss)
    1
    """
    if not callable(make_model) or isinstance(make_model, nn.Module):
        raise ValueError(
            "make_model must be a function that builds the model, e.g. models.digit_cnn (without the "
            "parentheses), so that its initial weights are drawn after seeding"
        )
    seed_everything(seed)
    model = make_model().to(device)
    history = fit(
        model, (x, y), val=val, epochs=epochs, lr=LR, batch_size=BATCH_SIZE, augment=augment, plot=plot
    )
    model.eval()
    return model, history


def train_digit_cnn(x: torch.Tensor, y: torch.Tensor, **options) -> tuple[nn.Module, History]:
    """The digit CNN trained with the recipe: what ``data/checkpoints/digit_cnn.pt`` holds.

    ``options`` go to :func:`train_recipe` (``epochs``, ``augment``, ``seed``, ``device``,
    ``val``, ``plot``); the defaults are the checkpoint's.
    """
    return train_recipe(models.digit_cnn, x, y, **options)


def load_digit_cnn(path: str | Path = CHECKPOINT) -> nn.Module:
    """The trained digit CNN from its checkpoint (SHA-256 verified, weights only), in eval mode."""
    model = load_checkpoint(models.digit_cnn(), path)
    return model.eval()


def checkpoint_path(name: str) -> Path:
    """Where the checkpoint of the compared model ``name`` (one of ``SAVED``) lives."""
    if name not in SAVED:
        raise ValueError(f"no checkpoint ships for {name!r}; the trained models are {', '.join(SAVED)}")
    return CHECKPOINT.with_name(f"{name}.pt")


def load_trained(name: str) -> nn.Module:
    """A compared model as the script trained it (seed ``SEED``), verified and in eval mode.

    ``load_trained("digit_cnn")`` is :func:`load_digit_cnn`; ``"mlp"`` and
    ``"digit_cnn_plain"`` are the MLP and the un-augmented CNN.
    """
    path = checkpoint_path(name)  # a clear error for a model without a checkpoint
    make_model, _ = COMPARED[name]
    return load_checkpoint(make_model(), path).eval()


def read_report(path: str | Path | None = None) -> dict:
    """What ``scripts/train_digit_cnn.py`` measured, with the recipe's ``epochs``.

    ``epoch_search``: the CNN's validation accuracy per epoch count tried, one per seed.
    ``models``: for each model in ``COMPARED``, trained with the recipe once per seed in ``SEEDS``:
    ``parameters``, ``runs`` (``seed``, ``val_accuracy``, ``test_accuracy``, ``seconds``), and
    ``test_mean`` / ``test_std`` over the seeds.
    """
    path = Path(path or REPORT)  # REPORT read at call time
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run python scripts/train_digit_cnn.py to train and measure")
    return json.loads(path.read_text())
