"""check_conv2d accepts a correct student solution and explains typical wrong ones.

Each wrong solution below is a mistake a student makes on a first attempt, written the way
the student would write it; the test asserts the checker names the cause.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import course_utils.checks.core as checks_module
from course_utils.checks import CheckResult, check_conv2d
from course_utils.checks.core import conv2d_cases
from course_utils.ops import conv2d


def student_conv2d(x, weight, bias=None, stride=1, padding=0, *, mistake=None):
    """A loop solution as a student writes it; ``mistake`` switches on one typical bug."""
    c_out, c_in, kh, kw = weight.shape
    if mistake == "transposed kernel":
        weight = weight.transpose(0, 1, 3, 2)
    if mistake == "flipped kernel":
        weight = weight[:, :, ::-1, ::-1]
    if mistake != "forgot padding":
        x = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    step = 1 if mistake in ("forgot stride", "moves one pixel") else stride
    h_out = (x.shape[1] - kh) // step + 1
    w_out = (x.shape[2] - kw) // step + 1
    if mistake == "forgot + 1":
        h_out, w_out = h_out - 1, w_out - 1
    if mistake == "moves one pixel":
        h_out = (x.shape[1] - kh) // stride + 1
        w_out = (x.shape[2] - kw) // stride + 1
    out = np.zeros((c_out, h_out, w_out))
    for o in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                top, left = i * step, j * step
                if mistake == "overwrites channels":
                    for c in range(c_in):
                        patch = x[c, top : top + kh, left : left + kw]
                        out[o, i, j] = np.sum(patch * weight[o, c])
                else:
                    patch = x[:, top : top + kh, left : left + kw]
                    out[o, i, j] = np.sum(patch * weight[o])
                if bias is not None and mistake != "forgot bias":
                    out[o, i, j] += bias[o]
    return out


def wrong(mistake: str):
    def fn(x, weight, bias=None, stride=1, padding=0):
        return student_conv2d(x, weight, bias, stride, padding, mistake=mistake)

    return fn


def test_a_correct_loop_solution_passes_every_case(capsys) -> None:
    result = check_conv2d(student_conv2d)
    assert isinstance(result, CheckResult) and result
    assert result.cases_passed == result.cases_total == len(conv2d_cases()) >= 12
    printed = capsys.readouterr().out
    assert printed.strip() == result.message
    assert printed.count("\n") == 1 and f"All {result.cases_total} cases passed" in printed


def test_the_course_reference_passes() -> None:
    def reference(x, weight, bias=None, stride=1, padding=0):
        return conv2d(x[None], weight, bias, stride, padding)[0]

    assert check_conv2d(reference, verbose=False).passed


def test_cases_go_from_one_channel_to_everything_at_once() -> None:
    cases = conv2d_cases()
    first, last = cases[0], cases[-1]
    assert first.x.shape[0] == first.weight.shape[0] == 1 and first.bias is None
    assert (first.stride, first.padding) == (1, 0)
    assert any(c.weight.shape[2] != c.weight.shape[3] for c in cases)  # a non-square kernel
    assert any(c.x.shape[1] != c.x.shape[2] for c in cases)  # a non-square image
    assert last.bias is not None and last.x.shape[0] > 1 and last.weight.shape[0] > 1
    assert not np.allclose(last.x, np.round(last.x))  # real numbers, not only integers


@pytest.mark.parametrize(
    ("mistake", "cause"),
    [
        ("forgot padding", "2 too small in each direction: did you forget the padding?"),
        ("forgot stride", "did you forget the stride?"),
        ("moves one pixel", "you move the kernel one pixel at a time"),
        ("forgot bias", "you forgot the bias"),
        ("transposed kernel", "your kernel is transposed"),
        ("flipped kernel", "you flipped the kernel"),
        ("overwrites channels", "only the last input channel counts"),
        ("forgot + 1", "remember the + 1"),
    ],
)
def test_a_typical_mistake_is_explained(mistake: str, cause: str, capsys) -> None:
    result = check_conv2d(wrong(mistake))
    assert not result.passed and result.cases_passed < result.cases_total
    assert f"Case {result.cases_passed + 1} of {result.cases_total} failed" in result.message
    assert cause in result.message
    assert capsys.readouterr().out.strip() == result.message


def test_a_value_mismatch_names_the_first_wrong_position() -> None:
    result = check_conv2d(wrong("forgot bias"), verbose=False)
    case = conv2d_cases()[result.cases_passed]
    expected = case.expected()
    got = expected - case.bias[:, None, None]
    assert "The first is output[0, 0, 0]" in result.message
    assert f"expected {expected[0, 0, 0]:.4g}, got {got[0, 0, 0]:.4g}" in result.message


def test_an_exception_is_reported_with_the_case() -> None:
    def sizes_with_padding_but_no_padding(x, weight, bias=None, stride=1, padding=0):
        c_out, c_in, kh, kw = weight.shape
        h_out = (x.shape[1] + 2 * padding - kh) // stride + 1
        w_out = (x.shape[2] + 2 * padding - kw) // stride + 1
        out = np.zeros((c_out, h_out, w_out))
        for o, i, j in itertools.product(range(c_out), range(h_out), range(w_out)):
            for c, u, v in itertools.product(range(c_in), range(kh), range(kw)):
                out[o, i, j] += x[c, i * stride + u, j * stride + v] * weight[o, c, u, v]
        return out

    result = check_conv2d(sizes_with_padding_but_no_padding, verbose=False)
    assert "padding 1" in result.message.splitlines()[0]
    assert "Your function raised IndexError" in result.message
    assert "did you pad the input" in result.message


def test_a_wrong_signature_is_explained() -> None:
    def no_bias_argument(x, weight, stride=1, padding=0):
        return student_conv2d(x, weight, None, stride, padding)

    result = check_conv2d(no_bias_argument, verbose=False)
    assert result.cases_passed == 0
    assert "TypeError" in result.message
    assert "fn(x, weight, bias=None, stride=1, padding=0)" in result.message


def test_returning_nothing_is_explained() -> None:
    def forgot_return(x, weight, bias=None, stride=1, padding=0):
        student_conv2d(x, weight, bias, stride, padding)

    assert "did you forget to return" in check_conv2d(forgot_return, verbose=False).message


def test_a_2d_output_for_one_filter_is_explained() -> None:
    def squeezed(x, weight, bias=None, stride=1, padding=0):
        return student_conv2d(x, weight, bias, stride, padding).squeeze()

    message = check_conv2d(squeezed, verbose=False).message
    assert "Keep the output-channel axis" in message


def test_an_unexplained_shape_gets_the_formula_with_the_case_numbers() -> None:
    def seven_by_seven(x, weight, bias=None, stride=1, padding=0):
        return np.zeros((weight.shape[0], 7, 7))

    message = check_conv2d(seven_by_seven, verbose=False).message
    assert "Likely cause: check your output size" in message
    assert "H_out = (H + 2*padding - kH) // stride + 1 = (4 + 2*0 - 3) // 1 + 1 = 2" in message


def test_every_case_can_be_explained() -> None:
    # The explanations compute PyTorch's output for each mistake; none may crash on any case.
    for case in conv2d_cases():
        mistakes = checks_module._value_mistakes(case) + checks_module._shape_mistakes(case)
        assert mistakes


def student_max_pool2d(x, kernel_size, stride, *, mistake=None):
    """A loop solution as a student writes it; ``mistake`` switches on one typical bug."""
    channels, height, width = x.shape
    k, s = kernel_size, stride
    h_out, w_out = (height - k) // s + 1, (width - k) // s + 1
    if mistake == "forgot + 1":
        h_out, w_out = h_out - 1, w_out - 1
    if mistake == "divides by stride":
        h_out, w_out = height // s, width // s
    if mistake in ("stride ignored", "stride ignored everywhere"):
        step = 1
        if mistake == "stride ignored everywhere":
            h_out, w_out = height - k + 1, width - k + 1
    else:
        step = k if mistake == "steps by kernel" else s
    size = s if mistake == "window of stride" else k - 1 if mistake == "window one short" else k
    out = np.zeros((channels, h_out, w_out))
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x[c, i * step : i * step + size, j * step : j * step + size]
                if mistake == "average":
                    out[c, i, j] = window.mean()
                elif mistake == "all channels":
                    out[c, i, j] = x[:, i * step : i * step + size, j * step : j * step + size].max()
                elif mistake == "starts at 0":
                    best = 0
                    for value in window.flat:
                        best = max(best, value)
                    out[c, i, j] = best
                else:
                    out[c, i, j] = window.max()
    if mistake == "drops channel axis":
        return out[0]
    return out


def wrong_pool(mistake: str):
    def fn(x, kernel_size, stride):
        return student_max_pool2d(x, kernel_size, stride, mistake=mistake)

    return fn


def test_a_correct_max_pooling_passes_every_case(capsys) -> None:
    result = checks_module.check_max_pool2d(student_max_pool2d)
    assert isinstance(result, CheckResult) and result
    assert result.cases_passed == result.cases_total == len(checks_module.max_pool2d_cases()) >= 12
    printed = capsys.readouterr().out
    assert printed.strip() == result.message and f"All {result.cases_total} cases passed" in printed


def test_the_course_reference_and_pytorch_pass() -> None:
    import torch
    import torch.nn.functional as F

    from course_utils.ops import max_pool2d

    def with_torch(x, kernel_size, stride):
        return F.max_pool2d(torch.from_numpy(x), kernel_size, stride)  # a tensor is accepted too

    assert checks_module.check_max_pool2d(max_pool2d, verbose=False).passed
    assert checks_module.check_max_pool2d(with_torch, verbose=False).passed


def test_pool_cases_cover_overlap_gaps_channels_and_negatives() -> None:
    cases = checks_module.max_pool2d_cases()
    first = cases[0]
    assert first.x.shape == (1, 4, 4) and (first.kernel_size, first.stride) == (2, 2)
    assert first.expected().tolist() == [[[3.0, 1.0], [4.0, 2.0]]]  # the lecture's answer
    assert any(c.stride < c.kernel_size for c in cases)  # overlapping windows
    assert any(c.stride > c.kernel_size for c in cases)  # gaps between windows
    assert any((c.x.shape[1] - c.kernel_size) % c.stride for c in cases)  # a size that does not divide
    assert any(c.x.shape[1] != c.x.shape[2] for c in cases) and any(c.x.shape[0] > 1 for c in cases)
    assert any((c.x < 0).all() for c in cases)
    assert not np.allclose(cases[-1].x, np.round(cases[-1].x))  # real numbers, not only integers


@pytest.mark.parametrize(
    ("mistake", "cause"),
    [
        ("average", "you took the average"),
        ("forgot + 1", "output size off by one: remember the + 1 in floor((n - k) / s) + 1"),
        ("stride ignored", "stride ignored: the window for output (i, j) starts at row i * stride"),
        ("stride ignored everywhere", "stride ignored: your windows move one pixel at a time, so they overlap"),
        ("divides by stride", "you divided the size by the stride"),
        ("steps by kernel", "A window came out empty: it started beyond the edge of the map."),
        ("window of stride", "your windows are 1x1 (the stride)"),
        ("window one short", "your windows are one pixel short"),
        ("starts at 0", "you started the running maximum at 0"),
        ("all channels", "you took the maximum over all channels at once"),
        ("drops channel axis", "Keep the channel axis"),
    ],
)
def test_a_typical_pooling_mistake_is_explained(mistake: str, cause: str, capsys) -> None:
    result = checks_module.check_max_pool2d(wrong_pool(mistake))
    assert not result.passed and result.cases_passed < result.cases_total
    assert f"Case {result.cases_passed + 1} of {result.cases_total} failed" in result.message
    assert cause in result.message
    assert capsys.readouterr().out.strip() == result.message


def test_a_pooling_value_mismatch_names_the_position_and_its_window() -> None:
    result = checks_module.check_max_pool2d(wrong_pool("average"), verbose=False)
    assert result.cases_passed == 0
    assert "The first is output[0, 0, 0]: expected 3, got 2." in result.message
    assert "Its window is channel 0, rows 0..1, columns 0..1" in result.message


def test_a_pooling_exception_is_reported_with_a_hint() -> None:
    def loops_too_far(x, kernel_size, stride):
        channels, height, width = x.shape
        out = np.zeros((channels, height // stride, width // stride))
        for c, i, j in itertools.product(range(channels), range(height // stride), range(width // stride)):
            taps = itertools.product(range(kernel_size), repeat=2)
            out[c, i, j] = max(x[c, i * stride + u, j * stride + v] for u, v in taps)
        return out

    result = checks_module.check_max_pool2d(loops_too_far, verbose=False)
    assert "Your function raised IndexError" in result.message
    assert "do your loops stop at H_out = (H - kernel_size) // stride + 1" in result.message


def test_a_wrong_pooling_signature_or_no_return_is_explained() -> None:
    def no_stride(x, kernel_size):
        return student_max_pool2d(x, kernel_size, kernel_size)

    def forgot_return(x, kernel_size, stride):
        student_max_pool2d(x, kernel_size, stride)

    assert "fn(x, kernel_size, stride)" in checks_module.check_max_pool2d(no_stride, verbose=False).message
    assert "did you forget to return" in checks_module.check_max_pool2d(forgot_return, verbose=False).message


def test_a_pooling_shape_without_a_known_cause_gets_the_formula() -> None:
    def seven_by_seven(x, kernel_size, stride):
        return np.zeros((x.shape[0], 7, 7))

    message = checks_module.check_max_pool2d(seven_by_seven, verbose=False).message
    assert "Likely cause: check your output size" in message
    assert "H_out = (H - kernel_size) // stride + 1 = (4 - 2) // 2 + 1 = 2" in message


def test_pooling_channels_must_be_kept() -> None:
    def one_map(x, kernel_size, stride):
        return student_max_pool2d(x, kernel_size, stride).max(axis=0, keepdims=True)

    message = checks_module.check_max_pool2d(one_map, verbose=False).message
    assert "three channels" in message.splitlines()[0]
    assert "pooling works on each channel separately" in message


def test_windows_that_step_by_the_kernel_size_are_explained() -> None:
    case = checks_module.max_pool2d_cases()[4]  # 7x7 map, 3x3 windows, stride 2: the last window is cut off
    got = wrong_pool("steps by kernel")(case.x, case.kernel_size, case.stride)
    message = checks_module._explain_pool_values(case, got, case.expected())
    assert "your windows start every kernel_size = 3 pixels; they start every stride = 2 pixel(s)" in message


def test_every_pooling_case_can_be_explained() -> None:
    for case in checks_module.max_pool2d_cases():
        assert checks_module._pool_value_mistakes(case) and checks_module._pool_shape_mistakes(case)


# ----------------------------------------------------------------------------- check_batch_norm


def student_batch_norm(x, gamma, beta, eps=1e-5, *, mistake=None):
    """A solution as a student writes it with torch; ``mistake`` switches on one typical bug."""
    import torch

    axes = {"whole batch": (0, 1, 2, 3), "per image": (1, 2, 3), "per image channel": (2, 3), "batch axis": (0,)}
    dims = axes.get(mistake, (0, 2, 3))
    mean = x.mean(dim=dims, keepdim=True)
    if mistake == "unbiased":
        var = x.var(dim=dims, keepdim=True)  # torch's default divides by n - 1
    elif mistake == "naive variance":
        var = (x**2).mean(dim=dims, keepdim=True) - mean**2
    else:
        var = ((x - mean) ** 2).mean(dim=dims, keepdim=True)
    if mistake == "no eps":
        eps = 0.0
    if mistake == "eps outside":
        x_hat = (x - mean) / (torch.sqrt(var) + eps)
    elif mistake == "divides by variance":
        x_hat = (x - mean) / (var + eps)
    elif mistake == "only centres":
        x_hat = x - mean
    else:
        x_hat = (x - mean) / torch.sqrt(var + eps)
    if mistake == "swapped":
        gamma, beta = beta, gamma
    if mistake == "no gamma beta":
        return x_hat
    if mistake == "last axis":
        return gamma * x_hat + beta
    return gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1)


def wrong_batch_norm(mistake: str):
    def fn(x, gamma, beta, eps=1e-5):
        return student_batch_norm(x, gamma, beta, eps, mistake=mistake)

    return fn


def test_a_correct_batch_norm_passes_every_case(capsys) -> None:
    result = checks_module.check_batch_norm(student_batch_norm)
    assert isinstance(result, CheckResult) and result
    assert result.cases_passed == result.cases_total == len(checks_module.batch_norm_cases()) >= 10
    printed = capsys.readouterr().out
    assert printed.strip() == result.message and f"All {result.cases_total} cases passed" in printed


def test_numpy_pytorch_and_the_course_reference_pass() -> None:
    import torch
    import torch.nn.functional as F

    from course_utils.ops import batch_norm2d

    def with_numpy(x, gamma, beta, eps=1e-5):  # an array is accepted too; np.var is the biased one
        x, gamma, beta = x.numpy(), gamma.numpy()[None, :, None, None], beta.numpy()[None, :, None, None]
        mean, var = x.mean(axis=(0, 2, 3), keepdims=True), x.var(axis=(0, 2, 3), keepdims=True)
        return gamma * (x - mean) / np.sqrt(var + eps) + beta

    def with_torch(x, gamma, beta, eps=1e-5):
        return F.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)

    def with_autograd(x, gamma, beta, eps=1e-5):  # a result that requires grad is fine
        return batch_norm2d(x, gamma.requires_grad_(), beta, eps=eps)

    for fn in (with_numpy, with_torch, with_autograd):
        assert checks_module.check_batch_norm(fn, verbose=False).passed, fn.__name__
    assert torch.is_tensor(with_torch(*_first_case_arguments()))


def _first_case_arguments():
    case = checks_module.batch_norm_cases()[0]
    return case.x, case.gamma, case.beta


def test_batch_norm_cases_go_from_the_worked_example_to_hard_ones() -> None:
    import torch

    cases = checks_module.batch_norm_cases()
    first = cases[0]
    assert first.expected().ravel().tolist() == pytest.approx([-4, -1, -1, -1, 0.5, 0.5, 3.5, 6.5], abs=1e-4)
    assert all(c.x.dtype == torch.float32 and c.x.ndim == 4 for c in cases)
    assert any(c.x.shape[0] == 1 for c in cases)  # a single image
    assert any(len(set(c.x.shape[1:])) == 3 for c in cases)  # C, H and W all different
    assert any(c.eps != 1e-5 for c in cases)
    assert any((c.x.var(dim=(0, 2, 3)) == 0).any() for c in cases)  # a constant channel
    assert any(c.x.mean() > 100 * c.x.std() for c in cases)  # far from 0
    assert any(not torch.equal(c.gamma, c.gamma[:1].expand_as(c.gamma)) for c in cases)  # per-channel gamma


@pytest.mark.parametrize(
    ("mistake", "cause"),
    [
        ("whole batch", "you normalised over the whole batch at once, all channels together"),
        ("per image", "that is layer normalisation"),
        ("per image channel", "that is instance normalisation"),
        ("batch axis", "you averaged over the batch axis only"),
        ("unbiased", "you used the unbiased variance, dividing by n - 1 = 7"),
        ("swapped", "gamma and beta are swapped"),
        ("no gamma beta", "you returned x_hat"),
        ("eps outside", "eps belongs inside the square root"),
        ("no eps", "you left out eps (here 0.1)"),
        ("divides by variance", "you divided by the variance"),
        ("only centres", "did not divide by the standard deviation"),
        ("last axis", "gamma and beta line up with the last axis (W)"),
        ("naive variance", "mean(x**2) - mean(x)**2"),
    ],
)
def test_a_typical_batch_norm_mistake_is_explained(mistake: str, cause: str, capsys) -> None:
    result = checks_module.check_batch_norm(wrong_batch_norm(mistake))
    assert not result.passed and result.cases_passed < result.cases_total
    assert f"Case {result.cases_passed + 1} of {result.cases_total} failed" in result.message
    assert cause in result.message
    assert capsys.readouterr().out.strip() == result.message


def test_the_first_wrong_value_and_the_channel_statistics_are_reported() -> None:
    message = checks_module.check_batch_norm(wrong_batch_norm("swapped"), verbose=False).message
    assert "The first is output[0, 0, 0, 0]: expected -4, got 2.25." in message
    assert "In channel 0 your output has mean 3 and standard deviation 0.5; PyTorch's has mean 0.5" in message
    assert "expected [-4.  -1.  -1.  -1.   0.5  0.5  3.5  6.5]" in message


def test_changing_x_in_place_is_explained() -> None:
    def in_place(x, gamma, beta, eps=1e-5):
        x -= x.mean(dim=(0, 2, 3), keepdim=True)
        return student_batch_norm(x, gamma, beta, eps)

    result = checks_module.check_batch_norm(in_place, verbose=False)
    assert result.cases_passed == 0 and "changed x in place" in result.message


def test_a_constant_channel_without_eps_is_explained() -> None:
    case = next(c for c in checks_module.batch_norm_cases() if "constant" in c.name)
    problem = checks_module._run_batch_norm_case(wrong_batch_norm("no eps"), case)
    assert "NaN or infinity" in problem and "a constant channel has variance 0" in problem


@pytest.mark.parametrize(
    ("fn", "says"),
    [
        (lambda x, gamma, beta, eps=1e-5: None, "did you forget to return"),
        (lambda x, gamma, beta, eps=1e-5: x.mean(dim=(0, 2, 3)), "one number per channel"),
        (lambda x, gamma, beta, eps=1e-5: x[:, :, 0], "without keepdim=True dropped an axis"),
        (lambda x, gamma, beta: x, "fn(x, gamma, beta, eps=1e-5)"),
        (lambda x, gamma, beta, eps=1e-5: "normalised", "returned a str"),
    ],
)
def test_wrong_returns_and_signatures_are_explained(fn, says) -> None:
    result = checks_module.check_batch_norm(fn, verbose=False)
    assert result.cases_passed == 0 and says in result.message


def test_a_broadcasting_error_gets_the_reshape_hint() -> None:
    # gamma of shape (C,) against (N, C, H, W) raises when W != C; the hint names the fix.
    def unreshaped(x, gamma, beta, eps=1e-5):
        return gamma * student_batch_norm(x, gamma.new_ones(gamma.shape), gamma.new_zeros(gamma.shape), eps) + beta

    case = next(c for c in checks_module.batch_norm_cases() if c.x.shape[1] not in (1, c.x.shape[3]))
    problem = checks_module._run_batch_norm_case(unreshaped, case)
    assert "raised RuntimeError" in problem and "gamma.reshape(1, -1, 1, 1)" in problem


def test_every_batch_norm_case_can_be_explained() -> None:
    # The explanations compute an output for each mistake; none may crash, and each case keeps some.
    for case in checks_module.batch_norm_cases():
        assert checks_module._batch_norm_value_mistakes(case)


# ----------------------------------------------------------------------------- check_to_chw


def student_to_chw(image, *, mistake=None):
    """A solution as a student writes it; ``mistake`` switches on one typical bug."""
    import torch

    tensor = torch.from_numpy(image)
    if mistake == "not written":
        raise NotImplementedError("write to_chw: (H, W) or (H, W, C) in, (C, H, W) out")
    if mistake == "forgot gray":
        return tensor.permute(2, 0, 1) if tensor.ndim == 3 else tensor
    if mistake == "gray channel last":
        tensor = tensor.unsqueeze(-1) if tensor.ndim == 2 else tensor.permute(2, 0, 1)
        return tensor
    if tensor.ndim == 2:
        tensor = tensor.unsqueeze(0)
    elif mistake == "reshape":
        return tensor.reshape(-1, image.shape[0], image.shape[1])
    elif mistake == "transpose":
        return torch.from_numpy(image.T)
    elif mistake == "permute(2, 1, 0)":
        return tensor.permute(2, 1, 0)
    elif mistake == "channels left last":
        return tensor
    elif mistake == "reversed channels":
        return tensor.permute(2, 0, 1).flip(0)
    else:
        tensor = tensor.permute(2, 0, 1)
    if mistake == "float":
        return tensor.float()
    if mistake == "numpy":
        return tensor.numpy()
    if mistake == "no return":
        return None
    return tensor


def wrong_layout(mistake: str):
    def to_chw(image):
        return student_to_chw(image, mistake=mistake)

    return to_chw


def test_a_correct_to_chw_passes_every_case(capsys) -> None:
    result = checks_module.check_to_chw(student_to_chw)
    assert isinstance(result, CheckResult) and result
    assert result.cases_passed == result.cases_total == len(checks_module.to_chw_cases()) >= 6
    printed = capsys.readouterr().out
    assert printed.strip() == result.message and f"All {result.cases_total} cases passed" in printed


def test_the_course_helper_to_tensor_passes() -> None:
    import course_utils

    # to_tensor keeps the dtype too, so it is a correct to_chw.
    assert checks_module.check_to_chw(course_utils.to_tensor, verbose=False).passed


def test_layout_cases_cover_gray_square_one_four_channels_and_uint8() -> None:
    cases = checks_module.to_chw_cases()
    shapes = [case.image.shape for case in cases]
    assert len(shapes[0]) == 2  # the simplest first: a gray image
    assert any(len(s) == 2 and s[0] == s[1] for s in shapes)  # square gray
    assert any(len(s) == 3 and s[0] == s[1] and s[2] == 3 for s in shapes)  # square colour
    assert any(len(s) == 3 and s[2] == 1 for s in shapes) and any(len(s) == 3 and s[2] == 4 for s in shapes)
    assert any(case.image.dtype == np.uint8 for case in cases)
    for case in cases:
        expected = case.expected()
        assert expected.shape[1:] == case.image.shape[:2]
        assert expected[0, 1, 0].item() == case.image.reshape(*case.image.shape[:2], -1)[1, 0, 0]


def test_a_stub_is_reported_as_not_written_yet_without_failing(capsys) -> None:
    result = checks_module.check_to_chw(wrong_layout("not written"))
    assert not result.passed and result.cases_passed == 0
    assert result.message.startswith("Not written yet: to_chw still raises NotImplementedError")
    assert "Replace the raise line with your code" in result.message
    assert capsys.readouterr().out.strip() == result.message


@pytest.mark.parametrize(
    ("mistake", "cause"),
    [
        ("forgot gray", "a gray image needs a channel axis: return (1, H, W)"),
        ("gray channel last", "the channel axis goes first, not last"),
        ("reshape", "you used reshape. reshape keeps the numbers in memory order"),
        ("transpose", "height and width are swapped: .T and permute(2, 1, 0) reverse every axis"),
        ("permute(2, 1, 0)", "height and width are swapped: .T and permute(2, 1, 0) reverse every axis"),
        ("channels left last", "the channels are still last: you returned (H, W, C)"),
        ("reversed channels", "the channels come out in reverse order (B, G, R)"),
        ("float", "the dtype changed from torch.uint8 to torch.float32"),
        ("numpy", "returned a NumPy array"),
        ("no return", "did you forget to return the tensor?"),
    ],
)
def test_a_typical_layout_mistake_is_explained(mistake: str, cause: str, capsys) -> None:
    result = checks_module.check_to_chw(wrong_layout(mistake))
    assert not result.passed and result.cases_passed < result.cases_total
    assert f"Case {result.cases_passed + 1} of {result.cases_total} failed" in result.message
    assert cause in result.message
    assert capsys.readouterr().out.strip() == result.message


def test_height_and_width_swapped_values_are_caught_on_a_square_image() -> None:
    # On a 4x4 image permute(2, 1, 0) has the right shape: only the values give it away.
    def swaps_only_square(image):
        import torch

        tensor = torch.from_numpy(image)
        if tensor.ndim == 2:
            return tensor.unsqueeze(0)
        order = (2, 1, 0) if image.shape[0] == image.shape[1] else (2, 0, 1)
        return tensor.permute(*order)

    message = checks_module.check_to_chw(swaps_only_square, verbose=False).message
    assert "square colour image" in message.splitlines()[0]
    assert "numbers are in the wrong place. The first is [0, 0, 1]" in message
    assert "Likely cause: height and width are swapped (the picture is transposed)" in message


def test_a_layout_exception_is_reported_with_a_gray_hint() -> None:
    def permute_only(image):
        import torch

        return torch.from_numpy(image).permute(2, 0, 1)

    message = checks_module.check_to_chw(permute_only, verbose=False).message
    assert "Case 1 of" in message and "Your function raised RuntimeError" in message
    assert "A gray image has only 2 axes" in message


def test_an_unexplained_layout_shape_gets_the_rule() -> None:
    def flattens(image):
        import torch

        return torch.from_numpy(image).flatten()

    message = checks_module.check_to_chw(flattens, verbose=False).message
    assert "but yours is (35,)" in message
    assert "The channels (the last axis of the NumPy image) go first" in message


# ----------------------------------------------------------------------------- check_forward_shapes


def student_digit_cnn(*, mistake=None):
    """The lesson's exercise as a student writes it, as an nn.Module; ``mistake`` switches on one bug."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    padding = 0 if mistake == "no padding" else 1 if mistake == "padding 1" else 2
    first = 6 if mistake == "6 filters" else 16
    second_in = 1 if mistake == "conv2 takes 1 channel" else first

    class DigitCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, first, 5, padding=padding)
            self.conv2 = nn.Conv2d(second_in, 36, 5, padding=0 if mistake == "no padding in conv2" else padding)
            flat = 36 * 14 * 14 if mistake == "one pooling, dense resized" else 36 * 7 * 7
            self.hidden = nn.Linear(flat, 128)
            self.out = nn.Linear(128, 9 if mistake == "9 outputs" else 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            if mistake != "no first pooling":
                x = F.max_pool2d(x, 4 if mistake == "pool 4" else 2)
            x = F.relu(self.conv2(x))
            if mistake not in ("no second pooling", "one pooling, dense resized"):
                x = F.max_pool2d(x, 2)
            if mistake == "torch.flatten":
                x = torch.flatten(x)
            elif mistake == "view(1, -1)":
                x = x.view(1, -1)
            else:
                x = x.flatten(1)
            logits = self.out(F.relu(self.hidden(x)))
            return logits.softmax(dim=-1) if mistake == "softmax" else logits

    return DigitCNN()


def test_a_correct_digit_cnn_passes_every_check(capsys) -> None:
    from course_utils.checks import check_forward_shapes

    result = check_forward_shapes(student_digit_cnn())
    assert result and result.cases_passed == result.cases_total == 6
    printed = capsys.readouterr().out.strip()
    assert printed == result.message and printed.startswith("All 6 checks passed")
    assert "max_pool2d 16x14x14" in printed and "max_pool2d 36x7x7" in printed and "linear 10" in printed


def test_the_course_models_sequential_class_and_plain_functions_are_accepted() -> None:
    import torch

    from course_utils.checks import check_forward_shapes
    from course_utils.models import digit_cnn

    model = digit_cnn()
    assert check_forward_shapes(model, verbose=False)
    assert model.training, "the check switches to eval mode for its run only"
    assert check_forward_shapes(type(student_digit_cnn()), verbose=False)  # a class is built first
    in_training_mode = check_forward_shapes(lambda x: model(x), verbose=False)  # dropout on: rows differ
    assert not in_training_mode and "pass the model itself" in in_training_mode.message
    model.eval()
    assert check_forward_shapes(lambda x: model(x), verbose=False)
    assert not check_forward_shapes(torch.zeros(3), verbose=False)


@pytest.mark.parametrize(
    ("mistake", "check", "says"),
    [
        ("no padding", 1, "After your first pooling the maps are 16x12x12, but they should be 16x14x14"),
        ("no padding", 1, "a dense layer receives 576 numbers per image (your last maps are 36x4x4 = 576)"),
        ("padding 1", 1, "shrinks the maps from 28x28 to 26x26: a 5x5 kernel without enough padding loses 2"),
        ("no padding in conv2", 1, "After your second pooling the maps are 36x5x5, but they should be 36x7x7"),
        ("6 filters", 2, "your first convolution makes 6 maps; it should have 16 filters"),
        ("conv2 takes 1 channel", 1, "a convolution expects 1 input channels but receives 16 maps"),
        ("no first pooling", 1, "Your first pooling comes after two convolutions"),
        ("pool 4", 1, "your pooling shrinks 28x28 to 7x7 (about 4 times smaller)"),
        ("no second pooling", 1, "I found no second pooling: after the second convolution the maps are 36x14x14"),
        ("one pooling, dense resized", 3, "I found no second pooling"),
        ("9 outputs", 4, "the last layer needs 10 outputs, one score per digit"),
        ("torch.flatten", 4, "the batch axis is gone"),
        ("view(1, -1)", 5, "With a batch of 5 digits your forward pass raised RuntimeError"),
        ("softmax", 6, "you return softmax probabilities"),
    ],
)
def test_a_typical_forward_mistake_is_explained(mistake: str, check: int, says: str) -> None:
    from course_utils.checks import check_forward_shapes

    result = check_forward_shapes(student_digit_cnn(mistake=mistake), verbose=False)
    assert not result.passed and result.cases_passed == check - 1
    assert result.message.startswith(f"Check {check} of 6 failed."), result.message
    assert says in result.message, result.message
    assert "Your forward pass: 1x28x28 -> conv2d" in result.message


def test_the_trace_sees_nn_layers_and_functional_calls_alike() -> None:
    import torch

    from course_utils.checks.core import trace_shapes
    from course_utils.models import digit_cnn

    x = torch.zeros(2, 1, 28, 28)
    by_modules, _ = trace_shapes(digit_cnn().eval(), x)
    by_functions, _ = trace_shapes(student_digit_cnn(), x)
    maps = [[step.shape for step in steps if len(step.shape) == 4] for steps in (by_modules, by_functions)]
    expected = [(2, 16, 28, 28)] * 2 + [(2, 16, 14, 14)] + [(2, 36, 14, 14)] * 2 + [(2, 36, 7, 7)]
    assert maps[0] == maps[1] == expected
    assert by_modules[-1].shape == by_functions[-1].shape == (2, 10)


def test_a_forward_stub_is_reported_as_not_written_yet() -> None:
    from torch import nn

    from course_utils.checks import check_forward_shapes

    class Stub(nn.Module):
        def forward(self, x):
            raise NotImplementedError("write the forward pass")

    result = check_forward_shapes(Stub(), verbose=False)
    assert not result and result.cases_passed == 0
    assert result.message.startswith("Not written yet: Stub still raises NotImplementedError (write the forward pass)")
