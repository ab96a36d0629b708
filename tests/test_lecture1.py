"""Tests of the Lecture 1 experiment helpers (mfcourse.lecture1)."""

from __future__ import annotations

import numpy as np
import pytest

from mfcourse import lecture1 as l1
from mfcourse import newton as nw
from mfcourse import transport as tr
from mfcourse.interaction import PairInteraction

V = PairInteraction.hmf()


def test_test_functions_derivatives_match_finite_differences():
    rng = np.random.default_rng(0)
    x, v, h = rng.uniform(0, 2 * np.pi, 50), rng.normal(size=50), 1e-6
    for t in l1.TEST_FUNCTIONS:
        fdx = (t.phi(x + h, v) - t.phi(x - h, v)) / (2 * h)
        fdv = (t.phi(x, v + h) - t.phi(x, v - h)) / (2 * h)
        assert np.allclose(t.dx(x, v), fdx, atol=1e-8), t.name
        assert np.allclose(t.dv(x, v), fdv, atol=1e-8), t.name


def test_klimontovich_residual_is_second_order_and_control_is_not_small():
    x, v = nw.sample_iid(nw.CosineMaxwellian(0.3, 0.2), 300, seed=1)
    r1 = l1.klimontovich_residual(x, v, V, 2.0, 0.1)["relative"]
    r2 = l1.klimontovich_residual(x, v, V, 2.0, 0.05)["relative"]
    order = np.log2(r1 / r2)
    assert np.all((order > 1.7) & (order < 2.3)), order
    free = l1.klimontovich_residual(
        x, v, PairInteraction({1: 0.0}), 2.0, 0.05, bracket_interaction=V
    )["relative"]
    assert np.all(free > 10 * r2)


def test_klimontovich_residual_bad_input():
    with pytest.raises(ValueError, match="multiple"):
        l1.klimontovich_residual([0.0], [0.0], V, 1.0, 0.3)
    with pytest.raises(ValueError, match="t_final"):
        l1.klimontovich_residual([0.0], [0.0], V, -1.0, 0.1)


def test_two_sample_estimate_brackets_grid_estimate():
    # E W1(mu_N, f) lies in [E2/2, E2] (Jensen + triangle); the grid version is within its
    # quantisation bound of E W1(mu_N, f)
    dens = nw.CosineMaxwellian(0.0, 1.0)
    N = 64
    est = l1.empirical_w1_rate(dens, [N], 6, seed=3)
    x = np.linspace(0, 2 * np.pi, 32, endpoint=False) + np.pi / 32
    v = -4.5 + (np.arange(32) + 0.5) * 9 / 32
    X, Vv = np.meshgrid(x, v, indexing="ij")
    f = dens.pdf(X, Vv)
    grid = []
    for s in range(6):
        xs, vs = dens.sample(N, np.random.default_rng([4, s]))
        grid.append(tr.w1_to_grid(np.column_stack([xs, vs]), f, x, v))
    delta = tr.grid_quantization_bound(x, v)
    e2 = est["mean"][0]
    assert e2 / 2 - delta - 3 * est["sem"][0] <= np.mean(grid) <= e2 + delta + 3 * est["sem"][0]


def test_separation_times_shapes_and_kr_lower_bound():
    out = l1.separation_times(nw.CosineMaxwellian(0.0, 0.1), V, [200], 2, t_final=10.0, seed=5)
    assert out["t_sep"].shape == (1, 2) and out["M"].shape[:2] == (1, 2)
    assert np.all(np.isfinite(out["t_sep"]))
    i = np.searchsorted(out["times"], out["t_sep"][0, 0])
    assert out["M"][0, 0, i] >= 0.2 and np.all(out["M"][0, 0, :i] < 0.2)


def test_bad_input_is_rejected():
    dens = nw.CosineMaxwellian(0.0, 0.1)
    with pytest.raises(ValueError, match="threshold"):
        l1.separation_times(dens, V, [10], 1, threshold=1.5)
    with pytest.raises(ValueError, match="n_seeds"):
        l1.empirical_w1_rate(dens, [10, 20], [1])
    with pytest.raises(ValueError, match="interaction"):
        l1.empirical_w1_rate(dens, [10], 1, t=1.0)
    with pytest.raises(ValueError, match="t = 0"):
        l1.dobrushin_experiment(dens, V, [10], [0], [1.0, 2.0])


def test_local_slope_and_torus_segments():
    Ns = np.geomspace(10, 1e4, 8)
    assert l1.local_slope(lambda n: n**-0.5, Ns) == pytest.approx(-0.5)
    assert -0.5 < l1.local_slope(lambda n: np.sqrt(np.log(n) / n), Ns) < -0.35
    for p, q in (((0.1, 0.0), (6.0, 1.0)), ((6.0, 0.0), (0.1, 1.0)), ((0.2, 0.0), (-0.3, 1.0))):
        segs = l1.torus_segments(p, q)
        assert len(segs) == 2
        total = sum(np.hypot(b[0] - a[0], b[1] - a[1]) for a, b in segs)
        d = tr.torus_distance(p[0], q[0])
        assert total == pytest.approx(np.hypot(d, 1.0))
        assert all(0 <= a[0] <= 2 * np.pi and 0 <= b[0] <= 2 * np.pi for a, b in segs)
    assert len(l1.torus_segments((0.5, 0.0), (1.0, 1.0))) == 1


def test_dobrushin_audit_samples_and_drawing():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dens = nw.CosineMaxwellian(0.2, 0.1)
    a = l1.dobrushin_audit_samples(dens, V, 30, 60, 1.0, seeds=(3, 4), h=0.25, dt=0.05)
    x, v = nw.sample_iid(dens, 30, seed=3)
    y, w = nw.sample_iid(dens, 60, seed=4)
    assert a["W1"][0] == pytest.approx(
        tr.w1(np.column_stack([x, v]), np.column_stack([y, w]), periodic=(0,))
    )
    assert a["N"] == 30 and a["M"] == 60 and a["times"].size == 5
    fig, ax = plt.subplots(1, 2)
    l1.draw_audit(ax, a)
    assert len(ax[0].lines) == 4 and len(ax[1].lines) == 6
    plt.close(fig)
    with pytest.raises(ValueError, match="M must be"):
        l1.dobrushin_audit_samples(dens, V, 30, 1, 1.0)
