"""Tests of the von Neumann (mixed-state Hartree) solver: exact classical transport of the Wigner
function for quadratic Hamiltonians, conservation laws, agreement of the two representations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mfcourse import phasespace as ps
from mfcourse.interaction import PairInteraction
from mfcourse.vonneumann import MixedState, VonNeumann, mixed_state

EPS = 0.1
N = 320
L = 16.0
X = -L / 2 + L / N * np.arange(N)
S = np.array([[0.3, 0.05], [0.05, 0.2]])
M0 = np.array([-1.0, 0.8])


def gaussian(xx, vv, cov, mean):
    inv = np.linalg.inv(cov)
    d = np.stack([xx - mean[0], vv - mean[1]], -1)
    quad = np.einsum("...i,ij,...j", d, inv, d)
    return np.exp(-quad / 2) / (2 * math.pi * math.sqrt(np.linalg.det(cov)))


@pytest.fixture(scope="module")
def toeplitz_gaussian():
    """Töplitz quantization of a correlated Gaussian: a mixed state of numerical rank ~ 80."""
    p = np.linspace(-4, 4, 161)
    xx, pp = np.meshgrid(X, p, indexing="ij")
    r = ps.toeplitz_density(gaussian(xx, pp, S, M0), X, p, EPS)
    return mixed_state(r, X, method="orbitals")  # diagonalise once for all tests


def wigner_vs_gaussian(r, flow):
    """max |W[r] - Gaussian pushed by the linear map `flow`|, relative."""
    xi, w = ps.wigner(r, X, EPS)
    xx, vv = np.meshgrid(X, xi, indexing="ij")
    s0 = S + EPS / 2 * np.eye(2)  # Wigner function of the Töplitz state: f * G_{eps/2}
    exact = gaussian(xx, vv, flow @ s0 @ flow.T, flow @ M0)
    return np.max(np.abs(w - exact)) / exact.max()


@pytest.mark.parametrize("method", ["orbitals", "matrix"])
def test_free_motion_transports_wigner_exactly(toeplitz_gaussian, method):
    """Free motion: W(t, x, xi) = W(0, x - xi t, xi) (reference-results.md)."""
    run = VonNeumann(X, EPS).evolve(toeplitz_gaussian, 1.0, 0.05, n_save=3, method=method)
    assert run.method == method
    shear = np.array([[1.0, 1.0], [0.0, 1.0]])
    assert wigner_vs_gaussian(run.kernel(-1), shear) < 1e-9
    np.testing.assert_allclose(run.trace, 1.0, atol=1e-9)
    assert np.ptp(run.energy) < 1e-12


@pytest.mark.parametrize("method", ["orbitals", "matrix"])
def test_harmonic_trap_follows_the_classical_flow(toeplitz_gaussian, method):
    """H = (xi^2 + x^2)/2: the Wigner function moves exactly along the split-step (leapfrog) map,
    and along the exact rotation up to the splitting error O(dt^2)."""
    errors = []
    for dt in (0.02, 0.01):
        vn = VonNeumann(X, EPS, external=X**2 / 2)
        run = vn.evolve(toeplitz_gaussian, 1.0, dt, n_save=2, method=method)
        kick = np.array([[1.0, 0.0], [-dt / 2, 1.0]])
        drift = np.array([[1.0, dt], [0.0, 1.0]])
        leapfrog = np.linalg.matrix_power(kick @ drift @ kick, round(1.0 / dt))
        assert wigner_vs_gaussian(run.kernel(-1), leapfrog) < 1e-9
        rotation = np.array([[math.cos(1.0), math.sin(1.0)], [-math.sin(1.0), math.cos(1.0)]])
        errors.append(wigner_vs_gaussian(run.kernel(-1), rotation))
    assert errors[0] < 1e-3
    assert errors[0] / errors[1] == pytest.approx(4, rel=0.05)  # second order in dt


@pytest.fixture(scope="module")
def hmf_setup():
    eps = 0.05
    x = 2 * math.pi / 160 * np.arange(160)
    p = np.linspace(-2.5, 2.5, 101)
    xx, pp = np.meshgrid(x, p, indexing="ij")
    f = (1 + 0.6 * np.cos(xx)) * np.exp(-(pp**2) / (2 * 0.3))
    f /= f.sum() * (x[1] - x[0]) * (p[1] - p[0])
    return x, eps, mixed_state(ps.toeplitz_density(f, x, p, eps), x, method="orbitals")


def test_hmf_conserves_trace_positivity_and_energy(hmf_setup):
    x, eps, r0 = hmf_setup
    vn = VonNeumann(x, eps, interaction=PairInteraction.hmf())
    drifts = []
    for dt in (0.04, 0.02):
        run = vn.evolve(r0, 2.0, dt, n_save=6, method="orbitals")
        np.testing.assert_allclose(run.trace, run.trace[0], rtol=1e-12)
        assert run.min_eigenvalue.min() > -1e-12
        drifts.append(np.max(np.abs(run.energy - run.energy[0])))
    assert drifts[0] < 1e-4
    assert drifts[0] / drifts[1] == pytest.approx(4, rel=0.2)  # Strang: O(dt^2)
    # the density does change: the interaction acts
    assert np.max(np.abs(run.density[-1] - run.density[0])) > 1e-2 * run.density[0].max()


def test_orbitals_and_matrix_agree_with_interaction(hmf_setup):
    x, eps, r0 = hmf_setup
    vn = VonNeumann(x, eps, interaction=PairInteraction.hmf())
    a = vn.evolve(r0, 1.0, 0.05, n_save=2, method="orbitals")
    b = vn.evolve(r0, 1.0, 0.05, n_save=2, method="matrix")
    assert b.method == "matrix"
    ka, kb = a.kernel(-1), b.kernel(-1)
    assert np.max(np.abs(ka - kb)) < 1e-9 * np.max(np.abs(kb))
    assert abs(b.min_eigenvalue[-1]) < 1e-12
    np.testing.assert_allclose(a.energy, b.energy, rtol=1e-10)


def test_pure_state_is_a_rank_one_mixed_state():
    x = 2 * math.pi / 128 * np.arange(128)
    g = ps.coherent_state(x, 2.0, 0.3, 0.05)
    st = mixed_state(g, x)
    assert isinstance(st, MixedState) and st.rank == 1
    run = VonNeumann(x, 0.05, interaction=PairInteraction.hmf()).evolve(g, 0.5, 0.05, n_save=2)
    assert run.trace[-1] == pytest.approx(1, rel=1e-12)
    lam = run.states[-1].spectrum()
    assert lam[-1] == pytest.approx(1, rel=1e-12)


def test_bad_input():
    x = 2 * math.pi / 128 * np.arange(128)
    g = ps.coherent_state(x, 2.0, 0.3, 0.05)
    vn = VonNeumann(x, 0.05)
    with pytest.raises(ValueError, match="eps"):
        VonNeumann(x, 0.0)
    with pytest.raises(ValueError, match="too coarse"):
        VonNeumann(x, 1e-4)
    with pytest.raises(ValueError, match="dt must be"):
        vn.evolve(g, 1.0, -0.1)
    with pytest.raises(ValueError, match="whole number of steps"):
        vn.evolve(g, 1.0, 0.3)
    with pytest.raises(ValueError, match="n_save"):
        vn.evolve(g, 1.0, 0.1, n_save=4)
    with pytest.raises(ValueError, match="method"):
        vn.evolve(g, 1.0, 0.1, method="lanczos")
    r = np.outer(g, g.conj())
    r[0, 1] += 1.0
    with pytest.raises(ValueError, match="not Hermitian"):
        vn.evolve(r, 1.0, 0.1)
    with pytest.raises(ValueError, match="not positive"):
        h = ps.coherent_state(x, 4.5, 0.0, 0.05)
        vn.evolve(np.outer(g, g.conj()) - 0.5 * np.outer(h, h.conj()), 1.0, 0.1)
    with pytest.raises(ValueError, match="multiple of 2 pi"):
        VonNeumann(X, EPS, interaction=PairInteraction.hmf())
    with pytest.raises(ValueError, match="external potential"):
        VonNeumann(x, 0.05, external=np.ones(5))


def test_rank_one_state_follows_lecture_2_pure_state_hartree():
    """A pure state evolves exactly as lecture 2's Hartree solver evolves its wave function."""
    from mfcourse.hartree import PeriodicGrid, evolve_grid

    eps, grid = 0.05, PeriodicGrid(128)
    psi0 = ps.coherent_state(grid.x + math.pi, 2.0, 0.3, eps)  # the ring grid starts at -pi
    hmf = PairInteraction.hmf()
    ref = evolve_grid(psi0, grid, 1.0, 40, interaction=hmf, hbar=eps).psi[-1]
    run = VonNeumann(grid.x, eps, interaction=hmf).evolve(psi0, 1.0, 0.025, n_save=2)
    psi = run.states[-1].orbitals[:, 0]
    assert np.max(np.abs(psi - ref)) < 1e-10
    assert run.energy[0] == pytest.approx(run.energy[-1], rel=1e-4)
