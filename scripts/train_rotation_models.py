"""Train lesson 11's rotation experiment: a plain CNN, the same with random turns, and a p4 CNN, over seeds.

Usage:
    python scripts/train_rotation_models.py                       train every kind with seeds 0, 1, 2; save, report
    python scripts/train_rotation_models.py --choose-epochs 4 8   validation accuracy (upright) per epoch count

Then run `python -m course_utils.integrity --update` to record the new files' SHA-256.

The recipe is in ``course_utils.training.rotation``. Every model trains on the 3,500 upright training
digits; the epoch count is chosen on the 500 validation digits; each model is scored once on the
1,000 test digits, turned by every angle of ``rotation.ANGLES``. The seed-0 models go to
data/checkpoints/rotation/, all the numbers to data/checkpoints/rotation.json. Seeded and
deterministic: the same environment (constraints.txt, 2 threads) gives the same weights.
"""

from __future__ import annotations

import argparse
import json

import course_utils
from course_utils.training import rotation, save_checkpoint


def six_nine(model, mnist) -> list[int]:
    """Upright test digits: how many 6s the model calls 9, and 9s it calls 6."""
    from course_utils.training import predict

    predicted = predict(model, mnist.test.images).argmax(1)
    labels = mnist.test.labels
    return [int(((labels == 6) & (predicted == 9)).sum()), int(((labels == 9) & (predicted == 6)).sum())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--choose-epochs", type=int, nargs="+", metavar="N")
    args = parser.parse_args()
    course_utils.setup()
    mnist = course_utils.load_mnist()
    x, y = mnist.train.images, mnist.train.labels
    report = json.loads(rotation.REPORT.read_text()) if rotation.REPORT.exists() else {}
    if args.choose_epochs:
        search = report.setdefault("epoch_search", {})
        for kind in rotation.KINDS:
            for epochs in args.choose_epochs:
                model, _ = rotation.train_rotation_model(kind, x, y, epochs=epochs)
                accuracy = rotation.accuracy_by_angle(model, mnist.validation.images, mnist.validation.labels, (0.0,))
                search.setdefault(kind, {})[str(epochs)] = accuracy[0]
                print(f"{kind:10} {epochs:3d} epochs: validation accuracy (upright) {accuracy[0]:.3f}", flush=True)
        rotation.REPORT.write_text(json.dumps(report, indent=2) + "\n")
        return
    report.update({"angles": list(rotation.ANGLES), "epochs": rotation.EPOCHS, "runs": {}})
    for kind in rotation.KINDS:
        for seed in rotation.SEEDS:
            model, history = rotation.train_rotation_model(kind, x, y, seed=seed)
            run = {
                "seed": seed,
                "parameters": sum(p.numel() for p in model.parameters()),
                "seconds": round(history.seconds, 1),
                "val_by_angle": rotation.accuracy_by_angle(model, mnist.validation.images, mnist.validation.labels),
                "test_by_angle": rotation.accuracy_by_angle(model, mnist.test.images, mnist.test.labels),
                "six_nine": six_nine(model, mnist),
            }
            report["runs"].setdefault(kind, []).append(run)
            print(f"{kind:10} seed {seed}: validation {run['val_by_angle'][0]:.3f} upright, test by angle "
                  f"{' '.join(f'{a:.2f}' for a in run['test_by_angle'])} ({run['seconds']:.0f} s)", flush=True)
            if seed == 0:
                save_checkpoint(model, rotation.CHECKPOINT_DIR / f"{kind}.pt")
            rotation.REPORT.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
