"""Three small video classifiers for the moving-digit clips of lesson 11, one per way of treating time.

Each takes clips ``(N, 1, T, H, W)`` (:mod:`course_utils.videos`) and returns 4 scores (the
directions), with the same plan: a 3x3 convolution to ``width`` channels, ReLU, 2x2 max pooling,
a 3x3 convolution to ``2 width`` channels, ReLU, an average down to a 4x4 grid of places (and,
where time is left, over time), one dense layer. They differ in what happens to time:

* :func:`per_frame_cnn`: 2-D kernels ``(1, 3, 3)`` run on each frame alone, and the final
  average includes time. Shuffle the frames and the output stays the same: it is blind to
  order *by construction*. (It still sees where the digit went: the 4x4 grid keeps places.)
* :func:`frames_as_channels_cnn`: the ``T`` frames become ``T`` input channels of a 2-D
  network. The first layer gives every frame its own weights (so it can see order), then time
  is gone: every later layer works on one 2-D map.
* :func:`conv3d_cnn`: ``3 x 3 x 3`` kernels slide over time as over space, with the same weights
  at every time step, in every layer.
"""

from __future__ import annotations

from torch import nn


def per_frame_cnn(width: int = 8) -> nn.Sequential:
    """A 2-D CNN on every frame (kernels ``(1, 3, 3)``), averaged over time and space: blind to the frames' order.

    >>> import torch
    >>> model, clips = per_frame_cnn(), torch.rand(2, 1, 6, 20, 20)
    >>> torch.allclose(model(clips), model(clips.flip(2)), atol=1e-6)
    True
    """
    return nn.Sequential(
        nn.Conv3d(1, width, (1, 3, 3), padding=(0, 1, 1)), nn.ReLU(), nn.MaxPool3d((1, 2, 2)),
        nn.Conv3d(width, 2 * width, (1, 3, 3), padding=(0, 1, 1)), nn.ReLU(),
        nn.AdaptiveAvgPool3d((1, 4, 4)), nn.Flatten(), nn.Linear(2 * width * 16, 4),
    )


def frames_as_channels_cnn(frames: int, width: int = 8) -> nn.Sequential:
    """The ``frames`` frames as the input channels of a 2-D CNN (``nn.Flatten(1, 2)`` turns ``(1, T)`` into ``T``).

    >>> import torch
    >>> frames_as_channels_cnn(6)(torch.rand(2, 1, 6, 20, 20)).shape
    torch.Size([2, 4])
    """
    return nn.Sequential(
        nn.Flatten(1, 2),
        nn.Conv2d(frames, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(4), nn.Flatten(), nn.Linear(2 * width * 16, 4),
    )


def conv3d_cnn(width: int = 8) -> nn.Sequential:
    """A 3-D CNN: ``3 x 3 x 3`` kernels over (time, height, width), the same weights at every time step.

    >>> import torch
    >>> conv3d_cnn()(torch.rand(2, 1, 6, 20, 20)).shape
    torch.Size([2, 4])
    """
    return nn.Sequential(
        nn.Conv3d(1, width, 3, padding=1), nn.ReLU(), nn.MaxPool3d((1, 2, 2)),
        nn.Conv3d(width, 2 * width, 3, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool3d((1, 4, 4)), nn.Flatten(), nn.Linear(2 * width * 16, 4),
    )


__all__ = ["conv3d_cnn", "frames_as_channels_cnn", "per_frame_cnn"]
