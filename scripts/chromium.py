"""Headless Chromium for Playwright, as the course's browser tests and slide tools start it.

The system's Chromium (Debian/Ubuntu: ``apt-get install chromium``), with the flags a closed
network and a root container need.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI containers run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def launch(playwright):
    """A headless Chromium (the system's), ready for pages."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
