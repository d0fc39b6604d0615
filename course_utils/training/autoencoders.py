"""Lesson 10's autoencoder recipe, shared by ``scripts/train_autoencoders.py`` and the lesson.

Training every autoencoder the lesson compares (two families at five code sizes, three seeds each,
plus the decoders, the denoiser and the VAE) takes about half an hour on two CPU threads, far
beyond a lesson's minute. The script trains them all with :func:`train_autoencoder`, scores each on
the validation digits (where the number of epochs was chosen) and once on the test digits, writes
the numbers to ``REPORT`` (:func:`read_report`) and saves the models the lesson looks inside to
``CHECKPOINT_DIR`` (:func:`load_autoencoder`). A test checks that every shipped checkpoint still
scores what the report says.

The recipe: Adam with a one-cycle schedule peaking at ``LR``, mini-batches of ``BATCH_SIZE``,
``EPOCHS`` passes over the 3,500 training digits, mean squared error between the reconstruction and
the clean digit (the VAE: :func:`course_utils.models.vae_loss`), the random generators seeded just
before the model is built. The denoiser sees each training digit with fresh Gaussian noise of
standard deviation ``NOISE`` every time (:func:`add_noise`), and must output the clean digit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.integrity import DATA_DIR
from course_utils.models.autoencoders import conv_autoencoder, dense_autoencoder
from course_utils.models.vae import VAE, vae_loss
from course_utils.runtime import seed_everything
from course_utils.training.checkpoint import load_checkpoint
from course_utils.training.loop import History, evaluate, fit

CHECKPOINT_DIR = DATA_DIR / "checkpoints" / "autoencoders"
REPORT = DATA_DIR / "checkpoints" / "autoencoders.json"
EPOCHS, LR, BATCH_SIZE = 30, 3e-3, 64
SEEDS = (0, 1, 2)
CODE_SIZES = (2, 4, 8, 16, 32)
NOISE = 0.4  # standard deviation of the denoiser's Gaussian noise, pixels in [0, 1]
NOISE_SEEDS = {"validation": 1, "test": 2}  # fixed noise on the held-out digits, so every score repeats

FAMILIES: dict[str, Callable[[int], nn.Module]] = {
    "dense": dense_autoencoder,
    "conv": conv_autoencoder,
    "upsample": lambda code_size: conv_autoencoder(code_size, decoder="upsample"),
}

# The checkpoints the lesson loads: name -> (how to build the model, what it was trained as).
SHIPPED: dict[str, tuple[Callable[[], nn.Module], str]] = {
    "conv-2": (lambda: conv_autoencoder(2), "conv autoencoder, code 2, seed 0"),
    **{f"conv-16-seed{s}": (lambda: conv_autoencoder(16), f"conv autoencoder, code 16, seed {s}") for s in SEEDS},
    **{
        f"upsample-16-seed{s}": (
            lambda: conv_autoencoder(16, decoder="upsample"),
            f"conv autoencoder with an upsample-then-convolve decoder, code 16, seed {s}",
        )
        for s in SEEDS
    },
    "denoiser-32": (lambda: conv_autoencoder(32), f"conv autoencoder, code 32, trained on noise {NOISE}, seed 0"),
    "vae-2": (lambda: VAE(2), "convolutional VAE, code 2, seed 0"),
}


def add_noise(x: torch.Tensor, std: float = NOISE, generator: torch.Generator | None = None) -> torch.Tensor:
    """``x`` plus Gaussian noise of standard deviation ``std``, clipped back to [0, 1].

    >>> noisy = add_noise(torch.zeros(2, 1, 28, 28), generator=torch.Generator().manual_seed(0))
    >>> noisy.min().item() >= 0.0 and noisy.max().item() <= 1.0
    True
    """
    if std < 0:
        raise ValueError(f"the noise's standard deviation must be at least 0, got {std}")
    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype)
    return (x + std * noise).clamp(0.0, 1.0)


def vae_objective(output: tuple[torch.Tensor, torch.Tensor, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """:func:`course_utils.models.vae_loss` in the ``loss_fn(output, target)`` form that ``fit`` calls."""
    reconstruction, mean, log_var = output
    return vae_loss(reconstruction, x, mean, log_var)


def train_autoencoder(
    make_model: Callable[[], nn.Module],
    x: torch.Tensor,
    *,
    epochs: int = EPOCHS,
    seed: int = 0,
    noise: float | None = None,
    val: torch.Tensor | None = None,
    device: str | torch.device = "cpu",
    plot: bool = False,
) -> tuple[nn.Module, History]:
    """Seed, build ``make_model()``, train it to rebuild ``x``; returns ``(model, history)`` in eval mode.

    ``noise``: train a denoiser (inputs get fresh :func:`add_noise` each batch, targets stay clean).
    ``val``: validation digits, watched every epoch (with fixed noise for a denoiser). A :class:`VAE`
    trains on :func:`vae_objective`, every other model on mean squared error.

    >>> from course_utils.models import linear_autoencoder
    >>> model, history = train_autoencoder(lambda: linear_autoencoder(2), torch.rand(16, 1, 28, 28), epochs=1)
    >>> len(history.train_loss), model.training
    (1, False)
    """
    if not callable(make_model) or isinstance(make_model, nn.Module):
        raise ValueError("make_model must build the model when called (e.g. lambda: conv_autoencoder(16)), "
                         "so that its initial weights are drawn after seeding")
    seed_everything(seed)
    model = make_model().to(device)
    loss_fn = vae_objective if isinstance(model, VAE) else F.mse_loss
    augment = None if noise is None else (lambda batch: add_noise(batch, noise))
    val_pair = None
    if val is not None:
        fixed = torch.Generator().manual_seed(NOISE_SEEDS["validation"])
        val_in = val if noise is None else add_noise(val, noise, fixed)
        val_pair = (val_in, val)
    history = fit(model, (x, x), val=val_pair, epochs=epochs, lr=LR, batch_size=BATCH_SIZE, augment=augment,
                  plot=plot, loss_fn=loss_fn, metric=None)
    model.eval()
    return model, history


def shipped_model(name: str) -> nn.Module:
    """A fresh, untrained model with the architecture of the shipped checkpoint ``name``."""
    if name not in SHIPPED:
        raise ValueError(f"no shipped autoencoder called {name!r}; choose one of {sorted(SHIPPED)}")
    return SHIPPED[name][0]()


def load_autoencoder(name: str, directory: str | Path = CHECKPOINT_DIR) -> nn.Module:
    """The trained model ``name`` (see ``SHIPPED``) from its checkpoint, SHA-256 verified, in eval mode."""
    model = load_checkpoint(shipped_model(name), Path(directory) / f"{name}.pt")
    return model.eval()


def score(name: str, model: nn.Module, images: torch.Tensor, split: str) -> float:
    """The loss of shipped model ``name`` on held-out ``images`` of ``split`` (``"validation"`` or ``"test"``).

    Mean squared error of the reconstruction; for the denoiser, of the reconstruction of a noisy copy
    (noise fixed by ``NOISE_SEEDS[split]``) against the clean digit; for the VAE, its loss per image.
    """
    if split not in NOISE_SEEDS:
        raise ValueError(f"split must be one of {sorted(NOISE_SEEDS)}, got {split!r}")
    if isinstance(model, VAE):
        return evaluate(model, images, images, loss_fn=vae_objective, metric=None)[0]
    inputs = images
    if name.startswith("denoiser"):
        inputs = add_noise(images, NOISE, torch.Generator().manual_seed(NOISE_SEEDS[split]))
    return evaluate(model, inputs, images, loss_fn=F.mse_loss, metric=None)[0]


def read_report(path: str | Path = REPORT) -> dict:
    """What ``scripts/train_autoencoders.py`` measured.

    ``epoch_search``: validation MSE of the code-16 conv autoencoder (seed 0) per epoch count tried;
    ``epochs``: the count chosen. ``curve``: for each family (``dense``, ``conv``) and code size, one
    run per seed: ``seed``, ``val_mse``, ``test_mse``, ``parameters``, ``seconds``. ``shipped``: for
    each checkpoint, what it is, its ``val_loss`` and ``test_loss`` (MSE; the VAE: its loss per image).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run python scripts/train_autoencoders.py to train and measure")
    return json.loads(path.read_text())
