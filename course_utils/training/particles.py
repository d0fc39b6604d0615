"""Lesson 12's particle-image U-Net recipe, shared by ``scripts/train_particle_segmenter.py`` and the lesson.

Labelling every pixel of the particle images (background, track, shower) with the tiny U-Net of
lesson 09 takes one to three minutes per model on two CPU threads, more than a lesson may spend on it,
and a fair score needs several seeds. The script trains the U-Net with seeds 0, 1 and 2 on the
training events, follows the validation IoU every epoch (where the number of epochs was chosen),
scores each model once on the test events, writes the numbers to ``REPORT`` (:func:`read_report`)
and saves the weights to ``CHECKPOINT_DIR`` (:func:`load_particle_segmenter`). A test checks that
the shipped checkpoints still score what the report says.

The recipe: :class:`course_utils.models.TinyUNet` with 3 classes and width 8, Adam with a one-cycle
schedule peaking at ``LR``, mini-batches of ``BATCH_SIZE``, ``EPOCHS`` passes over the training
events, pixel cross-entropy with the background weighted ``BACKGROUND_WEIGHT`` (it is 98% of the
pixels), the random generators seeded just before the model is built. The events come from
:func:`course_utils.particle_images.particle_events` with the seeds of ``EVENT_SEEDS``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.integrity import DATA_DIR
from course_utils.models.segmenter import TinyUNet
from course_utils.ops.masks import class_iou, confusion_matrix
from course_utils.particle_images import CLASS_NAMES, ParticleEvents, particle_events
from course_utils.runtime import seed_everything
from course_utils.training.checkpoint import load_checkpoint
from course_utils.training.loop import History

CHECKPOINT_DIR = DATA_DIR / "checkpoints" / "particle_segmenter"
REPORT = DATA_DIR / "checkpoints" / "particle_segmenter.json"
EPOCHS, LR, BATCH_SIZE, WIDTH = 8, 5e-3, 32, 8
BACKGROUND_WEIGHT = 0.1
SEEDS = (0, 1, 2)
EVENT_SEEDS = {"train": 40, "validation": 41, "test": 42}
EVENT_COUNTS = {"train": 3000, "validation": 500, "test": 1000}


def events(split: str) -> ParticleEvents:
    """The recipe's events of ``split`` (``"train"``, ``"validation"`` or ``"test"``), always the same ones."""
    if split not in EVENT_SEEDS:
        raise ValueError(f"split must be one of {sorted(EVENT_SEEDS)}, got {split!r}")
    return particle_events(EVENT_COUNTS[split], seed=EVENT_SEEDS[split])


def pixel_loss(logits: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over the pixels, the background weighted ``BACKGROUND_WEIGHT`` and tracks and showers 1."""
    weight = torch.ones(logits.shape[1], device=logits.device)
    weight[0] = BACKGROUND_WEIGHT
    return F.cross_entropy(logits, masks, weight=weight)


def segment(model: nn.Module, images: torch.Tensor, batch_size: int = 250) -> torch.Tensor:
    """The class of every pixel, ``(N, H, W)``, by the model in evaluation mode."""
    model.eval()
    with torch.no_grad():
        return torch.cat([model(images[s : s + batch_size]).argmax(dim=1) for s in range(0, len(images), batch_size)])


def pixel_iou(model: nn.Module, data: ParticleEvents) -> np.ndarray:
    """The IoU of each class (background, track, shower) of the model's pixel labels on ``data``.

    >>> pixel_iou(TinyUNet(classes=3, width=2), particle_events(2)).shape
    (3,)
    """
    return class_iou(confusion_matrix(segment(model, data.images), data.masks, len(CLASS_NAMES)))


def train_particle_segmenter(
    train: ParticleEvents, *, seed: int = 0, epochs: int = EPOCHS, val: ParticleEvents | None = None
) -> tuple[nn.Module, History, list[list[float]]]:
    """Seed, build the U-Net, train it on ``train``; returns the model (eval mode), its history and the
    validation IoU per class after each epoch (empty without ``val``).

    >>> model, history, curve = train_particle_segmenter(particle_events(4), epochs=1, val=particle_events(2))
    >>> len(history.train_loss), len(curve), len(curve[0])
    (1, 1, 3)
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    seed_everything(seed)
    model = TinyUNet(classes=len(CLASS_NAMES), width=WIDTH)
    curve: list[list[float]] = []
    history = _fit_watching(model, train, epochs, val, curve)
    model.eval()
    return model, history, curve


def _fit_watching(model: nn.Module, train: ParticleEvents, epochs: int, val: ParticleEvents | None,
                  curve: list[list[float]]) -> History:
    """Adam with ``fit``'s one-cycle schedule, the validation IoU measured after every epoch."""
    history = History()
    start_time = time.perf_counter()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    steps_per_epoch = -(-len(train.images) // BATCH_SIZE)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, LR, total_steps=epochs * steps_per_epoch)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(train.images))
        total = 0.0
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            loss = pixel_loss(model(train.images[batch]), train.masks[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += loss.item() * len(batch)
        history.train_loss.append(total / len(order))
        if val is not None:
            curve.append([float(v) for v in pixel_iou(model, val)])
    history.seconds = time.perf_counter() - start_time
    return history


def load_particle_segmenter(seed: int = 0, directory: str | Path = CHECKPOINT_DIR) -> nn.Module:
    """The U-Net trained with ``seed`` from its checkpoint, SHA-256 verified, in eval mode."""
    if seed not in SEEDS:
        raise ValueError(f"the script trains seeds {SEEDS}; got {seed}")
    model = TinyUNet(classes=len(CLASS_NAMES), width=WIDTH)
    return load_checkpoint(model, Path(directory) / f"seed{seed}.pt").eval()


def read_report(path: str | Path = REPORT) -> dict:
    """What ``scripts/train_particle_segmenter.py`` measured.

    ``recipe``: the settings. ``runs``: one per seed, with ``seed``, ``val_curve`` (the validation IoU per
    class after each epoch), ``val_iou`` and ``test_iou`` (per class, after the last epoch) and ``seconds``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run python scripts/train_particle_segmenter.py")
    return json.loads(path.read_text())


__all__ = [
    "BACKGROUND_WEIGHT",
    "CHECKPOINT_DIR",
    "EPOCHS",
    "EVENT_SEEDS",
    "REPORT",
    "SEEDS",
    "events",
    "load_particle_segmenter",
    "pixel_iou",
    "pixel_loss",
    "read_report",
    "segment",
    "train_particle_segmenter",
]
