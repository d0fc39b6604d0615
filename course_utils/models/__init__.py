"""Model definitions the lessons train and inspect.

* the digit classifiers of lesson 07 (``digits``) and the deep plain MLPs of lesson 06 (``plain``);
* the ImageNet classics of lesson 08, one module each, as ``nn.Sequential`` models of named
  stages (``alexnet``, ``vgg``, ``googlenet``, ``resnet``, ``mobilenet``, ``convnext``), with
  torchvision's layouts so that their parameter counts equal the published ones;
* narrow CNNs of any depth, plain or with shortcuts, for the degradation experiment (``deep_cnn``);
* the digit detector and the tiny U-Net of lesson 09 (``detector``, ``segmenter``);
* the autoencoders and the variational autoencoder of lesson 10 (``autoencoders``, ``vae``);
* lesson 11's plain and p4 digit CNNs (``rotation``) and its three video classifiers (``video``).
"""

from course_utils.models import detector
from course_utils.models.alexnet import alexnet, alexnet_paper
from course_utils.models.autoencoders import (
    Autoencoder,
    conv_autoencoder,
    conv_decoder,
    conv_encoder,
    dense_autoencoder,
    linear_autoencoder,
)
from course_utils.models.convnext import ConvNeXtBlock, LayerNorm2d, convnext_tiny
from course_utils.models.deep_cnn import DeepBlock, deep_cnn
from course_utils.models.detector import DigitDetector, decode_detections, detect, detection_loss, detector_targets
from course_utils.models.digits import digit_cnn, lenet5, mlp
from course_utils.models.googlenet import Inception, googlenet
from course_utils.models.mobilenet import InvertedResidual, mobilenet_v2
from course_utils.models.plain import plain_mlp
from course_utils.models.resnet import BasicBlock, Bottleneck, resnet, resnet18, resnet34, resnet50
from course_utils.models.rotation import PoolRotations, p4_cnn, plain_cnn
from course_utils.models.segmenter import MASK_CLASSES, TinyUNet
from course_utils.models.vae import VAE, kl_to_standard_normal, reparameterise, vae_loss
from course_utils.models.vgg import VGG16_BLOCKS, vgg16, vgg_block
from course_utils.models.video import conv3d_cnn, frames_as_channels_cnn, per_frame_cnn

__all__ = [
    "PoolRotations",
    "conv3d_cnn",
    "frames_as_channels_cnn",
    "p4_cnn",
    "per_frame_cnn",
    "plain_cnn",
    "Autoencoder",
    "BasicBlock",
    "Bottleneck",
    "ConvNeXtBlock",
    "DeepBlock",
    "DigitDetector",
    "Inception",
    "InvertedResidual",
    "LayerNorm2d",
    "MASK_CLASSES",
    "TinyUNet",
    "VAE",
    "VGG16_BLOCKS",
    "alexnet",
    "alexnet_paper",
    "conv_autoencoder",
    "conv_decoder",
    "conv_encoder",
    "convnext_tiny",
    "decode_detections",
    "deep_cnn",
    "dense_autoencoder",
    "detect",
    "detection_loss",
    "detector",
    "detector_targets",
    "digit_cnn",
    "googlenet",
    "kl_to_standard_normal",
    "lenet5",
    "linear_autoencoder",
    "mlp",
    "mobilenet_v2",
    "plain_mlp",
    "reparameterise",
    "resnet",
    "resnet18",
    "resnet34",
    "resnet50",
    "vae_loss",
    "vgg16",
    "vgg_block",
]
