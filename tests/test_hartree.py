"""Tests of mfcourse.hartree: exact solutions, conservation, agreement of the two discretisations
and the link with the N-body energy of product states."""

import numpy as np
import pytest
import scipy.linalg

from mfcourse.fock import NBodyProblem, josephson, ring_model, ring_state
from mfcourse.hartree import (
    PeriodicGrid,
    energy_grid,
    evolve_grid,
    evolve_modes,
    free_gaussian,
    ground_state_grid,
    ground_state_modes,
    strang_step,
)
from mfcourse.interaction import PairInteraction


@pytest.mark.parametrize("hbar", [1.0, 0.5])
def test_free_gaussian_spreading(hbar):
    """reference-results.md: |psi|^2 stays Gaussian, centre hbar k0 t, variance
    s0^2 + hbar^2 t^2 / (4 s0^2)."""
    grid = PeriodicGrid(512, length=60.0)
    s0, k0, t = 1.0, 2.0, 3.0
    psi0 = grid.normalise(free_gaussian(grid.x, 0.0, s0, k0, hbar))
    traj = evolve_grid(psi0, grid, t, 50, interaction=None, hbar=hbar, n_save=5)
    rho = np.abs(traj.psi[-1]) ** 2
    mean = np.sum(grid.x * rho) * grid.dx
    var = np.sum((grid.x - mean) ** 2 * rho) * grid.dx
    assert abs(mean - hbar * k0 * t) < 1e-10
    assert abs(var - (s0**2 + hbar**2 * t**2 / (4 * s0**2))) < 1e-10
    np.testing.assert_allclose(traj.psi[-1], free_gaussian(grid.x, t, s0, k0, hbar), atol=1e-10)
    assert np.abs(traj.norm - 1).max() < 1e-13


def test_strang_is_second_order_and_conserves():
    grid = PeriodicGrid(64)
    V = PairInteraction({1: -2.0, 2: 0.7})
    psi0 = grid.normalise(np.exp(np.cos(grid.x) + 0.5j * np.sin(2 * grid.x)))
    ref = evolve_grid(psi0, grid, 1.0, 4096, interaction=V).psi[-1]
    errs = []
    for n in (32, 64, 128):
        traj = evolve_grid(psi0, grid, 1.0, n, interaction=V, n_save=4)
        errs.append(grid.norm(traj.psi[-1] - ref))
        assert np.abs(traj.norm - 1).max() < 1e-13
        assert np.abs(traj.energy - traj.energy[0]).max() < 20 / n**2
    order = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(np.abs(order - 2) < 0.15), order
    # strang_step (the reusable piece) takes the same step as evolve_grid
    one = strang_step(psi0, grid, 1.0 / 32, V)
    two = evolve_grid(psi0, grid, 1.0 / 32, 1, interaction=V).psi[-1]
    np.testing.assert_allclose(one, two, atol=1e-14)


def test_modes_and_grid_agree():
    """Both discretisations of Hartree for HMF on the ring resolve a smooth state."""
    V = PairInteraction.hmf(1.5)
    k_max = 12
    model = ring_model(V, k_max)
    psi0 = ring_state({0: 1.0, 1: 0.5, -1: 0.4j, 2: 0.2}, k_max)
    grid = PeriodicGrid(64)
    traj = evolve_grid(grid.from_modes(psi0), grid, 2.0, 4000, interaction=V, n_save=1)
    modes = evolve_modes(model, psi0, [2.0])[0]
    assert np.abs(grid.to_modes(traj.psi[-1], k_max) - modes).max() < 1e-6
    assert abs(energy_grid(traj.psi[0], grid, V) - model.hartree_energy(psi0)) < 1e-12


def test_mode_hartree_conserves_and_matches_linear_case():
    model = josephson(J=1.0, U=3.0, bias=0.2)
    psi0 = np.array([1.0, 0.0], dtype=complex)
    out = evolve_modes(model, psi0, np.linspace(0, 5, 11))
    e = [model.hartree_energy(p) for p in out]
    assert np.abs(np.linalg.norm(out, axis=1) - 1).max() < 1e-10
    assert np.ptp(e) < 1e-9
    lin = josephson(J=1.0, U=0.0, bias=0.2)
    out = evolve_modes(lin, psi0, [3.0])[0]
    np.testing.assert_allclose(out, scipy.linalg.expm(-3j * lin.h) @ psi0, atol=1e-10)


def test_product_state_energy_is_hartree_energy_minus_exact_correction():
    r"""<psi^N|H_N|psi^N>/N = E_H[psi] - <psi psi|W|psi psi>/(2N), exactly."""
    for model, psi in [
        (josephson(J=1.0, U=2.0), np.array([0.8, 0.6j])),
        (
            ring_model(PairInteraction({1: -1.0, 3: 0.4}), 2),
            ring_state({0: 1.0, 1: 0.3, -2: 0.5j}, 2),
        ),
    ]:
        for N in (2, 5, 20):
            prob = NBodyProblem.build(model, N)
            e_n = prob.energy(prob.product_state(psi)) / N
            expected = model.hartree_energy(psi) - model.pair_energy(psi) / (2 * N)
            assert abs(e_n - expected) < 1e-12


def test_ground_states():
    # attractive HMF with strong coupling: the Hartree ground state is localised (ring)
    V = PairInteraction.hmf(4.0)
    grid = PeriodicGrid(64)
    seed = grid.normalise(1 + 0.3 * np.cos(grid.x))
    g = ground_state_grid(grid, V, psi0=seed, dtau=0.02, refinements=2)
    model = ring_model(V, 10)
    m = ground_state_modes(model, grid.to_modes(seed, 10) / np.linalg.norm(grid.to_modes(seed, 10)))
    assert abs(energy_grid(g, grid, V) - model.hartree_energy(m)) < 1e-7
    assert energy_grid(g, grid, V) < energy_grid(grid.normalise(np.ones(64)), grid, V) - 0.1
    # two modes, repulsive: ground state of the Josephson model is the symmetric one
    jm = josephson(J=1.0, U=1.0)
    gs = ground_state_modes(jm)
    np.testing.assert_allclose(np.abs(gs), [2**-0.5, 2**-0.5], atol=1e-6)


def test_bad_input():
    grid = PeriodicGrid(32)
    with pytest.raises(ValueError, match="normalised"):
        evolve_grid(np.ones(32), grid, 1.0, 10)
    with pytest.raises(ValueError, match="M must be"):
        PeriodicGrid(2)
    with pytest.raises(ValueError, match="ring"):
        evolve_grid(
            PeriodicGrid(32, 10.0).normalise(np.ones(32)),
            PeriodicGrid(32, 10.0),
            1.0,
            10,
            interaction=PairInteraction.hmf(),
        )
    with pytest.raises(ValueError, match="normalised"):
        evolve_modes(josephson(), np.array([1.0, 1.0]), [1.0])


def test_ground_state_modes_converges_for_strong_coupling():
    """Issue #19: with a fixed step the energy oscillated for strong interactions."""
    import time

    model = ring_model(PairInteraction.hmf(-200.0), 12)  # strongly repulsive
    t0 = time.perf_counter()
    psi = ground_state_modes(model)
    assert time.perf_counter() - t0 < 60
    H = model.hartree_hamiltonian(psi)
    mu = np.vdot(psi, H @ psi).real
    assert np.linalg.norm(H @ psi - mu * psi) <= 1e-8, "the Hartree eigenvalue equation"
    assert mu <= np.linalg.eigvalsh(H)[0] + 1e-9, "psi is the lowest orbital of its own field"
    rng = np.random.default_rng(3)
    for _ in range(20):  # no random state has lower Hartree energy
        trial = rng.normal(size=model.K) + 1j * rng.normal(size=model.K)
        trial /= np.linalg.norm(trial)
        assert model.hartree_energy(trial) >= model.hartree_energy(psi) - 1e-12
    with pytest.raises(ValueError, match="tol must be"):
        ground_state_modes(model, tol=-1.0)
    with pytest.raises(RuntimeError, match="did not reach the residual"):
        ground_state_modes(model, tol=1e-30, max_iter=5)  # below round-off: unreachable


# ------------------------------------------------------------------------- Gross-Pitaevskii
def _trap(x):
    return 0.5 * x**2


def test_gp_harmonic_trap_without_interaction_is_the_oscillator_ground_state():
    """g = 0, U = x^2/2: the ground state is pi^{-1/4} e^{-x^2/2} with energy 1/2 (closed form)."""
    from mfcourse.quantum.hartree import chemical_potential_grid

    grid = PeriodicGrid(256, 20.0)
    psi = ground_state_grid(grid, external=_trap, refinements=1, tol=1e-10)
    ref = np.pi**-0.25 * np.exp(-(grid.x**2) / 2)
    assert np.max(np.abs(np.abs(psi) - ref)) < 1e-6
    assert energy_grid(psi, grid, external=_trap) == pytest.approx(0.5, abs=1e-9)
    assert chemical_potential_grid(psi, grid, external=_trap) == pytest.approx(0.5, abs=1e-9)


def test_gp_ground_state_approaches_thomas_fermi():
    """Large g: rho -> (mu_TF - U)_+/g with mu_TF = (3 g/(4 sqrt 2))^{2/3} (1D harmonic trap);
    the relative error of mu and the L1 error of the density decrease as g grows."""
    from mfcourse.quantum.hartree import chemical_potential_grid

    grid = PeriodicGrid(512, 24.0)
    errs = []
    for g in (50.0, 200.0):
        psi = ground_state_grid(grid, external=_trap, contact=g, refinements=1, tol=1e-10)
        mu = chemical_potential_grid(psi, grid, external=_trap, contact=g)
        mu_tf = (3 * g / (4 * np.sqrt(2))) ** (2 / 3)
        rho_tf = np.clip(mu_tf - _trap(grid.x), 0, None) / g
        l1 = np.sum(np.abs(np.abs(psi) ** 2 - rho_tf)) * grid.dx
        errs.append((abs(mu / mu_tf - 1), l1))
    assert errs[1][0] < 0.01 and errs[1][1] < 0.03, errs
    assert errs[1][0] < errs[0][0] and errs[1][1] < errs[0][1], errs


def test_gp_ground_state_is_stationary_under_evolve_grid():
    """The trapped GP ground state evolves by the phase e^{-i mu t} only (energy conserved)."""
    from mfcourse.quantum.hartree import chemical_potential_grid

    grid = PeriodicGrid(256, 20.0)
    g = 10.0
    psi0 = ground_state_grid(grid, external=_trap, contact=g, refinements=2, tol=1e-12)
    mu = chemical_potential_grid(psi0, grid, external=_trap, contact=g)
    traj = evolve_grid(psi0, grid, 1.0, 1000, external=_trap, contact=g)
    assert np.max(np.abs(traj.psi[-1] - np.exp(-1j * mu) * psi0)) < 1e-4
    assert np.ptp(traj.energy) < 1e-8


def test_gp_inputs_are_validated():
    grid = PeriodicGrid(64, 20.0)
    with pytest.raises(ValueError, match="external"):
        ground_state_grid(grid, external=np.full(64, np.nan))
    with pytest.raises(ValueError, match="external"):
        ground_state_grid(grid, external=np.zeros(10))
    with pytest.raises(ValueError, match="contact"):
        ground_state_grid(grid, contact=np.inf)
