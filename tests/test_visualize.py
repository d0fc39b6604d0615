"""course_utils.plots.features: layer outputs, top activations, receptive-field patches, confusion matrices, plots."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
import torch
from torch import nn

from course_utils.analysis import confusion_matrix, layer_outputs, patch_under, top_activations
from course_utils.models import digit_cnn
from course_utils.ops import field_gradient, receptive_field
from course_utils.plots import plot_confusion_matrix, plot_feature_maps, plot_kernels, plot_top_patches, show_mistakes

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


def test_layer_outputs_follow_the_digit_cnn_and_equal_the_whole_model() -> None:
    torch.manual_seed(0)
    model, x = digit_cnn(), torch.rand(3, 1, 28, 28)
    outputs = layer_outputs(model, x)
    assert [name for name, _ in outputs][:4] == ["0 Conv2d", "1 ReLU", "2 MaxPool2d", "3 Conv2d"]
    shapes = [tuple(out.shape[1:]) for _, out in outputs]
    assert shapes[2] == (16, 14, 14) and shapes[5] == (36, 7, 7) and shapes[-1] == (10,)
    model.eval()
    assert torch.allclose(outputs[-1][1], model(x))
    model.train()
    layer_outputs(model, x)
    assert model.training, "the model gets its mode back"


def test_layer_outputs_needs_a_sequential() -> None:
    class Wrapper(nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(ValueError, match="nn.Sequential"):
        layer_outputs(Wrapper(), torch.zeros(1))


def test_top_activations_match_a_brute_force_search() -> None:
    torch.manual_seed(1)
    acts = torch.rand(20, 3, 5, 6)
    hits = top_activations(acts, channel=2, k=4)
    best_per_image = acts[:, 2].flatten(1).max(1).values
    assert [hit.image for hit in hits] == best_per_image.argsort(descending=True)[:4].tolist()
    for hit in hits:
        assert acts[hit.image, 2, hit.row, hit.col] == hit.value == best_per_image[hit.image]
    assert len({hit.image for hit in hits}) == 4, "one hit per image"
    assert [hit.value for hit in hits] == sorted((hit.value for hit in hits), reverse=True)


@pytest.mark.parametrize(("channel", "k", "match"), [(3, 2, "channels 0 to 2"), (0, 0, "between 1 and 20")])
def test_top_activations_explain_bad_requests(channel, k, match) -> None:
    with pytest.raises(ValueError, match=match):
        top_activations(torch.zeros(20, 3, 4, 4), channel, k)


def test_a_patch_holds_exactly_the_pixels_that_reach_its_cell() -> None:
    layers = digit_cnn()[:5]  # up to the second convolution's ReLU
    field = receptive_field(layers)
    assert (field.rf, field.jump, field.start) == (14, 2, -6)
    image = torch.arange(28 * 28, dtype=torch.float32).reshape(1, 28, 28) + 1
    for row, col in [(7, 7), (0, 0), (13, 5), (3, 13)]:
        patch = patch_under(image, field, row, col)
        assert patch.shape == (1, 14, 14)
        reach = field_gradient(layers, 28, (row, col)) > 0  # measured with autograd
        seen = np.isin(image[0].numpy(), patch.numpy())
        assert np.array_equal(seen, reach), (row, col)
        assert (patch > 0).sum() == reach.sum(), "zeros only where the field hangs over the edge"


def test_an_interior_patch_is_a_plain_slice_and_edges_are_zero_filled() -> None:
    field = receptive_field(digit_cnn()[:5])
    image = torch.rand(28, 28)
    assert torch.equal(patch_under(image, field, 7, 8), image[8:22, 10:24])
    corner = patch_under(image, field, 0, 0)
    assert torch.equal(corner[6:, 6:], image[:8, :8]) and not corner[:6].any() and not corner[:, :6].any()
    with pytest.raises(ValueError, match="sees no pixel"):
        patch_under(image, field, 20, 0)


def test_confusion_matrix_counts_pairs_like_sklearn() -> None:
    from sklearn.metrics import confusion_matrix as sklearn_confusion

    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    ours = confusion_matrix(torch.from_numpy(y_true), torch.from_numpy(y_pred), n_classes=10)
    assert np.array_equal(ours.numpy(), sklearn_confusion(y_true, y_pred, labels=range(10)))
    assert ours.sum() == 500 and ours.trace() == (y_true == y_pred).sum()


@pytest.mark.parametrize(
    ("y_true", "y_pred", "n", "match"),
    [
        ([0, 1], [0], None, "2 true labels but 1 predictions"),
        ([0, -1], [0, 1], None, "negative"),
        ([0, 5], [0, 1], 3, "n_classes is 3"),
    ],
)
def test_confusion_matrix_explains_bad_labels(y_true, y_pred, n, match) -> None:
    with pytest.raises(ValueError, match=match):
        confusion_matrix(torch.tensor(y_true), torch.tensor(y_pred), n)


def test_show_mistakes_orders_by_confidence_and_titles_true_and_predicted() -> None:
    images = torch.rand(4, 1, 6, 6)
    y_true = torch.tensor([0, 1, 2, 0])
    probabilities = torch.tensor([[0.9, 0.1, 0.0], [0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.2, 0.0, 0.8]])
    fig, order = show_mistakes(images, y_true, probabilities, names=["cat", "dog", "fox"])
    assert order == [3, 1]  # the 80% mistake first, then the 70% one; right answers left out
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["cat → fox\n80.0%", "dog → cat\n70.0%"]
    with pytest.raises(ValueError, match="no mistakes"):
        show_mistakes(images[:1], y_true[:1], probabilities[:1])


def test_the_plots_draw_one_panel_per_item_and_check_their_input() -> None:
    model = digit_cnn()
    fig = plot_kernels(model[0].weight, ncols=8)
    assert sum(1 for ax in fig.axes if ax.images) == 16
    fig = plot_feature_maps(torch.rand(36, 7, 7), "conv2", channels=range(12))
    assert sum(1 for ax in fig.axes if ax.images) == 12 and fig.get_suptitle() == "conv2"
    fig = plot_top_patches({3: [torch.rand(14, 14)] * 9, 5: [torch.rand(1, 14, 14)] * 9})
    assert sum(1 for ax in fig.axes if ax.images) == 18
    ax = plot_confusion_matrix(torch.eye(10, dtype=torch.long) * 100 + torch.diag(torch.ones(9), 1).long())
    assert {text.get_text() for text in ax.texts} == {"100", "1"}
    with pytest.raises(ValueError, match="first-layer weights"):
        plot_kernels(model[3].weight)
    with pytest.raises(ValueError, match="one image"):
        plot_feature_maps(torch.rand(2, 36, 7, 7))
    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(torch.zeros(2, 3))
