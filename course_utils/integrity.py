"""SHA-256 checks for every file the course ships in ``data/``.

``data/SHA256SUMS`` records one line per file, in the format of the
``sha256sum`` tool. Loaders call :func:`verified_path` before they read a
file, so a corrupted or edited file is caught with a message that names it.
After changing a file on purpose, record the new hashes with
``python -m course_utils.integrity --update`` (``make checksums``).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

__all__ = [
    "DATA_DIR",
    "IntegrityError",
    "recorded_hashes",
    "sha256_of",
    "shipped_files",
    "verified_path",
    "write_checksums",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SUMS_FILE = "SHA256SUMS"
UNHASHED = {SUMS_FILE, "README.md"}


class IntegrityError(ValueError):
    """A shipped file is missing from SHA256SUMS or its content changed."""


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def recorded_hashes(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """Map each recorded path (relative to ``data_dir``) to its SHA-256."""
    sums = data_dir / SUMS_FILE
    if not sums.exists():
        return {}
    hashes = {}
    for number, line in enumerate(sums.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            raise IntegrityError(f"{sums}, line {number}: expected '<sha256>  <path>', got {line!r}")
        hashes[name] = digest
    return hashes


def shipped_files(data_dir: Path = DATA_DIR) -> list[str]:
    """Every file under ``data_dir`` that must carry a hash, as sorted relative paths."""
    return sorted(
        p.relative_to(data_dir).as_posix()
        for p in data_dir.rglob("*")
        if p.is_file() and p.name not in UNHASHED and "__pycache__" not in p.parts
    )


def verified_path(name: str, data_dir: Path = DATA_DIR) -> Path:
    """Return ``data_dir / name`` after checking its SHA-256 against SHA256SUMS.

    Raises :class:`IntegrityError` naming the file and both hashes on a mismatch.
    """
    path = data_dir / name
    if not path.is_file():
        raise IntegrityError(f"{path} is missing; restore it with `git checkout -- data/{name}`")
    expected = recorded_hashes(data_dir).get(name)
    if expected is None:
        raise IntegrityError(
            f"{path} has no SHA-256 in {data_dir / SUMS_FILE}; "
            "record it with `make checksums` if the file is meant to ship"
        )
    actual = sha256_of(path)
    if actual != expected:
        raise IntegrityError(
            f"{path} is not the file the course shipped: its SHA-256 is {actual}, "
            f"but {SUMS_FILE} records {expected}. Restore it with `git checkout -- data/{name}`, "
            "or, if you changed it on purpose, run `make checksums`."
        )
    return path


def write_checksums(data_dir: Path = DATA_DIR) -> list[str]:
    """Rewrite SHA256SUMS from the files now in ``data_dir``; returns the paths recorded."""
    names = shipped_files(data_dir)
    lines = [f"{sha256_of(data_dir / name)}  {name}\n" for name in names]
    (data_dir / SUMS_FILE).write_text("".join(lines))
    return names


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python -m course_utils.integrity --update")
    for recorded in write_checksums():
        print("recorded", recorded)
