import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets
import pytest

from mfcourse.dashboard import dashboard


def _update(n, t):
    from mfcourse.plotting import figure

    fig, ax = figure()
    ax.plot([0, t], [0, n])
    return fig


def test_dashboard_classes_and_redraw():
    calls = []

    def update(n, t):
        calls.append((n, t))
        return _update(n, t)

    n = widgets.IntSlider(value=3, min=1, max=10)
    t = widgets.FloatSlider(value=0.5, min=0, max=1)
    box = dashboard(update, {"n": n, "t": t}, primary="n", kind="recompute", title="demo")
    assert "mfcourse-dashboard" in box._dom_classes
    assert "mfcourse-kind-recompute" in box._dom_classes
    assert "mfcourse-primary" in n._dom_classes and "mfcourse-primary" not in t._dom_classes
    assert n.continuous_update is False  # recompute sliders update on release
    assert calls == [(3, 0.5)]
    n.value = 4
    assert calls[-1] == (4, 0.5)
    status = [c for c in box.children if "mfcourse-status" in c._dom_classes][0]
    assert "redrawn in" in status.value


def test_dashboard_shows_errors_instead_of_losing_them():
    def broken(n):
        raise RuntimeError("boom")

    box = dashboard(broken, {"n": widgets.IntSlider()}, primary="n")
    out = [c for c in box.children if "mfcourse-figure" in c._dom_classes][0]
    text = "".join(o.get("text", "") for o in out.outputs)
    assert "boom" in text


@pytest.mark.parametrize("kw", [{"primary": "x"}, {"primary": "n", "kind": "slow"}])
def test_dashboard_rejects_bad_arguments(kw):
    with pytest.raises(ValueError):
        dashboard(_update, {"n": widgets.IntSlider()}, **kw)


def _decode(png: bytes):
    import io

    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def test_scrub_figure_frames_equal_full_redraws():
    """Blitted frames are pixel-identical to drawing the whole figure again."""
    import numpy as np

    from mfcourse.dashboard import ScrubFigure, render_png
    from mfcourse.plotting import figure, freeze_layout

    fig, ax = figure()
    ax.plot([0, 1], [0, 1], color="k")  # static
    (moving,) = ax.plot([], [], "o")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    freeze_layout(fig)
    frame = ScrubFigure(fig, [moving, ax.title])
    first = frame.png()
    for t in (0.2, 0.7):
        moving.set_data([t], [1 - t])
        ax.set_title(f"t = {t}")
        blitted = _decode(frame.png())
        for artist in frame.artists:  # a full redraw, for comparison
            artist.set_animated(False)
        full = _decode(render_png(fig))
        for artist in frame.artists:
            artist.set_animated(True)
        assert blitted.shape == full.shape
        assert np.array_equal(blitted, full)
    assert not np.array_equal(_decode(first), blitted)  # the frames did change


def test_dashboard_displays_scrub_figures():
    from mfcourse.dashboard import ScrubFigure
    from mfcourse.plotting import figure

    fig, ax = figure()
    (line,) = ax.plot([0, 1], [0, 0])
    frame = ScrubFigure(fig, [line])

    def update(y):
        line.set_ydata([y, y])
        return frame

    slider = widgets.FloatSlider(value=0.1, min=0, max=1)
    box = dashboard(update, {"y": slider}, primary="y")
    slider.value = 0.5
    status = [c for c in box.children if "mfcourse-status" in c._dom_classes][0]
    assert "redrawn in" in status.value


def test_scrub_figure_relayout_makes_room_for_new_labels():
    from mfcourse.dashboard import ScrubFigure
    from mfcourse.plotting import figure, freeze_layout

    fig, ax = figure()
    (line,) = ax.plot([0, 1], [0, 1])
    freeze_layout(fig)
    frame = ScrubFigure(fig, [line])
    frame.png()
    left = ax.get_position().x0
    ax.set_ylabel("a long label\non two lines", fontsize=14)
    frame.invalidate(relayout=True)
    frame.png()
    assert ax.get_position().x0 > left  # the axes moved right to make room for the label
    assert fig.get_layout_engine() is None or type(fig.get_layout_engine()).__name__ != (
        "ConstrainedLayoutEngine"
    )


def test_scrub_figure_replace_swaps_recomputed_artists():
    import numpy as np

    from mfcourse.dashboard import ScrubFigure, render_png
    from mfcourse.plotting import figure, freeze_layout

    fig, ax = figure()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    freeze_layout(fig)
    frame = ScrubFigure(fig, [ax.title])
    xx, yy = np.meshgrid(np.linspace(0, 1, 20), np.linspace(0, 1, 20))
    old = None
    for c in (0.3, 0.6):
        # closed level curves inside the axes (blitted artists are drawn above the spines)
        new = ax.contour(xx, yy, (xx - c) ** 2 + (yy - 0.5) ** 2, levels=[0.01, 0.04])
        frame.replace(old, new)
        old = new
        blitted = _decode(frame.png())
    assert [a for a in ax.get_children() if hasattr(a, "levels")] == [old]  # the first is gone
    assert frame.artists.count(old) == 1 and len(frame.artists) == 2
    for artist in frame.artists:
        artist.set_animated(False)
    assert np.array_equal(blitted, _decode(render_png(fig)))
