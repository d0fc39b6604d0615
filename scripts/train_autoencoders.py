"""Train lesson 10's autoencoders, measure them honestly and save the ones the lesson loads.

Usage:
    python scripts/train_autoencoders.py                           train everything, save, report
    python scripts/train_autoencoders.py --choose-epochs 10 20 30  validation MSE per epoch count
    python scripts/train_autoencoders.py --resume                  skip runs the report already holds

Then run `python -m course_utils.integrity --update` to record the new files' SHA-256.

Every choice is made on the 500 validation digits; each trained model is scored once on the
1,000 test digits. What it trains (recipe in ``course_utils.training.autoencoders``):

* the reconstruction-error curve: a dense and a convolutional autoencoder at code sizes
  2, 4, 8, 16 and 32, each with seeds 0, 1 and 2 (the lesson adds PCA, which needs no training);
* the same convolutional autoencoder at code 16 with an upsample-then-convolve decoder, seeds 0-2;
* a denoising autoencoder (code 32) and a variational autoencoder (code 2), seed 0.

The models the lesson looks inside (``SHIPPED``) go to data/checkpoints/autoencoders/, and all
the numbers to data/checkpoints/autoencoders.json. Seeded and deterministic: the same environment
(constraints.txt, 2 threads) gives the same weights. About half an hour on 2 CPU threads.
"""

from __future__ import annotations

import argparse
import json

import course_utils
from course_utils.training import autoencoders as recipe
from course_utils.training import save_checkpoint


def save(report: dict) -> None:
    recipe.REPORT.write_text(json.dumps(report, indent=2) + "\n")


def choose_epochs(mnist, candidates: list[int]) -> dict[str, float]:
    """Validation MSE of the code-16 convolutional autoencoder (seed 0) for each epoch count."""
    search = {}
    for epochs in candidates:
        _, history = recipe.train_autoencoder(lambda: recipe.FAMILIES["conv"](16), mnist.train.images, epochs=epochs,
                                              val=mnist.validation.images)
        search[str(epochs)] = history.val_loss[-1]
        print(f"{epochs:3d} epochs: validation MSE {history.val_loss[-1]:.5f} ({history.seconds:.0f} s)")
    return search


def curve_runs(mnist, report: dict, resume: bool) -> None:
    """Every family at every code size and seed: validation and test MSE (saves the shipped conv runs)."""
    curve = report.setdefault("curve", {})
    jobs = [(family, code, seed) for family in ("dense", "conv") for code in recipe.CODE_SIZES for seed in recipe.SEEDS]
    jobs += [("upsample", 16, seed) for seed in recipe.SEEDS]
    for family, code, seed in jobs:
        runs = curve.setdefault(family, {}).setdefault(str(code), [])
        if resume and any(run["seed"] == seed for run in runs):
            continue
        model, history = recipe.train_autoencoder(lambda f=family, c=code: recipe.FAMILIES[f](c), mnist.train.images,
                                                  seed=seed, val=mnist.validation.images)
        name = {"conv": f"conv-{code}", "upsample": f"upsample-{code}"}.get(family, "")
        name = f"{name}-seed{seed}" if name and code == 16 else name if seed == 0 else ""
        test_mse = recipe.score("", model, mnist.test.images, "test")
        run = {"seed": seed, "val_mse": history.val_loss[-1], "test_mse": test_mse,
               "parameters": sum(p.numel() for p in model.parameters()), "seconds": round(history.seconds, 1)}
        runs[:] = sorted([r for r in runs if r["seed"] != seed] + [run], key=lambda r: r["seed"])
        print(f"{family} code {code} seed {seed}: validation MSE {run['val_mse']:.5f}, test {run['test_mse']:.5f}, "
              f"{run['seconds']:.0f} s")
        if name in recipe.SHIPPED:
            ship(name, model, mnist, report)
        save(report)


def ship(name: str, model, mnist, report: dict) -> None:
    """Save a checkpoint the lesson loads, with its scores on both held-out splits."""
    digest = save_checkpoint(model, recipe.CHECKPOINT_DIR / f"{name}.pt")
    report.setdefault("shipped", {})[name] = {
        "what": recipe.SHIPPED[name][1],
        "val_loss": recipe.score(name, model, mnist.validation.images, "validation"),
        "test_loss": recipe.score(name, model, mnist.test.images, "test"),
    }
    print(f"saved {name}.pt ({digest[:12]})")


def other_models(mnist, report: dict, resume: bool) -> None:
    """The denoiser and the VAE: one seed each, shipped."""
    for name, noise in (("denoiser-32", recipe.NOISE), ("vae-2", None)):
        if resume and name in report.get("shipped", {}):
            continue
        model, history = recipe.train_autoencoder(lambda n=name: recipe.shipped_model(n), mnist.train.images,
                                                  noise=noise, val=mnist.validation.images)
        print(f"{name}: validation loss {history.val_loss[-1]:.5f}, {history.seconds:.0f} s")
        ship(name, model, mnist, report)
        save(report)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--choose-epochs", type=int, nargs="+", metavar="E", help="only compare epoch counts")
    parser.add_argument("--resume", action="store_true", help="keep the runs the report already holds")
    args = parser.parse_args(argv)
    course_utils.setup()
    mnist = course_utils.load_mnist()
    report = recipe.read_report() if recipe.REPORT.is_file() else {}
    if args.choose_epochs:
        report.setdefault("epoch_search", {}).update(choose_epochs(mnist, args.choose_epochs))
        save(report)
        return
    report.update({"epochs": recipe.EPOCHS, "lr": recipe.LR, "batch_size": recipe.BATCH_SIZE, "noise": recipe.NOISE})
    curve_runs(mnist, report, args.resume)
    other_models(mnist, report, args.resume)
    save(report)


if __name__ == "__main__":
    main()
