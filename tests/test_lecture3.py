"""Tests of mfcourse.lecture3 (the experiments behind lectures/03_joint_limits.ipynb)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mfcourse import lecture3 as l3
from mfcourse.interaction import PairInteraction


def f_in(x, v):
    return (1 + 0.5 * np.cos(x)) * np.exp(-(v**2) / 0.2) / (2 * math.pi * math.sqrt(0.1 * math.pi))


@pytest.mark.parametrize("eps", [0.2, 0.05, 0.0125])
def test_quantum_grid_size_is_the_smallest_that_holds_p_max(eps):
    n = l3.quantum_grid_size(eps, 2.5)
    window = lambda m: math.pi * eps / (2 * math.pi / m) - 6 * math.sqrt(eps / 2)  # noqa: E731
    assert n % 16 == 0 and window(n) >= 2.5 > window(n - 16)


def test_toeplitz_hartree_conserves_and_is_normalised():
    sc = l3.toeplitz_hartree(f_in, PairInteraction.hmf(), 0.2, 0.4, 0.02, n_save=3, p_max=2.5)
    dx, dp = sc.x[1] - sc.x[0], sc.p[1] - sc.p[0]
    for q in sc.husimi:
        assert q.sum() * dx * dp == pytest.approx(1, abs=1e-6)
    assert np.ptp(sc.run.trace) < 1e-12 and sc.run.min_eigenvalue.min() > -1e-12
    # the Husimi function of the initial Töplitz state is f_in blurred by G_eps (closed form:
    # the cosine is damped by exp(-eps/2), the velocity variance grows from 0.1 to 0.1 + eps)
    xx, pp = np.meshgrid(sc.x, sc.p, indexing="ij")
    var = 0.1 + 0.2
    blurred = (1 + 0.5 * math.exp(-0.1) * np.cos(xx)) * np.exp(-(pp**2) / (2 * var))
    blurred /= 2 * math.pi * math.sqrt(2 * math.pi * var)
    assert np.max(np.abs(sc.husimi[0] - blurred)) < 1e-6 * blurred.max()


def test_hartree_to_vlasov_converges_under_the_bound():
    st = l3.hartree_to_vlasov(
        f_in,
        PairInteraction.hmf(),
        [0.2, 0.1],
        0.5,
        0.025,
        n_save=2,
        p_max=2.5,
        vlasov_grid=(64, 64, 3.0),
        exact_bins=None,
        progress=None,
    )
    assert np.all(st.w2 < st.bound)
    assert np.all(st.w2[1] < 0.7 * st.w2[0])  # halving eps: at least a rate ~0.5
    assert st.bound[0, 0] == pytest.approx(math.sqrt(2 * 0.2))


def test_wkb_velocity_converges_at_second_order_before_the_caustic():
    w = l3.wkb_study((0.1, 0.05), (0.0, 1.0), n_grid=256)
    ratio = w.error[0, -1] / w.error[1, -1]
    assert ratio == pytest.approx(4, rel=0.1)
    with pytest.raises(ValueError, match="caustic"):
        l3.wkb_study((0.1,), (0.0, 2.5))


def test_coarsen_preserves_mass():
    a = np.random.default_rng(6).random((8, 6))
    assert l3.coarsen(a).sum() * 4 == pytest.approx(a.sum())


def test_force_variance_closed_form_for_hmf():
    # rho = (1 + a cos x)/2pi, V = -cos x: F = (a/2) sin x, sigma^2 = 1/2 - a^2/8, m2 = a^2/8
    a = 0.5
    x = 2 * math.pi / 128 * np.arange(128)
    rho = (1 + a * np.cos(x)) / (2 * math.pi)
    s2, m2 = l3.force_variance(rho, PairInteraction.hmf())
    assert s2 == pytest.approx(0.5 - a**2 / 8, abs=1e-12)
    assert m2 == pytest.approx(a**2 / 8, abs=1e-12)
    with pytest.raises(ValueError, match="probability"):
        l3.force_variance(2 * rho, PairInteraction.hmf())


def test_force_variance_against_monte_carlo():
    # the proof's LLN integral ((N-1) sigma^2 + m2)/N^2 for i.i.d. positions, by sampling
    hmf = PairInteraction.hmf()
    x = 2 * math.pi / 256 * np.arange(256)
    rho = np.exp(np.cos(x - 1.0)) + 0.3 * np.exp(2 * np.cos(x + 2.0))
    rho /= rho.sum() * (x[1] - x[0])
    s2, m2 = l3.force_variance(rho, hmf)
    rng = np.random.default_rng(5)
    n, samples = 4, 200_000
    p = rho / rho.sum()
    pos = rng.choice(x, size=(samples, n), p=p)  # the grid law: the sums are then exact
    f_grid = hmf.dV(x[:, None] - x[None, :]) @ (rho * (x[1] - x[0]))
    idx = np.searchsorted(x, pos[:, 0])
    b1 = hmf.dV(pos[:, :1] - pos).mean(axis=1) - f_grid[idx]
    mc = np.mean(b1**2)
    exact = ((n - 1) * s2 + m2) / n**2
    assert abs(mc - exact) < 5 * np.std(b1**2) / math.sqrt(samples), (mc, exact)
