"""Lesson 10's models, recipe and measurements: shapes, the VAE's formulas against torch.distributions,
the linear autoencoder against PCA, PSNR against scikit-image, and the shipped checkpoints against their report."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.linalg import subspace_angles
from skimage.metrics import peak_signal_noise_ratio
from sklearn.decomposition import PCA
from torch.distributions import Normal, kl_divergence

import course_utils
from course_utils import models
from course_utils.analysis import checkerboard_energy, psnr
from course_utils.training import autoencoders as recipe

FACTORIES = {
    "linear": models.linear_autoencoder,
    "dense": models.dense_autoencoder,
    "conv": models.conv_autoencoder,
    "upsample": lambda code: models.conv_autoencoder(code, decoder="upsample"),
}


@pytest.mark.parametrize("family", FACTORIES)
@pytest.mark.parametrize("code_size", [1, 2, 16, 32])
def test_every_autoencoder_gives_back_the_image_shape(family, code_size):
    model = FACTORIES[family](code_size).eval()
    x = torch.rand(3, 1, 28, 28)
    with torch.no_grad():
        code, out = model.encode(x), model(x)
    assert code.shape == (3, code_size) and out.shape == x.shape
    assert torch.allclose(model.decode(code), out)
    if family != "linear":
        assert out.min() >= 0 and out.max() <= 1  # a sigmoid ends the decoder


def test_the_decoders_go_7_14_28_with_both_kinds_of_up_step():
    for kind in models.autoencoders.DECODERS:
        maps = [t.shape[1:] for t in _intermediate(models.conv_decoder(4, kind), torch.zeros(1, 4))]
        assert (32, 7, 7) in maps and (16, 14, 14) in maps and maps[-1] == (1, 28, 28)


def _intermediate(sequential, x):
    outputs = []
    for layer in sequential:
        x = layer(x)
        outputs.append(x)
    return outputs


def test_bad_arguments_say_what_to_do():
    with pytest.raises(ValueError, match="code_size must be a whole number from 1 to 784"):
        models.conv_autoencoder(0)
    with pytest.raises(ValueError, match="decoder must be one of"):
        models.conv_autoencoder(4, decoder="deconvolution")
    with pytest.raises(ValueError, match="code_size"):
        models.VAE(0)


def test_a_linear_autoencoder_trained_with_mse_spans_the_principal_subspace():
    """Baldi and Hornik (1989) on data with three clear directions: the angles to PCA's subspace vanish."""
    generator = torch.Generator().manual_seed(0)
    basis = torch.linalg.qr(torch.randn(784, 3, generator=generator))[0]
    x = (torch.randn(400, 3, generator=generator) * torch.tensor([3.0, 2.0, 1.5])) @ basis.T
    x = x + 0.05 * torch.randn(400, 784, generator=generator)
    x = x - x.mean(dim=0)  # centred, as in the lesson: the biases could learn the mean, but slowly
    torch.manual_seed(0)
    model = models.linear_autoencoder(3)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    images = x.reshape(-1, 1, 28, 28)
    for _ in range(1000):
        optimiser.zero_grad()
        F.mse_loss(model(images), images).backward()
        optimiser.step()
    pca = PCA(3).fit(x.numpy())
    angles = np.degrees(subspace_angles(model.decoder[0].weight.detach().numpy(), pca.components_.T))
    assert angles.max() < 2, angles


def test_kl_and_reparameterisation_agree_with_torch_distributions():
    torch.manual_seed(1)
    mean, log_var = torch.randn(5, 4, dtype=torch.float64), torch.randn(5, 4, dtype=torch.float64)
    prior = Normal(torch.zeros_like(mean), torch.ones_like(mean))
    expected = kl_divergence(Normal(mean, (0.5 * log_var).exp()), prior).sum(dim=1)
    assert torch.allclose(models.kl_to_standard_normal(mean, log_var), expected)
    draws = models.reparameterise(mean[:1].expand(20000, 4), log_var[:1].expand(20000, 4))
    assert torch.allclose(draws.mean(0), mean[0], atol=0.05 * (0.5 * log_var[0]).exp().max())
    assert torch.allclose(draws.var(0).log(), log_var[0], atol=0.05)
    mean.requires_grad_(True)
    models.reparameterise(mean, log_var).sum().backward()
    assert torch.equal(mean.grad, torch.ones_like(mean))  # the gradient flows through the mean


def test_the_vae_samples_in_training_and_uses_the_mean_in_evaluation():
    vae = models.VAE(2)
    x = torch.rand(4, 1, 28, 28)
    torch.manual_seed(0)
    first = vae.train()(x)[0]
    assert not torch.equal(first, vae(x)[0])
    assert torch.equal(vae.eval()(x)[0], vae(x)[0])


def test_psnr_is_scikit_images_and_checkerboard_energy_finds_the_alternating_pattern():
    generator = torch.Generator().manual_seed(2)
    reference = torch.rand(3, 1, 28, 28, generator=generator)
    estimate = (reference + 0.1 * torch.randn(3, 1, 28, 28, generator=generator)).clamp(0, 1)
    for ours, image, truth in zip(psnr(estimate, reference), estimate, reference, strict=True):
        assert ours.item() == pytest.approx(peak_signal_noise_ratio(truth.numpy(), image.numpy(), data_range=1.0))
    board = ((torch.arange(28)[:, None] + torch.arange(28)) % 2).float()[None, None]
    blob = torch.exp(-((torch.arange(28) - 13.5) ** 2) / 40)
    smooth = (blob[:, None] * blob[None, :])[None, None]
    energies = checkerboard_energy(torch.cat([board, smooth, smooth + 0.2 * board]))
    assert energies[0] == pytest.approx(1.0) and energies[1] < 1e-3 and 0.05 < energies[2] < 1
    with pytest.raises(ValueError, match="even height"):
        checkerboard_energy(torch.zeros(1, 1, 27, 27))


def test_the_denoisers_noise_is_clipped_and_seeded():
    x = torch.rand(4, 1, 28, 28)
    a = recipe.add_noise(x, generator=torch.Generator().manual_seed(0))
    b = recipe.add_noise(x, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a, b) and a.min() >= 0 and a.max() <= 1 and not torch.equal(a, x)
    with pytest.raises(ValueError, match="at least 0"):
        recipe.add_noise(x, std=-1)


def test_the_recipe_repeats_itself_with_the_same_seed():
    x = torch.rand(32, 1, 28, 28, generator=torch.Generator().manual_seed(3))
    runs = [recipe.train_autoencoder(lambda: models.conv_autoencoder(2), x, epochs=1, seed=5)[0] for _ in range(2)]
    for a, b in zip(runs[0].state_dict().values(), runs[1].state_dict().values(), strict=True):
        assert torch.equal(a, b)
    with pytest.raises(ValueError, match="make_model must build the model"):
        recipe.train_autoencoder(models.conv_autoencoder(2), x, epochs=1)


def test_the_report_holds_the_whole_experiment():
    report = recipe.read_report()
    assert report["epochs"] == recipe.EPOCHS and min(report["epoch_search"].values()) == report["epoch_search"][
        str(recipe.EPOCHS)]
    for family in ("dense", "conv"):
        assert sorted(map(int, report["curve"][family])) == list(recipe.CODE_SIZES)
        for runs in report["curve"][family].values():
            assert [run["seed"] for run in runs] == list(recipe.SEEDS)
    assert [run["seed"] for run in report["curve"]["upsample"]["16"]] == list(recipe.SEEDS)
    assert set(report["shipped"]) == set(recipe.SHIPPED)


@pytest.mark.parametrize("name", sorted(recipe.SHIPPED))
def test_each_shipped_checkpoint_scores_what_the_report_says(name):
    report = recipe.read_report()["shipped"][name]
    model = recipe.load_autoencoder(name)
    mnist = course_utils.load_mnist()
    for split, images in (("validation", mnist.validation.images), ("test", mnist.test.images)):
        key = "val_loss" if split == "validation" else "test_loss"
        assert recipe.score(name, model, images, split) == pytest.approx(report[key], rel=1e-4), (name, split)
