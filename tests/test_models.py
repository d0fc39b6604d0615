import pytest
import torch

from course_utils.models import digits as models


@pytest.mark.parametrize(
    "build, parameters",
    [
        # Qiu's CNN: (5*5*1+1)*16 + (5*5*16+1)*36 + (36*7*7+1)*128 + (128+1)*10
        (models.digit_cnn, 416 + 14436 + 225920 + 1290),
        # LeNet-5: (25+1)*6 + (25*6+1)*16 + (400+1)*120 + (120+1)*84 + (84+1)*10
        (models.lenet5, 156 + 2416 + 48120 + 10164 + 850),
        # MLP: (784+1)*256 + (256+1)*10
        (models.mlp, 200960 + 2570),
    ],
)
def test_models_take_digits_and_have_the_hand_counted_parameters(build, parameters):
    model = build()
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    assert sum(p.numel() for p in model.parameters()) == parameters


def test_digit_cnn_feature_maps_follow_the_lecture():
    x = torch.zeros(1, 1, 28, 28)
    shapes = []
    for layer in models.digit_cnn():
        x = layer(x)
        shapes.append(tuple(x.shape[1:]))
    assert (16, 14, 14) in shapes and (36, 7, 7) in shapes and (128,) in shapes
