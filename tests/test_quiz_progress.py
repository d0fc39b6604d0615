"""Quiz progress: stored safely, shared by concurrent kernels, never silently lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from course_utils import quiz
from course_utils.quiz import progress


@pytest.fixture
def progress_path(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "progress.json"
    monkeypatch.setenv(progress.ENV_VAR, str(path))
    return path


def test_the_environment_variable_chooses_the_file(progress_path):
    assert quiz.progress_file() == progress_path
    quiz.record_attempt("03_conv_arithmetic", "output-after-pool2", True)
    assert progress_path.exists()


def test_without_the_variable_progress_lives_in_the_user_data_folder(monkeypatch):
    import platformdirs

    monkeypatch.delenv(progress.ENV_VAR, raising=False)
    assert quiz.progress_file() == Path(platformdirs.user_data_dir("cnn-course")) / "progress.json"


def test_round_trip(progress_path):
    before = datetime.now(UTC).replace(microsecond=0)
    quiz.record_attempt("03_conv_arithmetic", "conv-layer-params", False)
    quiz.record_attempt("03_conv_arithmetic", "conv-layer-params", True)
    quiz.record_attempt("05_pooling", "mlhep-most-params", False)
    after = datetime.now(UTC)
    attempts = quiz.load_attempts()
    assert [(a.notebook, a.question, a.correct) for a in attempts] == [
        ("03_conv_arithmetic", "conv-layer-params", False),
        ("03_conv_arithmetic", "conv-layer-params", True),
        ("05_pooling", "mlhep-most-params", False),
    ]
    for attempt in attempts:
        assert attempt.time.endswith("Z")  # ISO 8601, UTC
        when = datetime.fromisoformat(attempt.time)
        assert when.tzinfo is not None and before <= when <= after
    # The file is plain JSON that a person can read.
    assert json.loads(progress_path.read_text())["attempts"][2]["question"] == "mlhep-most-params"


def test_no_file_means_no_attempts_and_reading_creates_nothing(progress_path):
    assert quiz.load_attempts() == []
    assert not progress_path.exists()


def test_a_failed_write_leaves_the_old_file_whole(progress_path, monkeypatch):
    quiz.record_attempt("05_pooling", "pooling-parameters", True)
    before = progress_path.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(progress.json, "dump", disk_full)
    with pytest.raises(OSError, match="No space"):
        quiz.record_attempt("05_pooling", "pooling-parameters", False)
    assert progress_path.read_bytes() == before
    assert sorted(p.name for p in progress_path.parent.iterdir()) == ["progress.json", "progress.json.lock"]


WRITER = """
import sys, time
from pathlib import Path
from course_utils.quiz import record_attempt
name, count, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
go.with_name(f"{name}.ready").touch()
while not go.exists():  # start together, so that the writes really overlap
    time.sleep(0.001)
for i in range(count):
    record_attempt("concurrency", f"{name}-{i}", i % 2 == 0)
"""


def test_two_kernels_writing_at_once_lose_nothing(progress_path):
    count = 100
    go = progress_path.parent / "go"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, name, str(count), str(go)], env=os.environ.copy())
        for name in ("first", "second")
    ]
    deadline = time.monotonic() + 120
    while not all((progress_path.parent / f"{name}.ready").exists() for name in ("first", "second")):
        assert all(writer.poll() is None for writer in writers), "a writer exited early"
        assert time.monotonic() < deadline, "the writers did not start within 120 s"
        time.sleep(0.05)
    go.touch()
    for writer in writers:
        assert writer.wait(timeout=120) == 0
    recorded = [a.question for a in quiz.load_attempts()]
    expected = {f"{name}-{i}" for name in ("first", "second") for i in range(count)}
    assert len(recorded) == 2 * count and set(recorded) == expected
    for name in ("first", "second"):  # each writer's attempts stay in order
        mine = [q for q in recorded if q.startswith(name)]
        assert mine == [f"{name}-{i}" for i in range(count)]


@pytest.mark.parametrize(
    "damage",
    ['{"attempts": [{"notebook": "00_we', "[1, 2, 3]", '{"attempts": [{"question": "x"}]}', ""],
    ids=["truncated", "not an object", "attempt without fields", "empty"],
)
def test_a_corrupt_file_is_moved_aside_with_a_warning(progress_path, damage):
    progress_path.write_text(damage)
    with pytest.warns(UserWarning, match="could not be read") as caught:
        quiz.record_attempt("05_pooling", "pooling-parameters", True)
    moved = [p for p in progress_path.parent.iterdir() if p.name.startswith("progress.json.corrupt-")]
    assert len(moved) == 1 and moved[0].read_text() == damage  # kept, byte for byte
    assert str(moved[0]) in str(caught[0].message)
    assert [a.question for a in quiz.load_attempts()] == ["pooling-parameters"]


def test_reset_keeps_a_backup(progress_path):
    quiz.record_attempt("05_pooling", "pooling-parameters", True)
    backup = progress.reset()
    assert backup.name.startswith("progress.json.backup-")
    assert json.loads(backup.read_text())["attempts"][0]["question"] == "pooling-parameters"
    assert quiz.load_attempts() == []
    assert progress.reset() is not None  # a second reset backs up the (empty) file again
    assert len(list(progress_path.parent.glob("progress.json.backup-*"))) == 2


def test_reset_without_a_file_does_nothing(progress_path):
    assert progress.reset() is None and not progress_path.exists()


# ----------------------------------------------------------------------------- the table


def test_a_fresh_table_shows_every_lesson_with_nothing_done(progress_path):
    table = quiz.progress_table()
    assert [row.notebook for row in table.rows] == quiz.list_banks()
    for row in table.rows:
        assert row.questions == len(quiz.load_bank(row.notebook).questions)
        assert row.attempted == row.correct == 0
    text = repr(table)
    assert repr(quiz.progress_table()) == text  # deterministic, for stored notebook outputs
    for row in table.rows:
        assert row.notebook in text
    assert f"{table.total.questions:>10}" in text.splitlines()[-1]
    assert "<table" in table._repr_html_() and "03_conv_arithmetic" in table._repr_html_()


def test_the_table_counts_each_question_once(progress_path):
    quiz.record_attempt("03_conv_arithmetic", "conv-layer-params", False)
    quiz.record_attempt("03_conv_arithmetic", "conv-layer-params", True)
    quiz.record_attempt("03_conv_arithmetic", "conv-layer-params", True)
    quiz.record_attempt("03_conv_arithmetic", "output-after-pool2", False)
    quiz.record_attempt("03_conv_arithmetic", "a-question-since-removed", True)
    quiz.record_attempt("no_such_lesson", "whatever", True)
    rows = {row.notebook: row for row in quiz.progress_table().rows}
    assert (rows["03_conv_arithmetic"].attempted, rows["03_conv_arithmetic"].correct) == (2, 1)
    assert all(row.attempted == 0 for name, row in rows.items() if name != "03_conv_arithmetic")
    total = quiz.progress_table().total
    assert (total.attempted, total.correct) == (2, 1)
    html = quiz.progress_table()._repr_html_()
    assert "<td>2</td><td>1</td>" in html
