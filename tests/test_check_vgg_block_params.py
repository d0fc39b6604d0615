"""check_vgg_block_params: the stub, the right formula, and the classic slips of counting a VGG block."""

from __future__ import annotations

import pytest

from course_utils.checks import check_vgg_block_params


def right(in_channels, out_channels, convs):
    return (9 * in_channels + 1) * out_channels + (convs - 1) * (9 * out_channels + 1) * out_channels


def test_the_formula_passes_every_case(capsys):
    result = check_vgg_block_params(right)
    assert result and result.cases_total == 5 + 27
    assert capsys.readouterr().out.startswith("All 32 cases passed")


def test_a_stub_is_not_written_yet():
    def vgg_block_params(in_channels, out_channels, convs):
        """Count by hand."""
        raise NotImplementedError("count the parameters")

    result = check_vgg_block_params(vgg_block_params, verbose=False)
    assert not result and result.message.startswith("Not written yet: vgg_block_params still raises")


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda i, o, n: 9 * i * o + (n - 1) * 9 * o * o, "the biases are missing"),
        (lambda i, o, n: (3 * i + 1) * o + (n - 1) * (3 * o + 1) * o, "not 3"),
        (lambda i, o, n: n * (9 * i + 1) * o, "only the first convolution sees in_channels"),
        (lambda i, o, n: (9 * i + 1) * o, "that is the first convolution only"),
        (lambda i, o, n: right(i, o, n) + 4, "the 2x2 max pooling has no parameters"),
        (lambda i, o, n: float(right(i, o, n)), "a float"),
    ],
)
def test_each_slip_is_named(wrong, says):
    def vgg_block_params(in_channels, out_channels, convs):
        return wrong(in_channels, out_channels, convs)

    result = check_vgg_block_params(vgg_block_params, verbose=False)
    assert not result and result.message.startswith("Case 1 of 32 failed: block 1 of VGG-16"), result.message
    assert says in result.message, result.message


def test_an_unexplained_number_gets_the_steps():
    result = check_vgg_block_params(lambda in_channels, out_channels, convs: 7, verbose=False)
    assert "count it convolution by convolution: first convolution (9 * 3 + 1) * 64 = 1,792" in result.message
