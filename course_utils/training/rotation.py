"""Lesson 11's rotation experiment, in one place, so the notebook and the script cannot drift apart.

Three digit classifiers, trained on the same upright training digits with the same budget:

* ``"plain"``: ``models.plain_cnn(16)``, no augmentation (the baseline);
* ``"augmented"``: the same network, each training digit turned by a random angle in [0, 360)
  (:func:`random_turn`);
* ``"p4"``: ``models.p4_cnn(8)``, no augmentation: invariant to quarter turns by construction.

The recipe: Adam with a one-cycle schedule peaking at ``LR``, batches of ``BATCH_SIZE``, ``EPOCHS``
passes over the 3,500 training digits (chosen on the validation digits:
``scripts/train_rotation_models.py --choose-epochs``), the generators seeded just before the model
is built. ``scripts/train_rotation_models.py`` trains each kind once per seed in ``SEEDS``, scores
every model on the validation and (once) the test digits turned by each angle of ``ANGLES``,
saves the seed-0 models to ``CHECKPOINT_DIR`` and writes all the numbers to ``REPORT``
(:func:`read_report`); a test checks that the checkpoints still score what the report says.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from course_utils import models
from course_utils.integrity import DATA_DIR
from course_utils.ops.group_conv import rotate
from course_utils.runtime import seed_everything
from course_utils.training.augment import affine
from course_utils.training.checkpoint import load_checkpoint
from course_utils.training.loop import History, evaluate, fit

CHECKPOINT_DIR = DATA_DIR / "checkpoints" / "rotation"
REPORT = DATA_DIR / "checkpoints" / "rotation.json"
EPOCHS, LR, BATCH_SIZE = 8, 1e-2, 64
SEEDS = (0, 1, 2)
ANGLES = tuple(float(a) for a in np.arange(0, 360, 22.5))
"""The test angles in degrees: every 22.5 degrees, so 45 and the four quarter turns are among them."""
KINDS: dict[str, tuple[Callable[[], nn.Module], bool]] = {
    "plain": (lambda: models.plain_cnn(16), False),
    "augmented": (lambda: models.plain_cnn(16), True),
    "p4": (lambda: models.p4_cnn(8), False),
}
"""Each kind: how to build the model, and whether training turns the digits at random."""


def turn(images: torch.Tensor, degrees: float) -> torch.Tensor:
    """Every image turned ``degrees`` anticlockwise: exactly (pixels moved) for quarter turns, interpolated otherwise.

    >>> x = torch.rand(2, 1, 28, 28)
    >>> torch.equal(turn(x, 90), torch.rot90(x, 1, dims=(2, 3))), torch.allclose(turn(x, 0.0), x)
    (True, True)
    """
    if degrees % 90 == 0:
        return rotate(images, int(degrees // 90) % 4)
    n = len(images)
    return affine(images, torch.full((n,), float(degrees)), torch.ones(n), torch.zeros(n), torch.zeros(n))


def random_turn(images: torch.Tensor) -> torch.Tensor:
    """Each image turned by its own random angle in [0, 360): the augmentation of the ``"augmented"`` kind."""
    n = len(images)
    return affine(images, 360 * torch.rand(n), torch.ones(n), torch.zeros(n), torch.zeros(n))


def train_rotation_model(kind: str, x: torch.Tensor, y: torch.Tensor, seed: int = 0,
                         epochs: int = EPOCHS) -> tuple[nn.Module, History]:
    """Seed, build the model of ``kind`` (see ``KINDS``), train it with the recipe; returns ``(model, history)``."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    make_model, augmented = KINDS[kind]
    seed_everything(seed)
    model = make_model()
    history = fit(model, (x, y), epochs=epochs, lr=LR, batch_size=BATCH_SIZE,
                  augment=random_turn if augmented else None, plot=False)
    return model.eval(), history


@torch.no_grad()
def accuracy_by_angle(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                      angles: tuple[float, ...] = ANGLES) -> list[float]:
    """The model's accuracy on ``(x, y)`` with every image turned by each angle, in order."""
    return [evaluate(model, turn(x, angle), y)[1] for angle in angles]


def load_rotation_model(kind: str, directory: str | Path = CHECKPOINT_DIR) -> nn.Module:
    """The seed-0 model of ``kind`` from its checkpoint (SHA-256 verified, weights only), in eval mode."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    return load_checkpoint(KINDS[kind][0](), Path(directory) / f"{kind}.pt").eval()


def read_report(path: str | Path = REPORT) -> dict:
    """What ``scripts/train_rotation_models.py`` measured.

    ``angles``; ``epochs``; ``epoch_search`` (validation accuracy per kind and epoch count, when
    run with ``--choose-epochs``); ``runs``: per kind, one entry per seed with ``seed``,
    ``parameters``, ``seconds``, ``val_by_angle`` and ``test_by_angle`` (accuracies at ``angles``)
    and ``six_nine`` (upright test 6s called 9, 9s called 6).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run python scripts/train_rotation_models.py to train and measure")
    return json.loads(path.read_text())


__all__ = ["ANGLES", "BATCH_SIZE", "CHECKPOINT_DIR", "EPOCHS", "KINDS", "LR", "REPORT", "SEEDS", "accuracy_by_angle",
           "load_rotation_model", "random_turn", "read_report", "train_rotation_model", "turn"]
