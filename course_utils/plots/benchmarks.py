"""Figures of published benchmark results: a challenge's history, and accuracy against compute.

Both read rows as ``csv.DictReader`` gives them from ``data/ilsvrc_winners.csv`` and
``data/imagenet_models.csv`` (columns named there). Figures are 10 inches wide and write no
text under 10 points.
"""

from __future__ import annotations

from collections.abc import Collection

FONT = 10


def _rows(winners: list[dict], kind: str) -> list[tuple[int, float, str]]:
    return [(int(r["year"]), float(r["top5_error_percent"]), r["team"]) for r in winners if r["kind"] == kind]


def plot_challenge_history(winners: list[dict], ax=None):
    """Bars of the winning top-5 error per year (grey before CNNs won), the 2012 runner-up, the human line.

    ``winners`` are the rows of ``ilsvrc_winners.csv``: ``year``, ``top5_error_percent``, ``team``
    and ``kind`` (``winner``, ``runner-up`` or ``human reference``; other kinds are not drawn).
    """
    import matplotlib.pyplot as plt

    best = _rows(winners, "winner")
    if not best:
        raise ValueError("no row has kind 'winner': pass the rows of data/ilsvrc_winners.csv")
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.4), layout="constrained")
    for year, error, team in best:
        ax.bar(year, error, color="tab:gray" if year < 2012 else "tab:blue")
        ax.text(year, error + 0.6, f"{error:.1f}\n{team}", ha="center", fontsize=FONT,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})  # readable across the dashed line
    for year, error, team in _rows(winners, "runner-up"):
        ax.plot(year + 0.3, error, "v", color="tab:orange", ms=10, label=f"{year} runner-up ({team}), no CNN")
    for _, error, _ in _rows(winners, "human reference"):
        ax.axhline(error, color="tab:red", ls="--", label=f"a trained person, {error}%")
    ax.set(xlabel="year", ylabel="top-5 error on the test set (%)", ylim=(0, 34),
           title="ILSVRC classification winners (grey: no CNN, blue: CNNs)")
    ax.legend(loc="upper right")
    return ax


def plot_accuracy_vs_compute(models: list[dict], label_below: Collection[str] = (), ax=None):
    """Top-1 accuracy against multiply-adds (log scale), one bubble per network, its area the parameters.

    ``models`` are rows of ``imagenet_models.csv`` with ``model``, ``top1_percent``,
    ``macs_billions`` and ``params``. Names in ``label_below`` get their label below and to the
    left of the bubble, for neighbours whose labels would overlap.
    """
    import matplotlib.pyplot as plt

    if not models:
        raise ValueError("no networks to plot: pass the rows of data/imagenet_models.csv that have top1_percent")
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.6), layout="constrained")
    for row in models:
        macs, top1, params = float(row["macs_billions"]), float(row["top1_percent"]), int(row["params"])
        below = row["model"] in label_below
        ax.scatter(macs, top1, s=params / 1e5, alpha=0.5, color="tab:blue")
        ax.annotate(f"{row['model']}\n{params / 1e6:.1f} M", (macs, top1), fontsize=FONT,
                    xytext=(-8, -10) if below else (8, -4), textcoords="offset points",
                    ha="right" if below else "left", va="top" if below else "baseline")
    ax.set_xscale("log")
    ax.set(xlabel="multiply-adds per 224 x 224 image (billions, log scale)", ylabel="ImageNet top-1 accuracy (%)",
           title="accuracy against compute; area = parameters", xlim=(0.2, 40), ylim=(52, 86))
    return ax
