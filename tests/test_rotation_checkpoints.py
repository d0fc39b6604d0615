"""Lesson 11's rotation models: the shipped checkpoints score what the script's report says, and the report's
claims hold for every seed (the p4 CNN's accuracy is the same at every quarter turn)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import course_utils
from course_utils.training import rotation


@pytest.fixture(scope="module")
def report():
    return rotation.read_report()


@pytest.mark.parametrize("kind", list(rotation.KINDS))
def test_the_checkpoint_scores_what_the_report_says(kind, report):
    mnist = course_utils.load_mnist()
    angles = (0.0, 45.0, 90.0)
    measured = rotation.accuracy_by_angle(rotation.load_rotation_model(kind), mnist.test.images, mnist.test.labels,
                                          angles)
    stored = [report["runs"][kind][0]["test_by_angle"][report["angles"].index(a)] for a in angles]
    assert np.allclose(measured, stored, atol=1e-6), (kind, measured, stored)


def test_the_report_has_every_kind_and_seed_at_every_angle(report):
    assert report["angles"] == list(rotation.ANGLES) and report["epochs"] == rotation.EPOCHS
    for kind in rotation.KINDS:
        runs = report["runs"][kind]
        assert [run["seed"] for run in runs] == list(rotation.SEEDS)
        assert all(len(run["test_by_angle"]) == len(rotation.ANGLES) == len(run["val_by_angle"]) for run in runs)


def test_the_p4_model_is_exact_at_quarter_turns_for_every_seed(report):
    quarter = [report["angles"].index(a) for a in (0.0, 90.0, 180.0, 270.0)]
    for run in report["runs"]["p4"]:
        assert len({run["test_by_angle"][i] for i in quarter}) == 1
        assert len({run["val_by_angle"][i] for i in quarter}) == 1


def test_turn_is_exact_for_quarter_turns_and_close_to_them_otherwise():
    x = torch.zeros(1, 1, 28, 28)
    x[0, 0, 6:22, 12:16] = 1  # a bar
    assert torch.equal(rotation.turn(x, 270), torch.rot90(x, 3, dims=(2, 3)))
    assert torch.allclose(rotation.turn(x, 89.9), rotation.turn(x, 90), atol=0.05)
    assert rotation.random_turn(x.repeat(5, 1, 1, 1)).shape == (5, 1, 28, 28)


def test_unknown_kinds_are_refused():
    with pytest.raises(ValueError, match="choose one of plain, augmented, p4"):
        rotation.load_rotation_model("rotated")
