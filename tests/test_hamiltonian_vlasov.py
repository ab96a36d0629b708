"""Tests of mfcourse.classical.hamiltonian_vlasov and mfcourse.course.lecture6 (issue #16).

References: exact free transport, the Vlasov solver of the course (|alpha|^2 must solve Vlasov),
the velocity Fourier transform (HVl <-> HHt), conservation laws, time reversibility of the
leapfrog map, and the N = 2 value of Pickl's functional computed by quadrature against the
Monte Carlo estimator.
"""

from __future__ import annotations

import numpy as np
import pytest

from mfcourse.classical import hamiltonian_vlasov as hv
from mfcourse.classical import newton
from mfcourse.classical.newton import CosineMaxwellian
from mfcourse.classical.vlasov import PhaseGrid, VlasovSolver
from mfcourse.course import lecture6
from mfcourse.interaction import PairInteraction

H = PairInteraction.hmf(1.0)
ROOT = hv.ComplexRoot(CosineMaxwellian(amplitude=0.5, temperature=0.4), kappa=1.0, eta=0.5)


def l2(a, b, g):
    return float(np.sqrt(np.sum(np.abs(a - b) ** 2) * g.dx * g.dv))


# ------------------------------------------------------------------ transforms and data
def test_velocity_fourier_is_unitary_and_inverts():
    g = PhaseGrid(16, 64, 6.0)
    a = hv.check_alpha(ROOT, g)
    b = hv.velocity_fourier(a, g)
    dxi = np.pi / g.v_max
    assert np.sum(np.abs(b) ** 2) * dxi == pytest.approx(np.sum(np.abs(a) ** 2) * g.dv, rel=1e-12)
    assert np.max(np.abs(hv.inverse_velocity_fourier(b, g) - a)) < 1e-13


def test_velocity_fourier_of_gaussian_matches_closed_form():
    # alpha = exp(-v^2/2 + i k v): (2 pi)^(-1/2) int alpha e^{-i v xi} dv = exp(-(xi - k)^2/2)
    g = PhaseGrid(8, 128, 10.0)
    X, V = g.mesh()
    a = np.exp(-(V**2) / 2 + 1j * 1.5 * V)
    xi = hv.xi_grid(g)
    expected = np.exp(-((xi - 1.5) ** 2) / 2)[None, :] * np.ones((8, 1))
    assert np.max(np.abs(hv.velocity_fourier(a, g) - expected)) < 1e-12


def test_current_equals_xi_moment_and_kappa_rho():
    g = PhaseGrid(32, 128, 6.0)
    a = hv.check_alpha(ROOT, g)
    rho = np.sum(np.abs(a) ** 2, axis=1) * g.dv
    j = hv.current(a, g)
    # theta = (kappa + eta sin x) v  =>  j = (kappa + eta sin x) rho
    assert np.max(np.abs(j - (1.0 + 0.5 * np.sin(g.x)) * rho)) < 1e-10
    b = hv.velocity_fourier(a, g)
    J = np.sum(np.abs(b) ** 2 * hv.xi_grid(g)[None, :], axis=1) * np.pi / g.v_max
    assert np.max(np.abs(J - j)) < 1e-10


def test_hamiltonian_closed_form():
    # H_Vl(alpha0) = eta a (T/4 - 1/8) for the lecture's data (see lecture 6, Problem 6.2)
    g = PhaseGrid(32, 128, 6.0)
    val = hv.hamiltonian_vl(hv.check_alpha(ROOT, g), g, H)
    assert val == pytest.approx(0.5 * 0.5 * (0.4 / 4 - 1 / 8), abs=1e-10)


@pytest.mark.parametrize(
    "bad, match",
    [
        (lambda X, V: 0 * X, "not normalisable"),
        (lambda X, V: np.exp(-(V**2) / 2) * np.nan, "finite"),
        (lambda X, V: np.exp(-(V**2) / 2) * np.exp(1j * 7 * X), "too coarse"),
        (lambda X, V: np.exp(-((V - 5.8) ** 2)), "velocity box"),
    ],
)
def test_bad_alpha_is_rejected(bad, match):
    with pytest.raises(ValueError, match=match):
        hv.check_alpha(bad, PhaseGrid(16, 32, 6.0))


def test_bad_input_rejected_before_work():
    g = PhaseGrid(16, 32, 6.0)
    with pytest.raises(ValueError, match="N must be >= 1"):
        hv.pickl_monte_carlo(ROOT, np.ones((16, 32)), g, H, 0, 1.0, 0.1, samples=4, seed=0)
    with pytest.raises(ValueError, match="samples"):
        hv.pickl_monte_carlo(ROOT, np.ones((16, 32)), g, H, 4, 1.0, 0.1, samples=1, seed=0)
    with pytest.raises(ValueError, match="not normalisable"):
        hv.pickl_monte_carlo(ROOT, np.zeros((16, 32)), g, H, 4, 1.0, 0.1, samples=4, seed=0)
    with pytest.raises(ValueError, match="grid too coarse"):
        hv.HamiltonianVlasovSolver(PhaseGrid(8, 16, 6.0), PairInteraction({5: 1.0}), 0.1)
    with pytest.raises(ValueError, match="stride"):
        hv.quadrature_nodes(g, (3, 1))
    with pytest.raises(ValueError, match="N must be"):
        hv.neiss_pickl_interaction(H, 0)
    with pytest.raises(ValueError, match="kappa"):
        hv.ComplexRoot(ROOT.density, kappa=np.inf)
    with pytest.raises(ValueError, match="lambda"):
        hv.theorem_4_8_rate(10, 1.0)


# ------------------------------------------------------------------ solvers
def test_free_transport_is_exact():
    g = PhaseGrid(32, 128, 8.0)
    free = PairInteraction({1: 0.0})
    t = 1.3
    for interp in ("cubic", "spectral"):
        r = hv.HamiltonianVlasovSolver(g, free, 0.1, interpolation=interp).run(ROOT, [0.0, t])
        X, V = g.mesh()
        exact = ROOT(X - V * t, V)
        assert l2(r.alpha[-1], exact, g) < (1e-3 if interp == "cubic" else 1e-10)
    rh = hv.HamiltonianHartreeSolver(g, free, 0.1).run(ROOT, [0.0, t])
    assert l2(rh.alpha[-1], exact, g) < 1e-10


def test_modulus_squared_solves_vlasov():
    """|alpha|^2 agrees with the course's Vlasov solver, and the gap shrinks with the grid."""
    gaps = []
    for nx, nv, dt in ((32, 64, 0.1), (64, 128, 0.05)):
        g = PhaseGrid(nx, nv, 6.0)
        r = hv.HamiltonianVlasovSolver(g, H, dt).run(ROOT, [0.0, 1.5])
        f = VlasovSolver(g, H, dt).run(ROOT.density, [0.0, 1.5]).f[-1]
        gaps.append(float(np.sum(np.abs(r.f[-1] - f)) * g.dx * g.dv))
    assert gaps[1] < 1e-4
    assert gaps[1] < gaps[0] / 3


def test_phase_term_changes_only_the_phase():
    g = PhaseGrid(32, 64, 6.0)
    a = hv.HamiltonianVlasovSolver(g, H, 0.1, interpolation="spectral").run(ROOT, [0, 2.0])
    b = hv.HamiltonianVlasovSolver(g, H, 0.1, interpolation="spectral", phase_term=False).run(
        ROOT, [0, 2.0]
    )
    # equal moduli up to the interpolation error (|interp(alpha)| is not interp(|alpha|))
    assert np.max(np.abs(np.abs(a.alpha[-1]) - np.abs(b.alpha[-1]))) < 1e-4
    overlap = abs(np.vdot(a.alpha[-1], b.alpha[-1]) * g.dx * g.dv)
    assert overlap < 0.98  # but the states differ: the phase is not a global constant


def test_hvl_and_hht_agree_and_converge():
    g = PhaseGrid(32, 64, 6.0)
    d = []
    for dt in (0.1, 0.05):
        a = hv.HamiltonianVlasovSolver(g, H, dt, interpolation="spectral").run(ROOT, [0, 1.5])
        b = hv.HamiltonianHartreeSolver(g, H, dt).run(ROOT, [0, 1.5])
        d.append(l2(a.alpha[-1], b.alpha[-1], g))
    assert d[1] < 2e-4
    assert 3.0 < d[0] / d[1] < 5.0  # second order in dt: the two splittings differ at O(dt^2)


def test_conservation_laws():
    g = PhaseGrid(64, 128, 6.0)
    spec = hv.HamiltonianVlasovSolver(g, H, 0.05, interpolation="spectral").run(ROOT, [0, 1, 2])
    hht = hv.HamiltonianHartreeSolver(g, H, 0.05).run(ROOT, [0, 1, 2])
    for r in (spec, hht):
        d = r.drift
        assert d["norm2"] < 1e-12  # unitary steps
        assert d["momentum"] < 1e-12
        assert d["energy"] < 1e-4  # the Vlasov energy of f = |alpha|^2
        assert d["hamiltonian"] < 1e-4  # H_Vl, relative to the energy scale
    assert spec.norm2[0] == pytest.approx(1.0, abs=1e-8)


# ------------------------------------------------------------------ N-body and Pickl
def test_backward_flow_inverts_newton_leapfrog():
    rng = np.random.default_rng(3)
    for N in (1, 2, 7):
        x, v = ROOT.sample(N, rng)
        Hn = hv.neiss_pickl_interaction(H, N)
        xf, vf = newton.leapfrog(x, v, Hn, 0.05, 30) if N > 1 else (x + 1.5 * v, v)
        y, u = hv.nbody_backward(xf[None, :], vf[None, :], H, 0.05, 30)
        assert np.max(np.abs(y[0] - x)) < 1e-11 and np.max(np.abs(u[0] - v)) < 1e-11


def test_neiss_pickl_scaling_matches_pair_sum():
    x = np.array([0.1, 1.0, 2.5, 4.0])
    Hn = hv.neiss_pickl_interaction(H, 4)
    direct = np.array([-sum(H.dV(xi - xj) for xj in x if xj != xi) / 3 for xi in x])
    assert np.allclose(Hn.force(x), direct, atol=1e-14)


def test_product_state_has_zero_beta_at_time_zero():
    g = PhaseGrid(32, 64, 6.0)
    a0 = hv.check_alpha(ROOT, g)
    ex = hv.pickl_exact_two(ROOT, a0, g, H, 0.0, 0.1, stride=(2, 2))
    assert abs(ex["q1"][0]) < 1e-12 and abs(ex["p1p2"][0] - 1) < 1e-12
    mc = hv.pickl_monte_carlo(ROOT, a0, g, H, 5, 0.0, 0.1, samples=3, seed=0, stride=(2, 2))
    assert np.max(np.abs(mc.draws)) < 1e-12


def test_exact_two_matches_monte_carlo():
    """Pickl's functional for N = 2: quadrature in both particles vs the unbiased estimator."""
    runs = lecture6.mean_field_runs([0.0, 1.5], nx=32, nv=64)
    H6, root, g, dt = lecture6.setup(nx=32, nv=64)
    refs = [runs.hvl_spectral.alpha[-1], runs.hvl_no_phase.alpha[-1]]
    ex = hv.pickl_exact_two(root, refs, g, H6, 1.5, dt, stride=(2, 2))
    mc = hv.pickl_monte_carlo(root, refs, g, H6, 2, 1.5, dt, samples=300, seed=5, stride=(2, 2))
    for i in range(2):
        assert 0.05 < ex["q1"][i] < 0.95
        assert abs(mc.mean[i] - ex["q1"][i]) < 4 * mc.stderr[i], (mc.mean, mc.stderr, ex["q1"])
    # p1 p2 <= p1 in expectation: <q1> <= 1 - <p1 p2>
    assert all(q <= 1 - p + 1e-12 for q, p in zip(ex["q1"], ex["p1p2"], strict=True))


def test_exact_two_converges_with_the_quadrature():
    runs = lecture6.mean_field_runs([0.0, 1.0], nx=32, nv=64)
    H6, root, g, dt = lecture6.setup(nx=32, nv=64)
    vals = [
        hv.pickl_exact_two(root, runs.hvl_spectral.alpha[-1], g, H6, 1.0, dt, stride=s)["q1"][0]
        for s in ((2, 2), (1, 2))
    ]
    assert abs(vals[0] - vals[1]) < 1e-3 * vals[1]


def test_fit_rate_with_correction_recovers_exponent():
    rng = np.random.default_rng(1)
    N = np.array([8, 16, 32, 64, 128, 256])
    y = 3.0 / N * (1 - 2.0 / N) * (1 + 0.03 * rng.standard_normal(N.size))
    p, dp, c, b = lecture6.fit_rate(N, y, 0.03 * y, correction=True)
    assert abs(p + 1) < 3 * dp and dp < 0.15


def test_fit_rate_recovers_a_power_law():
    rng = np.random.default_rng(0)
    N = np.array([8, 16, 32, 64, 128, 256])
    y = 2.0 / N * (1 + 0.02 * rng.standard_normal(N.size))
    p, dp, c = lecture6.fit_rate(N, y, 0.02 * y)
    assert abs(p + 1) < 3 * dp and dp < 0.05 and c == pytest.approx(2.0, rel=0.1)
    with pytest.raises(ValueError):
        lecture6.fit_rate(N, -y, y)


def test_theorem_rate_and_optimal_lambda():
    lam, p = lecture6.optimal_lambda()
    N = np.geomspace(10, 1e6, 5)
    assert np.allclose(hv.theorem_4_8_rate(N, lam), 2 * N ** (-0.2))
    # the decay exponent min(lambda, (1 - lambda)/4) is largest at lambda = 1/5
    for other in (0.0, 0.1, 0.3, 0.9):
        assert min(other, (1 - other) / 4) < min(lam, (1 - lam) / 4)
    assert p == pytest.approx(-0.2)


def test_explorer_builds_and_scrubs():
    pytest.importorskip("ipywidgets")
    runs = lecture6.mean_field_runs([0.0, 0.5, 1.0], nx=32, nv=64)
    box = lecture6.phase_space_explorer(runs)
    assert "mfcourse-dashboard" in box._dom_classes


def test_lemma_4_4_and_the_cancellations_for_two_particles():
    """d beta_2/dt (central differences of the exact N = 2 values) equals Lemma 4.4's right-hand
    side; the surviving terms add up to it; the mean-field and exchange terms vanish."""
    times = np.array([0.0, 0.9, 1.0, 1.1])
    runs = lecture6.mean_field_runs(times, nx=32, nv=64)
    H6, root, g, dt = lecture6.setup(nx=32, nv=64)
    d = hv.lemma_4_4_two(root, runs.hvl_spectral.alpha[2], g, H6, 1.0, dt, stride=(2, 2))
    b = [
        hv.pickl_exact_two(root, runs.hvl_spectral.alpha[k], g, H6, times[k], dt, stride=(2, 2))[
            "q1"
        ][0]
        for k in (1, 3)
    ]
    fd = (b[1] - b[0]) / 0.2
    assert abs(d["rhs"] - fd) < 0.05 * abs(fd), (d["rhs"], fd)
    assert abs(d["two_leave"] + d["one_leaves"] - d["rhs"]) < 1e-10 * abs(d["rhs"])
    assert d["mean_field_term"] < 1e-10 * d["mean_field_part"]
    assert abs(d["exchange"]) < 1e-10 * d["exchange_size"]
