"""The ImageNet classics of lesson 08: counts equal the published ones, shapes, and receptive fields per stage.

torchvision cannot be installed next to the CPU build of PyTorch here, so the published
numbers are the oracle. Sources: the torchvision model documentation (the ``num_params`` and
``GFLOPS`` fields of each ``*_Weights.IMAGENET1K_V1`` entry; torchvision's "GFLOPS" count one
multiply-add as one operation, so they are billions of multiply-adds), and the papers where
they give a figure. Models are built on the meta device: shapes and counts, no memory, no compute.
"""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from course_utils import models
from course_utils.analysis import spatial_path, stage_table, summary
from course_utils.ops import receptive_field

# name: (builder, parameters, multiply-adds in billions), from the torchvision model documentation.
TORCHVISION = {
    "alexnet": (models.alexnet, 61_100_840, 0.71),
    "vgg16": (models.vgg16, 138_357_544, 15.47),
    "googlenet": (models.googlenet, 6_624_904, 1.50),
    "resnet18": (models.resnet18, 11_689_512, 1.81),
    "resnet34": (models.resnet34, 21_797_672, 3.66),
    "resnet50": (models.resnet50, 25_557_032, 4.09),
    "mobilenet_v2": (models.mobilenet_v2, 3_504_872, 0.30),
    "convnext_tiny": (models.convnext_tiny, 28_589_128, 4.46),
}


def on_meta(build):
    with torch.device("meta"):
        return build()


@pytest.mark.parametrize("name", TORCHVISION)
def test_parameters_equal_torchvision_exactly(name):
    build, parameters, _ = TORCHVISION[name]
    assert sum(p.numel() for p in on_meta(build).parameters()) == parameters


@pytest.mark.parametrize("name", TORCHVISION)
def test_multiply_adds_from_the_course_summary_agree_with_torchvision(name):
    build, _, billions = TORCHVISION[name]
    macs = summary(on_meta(build), (3, 224, 224)).total_macs
    assert macs / 1e9 == pytest.approx(billions, rel=0.02)


@pytest.mark.parametrize(
    ("build", "paper_billions", "source"),
    [
        (models.googlenet, 1.5, "Szegedy et al. (2015), section 5: 1.5 billion multiply-adds"),
        (models.resnet18, 1.8, "He et al. (2016), Table 1: 1.8 x 10^9 FLOPs (multiply-adds)"),
        (models.resnet34, 3.6, "He et al. (2016), Table 1: 3.6 x 10^9"),
        (models.mobilenet_v2, 0.300, "Sandler et al. (2018), Table 4: 300 million multiply-adds"),
    ],
)
def test_multiply_adds_agree_with_the_papers(build, paper_billions, source):
    assert summary(on_meta(build), (3, 224, 224)).total_macs / 1e9 == pytest.approx(paper_billions, rel=0.02), source


def test_resnet50_is_v1_5_and_costs_more_than_the_paper_says():
    # He et al. (2016), Table 1: 3.8 x 10^9 for the paper's ResNet-50 (stride on the first 1x1);
    # torchvision (and the course) put the stride on the 3x3: 4.09 x 10^9, 8% more.
    macs = summary(on_meta(models.resnet50), (3, 224, 224)).total_macs / 1e9
    assert macs == pytest.approx(4.09, rel=0.01) and macs / 3.8 == pytest.approx(1.076, abs=0.01)


def test_the_papers_alexnet_has_about_60_million_parameters():
    # Krizhevsky et al. (2012), section 3: "60 million parameters". Counted layer by layer:
    convs = (11 * 11 * 3 + 1) * 96 + (5 * 5 * 48 + 1) * 256 + (3 * 3 * 256 + 1) * 384
    convs += (3 * 3 * 192 + 1) * 384 + (3 * 3 * 192 + 1) * 256
    dense = (9216 + 1) * 4096 + (4096 + 1) * 4096 + (4096 + 1) * 1000
    count = sum(p.numel() for p in on_meta(models.alexnet_paper).parameters())
    assert count == convs + dense == 60_965_224
    # 1.6% above the paper's round "60 million": within 2%, not within 1%.
    assert count / 60e6 == pytest.approx(1, abs=0.02)


@pytest.mark.parametrize("name", TORCHVISION)
def test_every_network_gives_1000_logits_for_a_224_image(name):
    model = on_meta(TORCHVISION[name][0])
    assert model(torch.zeros(2, 3, 224, 224, device="meta")).shape == (2, 1000)


def test_the_paper_alexnet_gives_1000_logits_and_55x55_maps_after_conv1():
    model = on_meta(models.alexnet_paper)
    x = torch.zeros(1, 3, 224, 224, device="meta")
    assert model.conv1[0](x).shape == (1, 96, 55, 55)
    assert model(x).shape == (1, 1000)


def test_small_inputs_run_for_real_on_the_cpu():
    for build in (models.resnet18, models.mobilenet_v2, models.googlenet):
        with torch.no_grad():
            assert build(classes=7).eval()(torch.rand(1, 3, 64, 64)).shape == (1, 7)


@pytest.mark.parametrize(
    ("build", "fields"),
    [
        # The chain of layers, by hand with r_out = r_in + (k - 1) j_in: AlexNet 195, VGG-16 212, ResNet-18 435.
        (models.alexnet, {"conv1": 19, "conv2": 67, "conv5": 195}),
        (models.vgg16, {"block1": 6, "block2": 16, "block3": 44, "block4": 100, "block5": 212}),
        (models.resnet18, {"stem": 11, "stage1": 43, "stage2": 99, "stage3": 211, "stage4": 435}),
    ],
)
def test_stage_fields_follow_the_recurrence(build, fields):
    table = stage_table(on_meta(build)).by_name()
    assert {name: table[name].rf for name in fields} == fields
    assert table["head"].rf is None


@pytest.mark.parametrize("build", [models.vgg16, models.resnet50])
def test_the_stage_table_prints_one_line_per_stage_within_70_columns(build):
    table = stage_table(on_meta(build))
    lines = str(table).splitlines()
    assert len(lines) == len(table.stages) + 2 and max(map(len, lines)) <= 70  # a 1280x720 slide wraps beyond


def linear_probe(model: nn.Module) -> nn.Module:
    """A copy in float64 whose every path passes gradient: positive weights, batch norm as the identity, no max."""
    probe = copy.deepcopy(model).double().eval()
    for name, module in list(probe.named_modules()):
        if isinstance(module, nn.Conv2d):
            nn.init.constant_(module.weight, 0.01)
        elif isinstance(module, nn.BatchNorm2d):
            module.reset_parameters()
            module.reset_running_stats()
        elif isinstance(module, nn.MaxPool2d):
            parent = probe.get_submodule(name.rpartition(".")[0]) if "." in name else probe
            average = nn.AvgPool2d(module.kernel_size, module.stride, module.padding, module.ceil_mode)
            setattr(parent, name.rpartition(".")[2], average)
    return probe


@pytest.mark.parametrize(("build", "stages", "size"), [(models.resnet18, 3, 128), (models.googlenet, 2, 96)])
def test_the_longest_path_field_is_what_autograd_measures_through_the_branches(build, stages, size):
    torch.manual_seed(0)
    network = build()
    body = network[:stages]  # stem and the first stages, shortcuts and Inception branches included
    probe = linear_probe(body)
    x = torch.ones(1, 3, size, size, dtype=torch.float64, requires_grad=True)
    out = probe(x)
    centre = (out.shape[2] // 2, out.shape[3] // 2)
    out[0, :, centre[0], centre[1]].sum().backward()
    reached = torch.nonzero(x.grad[0].abs().sum(0))
    measured = tuple((int(reached[:, axis].min()), int(reached[:, axis].max())) for axis in (0, 1))
    path = [m for stage in body for m in spatial_path(stage)]
    assert receptive_field(path, input_size=size).region(centre) == measured


def test_the_shipped_table_of_models_agrees_with_the_course_models():
    import csv

    from course_utils.integrity import verified_path

    with open(verified_path("imagenet_models.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    assert {row["builder"] for row in rows} >= set(TORCHVISION)
    for row in rows:
        model = on_meta(getattr(models, row["builder"]))
        assert int(row["params"]) == sum(p.numel() for p in model.parameters()), row["model"]
        macs = summary(model, (3, 224, 224)).total_macs / 1e9
        assert float(row["macs_billions"]) == pytest.approx(macs, rel=0.02), row["model"]
        assert all(row[key].strip() for key in ("accuracy_source", "params_source", "macs_source")), row["model"]


def test_every_ilsvrc_row_names_its_source():
    import csv

    from course_utils.integrity import verified_path

    with open(verified_path("ilsvrc_winners.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    winners = {int(r["year"]): float(r["top5_error_percent"]) for r in rows if r["kind"] == "winner"}
    assert sorted(winners) == list(range(2010, 2018)) and all(r["source"].strip() for r in rows)
    assert all(winners[y] > winners[y + 1] for y in range(2010, 2017)), "the winning error fell every year"
