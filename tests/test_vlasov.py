"""Tests of the semi-Lagrangian Vlasov solver (mfcourse.vlasov)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from mfcourse import dispersion as dp
from mfcourse import newton
from mfcourse import vlasov as vl
from mfcourse.interaction import PairInteraction

TWO_PI = 2 * np.pi
HMF = PairInteraction.hmf()

# published values (reference-results.md): Landau damping at k = 0.5
OMEGA_REF, GAMMA_REF = 1.4157, -0.1534


@pytest.fixture(scope="module", params=["cubic", "spectral"])
def landau_run(request):
    k = 0.5
    grid = vl.PhaseGrid(32, 256, 8.0, TWO_PI / k)
    res = vl.solve(
        vl.landau_initial(grid, k, 0.01),
        grid,
        "poisson",
        np.arange(0, 40.01, 0.1),
        0.1,
        interpolation=request.param,
        keep=False,
    )
    return request.param, res


def test_landau_damping_rates(landau_run):
    interp, res = landau_run
    E1 = res.field1
    assert np.max(np.abs(E1.real)) < 1e-12  # cos-perturbation: E is a sine, mode 1 imaginary
    omega, gamma = vl.fit_damped_oscillation(res.t, E1.imag, (5, 35))
    assert omega == pytest.approx(OMEGA_REF, rel=0.01)
    assert gamma == pytest.approx(GAMMA_REF, rel=0.02)
    root = dp.landau_root(0.5)
    assert omega == pytest.approx(root.real, rel=0.03)
    assert gamma == pytest.approx(root.imag, rel=0.03)
    # electric energy 1/2 int E^2 decays at 2 gamma: fit the envelope of its maxima
    W = res.potential
    peaks = np.flatnonzero((W[1:-1] > W[:-2]) & (W[1:-1] > W[2:])) + 1
    peaks = peaks[(res.t[peaks] > 5) & (res.t[peaks] < 35)]
    slope = np.polyfit(res.t[peaks], np.log(W[peaks]), 1)[0]
    assert slope == pytest.approx(2 * GAMMA_REF, rel=0.05)


def test_landau_conservation(landau_run):
    interp, res = landau_run
    d = res.drift
    assert d["mass"] < 1e-12
    assert d["momentum"] < 1e-12
    assert d["energy"] < 2e-6  # O(dt^2) splitting error; the exchanged energy is ~1e-5
    if interp == "spectral":
        assert d["l2"] < 1e-12  # trigonometric interpolation is unitary
    else:
        assert np.all(np.diff(res.l2) <= 1e-15)  # B-splines dissipate at the grid scale
        assert d["l2"] < 1e-6
    assert res.wrapped_mass[-1] < 1e-12


@pytest.mark.parametrize(
    "profile, vmax",
    [
        (dp.MaxwellianMixture(0.25), 3.5),
        (dp.MaxwellianMixture(0.4), 4.0),
        (dp.MaxwellianMixture([0.1, 1.0], [0.0, 0.0]), 6.0),  # core + halo, not Gaussian
    ],
)
def test_hmf_unstable_growth_rates_match_dispersion(profile, vmax):
    gamma = dp.hmf_growth_rate(profile)
    assert gamma > 0
    grid = vl.PhaseGrid(16, 256, vmax)
    X, V = grid.mesh()
    eps = 1e-6
    f0 = profile.pdf(V) * (1 + eps * np.cos(X)) / TWO_PI
    t_end = np.log(3e-3 / eps) / gamma
    res = vl.solve(f0, grid, HMF, np.arange(0, t_end + 0.1, 0.1), 0.05, keep=False)
    M = np.abs(res.magnetisation)
    # linear regime after the damped transients: |M| between 30 eps and 3e-3
    sel = (M > 30 * M[0]) & (M < 3e-3) & (res.t > 2 / gamma)
    measured = vl.fit_exponential_rate(res.t, M, (res.t[sel][0], res.t[sel][-1]))
    assert measured == pytest.approx(gamma, rel=0.03)
    assert res.drift["mass"] < 1e-12 and res.drift["momentum"] < 1e-10


def test_vlasov_poisson_two_stream_growth_matches_dispersion():
    """Two cold-ish counter-streaming beams: the purely growing Vlasov-Poisson root (found by
    the library from the Landau-continued dispersion relation) against the measured E_1."""
    prof = dp.MaxwellianMixture([0.25, 0.25], [-1.5, 1.5])
    k = 0.3
    root = dp.vp_root(k, prof, guess=0.3j)
    assert abs(root.real) < 1e-10 and root.imag > 0.2
    grid = vl.PhaseGrid(16, 256, 6.0, TWO_PI / k)
    X, V = grid.mesh()
    eps = 1e-6
    f0 = prof.pdf(V) * (1 + eps * np.cos(k * X))
    t_end = np.log(1e-2 / eps) / root.imag
    res = vl.solve(f0, grid, "poisson", np.arange(0, t_end, 0.1), 0.05, keep=False)
    E = np.abs(res.field1)
    sel = (E > 30 * E[0]) & (E < 3e3 * E[0]) & (res.t > 2 / root.imag)
    measured = vl.fit_exponential_rate(res.t, E, (res.t[sel][0], res.t[sel][-1]))
    assert measured == pytest.approx(root.imag, rel=0.03)
    assert res.drift["energy"] < 1e-6


def test_free_transport_is_exact_with_spectral_interpolation():
    grid = vl.PhaseGrid(32, 64, 6.0)
    free = PairInteraction({1: 0.0})

    def f0(x, v):
        return (1 + 0.4 * np.cos(x) + 0.2 * np.sin(3 * x)) * np.exp(-(v**2) / 2)

    res = vl.solve(f0, grid, free, [0.0, 1.7], 0.1, interpolation="spectral")
    X, V = grid.mesh()
    assert np.max(np.abs(res.f[-1] - f0(X - V * 1.7, V))) < 1e-12
    cub = vl.solve(f0, grid, free, [1.7], 0.1, interpolation="cubic")
    err = np.max(np.abs(cub.f[-1] - f0(X - V * 1.7, V)))
    assert 1e-8 < err < 1e-3


def test_time_splitting_is_second_order():
    grid = vl.PhaseGrid(32, 128, 5.0)
    dens = newton.CosineMaxwellian(0.5, 0.5)
    ref = vl.solve(dens, grid, HMF, [3.0], 3.0 / 512, interpolation="spectral").f[-1]
    errs = []
    dts = [3.0 / 16, 3.0 / 32, 3.0 / 64]
    for dt in dts:
        f = vl.solve(dens, grid, HMF, [3.0], dt, interpolation="spectral").f[-1]
        errs.append(np.max(np.abs(f - ref)))
    slope = np.polyfit(np.log(dts), np.log(errs), 1)[0]
    assert abs(slope - 2) < 0.15, (slope, errs)


def test_vlasov_tracks_n_body_mean_field():
    """Dobrushin (seed 002 Thm 1.5): N i.i.d. particles follow Vlasov; |M_N(t) - M(t)| is of
    the order of the sampling error N^-1/2 on an O(1) time interval."""
    dens = newton.CosineMaxwellian(0.6, 0.4)
    times = np.linspace(0, 10, 11)
    grid = vl.PhaseGrid(64, 256, 5.0)
    res = vl.solve(dens, grid, HMF, times, 0.05)
    M_vlasov = np.array([np.sum(np.exp(1j * grid.x)[:, None] * f) for f in res.f])
    M_vlasov *= grid.dx * grid.dv
    N = 200_000
    x, v = newton.sample_iid(dens, N, seed=7)
    tr = newton.simulate(x, v, HMF, times, 0.05, keep_states=False)
    err = np.abs(tr.magnetisation - M_vlasov)
    assert np.max(err) < 5 / np.sqrt(N), err
    # energies agree too (the N-body energy includes the self term V(0)/(2N))
    assert tr.energy[0] == pytest.approx(res.energy[0] - 0.5 / N, abs=5 / np.sqrt(N))


def _messages(fn):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = fn()
    return out, [str(w.message) for w in rec]


def test_warnings_with_numbers():
    grid = vl.PhaseGrid(16, 64, 2.5)  # too small a box for a unit Maxwellian
    _, msgs = _messages(
        lambda: vl.VlasovSolver(grid, HMF, 0.1).initial(newton.CosineMaxwellian(0.2, 1.0))
    )
    assert any("of the initial mass lies within 10% of the velocity box" in m for m in msgs)
    # strong attraction pushes mass over the edge: the crossing is measured and reported
    grid = vl.PhaseGrid(32, 64, 3.0)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = vl.solve(
            newton.CosineMaxwellian(0.9, 0.2), grid, PairInteraction.hmf(8.0), [5.0], 0.05
        )
    msgs = [str(w.message) for w in rec]
    assert any("has crossed the velocity box edges" in m for m in msgs), msgs
    assert res.wrapped_mass[-1] > 1e-6
    # a discontinuous waterbag cannot be resolved
    with pytest.warns(UserWarning, match="cannot resolve the data"):
        vl.VlasovSolver(vl.PhaseGrid(32, 64, 3.0), HMF, 0.1).initial(newton.Waterbag(1.0, 1.0))
    g = vl.PhaseGrid(16, 48, 7.0)
    _, msgs = _messages(
        lambda: vl.solve(newton.CosineMaxwellian(0.01, 1.0), g, HMF, [g.recurrence_time + 1], 1)
    )
    assert len(msgs) == 1 and "exceeds the recurrence time" in msgs[0], msgs
    # well-resolved data in a large enough box: no warning at all
    _, msgs = _messages(
        lambda: vl.solve(
            newton.CosineMaxwellian(0.2, 0.5), vl.PhaseGrid(32, 128, 6.0), HMF, [5.0], 0.1
        )
    )
    assert msgs == []


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: vl.PhaseGrid(4, 64, 5.0), "grid too coarse"),
        (lambda: vl.PhaseGrid(33, 64, 5.0), "even"),
        (lambda: vl.PhaseGrid(32, 64, -1.0), "v_max"),
        (lambda: vl.VlasovSolver(vl.PhaseGrid(32, 64, 5.0), HMF, 0.0), "dt must be > 0"),
        (lambda: vl.VlasovSolver(vl.PhaseGrid(32, 64, 5.0), HMF, -1.0), "dt must be > 0"),
        (lambda: vl.VlasovSolver(vl.PhaseGrid(32, 64, 5.0, 5.0), HMF, 0.1), "multiple of 2 pi"),
        (
            lambda: vl.VlasovSolver(vl.PhaseGrid(8, 64, 5.0), PairInteraction({5: 1.0}), 0.1),
            "grid too coarse",
        ),
        (lambda: vl.VlasovSolver(vl.PhaseGrid(32, 64, 5.0), "coulomb", 0.1), "field"),
        (
            lambda: vl.VlasovSolver(vl.PhaseGrid(32, 64, 5.0), HMF, 0.1, interpolation="linear"),
            "interpolation",
        ),
        (
            lambda: vl.VlasovSolver(vl.PhaseGrid(8, 8, 5.0), HMF, 0.1).initial(-np.ones((8, 8))),
            "negative mass",
        ),
        (
            lambda: vl.VlasovSolver(vl.PhaseGrid(8, 8, 5.0), HMF, 0.1).initial(np.eye(8) - 0.01),
            "negative somewhere",
        ),
        (
            lambda: vl.VlasovSolver(vl.PhaseGrid(8, 8, 5.0), HMF, 0.1).initial(np.ones((8, 9))),
            "shape",
        ),
        (
            lambda: vl.VlasovSolver(vl.PhaseGrid(8, 8, 5.0), HMF, 0.1).initial(
                np.full((8, 8), np.nan)
            ),
            "finite",
        ),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_oversize_grid_is_refused_before_allocating():
    """Issue #19: VlasovSolver(PhaseGrid(10**6, 10**6)) ended in MemoryError."""
    grid = vl.PhaseGrid(10**6, 10**6, 6.0)
    with pytest.raises(ValueError, match=r"grid: nx x nv = 1000000 x 1000000 needs about"):
        vl.VlasovSolver(grid, "poisson", 0.1)


def test_landau_signal_is_field1_imag(landau_run):
    """The convention note of VlasovResult: for the cosine perturbation E = E_1(t) sin(kx), so
    field1 = -i E_1 / 2 (at t = 0 exactly -i a / (2k)) and its real part is round-off."""
    _, res = landau_run
    k, a = 0.5, 0.01
    assert abs(res.field1[0] - (-1j * a / (2 * k))) < 1e-12, (
        f"field1(0) = {res.field1[0]}, expected -i a/(2k) = {-1j * a / (2 * k)}"
    )
    ratio = np.max(np.abs(res.field1.real)) / np.max(np.abs(res.field1.imag))
    assert ratio < 1e-10, f"field1.real / field1.imag = {ratio:.3g}: the signal is not imaginary"
