"""Tests of mfcourse.fock against brute force in the full tensor space and exact identities."""

import math

import numpy as np
import pytest
import scipy.linalg

from mfcourse import fock
from mfcourse.fock import (
    FockSpace,
    NBodyProblem,
    chebyshev_propagate,
    density_matrix_distances,
    embed_symmetric,
    fock_dimension,
    josephson,
    krylov_propagate,
    operator_norm,
    product_rdm,
    ring_model,
    ring_state,
    symmetric_isometry,
    trace_norm,
)
from mfcourse.interaction import PairInteraction


def random_state(K, seed):
    rng = np.random.default_rng(seed)
    phi = rng.normal(size=K) + 1j * rng.normal(size=K)
    return phi / np.linalg.norm(phi)


def full_tensor_hamiltonian(model, N):
    """H_N on (C^K)^{otimes N}, built entry by entry from h and w (independent of Fock code)."""
    K = model.K
    idx = np.array(np.unravel_index(np.arange(K**N), (K,) * N)).T
    H = np.zeros((K**N, K**N), dtype=complex)
    for r in range(K**N):
        for c in range(K**N):
            a, b = idx[r], idx[c]
            diff = np.nonzero(a != b)[0]
            for j in range(N):
                others = [i for i in range(N) if i != j]
                if all(a[i] == b[i] for i in others):
                    H[r, c] += model.h[a[j], b[j]]
            for j in range(N):
                for k in range(j + 1, N):
                    if set(diff) <= {j, k}:
                        H[r, c] += model.w[a[j], a[k], b[j], b[k]] / N
    return H


def test_dimension_counts_stars_and_bars():
    assert fock_dimension(3, 2) == 4
    assert fock_dimension(10, 3) == 66
    assert fock_dimension(0, 5) == 1
    for N, K in [(4, 3), (7, 4), (12, 2)]:
        assert FockSpace(N, K).occupations.shape == (fock_dimension(N, K), K)


@pytest.mark.parametrize("N,K", [(6, 3), (30, 4), (40, 5), (9, 1)])
def test_rank_unrank_roundtrip_and_order(N, K):
    space = FockSpace(N, K)
    occ = space.occupations
    assert np.all(occ.sum(axis=1) == N)
    assert len({tuple(r) for r in occ}) == space.dim  # all distinct
    np.testing.assert_array_equal(space.rank(occ), np.arange(space.dim))
    np.testing.assert_array_equal(space.unrank(np.arange(space.dim)), occ)


def test_bad_input():
    with pytest.raises(ValueError, match="N must be >= 0"):
        FockSpace(-1, 2)
    with pytest.raises(ValueError, match="K must be >= 1"):
        FockSpace(3, 0)
    space = FockSpace(4, 2)
    with pytest.raises(ValueError, match="normalised"):
        space.product_state(np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match="normalised"):
        space.gamma1(np.ones(space.dim))
    with pytest.raises(ValueError, match="sum to N"):
        space.rank([[1, 1]])


def test_memory_refusal_before_allocation():
    with pytest.raises(ValueError) as err:
        FockSpace(400, 12)
    msg = str(err.value)
    assert "dimension" in msg and "GiB" in msg and "Reduce N" in msg
    D = math.comb(400 + 11, 11)
    assert f"{D:,}" in msg
    # the suggested N does fit
    n_fit = int(msg.split("Reduce N to at most ")[1].split()[0])
    assert fock.fock_memory_estimate(n_fit, 12) <= fock.MAX_BYTES
    assert fock.fock_memory_estimate(n_fit + 1, 12) > fock.MAX_BYTES


@pytest.mark.parametrize("model_name", ["josephson", "ring"])
def test_hamiltonian_equals_brute_force_on_symmetric_subspace(model_name):
    if model_name == "josephson":
        model = josephson(J=0.7, U=1.3, bias=0.4)
        N = 4
    else:
        model = ring_model(PairInteraction({1: -1.0, 2: 0.5}), k_max=1, hbar=0.8)
        N = 3
    prob = NBodyProblem.build(model, N)
    S = symmetric_isometry(model.K, N)
    H_full = full_tensor_hamiltonian(model, N)
    np.testing.assert_allclose(S.T @ H_full @ S, prob.H.toarray(), atol=1e-13)
    # the symmetric subspace is invariant
    P = S @ S.T
    np.testing.assert_allclose(P @ H_full @ P, H_full @ P, atol=1e-13)


def test_product_state_coefficients_against_tensor_product():
    K, N = 3, 4
    phi = random_state(K, 1)
    space = FockSpace(N, K)
    full = phi
    for _ in range(N - 1):
        full = np.kron(full, phi)
    np.testing.assert_allclose(
        symmetric_isometry(K, N) @ space.product_state(phi), full, atol=1e-14
    )


def test_product_state_large_n_is_finite_and_normalised():
    space = FockSpace(10_000, 2)
    psi = space.product_state(np.array([np.cos(0.3), 1j * np.sin(0.3)]))
    assert np.all(np.isfinite(psi))
    assert abs(np.linalg.norm(psi) - 1) < 1e-12
    # |coefficients|^2 are the binomial law of the occupation of mode 0
    from scipy.stats import binom

    p = binom.pmf(space.occupations[:, 0], 10_000, np.cos(0.3) ** 2)
    big = p > 1e-12
    np.testing.assert_allclose(np.abs(psi[big]) ** 2, p[big], rtol=1e-9)
    # a state with an empty mode puts all weight on one occupation vector
    e0 = FockSpace(50, 3).product_state(np.array([0, 1, 0]))
    assert abs(abs(e0[FockSpace(50, 3).rank([0, 50, 0])]) - 1) < 1e-14


def test_reduced_density_matrices_against_partial_trace():
    """gamma^(j) from annihilation operators equals the partial trace of |Psi><Psi|."""
    K, N = 3, 4
    space = FockSpace(N, K)
    rng = np.random.default_rng(7)
    Psi = rng.normal(size=space.dim) + 1j * rng.normal(size=space.dim)
    Psi /= np.linalg.norm(Psi)
    full = symmetric_isometry(K, N) @ Psi
    T = full.reshape(K, K ** (N - 1))
    np.testing.assert_allclose(space.gamma1(Psi), T @ T.conj().T, atol=1e-14)
    T2 = full.reshape(K * K, K ** (N - 2))
    np.testing.assert_allclose(space.gamma2(Psi), T2 @ T2.conj().T, atol=1e-14)
    T3 = full.reshape(K**3, K)
    g3 = embed_symmetric(space.reduced_density_matrix(Psi, 3), K, 3)
    np.testing.assert_allclose(g3, T3 @ T3.conj().T, atol=1e-14)
    for j in (1, 2, 3):
        assert abs(np.trace(space.reduced_density_matrix(Psi, j)) - 1) < 1e-13


@pytest.mark.parametrize("j", [1, 2, 5, 10])
def test_marginals_of_product_states_are_products(j):
    phi = random_state(2, 3)
    space = FockSpace(60, 2)
    g = space.reduced_density_matrix(space.product_state(phi), j)
    np.testing.assert_allclose(g, product_rdm(phi, j), atol=1e-12)


def test_energy_from_marginals():
    """<H_N> = N tr(h g1) + (N-1)/2 tr(W g2): a check of gamma2's normalisation."""
    model = ring_model(PairInteraction.hmf(1.5), k_max=2)
    N = 6
    prob = NBodyProblem.build(model, N)
    rng = np.random.default_rng(11)
    Psi = rng.normal(size=prob.space.dim) + 1j * rng.normal(size=prob.space.dim)
    Psi /= np.linalg.norm(Psi)
    K = model.K
    W = model.w.reshape(K * K, K * K)
    e = N * np.trace(model.h @ prob.space.gamma1(Psi)) + (N - 1) / 2 * np.trace(
        W @ prob.space.gamma2(Psi)
    )
    assert abs(e - prob.energy(Psi)) < 1e-12 * max(1, abs(e))


def test_norms():
    A = np.diag([0.5, -0.25, 0.0])
    assert trace_norm(A) == pytest.approx(0.75)
    assert operator_norm(A) == pytest.approx(0.5)
    phi = random_state(3, 2)
    g = 0.9 * np.outer(phi, phi.conj()) + 0.1 * np.eye(3) / 3
    d = density_matrix_distances(g, phi)
    # gamma - |phi><phi| has trace 0: trace norm = 2 * (sum of positive eigenvalues)
    ev = np.linalg.eigvalsh(g - np.outer(phi, phi.conj()))
    assert d["trace"] == pytest.approx(2 * ev[ev > 0].sum())
    assert d["operator"] == pytest.approx(np.abs(ev).max())
    assert d["hs"] == pytest.approx(np.sqrt((ev**2).sum()))


def test_krylov_and_chebyshev_match_dense_exponential():
    model = josephson(J=1.0, U=2.0, bias=0.3)
    prob = NBodyProblem.build(model, 80)
    P0 = prob.product_state(random_state(2, 5))
    ref = scipy.linalg.expm(-1j * 2.5 * prob.H.toarray()) @ P0
    assert np.abs(krylov_propagate(prob.H, P0, 2.5, tol=1e-12) - ref).max() < 1e-11
    assert np.abs(chebyshev_propagate(prob.H, P0, 2.5) - ref).max() < 1e-11
    # backwards in time undoes forwards
    back = krylov_propagate(prob.H, ref, -2.5, tol=1e-12)
    assert np.abs(back - P0).max() < 1e-11


@pytest.mark.parametrize("method", ["krylov", "chebyshev"])
def test_norm_and_energy_conserved(method):
    model = ring_model(PairInteraction.hmf(1.0), k_max=2)
    prob = NBodyProblem.build(model, 12)
    P0 = prob.product_state(ring_state({0: 1.0, 1: 0.6, -1: 0.3j, 2: 0.2}, 2))
    out = prob.evolve(P0, [0.5, 1.0, 3.0], method=method)
    for Psi in out:
        assert abs(np.linalg.norm(Psi) - 1) < 1e-12
        assert abs(prob.energy(Psi) - prob.energy(P0)) < 1e-9 * abs(prob.energy(P0))


def test_one_particle_is_linear_schrodinger():
    """N = 1: the N-body problem is i hbar psi' = h psi."""
    model = ring_model(PairInteraction.hmf(2.0), k_max=3, hbar=0.7)
    prob = NBodyProblem.build(model, 1)
    psi0 = ring_state({0: 1.0, 2: 0.5j, -3: 0.2}, 3)
    out = prob.evolve(prob.product_state(psi0), [1.7])[0]
    # for N = 1 the occupation basis is the mode basis, in rank order
    ranks = prob.space.rank(np.eye(model.K, dtype=int))
    exact = scipy.linalg.expm(-1j * 1.7 * model.h / model.hbar) @ psi0
    np.testing.assert_allclose(out[ranks], exact, atol=1e-11)


def test_no_interaction_keeps_products():
    """V = 0: Psi(t) = (e^{-ith/hbar} psi)^{otimes N} exactly."""
    model = josephson(J=1.0, U=0.0, bias=0.5)
    prob = NBodyProblem.build(model, 200)
    psi0 = random_state(2, 9)
    out = prob.evolve(prob.product_state(psi0), [3.0])[0]
    psi_t = scipy.linalg.expm(-3j * model.h) @ psi0
    np.testing.assert_allclose(out, prob.product_state(psi_t), atol=1e-10)


def test_two_mode_error_decreases_like_one_over_n():
    """The 1/N rate, on two sizes (the lecture fits it on many)."""
    from mfcourse.hartree import evolve_modes

    model = josephson(J=1.0, U=1.0)
    psi0 = np.array([np.cos(0.4), np.sin(0.4)])
    psi_t = evolve_modes(model, psi0, [2.0])[0]
    errs = []
    for N in (100, 400):
        prob = NBodyProblem.build(model, N)
        Psi = prob.evolve(prob.product_state(psi0), [2.0])[0]
        errs.append(density_matrix_distances(prob.space.gamma1(Psi), psi_t)["trace"])
    assert 3.5 < errs[0] / errs[1] < 4.5


def test_two_mode_frame_matches_direct_dynamics_and_is_fourth_order():
    from mfcourse.fock import evolve_two_mode_frame

    model = josephson(J=1.0, U=1.5, bias=0.2)
    psi0 = random_state(2, 4)
    N = 300
    prob = NBodyProblem.build(model, N)
    times = [1.0, 2.5]
    ref = [prob.space.gamma1(P) for P in prob.evolve(prob.product_state(psi0), times)]
    errs = []
    for dt in (0.1, 0.05):
        fr = evolve_two_mode_frame(model, N, psi0, times, dt=dt)
        errs.append(max(np.abs(fr.gamma1(i) - ref[i]).max() for i in range(2)))
        assert fr.tail < 1e-13
    assert errs[1] < 1e-8
    assert 10 < errs[0] / errs[1] < 24  # 2^4 = 16
    # the frame follows Hartree: u_t e_0 is the Hartree solution
    from mfcourse.hartree import evolve_modes

    np.testing.assert_allclose(fr.hartree(1), evolve_modes(model, psi0, times)[1], atol=1e-9)
    with pytest.raises(ValueError, match="K = 2"):
        evolve_two_mode_frame(ring_model(PairInteraction.hmf(), 1), 10, np.ones(3) / 3**0.5, [1])


def test_two_mode_frame_refuses_a_depleted_condensate():
    from mfcourse.fock import evolve_two_mode_frame

    with pytest.raises(RuntimeError, match="direct method"):
        evolve_two_mode_frame(josephson(J=1.0, U=4.0), 200, np.array([0.6, 0.8]), [8.0], max_exc=64)


def test_norms_refuse_non_finite_matrices():
    """Issue #19: trace_norm(NaN) surfaced numpy's 'SVD did not converge'."""
    A = np.eye(3)
    A[0, 1] = np.nan
    for norm in (trace_norm, operator_norm):
        with pytest.raises(ValueError, match="non-finite"):
            norm(A)
