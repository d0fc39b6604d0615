"""Model definitions the lessons train and inspect.
"""

from course_utils.models.autoencoders import (
    Autoencoder,
    conv_autoencoder,
    conv_decoder,
    conv_encoder,
    dense_autoencoder,
    linear_autoencoder,
)
from course_utils.models.digits import digit_cnn, lenet5, mlp
from course_utils.models.plain import plain_mlp
from course_utils.models.vae import VAE, kl_to_standard_normal, reparameterise, vae_loss

__all__ = [
    "VAE",
    "Autoencoder",
    "conv_autoencoder",
    "conv_decoder",
    "conv_encoder",
    "dense_autoencoder",
    "digit_cnn",
    "kl_to_standard_normal",
    "lenet5",
    "linear_autoencoder",
    "mlp",
    "plain_mlp",
    "reparameterise",
    "vae_loss",
]
