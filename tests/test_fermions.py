"""Tests of mfcourse.quantum.fermions against exact references (Lecture 5, seed 003)."""

import math

import numpy as np
import pytest
from scipy.sparse.linalg import expm_multiply

from mfcourse.interaction import PairInteraction
from mfcourse.quantum import fermions as fm
from mfcourse.quantum import hartree_fock as hf


def _orthonormal(rng, n, r, dx=1.0):
    q, _ = np.linalg.qr(rng.normal(size=(n, r)) + 1j * rng.normal(size=(n, r)))
    return q / math.sqrt(dx)


# --------------------------------------------------------------------------- density matrices
def test_slater_density_matrix_is_projection_of_trace_N():
    rng = np.random.default_rng(1)
    x = hf.torus_grid(32)
    dx = x[1] - x[0]
    phi = _orthonormal(rng, 32, 5, dx)
    om = fm.slater_density_matrix(phi, dx)
    lam = fm.check_density_matrix(om, dx, 5)
    assert np.allclose(lam[-5:], 1) and np.allclose(lam[:-5], 0, atol=1e-12)
    assert np.allclose(om @ om * dx, om)  # omega^2 = omega as operators


@pytest.mark.parametrize(
    "bad, match",
    [
        ("nonherm", "Hermitian"),
        ("trace", "trace N"),
        ("pauli", "0 <= omega <= 1"),
    ],
)
def test_check_density_matrix_rejects(bad, match):
    rng = np.random.default_rng(2)
    phi = _orthonormal(rng, 16, 3)
    om = fm.slater_density_matrix(phi, 1.0)
    if bad == "nonherm":
        om = om + 0.1j * np.eye(16)[::-1] * np.arange(16)
    elif bad == "trace":
        om = om * 0.9
    else:
        om = 2 * om / 2 + (phi[:, :1] @ phi[:, :1].conj().T)  # eigenvalue 2
    with pytest.raises(ValueError, match=match):
        fm.check_density_matrix(om, 1.0, 3 if bad != "pauli" else 4)


@pytest.mark.parametrize("N", [0, -3, 2.5, True])
def test_bad_particle_number(N):
    with pytest.raises(ValueError, match="N"):
        fm.check_particle_number(N)


def test_slater_requires_orthonormal():
    with pytest.raises(ValueError, match="orthonormal"):
        fm.slater_density_matrix(np.ones((8, 2)), 1.0)


# --------------------------------------------------------------------------- phase space
def test_wigner_normalisation_and_plancherel_on_free_sea():
    # free Fermi sea on the torus, N odd: plane waves |m| <= (N-1)/2; int W_N = eps tr = 1
    N = 9
    x = hf.torus_grid(64)
    dx = x[1] - x[0]
    m = np.arange(-(N // 2), N // 2 + 1)
    phi = np.exp(1j * np.outer(x, m)) / math.sqrt(2 * math.pi)
    om = fm.slater_density_matrix(phi, dx)
    xi, w = fm.wigner_n(om, x, N, periodic=True)
    dxi = xi[1] - xi[0]
    assert abs(w.sum() * dx * dxi - 1) < 1e-12
    # the marginal in x is rho = omega(x;x)/N = 1/(2 pi)
    assert np.allclose(w.sum(axis=1) * dxi, 1 / (2 * math.pi))


def test_weyl_inverts_wigner_for_band_limited_state():
    rng = np.random.default_rng(3)
    N, n = 4, 64
    x = hf.torus_grid(n)
    dx = x[1] - x[0]
    m = np.arange(-6, 7)  # |m| < n/4: the Wigner function is band-limited on the grid
    c = np.linalg.qr(rng.normal(size=(m.size, N)) + 1j * rng.normal(size=(m.size, N)))[0]
    phi = np.exp(1j * np.outer(x, m)) / math.sqrt(2 * math.pi) @ c
    om = fm.slater_density_matrix(phi, dx)
    xi, w = fm.wigner_n(om, x, N, periodic=True)
    back = fm.weyl_quantize(w, x, N)
    assert np.max(np.abs(back - om)) < 1e-10 * np.max(np.abs(om))


def test_ho_closed_form_matches_grid_wigner_and_cut():
    # harmonic trap on a box large enough (state supported in less than half of it)
    N, n, L = 6, 256, 16.0
    eps = 1.0 / N
    x = -L / 2 + L / n * np.arange(n)
    dx = L / n
    k = 2 * math.pi * np.fft.fftfreq(n, dx)
    # exact eigenfunctions by diagonalising H = -eps^2/2 d^2 + x^2/2 spectrally
    F = np.fft.fft(np.eye(n), axis=0)
    kin = np.real(np.fft.ifft(0.5 * (eps * k[:, None]) ** 2 * F, axis=0))
    e, u = np.linalg.eigh(kin + np.diag(0.5 * x**2))
    assert np.allclose(e[:N], eps * (np.arange(N) + 0.5), atol=1e-10)
    phi = u[:, :N] / math.sqrt(dx)
    om = fm.slater_density_matrix(phi.astype(complex), dx)
    xi, w = fm.wigner_n(om, x, N, check=False)
    X, XI = np.meshgrid(x, xi, indexing="ij")
    ref = fm.ho_wigner_closed_form(X, XI, N)
    sel = np.abs(XI) < 2.5
    assert np.max(np.abs(w - ref)[sel]) < 1e-8
    assert fm.plancherel_defect(w, xi[1] - xi[0], om, dx, N) < 1e-8
    xs, cut = fm.ho_wigner_cut(np.linspace(0, 2, 9), N)
    assert np.allclose(cut, fm.ho_wigner_closed_form(xs, 0 * xs, N), atol=1e-12)


def test_ho_centre_value_parity():
    # W_N(0, 0) = (1/pi) [N odd]: the bulk value 1/(2 pi) holds only on average
    for N in (7, 8):
        assert abs(fm.ho_wigner_closed_form(0.0, 0.0, N) - (N % 2) / math.pi) < 1e-12


def test_airy_integral_limits():
    a = fm.airy_integral(np.array([-60.0, 0.0, 8.0]))
    assert abs(a[1] - 1 / 3) < 1e-14 and abs(a[0] - 1) < 0.05 and a[2] < 1e-6


def test_edge_width_scales_like_eps_two_thirds():
    from mfcourse.course import lecture5 as l5
    from mfcourse.course.plotting import fit_power_law

    e = l5.edge_study([64, 256, 1024], points=81)
    p, _ = fit_power_law(1.0 / e.N, e.width)
    assert abs(p - 2 / 3) < 0.02
    assert np.all(np.diff(e.sup_error) < 0)


def test_commutator_trace_norm_matches_dense():
    rng = np.random.default_rng(4)
    n, r = 40, 4
    phi = _orthonormal(rng, n, r)
    lam = np.array([1.0, 0.5, 0.25, 0.75])
    om = (phi * lam) @ phi.conj().T
    T = np.diag(np.exp(1j * np.arange(n)))
    dense = fm.trace_norm(T @ om - om @ T)
    fast = fm.commutator_trace_norm(lam, phi, T @ phi, T.conj().T @ phi, 1.0)
    assert abs(dense - fast) < 1e-10


def test_ho_commutators_exact():
    from mfcourse.course import lecture5 as l5

    for N in (4, 10):
        cx, cp = l5.ho_commutators(N)
        assert abs(cx - math.sqrt(2)) < 1e-12 and abs(cp - math.sqrt(2)) < 1e-12


# --------------------------------------------------------------------------- Fock space
def test_fock_dimension_and_sign_rule():
    fock = fm.FermionFockSpace(2, 4)
    assert fock.dim == 6
    # a_1^+ a_0 on |0,2> (modes 0 and 2 occupied): remove 0 (sign +), add 1 (one occupied
    # mode below? none after removal: mode 2 is above) -> +|1,2>
    h = np.zeros((4, 4))
    h[1, 0] = 1.0
    op = fock.one_body(h).toarray()
    s_in = fock.index(np.array([0b0101]))[0]
    s_out = fock.index(np.array([0b0110]))[0]
    assert op[s_out, s_in] == 1
    # a_3^+ a_0 on |0,2>: remove 0, add 3 past the occupied mode 2 -> sign -1
    h = np.zeros((4, 4))
    h[3, 0] = 1.0
    op = fock.one_body(h).toarray()
    assert op[fock.index(np.array([0b1100]))[0], s_in] == -1


def test_fock_anticommutation_via_number_operator():
    # sum_a a_a^+ a_a = N on the sector; h and its adjoint give Hermitian operators
    fock = fm.FermionFockSpace(3, 6)
    n_op = fock.one_body(np.eye(6)).toarray()
    assert np.allclose(n_op, 3 * np.eye(fock.dim))
    rng = np.random.default_rng(5)
    h = rng.normal(size=(6, 6)) + 1j * rng.normal(size=(6, 6))
    H = fock.one_body(h + h.conj().T).toarray()
    assert np.allclose(H, H.conj().T)


def test_free_fermions_stay_slater_and_match_one_body_flow():
    rng = np.random.default_rng(6)
    N, K = 3, 7
    fock = fm.FermionFockSpace(N, K)
    h = rng.normal(size=(K, K)) + 1j * rng.normal(size=(K, K))
    h = h + h.conj().T
    phi = np.linalg.qr(rng.normal(size=(K, N)) + 1j * rng.normal(size=(K, N)))[0]
    Psi = fock.slater_state(phi)
    assert abs(np.linalg.norm(Psi) - 1) < 1e-12
    t = 0.7
    Psi_t = expm_multiply(-1j * t * fock.one_body(h), Psi)
    from scipy.linalg import expm

    phi_t = expm(-1j * t * h) @ phi
    assert np.allclose(Psi_t, fock.slater_state(phi_t), atol=1e-10)
    g = fock.gamma1(Psi_t)
    assert np.allclose(g, phi_t @ phi_t.conj().T, atol=1e-10)


def test_hf_is_exact_to_first_order_in_time():
    # for a Slater determinant, d/dt gamma^(1) at t = 0 equals the Hartree-Fock commutator
    # (Wick's theorem); both in the same plane-wave modes
    N = 3
    modes = np.arange(-4, 5)
    fock = fm.FermionFockSpace(N, modes.size)
    V = PairInteraction({1: 1.0, 2: 0.4})
    H, h1, _ = fm.plane_wave_model(fock, modes, 1 / N, V, external={1: 0.2, -1: 0.2})
    mhf = hf.ModeHartreeFock(modes, N, interaction=V, external={1: 0.2, -1: 0.2})
    rng = np.random.default_rng(7)
    phi = np.linalg.qr(rng.normal(size=(9, N)) + 1j * rng.normal(size=(9, N)))[0]
    Psi = fock.slater_state(phi)
    h = 1e-5
    gp = fock.gamma1(expm_multiply(-1j * h * N * H, Psi))
    gm = fock.gamma1(expm_multiply(1j * h * N * H, Psi))
    om = phi @ phi.conj().T
    hh = mhf.hamiltonian(om)
    assert np.max(np.abs((gp - gm) / (2 * h) - (hh @ om - om @ hh) * N / 1j)) < 1e-7
    # the Hartree-Fock energy is the N-body energy of a Slater determinant
    assert abs(np.vdot(Psi, H @ Psi).real / N - mhf.energy(om)) < 1e-12


def test_fock_rejects_bad_sizes():
    with pytest.raises(ValueError, match="N <= K"):
        fm.FermionFockSpace(5, 3)
    with pytest.raises(ValueError, match="exceeds"):
        fm.FermionFockSpace(12, 40)


def test_trace_norm_paths_agree_with_singular_values():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(40, 40)) + 1j * rng.normal(size=(40, 40))
    herm = a + a.conj().T
    skew = a - a.conj().T  # a commutator of self-adjoint operators is skew-adjoint
    for m in (herm, skew, a):
        ref = np.sum(np.linalg.svd(m * 0.3, compute_uv=False))
        assert abs(fm.trace_norm(m, 0.3) - ref) < 1e-12 * ref
    # a Hermitian kernel made by a product (rounding breaks the symmetry slightly)
    phi = np.linalg.qr(rng.normal(size=(60, 12)) + 1j * rng.normal(size=(60, 12)))[0]
    om = (phi * np.linspace(0.1, 1, 12)) @ phi.conj().T
    ref = np.sum(np.linalg.svd(om, compute_uv=False))
    assert abs(fm.trace_norm(om) - ref) < 1e-12 * ref
    assert abs(fm.trace_norm(om) - 6.6) < 1e-12  # the sum of the weights


def test_grid_points_needed_is_fft_friendly():
    for N in (1, 7, 12, 100, 256, 512, 1000):
        n = hf.grid_points_needed(N, 1.6)
        assert n % 16 == 0 and n >= max(3.2 * N, 2 * N)
        m = n
        for p in (2, 3, 5, 7):
            while m % p == 0:
                m //= p
        assert m == 1, f"n = {n} has a prime factor > 7"
        # the smallest such multiple of 16
        assert all(not hf._smooth(k) for k in range(n - 16, int(3.2 * N) - 1, -16) if k > 0)
    with pytest.raises(ValueError, match="multiple"):
        hf.grid_points_needed(8, 1.6, multiple=0)


def test_grid_state_by_fft_matches_the_dense_sum():
    from mfcourse.course import lecture5 as l5

    N = 12
    solver, om, e, vec = l5.trap_ground_state(N, edge=0.15)
    n = hf.grid_points_needed(N, 1.6)
    x = hf.torus_grid(n)
    E = np.exp(1j * np.outer(x, solver.modes)) / np.sqrt(2 * np.pi)
    ref = E @ om @ E.conj().T
    for eig in (None, (hf.occupations(e, N, 0.15), vec)):
        st = l5.grid_state(N, solver, om, n, eig=eig)
        assert np.max(np.abs(st.to_kernel() - ref)) < 1e-12 * np.abs(ref).max()
    # fewer grid points than modes would alias two modes onto one: refused
    with pytest.raises(ValueError, match="cannot carry"):
        l5.grid_state(N, solver, om, 32)


def test_exchange_effect_is_small_and_resolved_by_the_kicks():
    from mfcourse.course import lecture5 as l5

    r = l5.exchange_effect([12, 24], t_final=1.0)
    assert np.all(r.kick_change < 0.05 * r.effect)
    # eps^3: from 12 to 24 the effect drops by about 8
    assert 5 < r.effect[0] / r.effect[1] < 12
    assert l5.vlasov_grid_for(64) == (256, 512, 2.0) and l5.vlasov_grid_for(128)[0] == 512
