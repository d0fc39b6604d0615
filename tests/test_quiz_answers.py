"""Quiz answers are computed, not trusted.

``COMPUTED`` links every computable question to a function that works its answer out,
with PyTorch wherever a layer is involved; the test compares the result with the bank.
A numeric or shape question must appear either there or in ``NOT_COMPUTABLE`` with a
reason, so a new question cannot slip in unchecked. ``MISTAKES`` recomputes some of the
classic wrong answers that banks give feedback for, so that the feedback is right too.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from measure import n_params
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from course_utils.quiz import list_banks, load_bank

# ----------------------------------------------------------------------------- helpers


def output_width(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Width of a convolution's output, measured by running one in PyTorch."""
    conv = nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
    with torch.no_grad():
        return conv(torch.zeros(1, 1, size, size)).shape[-1]



def tensor(rows: list[list[float]]) -> torch.Tensor:
    """A matrix from the lectures as a 1 x 1 x H x W float64 tensor."""
    return torch.tensor(rows, dtype=torch.float64)[None, None]


BINARY_5X5 = tensor([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]])
X_KERNEL = tensor([[1, 0, 1], [0, 1, 0], [1, 0, 1]])
INPUT_4X4 = tensor([[2, 1, 0, 0], [3, 2, 1, 1], [4, 3, 2, 1], [2, 2, 1, 0]])
EDGE_KERNEL = tensor([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]])

# The filters of the "which filter did this" question, by choice id.
NAMED_KERNELS = {
    "identity": tensor([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    "darken": tensor([[0, 0, 0], [0, 0.5, 0], [0, 0, 0]]),
    "box-blur": torch.full((1, 1, 3, 3), 1 / 9, dtype=torch.float64),
    "sharpen": tensor([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "edge": EDGE_KERNEL,
}


# ----------------------------------------------------------------------------- 00_welcome


def batch_of_numpy_photos() -> tuple[int, ...]:
    photos = [np.zeros((32, 32, 3), dtype=np.float32) for _ in range(8)]  # H x W x C, as files load
    return tuple(torch.stack([torch.from_numpy(p).permute(2, 0, 1) for p in photos]).shape)


# ----------------------------------------------------------------------------- 01_images


def astronaut_tensor_shape() -> tuple[int, ...]:
    import skimage.data

    return tuple(torch.from_numpy(skimage.data.astronaut()).permute(2, 0, 1).shape)


def weights_per_neuron_rgb_100px() -> int:
    flat = torch.zeros(3, 100, 100).flatten()
    return nn.Linear(flat.numel(), 1).weight.numel()


def fc_200px_weights() -> int:
    # On the "meta" device PyTorch records shapes without allocating 3 GB of weights.
    layers = [nn.Linear(200 * 200, 20_000, device="meta"), nn.Linear(20_000, 1_000, device="meta")]
    return sum(layer.weight.numel() for layer in layers)


def fc_200px_fp16_gigabytes() -> float:
    bytes_per_weight = torch.empty(0, dtype=torch.float16).element_size()
    return fc_200px_weights() * bytes_per_weight / 1e9


# ----------------------------------------------------------------------------- 02_convolution


def binary_first_output() -> float:
    return F.conv2d(BINARY_5X5, X_KERNEL)[0, 0, 0, 0].item()


def binary_output_shape() -> tuple[int, ...]:
    return tuple(F.conv2d(BINARY_5X5, X_KERNEL).shape[-2:])


def edge_bottom_left() -> float:
    return F.conv2d(INPUT_4X4, EDGE_KERNEL)[0, 0, 1, 0].item()


def edge_padded_top_left() -> float:
    return F.conv2d(INPUT_4X4, EDGE_KERNEL, padding=1)[0, 0, 0, 0].item()


def kernel_that_finds_edges() -> str:
    """The one kernel that turns flat regions black and lights up a brightness step."""
    step = torch.full((1, 1, 12, 12), 50.0, dtype=torch.float64)
    step[..., 6:] = 200.0
    found = []
    for name, kernel in NAMED_KERNELS.items():
        out = F.conv2d(step, kernel)[0, 0]  # 10 x 10; the step lies between columns 4 and 5
        flat = torch.cat([out[:, :3], out[:, -3:]], dim=1)
        at_step = out[:, 4:6]
        if flat.abs().max() < 1e-9 and at_step.abs().min() > 1.0:
            found.append(name)
    assert len(found) == 1, found
    return found[0]


def box_blur_of_flat_region() -> float:
    flat = torch.full((1, 1, 5, 5), 120.0, dtype=torch.float64)
    return F.conv2d(flat, NAMED_KERNELS["box-blur"])[0, 0, 1, 1].item()


def conv_matrix_shape() -> tuple[int, ...]:
    """The matrix W of y = W x, as the Jacobian of the convolution of a flattened 4 x 4 input."""

    def convolve(x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x.view(1, 1, 4, 4), EDGE_KERNEL).flatten()

    return tuple(torch.autograd.functional.jacobian(convolve, torch.zeros(16, dtype=torch.float64)).shape)


def channels_from_one_rgb_filter() -> int:
    with torch.no_grad():
        return nn.Conv2d(3, 1, 3)(torch.zeros(1, 3, 8, 8)).shape[1]


# The lesson's own questions: the emboss patch of W. Qiu's lecture, and im2col with channels.
PIXELS_QIU = tensor([[162, 125, 108], [177, 127, 98], [191, 135, 80]])
EMBOSS_KERNEL = tensor([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])


def emboss_true_convolution() -> float:
    """The textbook convolution, by SciPy's definition (it flips the kernel), not by PyTorch."""
    from scipy.signal import convolve2d

    return float(convolve2d(PIXELS_QIU[0, 0].numpy(), EMBOSS_KERNEL[0, 0].numpy(), mode="valid")[0, 0])


def im2col_patch_matrix_shape(channels: int = 3) -> tuple[int, ...]:
    """Rows x columns of the patch matrix: PyTorch's unfold is im2col."""
    return tuple(F.unfold(torch.zeros(1, channels, 5, 5), kernel_size=3).shape[1:])


# ----------------------------------------------------------------------------- 03_conv_arithmetic


def same_padding_for_5x5() -> int:
    return next(p for p in range(10) if output_width(64, 5, padding=p) == 64)


def digit_cnn(padding: int = 2) -> nn.Sequential:
    """The digit classifier of the lecture (W. Qiu): 16 then 36 filters of 5 x 5."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=padding),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 36, 5, padding=padding),
        nn.MaxPool2d(2),
    )


def shape_after_pool2(padding: int = 2) -> tuple[int, ...]:
    with torch.no_grad():
        return tuple(digit_cnn(padding)(torch.zeros(1, 1, 28, 28)).shape[1:])


def rgb_100_filters_shape() -> tuple[int, ...]:
    with torch.no_grad():
        return tuple(nn.Conv2d(3, 100, 5)(torch.zeros(1, 3, 100, 100)).shape[1:])


# ----------------------------------------------------------------------------- 05_pooling


def mlhep_network(pool: type[nn.Module] = nn.MaxPool2d) -> nn.Sequential:
    """The network of the MLHEP-style quiz, with the layer names the bank's choices use."""
    return nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(3, 100, 5),
            pool1=pool(3, stride=3),
            conv2=nn.Conv2d(100, 20, 3),
            pool2=pool(2, stride=2),
            flatten=nn.Flatten(),
            dense1=nn.LazyLinear(128),
            dense2=nn.Linear(128, 10),
        )
    )


def mlhep_built() -> nn.Sequential:
    network = mlhep_network()
    with torch.no_grad():
        network(torch.zeros(1, 3, 100, 100))  # materialises dense1's input size
    return network


def mlhep_shape_after_pool2() -> tuple[int, ...]:
    with torch.no_grad():
        return tuple(mlhep_built()[:4](torch.zeros(1, 3, 100, 100)).shape[1:])


def mlhep_pixels_per_cell(up_to: str = "conv2") -> int:
    """Backpropagate from one output cell and count input pixels that get a gradient.

    Max pooling sends gradient only to the largest input of each window, which would hide
    most of the window; average pooling has the same windows and passes gradient to all of
    them. All-one weights keep contributions from cancelling out.
    """
    network = mlhep_network(pool=nn.AvgPool2d)
    layers = list(network.named_children())
    stop = [name for name, _ in layers].index(up_to) + 1
    prefix = nn.Sequential(OrderedDict(layers[:stop]))
    for parameter in prefix.parameters():
        nn.init.ones_(parameter)
    image = torch.zeros(1, 3, 100, 100, requires_grad=True)
    out = prefix(image)
    row, col = out.shape[-2] // 2, out.shape[-1] // 2  # a cell away from the borders
    out[0, 0, row, col].backward()
    touched = image.grad[0].abs().sum(dim=0) > 0  # a pixel position counts once for R, G, B
    return int(touched.sum())


def mlhep_layer_costs() -> dict[str, float]:
    """Floating-point operations per image for each layer, counted by PyTorch."""
    network = mlhep_built()
    costs = {}
    x = torch.zeros(1, 3, 100, 100)
    for name, layer in network.named_children():
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            y = layer(x)
        costs[name] = counter.get_total_flops()
        if isinstance(layer, nn.MaxPool2d):
            # FlopCounterMode does not count comparisons; bound them by outputs x window size.
            costs[name] = y.numel() * layer.kernel_size**2
        x = y
    return costs


def mlhep_most_compute() -> str:
    costs = mlhep_layer_costs()
    return max(costs, key=costs.get)


def mlhep_most_params() -> str:
    counts = {name: n_params(layer) for name, layer in mlhep_built().named_children()}
    return max(counts, key=counts.get)


# ----------------------------------------------------------------------------- 05_pooling: the gradient


def maxpool_inputs_with_gradient(pool: Callable[..., torch.Tensor] = F.max_pool2d) -> int:
    """Backpropagate gradient 1 from each output of a 2 x 2 pooling; count inputs that get any."""
    x = INPUT_4X4.clone().requires_grad_()
    pool(x, 2).sum().backward()
    return int((x.grad != 0).sum())


def inputs_equal_to_their_window_max() -> int:
    """How many values equal the maximum of their 2 x 2 window (ties counted twice)."""
    window_max = F.max_pool2d(INPUT_4X4, 2).repeat_interleave(2, dim=-2).repeat_interleave(2, dim=-1)
    return int((INPUT_4X4 == window_max).sum())


# ----------------------------------------------------------------------------- 04_receptive_field


def field_width(layers: list[nn.Module], length: int = 301) -> int:
    """How many input positions, first to last, reach the middle output cell of a 1-D stack.

    Convolutions get all-one weights and no bias, so contributions cannot cancel; average
    pooling has the same windows as max pooling but passes gradient to all its inputs.
    """
    net = nn.Sequential(*layers).double()
    for module in net:
        if isinstance(module, nn.Conv1d):
            nn.init.ones_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    x = torch.zeros(1, 1, length, dtype=torch.float64, requires_grad=True)
    out = net(x)
    out[0, 0, out.shape[-1] // 2].backward()
    reached = x.grad[0, 0].nonzero().flatten()
    return int(reached.max() - reached.min() + 1)


def conv3(padding: int = 0, dilation: int = 1) -> nn.Conv1d:
    return nn.Conv1d(1, 1, 3, padding=padding, dilation=dilation)


def three_3x3_field() -> int:
    return field_width([conv3() for _ in range(3)])


def field_after_pool(pool_stride: int = 2) -> int:
    return field_width([conv3(1), conv3(1), nn.AvgPool1d(2, stride=pool_stride), conv3(1)])


def convs_for_100px_cat() -> int:
    """The fewest stacked 3x3 convolutions whose cells see at least 100 pixels."""
    return next(n for n in range(1, 200) if field_width([conv3() for _ in range(n)], length=2 * n + 3) >= 100)


def dilated_stack_field(dilations: tuple[int, ...] = (1, 2, 4, 8)) -> int:
    return field_width([conv3(dilation=d) for d in dilations])


# ----------------------------------------------------------------------------- 07_training_a_cnn


def course_digit_cnn() -> nn.Sequential:
    """The digit CNN exactly as the lesson trains it (course_utils.models.digits)."""
    from course_utils.models.digits import digit_cnn as build

    return build()


def digit_cnn_conv2_parameters() -> int:
    conv2 = course_digit_cnn()[3]
    assert isinstance(conv2, nn.Conv2d) and (conv2.in_channels, conv2.out_channels) == (16, 36)
    return n_params(conv2)


def digit_cnn_conv2_field(with_pooling: bool = True, measure: str = "width") -> int:
    """The input pixels one central cell of the second convolution depends on, found by autograd.

    The course model's geometry in float64 with one channel and all-one weights, so that no
    contribution cancels; its max pooling becomes average pooling with the same windows, which
    passes gradient to every input. ``measure`` is the square's ``"width"`` or its ``"area"``.
    """
    layers = [layer for layer in course_digit_cnn()[:4] if isinstance(layer, nn.Conv2d | nn.MaxPool2d)]
    copies = []
    for layer in layers:
        if isinstance(layer, nn.Conv2d):
            copies.append(nn.Conv2d(1, 1, layer.kernel_size, padding=layer.padding, bias=False))
            nn.init.ones_(copies[-1].weight)
        elif with_pooling:
            copies.append(nn.AvgPool2d(layer.kernel_size, layer.stride))
    net = nn.Sequential(*copies).double()
    image = torch.zeros(1, 1, 28, 28, dtype=torch.float64, requires_grad=True)
    out = net(image)
    out[0, 0, out.shape[-2] // 2, out.shape[-1] // 2].backward()
    reached = image.grad[0, 0] != 0
    if measure == "area":
        return int(reached.sum())
    columns = reached.any(dim=0).nonzero().flatten()
    return int(columns.max() - columns.min() + 1)


def face_cnn_stages(ceil_mode: bool = False) -> nn.Sequential:
    """The convolution stages of the lesson's face detector."""
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=ceil_mode),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=ceil_mode),
    )  # fmt: skip


def faces_shape_after_pool2(ceil_mode: bool = False) -> tuple[int, ...]:
    with torch.no_grad():
        return tuple(face_cnn_stages(ceil_mode)(torch.zeros(1, 1, 25, 25)).shape[1:])


# ----------------------------------------------------------------------------- 09_detection

NMS_QUIZ_BOXES = [[10, 10, 50, 50], [12, 12, 52, 52], [40, 40, 80, 80], [45, 42, 85, 82], [100, 10, 130, 40]]
NMS_QUIZ_SCORES = [0.84, 0.80, 0.79, 0.78, 0.60]


def quiz_box_iou(union_twice: bool = False, over_one_box: bool = False) -> float:
    """IoU of (1, 1, 5, 5) and (3, 3, 7, 7) by the course's box_iou (itself checked against shapely)."""
    from course_utils.ops import box_area, box_intersection, box_iou

    a, b = torch.tensor([[1.0, 1, 5, 5]]), torch.tensor([[3.0, 3, 7, 7]])
    if union_twice:
        return (box_intersection(a, b) / (box_area(a) + box_area(b))).item()
    if over_one_box:
        return (box_intersection(a, b) / box_area(a)).item()
    return round(box_iou(a, b).item(), 6)  # the bank states 1/7 to six places


def quiz_anchor_count(sizes=(128, 256, 512), ratios=(0.5, 1.0, 2.0)) -> int:
    from course_utils.ops import anchor_grid

    return len(anchor_grid((38, 50), 16, sizes=list(sizes), aspect_ratios=list(ratios)))


def quiz_ap(n_ground_truth: int = 5, envelope: bool = True) -> float:
    from course_utils.ops import average_precision, precision_recall

    precision, recall = precision_recall([True, False, True, False, True, True], n_ground_truth)
    if envelope:
        return average_precision(precision, recall, "all-point")
    steps = np.diff(np.concatenate([[0.0], recall]))
    return float(round((steps * precision).sum(), 3))


def test_nms_quiz_survivors_are_what_nms_keeps():
    from course_utils.ops import nms

    question = load_bank("09_detection").questions["nms-survivors"]
    kept = nms(torch.tensor(NMS_QUIZ_BOXES, dtype=torch.float32), torch.tensor(NMS_QUIZ_SCORES), 0.5).tolist()
    assert sorted(question.answer) == sorted(f"score-{round(100 * NMS_QUIZ_SCORES[i]):03d}" for i in kept)
    for box, score in zip(NMS_QUIZ_BOXES, NMS_QUIZ_SCORES, strict=True):  # the prompt shows these very boxes
        assert f"| {score:.2f} | ({', '.join(map(str, box))}) |" in question.prompt


# ----------------------------------------------------------------------------- 06_batch_norm


def he_std(in_channels: int = 8, kernel: int = 5) -> float:
    """He et al.'s sqrt(2 / n), with n = the inputs of one output value, read off a real layer."""
    conv = nn.Conv2d(in_channels, 1, kernel)
    return nn.init.calculate_gain("relu") / math.sqrt(conv.weight[0].numel())


def batch_norm_output_for_nine(gamma: float = 3.0, beta: float = 0.5) -> float:
    """nn.BatchNorm2d in training mode on one channel holding 2, 4, 4, 4, 5, 5, 7, 9 (eps ~ 0: PyTorch wants > 0)."""
    values = torch.tensor([2.0, 4, 4, 4, 5, 5, 7, 9], dtype=torch.float64).reshape(8, 1, 1, 1)
    layer = nn.BatchNorm2d(1, eps=1e-12).double()
    with torch.no_grad():
        layer.weight.fill_(gamma)
        layer.bias.fill_(beta)
    return layer(values)[7].item()  # the output for the value 9


def values_per_batch_norm_mean(shape: tuple[int, int, int, int] = (32, 16, 14, 14)) -> int:
    """Let PyTorch count: with momentum 1 the running mean is the batch mean, here (one 1 among zeros) 1 / m."""
    layer = nn.BatchNorm2d(shape[1], momentum=1.0).double()
    x = torch.zeros(shape, dtype=torch.float64)
    x[0, 0, 0, 0] = 1.0
    layer.train()(x)
    return round(1 / layer.running_mean[0].item())


def batch_norm_buffers(channels: int = 64) -> int:
    layer = nn.BatchNorm2d(channels)
    return layer.running_mean.numel() + layer.running_var.numel()


# ----------------------------------------------------------------------------- the link table

# ----------------------------------------------------------------------------- 08_imagenet_architectures


def vgg16_largest_layer() -> str:
    """The choice id of the VGG-16 layer with the most parameters, by counting every layer."""
    from course_utils.models import vgg16

    with torch.device("meta"):
        model = vgg16()
    layers = [m for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    largest = max(layers, key=n_params)
    names = {id(layers[0]): "first-conv", id(model.head[2]): "first-dense", id(model.head[-1]): "output-layer"}
    return names.get(id(largest), "last-conv")


def resnet18_last_field() -> int:
    from course_utils.analysis import stage_table
    from course_utils.models import resnet18

    with torch.device("meta"):
        return stage_table(resnet18()).by_name()["stage4"].rf


def depthwise_separable_weights(pointwise: bool = True, depthwise: bool = True) -> int:
    layers = [nn.Conv2d(64, 64, 3, groups=64, bias=False)] if depthwise else []
    layers += [nn.Conv2d(64, 128, 1, bias=False)] if pointwise else []
    return n_params(nn.Sequential(*layers))


# ----------------------------------------------------------------------------- the link tables

# ----------------------------------------------------------------------------- 10_autoencoders


def course_autoencoder(code_size: int = 16) -> nn.Module:
    from course_utils.models import conv_autoencoder

    return conv_autoencoder(code_size)


def transposed_shape(output_padding: int = 1, padding: int = 1) -> tuple[int, ...]:
    layer = nn.ConvTranspose2d(32, 16, 3, stride=2, padding=padding, output_padding=output_padding)
    with torch.no_grad():
        return tuple(layer(torch.zeros(1, 32, 7, 7)).shape[1:])


def compression_ratio() -> float:
    model = course_autoencoder(16)
    with torch.no_grad():
        return torch.zeros(1, 1, 28, 28).numel() / model.encode(torch.zeros(1, 1, 28, 28)).shape[1]


def encoder_dense_parameters() -> int:
    return n_params(course_autoencoder(16).encoder[-1])


# ----------------------------------------------------------------------------- 11_beyond


def commutes_with_a_quarter_turn() -> frozenset[str]:
    """The choices whose operation f gives f(turned x) == turned f(x) on random 28x28 images (a number stays put)."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(4, 1, 28, 28, generator=generator, dtype=torch.float64)

    def turn(t: torch.Tensor) -> torch.Tensor:
        return torch.rot90(t, 1, dims=(-2, -1)) if t.ndim == 4 else t

    def conv_with(kernel: list[list[float]]) -> Callable[[torch.Tensor], torch.Tensor]:
        weight = torch.tensor(kernel, dtype=torch.float64)[None, None]
        return lambda t: F.conv2d(t, weight, padding=1)

    dense = nn.Linear(784, 10).double()
    operations = {
        "relu": F.relu,
        "max-pool": lambda t: F.max_pool2d(t, 2),
        "edge-kernel": conv_with([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
        "sobel-kernel": conv_with([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
        "global-average": lambda t: t.mean(dim=(-2, -1)),
        "flatten-dense": lambda t: dense(t.flatten(1)),
    }
    with torch.no_grad():
        return frozenset(name for name, f in operations.items() if torch.allclose(f(turn(x)), turn(f(x))))


def p4_layer(bias_per_orientation: bool = False) -> int:
    from course_utils.ops import P4Conv

    layer = P4Conv(16, 32, 3)
    return n_params(layer) + (3 * layer.bias.numel() if bias_per_orientation else 0)


def video_stack_shape(first_pool=(1, 2, 2), second_pool=(2, 2, 2)) -> tuple[int, ...]:
    stack = nn.Sequential(nn.Conv3d(3, 64, 3, padding=1), nn.MaxPool3d(first_pool), nn.Conv3d(64, 128, 3, padding=1),
                          nn.MaxPool3d(second_pool))
    with torch.no_grad():
        return tuple(stack(torch.zeros(1, 3, 16, 112, 112)).shape[1:])


# ----------------------------------------------------------------------------- 12_physics


def trapezoid_response_length(rise: int = 16, flat_top: int = 32) -> int:
    """How long the recursive filter answers a single impulse: the kernel's length, measured."""
    from course_utils.ops import trapezoidal_filter_recursive

    impulse = np.zeros(4 * rise + flat_top)
    impulse[0] = 1.0
    response = trapezoidal_filter_recursive(impulse, rise, flat_top, tau=400.0)
    return int(np.flatnonzero(np.abs(response) > 1e-12).max()) + 1


def gaussian_half_width(sigma: float = 0.9) -> float:
    """Where a Gaussian of standard deviation sigma falls to half its maximum, found numerically."""
    from scipy.optimize import brentq

    return brentq(lambda x: math.exp(-(x**2) / (2 * sigma**2)) - 0.5, 0.0, 10 * sigma)


def channels_for_192(ceil_mode: bool = True, modules: int = 5) -> int:
    x = torch.zeros(1, 1, 50, 25)
    for _ in range(modules):
        x = nn.MaxPool2d(2, ceil_mode=ceil_mode)(nn.Conv2d(1, 1, 3, padding=1)(x))
    return 192 // (x.shape[2] * x.shape[3])


COMPUTED: dict[tuple[str, str], Callable[[], object]] = {
    ("00_welcome", "batch-tensor-shape"): batch_of_numpy_photos,
    ("01_images", "astronaut-tensor-shape"): astronaut_tensor_shape,
    ("01_images", "rgb-100px-weights-per-neuron"): weights_per_neuron_rgb_100px,
    ("01_images", "fc-200px-parameters"): fc_200px_weights,
    ("01_images", "fc-200px-memory-fp16"): fc_200px_fp16_gigabytes,
    ("02_convolution", "binary-5x5-first-output"): binary_first_output,
    ("02_convolution", "binary-5x5-output-shape"): binary_output_shape,
    ("02_convolution", "edge-kernel-bottom-left"): edge_bottom_left,
    ("02_convolution", "edge-kernel-padded-corner"): edge_padded_top_left,
    ("02_convolution", "which-filter-made-edges"): kernel_that_finds_edges,
    ("02_convolution", "box-blur-flat-region"): box_blur_of_flat_region,
    ("02_convolution", "conv-as-matrix-shape"): conv_matrix_shape,
    ("02_convolution", "multi-channel-one-filter"): channels_from_one_rgb_filter,
    ("02_convolution", "emboss-true-convolution"): emboss_true_convolution,
    ("02_convolution", "im2col-rgb-patch-matrix"): im2col_patch_matrix_shape,
    ("03_conv_arithmetic", "out-size-same-padding"): same_padding_for_5x5,
    ("03_conv_arithmetic", "out-size-stride2"): lambda: output_width(5, 3, stride=2),
    ("03_conv_arithmetic", "out-size-stride-padding"): lambda: output_width(224, 7, stride=2, padding=3),
    ("03_conv_arithmetic", "out-size-dilation"): lambda: output_width(32, 3, dilation=2),
    ("03_conv_arithmetic", "conv-layer-params"): lambda: n_params(nn.Conv2d(3, 64, kernel_size=3)),
    ("03_conv_arithmetic", "thousand-10x10-filters"): lambda: nn.Conv2d(1, 1000, 10, bias=False).weight.numel(),
    ("03_conv_arithmetic", "rgb-100-filters-shape"): rgb_100_filters_shape,
    ("03_conv_arithmetic", "output-after-pool2"): shape_after_pool2,
    ("05_pooling", "maxpool-2x2-example"): lambda: F.max_pool2d(INPUT_4X4, 2)[0, 0, 1, 0].item(),
    ("05_pooling", "pool-after-conv-shape"): lambda: tuple(nn.MaxPool2d(3)(torch.zeros(1, 100, 96, 96)).shape[1:]),
    ("05_pooling", "pooling-parameters"): lambda: n_params(nn.MaxPool2d(3)),
    ("05_pooling", "mlhep-shape-after-pool2"): mlhep_shape_after_pool2,
    ("05_pooling", "mlhep-most-compute"): mlhep_most_compute,
    ("05_pooling", "mlhep-most-params"): mlhep_most_params,
    ("05_pooling", "maxpool-gradient-nonzero"): maxpool_inputs_with_gradient,
    ("04_receptive_field", "three-3x3-field"): three_3x3_field,
    ("04_receptive_field", "rf-after-pool"): field_after_pool,
    ("04_receptive_field", "convs-for-100px-cat"): convs_for_100px_cat,
    ("04_receptive_field", "dilated-stack-field"): dilated_stack_field,
    ("04_receptive_field", "mlhep-pixels-per-cell"): mlhep_pixels_per_cell,
    ("07_training_a_cnn", "conv2-parameters"): digit_cnn_conv2_parameters,
    ("07_training_a_cnn", "conv2-receptive-field"): digit_cnn_conv2_field,
    ("07_training_a_cnn", "faces-shape-after-pool2"): faces_shape_after_pool2,
    ("06_batch_norm", "he-std-conv"): he_std,
    ("06_batch_norm", "bn-worked-example"): batch_norm_output_for_nine,
    ("06_batch_norm", "bn-values-per-mean"): values_per_batch_norm_mean,
    ("06_batch_norm", "bn-learnable-params"): lambda: n_params(nn.BatchNorm2d(64)),
    ("08_imagenet_architectures", "vgg16-most-params"): vgg16_largest_layer,
    ("08_imagenet_architectures", "resnet18-field"): resnet18_last_field,
    ("08_imagenet_architectures", "depthwise-separable-params"): depthwise_separable_weights,
    ("09_detection", "iou-two-boxes"): quiz_box_iou,
    ("09_detection", "anchors-per-image"): quiz_anchor_count,
    ("09_detection", "ap-ranked-list"): quiz_ap,
    ("10_autoencoders", "compression-ratio"): compression_ratio,
    ("10_autoencoders", "transposed-output-shape"): transposed_shape,
    ("10_autoencoders", "encoder-dense-parameters"): encoder_dense_parameters,
    ("11_beyond", "which-rotation-equivariant"): commutes_with_a_quarter_turn,
    ("11_beyond", "p4-layer-parameters"): p4_layer,
    ("11_beyond", "conv3d-parameters"): lambda: n_params(nn.Conv3d(3, 64, 3)),
    ("11_beyond", "video-stack-shape"): video_stack_shape,
    ("12_physics", "trapezoid-kernel-length"): trapezoid_response_length,
    ("12_physics", "fwhm-from-sigma"): lambda: round(2 * gaussian_half_width(0.9), 2),
    ("12_physics", "pire-last-channels"): channels_for_192,
}

# Numeric or shape questions whose answer is a convention or a fact, not a computation.
NOT_COMPUTABLE: dict[tuple[str, str], str] = {}

# Classic wrong answers with feedback in a bank: (bank, question, the 'when' value) -> computation.
MISTAKES: dict[tuple[str, str, object], Callable[[], object]] = {
    ("01_images", "rgb-100px-weights-per-neuron", 10000): lambda: nn.Linear(100 * 100, 1).weight.numel(),
    ("01_images", "fc-200px-memory-fp16", 3.28): lambda: fc_200px_weights() * 4 / 1e9,
    ("02_convolution", "edge-kernel-padded-corner", 0): lambda: F.conv2d(INPUT_4X4, EDGE_KERNEL)[0, 0, 0, 0].item(),
    ("02_convolution", "emboss-true-convolution", -106): lambda: F.conv2d(PIXELS_QIU, EMBOSS_KERNEL).item(),
    ("02_convolution", "emboss-true-convolution", 106): lambda: F.conv2d(PIXELS_QIU, -EMBOSS_KERNEL).item(),
    ("02_convolution", "im2col-rgb-patch-matrix", (9, 9)): lambda: im2col_patch_matrix_shape(channels=1),
    ("03_conv_arithmetic", "out-size-stride-padding", 109): lambda: output_width(224, 7, stride=2),
    ("03_conv_arithmetic", "out-size-dilation", 30): lambda: output_width(32, 3),
    ("03_conv_arithmetic", "conv-layer-params", 1728): lambda: nn.Conv2d(3, 64, 3, bias=False).weight.numel(),
    ("03_conv_arithmetic", "output-after-pool2", (36, 4, 4)): lambda: shape_after_pool2(padding=0),
    ("05_pooling", "maxpool-2x2-example", 2.75): lambda: F.avg_pool2d(INPUT_4X4, 2)[0, 0, 1, 0].item(),
    ("05_pooling", "pool-after-conv-shape", (100, 94, 94)): lambda: tuple(
        nn.MaxPool2d(3, stride=1)(torch.zeros(1, 100, 96, 96)).shape[1:]
    ),
    ("05_pooling", "maxpool-gradient-nonzero", 16): lambda: maxpool_inputs_with_gradient(F.avg_pool2d),
    ("05_pooling", "maxpool-gradient-nonzero", 5): inputs_equal_to_their_window_max,
    ("04_receptive_field", "rf-after-pool", 8): lambda: field_after_pool(pool_stride=1),
    ("04_receptive_field", "dilated-stack-field", 9): lambda: dilated_stack_field((1, 1, 1, 1)),
    ("04_receptive_field", "dilated-stack-field", 15): lambda: dilated_stack_field((1, 2, 4)),
    ("04_receptive_field", "mlhep-pixels-per-cell", 49): lambda: mlhep_pixels_per_cell(up_to="pool1"),
    ("04_receptive_field", "rf-after-pool", 7): lambda: field_width([conv3(1) for _ in range(3)]),
    ("04_receptive_field", "three-3x3-field", 27): lambda: 3 * n_params(nn.Conv2d(1, 1, 3, bias=False)),
    ("07_training_a_cnn", "conv2-parameters", 14400): lambda: course_digit_cnn()[3].weight.numel(),
    ("07_training_a_cnn", "conv2-parameters", 936): lambda: n_params(nn.Conv2d(1, 36, 5)),
    ("07_training_a_cnn", "conv2-receptive-field", 9): lambda: digit_cnn_conv2_field(with_pooling=False),
    ("07_training_a_cnn", "conv2-receptive-field", 196): lambda: digit_cnn_conv2_field(measure="area"),
    ("07_training_a_cnn", "faces-shape-after-pool2", (16, 7, 7)): lambda: faces_shape_after_pool2(ceil_mode=True),
    ("08_imagenet_architectures", "depthwise-separable-params", 576): (
        lambda: depthwise_separable_weights(pointwise=False)
    ),
    ("08_imagenet_architectures", "depthwise-separable-params", 8192): (
        lambda: depthwise_separable_weights(depthwise=False)
    ),
    ("06_batch_norm", "he-std-conv", 0.5): lambda: nn.init.calculate_gain("relu") / math.sqrt(8),
    ("06_batch_norm", "bn-worked-example", 4): lambda: batch_norm_output_for_nine(gamma=0.5, beta=3.0),
    ("06_batch_norm", "bn-worked-example", 2): lambda: batch_norm_output_for_nine(gamma=1.0, beta=0.0),
    ("06_batch_norm", "bn-learnable-params", 256): lambda: n_params(nn.BatchNorm2d(64)) + batch_norm_buffers(64),
    ("09_detection", "iou-two-boxes", 0.125): lambda: quiz_box_iou(union_twice=True),
    ("09_detection", "iou-two-boxes", 0.25): lambda: quiz_box_iou(over_one_box=True),
    ("09_detection", "anchors-per-image", 1900): lambda: quiz_anchor_count(sizes=(128,), ratios=(1.0,)),
    ("09_detection", "anchors-per-image", 5700): lambda: quiz_anchor_count(ratios=(1.0,)),
    ("09_detection", "ap-ranked-list", 0.587): lambda: quiz_ap(envelope=False),
    ("09_detection", "ap-ranked-list", 0.75): lambda: quiz_ap(n_ground_truth=4),
    ("10_autoencoders", "compression-ratio", 1.75): lambda: 28 / course_autoencoder(16).code_size,
    ("10_autoencoders", "transposed-output-shape", (16, 13, 13)): lambda: transposed_shape(output_padding=0),
    ("10_autoencoders", "transposed-output-shape", (16, 15, 15)): lambda: transposed_shape(0, padding=0),
    ("10_autoencoders", "encoder-dense-parameters", 25088): lambda: course_autoencoder(16).encoder[-1].weight.numel(),
    ("10_autoencoders", "encoder-dense-parameters", 4624): lambda: n_params(nn.ConvTranspose2d(32, 16, 3)),
    ("11_beyond", "p4-layer-parameters", 73856): lambda: n_params(nn.Conv2d(4 * 16, 4 * 32, 3)),
    ("11_beyond", "p4-layer-parameters", 4640): lambda: n_params(nn.Conv2d(16, 32, 3)),
    ("11_beyond", "p4-layer-parameters", 18560): lambda: p4_layer(bias_per_orientation=True),
    ("11_beyond", "conv3d-parameters", 1792): lambda: n_params(nn.Conv2d(3, 64, 3)),
    ("11_beyond", "conv3d-parameters", 5184): lambda: nn.Conv3d(3, 64, 3).weight.numel(),
    ("11_beyond", "conv3d-parameters", 1728): lambda: nn.Conv3d(1, 64, 3).weight.numel(),
    ("11_beyond", "video-stack-shape", (128, 16, 28, 28)): lambda: video_stack_shape(second_pool=(1, 2, 2)),
    ("11_beyond", "video-stack-shape", (128, 8, 56, 56)): lambda: video_stack_shape(first_pool=(1, 1, 1)),
    ("11_beyond", "video-stack-shape", (128, 4, 28, 28)): lambda: video_stack_shape(first_pool=(2, 2, 2)),
    ("12_physics", "trapezoid-kernel-length", 48): lambda: trapezoid_response_length(16, 32) - 16,
    ("12_physics", "fwhm-from-sigma", 1.06): lambda: round(gaussian_half_width(0.9), 2),
    ("12_physics", "fwhm-from-sigma", 1.8): lambda: 2 * 0.9,
    ("12_physics", "pire-last-channels", 64): lambda: channels_for_192(ceil_mode=False, modules=4),
}


def _same(computed: object, stated: object) -> bool:
    if isinstance(stated, tuple | list):
        return tuple(computed) == tuple(stated)
    if isinstance(stated, int | float) and not isinstance(stated, bool):
        return math.isclose(computed, stated, rel_tol=1e-9, abs_tol=1e-12)
    return computed == stated


# ----------------------------------------------------------------------------- the tests


@pytest.mark.parametrize(("bank", "qid"), COMPUTED)
def test_bank_answer_equals_the_computed_one(bank, qid):
    question = load_bank(bank).questions[qid]
    computed = COMPUTED[bank, qid]()
    assert _same(computed, question.answer), f"{bank}/{qid}: bank says {question.answer!r}, computed {computed!r}"


@pytest.mark.parametrize(("bank", "qid", "when"), MISTAKES)
def test_feedback_for_a_classic_mistake_matches_its_computation(bank, qid, when):
    question = load_bank(bank).questions[qid]
    assert when in [item.when for item in question.feedback], f"{bank}/{qid} has no feedback for {when!r}"
    assert _same(MISTAKES[bank, qid, when](), when)


def test_every_numeric_or_shape_question_is_computed_or_excused():
    unlinked = [
        (name, q.id)
        for name in list_banks()
        for q in load_bank(name).questions.values()
        if q.type in {"numeric", "shape"} and (name, q.id) not in COMPUTED and (name, q.id) not in NOT_COMPUTABLE
    ]
    assert not unlinked, f"add these to COMPUTED (or NOT_COMPUTABLE with a reason): {unlinked}"


def test_the_link_tables_name_only_existing_questions():
    for bank, qid in [*COMPUTED, *NOT_COMPUTABLE]:
        assert qid in load_bank(bank).questions, f"{bank}/{qid} is not in the bank"
    assert all(reason.strip() for reason in NOT_COMPUTABLE.values())
    assert not set(COMPUTED) & set(NOT_COMPUTABLE)


def test_the_first_convolution_dominates_the_cost_by_a_wide_margin():
    """The MLHEP answer should not hinge on how pooling comparisons are counted."""
    costs = mlhep_layer_costs()
    runner_up = max(cost for name, cost in costs.items() if name != "conv1")
    assert costs["conv1"] > 3 * runner_up


def test_he_std_is_what_kaiming_normal_draws():
    """06_batch_norm: the formula behind 'he-std-conv' agrees with PyTorch's own initialiser."""
    weight = nn.Conv2d(8, 2950, 5).weight.detach()  # about 590,000 weights with 8 * 5 * 5 inputs each
    nn.init.kaiming_normal_(weight, nonlinearity="relu", generator=torch.Generator().manual_seed(0))
    assert weight.std().item() == pytest.approx(he_std(), rel=0.01)


def test_the_pixel_accuracy_trap_quotes_what_all_background_scores():
    """12_physics/pixel-accuracy-trap: the shares, accuracy and IoUs it quotes, computed on the lesson's events."""
    from course_utils.ops import class_iou, confusion_matrix
    from course_utils.training import particles

    text = repr(load_bank("12_physics").questions["pixel-accuracy-trap"])
    for split in ("train", "test"):
        masks = particles.events(split).masks
        all_background = torch.zeros_like(masks)
        accuracy = (all_background == masks).float().mean().item()
        iou = class_iou(confusion_matrix(all_background, masks, classes=3))
        assert f"{accuracy:.0%}" == "97%" and f"{1 - accuracy:.0%}" == "3%", accuracy
        assert f"{iou[0]:.2f}" == "0.97" and iou[1] == iou[2] == 0, iou
        assert f"{np.mean(iou):.2f}" == "0.32", iou
    for quoted in ("97%", "3%", "0.97", "0.32"):
        assert quoted in text, quoted
    assert "98" not in text and "0.33" not in text
