"""Model definitions the lessons train and inspect.

* the digit classifiers of lesson 07 (``digits``) and the deep plain MLPs of lesson 06 (``plain``);
* the ImageNet classics of lesson 08, one module each, as ``nn.Sequential`` models of named
  stages (``alexnet``, ``vgg``, ``googlenet``, ``resnet``, ``mobilenet``, ``convnext``), with
  torchvision's layouts so that their parameter counts equal the published ones;
* narrow CNNs of any depth, plain or with shortcuts, for the degradation experiment (``deep_cnn``);
* the digit detector and the tiny U-Net of lesson 09 (``detector``, ``segmenter``).
"""

from course_utils.models import detector
from course_utils.models.alexnet import alexnet, alexnet_paper
from course_utils.models.convnext import ConvNeXtBlock, LayerNorm2d, convnext_tiny
from course_utils.models.deep_cnn import DeepBlock, deep_cnn
from course_utils.models.detector import DigitDetector, decode_detections, detect, detection_loss, detector_targets
from course_utils.models.digits import digit_cnn, lenet5, mlp
from course_utils.models.googlenet import Inception, googlenet
from course_utils.models.mobilenet import InvertedResidual, mobilenet_v2
from course_utils.models.plain import plain_mlp
from course_utils.models.resnet import BasicBlock, Bottleneck, resnet, resnet18, resnet34, resnet50
from course_utils.models.segmenter import MASK_CLASSES, TinyUNet
from course_utils.models.vgg import VGG16_BLOCKS, vgg16, vgg_block

__all__ = [
    "DigitDetector",
    "MASK_CLASSES",
    "TinyUNet",
    "decode_detections",
    "detect",
    "detection_loss",
    "detector",
    "detector_targets",
    "VGG16_BLOCKS",
    "BasicBlock",
    "Bottleneck",
    "ConvNeXtBlock",
    "DeepBlock",
    "Inception",
    "InvertedResidual",
    "LayerNorm2d",
    "alexnet",
    "alexnet_paper",
    "convnext_tiny",
    "deep_cnn",
    "digit_cnn",
    "googlenet",
    "lenet5",
    "mlp",
    "mobilenet_v2",
    "plain_mlp",
    "resnet",
    "resnet18",
    "resnet34",
    "resnet50",
    "vgg16",
    "vgg_block",
]
