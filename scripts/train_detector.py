"""Train lesson 09's digit detector, measure it honestly and save it to data/checkpoints/.

Usage:
    python scripts/train_detector.py                          train, save, report (then `make checksums`)
    python scripts/train_detector.py --choose-epochs 4 8 12   validation mAP per epoch count
    python scripts/train_detector.py --segmenter              the tiny U-Net with and without skips, per seed

Every choice is made on the validation scenes (made from the validation digits); each trained
model is scored once on the test scenes (made from the test digits), at the end. The detector
is trained once per seed in ``SEEDS``; the ``SEED`` run is saved as the checkpoint. The
measurements go to data/checkpoints/digit_detector.json, which the lesson and the README quote
and a test checks against the checkpoint. The recipe lives in
``course_utils.training.detection``, which the lesson calls too.
"""

from __future__ import annotations

import argparse
import json

import course_utils
from course_utils.scenes import digit_scenes
from course_utils.training import detection, save_checkpoint

SEEDS = (0, 1, 2)


def scenes(split: str, n: int):
    return digit_scenes(split, n, seed=detection.SCENE_SEEDS[split])


def measure_segmenter(seeds: list[int], val) -> dict:
    """Validation IoU of the tiny U-Net with and without skips, one run per seed (no test: nothing is shipped)."""
    train = scenes("train", detection.SEGMENTER_SCENES)
    runs = []
    for seed in seeds:
        for skips in (True, False):
            model, history = detection.train_segmenter(train, skips=skips, seed=seed)
            runs.append({"seed": seed, "skips": skips, "seconds": round(history.seconds, 1),
                         "validation": detection.score_segmenter(model, val)})
            print(runs[-1])
    recipe = {"scenes": detection.SEGMENTER_SCENES, "epochs": detection.SEGMENTER_EPOCHS, "lr": detection.SEGMENTER_LR,
              "batch_size": detection.SEGMENTER_BATCH, "background_weight": detection.BACKGROUND_WEIGHT}
    return {"recipe": recipe, "runs": runs}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--choose-epochs", type=int, nargs="+", metavar="E", help="only compare epoch counts")
    parser.add_argument("--segmenter", action="store_true", help="only measure the segmenter (validation IoU)")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS),
                        help="seeds to train (default: 0 1 2); the report keeps other seeds' results")
    args = parser.parse_args(argv)
    course_utils.setup()
    train = scenes("train", detection.TRAIN_SCENES)
    val = scenes("validation", detection.VAL_SCENES)
    report = detection.read_detector_report() if detection.REPORT.is_file() else {}
    if args.segmenter:
        report["segmenter"] = measure_segmenter(args.seeds, val)
    elif args.choose_epochs:
        search = report.setdefault("epoch_search", {})
        for epochs in args.choose_epochs:
            model, history = detection.train_detector(train, epochs=epochs)
            search[str(epochs)] = {**detection.score_detector(model, val), "seconds": round(history.seconds, 1)}
            print(f"{epochs} epochs: validation {search[str(epochs)]}")
    else:
        test = scenes("test", detection.TEST_SCENES)
        runs = {run["seed"]: run for run in report.get("runs", [])}  # seeds not trained now keep their results
        for seed in args.seeds:
            model, history = detection.train_detector(train, seed=seed)
            run = {"seed": seed, "seconds": round(history.seconds, 1),
                   "validation": detection.score_detector(model, val), "test": detection.score_detector(model, test)}
            runs[seed] = run
            print(run)
            if seed == detection.SEED:
                print("saved", save_checkpoint(model, detection.CHECKPOINT)[:12])
        report.update({
            "recipe": {"width": detection.WIDTH, "epochs": detection.EPOCHS, "lr": detection.LR,
                       "batch_size": detection.BATCH_SIZE, "train_scenes": detection.TRAIN_SCENES,
                       "scene_seeds": detection.SCENE_SEEDS},
            "parameters": sum(p.numel() for p in model.parameters()),
            "runs": [runs[seed] for seed in sorted(runs)],
            "target": {"map_50": 0.95, "map": 0.65},
        })
    detection.REPORT.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
