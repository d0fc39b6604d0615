"""check_decoder_shapes accepts every correct decoder and explains stride, padding and output-padding slips."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_utils.checks import check_decoder_shapes, exercise_encoder
from course_utils.checks.decoder_shapes import transposed_size


def decoder(first=None, second=None, end=True):
    """The mirror of the exercise's encoder; ``first`` / ``second`` replace a transposed convolution's settings."""
    first = {"kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1, **(first or {})}
    second = {"kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1, **(second or {})}
    layers = [nn.ConvTranspose2d(16, 8, **first), nn.ReLU(), nn.ConvTranspose2d(8, 1, **second)]
    return nn.Sequential(*layers, *([nn.Sigmoid()] if end else []))


def test_the_mirror_passes(capsys):
    result = check_decoder_shapes(decoder())
    assert result and result.cases_passed == result.cases_total == 4
    assert capsys.readouterr().out.startswith("All 4 checks passed")


@pytest.mark.parametrize(
    "model",
    [
        decoder({"kernel_size": 4, "output_padding": 0}, {"kernel_size": 4, "output_padding": 0}),
        nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(16, 8, 3, padding=1), nn.ReLU(),
                      nn.Upsample(scale_factor=2), nn.Conv2d(8, 1, 3, padding=1), nn.Sigmoid()),
    ],
    ids=["kernel 4 without output padding", "upsample then convolve"],
)
def test_other_correct_decoders_pass(model):
    assert check_decoder_shapes(model, verbose=False)


def test_a_class_a_function_and_a_stub():
    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = decoder()

        def forward(self, code):
            return self.layers(code)

    class Stub(nn.Module):
        def forward(self, code):
            """Write the decoder."""
            raise NotImplementedError("write the forward pass")

    assert check_decoder_shapes(Decoder, verbose=False)
    assert check_decoder_shapes(lambda code: decoder()(code), verbose=False)
    assert check_decoder_shapes(Stub(), verbose=False).message.startswith("Not written yet")
    assert check_decoder_shapes(nn.Sequential(), verbose=False).message.startswith("Not written yet")


@pytest.mark.parametrize(
    ("model", "failed_check", "said"),
    [
        (decoder({"output_padding": 0}), 2, "add output_padding=1"),
        (decoder(second={"output_padding": 0}), 3, "add output_padding=1"),
        (decoder({"padding": 0, "output_padding": 0}), 2, "With padding 0"),
        (decoder({"stride": 1, "output_padding": 0}), 2, "use stride=2"),
        (nn.Sequential(nn.Conv2d(16, 8, 3, stride=2, padding=1), nn.ReLU(),
                       nn.ConvTranspose2d(8, 1, 3, stride=2, padding=1, output_padding=1)), 2, "shrinks the maps"),
        (nn.Sequential(nn.ConvTranspose2d(8, 8, 3, 2, 1, 1), nn.ConvTranspose2d(8, 1, 3, 2, 1, 1)), 1, "16 channels"),
        (decoder(end=False), 4, "nn.Sigmoid()"),
    ],
    ids=["output padding 1", "output padding 2", "padding 0", "stride 1", "conv2d", "channels", "no sigmoid"],
)
def test_each_mistake_is_explained(model, failed_check, said):
    result = check_decoder_shapes(model, verbose=False)
    assert not result and result.cases_passed == failed_check - 1, result.message
    assert said in result.message, result.message


def test_the_size_formula_is_pytorchs():
    for n in (3, 7, 14):
        for settings in [(3, 2, 1, 1), (3, 2, 1, 0), (4, 2, 1, 0), (3, 1, 0, 0), (5, 3, 2, 2)]:
            layer = nn.ConvTranspose2d(1, 1, *settings)
            assert layer(torch.zeros(1, 1, n, n)).shape[-1] == transposed_size(n, *settings)


def test_the_exercise_encoder_makes_the_code_the_decoder_receives():
    assert exercise_encoder()(torch.zeros(2, 1, 28, 28)).shape == (2, 16, 7, 7)
