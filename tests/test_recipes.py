"""course_utils.training.recipes: one recipe for the script and the lesson; the shipped checkpoint meets its target."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

import course_utils
from course_utils.models import digits as models
from course_utils.training import loop as train
from course_utils.training import recipes

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "train_digit_cnn.py"


def few_digits(n: int = 96):
    x_train, y_train, _, _ = course_utils.load_mnist()
    return x_train[:n], y_train[:n]


def test_the_recipe_is_the_documented_one() -> None:
    assert (recipes.EPOCHS, recipes.LR, recipes.BATCH_SIZE, recipes.SEED) == (20, 3e-3, 64, 0)
    assert recipes.CHECKPOINT.name == "digit_cnn.pt" and recipes.CHECKPOINT.parent.name == "checkpoints"


def test_the_recipe_gives_the_same_weights_every_time() -> None:
    x, y = few_digits()
    runs = [recipes.train_digit_cnn(x, y, epochs=1)[0] for _ in range(2)]
    for a, b in zip(runs[0].state_dict().values(), runs[1].state_dict().values(), strict=True):
        assert torch.equal(a, b)
    other_seed, _ = recipes.train_digit_cnn(x, y, epochs=1, seed=1)
    assert not torch.equal(other_seed[0].weight, runs[0][0].weight)
    assert not runs[0].training, "the trained model comes back in eval mode"


def test_the_recipe_trains_any_model_with_or_without_augmentation() -> None:
    x, y = few_digits()
    model, history = recipes.train_recipe(models.mlp, x, y, epochs=2, augment=None, val=(x, y))
    assert len(history.train_loss) == len(history.val_accuracy) == 2
    assert history.train_loss[-1] < history.train_loss[0]


def test_a_built_model_is_refused_with_advice() -> None:
    x, y = few_digits(8)
    with pytest.raises(ValueError, match="without the parentheses"):
        recipes.train_recipe(models.mlp(), x, y, epochs=1)


def test_the_shipped_checkpoint_loads_verified_and_meets_the_lessons_target() -> None:
    model = recipes.load_digit_cnn()
    assert not model.training
    _, _, x_test, y_test = course_utils.load_mnist()
    _, accuracy = train.evaluate(model, x_test, y_test)
    assert accuracy >= 0.985, accuracy


def test_the_script_saves_what_the_recipe_trains(tmp_path, monkeypatch, capsys) -> None:
    spec = importlib.util.spec_from_file_location("train_digit_cnn_script", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    calls, real_recipe = [], recipes.train_digit_cnn

    def quick_recipe(x, y, **options):
        calls.append((len(x), options))
        return real_recipe(x[:64], y[:64], epochs=1)

    monkeypatch.setattr(recipes, "train_digit_cnn", quick_recipe)
    monkeypatch.setattr(recipes, "CHECKPOINT", tmp_path / "digit_cnn.pt")
    script.main()
    assert calls == [(4000, {})], "the script uses the recipe's defaults, nothing of its own"
    assert (tmp_path / "digit_cnn.pt").is_file() and (tmp_path / "digit_cnn.pt.sha256").is_file()
    assert "saved digit_cnn.pt" in capsys.readouterr().out
