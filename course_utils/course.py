"""The course map: every lesson, the question it answers, whether it is written yet."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LESSONS", "Lesson", "course_map", "measured_seconds"]

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
BENCH_TIMES = ROOT / "bench" / "results" / "notebooks.csv"


@dataclass(frozen=True)
class Lesson:
    stem: str
    question: str

    @property
    def path(self) -> Path:
        return NOTEBOOKS / f"{self.stem}.ipynb"


LESSONS = [
    Lesson("00_welcome", "How do I use this course?"),
    Lesson("01_images", "What is an image to a computer, and why does a plain MLP fail on it?"),
    Lesson("02_convolution", "What does a convolution compute, by hand, as filters, and as one matrix product?"),
    Lesson("03_conv_arithmetic", "What shape comes out? Padding, stride, dilation, channels, parameters, FLOPs"),
    Lesson("04_receptive_field", "How much of the image does one output cell see, and how do we grow that fast?"),
    Lesson("05_pooling", "Why and how do we down-sample, and what invariance does it buy?"),
    Lesson("06_batch_norm", "Why do deep nets stall, and how does batch normalization help?"),
    Lesson("07_training_a_cnn", "Train a CNN on real handwritten digits; what did it learn?"),
    Lesson("08_imagenet_architectures", "From LeNet to ResNet and after: what changed, why it worked, what it costs"),
    Lesson("09_detection", "Where is the object, which pixels are it? Boxes, IoU, NMS, anchors, mAP, a detector"),
    Lesson("10_autoencoders", "Learning without labels: autoencoders, PCA, latent space, denoising, anomalies, VAE"),
    Lesson("11_beyond", "What a CNN does not do: rotations (exact equivariance), spheres, time (video)"),
    Lesson("12_physics", "Convolutions in physics: detector pulses and particle images"),
]


def measured_seconds(path: Path = BENCH_TIMES) -> dict[str, float]:
    """Seconds each notebook took in the last ``make bench`` run (empty before the first)."""
    if not path.exists():
        return {}
    with open(path, newline="") as f:
        return {row["notebook"]: float(row["seconds"]) for row in csv.DictReader(f)}


def course_map() -> str:
    """The lessons as a Markdown table: number, question, status, measured CPU time."""
    seconds = measured_seconds()
    lines = ["| lesson | the question it answers | status | CPU time |", "|---|---|---|---|"]
    for lesson in LESSONS:
        ready = lesson.path.exists()
        status = "ready" if ready else "coming"
        time = f"{seconds[lesson.stem]:.0f} s" if lesson.stem in seconds else "-"
        name = f"[{lesson.stem}]({lesson.stem}.ipynb)" if ready else lesson.stem
        lines.append(f"| {name} | {lesson.question} | {status} | {time} |")
    return "\n".join(lines)
