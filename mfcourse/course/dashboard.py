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

**Static pages.** When the environment variable :data:`STATIC_ENV` is set (the course website
sets it while it executes the lectures, see :mod:`mfcourse.course.site`), :func:`dashboard`
returns a :class:`StaticDashboard` instead of widgets: a scrub dashboard is rendered frame by frame
along its primary control (the other controls at their initial values) into an HTML slider over
images that works without a kernel; a recompute dashboard shows its figure for the initial values
and invites the reader to launch the notebook. No lecture's ``update`` needs to know about it.
"""

from __future__ import annotations

import base64
import html
import json
import os
import time
import traceback
from collections.abc import Callable, Mapping

import numpy as np

KINDS = ("scrub", "recompute")

#: Environment variable that turns dashboards into static HTML (set by the website build).
STATIC_ENV = "MFCOURSE_STATIC_DASHBOARDS"
#: At most this many frames of a scrub dashboard are exported to a static page.
STATIC_MAX_FRAMES = 30


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
    if os.environ.get(STATIC_ENV):
        return StaticDashboard(update, controls, primary=primary, kind=kind, title=title)

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


def _frame_png(result) -> bytes | None:
    """PNG bytes of what a dashboard's ``update`` returned (a Figure or a ScrubFigure)."""
    import matplotlib.pyplot as plt

    if isinstance(result, ScrubFigure):
        return result.png()
    if result is None:
        return None
    png = render_png(result)
    plt.close(result)
    return png


def primary_values(control, max_frames: int = STATIC_MAX_FRAMES) -> list:
    """The values a static page offers for a control: all of its options, or its slider range,
    thinned evenly to at most ``max_frames`` values that always include the initial value."""
    if max_frames < 2:
        raise ValueError(f"max_frames must be >= 2, got {max_frames}")
    options = getattr(control, "options", None)
    if options is not None:
        values = [o[1] if isinstance(o, tuple) and len(o) == 2 else o for o in options]
    elif all(hasattr(control, a) for a in ("min", "max", "step")):
        lo, hi, step = control.min, control.max, control.step
        count = int(round((hi - lo) / step)) + 1 if step else 1
        values = [lo + k * step for k in range(count)]
        if isinstance(control.value, int):
            values = [int(round(v)) for v in values]
    else:
        return [control.value]
    if len(values) > max_frames:
        keep = np.unique(np.round(np.linspace(0, len(values) - 1, max_frames)).astype(int))
        values = [values[k] for k in keep]
    if control.value not in values:
        values = sorted([*values, control.value])
    return values


class StaticDashboard:
    """A dashboard rendered for a page without a kernel (see the module's docstring).

    ``frames`` holds ``(label, png_bytes)`` pairs along the primary control; the HTML is a range
    input that swaps the image (no script library, a few lines of inline JavaScript), carrying
    the CSS classes ``mfcourse-static-dashboard`` and ``mfcourse-kind-<kind>``.
    """

    def __init__(self, update, controls, *, primary, kind, title=None):
        self.kind, self.title, self.primary = kind, title, primary
        defaults = {name: w.value for name, w in controls.items()}
        control = controls[primary]
        values = primary_values(control) if kind == "scrub" else [defaults[primary]]
        self.description = getattr(control, "description", "") or primary
        self.frames = []
        import matplotlib.pyplot as plt

        before = set(plt.get_fignums())
        try:
            for value in values:
                png = _frame_png(update(**{**defaults, primary: value}))
                if png is not None:
                    self.frames.append((_label(control, value), png))
        finally:  # figures built for the frames must not be shown again below the dashboard
            for num in set(plt.get_fignums()) - before:
                plt.close(num)
        self.start = next(
            (k for k, v in enumerate(values) if v == defaults[primary] and k < len(self.frames)),
            0,
        )
        self.fixed = {n: v for n, v in defaults.items() if n != primary}

    def _repr_html_(self) -> str:
        if not self.frames:
            return "<p><i>This explorer draws only in a live notebook: launch it to play.</i></p>"
        data = [[lab, base64.b64encode(png).decode("ascii")] for lab, png in self.frames]
        label, first = data[self.start]
        head = f"<p><b>{html.escape(self.title)}</b></p>" if self.title else ""
        img = (
            f'<img class="mfcourse-static-figure" alt="figure" src="data:image/png;base64,{first}">'
        )
        if self.kind == "scrub" and len(data) > 1:
            js = (
                "var d=this.closest('.mfcourse-static-dashboard');"
                "d._f=d._f||JSON.parse(d.querySelector('script.mfcourse-frames').textContent);"
                "var f=d._f[this.value];"
                "d.querySelector('.mfcourse-static-figure').src='data:image/png;base64,'+f[1];"
                "d.querySelector('.mfcourse-static-readout').textContent=f[0];"
            )
            control = (
                f"<label>{html.escape(self.description)} "
                f'<input type="range" class="mfcourse-static-slider" style="width:22em" min="0" '
                f'max="{len(data) - 1}" step="1" value="{self.start}" oninput="{js}"> '
                f'<span class="mfcourse-static-readout">{html.escape(label)}</span></label>'
                '<script type="application/json" class="mfcourse-frames">'
                + json.dumps(data).replace("</", "<\\/")
                + "</script>"
            )
            note = "precomputed frames; launch the notebook to move every control"
        else:
            control = ""
            note = "computed for the initial values; launch the notebook to play with the controls"
        fixed = ", ".join(f"{k} = {_label(None, v)}" for k, v in self.fixed.items())
        note += f" (fixed: {html.escape(fixed)})" if fixed else ""
        return (
            f'<div class="mfcourse-static-dashboard mfcourse-kind-{self.kind}">{head}{control}'
            f"<div>{img}</div><p><small><i>{note}.</i></small></p></div>"
        )


def _label(control, value) -> str:
    options = getattr(control, "options", None) if control is not None else None
    if options is not None:
        for o in options:
            if isinstance(o, tuple) and len(o) == 2 and o[1] == value:
                return str(o[0])
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
