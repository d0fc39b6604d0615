"""course_utils.training.recipes: one recipe for script and lesson; the checkpoint scores what its report says."""

from __future__ import annotations

import importlib.util
import statistics
from pathlib import Path

import pytest
import torch

import course_utils
from course_utils.models import digits as models
from course_utils.training import loop as train
from course_utils.training import recipes

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "train_digit_cnn.py"
README = ROOT / "README.md"


def few_digits(n: int = 96):
    x_train, y_train = course_utils.load_mnist().train
    return x_train[:n], y_train[:n]


def test_the_recipe_is_the_documented_one() -> None:
    assert (recipes.EPOCHS, recipes.LR, recipes.BATCH_SIZE, recipes.SEED) == (30, 3e-3, 64, 0)
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


@pytest.mark.parametrize("name", recipes.SAVED)
def test_each_shipped_checkpoint_scores_what_the_report_says(name) -> None:
    """The report's seed-0 test accuracy is the checkpoint's, measured again here."""
    model = recipes.load_trained(name)
    assert not model.training
    _, accuracy = train.evaluate(model, *course_utils.load_mnist().test)
    runs = recipes.read_report()["models"][name]["runs"]
    saved = next(run for run in runs if run["seed"] == recipes.SEED)
    assert accuracy == pytest.approx(saved["test_accuracy"], abs=1e-9)


def test_load_trained_names_the_models_that_ship() -> None:
    assert recipes.checkpoint_path("digit_cnn") == recipes.CHECKPOINT
    trained, loaded = recipes.load_trained("digit_cnn").state_dict(), recipes.load_digit_cnn().state_dict()
    assert all(torch.equal(a, b) for a, b in zip(trained.values(), loaded.values(), strict=True))
    with pytest.raises(ValueError, match="no checkpoint ships for 'lenet5'; the trained models are digit_cnn"):
        recipes.load_trained("lenet5")


def test_the_plain_cnn_is_the_cnn_without_augmentation() -> None:
    assert recipes.COMPARED["digit_cnn_plain"] == (models.digit_cnn, None)
    assert all(augment is not None for name, (_, augment) in recipes.COMPARED.items() if name != "digit_cnn_plain")


@pytest.mark.parametrize("name", list(recipes.COMPARED))
def test_the_report_covers_every_seed_and_its_spread(name) -> None:
    report = recipes.read_report()
    result = report["models"][name]
    tests = [run["test_accuracy"] for run in result["runs"]]
    assert [run["seed"] for run in result["runs"]] == list(recipes.SEEDS) and report["epochs"] == recipes.EPOCHS
    assert result["test_mean"] == pytest.approx(statistics.mean(tests))
    assert result["test_std"] == pytest.approx(statistics.stdev(tests))
    assert result["parameters"] == sum(p.numel() for p in recipes.COMPARED[name][0]().parameters())


def test_the_epochs_were_chosen_on_validation() -> None:
    """The recipe's epoch count has the best mean validation accuracy of those tried (ties: fewer epochs)."""
    search = recipes.read_report()["epoch_search"]
    best = max(sorted(search, key=int), key=lambda epochs: statistics.mean(search[epochs]))
    assert int(best) == recipes.EPOCHS, search


def test_the_readme_quotes_the_report() -> None:
    readme, report = README.read_text(), recipes.read_report()
    for result in report["models"].values():
        assert f"{result['test_mean']:.1%} ± {result['test_std']:.1%}" in readme
    searched = ", ".join(f"{statistics.mean(accuracies):.1%}" for accuracies in report["epoch_search"].values())
    assert " ".join(searched.split()) in " ".join(readme.split()), searched


def test_a_missing_report_says_how_to_make_it(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="scripts/train_digit_cnn.py"):
        recipes.read_report(tmp_path / "missing.json")


def test_the_script_trains_every_model_and_seed_and_saves_the_cnn(tmp_path, monkeypatch, capsys) -> None:
    spec = importlib.util.spec_from_file_location("train_digit_cnn_script", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    calls, real_recipe = [], recipes.train_recipe

    def quick_recipe(make_model, x, y, **options):
        calls.append((make_model.__name__, options["augment"] is None, len(x), options["seed"], len(options["val"][0])))
        return real_recipe(make_model, x[:64], y[:64], epochs=1, seed=options["seed"], val=options["val"])

    monkeypatch.setattr(recipes, "train_recipe", quick_recipe)
    monkeypatch.setattr(recipes, "CHECKPOINT", tmp_path / "digit_cnn.pt")
    monkeypatch.setattr(recipes, "REPORT", tmp_path / "digit_cnn.json")
    script.main([])
    trained = [("digit_cnn", False), ("lenet5", False), ("mlp", False), ("digit_cnn", True)]  # True: not augmented
    expected = [(name, plain, 3500, seed, 500) for name, plain in trained for seed in recipes.SEEDS]
    assert calls == expected, "training digits in, validation digits watched, every model with every seed"
    out = capsys.readouterr().out
    for name in recipes.SAVED:
        assert (tmp_path / f"{name}.pt").is_file() and (tmp_path / f"{name}.pt.sha256").is_file()
        assert f"saved {name}.pt" in out
    assert not (tmp_path / "lenet5.pt").exists()
    report = recipes.read_report(tmp_path / "digit_cnn.json")
    assert list(report["models"]) == list(recipes.COMPARED)
    assert [len(result["runs"]) for result in report["models"].values()] == [len(recipes.SEEDS)] * 4

    before = report["models"]["lenet5"]
    calls.clear()
    script.main(["--models", "mlp"])  # one model again: the others' results stay in the report
    assert [call[0] for call in calls] == ["mlp"] * len(recipes.SEEDS)
    report = recipes.read_report(tmp_path / "digit_cnn.json")
    assert list(report["models"]) == list(recipes.COMPARED) and report["models"]["lenet5"] == before
