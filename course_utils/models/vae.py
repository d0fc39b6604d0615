"""The variational autoencoder (Kingma and Welling, 2014), in the few lines lesson 10 needs.

The encoder no longer returns one code per image but a Gaussian over codes: a ``mean`` and a
``log_var`` (the log of the variance, so that any real number is allowed) per code number. Training
draws a code from it with the **reparameterisation trick**,

.. math:: z = \\mu + \\sigma \\odot \\varepsilon, \\qquad \\sigma = e^{\\log \\sigma^2 / 2},
   \\quad \\varepsilon \\sim \\mathcal{N}(0, I),

so that the randomness sits in :math:`\\varepsilon` and gradients flow through :math:`\\mu` and
:math:`\\sigma`. The loss (:func:`vae_loss`) adds to the reconstruction error the KL divergence from
the encoder's Gaussian to the prior :math:`\\mathcal{N}(0, I)`,

.. math:: \\mathrm{KL} = -\\tfrac{1}{2} \\sum_j \\left(1 + \\log \\sigma_j^2 - \\mu_j^2 - \\sigma_j^2\\right),

which pulls every image's Gaussian towards the same standard normal: the codes fill one round
region without holes, and decoding a draw from the prior gives a plausible digit.

Layouts: images ``(N, 1, 28, 28)`` in [0, 1]; ``mean`` and ``log_var`` ``(N, code_size)``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.models.autoencoders import conv_decoder, conv_encoder


class VAE(nn.Module):
    """A convolutional VAE: the encoder of ``conv_autoencoder`` with two outputs per code number.

    ``forward(x)`` returns ``(reconstruction, mean, log_var)``. In training mode the code is drawn
    with the reparameterisation trick; in evaluation mode it is the mean, so that results repeat.

    >>> vae = VAE(2).eval()
    >>> [tuple(t.shape) for t in vae(torch.rand(3, 1, 28, 28))]
    [(3, 1, 28, 28), (3, 2), (3, 2)]
    >>> vae.decode(torch.zeros(4, 2)).shape
    torch.Size([4, 1, 28, 28])
    """

    def __init__(self, code_size: int = 2, channels: tuple[int, int] = (16, 32)):
        super().__init__()
        if not isinstance(code_size, int) or code_size < 1:
            raise ValueError(f"code_size must be a whole number of at least 1, got {code_size!r}")
        self.code_size = code_size
        self.encoder = conv_encoder(2 * code_size, channels)  # first half: means; second half: log-variances
        self.decoder = conv_decoder(code_size, "transposed", channels)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Images to ``(mean, log_var)``, each ``(N, code_size)``."""
        mean, log_var = self.encoder(x).chunk(2, dim=1)
        return mean, log_var

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        """Codes ``(N, code_size)`` to images ``(N, 1, 28, 28)`` in [0, 1]."""
        return self.decoder(code)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mean, log_var = self.encode(x)
        code = reparameterise(mean, log_var) if self.training else mean
        return self.decode(code), mean, log_var


def reparameterise(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """A draw from :math:`\\mathcal{N}(\\mu, \\sigma^2)` written as :math:`\\mu + \\sigma \\varepsilon`.

    >>> torch.equal(reparameterise(torch.ones(3), torch.full((3,), -float("inf"))), torch.ones(3))  # sigma = 0
    True
    """
    return mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)


def kl_to_standard_normal(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL divergence from :math:`\\mathcal{N}(\\mu, \\sigma^2)` to :math:`\\mathcal{N}(0, 1)`, summed over code numbers.

    One number per image, shape ``(N,)``; zero exactly when the mean is 0 and the variance 1.

    >>> kl_to_standard_normal(torch.zeros(1, 2), torch.zeros(1, 2)).abs()
    tensor([0.])
    >>> kl_to_standard_normal(torch.tensor([[1.0, 0.0]]), torch.zeros(1, 2))  # half the squared distance
    tensor([0.5000])
    """
    return -0.5 * (1 + log_var - mean.pow(2) - log_var.exp()).sum(dim=1)


def vae_loss(reconstruction: torch.Tensor, x: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """The negative evidence lower bound, per image, averaged over the batch.

    Reconstruction term: binary cross-entropy **summed** over the 784 pixels of an image (each
    pixel a Bernoulli variable, as Kingma and Welling did for MNIST); plus the KL term of
    :func:`kl_to_standard_normal`; both per image, then the **mean** over the images.

    >>> x = torch.full((2, 1, 28, 28), 0.5)
    >>> round(vae_loss(x, x, torch.zeros(2, 3), torch.zeros(2, 3)).item(), 2)  # 784 * ln 2, KL 0
    543.43
    """
    per_pixel = F.binary_cross_entropy(reconstruction, x, reduction="none")
    return (per_pixel.flatten(1).sum(dim=1) + kl_to_standard_normal(mean, log_var)).mean()
