"""`make slides` writes reveal.js slides that work offline: opened from disk in Chromium, with the network cut.

Every lesson's static slides are built once, then each is opened from ``file://`` with every
request that is not a file aborted, and must: show text on the first slide, move on with the
right-arrow key, typeset its math, log no console error, and need no request that fails. Every
slide must also fit the 960 x 700 reveal.js canvas, its math included (what does not fit is cut off on a
projector).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from browser import launch, require_chromium

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import build_slides  # noqa: E402

LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SLIDE_WIDTH, SLIDE_HEIGHT = 960, 700  # reveal.js's canvas, as nbconvert configures it
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def slides(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("slides")
    return {page.name.removesuffix(".slides.html"): page for page in build_slides.build(out, LESSONS)}


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def open_offline(browser, page_path: Path):
    """Open ``page_path`` with the network cut; returns the page and the lists of errors and failed requests."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    errors, failed = [], []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort())
    page.goto(page_path.as_uri())
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    page.wait_for_function(
        "() => new Promise(done => MathJax.Hub.Queue(() => done(true)))"
    )  # MathJax has typeset everything it found
    return page, errors, failed


def test_slides_use_only_local_files(slides):
    for page in slides.values():
        html = page.read_text()
        assert "require(" not in html and "googleapis" not in html, page.name


@pytest.mark.parametrize("lesson", [p.stem for p in LESSONS])
def test_static_slides_work_offline(slides, browser, lesson):
    page, errors, failed = open_offline(browser, slides[lesson])
    try:
        first = page.evaluate("() => Reveal.getCurrentSlide().innerText")
        assert len(first.strip()) > 20, f"the first slide is (nearly) empty: {first!r}"
        before = page.evaluate("() => Reveal.getIndices()")
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"() => JSON.stringify(Reveal.getIndices()) !== '{_json(before)}'")
        if has_math(ROOT / "notebooks" / f"{lesson}.ipynb"):
            rendered = page.evaluate("() => document.querySelectorAll('.MathJax, .MathJax_Display').length")
            assert rendered > 0, "no math was typeset"
        assert not errors, f"console errors: {errors}"
        assert not failed, f"requests that failed (offline): {failed}"
    finally:
        page.close()


@pytest.mark.parametrize("lesson", [p.stem for p in LESSONS])
def test_every_slide_fits_the_screen(slides, browser, lesson):
    page, _, _ = open_offline(browser, slides[lesson])
    try:
        sizes = page.evaluate(
            """() => Reveal.getSlides().map(slide => {
                 const {h, v} = Reveal.getIndices(slide);
                 Reveal.slide(h, v);
                 const left = slide.getBoundingClientRect().left, scale = Reveal.getScale();
                 const math = [...slide.querySelectorAll('.MathJax, .MathJax_Display')];
                 const right = Math.max(0, ...math.map(m => (m.getBoundingClientRect().right - left) / scale));
                 return [h, v, slide.scrollHeight, right, slide.innerText.trim().split('\\n')[0].slice(0, 60)];
               })"""
        )
        too_tall = [f"slide {h}.{v} ({height} px): {title}" for h, v, height, _, title in sizes
                    if height > SLIDE_HEIGHT]
        assert not too_tall, f"{len(too_tall)} of {len(sizes)} slides overflow {SLIDE_HEIGHT} px:\n" + "\n".join(
            too_tall
        )
        too_wide = [f"slide {h}.{v} (math to {right:.0f} px): {title}" for h, v, _, right, title in sizes
                    if right > SLIDE_WIDTH]  # display math is cut off at the right, not wrapped
        assert not too_wide, f"math runs past the {SLIDE_WIDTH} px canvas:\n" + "\n".join(too_wide)
    finally:
        page.close()


def _json(value) -> str:
    return json.dumps(value, separators=(",", ":"))


def has_math(notebook: Path) -> bool:
    cells = json.loads(notebook.read_text())["cells"]
    return any("$" in "".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")


def test_the_core_cut_leaves_out_the_optional_sections(tmp_path):
    lesson = ROOT / "notebooks" / "07_training_a_cnn.ipynb"
    [full] = build_slides.build(tmp_path, [lesson])
    [core] = build_slides.build(tmp_path, [lesson], core=True)
    assert core.name == "07_training_a_cnn.core.slides.html"
    assert 'id="Going-further' in full.read_text() and 'id="Going-further' not in core.read_text()
    assert core.read_text().count("<section") < full.read_text().count("<section")
