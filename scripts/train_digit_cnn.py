"""Train lesson 07's digit CNN, measure it honestly and save it to data/checkpoints/.

Usage:
    python scripts/train_digit_cnn.py                              train, save, report (then `make checksums`)
    python scripts/train_digit_cnn.py --models mlp digit_cnn_plain only these (the report keeps the others)
    python scripts/train_digit_cnn.py --choose-epochs 5 10 20 30   validation accuracy per epoch count

Every choice is made on the validation digits; each trained model is scored on the test
digits once, at the end. Each model in ``recipes.COMPARED`` (the digit CNN, LeNet-5, the
MLP and the CNN without augmentation) is trained with the same recipe once per seed in
``recipes.SEEDS``; the ``recipes.SEED`` run of each model in ``recipes.SAVED`` is saved as a
checkpoint. The measurements go to data/checkpoints/digit_cnn.json, which the lesson and the
README quote. Seeded and deterministic: the same environment (constraints.txt, 2 threads)
gives the same weights. The recipe lives in ``course_utils.training.recipes``, which the
lesson calls too.
"""

from __future__ import annotations

import argparse
import json
import statistics

import course_utils
from course_utils import training
from course_utils.training import recipes


def choose_epochs(mnist, candidates: list[int]) -> dict[str, list[float]]:
    """Final validation accuracy of the CNN's recipe for each epoch count, one number per seed."""
    search = {}
    for epochs in candidates:
        search[str(epochs)] = [
            recipes.train_digit_cnn(*mnist.train, epochs=epochs, seed=seed, val=mnist.validation)[1].val_accuracy[-1]
            for seed in recipes.SEEDS
        ]
        print(f"{epochs:3d} epochs: validation accuracy {', '.join(f'{a:.1%}' for a in search[str(epochs)])}")
    return search


def train_seeds(name: str, mnist) -> dict:
    """Train one model per seed with the recipe; score each once on the test digits."""
    make_model, augment = recipes.COMPARED[name]
    runs = []
    for seed in recipes.SEEDS:
        model, history = recipes.train_recipe(
            make_model, *mnist.train, augment=augment, seed=seed, val=mnist.validation
        )
        _, test_accuracy = training.evaluate(model, *mnist.test)
        runs.append({"seed": seed, "val_accuracy": history.val_accuracy[-1], "test_accuracy": test_accuracy,
                     "seconds": round(history.seconds, 1)})
        print(f"{name} seed {seed}: validation {history.val_accuracy[-1]:.1%}, test {test_accuracy:.1%}, "
              f"{history.seconds:.0f} s")
        if name in recipes.SAVED and seed == recipes.SEED:
            path = recipes.checkpoint_path(name)
            digest = training.save_checkpoint(model, path)
            print(f"saved {path.name} ({digest[:12]})")
    tests = [run["test_accuracy"] for run in runs]
    parameters = sum(p.numel() for p in make_model().parameters())
    return {"parameters": parameters, "runs": runs, "test_mean": statistics.mean(tests),
            "test_std": statistics.stdev(tests)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--choose-epochs", type=int, nargs="+", metavar="E", help="only compare epoch counts")
    parser.add_argument("--models", nargs="+", choices=list(recipes.COMPARED), default=list(recipes.COMPARED),
                        help="train only these models (default: all); the report keeps the others' results")
    args = parser.parse_args(argv)
    course_utils.setup()
    mnist = course_utils.load_mnist()
    report = recipes.read_report() if recipes.REPORT.is_file() else {}
    if args.choose_epochs:
        report.setdefault("epoch_search", {}).update(choose_epochs(mnist, args.choose_epochs))
    else:
        report["epochs"] = recipes.EPOCHS
        trained = {name: train_seeds(name, mnist) for name in args.models}
        results = {**report.get("models", {}), **trained}
        report["models"] = {name: results[name] for name in recipes.COMPARED if name in results}  # in a fixed order
        for name, result in trained.items():
            print(f"{name}: test accuracy {result['test_mean']:.2%} ± {result['test_std']:.2%} "
                  f"over seeds {list(recipes.SEEDS)}")
    recipes.REPORT.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
