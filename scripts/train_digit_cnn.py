"""Train lesson 07's digit CNN and save it to data/checkpoints/, so students may skip training.

Usage: python scripts/train_digit_cnn.py   (then `make checksums`)

Seeded and deterministic: the same environment (constraints.txt, 2 threads)
gives the same weights. The recipe lives in ``course_utils.training.recipes``, which the
lesson calls too, so the notebook trains exactly the same way; this script
only saves the result.
"""

from __future__ import annotations

import course_utils
from course_utils import training
from course_utils.training import recipes


def main() -> None:
    course_utils.setup()
    x_train, y_train, x_test, y_test = course_utils.load_mnist()
    model, history = recipes.train_digit_cnn(x_train, y_train)
    _, accuracy = training.evaluate(model, x_test, y_test)
    digest = training.save_checkpoint(model, recipes.CHECKPOINT)
    print(
        f"test accuracy {accuracy:.1%} after {recipes.EPOCHS} epochs in {history.seconds:.0f} s; "
        f"saved {recipes.CHECKPOINT.name} ({digest[:12]})"
    )


if __name__ == "__main__":
    main()
