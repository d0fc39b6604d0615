"""Save and load model weights safely: SHA-256 verified, never unpickled.

``save_checkpoint`` writes ``name.pt`` and ``name.pt.sha256`` beside it.
``load_checkpoint`` refuses a file whose hash does not match, and reads it with
``torch.load(..., weights_only=True)``, which cannot run code hidden in a file.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from course_utils.integrity import IntegrityError, sha256_of


def hash_file(path: Path) -> Path:
    """Where the SHA-256 of a checkpoint is kept."""
    return path.with_name(path.name + ".sha256")


def save_checkpoint(model: nn.Module, path: str | Path) -> str:
    """Write the model's weights to ``path`` and their SHA-256 beside it; returns the hash."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)
    digest = sha256_of(path)
    hash_file(path).write_text(f"{digest}  {path.name}\n")
    return digest


def load_checkpoint(model: nn.Module, path: str | Path) -> nn.Module:
    """Load weights saved by :func:`save_checkpoint` into ``model`` after checking their SHA-256."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}; train the model first or check the path")
    if not hash_file(path).is_file():
        raise IntegrityError(f"{path} has no {hash_file(path).name} beside it, so it cannot be verified")
    expected = hash_file(path).read_text().split()[0]
    actual = sha256_of(path)
    if actual != expected:
        raise IntegrityError(
            f"{path} was changed or corrupted: its SHA-256 is {actual}, but {hash_file(path).name} "
            f"records {expected}. Re-create it with the script that trained it."
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise IntegrityError(f"{path} is not a weights-only checkpoint: {error}") from None
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise ValueError(f"{path} holds weights for a different architecture: {error}") from None
    return model
