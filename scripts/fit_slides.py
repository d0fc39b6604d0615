"""Split slides that do not fit the screen: measure every slide in Chromium, start a subslide where it overflows.

Usage: python scripts/fit_slides.py [notebook ...]   (default: every lesson)

Each lesson is exported as static slides (``build_slides``) and opened in headless Chromium;
for every slide taller than the reveal.js canvas, the first cell whose bottom passes the limit
becomes the start of a new subslide (its ``slideshow.slide_type`` is set to ``"subslide"``).
Only cell metadata changes, never sources or outputs. It repeats until every slide fits or
nothing more can be split (a single cell taller than the canvas must be shortened by hand);
``tests/test_slides.py`` then checks every slide.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import build_slides  # noqa: E402
from chromium import launch  # noqa: E402
from lessons import notebooks_from_command_line  # noqa: E402

LIMIT = 680  # px of the 700 px canvas: a little room for the slide's padding
MEASURE = """() => Reveal.getSlides().map(slide => {
    const {h, v} = Reveal.getIndices(slide);
    Reveal.slide(h, v);
    const top = slide.getBoundingClientRect().top, scale = Reveal.getScale();
    const cells = [...slide.querySelectorAll(':scope > .jp-Cell, :scope > .fragment > .jp-Cell')];
    return cells.map(cell => {
        const box = cell.getBoundingClientRect();
        return [cell.id.replace('cell-id=', ''), (box.top - top) / scale, (box.bottom - top) / scale];
    });
})"""


def measure(page_path: Path, browser) -> list[list[tuple[str, float, float]]]:
    """Per slide, its cells as ``(id, top, bottom)`` in canvas pixels."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(page_path.as_uri())
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    page.wait_for_function("() => new Promise(done => MathJax.Hub.Queue(() => done(true)))")
    slides = page.evaluate(MEASURE)
    page.close()
    return slides


def split_points(slides: list[list[tuple[str, float, float]]]) -> list[str]:
    """The ids of the cells that should start a new subslide."""
    starts = []
    for cells in slides:
        chunk_top = 0.0
        for index, (cell_id, top, bottom) in enumerate(cells):
            if bottom - chunk_top > LIMIT and index > 0 and top > chunk_top:
                starts.append(cell_id)
                chunk_top = top
    return starts


def fit(notebook_path: Path, browser, rounds: int = 4) -> int:
    """Split the slides of one lesson; returns how many subslides it added."""
    added = 0
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as out:
            [page] = build_slides.build(Path(out), [notebook_path])
            starts = set(split_points(measure(page, browser)))
        if not starts:
            break
        notebook = nbformat.read(notebook_path, as_version=4)
        for cell in notebook.cells:
            if cell.get("id") in starts:
                cell.metadata.setdefault("slideshow", {})["slide_type"] = "subslide"
                added += 1
        nbformat.write(notebook, notebook_path)
    return added


def main() -> None:
    from playwright.sync_api import sync_playwright

    paths = notebooks_from_command_line(__doc__)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for path in paths:
            print(f"{path.name}: {fit(path, browser)} subslides added", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
