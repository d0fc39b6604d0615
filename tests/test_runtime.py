import random

import matplotlib as mpl
import numpy as np
import pytest
import torch
from IPython.core.interactiveshell import InteractiveShell

from course_utils import gpu
from course_utils.runtime import setup, thread_count


def draw():
    return random.random(), np.random.rand(), torch.rand(1).item()


def test_setup_makes_random_numbers_repeat():
    setup(seed=3)
    first = draw()
    setup(seed=3)
    assert draw() == first
    setup(seed=4)
    assert draw() != first


def test_setup_fixes_threads_determinism_and_plots(monkeypatch):
    monkeypatch.setenv("COURSE_THREADS", "1")
    device = setup()
    assert torch.get_num_threads() == 1
    assert torch.are_deterministic_algorithms_enabled()
    assert mpl.rcParams["font.size"] * mpl.rcParams["figure.dpi"] / 72 >= 13  # px: as large as the notebook text
    assert device.type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_thread_count_defaults_to_two(monkeypatch):
    monkeypatch.delenv("COURSE_THREADS", raising=False)
    assert thread_count() == 2


@pytest.mark.parametrize("raw, words", [("two", "not a whole number"), ("0", "at least 1")])
def test_thread_count_rejects_bad_values(monkeypatch, raw, words):
    monkeypatch.setenv("COURSE_THREADS", raw)
    with pytest.raises(ValueError, match=words):
        thread_count()


@pytest.fixture
def shell():
    shell = InteractiveShell.instance()
    assert gpu.register_gpu_magic()
    yield shell
    InteractiveShell.clear_instance()


def test_gpu_magic_skips_with_one_friendly_line(shell, monkeypatch, capsys):
    monkeypatch.setattr(gpu, "has_gpu", lambda: False)
    result = shell.run_cell("%%gpu\nran = True\nraise RuntimeError('must not run')")
    assert result.success
    assert capsys.readouterr().out.strip() == gpu.SKIP_MESSAGE
    assert "ran" not in shell.user_ns


def test_gpu_magic_runs_the_cell_when_a_gpu_exists(shell, monkeypatch):
    monkeypatch.setattr(gpu, "has_gpu", lambda: True)
    shell.run_cell("%%gpu\nran = 6 * 7")
    assert shell.user_ns["ran"] == 42


def test_register_gpu_magic_outside_ipython_is_a_no_op():
    InteractiveShell.clear_instance()
    assert gpu.register_gpu_magic() is False
