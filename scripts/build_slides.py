"""Export every lesson as static reveal.js slides that work offline.

Usage: python scripts/build_slides.py [--core] OUTPUT_DIR [notebook ...]

``--core`` leaves out the sections tagged ``optional`` (see ``build_guide.py``): the lecture's core cut.

reveal.js comes from the sphinx-revealjs package and MathJax from
jupyter-server-mathjax, both installed in the course environment and copied
next to the slides, so the slides open from disk with no network. The page
itself comes from the course's template (``scripts/slides_template/course``):
nbconvert's reveal template without require.js, jQuery or mermaid, with
reveal's "white" theme (its font ships with reveal.js) and MathJax's STIX web
fonts (the only ones in the local copy).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import jupyter_server_mathjax
import lessons
import nbformat
import sphinx_revealjs
from build_guide import section_start, tags
from nbconvert import SlidesExporter
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
REVEAL_DIR = Path(sphinx_revealjs.__file__).parent / "_static" / "revealjs"
MATHJAX_DIR = Path(jupyter_server_mathjax.__file__).parent / "static"
TEMPLATES = Path(__file__).resolve().parent / "slides_template"


def copy_assets(out: Path) -> None:
    """Put reveal.js and MathJax beside the slides (once)."""
    for source, name in [(REVEAL_DIR, "reveal.js"), (MATHJAX_DIR, "mathjax")]:
        if not (out / name).exists():
            shutil.copytree(source, out / name, ignore=shutil.ignore_patterns("*.map"))


def exporter() -> SlidesExporter:
    """A slides exporter whose every script and style sheet is a local file."""
    config = Config()
    config.SlidesExporter.extra_template_basedirs = [str(TEMPLATES)]
    config.SlidesExporter.template_name = "course"
    config.SlidesExporter.reveal_url_prefix = "reveal.js"
    config.SlidesExporter.reveal_theme = "white"
    config.SlidesExporter.mathjax_url = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
    config.SlidesExporter.exclude_input_prompt = True
    config.SlidesExporter.exclude_output_prompt = True
    return SlidesExporter(config=config)


def core_only(lesson: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The lesson without its optional sections (from an ``optional`` section start to the next section)."""
    kept, optional = [], False
    for cell in lesson.cells:
        if section_start(cell):
            optional = "optional" in tags(cell)
        if not optional:
            kept.append(cell)
    lesson.cells = kept
    return lesson


def build(out: Path, notebooks: list[Path], core: bool = False) -> list[Path]:
    """Write ``<lesson>.slides.html`` (``<lesson>.core.slides.html`` with ``core``) into ``out``; returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    copy_assets(out)
    slides_exporter = exporter()
    written = []
    for notebook in notebooks:
        lesson = nbformat.read(notebook, as_version=4)
        # Saved widget state would pull the widget renderer from a CDN; quizzes
        # carry a static fallback that reads well without it.
        lesson.metadata.pop("widgets", None)
        html, _ = slides_exporter.from_notebook_node(core_only(lesson) if core else lesson)
        target = out / f"{notebook.stem}{'.core' if core else ''}.slides.html"
        target.write_text(html, encoding="utf-8")
        written.append(target)
    return written


def main() -> None:
    cli = lessons.parser(__doc__)
    cli.add_argument("--core", action="store_true", help="only the core sections (the 45-minute cut)")
    cli.add_argument("output_dir", type=Path, help="where to write the slides, e.g. build/slides")
    cli.add_argument("notebooks", nargs="*", type=Path, help="lessons (default: every lesson)")
    args = cli.parse_args()
    for target in build(args.output_dir, lessons.lesson_paths(cli, args.notebooks), args.core):
        print("wrote", target)


if __name__ == "__main__":
    main()
