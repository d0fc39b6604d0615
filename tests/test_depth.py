"""Deep plain networks: the initialisation, the per-layer statistics, and the theory they should match."""


import matplotlib
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.analysis import LayerStatistics, layer_statistics
from course_utils.models import plain_mlp
from course_utils.plots import plot_layer_statistics

matplotlib.use("Agg")


def digits(n=128, seed=0):
    """Inputs shaped like MNIST digits, in [0, 1], with labels."""
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 28, 28, generator=generator), torch.randint(0, 10, (n,), generator=generator)


def test_the_stack_has_depth_relus_and_batch_norm_when_asked():
    plain = plain_mlp(depth=5, width=32)
    normed = plain_mlp(depth=5, width=32, batch_norm=True)
    assert sum(isinstance(m, nn.ReLU) for m in plain) == 5
    assert sum(isinstance(m, nn.BatchNorm1d) for m in plain) == 0
    assert sum(isinstance(m, nn.BatchNorm1d) for m in normed) == 5
    hidden = [m for m in plain if isinstance(m, nn.Linear)][:-1]
    assert all(m.bias is None for m in hidden)
    assert plain(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


@pytest.mark.parametrize("gain", [0.5, 1.0, 2.0])
def test_weights_have_std_gain_times_he(gain):
    model = plain_mlp(depth=2, width=512, gain=gain)
    first, second = [m for m in model if isinstance(m, nn.Linear)][:2]
    assert first.weight.std().item() == pytest.approx(gain * (2 / 784) ** 0.5, rel=0.02)
    assert second.weight.std().item() == pytest.approx(gain * (2 / 512) ** 0.5, rel=0.02)


def test_the_seed_alone_fixes_the_weights():
    torch.manual_seed(1)
    a = plain_mlp(depth=3, width=16, seed=7)
    torch.manual_seed(2)
    b = plain_mlp(depth=3, width=16, seed=7)
    c = plain_mlp(depth=3, width=16, seed=8)
    hidden = slice(1, 6, 2)  # the three hidden Linear layers
    assert all(torch.equal(p.weight, q.weight) for p, q in zip(a[hidden], b[hidden], strict=True))
    assert not torch.equal(a[1].weight, c[1].weight)


def test_gradients_equal_autograd_of_the_layer_outputs():
    model = plain_mlp(depth=4, width=16, seed=3)
    x, y = digits(16)
    stats = layer_statistics(model, x, y)
    h = x.flatten(1)
    outputs = []
    for layer in model[1:-1]:
        h = layer(h)
        if isinstance(layer, nn.ReLU):
            outputs.append(h)
    loss = F.cross_entropy(model[-1](h), y)
    grads = torch.autograd.grad(loss, outputs)
    np.testing.assert_allclose(stats.activation_std, [o.std().item() for o in outputs], rtol=1e-6)
    np.testing.assert_allclose(stats.gradient_std, [g.std().item() for g in grads], rtol=1e-6)


def test_measuring_leaves_the_model_as_it_was():
    model = plain_mlp(depth=3, width=16, batch_norm=True).eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    layer_statistics(model, *digits(8))
    assert not model.training
    assert all(p.grad is None for p in model.parameters())
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key


@pytest.mark.parametrize("gain", [0.5, 1.0, 2.0])
def test_each_layer_multiplies_the_spread_by_about_the_gain(gain):
    """The theory of He et al. (2015): Var grows by n * Var(w) / 2 = gain**2 per ReLU layer."""
    stats = layer_statistics(plain_mlp(depth=30, width=256, gain=gain), *digits(256))
    per_layer = stats.activation_growth ** (1 / 29)
    assert per_layer == pytest.approx(gain, rel=0.1)
    # Backward, the gradient grows by the same factor per layer towards the input.
    assert stats.gradient_growth ** (1 / 29) == pytest.approx(gain, rel=0.1)


def test_batch_norm_keeps_activations_at_the_same_scale_whatever_the_gain():
    runs = {
        g: layer_statistics(plain_mlp(depth=20, width=128, gain=g, batch_norm=True), *digits(128)) for g in (0.5, 2)
    }
    for stats in runs.values():
        assert 0.4 < stats.activation_std.min() and stats.activation_std.max() < 1.0
    # Batch norm undoes the weights' scale, so both gains give the same gradients.
    np.testing.assert_allclose(runs[0.5].gradient_std, runs[2].gradient_std, rtol=0.01)


def test_growth_properties():
    stats = LayerStatistics(np.array([1.0, 10.0, 100.0]), np.array([8.0, 4.0, 2.0]))
    assert stats.activation_growth == 100.0 and stats.gradient_growth == 4.0


def test_the_plot_has_two_log_panels_with_one_line_per_run():
    runs = {
        "a": LayerStatistics(np.array([1.0, 2.0]), np.array([1.0, 0.5])),
        "b": LayerStatistics(np.array([1.0, 1.0]), np.array([1.0, 1.0])),
    }
    fig = plot_layer_statistics(runs, title="t", ylim=(1e-3, 1e3))
    forward, backward = fig.axes
    assert forward.get_yscale() == backward.get_yscale() == "log"
    assert forward.get_ylim() == backward.get_ylim() == (1e-3, 1e3)
    assert len(forward.lines) == len(backward.lines) == 2
    assert [t.get_text() for t in forward.get_legend().get_texts()] == ["a", "b"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: plain_mlp(depth=0), "depth"),
        (lambda: plain_mlp(gain=0), "gain must be positive"),
        (lambda: layer_statistics(plain_mlp(depth=2, width=8), torch.zeros(3, 1, 28, 28), torch.zeros(2)), "3 inputs"),
        (lambda: layer_statistics(nn.Sequential(nn.Flatten(), nn.Linear(784, 10)), *digits(2)), "no ReLU"),
    ],
)
def test_bad_input_is_explained(call, message):
    with pytest.raises(ValueError, match=message):
        call()
