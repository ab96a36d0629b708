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


def test_static_dashboard_scrub_exports_one_frame_per_value(monkeypatch):
    """On the website a scrub dashboard becomes an HTML slider over precomputed images."""
    import json
    import re

    import matplotlib.pyplot as plt

    from mfcourse.course import dashboard as db
    from mfcourse.course.plotting import figure

    monkeypatch.setenv(db.STATIC_ENV, "1")
    calls = []

    def update(k, colour):
        calls.append((k, colour))
        fig, ax = figure()
        ax.plot([0, 1], [0, k])
        return fig

    before = set(plt.get_fignums())
    k = widgets.IntSlider(value=2, min=0, max=4, description="k")
    colour = widgets.Dropdown(options=["red", "blue"], value="blue")
    out = db.dashboard(update, {"k": k, "colour": colour}, primary="k", title="T")
    assert isinstance(out, db.StaticDashboard)
    assert calls == [(v, "blue") for v in range(5)], "every value of k, the other control fixed"
    assert set(plt.get_fignums()) == before, "frames' figures are closed (not shown twice)"
    html = out._repr_html_()
    assert 'class="mfcourse-static-dashboard mfcourse-kind-scrub"' in html
    assert 'max="4"' in html and 'value="2"' in html, "the slider starts at the initial value"
    frames = json.loads(re.search(r'class="mfcourse-frames">(.*?)</script>', html, re.S).group(1))
    assert [f[0] for f in frames] == ["0", "1", "2", "3", "4"]
    assert len({f[1] for f in frames}) == 5, "each frame is its own image"
    assert "colour = blue" in html


def test_static_dashboard_recompute_and_thinning(monkeypatch):
    import matplotlib.pyplot as plt

    from mfcourse.course import dashboard as db

    monkeypatch.setenv(db.STATIC_ENV, "1")
    calls = []

    def update(x):
        calls.append(x)
        return plt.figure()

    slider = widgets.FloatSlider(value=0.5, min=0.0, max=10.0, step=0.01)
    out = db.dashboard(update, {"x": slider}, primary="x", kind="recompute")
    assert calls == [0.5], "a recompute dashboard is drawn once, for its initial values"
    assert "launch the notebook" in out._repr_html_()
    assert "mfcourse-static-slider" not in out._repr_html_()
    values = db.primary_values(slider)
    assert len(values) <= db.STATIC_MAX_FRAMES + 1 and 0.5 in values
    assert values[0] == 0.0 and values[-1] == 10.0
    with pytest.raises(ValueError, match="max_frames"):
        db.primary_values(slider, max_frames=1)
