"""The convolution speed ladder: ``python -m bench.conv`` (or ``python -m bench conv``).

Times the course's convolutions against PyTorch on a ResNet-style layer (a batch of 16,
64 -> 64 channels, 56x56, 3x3 kernel, padding 1, float32) with 2 threads, as on the
course's 2-core laptop, and prints a Markdown table: median time of several runs, GFLOP/s
(2 FLOPs per multiply-add) and throughput relative to PyTorch.

The naive loops would take minutes on the whole layer, so they run on a slice of it (one
image, a few filters) and their time is scaled up by the ratio of multiply-adds; the table
marks that row as extrapolated.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from threadpoolctl import threadpool_info, threadpool_limits

from course_utils.ops.conv import conv2d, conv2d_naive
from course_utils.ops.conv_fast import conv2d_shifted

THREADS = 2
BATCH, C_IN, C_OUT, SIZE, KERNEL, PADDING = 16, 64, 64, 56, 3, 1
NAIVE_IMAGES, NAIVE_FILTERS = 1, 2  # the slice of the layer that the loops run on
REPEATS = 9


def mult_adds(batch: int, c_out: int) -> int:
    """C_out * H_out * W_out * (C_in * kH * kW) per image; padding 1 keeps 56x56."""
    return batch * c_out * SIZE * SIZE * C_IN * KERNEL * KERNEL


def timings(candidates: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Seconds of each run of each candidate, taking turns so that noise hits all alike."""
    for fn in candidates.values():
        fn()  # warm up: first-call allocations, thread pools
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, fn in candidates.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def cpu_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def ladder() -> list[tuple[str, list[float], int]]:
    """(label, seconds of each run, multiply-adds) for each rung, slowest first."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, C_IN, SIZE, SIZE), dtype=np.float32)
    weight = rng.standard_normal((C_OUT, C_IN, KERNEL, KERNEL), dtype=np.float32)
    x_torch, weight_torch = torch.from_numpy(x), torch.from_numpy(weight)

    expected = F.conv2d(x_torch, weight_torch, padding=PADDING).numpy()
    for fn in (conv2d, conv2d_shifted):  # a fast wrong answer would be worth nothing
        np.testing.assert_allclose(fn(x, weight, padding=PADDING), expected, rtol=1e-3, atol=1e-3)

    naive_x, naive_weight = x[:NAIVE_IMAGES], weight[:NAIVE_FILTERS]
    naive = timings({"naive": lambda: conv2d_naive(naive_x, naive_weight, padding=PADDING)}, 3)
    scale = mult_adds(BATCH, C_OUT) / mult_adds(NAIVE_IMAGES, NAIVE_FILTERS)

    # The matrix product inside conv2d, alone: a ceiling for im2col + GEMM.
    patches = rng.standard_normal((C_OUT, C_IN * KERNEL * KERNEL), dtype=np.float32)
    columns = rng.standard_normal((BATCH, C_IN * KERNEL * KERNEL, SIZE * SIZE), dtype=np.float32)
    with torch.no_grad():
        runs = timings(
            {
                "conv2d": lambda: conv2d(x, weight, padding=PADDING),
                "conv2d_shifted": lambda: conv2d_shifted(x, weight, padding=PADDING),
                "gemm": lambda: np.matmul(patches, columns),
                "torch": lambda: F.conv2d(x_torch, weight_torch, padding=PADDING),
            },
            REPEATS,
        )
    full = mult_adds(BATCH, C_OUT)
    return [
        (
            f"naive loops `conv2d_naive` (extrapolated: ran {NAIVE_IMAGES} image x "
            f"{NAIVE_FILTERS} filters, time x {scale:.0f})",
            [seconds * scale for seconds in naive["naive"]],
            full,
        ),
        ("im2col + matrix product `conv2d`", runs["conv2d"], full),
        ("sum of 9 shifted GEMMs `conv2d_shifted`", runs["conv2d_shifted"], full),
        ("(ceiling) the matrix product of `conv2d` alone, no im2col", runs["gemm"], full),
        ("PyTorch `F.conv2d` (oneDNN)", runs["torch"], full),
    ]


def table(rows: list[tuple[str, list[float], int]]) -> str:
    """Markdown: median and best time, GFLOP/s and throughput relative to PyTorch (medians)."""
    torch_median = statistics.median(rows[-1][1])
    lines = [
        "| method | median (ms) | best (ms) | GFLOP/s | throughput vs PyTorch |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, seconds, macs in rows:
        median = statistics.median(seconds)
        lines.append(
            f"| {label} | {median * 1e3:,.1f} | {min(seconds) * 1e3:,.1f} "
            f"| {2 * macs / median / 1e9:,.2f} | {torch_median / median:.3f} |"
        )
    return "\n".join(lines)


def main() -> None:
    torch.set_num_threads(THREADS)
    with threadpool_limits(limits=THREADS):
        blas = ", ".join(f"{pool['internal_api']} {pool['num_threads']} threads" for pool in threadpool_info())
        print(
            f"## Convolution speed ladder\n\n"
            f"CPU: {cpu_name()} ({os.cpu_count()} cores visible); PyTorch "
            f"{torch.get_num_threads()} threads; thread pools: {blas}\n\n"
            f"Layer: batch {BATCH}, {C_IN} -> {C_OUT} channels, {SIZE}x{SIZE}, "
            f"{KERNEL}x{KERNEL} kernel, padding {PADDING}, float32: "
            f"{2 * mult_adds(BATCH, C_OUT) / 1e9:.2f} GFLOP. Median of {REPEATS} runs.\n"
        )
        print(table(ladder()))


if __name__ == "__main__":
    main()
