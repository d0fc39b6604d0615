"""AlexNet (Krizhevsky, Sutskever and Hinton, 2012), the ILSVRC 2012 winner, in two layouts.

Five convolutions and three dense layers; ReLU after each (the paper's first argument: it
trains several times faster than tanh); max pooling with overlapping 3x3 windows of stride 2;
dropout before the first two dense layers.

* :func:`alexnet` is the single-tower layout that torchvision ships (64, 192, 384, 256, 256
  channels). It follows Krizhevsky's later "One weird trick" paper (2014), not the 2012 one;
  it has 61,100,840 parameters.
* :func:`alexnet_paper` is the 2012 paper's layout: 96, 256, 384, 384, 256 channels split over
  two GPUs of 3 GB each. The split is written as ``groups=2``: conv2, conv4 and conv5 see only
  the half of the channels on their own GPU; conv3 and the dense layers talk across. It also
  has the paper's local response normalisation (no parameters). The paper speaks of "60
  million parameters"; this layout has 60,965,224.

Both take a 3x224x224 image. In the paper conv1 maps it to 55x55; that needs 227 pixels, or
224 with 2 pixels of padding, which is what both functions use.

>>> import torch
>>> model = alexnet().to("meta")
>>> model(torch.zeros(2, 3, 224, 224, device="meta")).shape
torch.Size([2, 1000])
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

__all__ = ["alexnet", "alexnet_paper"]


def _classifier(features: int, classes: int, dropout: float) -> nn.Sequential:
    """Flatten, then dropout -> 4096 -> ReLU -> dropout -> 4096 -> ReLU -> classes."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Dropout(dropout),
        nn.Linear(features, 4096),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(4096, 4096),
        nn.ReLU(),
        nn.Linear(4096, classes),
    )


def alexnet(classes: int = 1000, dropout: float = 0.5) -> nn.Sequential:
    """torchvision's single-tower AlexNet: 61,100,840 parameters, 6x6x256 features before the dense layers.

    The stages are named ``conv1`` ... ``conv5`` and ``head``; each convolution stage is the
    convolution, its ReLU and (for 1, 2 and 5) the max pooling after it.

    >>> sum(p.numel() for p in alexnet().parameters())
    61100840
    """
    return nn.Sequential(
        OrderedDict(
            conv1=nn.Sequential(nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(3, stride=2)),
            conv2=nn.Sequential(nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, stride=2)),
            conv3=nn.Sequential(nn.Conv2d(192, 384, 3, padding=1), nn.ReLU()),
            conv4=nn.Sequential(nn.Conv2d(384, 256, 3, padding=1), nn.ReLU()),
            conv5=nn.Sequential(nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, stride=2)),
            head=nn.Sequential(nn.AdaptiveAvgPool2d(6), _classifier(256 * 6 * 6, classes, dropout)),
        )
    )


def _lrn() -> nn.LocalResponseNorm:
    """The paper's local response normalisation: n = 5 neighbouring channels, k = 2, alpha = 1e-4, beta = 0.75."""
    return nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)


def alexnet_paper(classes: int = 1000, dropout: float = 0.5) -> nn.Sequential:
    """The 2012 paper's two-GPU AlexNet: 60,965,224 parameters (the paper: "60 million").

    ``groups=2`` in conv2, conv4 and conv5 is the two-GPU split: each half of the filters
    sees only the half of the input channels on its own GPU, which halves those layers'
    weights. conv3 and the dense layers are connected across both halves.

    >>> sum(p.numel() for p in alexnet_paper().parameters())
    60965224
    """
    return nn.Sequential(
        OrderedDict(
            conv1=nn.Sequential(
                nn.Conv2d(3, 96, 11, stride=4, padding=2), nn.ReLU(), _lrn(), nn.MaxPool2d(3, stride=2)
            ),
            conv2=nn.Sequential(
                nn.Conv2d(96, 256, 5, padding=2, groups=2), nn.ReLU(), _lrn(), nn.MaxPool2d(3, stride=2)
            ),
            conv3=nn.Sequential(nn.Conv2d(256, 384, 3, padding=1), nn.ReLU()),
            conv4=nn.Sequential(nn.Conv2d(384, 384, 3, padding=1, groups=2), nn.ReLU()),
            conv5=nn.Sequential(nn.Conv2d(384, 256, 3, padding=1, groups=2), nn.ReLU(), nn.MaxPool2d(3, stride=2)),
            head=_classifier(256 * 6 * 6, classes, dropout),
        )
    )
