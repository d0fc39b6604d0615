"""Autoencoders for 1 x 28 x 28 digits: an encoder squeezes the image into a short code, a decoder rebuilds it.

Vocabulary used throughout (lesson 10):

* the **code** (or latent vector) is the encoder's output, one row of ``code_size`` numbers per
  image; ``code_size`` is the width of the **bottleneck**;
* the **compression ratio** is ``784 / code_size``: how many pixels each number of the code stands for;
* the **reconstruction** is the decoder's output, the same shape as the input, in [0, 1] (a sigmoid
  ends every decoder here except the linear one, which must stay linear to equal PCA).

Three families, each an :class:`Autoencoder` with ``encoder`` and ``decoder`` parts:

* :func:`linear_autoencoder`: one linear layer each way. Trained with mean squared error it spans the
  same subspace as the top ``code_size`` principal components (Baldi and Hornik, 1989).
* :func:`dense_autoencoder`: dense layers with a ReLU hidden layer each way.
* :func:`conv_autoencoder`: two strided 3x3 convolutions down (28 -> 14 -> 7), a dense layer to the
  code, and back up either with **transposed convolutions** (``decoder="transposed"``) or with
  nearest-neighbour **upsampling followed by a convolution** (``decoder="upsample"``), the remedy
  for checkerboard artefacts of Odena, Dumoulin and Olah (2016).
"""

from __future__ import annotations

import torch
from torch import nn

IMAGE = (1, 28, 28)
PIXELS = 28 * 28
DECODERS = ("transposed", "upsample")


class Autoencoder(nn.Module):
    """``decoder(encoder(x))``; :meth:`encode` and :meth:`decode` give the two halves on their own.

    >>> model = linear_autoencoder(4)
    >>> x = torch.rand(5, 1, 28, 28)
    >>> model.encode(x).shape, model(x).shape
    (torch.Size([5, 4]), torch.Size([5, 1, 28, 28]))
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, code_size: int):
        super().__init__()
        self.encoder, self.decoder, self.code_size = encoder, decoder, code_size

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Images ``(N, 1, 28, 28)`` to codes ``(N, code_size)``."""
        return self.encoder(x)

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        """Codes ``(N, code_size)`` to reconstructions ``(N, 1, 28, 28)``."""
        return self.decoder(code)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


def _check_code_size(code_size: int) -> None:
    if not isinstance(code_size, int) or isinstance(code_size, bool) or not 1 <= code_size <= PIXELS:
        raise ValueError(
            f"code_size must be a whole number from 1 to {PIXELS} (the pixels of a digit), got {code_size!r}"
        )


def linear_autoencoder(code_size: int) -> Autoencoder:
    """784 -> ``code_size`` -> 784 with no non-linearity: the autoencoder that PCA solves in closed form.

    The decoder's weight, ``decoder[0].weight`` of shape ``(784, code_size)``, holds one column per
    code number; after training with mean squared error its columns span the same subspace as the
    top ``code_size`` principal components of the (centred) training images.

    >>> sum(p.numel() for p in linear_autoencoder(8).parameters())  # 784*8 + 8, then 8*784 + 784
    13336
    """
    _check_code_size(code_size)
    encoder = nn.Sequential(nn.Flatten(), nn.Linear(PIXELS, code_size))
    decoder = nn.Sequential(nn.Linear(code_size, PIXELS), nn.Unflatten(1, IMAGE))
    return Autoencoder(encoder, decoder, code_size)


def dense_autoencoder(code_size: int, hidden: int = 128) -> Autoencoder:
    """784 -> ``hidden`` -> ``code_size`` -> ``hidden`` -> 784, ReLU inside, a sigmoid at the end.

    >>> dense_autoencoder(2)(torch.rand(3, 1, 28, 28)).shape
    torch.Size([3, 1, 28, 28])
    """
    _check_code_size(code_size)
    encoder = nn.Sequential(nn.Flatten(), nn.Linear(PIXELS, hidden), nn.ReLU(), nn.Linear(hidden, code_size))
    decoder = nn.Sequential(
        nn.Linear(code_size, hidden), nn.ReLU(), nn.Linear(hidden, PIXELS), nn.Sigmoid(), nn.Unflatten(1, IMAGE)
    )
    return Autoencoder(encoder, decoder, code_size)


def conv_encoder(code_size: int, channels: tuple[int, int] = (16, 32)) -> nn.Sequential:
    """1x28x28 -> conv 3x3 stride 2 -> c1x14x14 -> conv 3x3 stride 2 -> c2x7x7 -> flatten -> ``code_size``.

    Padding 1 with stride 2 halves each side: :math:`\\lfloor (28 + 2 - 3) / 2 \\rfloor + 1 = 14`, then 7.

    >>> conv_encoder(16)(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 16])
    """
    c1, c2 = channels
    return nn.Sequential(
        nn.Conv2d(1, c1, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(c1, c2, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(c2 * 7 * 7, code_size),
    )


def conv_decoder(code_size: int, decoder: str = "transposed", channels: tuple[int, int] = (16, 32)) -> nn.Sequential:
    """The encoder's mirror: ``code_size`` -> c2x7x7 -> c1x14x14 -> 1x28x28, a sigmoid at the end.

    ``decoder="transposed"``: each step is a 3x3 transposed convolution with stride 2, padding 1 and
    output padding 1, whose output side is :math:`(n - 1) \\cdot 2 - 2 + 3 + 1 = 2n` (lesson 03).
    ``decoder="upsample"``: each step repeats every pixel 2x2 (nearest-neighbour upsampling), then runs
    a 3x3 convolution with padding 1, which keeps the size.

    >>> [conv_decoder(8, kind)(torch.zeros(2, 8)).shape[1:] for kind in DECODERS]
    [torch.Size([1, 28, 28]), torch.Size([1, 28, 28])]
    """
    if decoder not in DECODERS:
        raise ValueError(f"decoder must be one of {DECODERS}, got {decoder!r}")
    c1, c2 = channels
    if decoder == "transposed":
        up1 = [nn.ConvTranspose2d(c2, c1, 3, stride=2, padding=1, output_padding=1)]
        up2 = [nn.ConvTranspose2d(c1, 1, 3, stride=2, padding=1, output_padding=1)]
    else:
        up1 = [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c2, c1, 3, padding=1)]
        up2 = [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c1, 1, 3, padding=1)]
    return nn.Sequential(
        nn.Linear(code_size, c2 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (c2, 7, 7)), *up1, nn.ReLU(), *up2, nn.Sigmoid()
    )


def conv_autoencoder(code_size: int, decoder: str = "transposed", channels: tuple[int, int] = (16, 32)) -> Autoencoder:
    """A convolutional autoencoder: :func:`conv_encoder` then :func:`conv_decoder`.

    >>> model = conv_autoencoder(16)
    >>> model.encode(torch.zeros(1, 1, 28, 28)).shape, sum(p.numel() for p in model.parameters())
    (torch.Size([1, 16]), 61329)
    """
    _check_code_size(code_size)
    return Autoencoder(conv_encoder(code_size, channels), conv_decoder(code_size, decoder, channels), code_size)
