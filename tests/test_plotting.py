import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from mfcourse import plotting


def test_fit_power_law_recovers_exponent_and_constant():
    x = np.geomspace(10, 1e4, 9)
    p, c = plotting.fit_power_law(x, 3.0 * x**-0.5)
    assert p == pytest.approx(-0.5, abs=1e-12)
    assert c == pytest.approx(3.0, rel=1e-10)


@pytest.mark.parametrize("x,y", [([1.0], [1.0]), ([1.0, 2.0], [1.0, -1.0]), ([0.0, 1.0], [1, 2])])
def test_fit_power_law_rejects_bad_input(x, y):
    with pytest.raises(ValueError):
        plotting.fit_power_law(x, y)


def test_figure_and_rate_plot():
    fig, ax = plotting.figure()
    x = np.array([10.0, 100.0, 1000.0])
    p = plotting.loglog_rate(ax, x, 1 / x, label="error", theory=-0.5)
    assert p == pytest.approx(-1.0)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("fitted slope -1.00" in s for s in labels)
    plotting.label_scaling(ax, "mean-field")
    assert any("mean-field" in t.get_text() for t in ax.texts)
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_palette_is_okabe_ito():
    assert len(set(plotting.PALETTE.values())) == 8
    assert plotting.ROLE["measured"] != plotting.ROLE["bound"]
