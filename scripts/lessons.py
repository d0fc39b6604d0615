"""The command line the lesson scripts share: ``--help`` from the script's docstring, and the lessons to work on."""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parser(doc: str) -> argparse.ArgumentParser:
    """An argument parser whose ``--help`` prints the script's docstring."""
    return argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def lesson_paths(parser: argparse.ArgumentParser, paths: list[Path]) -> list[Path]:
    """The notebooks named (default: every lesson); a missing one stops the script with a clear message."""
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)} (lessons live in notebooks/)")
    return paths or sorted((ROOT / "notebooks").glob("*.ipynb"))


def notebooks_from_command_line(doc: str) -> list[Path]:
    """For scripts that take only notebooks: ``script.py [notebook ...]``."""
    cli = parser(doc)
    cli.add_argument("notebooks", nargs="*", type=Path, help="lessons to process (default: every lesson)")
    return lesson_paths(cli, cli.parse_args().notebooks)
