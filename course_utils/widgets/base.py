"""How the course's widgets display: live in JupyterLab, as plain text everywhere else.

A widget object returns :func:`bundle` from its ``_repr_mimebundle_``: the live view for a
running kernel, plus text (and optionally HTML) that stored notebooks, nbval, GitHub and
static slides show instead. That text must depend only on the widget's state, never on the
run, so that stored outputs stay reproducible. Pictures reach the browser as PNG bytes in an
``Image`` widget (:func:`figure_png`), never through an ``Output`` widget, so building a
widget prints nothing.
"""

from __future__ import annotations

import io

WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"


def bundle(widget, text: str, html: str | None = None) -> dict:
    """A MIME bundle: the live ``widget``, its plain ``text`` and, if given, ``html``."""
    data = {
        WIDGET_VIEW_MIME: {"version_major": 2, "version_minor": 0, "model_id": widget.model_id},
        "text/plain": text,
    }
    if html is not None:
        data["text/html"] = html
    return data


def figure_png(figure, **savefig) -> bytes:
    """PNG bytes of a Matplotlib figure (for an ``ipywidgets.Image``)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", **savefig)
    return buffer.getvalue()
