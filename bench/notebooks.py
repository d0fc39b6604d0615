"""Time every lesson and measure its kernel's peak memory on this machine.

``python -m bench notebooks`` prints a Markdown table (for the README) and
writes bench/results/notebooks.csv, which the welcome notebook's course map
reads. Each notebook runs in a fresh process, so the peak resident memory of
that process's children is the peak of the notebook's own kernel.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "notebooks.csv"
TARGET_SECONDS, TARGET_TOTAL_SECONDS, TARGET_MB = 60, 360, 2048


def measure_one(path: Path) -> dict:
    """Execute one notebook (outputs are not saved) and return its seconds and peak MB."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from execute_notebooks import recording_environment, run

    with recording_environment():
        _, seconds = run(path)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"notebook": path.stem, "seconds": round(seconds, 1), "peak_mb": round(peak_kb / 1024)}


def measure(path: Path) -> dict:
    """Measure one notebook in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.notebooks", str(path)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def table(rows: list[dict]) -> str:
    total = sum(r["seconds"] for r in rows)
    lines = ["| notebook | seconds | peak memory (MB) |", "|---|---:|---:|"]
    lines += [f"| {r['notebook']} | {r['seconds']:.1f} | {r['peak_mb']} |" for r in rows]
    lines.append(f"| **whole course** | **{total:.0f}** | **{max(r['peak_mb'] for r in rows)}** |")
    return "\n".join(lines)


def main() -> None:
    print(f"## Notebooks on {platform.machine()} with {os.cpu_count()} CPU cores "
          f"(targets: {TARGET_SECONDS} s each, {TARGET_TOTAL_SECONDS} s in all, {TARGET_MB} MB peak)\n")
    rows = [measure(path) for path in sorted((ROOT / "notebooks").glob("*.ipynb"))]
    print(table(rows))
    slow = [r["notebook"] for r in rows if r["seconds"] > TARGET_SECONDS or r["peak_mb"] > TARGET_MB]
    if slow:
        print(f"\nover target: {', '.join(slow)}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with open(RESULTS, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["notebook", "seconds", "peak_mb"])
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    print(json.dumps(measure_one(Path(sys.argv[1]))))
