"""Train lesson 12's particle-image U-Net with three seeds, measure it honestly and save the weights.

Usage:
    python scripts/train_particle_segmenter.py

Then run `python -m course_utils.integrity --update` to record the new files' SHA-256.

The recipe lives in ``course_utils.training.particles``: the tiny U-Net of lesson 09 with 3 classes
(background, track, shower), trained on 3,000 generated events. After every epoch the script
measures the IoU of each class on the 500 validation events (where the number of epochs was
chosen); after the last it scores each seed once on the 1,000 test events. The weights go to
data/checkpoints/particle_segmenter/seed<N>.pt, the numbers to data/checkpoints/particle_segmenter.json.
Seeded and deterministic on 2 threads; a few minutes on 2 CPU threads.
"""

from __future__ import annotations

import json

import course_utils
from course_utils.training import particles as recipe
from course_utils.training import save_checkpoint


def main() -> None:
    course_utils.setup()
    train, val, test = (recipe.events(split) for split in ("train", "validation", "test"))
    report = {
        "recipe": {"epochs": recipe.EPOCHS, "lr": recipe.LR, "batch_size": recipe.BATCH_SIZE, "width": recipe.WIDTH,
                   "background_weight": recipe.BACKGROUND_WEIGHT, "events": recipe.EVENT_COUNTS,
                   "event_seeds": recipe.EVENT_SEEDS},
        "runs": [],
    }
    for seed in recipe.SEEDS:
        model, history, curve = recipe.train_particle_segmenter(train, seed=seed, val=val)
        save_checkpoint(model, recipe.CHECKPOINT_DIR / f"seed{seed}.pt")
        run = {"seed": seed, "val_curve": curve, "val_iou": curve[-1],
               "test_iou": [float(v) for v in recipe.pixel_iou(model, test)], "seconds": round(history.seconds, 1)}
        report["runs"].append(run)
        print(f"seed {seed}: validation IoU per epoch (track, shower):",
              " ".join(f"{c[1]:.3f}/{c[2]:.3f}" for c in curve), f"; test {run['test_iou']} ({run['seconds']} s)")
        recipe.REPORT.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
