"""Tests of Kac's model (mfcourse.kac) against the BKW solution and the moment equations."""

from __future__ import annotations

import numpy as np
import pytest

from mfcourse import kac

V = np.linspace(-14, 14, 5601)


def _l1(f, g):
    return np.trapezoid(np.abs(f - g), V)


def test_bkw_is_a_unit_energy_density_solving_the_m4_equation():
    for t in (0.0, 1.0, 5.0):
        f = kac.bkw_density(V, t, lam=2.0, K0=0.4)
        assert f.min() >= 0
        assert np.trapezoid(f, V) == pytest.approx(1, abs=1e-12)
        assert np.trapezoid(V**2 * f, V) == pytest.approx(1, abs=1e-12)
        K = kac.bkw_K(t, 2.0, 0.4)
        m4 = np.trapezoid(V**4 * f, V)  # quadrature, independent of the closed forms
        assert m4 == pytest.approx(kac.m4_exact(t, 1.0, 6 * 0.4 - 3 * 0.4**2, lam=2.0), rel=1e-10)
        assert m4 == pytest.approx(6 * K - 3 * K**2, rel=1e-10)


def test_moment_equations_reproduce_closed_forms():
    lam, t = 1.5, np.linspace(0, 4, 5)
    m0 = [
        np.trapezoid(
            V**p
            * (
                0.3 * np.exp(-((V - 1) ** 2) / 0.5) / np.sqrt(0.5 * np.pi)
                + 0.7 * np.exp(-(V**2) / 2) / np.sqrt(2 * np.pi)
            ),
            V,
        )
        for p in range(9)
    ]
    m = kac.moment_equations(m0, t, lam)
    assert np.allclose(m[:, 0], 1) and np.allclose(m[:, 2], m0[2], rtol=1e-12)
    assert np.allclose(m[:, 1], m0[1] * np.exp(-lam * t), rtol=1e-9)
    assert np.allclose(m[:, 4], kac.m4_exact(t, m0[2], m0[4], lam), rtol=1e-9)
    assert np.allclose(m[:, 3], m0[3] * np.exp(-lam * t), rtol=1e-9)  # odd moments just decay


@pytest.mark.parametrize("K0", [0.4, 0.6])
def test_spectral_solver_matches_bkw(K0):
    lam = 1.0
    solver = kac.BoltzmannKacSolver(lambda v: kac.bkw_density(v, 0, lam, K0), lam, P=48)
    times = np.array([0.0, 0.5, 2.0, 8.0, 30.0])
    solver.solve(times)
    errs = [_l1(solver.density(V, k), kac.bkw_density(V, t, lam, K0)) for k, t in enumerate(times)]
    assert max(errs) <= 1e-3  # the target at modest resolution (48 Hermite modes)
    assert errs[-1] < errs[0]  # relaxation does not amplify the projection error
    # energy conserved, m4 follows its moment equation
    for k, t in enumerate(times):
        m2, m4 = solver.moments([2, 4], k)
        assert m2 == pytest.approx(1, abs=1e-10)
        assert m4 == pytest.approx(kac.m4_exact(t, 1.0, 6 * K0 - 3 * K0**2, lam), rel=1e-9)


def test_spectral_solver_resolution_study():
    """The projection error falls geometrically in the number of modes (rate 1 - K0 per pair)."""
    K0 = 0.5
    errs = [
        kac.BoltzmannKacSolver(lambda v: kac.bkw_density(v, 0, 1.0, K0), P=P).projection_error
        for P in (8, 16, 24)
    ]
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] / errs[1] < 0.5**3


def test_spectral_solver_general_data_moments_and_equilibrium():
    def f0(v):  # two bumps, not centred, energy != 1
        g = lambda m, s: np.exp(-((v - m) ** 2) / (2 * s**2)) / np.sqrt(2 * np.pi * s**2)  # noqa: E731
        return 0.5 * g(-1.5, 0.6) + 0.5 * g(2.0, 0.7)

    # narrow bumps (variance / energy ~ 0.1) converge slowly in Hermite modes: ~0.9 per pair
    errs = [kac.BoltzmannKacSolver(f0, lam=1.0, P=P).projection_error for P in (80, 160)]
    assert errs[1] < 1e-4 and errs[1] < 0.2 * errs[0]
    solver = kac.BoltzmannKacSolver(f0, lam=1.0, P=160)
    times = np.array([0.0, 1.0, 3.0, 150.0])
    solver.solve(times)
    m0 = [np.trapezoid(V**p * f0(V), V) for p in range(7)]
    ref = kac.moment_equations(m0, times, 1.0)
    for k in range(times.size):
        assert np.allclose(solver.moments(range(7), k), ref[k], rtol=1e-7, atol=1e-9)
        f = solver.density(V, k)
        assert np.trapezoid(f, V) == pytest.approx(1, abs=1e-8)
    T = m0[2]
    maxwell = np.exp(-(V**2) / (2 * T)) / np.sqrt(2 * np.pi * T)
    assert _l1(solver.density(V, -1), maxwell) < 1e-6


def test_exact_monte_carlo_conserves_energy_and_counts_collisions():
    v0 = kac.sample_bkw(20_000, K0=0.4, seed=1)
    run = kac.simulate(v0, [0.0, 1.0, 2.0], lam=1.0, scheme="exact", seed=2)
    e = run.energy
    assert np.allclose(e, e[0], rtol=1e-12)
    mean = 1.0 * v0.size * 2.0 / 2
    assert abs(run.collisions - mean) < 5 * np.sqrt(mean)  # Poisson(lambda N t / 2)
    bird = kac.simulate(v0, [0.0, 2.0], lam=1.0, scheme="bird", dt=0.1, seed=2)
    assert np.allclose(bird.energy, e[0], rtol=1e-12)
    assert bird.collisions == round(v0.size * 2.0 / 2)


@pytest.mark.parametrize("scheme", ["exact", "bird", "nanbu"])
def test_monte_carlo_moments_follow_the_moment_equations(scheme):
    """Empirical m4(t) and m1(t) agree with the moment equations within 4.5 standard errors."""
    N, lam = 200_000, 1.0
    v0 = kac.sample_bkw(N, K0=0.4, seed=3) + 0.5  # shifted: m1(0) = 0.5 tests m1' = -lam m1
    times = np.array([0.0, 1.0, 3.0])
    run = kac.simulate(v0, times, lam=lam, scheme=scheme, dt=0.02, seed=4)
    m2, m4_0 = np.mean(v0**2), np.mean(v0**4)
    m4 = run.moment(4)
    expect = kac.m4_exact(times, m2, m4_0, lam)
    if scheme == "nanbu":  # Nanbu is an Euler-type scheme: its m4 obeys the discrete recursion
        factor = 1 - (-np.expm1(-lam * 0.02)) / 4  # m4 - 3 m2^2 is multiplied by this per step
        expect = 3 * m2**2 + (m4_0 - 3 * m2**2) * factor ** np.rint(times / 0.02)
    se4 = np.std(run.v**4, axis=1) / np.sqrt(N)
    assert np.all(np.abs(m4 - expect) < 4.5 * se4)
    se1 = np.std(run.v, axis=1) / np.sqrt(N)
    assert np.all(np.abs(run.moment(1) - np.mean(v0) * np.exp(-lam * times)) < 4.5 * se1)
    if scheme == "nanbu":  # energy only on average: drifts by O(1/sqrt(N)), not exactly zero
        drift = abs(run.energy[-1] - run.energy[0])
        assert 0 < drift < 5 * np.std(run.v[-1] ** 2) * np.sqrt(3.0) / np.sqrt(N)


def test_monte_carlo_histogram_matches_bkw():
    N = 400_000
    run = kac.simulate(kac.sample_bkw(N, 0.4, seed=5), [0.0, 2.0], scheme="exact", seed=6)
    edges = np.linspace(-4, 4, 41)
    hist, _ = np.histogram(run.v[-1], edges)
    centres = 0.5 * (edges[1:] + edges[:-1])
    width = edges[1] - edges[0]
    # expected counts by integrating BKW over each bin (Simpson on a fine sub-grid)
    fine = np.linspace(-4, 4, 40 * 20 + 1)
    dens = kac.bkw_density(fine, 2.0)
    expect = N * np.array(
        [np.trapezoid(dens[20 * k : 20 * k + 21], fine[20 * k : 20 * k + 21]) for k in range(40)]
    )
    chi2 = np.sum((hist - expect) ** 2 / expect)
    assert chi2 < 40 + 5 * np.sqrt(80)  # chi-square with 40 bins, 5 sigma
    assert centres.size == 40 and width > 0


def test_influence_sets_give_j_squared_over_N():
    P = kac.influence_connection_probability(2000, t=1.0, jmax=12, replicates=3000, seed=0)
    assert P[0] == P[1] == 0 and np.all(np.diff(P) >= 0)
    j = np.arange(2, 13)
    pairs = j * (j - 1) / 2
    # P ~ 1 - exp(-c * C(j,2)/N): the per-pair rate is the same at every j (within MC error)
    rate = -np.log1p(-P[2:]) / pairs
    assert rate.std() < 0.25 * rate.mean()
    assert kac.influence_connection_probability(50, t=0.0, jmax=5, replicates=10).max() == 0


def test_bad_input():
    with pytest.raises(ValueError, match="lam must be finite and > 0"):
        kac.bkw_density(V, 1.0, lam=0.0)
    with pytest.raises(ValueError, match="1/3 <= K0 <= 1"):
        kac.bkw_density(V, 1.0, K0=0.2)
    with pytest.raises(ValueError, match="scheme must be one of"):
        kac.simulate(np.zeros(10), [1.0], scheme="leapfrog")
    with pytest.raises(ValueError, match="2 to 2\\*\\*24 velocities"):
        kac.simulate(np.zeros(1), [1.0])
    with pytest.raises(ValueError, match="probability density"):
        kac.BoltzmannKacSolver(lambda v: 2 * np.exp(-(v**2) / 2) / np.sqrt(2 * np.pi))
    with pytest.raises(ValueError, match="jmax must satisfy"):
        kac.influence_connection_probability(10, 1.0, jmax=11)


# ----------------------------------------------------------------------------- issue #19
def test_kac_sphere_sampler_and_its_exact_marginal():
    from scipy import integrate, stats

    from mfcourse.chaos import kac as K

    for N in (3, 5, 40):
        pts = K.sample_kac_sphere(N, size=4000, seed=N)
        assert np.allclose((pts**2).sum(1), N), "on the sphere of energy N"
        total, _ = integrate.quad(
            lambda v, N=N: K.kac_sphere_marginal(v, N), -np.sqrt(N), np.sqrt(N)
        )
        assert abs(total - 1) < 1e-8, f"N={N}: the marginal integrates to {total}"
        cdf = np.vectorize(
            lambda x, N=N: integrate.quad(lambda v: K.kac_sphere_marginal(v, N), -np.sqrt(N), x)[0]
        )
        assert stats.kstest(pts[:, 0], cdf).pvalue > 1e-3, f"N={N}: samples vs exact marginal"
    assert np.allclose(K.kac_sphere_marginal([0.0, 1.0, -1.7], 3), 1 / (2 * np.sqrt(3)))
    v = np.linspace(-3, 3, 61)
    gauss = np.exp(-(v**2) / 2) / np.sqrt(2 * np.pi)
    errs = [np.max(np.abs(K.kac_sphere_marginal(v, N) - gauss)) for N in (50, 500)]
    assert errs[1] < errs[0] / 5, "Poincare: the marginal tends to the Gaussian like 1/N"


def test_kac_inputs_are_validated_before_work():
    from mfcourse.chaos import kac as K

    with pytest.raises(ValueError, match="v0: velocities must be finite"):
        K.simulate(np.array([1.0, np.nan, 0.0]), [0.0, 1.0])
    with pytest.raises(ValueError, match="v0: velocities must be finite"):
        K.simulate(np.array([1.0, np.inf, 0.0]), [0.0, 1.0])
    with pytest.raises(ValueError, match=r"about 5e\+12 collisions; the limit is 3e\+09"):
        K.simulate(np.ones(10), [0, 1e12])
    with pytest.raises(ValueError, match="times must be finite"):
        K.simulate(np.ones(10), [0, np.nan])
    with pytest.raises(ValueError, match="t must be finite and >= 0"):
        K.bkw_density(0.0, t=-1)
    with pytest.raises(ValueError, match="t must be finite"):
        K.bkw_density(0.0, t=np.nan)
    with pytest.raises(ValueError, match="lam must be finite"):
        K.bkw_density(0.0, t=1.0, lam=np.nan)
    with pytest.raises(ValueError, match="energy"):
        K.sample_kac_sphere(4, energy=-1.0)
