"""The moving-digit clips of lesson 11, and the three video classifiers' relation to the order of frames."""

from __future__ import annotations

import pytest
import torch

from course_utils import models
from course_utils.videos import DIRECTIONS, STEPS, make_clips, moving_digits


def blobs(n: int = 6) -> torch.Tensor:
    digits = torch.zeros(n, 1, 28, 28)
    for i in range(n):
        digits[i, 0, 4 + i : 20, 6:22 - i] = 0.2 + 0.1 * i  # distinct, non-empty "digits"
    return digits


def test_every_frame_is_the_previous_one_moved_by_the_speed_in_the_labelled_direction():
    clips = make_clips(blobs(), 40, frames=5, size=30, digit_size=12, speed=3, seed=1)
    assert clips.videos.shape == (40, 1, 5, 30, 30) and set(clips.labels.tolist()) == {0, 1, 2, 3}
    for video, label in zip(clips.videos[:, 0], clips.labels, strict=True):
        dy, dx = STEPS[int(label)]
        for t in range(4):
            moved = torch.roll(video[t], shifts=(3 * dy, 3 * dx), dims=(0, 1))
            torch.testing.assert_close(video[t + 1], moved)  # the path never touches the border, so roll is a move
        assert (video.flatten(1).sum(1) > 0).all()  # the digit is on the canvas in every frame


def test_the_start_of_a_path_is_uniform_over_all_places_that_keep_it_on_the_canvas():
    ink_everywhere = torch.ones(1, 1, 28, 28)
    clips = make_clips(ink_everywhere, 4000, frames=4, size=20, digit_size=10, speed=2, seed=0)
    firsts = {}
    for video, label in zip(clips.videos[:, 0], clips.labels, strict=True):
        rows, cols = video[0].nonzero(as_tuple=True)
        firsts.setdefault(DIRECTIONS[int(label)], set()).add((int(rows.min()), int(cols.min())))
    # right: columns 0..4 (the path adds 6 of the 10 free columns), rows 0..10; left: columns 6..10
    assert {c for _, c in firsts["right"]} == set(range(0, 5)) and {c for _, c in firsts["left"]} == set(range(6, 11))
    assert {r for r, _ in firsts["down"]} == set(range(0, 5)) and {r for r, _ in firsts["up"]} == set(range(6, 11))


def test_the_same_seed_gives_the_same_clips_and_splits_use_their_own_digits():
    a, b = moving_digits("validation", 5, seed=3), moving_digits("validation", 5, seed=3)
    assert torch.equal(a.videos, b.videos) and torch.equal(a.labels, b.labels)
    assert not torch.equal(moving_digits("test", 5, seed=3).videos, a.videos)


def test_settings_that_cannot_work_are_refused_with_a_fix():
    with pytest.raises(ValueError, match="at least 26"):
        make_clips(blobs(), 2, frames=8, size=20, digit_size=12, speed=2)
    with pytest.raises(ValueError, match="unknown split"):
        moving_digits("val", 2)


def test_only_the_per_frame_network_is_blind_to_the_order_of_frames():
    torch.manual_seed(0)
    clips = torch.rand(3, 1, 6, 20, 20)
    shuffled = clips[:, :, torch.randperm(6)]
    per_frame, channels, conv3d = models.per_frame_cnn(), models.frames_as_channels_cnn(6), models.conv3d_cnn()
    torch.testing.assert_close(per_frame(shuffled), per_frame(clips))
    for model in (channels, conv3d):
        assert not torch.allclose(model(shuffled), model(clips), atol=1e-4)
