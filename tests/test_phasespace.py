"""Tests of mfcourse.phasespace against closed forms (reference-results.md, seed 001 appendix)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import eval_hermite, eval_laguerre

from mfcourse import phasespace as ps
from mfcourse.interaction import PairInteraction
from mfcourse.transport import gaussian_w2


def box(n=256, length=16.0):
    return -length / 2 + length / n * np.arange(n)


def torus(n=256):
    return 2 * math.pi / n * np.arange(n)


def ho_state(x, k, eps):
    """k-th eigenfunction of (x^2 - eps^2 d^2/dx^2)/2, normalised in L^2."""
    u = x / math.sqrt(eps)
    c = (math.pi * eps) ** -0.25 / math.sqrt(2.0**k * math.factorial(k))
    return c * eval_hermite(k, u) * np.exp(-(u**2) / 2)


def ho_wigner(x, xi, k, eps):
    h = (x**2 + xi**2) / 2
    return (-1) ** k / (math.pi * eps) * np.exp(-2 * h / eps) * eval_laguerre(k, 4 * h / eps)


def ho_husimi(q, p, k, eps):
    h = (q**2 + p**2) / 2
    return np.exp(-h / eps) * (h / eps) ** k / (2 * math.pi * eps * math.factorial(k))


@pytest.mark.parametrize("k", [0, 1, 2, 5])
@pytest.mark.parametrize("eps", [0.1, 0.4])
def test_harmonic_oscillator_wigner_and_husimi_closed_forms(k, eps):
    x = box()
    psi = ho_state(x, k, eps)
    xi, w = ps.wigner(psi, x, eps)
    X, XI = np.meshgrid(x, xi, indexing="ij")
    exact = ho_wigner(X, XI, k, eps)
    assert np.max(np.abs(w - exact)) < 1e-10 * np.max(np.abs(exact))
    p, q = ps.husimi(psi, x, eps)
    Q, P = np.meshgrid(x, p, indexing="ij")
    qex = ho_husimi(Q, P, k, eps)
    assert np.max(np.abs(q - qex)) < 1e-10 * qex.max()
    # the two Husimi routes agree: Gaussian smoothing of W on the common (every other) xi
    np.testing.assert_allclose(xi[::2], p, atol=1e-12)
    qw = ps.husimi_from_wigner(w, x, xi, eps)[:, ::2]
    assert np.max(np.abs(qw - q)) < 1e-10 * q.max()


def test_first_excited_state_negative_at_origin_and_husimi_positive():
    eps = 0.2
    x = box()
    xi, w = ps.wigner(ho_state(x, 1, eps), x, eps)
    i, j = np.argmin(np.abs(x)), np.argmin(np.abs(xi))
    assert w[i, j] == pytest.approx(-1 / (math.pi * eps), rel=1e-10)
    _, q = ps.husimi(ho_state(x, 1, eps), x, eps)
    assert q.min() > -1e-14 * q.max()


def test_wigner_integrates_to_trace_with_marginals():
    eps, x = 0.05, torus(256)
    dx = x[1] - x[0]
    rng = np.random.default_rng(3)
    # a mixed state: three coherent states with weights summing to 0.8
    qs, pss, ws = rng.uniform(1, 5, 3), rng.normal(0, 1, 3), np.array([0.3, 0.2, 0.3])
    r = ps.toeplitz_points(qs, pss, 2 * math.pi * eps * ws, x, eps)
    xi, w = ps.wigner(r, x, eps)
    dxi = xi[1] - xi[0]
    assert w.sum() * dx * dxi == pytest.approx(0.8, rel=1e-10)
    # position marginal = diagonal of the kernel
    np.testing.assert_allclose(w.sum(axis=1) * dxi, np.diag(r).real, atol=1e-10)
    # momentum marginal = |hat psi|^2 density: for a coherent state a Gaussian of var eps/2
    g = ps.coherent_state(x, 3.0, 0.7, eps)
    _, wg = ps.wigner(g, x, eps)
    marg = wg.sum(axis=0) * dx
    exact = np.exp(-((xi - 0.7) ** 2) / eps) / math.sqrt(math.pi * eps)
    assert np.max(np.abs(marg - exact)) < 1e-8 * exact.max()


def test_coherent_state_wigner_and_normalisation():
    eps, x = 0.03, torus(512)
    dx = x[1] - x[0]
    g = ps.coherent_state(x, 2.0, -0.4, eps)
    assert np.sum(np.abs(g) ** 2) * dx == pytest.approx(1, rel=1e-12)
    xi, w = ps.wigner(g, x, eps)
    X, XI = np.meshgrid(x, xi, indexing="ij")
    exact = np.exp(-((X - 2.0) ** 2 + (XI + 0.4) ** 2) / eps) / (math.pi * eps)  # seed 001 (39)
    assert np.max(np.abs(w - exact)) < 1e-10 * exact.max()


def test_husimi_at_matches_grid_husimi():
    eps, x = 0.1, torus(128)
    r = ps.toeplitz_points([1.0, 4.0], [0.5, -1.0], [math.pi * eps, math.pi * eps], x, eps)
    p, q = ps.husimi(r, x, eps)
    for i, l in [(20, 70), (64, 50), (100, 64)]:
        assert ps.husimi_at(r, x, eps, x[i], p[l]) == pytest.approx(q[i, l], rel=1e-9, abs=1e-14)


def test_toeplitz_of_point_mass_is_coherent_state():
    eps, x = 0.05, torus(256)
    r = ps.toeplitz_points([1.3], [0.6], [2 * math.pi * eps], x, eps)
    g = ps.coherent_state(x, 1.3, 0.6, eps)
    assert np.max(np.abs(r - np.outer(g, g.conj()))) < 1e-13


def test_toeplitz_of_density_has_smoothed_wigner_function():
    """Seed 001 (40): W[OP^T((2 pi eps) f)] = G_{eps/2} * f; for a Gaussian f exactly."""
    eps, x = 0.05, torus(256)
    dx = x[1] - x[0]
    p = np.linspace(-2.5, 2.5, 201)
    X, P = np.meshgrid(x, p, indexing="ij")
    s2 = 0.2
    f = np.exp(-((X - 3) ** 2 + P**2) / (2 * s2)) / (2 * math.pi * s2)
    r = ps.toeplitz_density(f, x, p, eps)
    assert np.trace(r).real * dx == pytest.approx(1, abs=1e-6)  # f's own mass on the p-window
    lam = np.linalg.eigvalsh(r * dx)
    assert lam[0] > -1e-12
    xi, w = ps.wigner(r, x, eps)
    X2, XI = np.meshgrid(x, xi, indexing="ij")
    v = s2 + eps / 2
    exact = np.exp(-((X2 - 3) ** 2 + XI**2) / (2 * v)) / (2 * math.pi * v)
    assert np.max(np.abs(w - exact)) < 1e-6 * exact.max()


def test_toeplitz_of_lebesgue_measure_is_identity_away_from_edges():
    """OP^T_eps(1) = I (seed 002 §3.2.4): here Lebesgue measure on [1, 5] x [-2, 2]."""
    eps, x = 0.05, torus(256)
    dx = x[1] - x[0]
    p = np.linspace(-2, 2, 161)
    X, P = np.meshgrid(x, p, indexing="ij")
    f = np.where((X >= 1) & (X <= 5), 1 / (2 * math.pi * eps), 0.0)
    r = ps.toeplitz_density(f, x, p, eps)
    for psi in (
        ps.coherent_state(x, 3.0, 0.5, eps),
        np.exp(-((x - 3) ** 2) / 0.2) * np.cos(5 * x),
    ):
        assert np.max(np.abs(r @ psi * dx - psi)) < 1e-6 * np.max(np.abs(psi))
    # ... and not the identity at the edge of the box
    edge = ps.coherent_state(x, 5.0, 0.0, eps)
    assert np.max(np.abs(r @ edge * dx - edge)) > 0.3 * np.max(np.abs(edge))


def gaussian(X, V, cov, mean):
    """Normalised Gaussian density on phase space with covariance ``cov`` and mean ``mean``."""
    inv = np.linalg.inv(cov)
    d = np.stack([X - mean[0], V - mean[1]], -1)
    quad = np.einsum("...i,ij,...j", d, inv, d)
    return np.exp(-quad / 2) / (2 * math.pi * math.sqrt(np.linalg.det(cov)))


def test_w2_phase_space_against_gaussian_closed_form():
    x = np.linspace(-6, 6, 241)[:-1]
    xi = np.linspace(-6, 6, 241)
    X, V = np.meshgrid(x, xi, indexing="ij")

    s1 = np.array([[0.5, 0.1], [0.1, 0.4]])
    s2 = np.array([[0.3, 0.0], [0.0, 0.6]])
    m2 = np.array([0.4, -0.3])
    exact = gaussian_w2(np.zeros(2), s1, m2, s2)
    got = ps.w2_phase_space(
        gaussian(X, V, s1, [0, 0]),
        x,
        xi,
        gaussian(X, V, s2, m2),
        x,
        xi,
        bins=(32, 32),
        xi_range=(-4, 4),
    )
    cell = math.hypot(12 / 32, 8 / 32)  # quantisation moves mass at most a cell diameter
    assert abs(got - exact) < cell
    assert abs(got - exact) < 0.1 * exact


def test_bounds_and_constants():
    eps = 0.01
    assert ps.e_eps_lower_bound(0.0, eps) == pytest.approx(math.sqrt(eps))
    assert ps.e_eps_lower_bound(1.0, eps) == pytest.approx(math.sqrt(1 - eps))
    assert ps.e_eps_upper_bound(0.3, eps) == pytest.approx(math.sqrt(0.09 + eps))
    assert ps.mk2_eps_floor(eps, d=3) == pytest.approx(math.sqrt(6 * eps))
    hmf = PairInteraction.hmf()
    assert ps.gamma_constant(hmf.lip_grad) == pytest.approx(1 + 2 * max(1, 2 * hmf.lip_grad**2))
    t = np.array([0.0, 1.0])
    b = ps.theorem35_bound(t, eps, interaction=hmf)
    assert b[0] == pytest.approx(math.sqrt(2 * eps))  # d eps (1 + e^0)
    gam = ps.gamma_constant(hmf.lip_grad)
    assert b[1] == pytest.approx(math.sqrt(eps * (1 + math.exp(gam))))
    bn = ps.theorem35_bound(1.0, eps, interaction=hmf, n_particles=11)
    mf = (2 * hmf.sup_grad) ** 2 / 10 * (math.exp(gam) - 1) / gam
    assert bn == pytest.approx(math.sqrt(eps * (1 + math.exp(gam)) + mf))
    # the lower bound never exceeds the Töplitz upper bound when W2 values agree
    assert ps.e_eps_lower_bound(0.2, eps) <= ps.e_eps_upper_bound(0.2, eps)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("eps", [0.0, -0.1, float("nan"), "a"])
def test_bad_epsilon(eps):
    with pytest.raises(ValueError, match="eps"):
        ps.wigner(np.ones(64), torus(64), eps)


def test_grid_too_coarse_for_eps():
    with pytest.raises(ValueError, match=r"too coarse.*n >= \d+"):
        ps.wigner(np.ones(32), torus(32), 0.001)
    with pytest.raises(ValueError, match="p-grid too coarse"):
        x = torus(256)
        p = np.linspace(-1, 1, 11)
        ps.toeplitz_density(np.ones((256, 11)), x, p, 0.05)
    with pytest.raises(ValueError, match="beyond what the x-grid holds"):
        x = torus(128)
        p = np.linspace(-4, 4, 161)
        ps.toeplitz_density(np.ones((128, 161)), x, p, 0.05)


def test_non_hermitian_and_non_positive_density_matrices():
    eps, x = 0.1, torus(64)
    dx = x[1] - x[0]
    g = ps.coherent_state(x, 2.0, 0.0, eps)
    r = np.outer(g, g.conj())
    bad = r.copy()
    bad[3, 5] += 0.5
    with pytest.raises(ValueError, match="not Hermitian"):
        ps.wigner(bad, x, eps)
    h = ps.coherent_state(x, 4.0, 0.0, eps)
    with pytest.raises(ValueError, match=r"not positive: smallest eigenvalue -0\.5"):
        ps.husimi(r - 0.5 * np.outer(h, h.conj()), x, eps)
    with pytest.raises(ValueError, match="positive trace"):
        ps.wigner(-r, x, eps)
    with pytest.raises(ValueError, match=r"kernel \(n, n\), got \(3, 4\)"):
        ps.wigner(np.ones((3, 4)), x, eps)
    assert np.trace(r).real * dx == pytest.approx(1)


def test_w2_linearized_against_closed_forms():
    """Gaussians (closed form) on R x R, and a pure momentum shift on T x R (W2 = shift)."""
    x = np.linspace(-6, 6, 129)[:-1]
    xi = np.linspace(-6, 6, 129)
    X, V = np.meshgrid(x, xi, indexing="ij")

    s1 = np.array([[0.5, 0.1], [0.1, 0.4]])
    for e in (0.1, 0.01):  # f against its Gaussian smoothing: W2 = O(e), not O(sqrt e)
        exact = gaussian_w2(np.zeros(2), s1, np.zeros(2), s1 + e * np.eye(2))
        got = ps.w2_linearized(
            gaussian(X, V, s1, [0, 0]), gaussian(X, V, s1 + e * np.eye(2), [0, 0]), x, xi
        )
        assert abs(got / exact - 1) < 0.01, (e, got, exact)
    xt = 2 * math.pi / 64 * np.arange(64)
    v = np.linspace(-5, 5, 101)
    XT, VT = np.meshgrid(xt, v, indexing="ij")
    f = (1 + 0.5 * np.cos(XT)) * np.exp(-(VT**2) / 2)
    g = (1 + 0.5 * np.cos(XT)) * np.exp(-((VT - 0.05) ** 2) / 2)
    got = ps.w2_linearized(f, g, xt, v, period=2 * math.pi)
    assert abs(got - 0.05) < 1e-3 * 0.05
    with pytest.raises(ValueError, match="period"):
        ps.w2_linearized(f, g, xt, v, period=3.0)
    with pytest.raises(ValueError, match="non-negative"):
        ps.w2_linearized(-f, g, xt, v)


def test_w2_linearized_agrees_with_exact_solver_at_resolvable_distances():
    """Torus x R: a density against its smoothing plus a shift, W2 ~ 0.3 >> quantisation cells."""
    xt = 2 * math.pi / 64 * np.arange(64)
    v = np.linspace(-4, 4, 81)
    XT, VT = np.meshgrid(xt, v, indexing="ij")
    f = (1 + 0.5 * np.cos(XT)) * np.exp(-(VT**2) / (2 * 0.5))
    g = (1 + 0.5 * np.cos(XT - 0.3)) * np.exp(-((VT - 0.2) ** 2) / (2 * 0.6))
    lin = ps.w2_linearized(f, g, xt, v, period=2 * math.pi)
    # the exact solver on quantised measures overestimates by a bias that shrinks with the cells
    # (measured: 0.344, 0.268, 0.251, 0.247 for 16x20 ... 64x64 cells; linearised 0.2376)
    coarse = ps.w2_phase_space(f, xt, v, g, xt, v, period=2 * math.pi, bins=(16, 20))
    fine = ps.w2_phase_space(f, xt, v, g, xt, v, period=2 * math.pi, bins=(32, 40))
    assert lin < fine < coarse, (lin, fine, coarse)
    assert fine - lin < 0.15 * lin, (lin, fine)


def test_resample_phase_space_is_exact_for_band_limited_x():
    x = 2 * math.pi / 48 * np.arange(48)
    xn = 2 * math.pi / 128 * np.arange(128)
    xi = np.linspace(-4, 4, 161)
    xin = np.linspace(-3, 3, 97)

    def func(xx, vv):
        return (1 + 0.3 * np.cos(xx) + 0.2 * np.sin(3 * xx)) * np.exp(-(vv**2) / 2)

    w = func(*np.meshgrid(x, xi, indexing="ij"))
    out = ps.resample_phase_space(w, x, xi, xn, xin, period=2 * math.pi)
    exact = func(*np.meshgrid(xn, xin, indexing="ij"))
    assert np.max(np.abs(out - exact)) < 1e-5
    back = ps.resample_phase_space(exact, xn, xin, x, xin, period=2 * math.pi)
    assert np.max(np.abs(back - func(*np.meshgrid(x, xin, indexing="ij")))) < 1e-12


def test_bad_symbols_and_constants():
    x = torus(64)
    with pytest.raises(ValueError, match="weights must be finite and >= 0"):
        ps.toeplitz_points([1.0], [0.0], [-1.0], x, 0.1)
    with pytest.raises(ValueError, match=r"f must be finite and >= 0"):
        ps.toeplitz_density(-np.ones((64, 41)), x, np.linspace(-1, 1, 41), 0.1)
    with pytest.raises(ValueError, match="give interaction= or both"):
        ps.theorem35_bound(1.0, 0.1, lip_grad=1.0)
    with pytest.raises(ValueError, match="n_particles"):
        ps.theorem35_bound(1.0, 0.1, lip_grad=1.0, sup_grad=1.0, n_particles=1)
    with pytest.raises(ValueError, match="uniform"):
        ps.wigner(np.ones(64), np.sort(np.random.default_rng(1).random(64)) * 6, 0.1)


# ----------------------------------------------------------------------------- issue #19
def test_wigner_reports_states_wider_than_half_the_box():
    """A state whose coherences reach beyond L/2 was silently mangled by the shorter-arc rule."""
    import warnings

    eps = 0.05
    x = np.linspace(-2.0, 2.0, 256, endpoint=False)  # a box of length 4
    wide = np.exp(-(x**2) / (2 * 0.9**2)) + 0j  # a packet of width 0.9: coherent over ~4
    with pytest.warns(RuntimeWarning, match=r"use a box of length >= "):
        ps.wigner(wide, x, eps)
    with pytest.raises(ValueError, match=r"beyond half the box"):
        ps.wigner(wide, x, eps, periodic=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ps.wigner(wide, x, eps, periodic=True)  # a state on the circle: the shorter arc is right
        # in a box twice as long (same spacing) the same packet is fine and W is its closed form
        x2 = np.linspace(-6.0, 6.0, 768, endpoint=False)
        psi = np.exp(-(x2**2) / (2 * 0.9**2)) / (np.pi * 0.9**2) ** 0.25
        xi, w = ps.wigner(psi, x2, eps)
    s2 = 0.9**2 / 2  # position variance of |psi|^2; momentum variance eps^2 / (4 s2)
    exact = np.exp(-(x2[:, None] ** 2) / (2 * s2) - xi[None, :] ** 2 / (2 * eps**2 / (4 * s2)))
    exact /= 2 * np.pi * np.sqrt(s2 * eps**2 / (4 * s2))
    assert np.max(np.abs(w - exact)) < 1e-4 * np.max(exact), "the packet's Wigner function"


def test_transforms_refuse_bad_values_and_oversize_grids():
    x = np.linspace(-np.pi, np.pi, 64, endpoint=False)
    psi = np.exp(-(x**2)) + 0j
    psi[3] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        ps.wigner(psi, x, 0.1)
    with pytest.raises(ValueError, match="zero"):
        ps.wigner(np.zeros(64, dtype=complex), x, 0.1)
    big = np.linspace(-np.pi, np.pi, 200_000, endpoint=False)
    with pytest.raises(ValueError, match=r"GiB .* the limit is 4 GiB, n <= 5792"):
        ps.wigner(np.ones(200_000, dtype=complex), big, 0.1)
    with pytest.raises(ValueError, match="limit is 4 GiB"):
        ps.husimi(np.ones(200_000, dtype=complex), big, 0.1)
