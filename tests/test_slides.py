"""`make slides` writes reveal.js slides that open with no network."""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import build_slides  # noqa: E402


def test_welcome_slides_use_only_local_files(tmp_path):
    [page] = build_slides.build(tmp_path, [ROOT / "notebooks" / "00_welcome.ipynb"])
    html = page.read_text()
    assert html.count("<section") > 3
    references = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]*)"', html)
    assert references, "expected the reveal.js script and style sheet"
    remote = [r for r in references if re.match(r"(https?:)?//", r)]
    assert not remote, f"slides load from the network: {remote}"
    for reference in references:
        if reference:
            assert (tmp_path / reference.split("?")[0]).exists(), reference
