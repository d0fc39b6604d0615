"""Shared set-up of the browser tests: headless Chromium for Playwright, and a throw-away JupyterLab.

Needs ``/usr/bin/chromium`` (Debian/Ubuntu: ``apt-get install chromium``); without it a
browser test is skipped, except under CI (``COURSE_REQUIRE_BROWSER=1``), where it fails.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import lab  # noqa: E402  (the course's JupyterLab settings, as `make lab` uses them)
from chromium import CHROMIUM, launch  # noqa: E402, F401  (re-exported for the tests)


def require_chromium() -> None:
    """Skip (or, under CI, fail) when Chromium or Playwright is missing."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing; install it (apt-get install chromium) to run the browser tests"
        # CI installs Chromium (.ci/run), so there a missing browser is a failure, not a skip.
        if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # localhost, no proxy
    try:
        with opener.open(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def jupyterlab(root: Path, scratch: Path) -> Iterator[tuple[str, str]]:
    """A JupyterLab serving ``root`` on 127.0.0.1 (random port and token): yields ``(base_url, token)``.

    Settings, workspaces, runtime files and quiz progress live in ``scratch``, so the user's own
    configuration never leaks in; the server is always shut down afterwards.
    """
    settings = scratch / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No "fetch Jupyter news?" pop-up over the notebook.
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    port, token = _free_port(), secrets.token_hex(24)
    env = lab.lab_environment({
        **os.environ,
        "COURSE_PROGRESS_FILE": str(scratch / "progress.json"),
        "JUPYTER_CONFIG_DIR": str(scratch / "jupyter-config"),  # ignore the user's config
        "JUPYTER_RUNTIME_DIR": str(scratch / "jupyter-runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(scratch / "lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "lab-workspaces"),
    })
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log_path = scratch / "jupyterlab.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while not _answers(f"{base}/api/status?token={token}"):
                if server.poll() is not None:
                    pytest.fail(f"JupyterLab exited; see {log_path}")
                if time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not answer within 120 s")
                time.sleep(0.5)
            yield base, token
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=30)
