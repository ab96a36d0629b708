"""Tests of mfcourse.classical.sheets: the exact sheet integrator against independent references
(pair sums, brute-force time stepping, conservation laws, closed-form breaking), cold
Euler–Poisson, the modulated-energy identity, and agreement with the Vlasov–Poisson solver."""

import math

import numpy as np
import pytest

from mfcourse.classical import sheets as sh
from mfcourse.classical import vlasov as vl
from mfcourse.course import lecture7 as l7

L = 2 * np.pi


def test_counting_field_equals_pair_sum():
    rng = np.random.default_rng(0)
    for n, length in ((1, L), (2, 3.0), (300, 5.0)):
        x = rng.uniform(-length, 2 * length, n)
        K = sh.pair_force(x[:, None] - x[None, :], length)
        np.fill_diagonal(K, 0.0)
        direct = (length / n) * K.sum(axis=1)
        assert np.allclose(sh.sheet_field(x, length), direct, atol=1e-12)


def test_field_energy_equals_green_function_pair_sum():
    # (1/2) int E^2 = (q^2/2) sum_{i,j} G(x_i - x_j), G(x) = x^2/2L - |x|/2 + L/12 on [-L/2, L/2]
    rng = np.random.default_rng(1)
    for n, length in ((1, L), (40, L), (300, 3.0)):
        x = rng.uniform(0, 3 * length, n)
        d = x[:, None] - x[None, :]
        d -= length * np.round(d / length)
        G = d * d / (2 * length) - np.abs(d) / 2 + length / 12
        q = length / n
        assert sh.field_energy(x, length) == pytest.approx(0.5 * q * q * G.sum(), rel=1e-12)


def test_energy_conserved_to_round_off_through_many_crossings():
    rng = np.random.default_rng(2)
    x, v = sh.sort_sheets(rng.uniform(0, L, 500), rng.standard_normal(500), L)
    m = sh.SheetModel(x, v, L)
    e0 = m.energy()
    run = m.run(np.linspace(0, 5, 11))
    assert run.crossings[-1] > 10_000
    drift = max(abs(sh.sheet_energy(a, b, L) - e0) for a, b in zip(run.x, run.v, strict=True))
    assert drift / e0 < 1e-12
    assert abs(np.mean(run.v[-1]) - np.mean(v)) < 1e-13  # momentum


def test_agrees_with_brute_force_time_stepping():
    rng = np.random.default_rng(3)
    x, v = sh.sort_sheets(rng.uniform(0, L, 30), rng.standard_normal(30), L)
    run = sh.SheetModel(x, v, L).run([0.7])
    X, V, dt = x.copy(), v.copy(), 2e-5
    for _ in range(35_000):  # leapfrog on the counting force, first order at crossings
        V += 0.5 * dt * sh.sheet_field(X, L)
        X += dt * V
        V += 0.5 * dt * sh.sheet_field(X, L)
    assert run.crossings[-1] > 20
    assert sh.circle_w1(run.x[0], X, L) < 1e-4
    assert np.max(np.abs(np.sort(run.v[0]) - np.sort(V))) < 1e-3


def test_exactly_periodic_at_plasma_frequency_before_crossing():
    for background in (1.0, 2.5):
        ep = sh.ColdEulerPoisson.standing_wave(0.9, background=background)
        x0, v0 = ep.sample(0.0, 777)
        period = 2 * np.pi / math.sqrt(background)
        run = sh.SheetModel(x0, v0, L, background=background).run([0.5 * period, period])
        assert run.crossings[-1] == 0
        d = run.x[1] - np.mod(x0, L)
        d -= L * np.round(d / L)
        assert np.max(np.abs(d)) < 1e-12 and np.max(np.abs(run.v[1] - v0)) < 1e-12
        # and it is not trivially periodic: at half period the velocity is reversed
        assert np.max(np.abs(run.v[0] + v0)) < 1e-12 and np.max(np.abs(v0)) > 0.5


def test_sheets_are_the_lagrangian_solution_before_breaking():
    ep = sh.ColdEulerPoisson.standing_wave(1.3, mode=2)
    t_star = ep.breaking_time()
    assert t_star == pytest.approx(math.asin(1 / (2 * 1.3)), rel=1e-7)  # 2^16 labels
    x0, v0 = ep.sample(0.0, 1000)
    times = np.linspace(0, 0.99 * t_star, 5)
    run = sh.SheetModel(x0, v0, L).run(times)
    assert run.crossings[-1] == 0
    for j, t in enumerate(times):
        X, V = ep.sample(t, 1000)
        d = run.x[j] - X
        assert np.max(np.abs(d - L * np.round(d / L))) < 1e-12
        assert np.max(np.abs(run.v[j] - V)) < 1e-12


def test_dawson_breaking_threshold():
    # continuum: k D = 1; N sheets: the closed form of breaking_threshold, found by bisection
    # on the integrator's first recorded crossing
    for n in (64, 1024):
        found, exact = l7.breaking_threshold(n, tol=1e-9)
        assert found == pytest.approx(exact, abs=2e-9)
        assert 1.0 < found < 1.0 + 2.0 / n**2 * 10
    ep = sh.ColdEulerPoisson.standing_wave(1.1)
    run = sh.SheetModel(*ep.sample(0.0, 4096), L).run([1.3])
    assert run.first_crossing == pytest.approx(ep.breaking_time(), abs=1e-3)
    assert sh.ColdEulerPoisson.standing_wave(0.999).breaking_time() == math.inf


def test_modulated_energy_identity_and_gronwall():
    ep = sh.ColdEulerPoisson.standing_wave(1.2)
    x0, v0 = l7.initial_sheets(ep, 512, "iid", seed=4)
    t, dt = 0.5, 1e-4
    run = sh.SheetModel(x0, v0, L).run([t - dt, t, t + dt])
    snaps = zip(run.x, run.v, run.times, strict=True)
    H = [sum(sh.modulated_energy(a, b, ep, s)) for a, b, s in snaps]
    terms = sh.modulated_energy_terms(run.x[1], run.v[1], ep, t)
    assert terms["rate"] == pytest.approx((H[2] - H[0]) / (2 * dt), rel=1e-5)
    assert abs(terms["rate"]) <= terms["bound"]
    # quantile placement: H = L^3/(24 N^2) (a sawtooth field error of jump q in every gap)
    xq, vq = l7.initial_sheets(ep, 1000, "quantile")
    assert sum(sh.modulated_energy(xq, vq, ep, 0.0)) == pytest.approx(L**3 / 24e6, rel=1e-6)


def test_circle_w1_against_exact_transport():
    from mfcourse import transport as tr

    rng = np.random.default_rng(5)
    for length in (L, 3.0):
        x, y = rng.uniform(0, length, 60), rng.uniform(0, length, 60)
        P = np.column_stack([x, np.zeros(60)])
        Q = np.column_stack([y, np.zeros(60)])
        exact = tr.w1(P, Q, periodic=(0,), period=length)
        assert sh.circle_w1(x, y, length) == pytest.approx(exact, abs=1e-10)
    # far from the seam the circle does not matter: a shift by 0.3 costs 0.3
    x = rng.uniform(0, 1, 50)
    assert sh.circle_w1(x, x + 0.3, 100.0) == pytest.approx(0.3, abs=1e-12)


def test_warm_sheets_agree_with_vlasov_poisson():
    """Landau damping seen by N sheets: the field mode follows the Vlasov–Poisson solver within
    the sampling noise (|E_1| fluctuates by about 1/(k sqrt N) for i.i.d. sheets)."""
    k, a, n = 0.5, 0.2, 4000
    g = vl.PhaseGrid(64, 64, 6.0, 2 * np.pi / k)
    times = np.arange(0, 4.01, 0.5)
    res = vl.solve(vl.landau_initial(g, k, a), g, "poisson", times, 0.1)
    vp = np.abs(res.field1[np.searchsorted(res.t, times - 1e-9)])
    x0, v0 = l7.landau_sheets(n, k, a, seed=6)
    run = sh.SheetModel(x0, v0, g.length).run(times)
    sheets = np.array([abs(l7._field_mode(x, g.length, k)) for x in run.x])
    noise = 1 / (k * math.sqrt(n))
    assert np.max(np.abs(sheets - vp)) < 3 * noise
    assert vp[0] > 5 * vp[-1] and sheets[0] > 2 * sheets[-1]  # both have damped


def test_bad_input_raises_before_work():
    with pytest.raises(ValueError, match="sorted"):
        sh.SheetModel([0.0, 2.0, 1.0], [0, 0, 0], L)
    with pytest.raises(ValueError, match="not neutral"):
        sh.SheetModel([0.0, 1.0], [0, 0], L, background=1.0, charge=1.0)
    with pytest.raises(ValueError, match="N >= 1"):
        sh.SheetModel([], [], L)
    with pytest.raises(ValueError, match="N >= 1"):
        sh.sheet_field([], L)
    with pytest.raises(ValueError, match="NaN"):
        sh.sheet_field([0.0, np.nan], L)
    with pytest.raises(ValueError, match="background"):
        sh.sheet_field([0.0, 1.0], L, background=-1.0)
    with pytest.raises(ValueError, match="multi-streamed"):
        sh.ColdEulerPoisson(  # xi0 = 2 sin a: 1 + xi0' < 0 near a = pi
            lambda a: 2 * np.sin(a), lambda a: 2 * np.cos(a), lambda a: 0 * a, lambda a: 0 * a
        )
    with pytest.raises(ValueError, match="breaking time"):
        sh.ColdEulerPoisson.standing_wave(1.2).eulerian(1.0, [0.5])
    with pytest.raises(ValueError, match="Gronwall"):
        l7.gronwall_factor(sh.ColdEulerPoisson.standing_wave(1.2), [2.0])


def test_state_refuses_times_beyond_the_next_crossing():
    m = sh.SheetModel([1.0, 2.0], [3.0, -3.0], L)
    with pytest.raises(ValueError, match="advance"):
        m.state(5.0)
    m.advance(5.0)
    x, v = m.state(5.0)
    assert m.crossings >= 1 and x.shape == (2,)


def test_single_sheet_oscillates_about_the_centre_of_mass():
    m = sh.SheetModel([1.0], [0.5], L)
    x, v = m.state(3.0)
    assert x[0] == pytest.approx(1.0 + 1.5) and v[0] == pytest.approx(0.5)
