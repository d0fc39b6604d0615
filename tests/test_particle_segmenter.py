"""Lesson 12's U-Net: the shipped checkpoints score what the training script reported, and the recipe is checked."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils.particle_images import particle_events
from course_utils.training import particles as recipe


@pytest.fixture(scope="module")
def report():
    return recipe.read_report()


def test_the_report_is_the_recipe(report):
    assert report["recipe"]["epochs"] == recipe.EPOCHS and report["recipe"]["width"] == recipe.WIDTH
    assert [run["seed"] for run in report["runs"]] == list(recipe.SEEDS)
    for run in report["runs"]:
        assert len(run["val_curve"]) == recipe.EPOCHS and run["val_iou"] == run["val_curve"][-1]


@pytest.mark.parametrize("seed", recipe.SEEDS)
def test_every_checkpoint_scores_what_the_report_says(report, seed):
    model = recipe.load_particle_segmenter(seed)
    run = next(run for run in report["runs"] if run["seed"] == seed)
    assert np.allclose(recipe.pixel_iou(model, recipe.events("test")), run["test_iou"], atol=1e-6)


def test_the_loss_weighs_the_background_less():
    logits = torch.zeros(1, 3, 2, 2, requires_grad=True)
    masks = torch.tensor([[[0, 0], [1, 2]]])
    loss = recipe.pixel_loss(logits, masks)
    loss.backward()
    background, track = logits.grad[0, 0, 0, 0].abs().item(), logits.grad[0, 1, 1, 0].abs().item()
    assert background == pytest.approx(recipe.BACKGROUND_WEIGHT * track, rel=1e-5)


def test_training_is_seeded():
    data = particle_events(8, seed=3)
    a, _, _ = recipe.train_particle_segmenter(data, seed=1, epochs=1)
    b, _, _ = recipe.train_particle_segmenter(data, seed=1, epochs=1)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))


@pytest.mark.parametrize(("call", "says"), [
    (lambda: recipe.events("dev"), "split must be one of"),
    (lambda: recipe.load_particle_segmenter(7), "seeds"),
    (lambda: recipe.train_particle_segmenter(particle_events(2), epochs=0), "epochs"),
])
def test_wrong_arguments_say_what_to_do(call, says):
    with pytest.raises(ValueError, match=says):
        call()
