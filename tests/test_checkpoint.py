import pickle

import pytest
import torch
from torch import nn

from course_utils.integrity import IntegrityError, sha256_of
from course_utils.training import load_checkpoint, save_checkpoint
from course_utils.training.checkpoint import hash_file


def model():
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(4 * 6 * 6, 10))


def test_round_trip(tmp_path):
    original = model()
    digest = save_checkpoint(original, tmp_path / "net.pt")
    assert digest == sha256_of(tmp_path / "net.pt")
    copy = load_checkpoint(model(), tmp_path / "net.pt")
    for a, b in zip(original.state_dict().values(), copy.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_a_tampered_checkpoint_is_refused(tmp_path):
    path = tmp_path / "net.pt"
    save_checkpoint(model(), path)
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="changed or corrupted.*SHA-256"):
        load_checkpoint(model(), path)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_a_pickled_object_never_runs_even_with_a_matching_hash(tmp_path):
    path, marker = tmp_path / "evil.pt", tmp_path / "code-ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path.write_bytes(pickle.dumps(Payload()))
    hash_file(path).write_text(f"{sha256_of(path)}  evil.pt\n")
    with pytest.raises(IntegrityError, match="not a weights-only checkpoint"):
        load_checkpoint(model(), path)
    assert not marker.exists()


def test_missing_files_and_wrong_architecture(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_checkpoint(model(), tmp_path / "nothing.pt")
    path = tmp_path / "net.pt"
    save_checkpoint(model(), path)
    hash_file(path).unlink()
    with pytest.raises(IntegrityError, match="cannot be verified"):
        load_checkpoint(model(), path)
    save_checkpoint(nn.Linear(3, 3), path)
    with pytest.raises(ValueError, match="different architecture"):
        load_checkpoint(model(), path)
