"""Train lesson 07's digit CNN and save it to data/checkpoints/, so students may skip training.

Usage: python scripts/train_digit_cnn.py   (then `make checksums`)

Seeded and deterministic: the same environment (constraints.txt, 2 threads)
gives the same weights. The lesson trains the very same way; this script only
saves the result.
"""

from __future__ import annotations

import course_utils
from course_utils import augment, checkpoint, models, train
from course_utils.integrity import DATA_DIR

CHECKPOINT = DATA_DIR / "checkpoints" / "digit_cnn.pt"
EPOCHS, LR, BATCH_SIZE = 20, 3e-3, 64


def train_digit_cnn():
    """The lesson's recipe: Qiu's CNN, Adam with a one-cycle schedule, random affine augmentation."""
    course_utils.setup()
    x_train, y_train, x_test, y_test = course_utils.load_mnist()
    model = models.digit_cnn()
    history = train.fit(
        model,
        (x_train, y_train),
        epochs=EPOCHS,
        lr=LR,
        batch_size=BATCH_SIZE,
        augment=augment.random_affine,
        plot=False,
    )
    _, accuracy = train.evaluate(model, x_test, y_test)
    return model, history, accuracy


def main() -> None:
    model, history, accuracy = train_digit_cnn()
    digest = checkpoint.save_checkpoint(model, CHECKPOINT)
    print(f"test accuracy {accuracy:.1%} after {history.seconds:.0f} s; saved {CHECKPOINT.name} ({digest[:12]})")


if __name__ == "__main__":
    main()
