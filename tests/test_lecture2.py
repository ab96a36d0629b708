"""Tests of mfcourse.lecture2 (the scans behind lecture 2) on small, fast cases."""

import numpy as np
import pytest

from mfcourse import lecture2 as L2
from mfcourse.fock import josephson


def test_rate_scan_small():
    model, psi0 = L2.two_mode_setup()
    s = L2.rate_scan(model, psi0, [20, 40, 80], np.linspace(0, 1, 5), j_max=3)
    assert s.trace.shape == (3, 5)
    assert np.all(s.trace[:, 0] < 1e-12)  # product states at t = 0
    assert abs(s.slope("trace") + 1) < 0.1
    assert np.all(s.operator <= s.bound_2_8) and np.all(s.trace <= s.bound_2_9)
    # bounds as stated: 2/sqrt(N) e^{2t|U|} and 4 sqrt(1/N) e^{3 t |U|} for two modes
    np.testing.assert_allclose(s.bound_2_8[:, -1], 2 / np.sqrt(s.Ns) * np.exp(2.0))
    np.testing.assert_allclose(s.bound_2_9[:, -1], 4 / np.sqrt(s.Ns) * np.exp(3.0))
    assert set(s.marginals) == {1, 2, 3}
    assert np.all(np.isfinite(s.accuracy_time(1e-3)))


def test_lemma_2_4_and_fluctuation_identity():
    model = josephson(J=1.0, U=2.0)
    psi0 = np.array([0.6, 0.8j])
    phi = np.array([1.0, 1.0j]) / np.sqrt(2)
    lhs, rhs = L2.lemma_2_4(model, 30, psi0, phi, 1.5)
    assert abs(lhs - rhs) < 1e-10
    measured, exact = L2.chaotic_fluctuation(model, 12, psi0, np.array([[0, 1], [0, 0.5]]))
    assert abs(measured - exact) < 1e-13


def test_energy_per_particle_and_format():
    model, psi = L2.ring_setup(k_max=1)
    e_n, e_h, corr = L2.energy_per_particle(model, psi, [3, 9])
    np.testing.assert_allclose(e_n, e_h + corr, atol=1e-13)
    assert L2.fmt_dim(10**4000) == "1.00e4000"
    assert L2.fmt_dim(1234) == "1,234"


def test_ring_densities():
    model, psi = L2.ring_setup(k_max=1)
    x = np.linspace(-np.pi, np.pi, 257)[:-1]
    rho_n, rho_h = L2.ring_densities(model, psi, [4, 16], 0.0, x)
    np.testing.assert_allclose(rho_n, np.tile(rho_h, (2, 1)), atol=1e-13)  # product state
    rho_n, rho_h = L2.ring_densities(model, psi, [4, 16], 1.0, x)
    dx = x[1] - x[0]
    np.testing.assert_allclose(rho_n.sum(axis=1) * dx, 1.0, atol=1e-12)
    assert abs(rho_h.sum() * dx - 1) < 1e-10
    gap = np.abs(rho_n - rho_h).max(axis=1)
    assert 2.5 < gap[0] / gap[1] < 6  # ~1/N between N = 4 and 16


def test_error_rate_explorer_scrubs_every_time_and_measure():
    import matplotlib

    matplotlib.use("Agg")
    model, psi0 = L2.two_mode_setup()
    scan = L2.rate_scan(model, psi0, [20, 40, 80], np.linspace(0, 1, 5), j_max=1)
    box = L2.error_rate_explorer({"two modes": scan})
    controls = box.children[1].children
    it, _, norm = controls
    out = [c for c in box.children if "mfcourse-figure" in c._dom_classes][0]
    status = [c for c in box.children if "mfcourse-status" in c._dom_classes][0]
    for measure in ("trace", "operator", "pickl"):
        norm.value = measure
        for k in range(1, 5):
            it.value = k
            assert "redrawn in" in status.value
            assert not any(o.get("name") == "stderr" for o in out.outputs), out.outputs


# ----------------------------------------------------------------------------------------------
# the proof audit: Theorems 2.5, 2.7, 2.8 and Pickl's functional (issue #12)
# ----------------------------------------------------------------------------------------------
def _tensor_J(A, k, N):
    """J_k A on (C^K)^{⊗N}, built by Kronecker products (brute force, independent of Fock)."""
    K = A.shape[0]
    out = np.ones((1, 1))
    for j in range(N):
        out = np.kron(out, A if j == k else np.eye(K))
    return out


def _symmetric_basis(K, N):
    """Orthonormal basis of Sym^N(C^K) inside (C^K)^{⊗N}: the range of the symmetriser."""
    import itertools

    dim = K**N
    P = np.zeros((dim, dim))
    idx = np.array(list(itertools.product(range(K), repeat=N)))
    flat = lambda t: int(np.ravel_multi_index(tuple(t), (K,) * N))  # noqa: E731
    perms = list(itertools.permutations(range(N)))
    for i, t in enumerate(idx):
        for p in perms:
            P[flat(t[list(p)]), i] += 1 / len(perms)
    w, v = np.linalg.eigh(P)
    return v[:, w > 0.5]


def test_fourier_multipliers_unitary_for_two_modes_contractions_on_the_ring():
    from mfcourse.quantum.fock import fourier_multipliers, self_term

    two, _ = L2.two_mode_setup(U=1.7)
    ring, _ = L2.ring_setup(k_max=2)
    for _, E in fourier_multipliers(two):
        np.testing.assert_allclose(E.conj().T @ E, np.eye(2))
    assert sum(abs(c) for c, _ in fourier_multipliers(two)) == pytest.approx(1.7)
    mult = fourier_multipliers(ring)
    assert all(np.linalg.norm(E, 2) <= 1 + 1e-14 for _, E in mult)
    assert any(not np.allclose(E.conj().T @ E, np.eye(5)) for _, E in mult)
    A = np.arange(25.0).reshape(5, 5) / 25
    assert np.abs(self_term(fourier_multipliers(two), A[:2, :2])).max() == 0
    assert np.abs(self_term(mult, A)).max() > 1e-2
    assert L2.self_term_constant(two) == 0 and L2.self_term_constant(L2.ring_setup(k_max=1)[0]) == (
        pytest.approx(1.0)
    )
    with pytest.raises(ValueError, match="model"):
        fourier_multipliers("not a model")


@pytest.mark.parametrize("K,N", [(2, 4), (3, 3)])
def test_commutator_norm_against_the_tensor_space(K, N):
    """‖[M_N^in(X), M_N^in(Y)]‖ on Sym^N from the Fock space equals the brute-force
    commutator of (1/N)Σ_k J_k X and (1/N)Σ_k J_k Y restricted to the symmetric subspace, and is
    at most ‖[X,Y]‖/N."""
    from mfcourse.quantum.fock import FockSpace, klimontovich_commutator_norm

    rng = np.random.default_rng(K * 10 + N)
    X = rng.normal(size=(K, K)) + 1j * rng.normal(size=(K, K))
    Y = rng.normal(size=(K, K)) + 1j * rng.normal(size=(K, K))
    MX = sum(_tensor_J(X, k, N) for k in range(N)) / N
    MY = sum(_tensor_J(Y, k, N) for k in range(N)) / N
    S = _symmetric_basis(K, N)
    brute = np.linalg.norm(S.conj().T @ (MX @ MY - MY @ MX) @ S, 2)
    fock = klimontovich_commutator_norm(FockSpace(N, K), X, Y)
    assert fock == pytest.approx(brute, rel=1e-12)
    assert fock <= np.linalg.norm(X @ Y - Y @ X, 2) / N + 1e-14


def test_sparse_operator_norm_lanczos_matches_dense():
    from mfcourse.quantum.fock import FockSpace, sparse_operator_norm

    rng = np.random.default_rng(7)
    C = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))
    X = FockSpace(12, 3).one_body(C)  # dimension 91
    assert sparse_operator_norm(X, dense_below=10) == pytest.approx(
        np.linalg.norm(X.toarray(), 2), rel=1e-8
    )
    with pytest.raises(ValueError, match="square"):
        sparse_operator_norm(np.zeros((2, 3)))


def test_theorem_2_5_exact_for_two_modes_needs_the_self_term_on_the_ring():
    rng = np.random.default_rng(5)
    two, _ = L2.two_mode_setup()
    ring, _ = L2.ring_setup(k_max=1)
    for model, N in [(two, 7), (ring, 5)]:
        A = rng.normal(size=(model.K, model.K)) + 1j * rng.normal(size=(model.K, model.K))
        d = L2.klimontovich_equation_defect(model, N, A)
        assert d["corrected"] < 1e-12 * d["lhs"]
        if model is two:
            assert d["seed"] < 1e-12 * d["lhs"] and d["self_term"] == 0
        else:
            # the extra term is exactly (1/N) M(D(A)): its norm is the seed's defect
            assert d["seed"] > 1e-3 and d["seed"] == pytest.approx(d["self_term"], rel=1e-10)
    # and it is O(1/N): ‖(1/N) M_N^in(D(A))‖ = ‖dΓ(D(A))‖/N² <= ‖D(A)‖/N <= delta_bar ‖A‖/N
    from mfcourse.quantum.fock import fourier_multipliers, self_term

    A = np.diag([1.0, 0.0, 0.0]) + 0.5 * (np.eye(3, k=1) + np.eye(3, k=-1))
    D = self_term(fourier_multipliers(ring), A)
    for N in (6, 12):
        d = L2.klimontovich_equation_defect(ring, N, A)["self_term"]
        assert (
            d * N
            <= np.linalg.norm(D, 2) * (1 + 1e-12)
            <= L2.self_term_constant(ring) * (np.linalg.norm(A, 2) + 1e-12)
        )


def test_theorem_2_7_hartree_and_phase_solve_it_other_paths_do_not():
    from mfcourse.quantum.hartree import evolve_modes

    model, psi0 = L2.ring_setup(k_max=1)
    times = np.linspace(0, 1, 41)
    psi_t = evolve_modes(model, psi0, times)
    A = np.array([[0.3, 1j, 0], [-1j, 0, 0.2], [0, 0.2, -0.5]])
    assert np.abs(L2.theorem_2_7_residual(model, times, psi_t, A)).max() < 1e-5
    phased = psi_t * np.exp(1j * times**2)[:, None]  # not a Hartree solution, same R_phi
    assert np.abs(L2.theorem_2_7_residual(model, times, phased, A)).max() < 1e-5
    free = np.array([np.exp(-1j * np.diag(model.h) * t) * psi0 for t in times])
    assert np.abs(L2.theorem_2_7_residual(model, times, free, A)).max() > 1e-2
    with pytest.raises(ValueError, match="uniform"):
        L2.theorem_2_7_residual(model, times[[0, 1, 3, 4, 5]], psi_t[:5], A)


def test_trace_norm_is_twice_operator_norm_for_density_minus_pure():
    """Weyl: γ − P has at most one negative eigenvalue and trace 0."""
    from mfcourse.quantum.fock import operator_norm, trace_norm

    rng = np.random.default_rng(11)
    for K in (2, 3, 6):
        G = rng.normal(size=(K, K)) + 1j * rng.normal(size=(K, K))
        gamma = G @ G.conj().T
        gamma /= np.trace(gamma).real
        psi = rng.normal(size=K) + 1j * rng.normal(size=K)
        psi /= np.linalg.norm(psi)
        D = gamma - np.outer(psi, psi.conj())
        ev = np.linalg.eigvalsh(D)
        assert np.sum(ev < -1e-14) <= 1
        assert trace_norm(D) == pytest.approx(2 * operator_norm(D), rel=1e-12)
    # not for two mixed states: γ − γ' can have two negative eigenvalues
    g1, g2 = np.diag([0.5, 0.5, 0, 0]), np.diag([0, 0, 0.5, 0.5])
    assert trace_norm(g1 - g2) == pytest.approx(2.0) and operator_norm(g1 - g2) == 0.5


def test_hartree_propagator():
    from mfcourse.quantum.hartree import evolve_modes, hartree_propagator

    model, psi0 = L2.ring_setup(k_max=1)
    times = np.linspace(0, 2, 5)
    psi_t, U_t = hartree_propagator(model, psi0, times)
    np.testing.assert_allclose(psi_t, evolve_modes(model, psi0, times), atol=1e-9)
    for p, U in zip(psi_t, U_t, strict=True):
        np.testing.assert_allclose(U.conj().T @ U, np.eye(3), atol=1e-9)
        np.testing.assert_allclose(U @ psi0, p, atol=1e-9)


def test_proof_audit_small():
    times = np.linspace(0, 1, 11)
    model, psi0 = L2.two_mode_setup()
    a = L2.proof_audit(model, psi0, [8, 16], times, comm_every=5)
    # dE/dt exact vs finite differences of E (fourth order in the interior)
    dt = times[1] - times[0]
    E = a.pickl[1]
    fd = (-E[4:] + 8 * E[3:-1] - 8 * E[1:-3] + E[:-4]) / (12 * dt)
    np.testing.assert_allclose(a.dpickl[1, 2:-2], fd, atol=2e-5)
    # two modes: delta = 0 and the integrated bound is (2/N)(e^{6|U|t} - 1)
    assert np.all(a.delta_P == 0) and a.delta_bar == 0
    np.testing.assert_allclose(
        a.integrated, 2 / a.Ns[:, None] * np.expm1(6 * times)[None, :], rtol=1e-3
    )
    # every audited inequality holds
    assert np.nanmax(a.commutator_ratio) <= 1 and np.isnan(a.commutator[0, 1])
    assert np.all(a.derivative_ratio <= 1) and np.all(a.integrated_ratio <= 1)
    assert np.all(a.gronwall_ratio <= 1)
    assert np.all(a.sqrt_ratio <= 1)
    np.testing.assert_allclose(a.trace, 2 * a.operator, rtol=1e-8, atol=1e-13)
    ring, phi0 = L2.ring_setup(k_max=1)
    r = L2.proof_audit(ring, phi0, [4, 8], times[:6], comm_every=5)
    assert r.delta_bar == pytest.approx(1.0) and np.all(r.delta_P > 0)
    assert np.all(r.derivative_ratio <= 1) and np.all(r.integrated_ratio <= 1)
    with pytest.raises(ValueError, match="start at 0"):
        L2.proof_audit(model, psi0, [8], times[1:])
    with pytest.raises(ValueError, match="comm_every"):
        L2.proof_audit(model, psi0, [8], times, comm_every=0)


def test_chaotic_morphism_collapses_C_to_the_hartree_commutator():
    """C[V, R_psi, R_psi](A) = <psi|[V_psi, A]|psi> I (proof of Theorem 2.7)."""
    from mfcourse.quantum.fock import (
        FockSpace,
        chaotic_morphism,
        fourier_multipliers,
        interaction_map,
    )

    model, psi = L2.ring_setup(k_max=1)
    space = FockSpace(4, 3)
    R = lambda X: chaotic_morphism(space, psi, X)  # noqa: E731
    A = np.array([[0.3, 1j, 0], [-1j, 0, 0.2], [0, 0.2, -0.5]])
    C = interaction_map(fourier_multipliers(model), R, R, A).toarray()
    Vpsi = model.mean_field_matrix(psi)
    expected = np.conj(psi) @ (Vpsi @ A - A @ Vpsi) @ psi
    np.testing.assert_allclose(C, expected * np.eye(space.dim), atol=1e-14)


def test_proof_audit_explorer_scrubs():
    import matplotlib

    matplotlib.use("Agg")
    model, psi0 = L2.two_mode_setup()
    ring, phi0 = L2.ring_setup(k_max=1)
    times = np.linspace(0, 1, 6)
    audits = {
        "two modes": L2.proof_audit(model, psi0, [6, 12], times),
        "ring": L2.proof_audit(ring, phi0, [4, 8], times),
    }
    box = L2.proof_audit_explorer(audits)
    it, iN, mdl = box.children[1].children
    out = [c for c in box.children if "mfcourse-figure" in c._dom_classes][0]
    status = [c for c in box.children if "mfcourse-status" in c._dom_classes][0]
    for name in ("ring", "two modes"):
        mdl.value = name
        for n in (0, 1):
            iN.value = n
            for k in range(1, 6):
                it.value = k
                assert "redrawn in" in status.value
                assert not any(o.get("name") == "stderr" for o in out.outputs), out.outputs
