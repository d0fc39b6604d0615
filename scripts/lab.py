"""Start JupyterLab on the course: localhost only, always behind a random token.

Usage: python scripts/lab.py [notebook] [extra jupyter-lab options]
(``make lab`` opens notebooks/00_welcome.ipynb). A user config with an empty token is
overridden. JupyterLab hides a token it did not make itself (it prints ``?token=...``), so
once the server is up this script prints the full link, with the port actually used: paste
it into a browser where none opens by itself (WSL, SSH, a container).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The course's JupyterLab defaults (jupyter/labconfig): a presenter's clicker (PageDown, PageUp)
# advances the slideshow. A user's own settings still win.
CONFIG_DIR = ROOT / "jupyter"
LINK_PREFIX = "Open the course in your browser: "


def lab_command(args: list[str], token: str) -> list[str]:
    """The jupyter-lab command line: bound to 127.0.0.1, authenticated by ``token``."""
    if not token:
        raise ValueError("refusing to start JupyterLab without a token")
    # Containers often run as root; JupyterLab refuses that unless told.
    as_root = ["--allow-root"] if os.geteuid() == 0 else []
    return [
        sys.executable, "-m", "jupyter", "lab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={ROOT}",
        f"--IdentityProvider.token={token}",
        *as_root,
        *args,
    ]


def lab_environment(env: dict[str, str]) -> dict[str, str]:
    """``env`` with the course's JupyterLab defaults on Jupyter's configuration path."""
    path = [str(CONFIG_DIR), *filter(None, env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep))]
    return {**env, "JUPYTER_CONFIG_PATH": os.pathsep.join(path)}


def login_url(server_info: dict, token: str, notebook: str | None) -> str:
    """The link a user pastes: the server's address, the notebook to open, the token."""
    page = f"lab/tree/{notebook}" if notebook else "lab"
    return f"{server_info['url'].rstrip('/')}/{page}?token={token}"


def wait_for_server(runtime_dir: Path, server: subprocess.Popen, timeout: float = 120) -> dict | None:
    """The server's own description (port, url) once it is listening; None if it exited first."""
    info_file = runtime_dir / f"jpserver-{server.pid}.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        if info_file.exists():
            try:
                return json.loads(info_file.read_text())
            except json.JSONDecodeError:
                pass  # being written
        time.sleep(0.2)
    return None


def main() -> int:
    token = os.environ.get("COURSE_LAB_TOKEN") or secrets.token_hex(24)
    args = sys.argv[1:]
    notebook = next((a for a in args if a.endswith(".ipynb")), None)
    with tempfile.TemporaryDirectory(prefix="course-lab-") as runtime_dir:
        env = lab_environment({**os.environ, "JUPYTER_RUNTIME_DIR": runtime_dir})
        server = subprocess.Popen(lab_command(args, token), env=env)
        try:
            info = wait_for_server(Path(runtime_dir), server)
            if info is not None:
                print(f"\n{LINK_PREFIX}{login_url(info, token, notebook)}\n", flush=True)
            return server.wait()
        except KeyboardInterrupt:  # Ctrl-C reaches JupyterLab too; let it shut down cleanly
            return server.wait()


if __name__ == "__main__":
    sys.exit(main())
