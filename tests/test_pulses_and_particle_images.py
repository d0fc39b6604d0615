"""The lesson 12 generators: germanium pulses and particle images, seeded, with truth that matches the signals."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils.ops import trapezoidal_filter
from course_utils.particle_images import BACKGROUND, CHARGE_CUT, SHOWER, TRACK, particle_events
from course_utils.pulses import MAX_PILEUP_DELAY, TAU, TRIGGER, germanium_pulses


def test_pulses_are_seeded_and_shaped():
    a, b = germanium_pulses(5, seed=3), germanium_pulses(5, seed=3)
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    assert a.traces.shape == (5, 512) and a.traces.dtype == torch.float32
    assert not torch.equal(a.traces, germanium_pulses(5, seed=4).traces)


def test_the_trapezoid_reads_the_energy_of_a_noiseless_pulse():
    """Without noise, the pole-zero corrected trapezoid's flat top is the photon's energy, whatever the start."""
    pulses = germanium_pulses(20, energies=(500.0, 2500.0), white_noise=0.0, current_noise=0.0)
    y = trapezoidal_filter(pulses.traces.double().numpy(), rise=16, flat_top=32, tau=TAU)
    read = TRIGGER + 16 + (32 + 16) // 2 - 1  # the middle of the flat top (jitter 4, collection up to 16)
    assert np.allclose(y[:, read], pulses.energies.numpy(), rtol=1e-5)


def test_white_noise_has_the_stated_size():
    pulses = germanium_pulses(200, energies=1000.0, white_noise=3.0, current_noise=0.0, seed=1)
    baseline = pulses.traces[:, :TRIGGER - 8]
    assert baseline.std().item() == pytest.approx(3.0, rel=0.03)
    assert abs(baseline.mean().item()) < 0.1


def test_pileup_adds_a_second_photon_after_the_first():
    pulses = germanium_pulses(400, pileup=0.5, seed=2)
    piled = pulses.pileup_delay > 0
    assert 0.4 < piled.float().mean() < 0.6
    assert (pulses.pileup_delay[piled] <= MAX_PILEUP_DELAY).all() and (pulses.pileup_energies[~piled] == 0).all()
    assert (pulses.pileup_delay[~piled] == -1).all()


@pytest.mark.parametrize(("settings", "says"), [({"pileup": 1.5}, "probability"), ({"jitter": 400}, "inside")])
def test_pulse_settings_are_checked(settings, says):
    with pytest.raises(ValueError, match=says):
        germanium_pulses(2, **settings)


def test_particle_events_are_seeded_and_labelled():
    a, b = particle_events(30, seed=5), particle_events(30, seed=5)
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    assert a.images.shape == (30, 1, 48, 48) and a.masks.shape == (30, 48, 48)
    assert set(a.labels.tolist()) == {0, 1}


def test_the_primary_is_in_the_truth():
    """A shower-like event has shower pixels, a track-like one has track pixels and none of a shower."""
    events = particle_events(60, seed=6)
    for mask, label in zip(events.masks, events.labels, strict=True):
        if label == 1:
            assert (mask == SHOWER).sum() > 10
        else:
            assert (mask == TRACK).sum() > 10 and (mask == SHOWER).sum() == 0


def test_the_truth_marks_where_the_charge_is():
    events = particle_events(40, seed=7, noise=0.0)
    charged = events.images[:, 0] >= CHARGE_CUT
    assert torch.equal(charged, events.masks != BACKGROUND)


def test_dead_wires_read_nothing_and_hold_no_truth():
    events = particle_events(10, seed=8, dead_wires=5)
    dead = (events.images[:, 0] == 0).all(dim=1)  # (N, wires): columns that read exactly zero
    assert (dead.sum(dim=1) == 5).all()
    assert (events.masks.permute(0, 2, 1)[dead] == BACKGROUND).all()


def test_escaping_primaries_leave_less_in_the_image():
    inside, escaping = particle_events(100, seed=9), particle_events(100, seed=9, escaping=True)
    assert (escaping.masks != BACKGROUND).sum() < 0.7 * (inside.masks != BACKGROUND).sum()


def test_distorted_events_have_more_track_pixels():
    plain, distorted = particle_events(100, seed=10), particle_events(100, seed=10, distorted=True)
    assert (distorted.masks == TRACK).sum() > 1.2 * (plain.masks == TRACK).sum()


def test_particle_settings_are_checked():
    with pytest.raises(ValueError, match="dead_wires"):
        particle_events(2, dead_wires=48)
