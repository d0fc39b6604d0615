"""Greedy NMS, one box at a time against all overlaps at once: ``python -m bench nms``.

Times :func:`course_utils.ops.nms` (a Python loop over the boxes by score, each compared with
the boxes kept so far) and :func:`course_utils.ops.nms_fast` (the matrix of every pairwise
IoU in blocks, then one pass over it) on 1,000 and 10,000 random boxes, as a detector's raw
output on a 512x512 image might give, with 2 threads. Both must keep the same boxes.
"""

from __future__ import annotations

import statistics
import time

import torch

from bench.conv import cpu_name
from course_utils.ops import nms, nms_fast

THREADS = 2
COUNTS = (1_000, 10_000)
IOU_THRESHOLD = 0.5
REPEATS = {1_000: 7, 10_000: 3}


def random_boxes(n: int, seed: int = 0, canvas: float = 512.0) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` boxes of 8-64 px on a square canvas and their uniform random scores."""
    generator = torch.Generator().manual_seed(seed)
    corner = torch.rand(n, 2, generator=generator) * canvas
    size = 8 + torch.rand(n, 2, generator=generator) * 56
    return torch.cat([corner, corner + size], dim=1), torch.rand(n, generator=generator)


def seconds(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def rows() -> list[tuple[int, int, list[float], list[float]]]:
    """(boxes, kept, loop seconds, fast seconds) per box count."""
    results = []
    for n in COUNTS:
        boxes, scores = random_boxes(n)
        kept = nms(boxes, scores, IOU_THRESHOLD)
        assert torch.equal(kept, nms_fast(boxes, scores, IOU_THRESHOLD)), "the fast NMS disagrees with the loop"
        loop = seconds(lambda b=boxes, s=scores: nms(b, s, IOU_THRESHOLD), REPEATS[n])
        fast = seconds(lambda b=boxes, s=scores: nms_fast(b, s, IOU_THRESHOLD), REPEATS[n])
        results.append((n, len(kept), loop, fast))
    return results


def table(results) -> str:
    lines = [
        "| boxes | kept | loop `nms` median (ms) | all pairs `nms_fast` median (ms) | speed-up |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n, kept, loop, fast in results:
        loop_ms, fast_ms = statistics.median(loop) * 1e3, statistics.median(fast) * 1e3
        lines.append(f"| {n:,} | {kept:,} | {loop_ms:,.1f} | {fast_ms:,.1f} | {loop_ms / fast_ms:.1f}x |")
    return "\n".join(lines)


def main() -> None:
    torch.set_num_threads(THREADS)
    print(
        f"## Greedy NMS, loop against all pairs at once\n\nCPU: {cpu_name()}; PyTorch {torch.get_num_threads()} "
        f"threads; random boxes of 8-64 px on 512x512, IoU threshold {IOU_THRESHOLD}.\n"
    )
    print(table(rows()))


if __name__ == "__main__":
    main()
