"""The digit detector: targets, loss, decoding (a perfect output finds every digit) and the segmenter's metric."""

from pathlib import Path

import pytest
import torch

from course_utils.models import DigitDetector, TinyUNet, decode_detections, detection_loss, detector_targets
from course_utils.models.detector import STRIDE
from course_utils.ops import box_iou, confusion_matrix, mean_average_precision, mean_iou
from course_utils.scenes import digit_scenes
from course_utils.training import detection


@pytest.fixture(scope="module")
def scenes():
    return digit_scenes("validation", 40, seed=5)


def perfect_output(scenes):
    """The logits and log-distances a perfect detector would produce for these scenes."""
    heat, boxes, weight = detector_targets(scenes.boxes, scenes.labels)
    logits = torch.where(heat == 1.0, 10.0, torch.where(heat > 0, -1.0, -10.0))
    grid = heat.shape[-1]
    centres = (torch.arange(grid) + 0.5) * STRIDE
    cy, cx = torch.meshgrid(centres, centres, indexing="ij")
    sides = torch.stack([cx - boxes[:, 0], cy - boxes[:, 1], boxes[:, 2] - cx, boxes[:, 3] - cy], dim=1)
    distances = torch.log(sides.clamp(min=1e-3) / STRIDE)
    return torch.cat([logits, distances], dim=1), (heat, boxes, weight)


def test_targets_put_one_peak_per_digit(scenes):
    heat, _, weight = detector_targets(scenes.boxes, scenes.labels)
    assert heat.shape == (40, 10, 16, 16) and weight.shape == (40, 16, 16)
    assert int((heat == 1.0).sum()) == int((scenes.labels >= 0).sum())
    assert ((heat >= 0) & (heat <= 1)).all()


def test_a_perfect_output_decodes_to_every_box_and_scores_map_one(scenes):
    output, targets = perfect_output(scenes)
    detections = decode_detections(output)
    assert mean_average_precision(detections, scenes.targets()).map == pytest.approx(1.0)
    for found, truth in zip(detections, scenes.targets(), strict=True):
        assert box_iou(found["boxes"], truth["boxes"]).max(dim=0).values.min() > 0.999
    assert detection_loss(output, targets) < detection_loss(torch.zeros_like(output), targets)


def test_the_detector_and_the_unet_keep_their_shapes_and_sizes():
    assert DigitDetector()(torch.zeros(1, 1, 64, 64)).shape == (1, 14, 16, 16)
    for skips in (True, False):
        assert TinyUNet(skips=skips)(torch.zeros(1, 1, 64, 64)).shape == (1, 11, 64, 64)
    assert sum(p.numel() for p in DigitDetector(width=detection.WIDTH).parameters()) < 500_000


def test_loss_gradients_flow_to_every_parameter(scenes):
    model = DigitDetector(width=8)
    targets = detector_targets(scenes.boxes[:4], scenes.labels[:4])
    detection_loss(model(scenes.images[:4]), targets).backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


def test_mean_iou_by_hand_and_its_errors():
    target = torch.tensor([[0, 0, 1, 1], [0, 0, 2, 2]])
    predicted = torch.tensor([[0, 0, 1, 0], [0, 0, 2, 2]])
    # class 0: 4 shared / 5 either; class 1: 1 / 2; class 2: 2 / 2
    assert mean_iou(predicted, target, 3) == pytest.approx((4 / 5 + 1 / 2 + 1) / 3)
    assert confusion_matrix(predicted, target, 3).sum() == 8
    with pytest.raises(ValueError, match=r"argmax\(dim=1\)"):
        mean_iou(torch.zeros(2, 3, 4, 4), target, 3)
    with pytest.raises(ValueError, match="must lie in 0 .. 2"):
        mean_iou(target + 1, target, 3)


@pytest.mark.skipif(not detection.REPORT.is_file(), reason="no detector report yet")
def test_the_checkpoint_scores_what_its_report_says():
    report = detection.read_detector_report()
    run = next(r for r in report["runs"] if r["seed"] == detection.SEED)
    model = detection.load_detector()
    val = digit_scenes("validation", detection.VAL_SCENES, seed=detection.SCENE_SEEDS["validation"])
    measured = detection.score_detector(model, val)
    assert measured["map"] == pytest.approx(run["validation"]["map"], abs=2e-3)
    assert measured["map_50"] == pytest.approx(run["validation"]["map_50"], abs=2e-3)


def test_the_readme_gives_every_seed_of_the_detector_report():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for run in detection.read_detector_report()["runs"]:
        scores = [run[split][key] for split in ("validation", "test") for key in ("map_50", "map")]
        assert f"| {run['seed']} | " + " | ".join(f"{score:.3f}" for score in scores) + " |" in readme, run
