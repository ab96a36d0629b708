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
