"""Start JupyterLab on the course: localhost only, always behind a random token.

Usage: python scripts/lab.py [notebook] [extra jupyter-lab options]
(``make lab`` opens notebooks/00_welcome.ipynb). The token is printed in the
link that JupyterLab shows; a user config with an empty token is overridden.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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


def main() -> None:
    token = os.environ.get("COURSE_LAB_TOKEN") or secrets.token_hex(24)
    command = lab_command(sys.argv[1:], token)
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
