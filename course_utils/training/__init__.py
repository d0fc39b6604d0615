"""Training: the loop (fit, evaluate, predict), recipes, augmentation, checkpoints.
"""

from course_utils.training import augment, autoencoders, detection, particles, recipes, rotation
from course_utils.training.augment import affine, random_affine, shift
from course_utils.training.checkpoint import load_checkpoint, save_checkpoint
from course_utils.training.loop import EarlyStopping, History, accuracy, evaluate, fit, predict
from course_utils.training.recipes import load_digit_cnn, read_report, train_digit_cnn, train_recipe

__all__ = [
    "EarlyStopping",
    "History",
    "affine",
    "accuracy",
    "augment",
    "detection",
    "autoencoders",
    "particles",
    "evaluate",
    "fit",
    "load_checkpoint",
    "load_digit_cnn",
    "predict",
    "random_affine",
    "read_report",
    "recipes",
    "rotation",
    "save_checkpoint",
    "shift",
    "train_digit_cnn",
    "train_recipe",
]
