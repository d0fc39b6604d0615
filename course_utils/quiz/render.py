"""Turn questions into HTML and plain text: for the widget, and for places with no kernel.

Choices are shown as a lettered list (A, B, C, ...) in the question itself, so that they
can hold Markdown and LaTeX and wrap like any text; the widget then offers one button or
box per letter, which works the same with a mouse, a keyboard, or a vote in a lecture hall.

Outside a live kernel (a notebook converted to HTML, GitHub's preview, static slides) the
widget cannot run, so each quiz also carries a static view: the question and its choices as
text, and the answer and explanation folded away in a ``<details>`` block. The static views
depend on nothing but the question, so stored notebook outputs are the same on every run.
"""

from __future__ import annotations

import html

import mistune

from course_utils.quiz.model import Question
from course_utils.quiz.questions import format_answer

# Markdown with $...$ and $$...$$ kept for MathJax; raw HTML in a bank is shown as text.
_markdown = mistune.create_markdown(escape=True, plugins=["math"])

_FORMAT_NOTES = {
    "single": "Pick one letter.",
    "multiple": "Select all that apply.",
    "numeric": "Answer with a number.",
    "shape": "Answer with a shape: the sizes joined by x, such as 28x28 or 3x32x32.",
    "text": "Answer with a word or two.",
}


def markdown_to_html(text: str) -> str:
    """Render a bank's Markdown (with LaTeX) to HTML."""
    return _markdown(text).strip()


def inline_markdown_to_html(text: str) -> str:
    """Render one line of Markdown without wrapping it in a paragraph."""
    rendered = markdown_to_html(text)
    if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        rendered = rendered[3:-4]
    return rendered


def format_note(question: Question) -> str:
    """One line that says how to answer, with the unit if there is one."""
    if question.unit:
        return f"Answer with a number, in {question.unit}."
    return _FORMAT_NOTES[question.type]


def question_html(question: Question) -> str:
    """The prompt, the lettered choices, and how to answer: what a student reads first."""
    parts = [markdown_to_html(question.prompt)]
    for choice in question.choices:
        letter = question.letter(choice.id)
        text = inline_markdown_to_html(choice.text)
        parts.append(f'<p class="course-quiz-choice"><strong>{letter}.</strong> {text}</p>')
    parts.append(f"<p><em>{html.escape(format_note(question))}</em></p>")
    return "\n".join(parts)


def answer_html(question: Question) -> str:
    """The answer and the explanation, as HTML."""
    answer = f"<p><strong>Answer:</strong> {inline_markdown_to_html(format_answer(question))}</p>"
    return f"{answer}\n{markdown_to_html(question.explanation)}"


def static_html(question: Question) -> str:
    """The quiz as HTML for a page with no kernel; the answer is folded away (one click reveals it)."""
    parts = [
        f'<div class="course-quiz-static" data-question="{html.escape(question.id)}">',
        f"<p><strong>Quiz</strong> <code>{html.escape(question.id)}</code></p>",
        question_html(question),
    ]
    if question.hint:
        parts.append(_details("Hint", markdown_to_html(question.hint)))
    parts.append(_details("Answer and explanation", answer_html(question)))
    parts.append("</div>")
    return "\n".join(parts)


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{summary}</summary>\n{body}\n</details>"


def static_text(question: Question) -> str:
    """The quiz as plain text, without the answer."""
    lines = [f"Quiz {question.notebook}/{question.id}", "", question.prompt, ""]
    for choice in question.choices:
        lines.append(f"  {question.letter(choice.id)}. {choice.text}")
    if question.choices:
        lines.append("")
    lines.append(format_note(question))
    lines.append("(Run the notebook to answer; the HTML view folds away the answer.)")
    return "\n".join(lines)
