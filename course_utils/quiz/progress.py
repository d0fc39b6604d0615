"""Remember every quiz attempt in a small JSON file, safely, and summarise it per lesson.

The file lives in your user data folder (``platformdirs.user_data_dir("cnn-course")``)
unless the environment variable ``COURSE_PROGRESS_FILE`` names another one; the test suite
sets it so that running the notebooks never touches your real progress.

Two kernels may record at the same moment, so every change is a read-modify-write done
while holding a lock file, and the new content replaces the old in one step (a temporary
file and ``os.replace``). A file that cannot be read is never silently wiped: it is renamed
with a time stamp, a warning says where it went, and a fresh file is started.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

from course_utils.quiz.bank import list_banks, load_bank

ENV_VAR = "COURSE_PROGRESS_FILE"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Attempt:
    """One checked answer: which question, whether it was right, and when (ISO 8601, UTC)."""

    notebook: str
    question: str
    correct: bool
    time: str


def progress_file() -> Path:
    """Where progress is stored: ``$COURSE_PROGRESS_FILE`` or the user data folder."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir("cnn-course")) / "progress.json"


def utc_now() -> str:
    """The current time as ISO 8601 in UTC, to the second: ``2024-05-01T09:30:00Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def record_attempt(notebook: str, question: str, correct: bool, path: Path | None = None) -> Attempt:
    """Append one attempt to the progress file and return it."""
    path = path or progress_file()
    attempt = Attempt(notebook, question, bool(correct), utc_now())
    with _locked(path):
        data = _read(path)
        data["attempts"].append(asdict(attempt))
        _write_atomically(path, data)
    return attempt


def load_attempts(path: Path | None = None) -> list[Attempt]:
    """All recorded attempts, oldest first (an empty list when there is no file yet)."""
    path = path or progress_file()
    if not path.exists():
        return []
    with _locked(path):
        return [Attempt(**item) for item in _read(path)["attempts"]]


def reset(path: Path | None = None) -> Path | None:
    """Start a fresh progress file, keeping the old one as a time-stamped backup.

    Returns the backup's path, or ``None`` when there was nothing to back up.
    """
    path = path or progress_file()
    if not path.exists():
        return None
    with _locked(path):
        backup = _move_aside(path, "backup")
        _write_atomically(path, _empty())
    return backup


# ----------------------------------------------------------------------------- storage


def _empty() -> dict:
    return {"version": FORMAT_VERSION, "attempts": []}


def _read(path: Path) -> dict:
    """Read the file; move a damaged one aside with a warning and start afresh."""
    if not path.exists():
        return _empty()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        _validate(data)
    except (ValueError, TypeError) as error:
        moved = _move_aside(path, "corrupt")
        warnings.warn(
            f"Your quiz progress file {path} could not be read ({error}). It was moved to "
            f"{moved} and a fresh one was started.",
            stacklevel=3,
        )
        _write_atomically(path, _empty())
        return _empty()
    return data


def _validate(data: object) -> None:
    if not isinstance(data, dict) or not isinstance(data.get("attempts"), list):
        raise ValueError("expected an object with a list of attempts")
    fields = {"notebook", "question", "correct", "time"}
    for item in data["attempts"]:
        if not isinstance(item, dict) or set(item) != fields:
            raise ValueError(f"an attempt must have exactly the fields {sorted(fields)}")
        if not isinstance(item["correct"], bool):
            raise ValueError(f"'correct' must be true or false, not {item['correct']!r}")


def _move_aside(path: Path, reason: str) -> Path:
    """Rename ``path`` to ``<name>.<reason>-<UTC time>`` (never overwriting) and return it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.{reason}-{stamp}")
    while target.exists():  # only when two calls land in the same microsecond
        target = target.with_name(target.name + "-1")
    os.replace(path, target)
    return target


def _write_atomically(path: Path, data: dict) -> None:
    """Write to a temporary file next to ``path``, then swap it in with one ``os.replace``."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=1)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<path>.lock`` so that kernels take turns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+b") as lock_file:
        _lock(lock_file.fileno())
        try:
            yield
        finally:
            _unlock(lock_file.fileno())


try:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

except ImportError:  # Windows: lock the first byte of the lock file instead
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # retries for about 10 s, then raises

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


# ----------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class LessonProgress:
    """Progress in one lesson: questions in its bank, how many you tried, how many you got."""

    notebook: str
    title: str
    questions: int
    attempted: int
    correct: int


class ProgressTable:
    """Per-lesson progress; shows as a table in a notebook and as text in a terminal."""

    def __init__(self, rows: list[LessonProgress]):
        self.rows = tuple(rows)

    @property
    def total(self) -> LessonProgress:
        """The sums over all lessons."""
        return LessonProgress(
            "all lessons",
            "",
            sum(row.questions for row in self.rows),
            sum(row.attempted for row in self.rows),
            sum(row.correct for row in self.rows),
        )

    def __repr__(self) -> str:
        header = f"{'lesson':<28}{'questions':>10}{'attempted':>11}{'correct':>9}"
        lines = ["Quiz progress", header]
        for row in (*self.rows, self.total):
            lines.append(f"{row.notebook:<28}{row.questions:>10}{row.attempted:>11}{row.correct:>9}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><td><code>{html.escape(row.notebook)}</code></td>"
            f"<td>{html.escape(row.title)}</td><td>{row.questions}</td>"
            f"<td>{row.attempted}</td><td>{row.correct}</td></tr>"
            for row in self.rows
        )
        total = self.total
        return (
            '<table class="course-progress"><caption>Quiz progress</caption>'
            "<thead><tr><th>lesson</th><th>title</th><th>questions</th>"
            "<th>attempted</th><th>correct</th></tr></thead>"
            f"<tbody>{cells}</tbody><tfoot><tr><th>all lessons</th><th></th>"
            f"<th>{total.questions}</th><th>{total.attempted}</th><th>{total.correct}</th>"
            "</tr></tfoot></table>"
        )


def progress_table(path: Path | None = None) -> ProgressTable:
    """Per-lesson progress: questions in the bank, attempted, and answered correctly.

    Each question counts once, however many times you tried it; attempts at questions
    that are no longer in a bank are ignored.
    """
    attempts = load_attempts(path)
    rows = []
    for name in list_banks():
        bank = load_bank(name)
        mine = [a for a in attempts if a.notebook == name and a.question in bank.questions]
        rows.append(
            LessonProgress(
                notebook=name,
                title=bank.title,
                questions=len(bank.questions),
                attempted=len({a.question for a in mine}),
                correct=len({a.question for a in mine if a.correct}),
            )
        )
    return ProgressTable(rows)
