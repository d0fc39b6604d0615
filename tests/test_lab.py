"""`make lab` serves JupyterLab on localhost behind a token, never without one, and prints a link that works."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import lab  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Straight to localhost, whatever proxy the machine's environment names.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def status(url: str) -> int:
    """HTTP status of a GET, or 0 while nothing listens yet."""
    try:
        with opener.open(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except urllib.error.URLError:
        return 0


def test_an_empty_token_is_refused():
    with pytest.raises(ValueError, match="without a token"):
        lab.lab_command([], "")


def test_lab_binds_localhost_and_requires_the_token(tmp_path):
    port, token = free_port(), "course-test-token"
    env = {**os.environ, "COURSE_LAB_TOKEN": token, "JUPYTER_RUNTIME_DIR": str(tmp_path)}
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "lab.py"), "--no-browser", f"--ServerApp.port={port}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/status"
        deadline = time.monotonic() + 60
        while status(f"{base}?token={token}") != 200:
            assert server.poll() is None, "JupyterLab exited"
            assert time.monotonic() < deadline, "JupyterLab did not answer within 60 s"
            time.sleep(0.5)
        assert status(base) == 403
        assert status(f"{base}?token=wrong") == 403
        with opener.open(f"{base}?token={token}") as response:
            assert "started" in json.load(response)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_printed_link_opens_the_welcome_notebook(tmp_path):
    """What a user without an auto-opening browser does: copy the printed link, open it."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "lab.py"), "notebooks/00_welcome.ipynb", "--no-browser",
         f"--ServerApp.port={port}"],
        env={**os.environ, "COURSE_LAB_TOKEN": ""}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        line = ""
        while not line.startswith(lab.LINK_PREFIX):
            line = server.stdout.readline()
            assert line or server.poll() is None, "lab.py exited without printing a link"
        url = line.removeprefix(lab.LINK_PREFIX).strip()
        assert url.startswith(f"http://127.0.0.1:{port}/lab/tree/notebooks/00_welcome.ipynb?token=")
        token = url.rsplit("token=", 1)[1]
        assert len(token) >= 32 and "." not in token, "the token must be a random one, printed in full"
        with opener.open(url, timeout=10) as page:
            assert page.status == 200 and "/login" not in page.geturl()
        with opener.open(url.replace(token, "wrong"), timeout=10) as page:
            assert "/login" in page.geturl(), "a wrong token must land on the login page"
    finally:
        server.terminate()
        server.wait(timeout=30)
