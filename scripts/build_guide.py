"""Write a lecturer's guide for every lesson, generated from the notebook and its quiz bank.

Usage: python scripts/build_guide.py OUTPUT_DIR [notebook ...]   (``make guide``: build/guides)
       python scripts/build_guide.py --estimate notebook ...   (tag untagged sections with estimates)

A lesson marks its structure in cell metadata, so the guide never drifts from it:

* the learning objectives: a markdown cell tagged ``objectives`` holding a bullet list;
* every section starts with a ``slide`` markdown cell whose first line is a ``## `` heading,
  tagged ``core`` or ``optional`` and ``minutes-N`` (its length in class);
* speaker notes (``notes`` cells), quizzes (``quiz.show(...)`` cells) and widgets in a section
  become "say", "ask the room" and "run live"; the bank's feedback for wrong answers becomes the
  section's misconceptions;
* the ``## Summary`` section's bullets become the recap that opens the next lecture;
* the lesson's problem set (``data/problems/<lesson>.yaml``) closes the guide, with the worked
  solutions (they stay out of the student's notebook).

The 45- and 90-minute cuts follow mechanically: the summary (the recap is the lecture's end),
then the core sections in order, then optional ones, as long as they fit. ``--estimate`` gives an
untagged section a first plan to adjust by hand: ``core`` (``optional`` inside a "Going further"
part), and minutes from its content (reading at 120 words a minute, 2 minutes per quiz, 1 per code
cell on the slides, 3 per widget to play with).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import lessons
import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from course_utils.quiz import load_bank  # noqa: E402

WIDGETS = ("KernelEditor(", "StepPlayer(", "SizeExplorer(", "FieldExplorer(")
QUIZ_CALL = re.compile(r"""quiz\.show\(\s*["']([\w-]+)["']\s*,\s*(\[[^\]]*\]|["'][\w-]+["'])""")
CUTS = (45, 90)


@dataclass
class Section:
    """One section of a lesson, as the guide presents it."""

    title: str
    minutes: int
    core: bool
    notes: list[str] = field(default_factory=list)
    quizzes: list[str] = field(default_factory=list)
    live: list[str] = field(default_factory=list)


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def slide_type(cell) -> str | None:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def section_start(cell) -> bool:
    return cell.cell_type == "markdown" and slide_type(cell) == "slide" and cell.source.startswith("## ")


def minutes_of(cell) -> int:
    found = [int(tag.removeprefix("minutes-")) for tag in tags(cell) if re.fullmatch(r"minutes-\d+", tag)]
    if len(found) != 1 or not ({"core", "optional"} & set(tags(cell))):
        title = cell.source.splitlines()[0].removeprefix("## ")
        raise ValueError(f"section {title!r}: tag it 'core' or 'optional' and 'minutes-N' (its length in class)")
    return found[0]


def quiz_ids(source: str) -> list[str]:
    """The question ids (or group names) a ``quiz.show(...)`` cell shows."""
    return [qid for match in QUIZ_CALL.finditer(source) for qid in re.findall(r"[\w-]+", match.group(2))]


def sections(notebook) -> list[Section]:
    """The lesson's sections in order, with what happens in each."""
    found: list[Section] = []
    for cell in notebook.cells:
        if section_start(cell):
            title = cell.source.splitlines()[0].removeprefix("## ").strip()
            found.append(Section(title, minutes_of(cell), "core" in tags(cell)))
        elif found and slide_type(cell) == "notes":
            found[-1].notes.append(" ".join(cell.source.removeprefix("Speaker note:").split()))
        elif found and cell.cell_type == "code":
            found[-1].quizzes += quiz_ids(cell.source)
            found[-1].live += [name.rstrip("(") for name in WIDGETS if name in cell.source]
    return found


def bullets(markdown: str) -> list[str]:
    """The items of a Markdown bullet list, each joined onto one line."""
    items: list[str] = []
    for line in markdown.splitlines():
        if line.startswith("* "):
            items.append(line[2:].strip())
        elif items and line.startswith("  ") and line.strip():
            items[-1] += " " + line.strip()
    return items


def objectives(notebook) -> list[str]:
    cells = [cell for cell in notebook.cells if "objectives" in tags(cell)]
    if len(cells) != 1:
        raise ValueError("tag one markdown cell 'objectives', with the lesson's objectives as 4-5 bullets")
    return bullets(cells[0].source)


def recap(notebook) -> list[str]:
    summary = next((c for c in notebook.cells if c.cell_type == "markdown" and c.source.startswith("## Summary")), None)
    return bullets(summary.source) if summary is not None else []


def cut(all_sections: list[Section], minutes: int) -> list[Section]:
    """The sections that fit ``minutes``, in order: the summary, then core ones, then optional ones."""
    summary = [s for s in all_sections if s.title.startswith("Summary")]
    chosen, used = list(summary), sum(s.minutes for s in summary)
    for wanted in (True, False):
        for section in all_sections:
            if section not in chosen and section.core == wanted and used + section.minutes <= minutes:
                chosen.append(section)
                used += section.minutes
    return [s for s in all_sections if s in chosen]


def misconceptions(bank, ids: list[str]) -> list[str]:
    """The bank's messages for classic wrong answers to these questions."""
    found = []
    for question in bank.select(ids) if ids else []:
        found += [f"{question.id}: {' '.join(feedback.message.split())}" for feedback in question.feedback]
    return found


def problem_set(lesson: str) -> list[str]:
    """The lesson's problems with their answers and worked solutions, as Markdown lines."""
    path = ROOT / "data" / "problems" / f"{lesson}.yaml"
    if not path.exists():
        return []
    lines = ["## Problem set (with worked solutions)", ""]
    for number, problem in enumerate(yaml.safe_load(path.read_text())["problems"], 1):
        lines += [f"### Problem {number}: {problem['title']}", "", problem["statement"].strip(), ""]
        for letter, part in zip("abcdefgh", problem["parts"], strict=False):
            lines.append(f"{letter}) {part['question'].strip()} **Answer:** {part['answer']}")
        lines += ["", "**Solution.** " + problem["solution"].strip(), ""]
    return lines


def guide(path: Path) -> str:
    """The lecturer's guide of one lesson, as Markdown."""
    notebook = nbformat.read(path, as_version=4)
    bank = load_bank(path.stem)
    parts = sections(notebook)
    title = notebook.cells[0].source.splitlines()[0].removeprefix("# ")
    lines = [f"# Lecturer's guide: {title}", "", "## Objectives", ""]
    lines += [f"* {item}" for item in objectives(notebook)]
    core = sum(s.minutes for s in parts if s.core)
    lines += ["", f"Core: {core} minutes; with the optional sections {sum(s.minutes for s in parts)} minutes.", ""]
    for minutes in CUTS:
        chosen = cut(parts, minutes)
        used = sum(s.minutes for s in chosen)
        lines += [f"**{minutes}-minute cut** ({used} min): " + "; ".join(s.title for s in chosen), ""]
    for number, section in enumerate(parts, 1):
        kind = "core" if section.core else "optional"
        lines += [f"## {number}. {section.title} ({section.minutes} min, {kind})", ""]
        lines += [f"* Say: {note}" for note in section.notes]
        lines += [f"* Run live: {name}" for name in dict.fromkeys(section.live)]
        lines += [f"* Ask the room: quiz `{qid}`" for qid in section.quizzes]
        lines += [f"* Misconception ({item})" for item in misconceptions(bank, section.quizzes)]
        lines.append("")
    lines += ["## Recap (to open the next lecture)", ""]
    lines += [f"* {item}" for item in recap(notebook)]
    lines += ["", *problem_set(path.stem)]
    return "\n".join(lines).rstrip() + "\n"


def estimated_minutes(cells) -> int:
    """A first plan for a section's length in class, from what is in it."""
    words = sum(len(c.source.split()) for c in cells if c.cell_type == "markdown" and slide_type(c) != "notes")
    shown = [c for c in cells if c.cell_type == "code" and slide_type(c) != "skip"]
    quizzes = sum(len(quiz_ids(c.source)) for c in shown)
    widgets = sum(any(name in c.source for name in WIDGETS) for c in shown)
    code = len(shown) - quizzes - widgets
    return max(2, round(words / 120 + 2 * quizzes + code + 3 * widgets))


def estimate(path: Path) -> int:
    """Tag every untagged section of a lesson with estimated minutes; returns how many it tagged."""
    notebook = nbformat.read(path, as_version=4)
    starts = [i for i, cell in enumerate(notebook.cells) if section_start(cell)] + [len(notebook.cells)]
    optional, tagged = False, 0
    for begin, end in zip(starts, starts[1:], strict=False):
        cell = notebook.cells[begin]
        optional = optional or "optional" in tags(cell) or "going further" in cell.source.lower()
        if any(tag.startswith("minutes-") for tag in tags(cell)):
            continue
        kind = "optional" if optional else "core"
        minutes = estimated_minutes(notebook.cells[begin:end])
        kind_tag = [] if kind in tags(cell) else [kind]
        cell.metadata["tags"] = [*tags(cell), *kind_tag, f"minutes-{minutes}"]
        tagged += 1
    nbformat.write(notebook, path)
    return tagged


def build(out: Path, notebooks: list[Path]) -> list[Path]:
    """Write ``<lesson>.guide.md`` for each notebook into ``out``; returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        target = out / f"{path.stem}.guide.md"
        target.write_text(guide(path), encoding="utf-8")
        written.append(target)
    return written


def main() -> None:
    cli = lessons.parser(__doc__)
    cli.add_argument("--estimate", action="store_true", help="tag the sections of the notebooks named, write nothing")
    cli.add_argument("paths", nargs="*", type=Path, help="OUTPUT_DIR [notebook ...], or with --estimate: notebook ...")
    args = cli.parse_args()
    if args.estimate:
        for path in lessons.lesson_paths(cli, args.paths):
            print(f"{path.name}: {estimate(path)} sections tagged")
        return
    if not args.paths:
        cli.error("name the folder to write the guides to, e.g. build/guides")
    for target in build(args.paths[0], lessons.lesson_paths(cli, args.paths[1:])):
        print("wrote", target)


if __name__ == "__main__":
    main()
