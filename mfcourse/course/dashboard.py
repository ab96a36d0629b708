"""Widget dashboards: one way to build the course's interactive figures.

A *dashboard* is a box of controls above a figure. Every lecture builds its explorers with
:func:`dashboard`, so that they behave alike for students (progress shown when a redraw is slow,
errors shown in the figure's place rather than lost) and can be found by the browser tests:

* the box carries the CSS class ``mfcourse-dashboard`` and ``mfcourse-kind-<kind>``, where
  ``kind`` is ``"scrub"`` (the slider scrubs precomputed data; budget 300 ms) or ``"recompute"``
  (the slider triggers a computation; budget 2 s, ``continuous_update=False``);
* the primary control (the one a test moves) carries ``mfcourse-primary``;
* the figure's output area carries ``mfcourse-figure``;
* the status line carries ``mfcourse-status`` and reads ``computing…`` while a redraw runs.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping

import numpy as np

KINDS = ("scrub", "recompute")


def render_png(fig, dpi: float | None = None) -> bytes:
    """Render a figure to PNG bytes in one drawing pass.

    The inline backend's default (``bbox_inches="tight"``) draws every figure twice; the course's
    figures are laid out by constrained layout (or frozen with
    :func:`mfcourse.plotting.freeze_layout`), so one pass suffices and halves a redraw's cost.
    """
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi or fig.dpi)
    return buf.getvalue()


class ScrubFigure:
    """A figure whose redraws repaint only the artists that change (blitting).

    Scrubbing a slider through precomputed data changes a few artists (points, a curve, a
    marker, a title) while axes, ticks, labels and static curves stay put. Drawing those again
    is most of a redraw's cost; this class draws them once, keeps the pixels, and for every
    later frame restores them and draws only ``artists`` on top, then encodes the PNG with fast
    compression. Return it from a dashboard's ``update`` in place of the figure.

    The static part is redrawn when :meth:`invalidate` is called (e.g. after an axis limit
    changes) or the figure's size changes. Pixels are identical to a full redraw as long as the
    changing artists lie above the static ones, spines and grid lines included (they are drawn
    last, in the given order).
    """

    def __init__(self, fig, artists):
        self.fig = fig
        self.artists = list(artists)
        for artist in self.artists:
            artist.set_animated(True)  # excluded from the static drawing
        self._background = None
        self._size = None
        self._relayout = False

    def invalidate(self, relayout: bool = False) -> None:
        """Forget the static pixels: the next frame draws everything once more.

        With ``relayout=True`` that draw also recomputes the constrained layout (after labels
        or tick labels changed size) and then freezes it again.
        """
        self._background = None
        self._relayout = self._relayout or relayout

    def replace(self, old, new) -> None:
        """Swap a changing artist for a new one (e.g. a contour set recomputed for this frame):
        ``old`` (or ``None``) is removed from the axes, ``new`` is drawn in its place."""
        if old is not None:
            old.remove()
            self.artists[self.artists.index(old)] = new
        else:
            self.artists.insert(0, new)
        new.set_animated(True)

    def png(self) -> bytes:
        """The current frame as PNG bytes."""
        import io

        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from PIL import Image

        canvas = self.fig.canvas
        if not isinstance(canvas, FigureCanvasAgg):
            canvas = FigureCanvasAgg(self.fig)
        size = tuple(self.fig.bbox.size)
        if self._background is None or size != self._size:
            if self._relayout:
                self.fig.set_layout_engine("constrained")
                canvas.draw()
                self.fig.set_layout_engine("none")
                self._relayout = False
            canvas.draw()  # the static artists, once
            self._background = canvas.copy_from_bbox(self.fig.bbox)
            self._size = size
        else:
            canvas.restore_region(self._background)
        for artist in self.artists:
            self.fig.draw_artist(artist)
        buf = io.BytesIO()
        Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buf, format="png", compress_level=1)
        return buf.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()


def dashboard(
    update: Callable[..., object],
    controls: Mapping[str, object],
    *,
    primary: str,
    kind: str = "scrub",
    title: str | None = None,
):
    """Build a dashboard that calls ``update(**values)`` whenever a control changes.

    Parameters
    ----------
    update:
        Callable taking the controls' values as keyword arguments and returning a matplotlib
        ``Figure`` (which is shown and then closed), a :class:`ScrubFigure` (fast redraws of a
        figure built once), or ``None`` (if it displays by itself).
    controls:
        Mapping from keyword name to an ipywidgets value widget (sliders, dropdowns, ...).
    primary:
        Key of the control that the browser tests move.
    kind:
        ``"scrub"`` for controls that index precomputed data, ``"recompute"`` for controls
        that start a computation (their sliders are switched to ``continuous_update=False``).
    title:
        Optional bold heading above the controls.

    Returns
    -------
    ipywidgets.VBox
        The dashboard; display it as the last expression of a cell.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if primary not in controls:
        raise ValueError(f"primary={primary!r} is not one of the controls {sorted(controls)}")

    out = widgets.Output()
    out.add_class("mfcourse-figure")
    status = widgets.HTML(value="")
    status.add_class("mfcourse-status")
    for name, w in controls.items():
        if kind == "recompute" and hasattr(w, "continuous_update"):
            w.continuous_update = False
        if name == primary:
            w.add_class("mfcourse-primary")

    def redraw(*_):
        values = {name: w.value for name, w in controls.items()}
        status.value = "<i>computing…</i>"
        t0 = time.perf_counter()
        with out:
            out.clear_output(wait=True)
            try:
                fig = update(**values)
                if isinstance(fig, ScrubFigure):
                    display(Image(data=fig.png()))
                elif fig is not None:
                    display(Image(data=render_png(fig)))
                    plt.close(fig)
            except Exception:  # shown where the figure would be, never lost
                out.clear_output()  # the pending clear(wait=True) would keep the old figure
                out.append_stderr("This redraw failed; the error was:\n" + traceback.format_exc())
        elapsed = time.perf_counter() - t0
        status.value = f"<small>redrawn in {elapsed * 1e3:.0f} ms</small>"

    for w in controls.values():
        w.observe(redraw, names="value")
    children = []
    if title:
        children.append(widgets.HTML(value=f"<b>{title}</b>"))
    children += [widgets.HBox(list(controls.values())), status, out]
    box = widgets.VBox(children)
    box.add_class("mfcourse-dashboard")
    box.add_class(f"mfcourse-kind-{kind}")
    redraw()
    return box
