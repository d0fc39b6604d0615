"""Lesson 09's recipes: the digit detector and the segmenter, in one place for the lesson and the script.

``scripts/train_detector.py`` trains the detector with :func:`train_detector`, saves it to
``data/checkpoints/digit_detector.pt`` and writes what it measured (validation and test mAP)
to ``digit_detector.json`` beside it; the lesson either loads the checkpoint
(:func:`load_detector`) or trains it itself. The recipe:

* :class:`course_utils.models.detector.DigitDetector` (``WIDTH``);
* ``TRAIN_SCENES`` scenes made from the training digits (``SCENE_SEED``); validation scenes
  from the validation digits, test scenes from the test digits (``scenes.digit_scenes``);
* Adam with a one-cycle schedule peaking at ``LR``, mini-batches of ``BATCH_SIZE``,
  ``EPOCHS`` passes, generators reseeded with ``SEED`` before the model is built.

Every choice was made on the validation scenes; the test scenes are scored once per model.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.integrity import DATA_DIR
from course_utils.models.detector import DigitDetector, detect, detection_loss, detector_targets
from course_utils.models.segmenter import MASK_CLASSES, TinyUNet
from course_utils.ops.average_precision import mean_average_precision
from course_utils.ops.masks import foreground_iou, mean_iou
from course_utils.runtime import seed_everything
from course_utils.scenes import Scenes
from course_utils.training.checkpoint import load_checkpoint
from course_utils.training.loop import History, fit

CHECKPOINT = DATA_DIR / "checkpoints" / "digit_detector.pt"
REPORT = CHECKPOINT.with_suffix(".json")
WIDTH, EPOCHS, LR, BATCH_SIZE, SEED = 24, 8, 5e-3, 64, 0
TRAIN_SCENES, VAL_SCENES, TEST_SCENES = 4000, 500, 500
SCENE_SEEDS = {"train": 0, "validation": 1, "test": 2}
# The segmenter: chosen on the validation scenes (mean foreground IoU); a few seconds of CPU per model.
SEGMENTER_SCENES, SEGMENTER_EPOCHS, SEGMENTER_LR, SEGMENTER_BATCH = 500, 5, 5e-3, 16
BACKGROUND_WEIGHT = 0.2
"""Background pixels count this much in the segmenter's cross-entropy, digit pixels 1: about 90% of all
pixels are background, and with equal weights the network learns to answer "background" everywhere."""


def train_detector(
    scenes: Scenes,
    *,
    epochs: int = EPOCHS,
    seed: int = SEED,
    val: Scenes | None = None,
    plot: bool = False,
    width: int = WIDTH,
) -> tuple[nn.Module, History]:
    """Seed, build the detector, train it on ``scenes`` with the recipe; returns ``(model, history)``."""
    seed_everything(seed)
    model = DigitDetector(width=width)
    targets = detector_targets(scenes.boxes, scenes.labels)
    val_data = None if val is None else (val.images, detector_targets(val.boxes, val.labels))
    history = fit(model, (scenes.images, targets), val=val_data, epochs=epochs, lr=LR, batch_size=BATCH_SIZE,
                  plot=plot, loss_fn=detection_loss, metric=None)
    model.eval()
    return model, history


def score_detector(model: nn.Module, scenes: Scenes) -> dict[str, float]:
    """mAP@0.5 and mAP@[.5:.95] (COCO's rules) of ``model`` on ``scenes``."""
    detections = detect(model, scenes.images)
    targets = scenes.targets()
    return {
        "map_50": mean_average_precision(detections, targets, iou_thresholds=[0.5]).map,
        "map": mean_average_precision(detections, targets).map,
    }


def load_detector(path: str | Path = CHECKPOINT) -> nn.Module:
    """The trained detector from its checkpoint (SHA-256 verified, weights only), in eval mode."""
    return load_checkpoint(DigitDetector(width=WIDTH), path).eval()


def read_detector_report(path: str | Path = REPORT) -> dict:
    """What ``scripts/train_detector.py`` measured: the recipe, and each seed's validation and test mAP."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run python scripts/train_detector.py to train and measure")
    return json.loads(path.read_text())


def segmenter_loss(logits: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over the pixels, background weighted ``BACKGROUND_WEIGHT`` and every digit class 1."""
    weight = torch.ones(logits.shape[1], device=logits.device)
    weight[0] = BACKGROUND_WEIGHT
    return F.cross_entropy(logits, masks, weight=weight)


def train_segmenter(
    scenes: Scenes, *, skips: bool = True, epochs: int = SEGMENTER_EPOCHS, seed: int = SEED, plot: bool = False
) -> tuple[nn.Module, History]:
    """Seed, build a :class:`TinyUNet` (with or without skips) and train it on the scenes' pixel masks."""
    seed_everything(seed)
    model = TinyUNet(skips=skips)
    history = fit(model, (scenes.images, scenes.masks), epochs=epochs, lr=SEGMENTER_LR, batch_size=SEGMENTER_BATCH,
                  plot=plot, metric=None, loss_fn=segmenter_loss)
    model.eval()
    return model, history


def segment(model: nn.Module, images: torch.Tensor, batch_size: int = 250) -> torch.Tensor:
    """The class of every pixel, ``(N, H, W)``, by the model in evaluation mode."""
    model.eval()
    with torch.no_grad():
        return torch.cat([model(images[s : s + batch_size]).argmax(dim=1) for s in range(0, len(images), batch_size)])


def score_segmenter(model: nn.Module, scenes: Scenes) -> dict[str, float]:
    """Mean IoU of the model's pixel classes on ``scenes`` (11 classes), and the IoU of digit-vs-background pixels."""
    predicted = segment(model, scenes.images)
    return {"mean_iou": mean_iou(predicted, scenes.masks, MASK_CLASSES),
            "foreground_iou": foreground_iou(predicted, scenes.masks)}


__all__ = [
    "CHECKPOINT",
    "REPORT",
    "load_detector",
    "read_detector_report",
    "score_detector",
    "score_segmenter",
    "segment",
    "segmenter_loss",
    "train_detector",
    "train_segmenter",
]
