r"""Experiments of Lecture 5 (fermions: Hartree–Fock to Vlasov), kept out of the notebook.

Each function runs one experiment with the library — :mod:`mfcourse.quantum.fermions`
(Slater determinants, Wigner/Weyl with the :math:`\varepsilon = 1/N` normalisation, the
antisymmetric Fock space), :mod:`mfcourse.quantum.hartree_fock` (grid and mode Hartree–Fock),
:mod:`mfcourse.classical.vlasov` (lecture 1's Vlasov solver) — and returns plain arrays; the
notebook draws them and states the claims. References: Saffirio (seed 003) after
Benedikter–Porta–Saffirio–Schlein (BPSS), Golse (seed 002) Remark 2.8(7), §3.6(1).

The lecture's model: :math:`N` fermions on :math:`\mathbf T = \mathbf R/2\pi\mathbf Z`,
:math:`\varepsilon = 1/N`, kinetic energy :math:`-\frac{\varepsilon^2}{2}\Delta`, trap
:math:`U(x) = u(1+\cos x)` (minimum at :math:`x = \pi`), pair interaction the HMF potential
:math:`V(x) = -\cos x` of the course (:meth:`mfcourse.interaction.PairInteraction.hmf`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from mfcourse import phasespace as ps
from mfcourse.interaction import PairInteraction
from mfcourse.quantum import fermions as fm
from mfcourse.quantum import hartree_fock as hf
from mfcourse.quantum.vonneumann import MixedState

TWO_PI = 2.0 * math.pi


def _single_blas(func):
    """Run an experiment with one BLAS thread: its matrices are small (n <= ~10^3), where
    OpenBLAS threads cost more than they give, and far more on a loaded machine."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with hf._BlasThreads(1):
            return func(*args, **kwargs)

    return wrapper


#: the lecture's model parameters
MODEL = {"u": 0.5, "p_max": 1.6, "edge": 0.15, "exchange_dt": 0.1}


def trap_fourier(u: float = MODEL["u"]) -> dict:
    r""":math:`U = u(1+\cos x)` as ``{q: Uhat(q)}``."""
    return {0: u, 1: u / 2, -1: u / 2}


def interaction() -> PairInteraction:
    """The lecture's pair interaction (the course's HMF potential V = -cos x)."""
    return PairInteraction.hmf(1.0)


def mode_window(N: int, p_max: float = MODEL["p_max"]) -> np.ndarray:
    r"""Plane-wave modes :math:`|m| \le M` with :math:`\varepsilon M \ge p_{\max}` (odd count)."""
    M = max(int(math.ceil(p_max * N)), N)
    return np.arange(-M, M + 1)


def trap_ground_state(
    N: int,
    *,
    u: float = MODEL["u"],
    edge: float = 0.0,
    with_interaction: bool = False,
    p_max: float = MODEL["p_max"],
):
    r"""The (Hartree–Fock) ground state of :math:`N` fermions in the trap, ``edge = 0`` the
    Fermi sea (a projection), ``edge > 0`` the smooth-edge mixed state of
    :func:`mfcourse.quantum.hartree_fock.occupations`. Returns ``(solver, omega, energies,
    vectors)`` in the mode basis."""
    N = fm.check_particle_number(N)
    solver = hf.ModeHartreeFock(
        mode_window(N, p_max),
        N,
        interaction=interaction() if with_interaction else None,
        external=trap_fourier(u),
    )
    omega, e, vec = solver.ground_state(edge)
    return solver, omega, e, vec


def grid_state(N: int, solver: hf.ModeHartreeFock, omega, n: int, *, eig=None) -> MixedState:
    r"""The mode-basis state ``omega`` as orbitals on the torus grid of ``n`` points
    (:math:`\varphi(x_j) = \sum_m c_m e^{imx_j}/\sqrt{2\pi}` by one inverse FFT per orbital).
    ``eig = (weights, vectors)``, when the eigen-decomposition of ``omega`` is known (e.g. the
    occupations and the levels of :func:`trap_ground_state`), saves diagonalising it again."""
    x = hf.torus_grid(n)
    if solver.K > n:
        raise ValueError(f"n = {n} grid points cannot carry the {solver.K} modes of the state")
    if eig is None:
        lam, vec = np.linalg.eigh(omega)
    else:
        lam, vec = (np.asarray(a) for a in eig)
    keep = lam > 1e-12
    lam, vec = lam[keep], vec[:, keep]
    coef = np.zeros((n, lam.size), dtype=complex)
    coef[solver.modes % n] = vec
    phi = np.fft.ifft(coef, axis=0) * (n / math.sqrt(TWO_PI))
    lam = np.clip(lam, 0, 1)
    return MixedState(x[1] - x[0], weights=lam * (N / lam.sum()), orbitals=phi)


# ---------------------------------------------------------------------------------------
# §3 Ground state: the Fermi sea in phase space, the edge layer
# ---------------------------------------------------------------------------------------
@dataclass
class EdgeStudy:
    r"""Harmonic-trap Fermi sea, :math:`\mu = \varepsilon N = 1`: :math:`W_N(x, 0)` near the
    edge :math:`x = \sqrt{2\mu}` against the Airy form, 10–90% widths in :math:`H`."""

    N: np.ndarray
    H: list
    W: list
    airy: list
    width: np.ndarray
    width_airy: np.ndarray
    sup_error: np.ndarray
    bulk_x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    bulk_W: dict = field(default_factory=dict)


def _crossing(H, y, level):
    """Largest H at which y (decreasing to 0 at large H) crosses ``level``, interpolated."""
    idx = np.nonzero(y >= level)[0]
    i = idx[-1]
    return H[i] + (level - y[i]) * (H[i + 1] - H[i]) / (y[i + 1] - y[i])


@_single_blas
def edge_study(N_values: Sequence[int], window: float = 4.0, points: int = 121) -> EdgeStudy:
    r"""For each :math:`N` (:math:`\varepsilon = 1/N`): :math:`2\pi W_N` along the cut
    :math:`v = 0` for :math:`H - \mu \in [-w, w]\,\ell_N`, :math:`\ell_N = \mu^{1/3}
    \varepsilon^{2/3}/2^{2/3}` (:func:`mfcourse.quantum.fermions.ho_wigner_cut`), the Airy form
    (:func:`~mfcourse.quantum.fermions.airy_edge_profile`), the width between the 0.9 and 0.1
    crossings, and the sup distance to the Airy form on the window."""
    Ns = np.asarray(N_values, dtype=int)
    Hs, Ws, As = [], [], []
    width, width_airy, sup = (np.empty(Ns.size) for _ in range(3))
    for i, N in enumerate(Ns):
        eps, mu = 1.0 / N, 1.0
        ell = mu ** (1 / 3) * eps ** (2 / 3) / 2 ** (2 / 3)
        H = mu + ell * np.linspace(-window, window, points)
        xs, w = fm.ho_wigner_cut(np.sqrt(2 * H), int(N), eps)
        H, w = 0.5 * xs**2, TWO_PI * w
        a = TWO_PI * fm.airy_edge_profile(H, mu, eps)
        Hs.append(H)
        Ws.append(w)
        As.append(a)
        width[i] = _crossing(H, w, 0.1) - _crossing(H, w, 0.9)
        width_airy[i] = _crossing(H, a, 0.1) - _crossing(H, a, 0.9)
        sup[i] = float(np.max(np.abs(w - a)))
    return EdgeStudy(Ns, Hs, Ws, As, width, width_airy, sup)


def bulk_cut(N: int, x) -> tuple[np.ndarray, np.ndarray]:
    """``(x_used, 2 pi W_N(x_used, 0))`` for the harmonic-trap Fermi sea."""
    xs, w = fm.ho_wigner_cut(np.asarray(x, dtype=float), N)
    return xs, TWO_PI * w


# ---------------------------------------------------------------------------------------
# §4 Semiclassical structure: commutator bounds; the size of the exchange term
# ---------------------------------------------------------------------------------------
def mode_commutators(solver: hf.ModeHartreeFock, omega) -> tuple[float, float]:
    r""":math:`\operatorname{tr}|[e^{ix},\omega]|` and :math:`\operatorname{tr}|[\varepsilon
    \partial_x,\omega]|` in the plane-wave basis (the shift and :math:`\mathrm{diag}(i\varepsilon
    m)`; modes leaving the window are dropped, harmless when :math:`\omega` vanishes there)."""
    K = solver.K
    S = np.eye(K, k=-1)
    D = np.diag(1j * solver.eps * solver.modes)
    c1 = S @ omega - omega @ S
    c2 = D @ omega - omega @ D
    return fm.trace_norm(c1), fm.trace_norm(c2)


def ho_commutators(N: int, eps: float | None = None, extra: int = 8) -> tuple[float, float]:
    r"""Numerical :math:`\operatorname{tr}|[x,\omega]|`, :math:`\operatorname{tr}
    |[\varepsilon\nabla,\omega]|` for the harmonic-trap Fermi sea in the number basis
    (:math:`x = \sqrt{\varepsilon/2}(a + a^*)`, :math:`\varepsilon\nabla = \sqrt{\varepsilon/2}
    (a - a^*)`); exact value :math:`\sqrt{2N\varepsilon}` for both."""
    eps = 1.0 / N if eps is None else eps
    n = N + extra
    a = np.diag(np.sqrt(np.arange(1, n)), k=1)
    x = math.sqrt(eps / 2) * (a + a.T)
    d = math.sqrt(eps / 2) * (a - a.T)
    om = np.diag((np.arange(n) < N).astype(float))
    return fm.trace_norm(x @ om - om @ x), fm.trace_norm(d @ om - om @ d)


@dataclass
class CommutatorTable:
    N: np.ndarray
    sea: np.ndarray  # (len N, 2): tr|[e^{ix}, w]|, tr|[eps d, w]| of the trap's Fermi sea
    hf_sea: np.ndarray  # the same for the self-consistent Hartree-Fock sea (trap + V)
    smooth: np.ndarray  # same for the smooth-edge mixed state (trap only)
    comb: np.ndarray  # tr|[e^{ix}, w]| of the comb Slater determinant
    ho: np.ndarray  # (len N, 2) harmonic trap, number basis
    exchange_ratio: np.ndarray  # (len N, 3) on the HF sea: ||X||/||V*rho||,
    # tr|[X,w]|/tr|[V*rho,w]|, E_x/E_d
    seconds: float = 0.0


@_single_blas
def commutator_table(N_values: Sequence[int], edge: float = MODEL["edge"]) -> CommutatorTable:
    r"""The semiclassical commutator bounds (BPSS Theorem 3's hypotheses) per :math:`N` on the
    trap's Fermi sea (no interaction), on the Hartree–Fock ground state with the lecture's
    interaction (self-consistent, :meth:`~mfcourse.quantum.hartree_fock.ModeHartreeFock.
    ground_state`), on the smooth-edge state, the comb and the harmonic sea; and the size of the
    exchange term on the Hartree–Fock ground state."""
    t0 = time.perf_counter()
    Ns = np.asarray(N_values, dtype=int)
    sea, hf_sea, smooth, ho, ratio = (np.empty((Ns.size, k)) for k in (2, 2, 2, 2, 3))
    comb = np.empty(Ns.size)
    for i, N in enumerate(Ns):
        solver, om, _, _ = trap_ground_state(int(N))
        sea[i] = mode_commutators(solver, om)
        s1, om1, _, _ = trap_ground_state(int(N), with_interaction=True)
        hf_sea[i] = mode_commutators(s1, om1)
        s2, om2, _, _ = trap_ground_state(int(N), edge=edge)
        smooth[i] = mode_commutators(s2, om2)
        # the comb: plane waves m = 0, 2, ..., 2(N-1) shifted to be centred
        occ = np.zeros(solver.K)
        centre = solver.K // 2
        occ[centre - (N - 1) + 2 * np.arange(N)] = 1.0
        comb[i] = mode_commutators(solver, np.diag(occ).astype(complex))[0]
        ho[i] = ho_commutators(int(N))
        X = s1.exchange_matrix(om1)
        Dm = s1.direct(om1)
        ratio[i, 0] = np.linalg.norm(X, 2) / np.linalg.norm(Dm, 2)
        ratio[i, 1] = fm.trace_norm(X @ om1 - om1 @ X) / fm.trace_norm(Dm @ om1 - om1 @ Dm)
        ratio[i, 2] = abs(np.trace(X @ om1).real) / abs(np.trace(Dm @ om1).real)
    return CommutatorTable(Ns, sea, hf_sea, smooth, comb, ho, ratio, time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------
# §5 The quench: Hartree–Fock against Vlasov
# ---------------------------------------------------------------------------------------
@dataclass
class QuenchRun:
    N: int
    x: np.ndarray
    xi: np.ndarray
    times: np.ndarray
    wigner: list  # W_N on the HF Wigner grid
    vlasov: list  # the Vlasov solution resampled on the same grid
    l2: np.ndarray  # ||W_N - W~_N||_{L^2}
    trace: np.ndarray  # tr|omega - omega~| / N (NaN where not computed)
    trace_drift: float
    energy_drift: float
    rank: int
    plancherel: float
    window_mass: float
    states: list = field(default_factory=list)
    seconds: float = 0.0


def wigner_of(state: MixedState, x, N: int):
    """:math:`W_N` of an orbital-form state on the grid ``x``."""
    return fm.wigner_n(state.to_kernel(), x, N, check=False, periodic=True)  # states on the torus


def released_state(N: int, edge: float = MODEL["edge"]) -> MixedState:
    r"""The state released in the quench: the trap's ground state of :func:`trap_ground_state`
    (``edge = 0`` the Fermi sea) as orbitals on the grid of
    :func:`~mfcourse.quantum.hartree_fock.grid_points_needed` for :math:`|v| \le p_{\max}`."""
    N = fm.check_particle_number(N)
    n = hf.grid_points_needed(N, MODEL["p_max"])
    solver, om, e, vec = trap_ground_state(N, edge=edge)
    return grid_state(N, solver, om, n, eig=(hf.occupations(e, N, edge), vec))


def vlasov_grid_for(N: int) -> tuple[int, int, float]:
    r"""The Vlasov reference grid of the quench, ``(nx, nv, v_max)``: fine enough that refining
    it moves the measured distances by a small fraction of themselves. Measured at
    :math:`t = 4` (``tr/N``): :math:`256\times512 \to 512\times1024` changes it by 0.1 % at
    :math:`N = 48`, 5 % at :math:`N = 192`, 23 % at :math:`N = 384` (the distance falls like
    :math:`\varepsilon^2`, the grid error does not); :math:`512\times1024 \to 768\times1536`
    by 0.2 % at :math:`N = 384`. The :math:`L^2` distance is less sensitive (0.7 % at
    :math:`N = 384` for the first refinement)."""
    N = fm.check_particle_number(N)
    return (256, 512, 2.0) if N < 128 else (512, 1024, 2.0)


@_single_blas
def quench_run(
    N: int,
    *,
    edge: float = MODEL["edge"],
    t_final: float = 4.0,
    dt: float = 0.02,
    n_save: int = 5,
    trace_at: Sequence[int] = (-1,),
    vlasov_grid: tuple[int, int, float] | None = None,
    exchange_dt: float | None = MODEL["exchange_dt"],
    keep_states: bool = False,
    progress: Callable[[str], None] | None = None,
) -> QuenchRun:
    r"""The quench of Lecture 5 §5: the non-interacting ground state of :math:`N` fermions in
    the trap (``edge`` as in :func:`trap_ground_state`) is released at :math:`t = 0` with the
    interaction switched on; Hartree–Fock on the grid of :func:`~mfcourse.quantum.hartree_fock.
    grid_points_needed` and lecture 1's Vlasov solver from :math:`\widetilde W_{N,0} = W_{N,0}`.
    Returns :math:`\|W_{N,t}-\widetilde W_{N,t}\|_{L^2}` at the saved times and
    :math:`\operatorname{tr}|\omega_{N,t}-\widetilde\omega_{N,t}|/N` at the saved indices
    ``trace_at`` (Weyl quantisation of the Vlasov solution, an :math:`n^3` eigenvalue problem).

    ``vlasov_grid = (nx, nv, v_max)``, by default :func:`vlasov_grid_for` ``(N)``; Hartree–Fock
    kicks exchange every ``exchange_dt`` (:class:`~mfcourse.quantum.hartree_fock.
    HartreeFockGrid`)."""
    from mfcourse.classical.vlasov import PhaseGrid, VlasovSolver

    t0 = time.perf_counter()
    N = fm.check_particle_number(N)
    st = released_state(N, edge)
    x = hf.torus_grid(st.n)
    V = interaction()
    hfs = hf.HartreeFockGrid(x, N, interaction=V, exchange_dt=exchange_dt)
    run = hfs.evolve(st, t_final, dt, n_save=n_save)
    nx, nv, v_max = vlasov_grid_for(N) if vlasov_grid is None else vlasov_grid
    grid = PhaseGrid(nx, nv, v_max)
    xi, w0 = wigner_of(run.states[0], x, N)
    dxi = xi[1] - xi[0]
    plancherel = fm.plancherel_defect(w0, dxi, run.states[0].to_kernel(), x[1] - x[0], N)
    f = ps.resample_phase_space(w0, x, xi, grid.x, grid.v, period=TWO_PI)
    # spectral shifts: exact in space on the periodic grid, and the same drift-kick-drift
    # splitting as Hartree-Fock, so the two time-stepping errors largely cancel
    vl = VlasovSolver(grid, V, dt, interpolation="spectral")
    per = round(t_final / dt) // (n_save - 1)
    W, F = [], []
    l2 = np.empty(n_save)
    trace = np.full(n_save, np.nan)
    trace_idx = {i % n_save for i in trace_at}
    window_mass = 0.0
    for i in range(n_save):
        if i:
            f = vl.advance(f, per)
        xi, w = wigner_of(run.states[i], x, N)
        g = ps.resample_phase_space(f, grid.x, grid.v, x, xi, period=TWO_PI)
        W.append(w)
        F.append(g)
        l2[i] = math.sqrt(float(np.sum((w - g) ** 2)) * (x[1] - x[0]) * dxi)
        edge_band = np.abs(xi) > 0.9 * xi.max()
        window_mass = max(window_mass, float(np.sum(np.abs(w[:, edge_band])) * (x[1] - x[0]) * dxi))
        if i in trace_idx:
            wt = fm.weyl_quantize(g, x, N)
            trace[i] = fm.trace_norm(run.states[i].to_kernel() - wt, x[1] - x[0]) / N
        if progress:
            progress(f"N = {N}: t = {run.times[i]:.2f}, L2 = {l2[i]:.4g}")
    return QuenchRun(
        N,
        x,
        xi,
        run.times,
        W,
        F,
        l2,
        trace,
        float(np.ptp(run.trace)),
        float(np.ptp(run.energy)),
        run.states[0].rank,
        plancherel,
        window_mass,
        run.states if keep_states else [],
        time.perf_counter() - t0,
    )


@dataclass
class ExchangeEffect:
    r""":math:`\operatorname{tr}|\omega^{HF}_{N,t} - \omega^{H}_{N,t}|/N` at ``t_final``:
    what the exchange term does to the state (Hartree–Fock against fermionic Hartree from the
    same quench data), next to :math:`\operatorname{tr}|\omega^{HF,\Delta}_{N,t}-\omega^{HF}
    _{N,t}|/N`, the change from kicking exchange every :math:`\Delta` = ``exchange_dt`` instead
    of at every step (the reference scheme, ``exchange_dt=None``)."""

    N: np.ndarray
    t_final: float
    effect: np.ndarray
    kick_change: np.ndarray
    seconds: float = 0.0


@_single_blas
def exchange_effect(
    N_values: Sequence[int],
    *,
    t_final: float = 4.0,
    dt: float = 0.02,
    edge: float = MODEL["edge"],
    exchange_dt: float = MODEL["exchange_dt"],
) -> ExchangeEffect:
    r"""How much the exchange term moves :math:`\omega_{N,t}` in the quench of
    :func:`quench_run` (Hartree–Fock with and without :math:`X`, the same grid and steps), and
    how much kicking exchange every ``exchange_dt`` instead of at every step changes
    Hartree–Fock."""
    t0 = time.perf_counter()
    Ns = np.asarray([fm.check_particle_number(int(N)) for N in N_values])
    effect, change = np.empty(Ns.size), np.empty(Ns.size)
    steps = round(t_final / dt)
    for i, N in enumerate(Ns):
        N = int(N)
        st = released_state(N, edge)
        x = hf.torus_grid(st.n)
        out = {}
        for key, kw in {
            "hf": {"exchange_dt": exchange_dt},
            "hf_every_step": {"exchange_dt": None},
            "hartree": {"exchange": False},
        }.items():
            g = hf.HartreeFockGrid(x, N, interaction=interaction(), **kw)
            out[key] = g.step(st.copy(), dt, steps).to_kernel()
        dx = x[1] - x[0]
        effect[i] = fm.trace_norm(out["hf"] - out["hartree"], dx) / N
        change[i] = fm.trace_norm(out["hf"] - out["hf_every_step"], dx) / N
    return ExchangeEffect(Ns, t_final, effect, change, time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------
# §6 Exact fermions against Hartree–Fock
# ---------------------------------------------------------------------------------------
@dataclass
class ExactStudy:
    N: np.ndarray
    dims: np.ndarray
    times: np.ndarray
    trace: np.ndarray  # (len N, len t): tr|gamma - omega| / N
    hs: np.ndarray  # ||gamma - omega||_HS
    trace_gamma: np.ndarray  # max |tr gamma - N|
    seconds: float = 0.0


@_single_blas
def exact_vs_hf(
    N_values: Sequence[int],
    t_final: float = 2.0,
    n_times: int = 5,
    p_max: float = 1.3,
    progress: Callable[[str], None] | None = None,
) -> ExactStudy:
    r"""Exact fermionic :math:`N`-body dynamics against Hartree–Fock in the same plane-wave
    modes :math:`|m|\le \lceil p_{\max}N\rceil`: the Slater determinant of the non-interacting
    trap ground state, released at :math:`t = 0` with the interaction switched on. Both sides
    use the same Galerkin truncation, so the distance measures the mean-field error only."""
    from scipy.sparse.linalg import expm_multiply

    t0 = time.perf_counter()
    Ns = np.asarray(N_values, dtype=int)
    times = np.linspace(0, t_final, n_times)
    trace = np.empty((Ns.size, n_times))
    hs = np.empty((Ns.size, n_times))
    dims = np.empty(Ns.size, dtype=int)
    tr_gamma = np.empty(Ns.size)
    V = interaction()
    for i, N in enumerate(Ns):
        N = int(N)
        M = int(math.ceil(p_max * N))
        modes = np.arange(-M, M + 1)
        free = hf.ModeHartreeFock(modes, N, external=trap_fourier(), eps=1.0 / N)
        free.vhat = {}
        _, e, vec = free.ground_state()
        phi = vec[:, :N]
        fock = fm.FermionFockSpace(N, modes.size)
        dims[i] = fock.dim
        H, _, _ = fm.plane_wave_model(fock, modes, 1.0 / N, V)
        Psi0 = fock.slater_state(phi)
        states = expm_multiply(
            (-1j * N) * H, Psi0, start=0.0, stop=t_final, num=n_times, endpoint=True
        )
        mhf = hf.ModeHartreeFock(modes, N, interaction=V)
        oms = mhf.evolve(phi @ phi.conj().T, times)
        worst = 0.0
        for j in range(n_times):
            g = fock.gamma1(states[j])
            worst = max(worst, abs(np.trace(g).real - N))
            d = g - oms[j]
            trace[i, j] = fm.trace_norm(d) / N
            hs[i, j] = float(np.linalg.norm(d))
        tr_gamma[i] = worst
        if progress:
            progress(
                f"N = {N}: dim {fock.dim}, tr|gamma - omega|/N at t = {t_final}: "
                f"{trace[i, -1]:.4g} ({time.perf_counter() - t0:.1f} s)"
            )
    return ExactStudy(Ns, dims, times, trace, hs, tr_gamma, time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------
# §5 proof audit: the Gronwall chain of BPSS Theorem 1 along the computed solutions
# ---------------------------------------------------------------------------------------
@dataclass
class GronwallAudit:
    r"""Each quantity of the chain (Lecture 5 §4, proof of Theorem 1) at the saved times:
    ``d`` :math:`=\operatorname{tr}|\omega_t-\tilde\omega_t|`; the three integrands
    ``mean_field`` :math:`=\operatorname{tr}|[V\star(\rho_t-\tilde\rho_t),\tilde\omega_t]|`,
    ``weyl`` :math:`=\operatorname{tr}|B_t|`, ``exchange`` :math:`=\operatorname{tr}|[X_t,
    \tilde\omega_t]|`; ``rhs`` :math:`= d(0) + \varepsilon^{-1}\int_0^t(\dots)`; and the
    commutator step ``mean_field_bound`` :math:`= \frac{d}{N}\sum_k|v_k|\operatorname{tr}
    |[e^{ikx},\tilde\omega_t]|`."""

    times: np.ndarray
    d: np.ndarray
    mean_field: np.ndarray
    weyl: np.ndarray
    exchange: np.ndarray
    rhs: np.ndarray
    mean_field_bound: np.ndarray
    commutator_x: np.ndarray  # tr|[e^{ix}, omega~_t]|
    commutator_p: np.ndarray  # tr|[eps d/dx, omega_t]| (HF solution)


@_single_blas
def gronwall_audit(run: QuenchRun) -> GronwallAudit:
    """Evaluate the chain on a :class:`QuenchRun` made with ``keep_states=True``."""
    if not run.states:
        raise ValueError("the run must keep its states (quench_run(..., keep_states=True))")
    N, x = run.N, run.x
    n, dx = x.size, x[1] - x[0]
    V = interaction()
    hfs = hf.HartreeFockGrid(x, N, interaction=V)
    sep = (x[:, None] - x[None, :] + math.pi) % TWO_PI - math.pi  # shorter arc
    mid = x[None, :] + sep / 2
    k = TWO_PI * np.fft.fftfreq(n, dx)
    T = len(run.times)
    out = {name: np.empty(T) for name in ("d", "mf", "weyl", "ex", "mfb", "cx", "cp")}
    vsum = sum(abs(v) for _, v in V.items())
    for i in range(T):
        om = run.states[i].to_kernel()
        wt = fm.weyl_quantize(run.vlasov[i], x, N)
        rho = np.real(np.diag(om)) / N
        rho_t = np.real(np.diag(wt)) / N
        out["d"][i] = fm.trace_norm(om - wt, dx)
        dpot = V.potential_on_grid(rho - rho_t)
        out["mf"][i] = fm.trace_norm(dpot[:, None] * wt - wt * dpot[None, :], dx)
        F = V.potential_on_grid(rho_t)
        # F' at the midpoints: F = V * rho~ is a cosine series of the modes of V, exactly
        Fh = np.fft.fft(F) / n
        Fmid_d = np.zeros_like(mid)
        for kk, _ in V.items():
            Fmid_d += np.real(1j * kk * Fh[kk] * np.exp(1j * kk * mid))
            Fmid_d += np.real(-1j * kk * Fh[-kk] * np.exp(-1j * kk * mid))
        B = (F[:, None] - F[None, :] - Fmid_d * sep) * wt
        out["weyl"][i] = fm.trace_norm(B, dx)
        X = hfs.exchange_kernel(om)
        out["ex"][i] = fm.trace_norm((X @ wt - wt @ X) * dx, dx)
        ex = np.exp(1j * x)
        cx = fm.trace_norm(ex[:, None] * wt - wt * ex[None, :], dx)
        out["cx"][i] = cx
        out["mfb"][i] = out["d"][i] / N * vsum * cx
        st = run.states[i]
        dphi = np.fft.ifft(1j * k[:, None] * np.fft.fft(st.orbitals, axis=0), axis=0) / N
        out["cp"][i] = fm.commutator_trace_norm(st.weights, st.orbitals, dphi, -dphi, dx)
    integrand = out["mf"] + out["weyl"] + out["ex"]
    steps = np.diff(run.times) * 0.5 * (integrand[1:] + integrand[:-1])
    rhs = out["d"][0] + N * np.concatenate([[0.0], np.cumsum(steps)])
    return GronwallAudit(
        run.times,
        out["d"],
        out["mf"],
        out["weyl"],
        out["ex"],
        rhs,
        out["mfb"],
        out["cx"],
        out["cp"],
    )
