"""Digit scenes: determinism, tight boxes around the ink, masks that agree with boxes and labels, digit pools."""

import numpy as np
import pytest
import torch

from course_utils.scenes import BACKGROUND, INK, digit_scenes, make_scenes


@pytest.fixture(scope="module")
def scenes():
    return digit_scenes("validation", 60, seed=3)


def test_the_same_seed_gives_the_same_scenes(scenes):
    again = digit_scenes("validation", 60, seed=3)
    for a, b in zip(scenes, again, strict=True):
        assert torch.equal(a, b)
    assert not torch.equal(digit_scenes("validation", 60, seed=4).images, scenes.images)


def test_shapes_ranges_and_counts(scenes):
    assert scenes.images.shape == (60, 1, 64, 64) and scenes.images.dtype == torch.float32
    assert 0 <= scenes.images.min() and scenes.images.max() <= 1
    counts = (scenes.labels >= 0).sum(dim=1)
    assert counts.min() >= 1 and counts.max() <= 5
    assert ((scenes.labels >= -1) & (scenes.labels <= 9)).all()
    # padding rows come last
    for row, count in zip(scenes.labels, counts.tolist(), strict=True):
        assert (row[:count] >= 0).all() and (row[count:] == -1).all()


def test_every_box_holds_ink_of_its_digit_and_its_mask(scenes):
    for image, target, mask in zip(scenes.images, scenes.targets(), scenes.masks, strict=True):
        for box, label in zip(target["boxes"].int().tolist(), target["labels"].tolist(), strict=True):
            x1, y1, x2, y2 = box
            assert 0 <= x1 < x2 <= 64 and 0 <= y1 < y2 <= 64
            inside = mask[y1:y2, x1:x2]
            assert (inside == 1 + label).any()
            # tight: the ink of this digit touches every side of its box
            mine = (inside == 1 + label) | (image[0, y1:y2, x1:x2] > INK)
            assert mine[0].any() and mine[-1].any() and mine[:, 0].any() and mine[:, -1].any()
        labelled = mask != BACKGROUND
        covered = torch.zeros_like(labelled)
        for x1, y1, x2, y2 in target["boxes"].int().tolist():
            covered[y1:y2, x1:x2] = True
        assert not (labelled & ~covered).any(), "a mask pixel outside every box"


def test_mask_classes_match_box_labels(scenes):
    for target, mask in zip(scenes.targets(), scenes.masks, strict=True):
        present = set((mask[mask != BACKGROUND] - 1).unique().tolist())
        assert present <= set(target["labels"].tolist())


def test_splits_draw_from_disjoint_digit_pools():
    ones = torch.ones(1, 1, 28, 28)
    scenes = make_scenes(torch.cat([ones * 0, ones]), torch.tensor([3, 8]), n=20, seed=0)
    assert set(scenes.labels[scenes.labels >= 0].tolist()) == {8}  # the blank digit has no ink: never placed


def test_bad_input_says_what_to_pass():
    with pytest.raises(ValueError, match=r"load_mnist\(\).train.images"):
        make_scenes(torch.zeros(5, 28, 28), torch.zeros(5), n=2)
    with pytest.raises(ValueError, match="scale must satisfy"):
        make_scenes(torch.ones(1, 1, 28, 28), torch.zeros(1), n=2, scale=(2, 100))
    with pytest.raises(ValueError, match="unknown split 'val'"):
        digit_scenes("val", 2)


def test_scenes_slice_like_a_batch(scenes):
    head = scenes[:5]
    assert len(head.images) == 5 and len(head.targets()) == 5
    assert np.allclose(head.images.numpy(), scenes.images[:5].numpy())
