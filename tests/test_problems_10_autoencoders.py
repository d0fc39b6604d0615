"""Problem set 10_autoencoders: every numeric answer in ``data/problems/10_autoencoders.yaml``, computed.

The autoencoders are the lesson's own (``course_utils.models``), run in PyTorch; PCA is scikit-learn's,
fitted to the training digits of ``load_mnist()``; the KL term is ``torch.distributions``'.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch
import torch.nn.functional as F
from measure import multiply_adds, n_params
from sklearn.decomposition import PCA
from torch import nn
from torch.distributions import Normal, kl_divergence

import course_utils
from course_utils import models

# ----------------------------------------------------------------------------- conv-autoencoder-counted


def first_map_side() -> int:
    with torch.no_grad():
        return models.conv_autoencoder(16).encoder[0](torch.zeros(1, 1, 28, 28)).shape[-1]


def growth_per_code_number() -> int:
    return n_params(models.conv_autoencoder(17)) - n_params(models.conv_autoencoder(16))


def side_without_output_padding() -> int:
    model = models.conv_autoencoder(16)
    for layer in model.decoder:
        if isinstance(layer, nn.ConvTranspose2d):
            layer.output_padding = (0, 0)
    with torch.no_grad():
        return model(torch.zeros(1, 1, 28, 28)).shape[-1]


# ----------------------------------------------------------------------------- pca-and-the-linear-autoencoder


@functools.cache
def cumulative_variance() -> np.ndarray:
    x = course_utils.load_mnist().train.images.flatten(1).numpy()
    return np.cumsum(PCA().fit(x).explained_variance_ratio_)


# ----------------------------------------------------------------------------- kl-by-hand

MEAN, LOG_VAR = torch.tensor([1.0, 0.0], dtype=torch.float64), torch.tensor([0.0, math.log(4)], dtype=torch.float64)


def kl_of(number: int) -> float:
    prior = Normal(torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64))
    per_number = kl_divergence(Normal(MEAN, (0.5 * LOG_VAR).exp()), prior)
    return round(per_number[number].item(), 3)


def second_code_number() -> float:
    sigma = (0.5 * LOG_VAR).exp()
    return round((MEAN + sigma * torch.tensor([0.5, -1.0], dtype=torch.float64))[1].item(), 3)


COMPUTED = {
    ("conv-autoencoder-counted", 1): first_map_side,
    ("conv-autoencoder-counted", 2): lambda: n_params(models.conv_autoencoder(16)),
    ("conv-autoencoder-counted", 3): growth_per_code_number,
    ("conv-autoencoder-counted", 4): side_without_output_padding,
    ("conv-autoencoder-counted", 5): lambda: multiply_adds(models.conv_autoencoder(16).encoder[0], (1, 28, 28)),
    ("pca-and-the-linear-autoencoder", 1): lambda: round(100 * float(cumulative_variance()[7])),
    ("pca-and-the-linear-autoencoder", 2): lambda: int(np.searchsorted(cumulative_variance(), 0.9)) + 1,
    ("pca-and-the-linear-autoencoder", 3): lambda: n_params(models.linear_autoencoder(8)),
    ("kl-by-hand", 1): lambda: kl_of(0),
    ("kl-by-hand", 2): lambda: kl_of(1),
    ("kl-by-hand", 3): lambda: round(F.binary_cross_entropy(torch.tensor(0.9), torch.tensor(1.0)).item(), 3),
    ("kl-by-hand", 4): second_code_number,
}


def test_the_solutions_side_remarks_hold():
    """Numbers the worked solutions quote besides the answers."""
    model = models.conv_autoencoder(16)
    dense = sum(n_params(layer) for layer in model.modules() if isinstance(layer, nn.Linear))
    assert dense == 51_760 and round(100 * dense / n_params(model)) == 84
    assert multiply_adds(nn.Conv2d(1, 16, 3, padding=1), (1, 28, 28)) == 112_896
    assert round(kl_of(0) + kl_of(1), 3) == 1.307
