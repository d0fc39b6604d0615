"""What every course widget shares: state in Python, batched redraws, one way to be displayed.

A course widget (:class:`CourseWidget`) keeps its state in Python and shows it twice:

* live, as an ipywidgets box (:attr:`CourseWidget.widget`) in a running JupyterLab;
* as plain text (and optionally HTML or a still picture) where no kernel runs: stored
  notebooks, nbval, GitHub, static slides. That text depends only on the state, never on the
  run, so that stored outputs stay reproducible.

Each change of a control asks for a redraw; :meth:`CourseWidget.hold_redraws` turns several
changes into one redraw, so a preset that fills nine number boxes filters the photo once, not
nine times. Pictures reach the browser as PNG or JPEG bytes in an ``Image`` widget
(:func:`figure_png`), never through an ``Output`` widget, so building a widget prints nothing.
:class:`CourseWidget` shows a whole widget in a dozen lines; ``kernel_editor.py`` is the
course's model of a real one.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from contextlib import contextmanager

import ipywidgets as widgets

WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"


class CourseWidget:
    """The skeleton of a course widget: subclasses add their controls, drawing and text.

    A subclass calls ``super().__init__()`` first, builds its controls, sets :attr:`widget`
    to the box to display, and provides:

    * ``_draw()``: bring the view's pictures and messages up to date with the state (the
      base class calls it through :meth:`redraw`; a widget without pictures needs none);
    * :meth:`text`: the plain-text form, which depends only on the state;
    * optionally :meth:`html` and :meth:`snapshot`: an HTML form and a still picture for
      viewers without a kernel.

    :attr:`updates` counts the redraws, so tests can check that a change redraws once.

    >>> class Doubler(CourseWidget):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.number = widgets.IntText(value=1)
    ...         self.answer = widgets.HTML()
    ...         self.widget = widgets.VBox([self.number, self.answer])
    ...         self.redraw_on(self.number)
    ...         self.redraw()
    ...
    ...     def _draw(self):
    ...         self.answer.value = f"<b>{2 * self.number.value}</b>"
    ...
    ...     def text(self):
    ...         return f"Doubler: 2 x {self.number.value} = {2 * self.number.value}"
    >>> doubler = Doubler()
    >>> doubler.number.value = 21  # what typing in the box does
    >>> doubler.answer.value, doubler.updates
    ('<b>42</b>', 2)
    >>> doubler  # what a stored notebook shows
    Doubler: 2 x 21 = 42
    >>> list(doubler._repr_mimebundle_())
    ['application/vnd.jupyter.widget-view+json', 'text/plain']
    """

    widget: widgets.Widget
    """The live view: the ipywidgets box to display."""

    def __init__(self) -> None:
        self.updates = 0
        self._holds = 0  # how many hold_redraws() blocks are open
        self._redraw_pending = False

    # -- redrawing --------------------------------------------------------------------------

    def redraw(self) -> None:
        """Redraw the view from the state now, or once at the end of :meth:`hold_redraws`."""
        if self._holds:
            self._redraw_pending = True
            return
        self._redraw_pending = False
        self._draw()
        self.updates += 1

    @contextmanager
    def hold_redraws(self) -> Iterator[None]:
        """Change several controls, redraw once at the end (if any change asked for a redraw).

        >>> box = widgets.IntText()
        >>> class Counter(CourseWidget):
        ...     def _draw(self):
        ...         pass
        >>> counter = Counter()
        >>> counter.redraw_on(box)
        >>> with counter.hold_redraws():
        ...     for value in range(1, 4):
        ...         box.value = value
        >>> counter.updates
        1
        """
        self._holds += 1
        try:
            yield
        finally:
            self._holds -= 1
        if not self._holds and self._redraw_pending:
            self.redraw()

    @property
    def holding(self) -> bool:
        """True inside :meth:`hold_redraws`: the code, not the student, is moving the controls."""
        return self._holds > 0

    def redraw_on(self, *controls: widgets.ValueWidget) -> None:
        """Redraw whenever the ``value`` of one of ``controls`` changes."""
        for control in controls:
            control.observe(self._on_control, names="value")

    def _on_control(self, _change: dict) -> None:
        self.redraw()

    def _draw(self) -> None:
        """Update the view's pictures and messages from the state (subclasses with any override this)."""

    # -- what a viewer without a kernel shows -------------------------------------------------

    def text(self) -> str:
        """The plain-text form of the widget; it must depend only on the state."""
        raise NotImplementedError(f"{type(self).__name__} must say what it shows as text: define text()")

    def html(self) -> str | None:
        """An HTML form for viewers without a kernel, or None (the default) for none."""
        return None

    def snapshot(self) -> tuple[str, bytes] | None:
        """A still picture of the view, ``(MIME type, bytes)``, or None (the default) for none."""
        return None

    def __repr__(self) -> str:
        return self.text()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """The live widget, its text and, where the subclass gives them, its HTML and picture."""
        data = bundle(self.widget, self.text(), self.html())
        snapshot = self.snapshot()
        if snapshot is not None:
            mime, picture = snapshot
            data[mime] = base64.b64encode(picture).decode("ascii")
        return data


def bundle(widget: widgets.Widget, text: str, html: str | None = None) -> dict:
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
