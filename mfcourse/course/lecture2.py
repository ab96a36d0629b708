r"""Computations behind lecture 2, *From Schrödinger to Hartree* (seed 002 §2).

The notebook ``lectures/02_schrodinger_to_hartree.ipynb`` is a narrative client of these
functions: each one runs exact N-body dynamics (:mod:`mfcourse.fock`) and the Hartree equation
in the same modes (:mod:`mfcourse.hartree`) and returns arrays to plot and assert on.

* :func:`rate_scan` — :math:`\|\gamma_N^{(1)}(t)-|\psi_t\rangle\langle\psi_t|\|` in trace,
  operator and Hilbert–Schmidt norm, Pickl's functional
  :math:`1-\langle\psi_t|\gamma_N^{(1)}(t)|\psi_t\rangle`, j-particle marginals, and the bounds
  of seed 002 Theorem 2.8 and Theorem 2.9(3), on a grid of N and t;
* :func:`lemma_2_4` — both sides of Lemma 2.4 computed independently;
* :func:`chaotic_fluctuation` — the exact variance identity behind the chaotic morphism;
* :func:`klimontovich_equation_defect`, :func:`theorem_2_7_residual` — Theorems 2.5 and 2.7
  checked as operator identities (with the Galerkin self-term on the ring);
* :func:`proof_audit` — every quantity of the proofs of Theorem 2.8 (commutator norms, the
  Gronwall bound) and of Pickl's method (ℰ, dℰ/dt, the right side of the differential
  inequality, its integrated form, the Knowles–Pickl step √(8ℰ)) along the exact solution;
* :func:`mean_field_explorer`, :func:`error_rate_explorer`, :func:`proof_audit_explorer` — the
  dashboards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from mfcourse.interaction import PairInteraction
from mfcourse.quantum.fock import (
    ModeModel,
    NBodyProblem,
    density_matrix_distances,
    evolve_two_mode_frame,
    fock_dimension,
    fourier_multipliers,
    interaction_map,
    josephson,
    klimontovich_commutator_norm,
    klimontovich_in,
    krylov_propagate,
    product_rdm,
    ring_model,
    ring_state,
    self_term,
    trace_norm,
)
from mfcourse.quantum.hartree import evolve_modes, hartree_propagator

#: The two models of the lecture.
TWO_MODE = {"J": 1.0, "U": 1.0, "theta": 0.35}
RING = {"strength": 1.0, "k_max": 2}


def two_mode_setup(U: float = TWO_MODE["U"], J: float = TWO_MODE["J"]):
    """The lecture's Josephson model and initial one-particle state."""
    th = TWO_MODE["theta"]
    return josephson(J=J, U=U), np.array([np.cos(th), np.sin(th)], dtype=complex)


def ring_setup(strength: float = RING["strength"], k_max: int = RING["k_max"]):
    """Bosons on the ring with the HMF interaction V = -strength cos x; a smooth initial state."""
    model = ring_model(PairInteraction.hmf(strength), k_max)
    coeffs = {0: 1.0, 1: 0.45, -1: 0.25j, 2: 0.1}
    psi0 = ring_state({k: v for k, v in coeffs.items() if abs(k) <= k_max}, k_max)
    return model, psi0


def dimension_table(N_values, K_values):
    """Rows (N, K, K^N, C(N+K-1, K-1)): distinguishable vs bosonic dimension."""
    return [(N, K, K**N, fock_dimension(N, K)) for N in N_values for K in K_values]


def theorem_2_8_bound(model: ModeModel, N, t):
    r"""Seed 002 Theorem 2.8, operator norm:
    :math:`\frac{2}{\sqrt N}\exp\big(2t\|\hat V\|_{L^1}/((2\pi)^d\hbar)\big)`; on the torus (and
    the two-point group) :math:`\|\hat V\|_{L^1}/(2\pi)^d` is ``model.fourier_l1`` =
    :math:`\sum_q|\hat V(q)|`."""
    N = np.asarray(N, dtype=float)
    t = np.asarray(t, dtype=float)
    return 2 / np.sqrt(N) * np.exp(2 * t * model.fourier_l1 / model.hbar)


def theorem_2_9_bound(model: ModeModel, N, times, psi_t, m: int = 1):
    r"""Seed 002 Theorem 2.9(3): :math:`4\sqrt{m/N}\exp\big(\frac3\hbar\int_0^tL(s)ds\big)`,
    :math:`L=\sqrt C\|\psi_s\|_{H^1}` with :math:`V^2\le C(I-\Delta)`; for a bounded V,
    :math:`\sqrt C=\|V\|_\infty` (``model.sup_norm``). Returns an array (len(N), len(times))."""
    L = model.sup_norm * np.array([model.h1_norm(p) for p in psi_t])
    integral = np.concatenate([[0.0], np.cumsum(0.5 * (L[1:] + L[:-1]) * np.diff(times))])
    N = np.atleast_1d(np.asarray(N, dtype=float))
    return 4 * np.sqrt(m / N)[:, None] * np.exp(3 * integral / model.hbar)[None, :]


@dataclass
class RateScan:
    """Errors of the mean-field approximation on a grid of N (rows) and t (columns)."""

    name: str
    model: ModeModel
    Ns: np.ndarray
    times: np.ndarray
    psi_t: np.ndarray
    trace: np.ndarray
    operator: np.ndarray
    hs: np.ndarray
    pickl: np.ndarray
    energy_drift: np.ndarray
    norm_drift: np.ndarray
    marginals: dict = field(default_factory=dict)  # j -> array over Ns at the last time

    @property
    def bound_2_8(self):
        return theorem_2_8_bound(self.model, self.Ns[:, None], self.times[None, :])

    @property
    def bound_2_9(self):
        return theorem_2_9_bound(self.model, self.Ns, self.times, self.psi_t)

    def slope(self, what: str = "trace", it: int = -1, n_min: int = 0) -> float:
        """Fitted exponent p of error ~ N^p at time index ``it`` over N >= n_min."""
        from mfcourse.course.plotting import fit_power_law

        sel = self.Ns >= n_min
        return fit_power_law(self.Ns[sel], getattr(self, what)[sel, it])[0]

    def accuracy_time(self, delta: float) -> np.ndarray:
        """For each N, the first time at which the trace-norm error exceeds delta (linear
        interpolation; inf if it never does on the time grid)."""
        out = np.full(self.Ns.size, np.inf)
        for i, err in enumerate(self.trace):
            above = np.nonzero(err > delta)[0]
            if above.size:
                k = above[0]
                if k == 0:
                    out[i] = 0.0
                else:
                    t0, t1, e0, e1 = self.times[k - 1], self.times[k], err[k - 1], err[k]
                    out[i] = t0 + (delta - e0) * (t1 - t0) / (e1 - e0)
        return out


def rate_scan(
    model: ModeModel, psi0, Ns, times, *, j_max: int = 1, name: str = "", progress=None
) -> RateScan:
    r"""Run the exact N-body dynamics from :math:`\psi_0^{\otimes N}` for each N and compare
    its one-particle marginal with the Hartree solution in the same modes at each time."""
    Ns = np.asarray(sorted(Ns), dtype=int)
    times = np.asarray(times, dtype=float)
    psi_t = evolve_modes(model, psi0, times)
    shape = (Ns.size, times.size)
    tr, op, hs, pk = (np.zeros(shape) for _ in range(4))
    e_drift, n_drift = np.zeros(Ns.size), np.zeros(Ns.size)
    marginals = {j: np.zeros(Ns.size) for j in range(2, j_max + 1)}
    for i, N in enumerate(Ns):
        prob = NBodyProblem.build(model, int(N))
        P0 = prob.product_state(psi0)
        states = prob.evolve(P0, times)
        e0 = prob.energy(P0)
        for k, Psi in enumerate(states):
            g1 = prob.space.gamma1(Psi)
            d = density_matrix_distances(g1, psi_t[k])
            tr[i, k], op[i, k], hs[i, k] = d["trace"], d["operator"], d["hs"]
            pk[i, k] = 1 - np.real(np.conj(psi_t[k]) @ g1 @ psi_t[k])
        e_drift[i] = max(abs(prob.energy(P) - e0) for P in states) / max(1.0, abs(e0))
        n_drift[i] = max(abs(np.linalg.norm(P) - 1) for P in states)
        for j in marginals:
            if j <= N:
                gj = prob.space.reduced_density_matrix(states[-1], j)
                marginals[j][i] = trace_norm(gj - product_rdm(psi_t[-1], j))
        if progress is not None:
            progress((i + 1) / Ns.size)
    if j_max >= 1:
        marginals[1] = tr[:, -1].copy()
    return RateScan(
        name=name or model.name,
        model=model,
        Ns=Ns,
        times=times,
        psi_t=psi_t,
        trace=tr,
        operator=op,
        hs=hs,
        pickl=pk,
        energy_drift=e_drift,
        norm_drift=n_drift,
        marginals=dict(sorted(marginals.items())),
    )


def frame_errors(model: ModeModel, psi0, Ns, t: float) -> np.ndarray:
    r"""Trace-norm errors :math:`\|\gamma_N^{(1)}(t)-|\psi_t\rangle\langle\psi_t|\|_1` of the
    two-mode model at large N, from :func:`mfcourse.fock.evolve_two_mode_frame` (exact
    dynamics in the frame following Hartree; cost independent of N)."""
    out = []
    for N in Ns:
        fr = evolve_two_mode_frame(model, int(N), psi0, [t])
        out.append(density_matrix_distances(fr.gamma1(0), fr.hartree(0))["trace"])
    return np.array(out)


def ring_densities(model: ModeModel, psi0, Ns, t: float, x) -> tuple[np.ndarray, np.ndarray]:
    r"""One-body densities on the ring at time t: :math:`\rho_N(x)=\gamma_N^{(1)}(x,x)
    =\frac{1}{2\pi}\sum_{k,k'}\gamma_{kk'}e^{i(k-k')x}` for each N (rows), and the Hartree
    density :math:`|\psi_t(x)|^2`."""
    ks = model.mode_labels
    E = np.exp(1j * np.outer(x, ks)) / np.sqrt(2 * np.pi)  # e_k(x)
    rows = []
    for N in Ns:
        prob = NBodyProblem.build(model, int(N))
        Psi = prob.evolve(prob.product_state(psi0), [t])[0]
        g = prob.space.gamma1(Psi)
        rows.append(np.real(np.einsum("xk,kl,xl->x", E, g, E.conj())))
    psi_t = evolve_modes(model, psi0, [t])[0]
    return np.array(rows), np.abs(E @ psi_t) ** 2


def energy_per_particle(model: ModeModel, psi, Ns):
    r"""N-body energy per particle of :math:`\psi^{\otimes N}`, the Hartree energy and the
    exact correction :math:`-\langle\psi\psi|W|\psi\psi\rangle/(2N)`."""
    Ns = np.asarray(Ns, dtype=int)
    e_n = np.array(
        [
            NBodyProblem.build(model, int(N)).energy(
                NBodyProblem.build(model, int(N)).product_state(psi)
            )
            / N
            for N in Ns
        ]
    )
    return e_n, model.hartree_energy(psi), -model.pair_energy(psi) / (2 * Ns)


def lemma_2_4(model: ModeModel, N: int, psi0, phi, t: float, *, tol: float = 1e-13):
    r"""Both sides of Lemma 2.4 (seed 002 §2.4):
    :math:`\langle\Psi^{in}|\mathcal M_N(t)(|\phi\rangle\langle\phi|)|\Psi^{in}\rangle` computed in
    the Heisenberg picture, :math:`\mathcal M_N(t)A = e^{it\mathcal H_N/\hbar}\frac1N d\Gamma(A)
    e^{-it\mathcal H_N/\hbar}` (forward propagation, :math:`d\Gamma(A)`, backward propagation,
    overlap with :math:`\Psi^{in}`), and :math:`\langle\phi|\gamma_N^{(1)}(t)|\phi\rangle` from
    the marginal of :math:`\Psi_N(t)`."""
    prob = NBodyProblem.build(model, N)
    hbar = model.hbar
    P0 = prob.product_state(psi0)
    Pt = krylov_propagate(prob.H, P0, t, hbar=hbar, tol=tol)
    A = np.outer(phi, np.conj(phi))
    MA = prob.space.one_body(A) / N
    back = krylov_propagate(prob.H, MA @ Pt, -t, hbar=hbar, tol=tol)
    lhs = np.vdot(P0, back)
    rhs = np.conj(phi) @ prob.space.gamma1(Pt) @ phi
    return complex(lhs), complex(rhs)


def chaotic_fluctuation(model: ModeModel, N: int, psi, B):
    r"""For :math:`\Psi=\psi^{\otimes N}`: returns
    :math:`\|(\mathcal M_N^{in}-\mathcal R_\psi(0))(B)\Psi\|^2` and the exact value
    :math:`\frac1N(\|B\psi\|^2-|\langle\psi|B|\psi\rangle|^2)` from the proof of Theorem 2.8."""
    prob = NBodyProblem.build(model, N)
    P = prob.product_state(psi)
    mean = np.conj(psi) @ B @ psi
    v = prob.space.one_body(np.asarray(B, dtype=complex)) @ P / N - mean * P
    exact = (np.linalg.norm(B @ psi) ** 2 - abs(mean) ** 2) / N
    return float(np.linalg.norm(v) ** 2), float(exact)


def self_term_constant(model: ModeModel) -> float:
    r""":math:`\bar\delta=\|X-cI\|+\|Y-cI\|`, :math:`X=\sum_\omega c_\omega E_\omega^*E_\omega`,
    :math:`Y=\sum_\omega c_\omega E_\omega E_\omega^*`, :math:`c=\sum_\omega c_\omega`: since
    :math:`\mathcal D(A)=(X-cI)A-A(Y-cI)`, :math:`\|\mathcal D(A)\|\le\bar\delta\|A\|`.
    Zero for unitary multipliers (two modes); 1 for the HMF ring with :math:`|k|\le1`."""
    mult = fourier_multipliers(model)
    c = sum(cq for cq, _ in mult)
    eye = np.eye(model.K)
    X = sum(cq * E.conj().T @ E for cq, E in mult) - c * eye
    Y = sum(cq * E @ E.conj().T for cq, E in mult) - c * eye
    return float(np.linalg.norm(X, 2) + np.linalg.norm(Y, 2))


def klimontovich_equation_defect(model: ModeModel, N: int, A) -> dict:
    r"""Seed 002 Theorem 2.5 as an operator identity at t = 0 (the Heisenberg picture moves it
    to every t): :math:`i\hbar\partial_t\mathcal M_N(t)A|_{t=0}=[\mathcal M_N^{in}(A),
    \mathcal H_N]`, against the right side
    :math:`\mathbf{ad}^*(h)\mathcal M_N^{in}(A)-\mathcal C[V,\mathcal M_N^{in},\mathcal
    M_N^{in}](A)` with :math:`(\mathbf{ad}^*(h)\Lambda)(A)=-\Lambda([h,A])`.

    Returns the operator norms of: ``lhs``; ``seed`` = lhs − (right side of Theorem 2.5);
    ``corrected`` = lhs − (right side + :math:`\frac1N\mathcal M_N^{in}(\mathcal D(A))`), the
    Galerkin self-term of :func:`mfcourse.quantum.fock.self_term`; and ``self_term``, the norm of
    that extra term. For unitary multipliers (two modes) ``seed`` vanishes; on the Galerkin ring
    only ``corrected`` does.
    """
    from mfcourse.quantum.fock import sparse_operator_norm

    prob = NBodyProblem.build(model, int(N))
    space = prob.space
    A = np.asarray(A, dtype=complex)
    mult = fourier_multipliers(model)
    M = lambda X: klimontovich_in(space, X)  # noqa: E731
    lhs = M(A) @ prob.H - prob.H @ M(A)
    rhs = -M(model.h @ A - A @ model.h) - interaction_map(mult, M, M, A)
    extra = M(self_term(mult, A)) / N
    return {
        "lhs": sparse_operator_norm(lhs),
        "seed": sparse_operator_norm(lhs - rhs),
        "corrected": sparse_operator_norm(lhs - rhs - extra),
        "self_term": sparse_operator_norm(extra),
    }


def theorem_2_7_residual(model: ModeModel, times, phi_t, A) -> np.ndarray:
    r"""Seed 002 Theorem 2.7 for a path :math:`t\mapsto\phi_t`: the residual
    :math:`i\hbar\frac{d}{dt}\mathcal R_\phi(t)A-\big(\mathbf{ad}^*(h)\mathcal R_\phi(t)A
    -\mathcal C[V,\mathcal R_\phi,\mathcal R_\phi](A)\big)` (a scalar times I), with the time
    derivative by centred differences (fourth order) on a uniform grid; returns the residual
    at the interior points ``times[2:-2]``. Zero (to the difference error) for a Hartree
    solution — and for the Hartree solution times any phase :math:`e^{i\theta(t)}`, since
    :math:`\mathcal R_\phi` only sees :math:`|\phi\rangle\langle\phi|`."""
    times = np.asarray(times, dtype=float)
    phi_t = np.asarray(phi_t, dtype=complex)
    if times.ndim != 1 or times.size < 5 or not np.allclose(np.diff(times), times[1] - times[0]):
        raise ValueError("times must be a uniform grid of at least 5 points")
    if phi_t.shape != (times.size, model.K):
        raise ValueError(f"phi_t must have shape {(times.size, model.K)}, got {phi_t.shape}")
    A = np.asarray(A, dtype=complex)
    mult = fourier_multipliers(model)
    r = np.array([np.conj(p) @ A @ p for p in phi_t])
    dt = times[1] - times[0]
    dr = (-r[4:] + 8 * r[3:-1] - 8 * r[1:-3] + r[:-4]) / (12 * dt)
    out = []
    for k, p in enumerate(phi_t[2:-2]):
        R = lambda X, p=p: np.array([[np.conj(p) @ X @ p]])  # noqa: E731
        ad = -(np.conj(p) @ (model.h @ A - A @ model.h) @ p)
        C = interaction_map(mult, R, R, A)[0, 0]
        out.append(1j * model.hbar * dr[k] - (ad - C))
    return np.array(out)


@dataclass
class ProofAudit:
    r"""The quantities of the proofs of seed 002 Theorem 2.8 and Theorem 2.9 (Pickl) along the
    exact N-body solution from :math:`\psi_0^{\otimes N}`, on a grid of N (rows) and t (columns).

    * ``commutator``: :math:`\max_{\omega,A^{in}}\|[\mathcal M_N(t)(E_\omega A(t)),
      \mathcal M_N(t)(E_\omega^*)]\|` over the test operators :math:`A^{in}` (the proof's bound:
      2/N);
    * ``operator``, ``trace``: :math:`\|\gamma_N^{(1)}-P_t\|` in both norms;
    * ``gronwall``: the Gronwall bound of the proof of Theorem 2.8 (with the Galerkin
      self-term, zero for two modes),
      :math:`e^{2Lt/\hbar}/\sqrt N+(1+\bar\delta/2L)(e^{2Lt/\hbar}-1)/N`;
    * ``pickl`` :math:`\mathcal{E}(t)=1-\langle\psi_t|\gamma_N^{(1)}(t)|\psi_t\rangle`, ``dpickl``
      its exact time derivative, ``rhs`` the right side
      :math:`\frac{6L(t)}\hbar(\mathcal{E}+\frac2N)+\frac{\delta_P(t)}{N\hbar}` of the differential
      inequality, ``integrated`` the solution of :math:`y'=\frac{6L}\hbar y+\frac{12L}{N\hbar}
      +\frac{\delta_P}{N\hbar}`, y(0) = 0 (:math:`=\frac2N(e^{6\int L/\hbar}-1)` when
      :math:`\delta_P=0`).
    """

    name: str
    model: ModeModel
    Ns: np.ndarray
    times: np.ndarray
    L: np.ndarray
    delta_P: np.ndarray
    delta_bar: float
    commutator: np.ndarray
    operator: np.ndarray
    trace: np.ndarray
    gronwall: np.ndarray
    pickl: np.ndarray
    dpickl: np.ndarray
    rhs: np.ndarray
    integrated: np.ndarray

    @property
    def commutator_ratio(self) -> np.ndarray:
        """Commutator norm over the proof's bound 2/N (at most 1; NaN where not evaluated)."""
        return self.commutator * self.Ns[:, None] / 2

    @property
    def gronwall_ratio(self) -> np.ndarray:
        """Operator-norm error over the Gronwall bound of Theorem 2.8's proof."""
        return self.operator / self.gronwall

    @property
    def derivative_ratio(self) -> np.ndarray:
        r""":math:`|d\mathcal{E}/dt|` over the right side of the differential inequality."""
        return np.abs(self.dpickl) / self.rhs

    @property
    def integrated_ratio(self) -> np.ndarray:
        r""":math:`\mathcal{E}(t)` over its integrated bound (t > 0)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.integrated > 0, self.pickl / self.integrated, 0.0)

    @property
    def sqrt_ratio(self) -> np.ndarray:
        r"""Knowles–Pickl step: :math:`\|\gamma-P\|_1/\sqrt{8\mathcal{E}}` (t > 0)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            root = np.sqrt(8 * np.clip(self.pickl, 0, None))
            return np.where(root > 0, self.trace / root, 0.0)


def _audit_test_operators(psi0) -> list[np.ndarray]:
    """|ψ0⟩⟨ψ0|, |χ⟩⟨χ| and |χ⟩⟨ψ0| with χ ⊥ ψ0 a unit vector: norm-one test operators."""
    K = psi0.size
    chi = np.zeros(K, dtype=complex)
    chi[int(np.argmin(np.abs(psi0)))] = 1.0
    chi -= np.vdot(psi0, chi) * psi0
    chi /= np.linalg.norm(chi)
    return [np.outer(psi0, psi0.conj()), np.outer(chi, chi.conj()), np.outer(chi, psi0.conj())]


def _integrate_linear(times, a, b) -> np.ndarray:
    r"""Solution of :math:`y'=a(t)y+b(t)`, y(0) = 0, on the grid: :math:`y(t)=\int_0^tb(s)
    e^{\int_s^ta}ds` with trapezoid quadrature of both integrals (exact for constant a, b up to
    the quadrature of b e^{-∫a}, which is refined 64 times per interval)."""
    fine = np.linspace(times[0], times[-1], 64 * (times.size - 1) + 1)
    af, bf = np.interp(fine, times, a), np.interp(fine, times, b)
    A = np.concatenate([[0.0], np.cumsum(0.5 * (af[1:] + af[:-1]) * np.diff(fine))])
    g = bf * np.exp(-A)
    G = np.concatenate([[0.0], np.cumsum(0.5 * (g[1:] + g[:-1]) * np.diff(fine))])
    return np.interp(times, fine, np.exp(A) * G)


def proof_audit(
    model: ModeModel,
    psi0,
    Ns,
    times,
    *,
    comm_every: int = 5,
    comm_max_dim: int = 600,
    name: str = "",
    progress=None,
) -> ProofAudit:
    r"""Evaluate the chains of inequalities of seed 002 Theorem 2.8 and Theorem 2.9 along the
    exact N-body dynamics (see :class:`ProofAudit`). ``times`` must start at 0.

    :math:`d\mathcal{E}/dt` is computed exactly in the Heisenberg picture,
    :math:`\frac{d\mathcal{E}}{dt}=\frac{2}{N\hbar}\,\mathrm{Im}\,
    \langle(\mathcal H_N-d\Gamma(h_{\psi_t}))\Psi_t|d\Gamma(P_t)\Psi_t\rangle`,
    :math:`h_\psi=h+V_\psi`, :math:`P_t=|\psi_t\rangle\langle\psi_t|`. The commutator norms are
    evaluated at every
    ``comm_every``-th time only, and only for N whose Fock space has at most ``comm_max_dim``
    states (dense norms; NaN elsewhere).
    """
    if isinstance(comm_every, bool) or not isinstance(comm_every, int) or comm_every < 1:
        raise ValueError(f"comm_every must be an integer >= 1, got {comm_every!r}")
    Ns = np.asarray(sorted(int(n) for n in Ns), dtype=int)
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or times.size < 2 or times[0] != 0 or np.any(np.diff(times) <= 0):
        raise ValueError("times must be increasing, start at 0 and have at least 2 points")
    if np.any(Ns < 2):
        raise ValueError(f"every N must be >= 2, got {Ns.tolist()}")
    psi0 = np.asarray(psi0, dtype=complex)
    psi_t, U_t = hartree_propagator(model, psi0, times)
    mult = fourier_multipliers(model)
    hbar = model.hbar
    L = model.sup_norm * np.array([model.h1_norm(p) for p in psi_t])
    eye = np.eye(model.K)
    delta_P = np.array(
        [np.linalg.norm(self_term(mult, eye - np.outer(p, p.conj())), 2) for p in psi_t]
    )
    delta_bar = self_term_constant(model)
    tests = _audit_test_operators(psi0)
    shape = (Ns.size, times.size)
    comm, op, tr, pk, dpk, rhs, integ = (np.zeros(shape) for _ in range(7))
    lip = 2 * model.fourier_l1 / hbar
    growth = np.exp(lip * times)
    gron = (
        growth[None, :] / np.sqrt(Ns)[:, None]
        + (1 + delta_bar / (2 * model.fourier_l1)) * (growth[None, :] - 1) / Ns[:, None]
    )
    for i, N in enumerate(Ns):
        prob = NBodyProblem.build(model, int(N))
        space = prob.space
        states = prob.evolve(prob.product_state(psi0), times)
        for k, (Psi, p, U) in enumerate(zip(states, psi_t, U_t, strict=True)):
            g1 = space.gamma1(Psi)
            d = density_matrix_distances(g1, p)
            tr[i, k], op[i, k] = d["trace"], d["operator"]
            pk[i, k] = 1 - np.real(np.conj(p) @ g1 @ p)
            P = np.outer(p, p.conj())
            a = prob.H @ Psi - space.one_body(model.hartree_hamiltonian(p)) @ Psi
            b = space.one_body(P) @ Psi
            dpk[i, k] = 2 / (N * hbar) * np.imag(np.vdot(a, b))
            if k % comm_every == 0 and space.dim <= comm_max_dim:
                comm[i, k] = max(
                    klimontovich_commutator_norm(
                        space, E @ (U @ A @ U.conj().T), E.conj().T, dense_below=comm_max_dim
                    )
                    for A in tests
                    for _, E in mult
                )
            else:
                comm[i, k] = np.nan
        a_t = 6 * L / hbar
        b_t = 12 * L / (N * hbar) + delta_P / (N * hbar)
        rhs[i] = a_t * pk[i] + b_t
        integ[i] = _integrate_linear(times, a_t, b_t)
        if progress is not None:
            progress((i + 1) / Ns.size)
    return ProofAudit(
        name=name or model.name,
        model=model,
        Ns=Ns,
        times=times,
        L=L,
        delta_P=delta_P,
        delta_bar=delta_bar,
        commutator=comm,
        operator=op,
        trace=tr,
        gronwall=gron,
        pickl=pk,
        dpickl=dpk,
        rhs=rhs,
        integrated=integ,
    )


# ----------------------------------------------------------------------------------------------
# dashboards
# ----------------------------------------------------------------------------------------------
@lru_cache(maxsize=32)
def _two_mode_trajectory(N: int, U: float, t_max: float, nt: int):
    model, psi0 = two_mode_setup(U=U)
    times = np.linspace(0, t_max, nt)
    prob = NBodyProblem.build(model, N)
    states = prob.evolve(prob.product_state(psi0), times)
    n0 = np.array([np.real(prob.space.gamma1(P)[0, 0]) for P in states])
    g1 = [prob.space.gamma1(P) for P in states]
    psi_t = evolve_modes(model, psi0, times)
    err = np.array(
        [density_matrix_distances(g, p)["trace"] for g, p in zip(g1, psi_t, strict=True)]
    )
    return times, n0, np.abs(psi_t[:, 0]) ** 2, err


def mean_field_explorer(t_max: float = 8.0, nt: int = 81):
    """Dashboard: population of mode 0 in the two-mode model, N-body (⟨n_0⟩/N) against
    Hartree (|ψ_0|²), with sliders N, t and the interaction strength U."""
    import ipywidgets as widgets

    from mfcourse.course.dashboard import dashboard
    from mfcourse.course.plotting import ROLE, figure, label_scaling

    controls = {
        "N": widgets.SelectionSlider(
            options=[5, 10, 20, 50, 100, 200, 500, 1000], value=20, description="N"
        ),
        "t": widgets.FloatSlider(value=t_max, min=0.5, max=t_max, step=0.5, description="t"),
        "U": widgets.FloatSlider(
            value=TWO_MODE["U"], min=-2.0, max=4.0, step=0.5, description="strength U"
        ),
    }

    def update(N, t, U):
        times, n0, h0, err = _two_mode_trajectory(int(N), float(U), t_max, nt)
        sel = times <= t + 1e-12
        fig, (ax, ax2) = figure(ncols=2)
        ax.plot(times[sel], h0[sel], "-", color=ROLE["mean_field"], label=r"Hartree $|\psi_0|^2$")
        ax.plot(
            times[sel],
            n0[sel],
            "--",
            color=ROLE["quantum"],
            label=rf"$N$-body $\langle n_0\rangle/N$, $N={N}$",
        )
        ax.set_xlim(0, t_max)
        ax.set_ylim(0, 1)
        ax.set_xlabel("time $t$")
        ax.set_ylabel("population of mode 0")
        ax.legend(loc="upper right")
        label_scaling(ax, "mean-field", loc="lower left")
        ax2.semilogy(times[sel][1:], err[sel][1:], color=ROLE["measured"])
        ax2.set_xlim(0, t_max)
        ax2.set_ylim(1e-5, 2)
        ax2.set_xlabel("time $t$")
        ax2.set_ylabel(r"$\|\gamma_N^{(1)}(t)-|\psi_t\rangle\langle\psi_t|\|_1$")
        return fig

    return dashboard(
        update,
        controls,
        primary="N",
        kind="recompute",
        title="Mean-field explorer: two-mode bosons, N-body vs Hartree",
    )


def error_rate_explorer(scans: dict[str, RateScan]):
    """Dashboard scrubbing precomputed :class:`RateScan` s: error vs N at a chosen time, in a
    chosen norm, with the fitted slope and the theorem's bound for that norm."""
    import ipywidgets as widgets

    from mfcourse.course.dashboard import ScrubFigure, dashboard
    from mfcourse.course.plotting import ROLE, figure, fit_power_law, freeze_layout

    names = list(scans)
    nt = next(iter(scans.values())).times.size
    controls = {
        "it": widgets.IntSlider(value=nt - 1, min=1, max=nt - 1, description="time index"),
        "model": widgets.Dropdown(options=names, value=names[0], description="model"),
        "norm": widgets.Dropdown(
            options=["trace", "operator", "pickl"], value="trace", description="measure"
        ),
    }

    labels = {
        "trace": "trace-norm error",
        "operator": "operator-norm error",
        "pickl": r"Pickl's $1-\langle\psi_t|\gamma_N^{(1)}|\psi_t\rangle$",
    }
    bounds = {
        "operator": ("bound_2_8", "Theorem 2.8 bound"),
        "trace": ("bound_2_9", "Theorem 2.9(3) bound"),
    }
    # one figure; scrubbing the time redraws the data only (ScrubFigure); a change of model or
    # measure sets new axis limits, covering every time, and redraws the static part once
    fig, ax = figure()
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("number of particles $N$")
    ax.set_title(" ")
    (meas,) = ax.plot([], [], "o", color=ROLE["measured"], label="measured")
    (fit,) = ax.plot([], [], "-", color=ROLE["measured"], alpha=0.5, label="fitted power law")
    (bound,) = ax.plot([], [], "--", color=ROLE["bound"], label="bound")
    freeze_layout(fig)
    frame = ScrubFigure(fig, [meas, fit, bound, ax.title])
    shown = [None]

    def update(it, model, norm):
        s = scans[model]
        y = getattr(s, norm)[:, it]
        p, c = fit_power_law(s.Ns, y)
        if shown[0] != (model, norm):
            values = [getattr(s, norm)[:, 1:]]
            if norm in bounds:
                values.append(getattr(s, bounds[norm][0])[:, 1:])
            values = np.concatenate([v.ravel() for v in values])
            values = values[values > 0]
            ax.set_xlim(s.Ns.min() / 1.3, s.Ns.max() * 1.3)
            ax.set_ylim(values.min() / 2, values.max() * 2)
            ax.set_ylabel(labels[norm])
            bound.set_label(bounds[norm][1] if norm in bounds else "(no bound drawn)")
            ax.legend(loc="lower left")
            frame.invalidate(relayout=True)
            shown[0] = (model, norm)
        meas.set_data(s.Ns, y)
        fit.set_data(s.Ns, c * s.Ns.astype(float) ** p)
        if norm in bounds:
            bound.set_data(s.Ns, getattr(s, bounds[norm][0])[:, it])
        else:
            bound.set_data([], [])
        ax.set_title(f"{model}, t = {s.times[it]:.2f}: fitted slope {p:+.2f}")
        return frame

    return dashboard(
        update,
        controls,
        primary="it",
        kind="scrub",
        title="Error-rate explorer: the 1/N rate at each time",
    )


def fit_slope(x, y) -> float:
    """Exponent p of the least-squares fit y ~ C x^p (:func:`mfcourse.plotting.fit_power_law`)."""
    from mfcourse.course.plotting import fit_power_law

    return fit_power_law(x, y)[0]


def fmt_dim(n: int) -> str:
    """Dimension as an integer if small, else as mantissa x 10^exponent (exact integers of any
    size, no float overflow)."""
    n = int(n)
    if n < 10**12:
        return f"{n:,}"
    lg = math.log10(n)  # exact for Python integers of any size
    exponent = math.floor(lg)
    return f"{10 ** (lg - exponent):.2f}e{exponent}"


def proof_audit_explorer(audits: dict[str, ProofAudit]):
    r"""Dashboard scrubbing precomputed :class:`ProofAudit` s over t, N and the model: left, the
    chain of Pickl's method and of Theorem 2.8 along t for the chosen N (ℰ, its integrated
    bound, the trace norm, :math:`\sqrt{8\mathcal{E}}`, the operator norm, the Gronwall bound);
    right, the loss ratio of each audited step at the chosen (N, t) (all at most 1 when the
    proofs' inequalities hold)."""
    import ipywidgets as widgets

    from mfcourse.course.dashboard import ScrubFigure, dashboard
    from mfcourse.course.plotting import ROLE, figure, freeze_layout

    names = list(audits)
    first = audits[names[0]]
    nt = first.times.size
    n_n = min(a.Ns.size for a in audits.values())
    controls = {
        "it": widgets.IntSlider(value=nt - 1, min=1, max=nt - 1, description="time index"),
        "iN": widgets.IntSlider(value=0, min=0, max=n_n - 1, description="N index"),
        "model": widgets.Dropdown(options=names, value=names[0], description="model"),
    }
    series = [
        ("pickl", r"$\mathcal{E}(t)$", ROLE["quantum"], "-"),
        ("integrated", r"integrated bound on $\mathcal{E}$", ROLE["bound"], ":"),
        ("trace", r"$\|\gamma-P_t\|_1$", ROLE["measured"], "-"),
        ("root", r"$\sqrt{8\mathcal{E}}$", ROLE["quantum"], "--"),
        ("operator", r"$\|\gamma-P_t\|$", ROLE["mean_field"], "-"),
        ("gronwall", "Gronwall bound (Thm 2.8)", ROLE["bound"], "--"),
    ]
    ratio_names = [
        ("commutator_ratio", "(a) commutator\n/ (2/N)"),
        ("derivative_ratio", "(b) |dE/dt|\n/ right side"),
        ("integrated_ratio", "(b) E / integrated\nbound"),
        ("sqrt_ratio", "(c) trace /\nsqrt(8E)"),
        ("gronwall_ratio", "operator /\nGronwall"),
    ]
    fig, (ax, ax2) = figure(ncols=2, height=3.6)
    ax.set_yscale("log")
    ax.set_xlabel("time $t$")
    ax.set_title(" ")
    lines = {}
    for key, label, colour, style in series:
        (lines[key],) = ax.plot([], [], style, color=colour, label=label)
    (marker,) = ax.plot([], [], "|", color="k", ms=200, alpha=0.4)
    ax.legend(fontsize=6, loc="lower right")
    bars = ax2.bar(range(len(ratio_names)), np.zeros(len(ratio_names)), color=ROLE["measured"])
    ax2.axhline(1.0, color=ROLE["bound"], ls="--", lw=1)
    ax2.set_yscale("log")
    ax2.set_ylim(1e-11, 3)
    ax2.set_xticks(range(len(ratio_names)), [r for _, r in ratio_names], fontsize=6)
    ax2.set_ylabel("measured / bound (loss of the step)")
    ax2.set_title(" ")
    freeze_layout(fig)
    frame = ScrubFigure(fig, [*lines.values(), marker, *bars, ax.title, ax2.title])
    shown = [None]

    def values(a, i):
        return {
            "pickl": a.pickl[i],
            "integrated": a.integrated[i],
            "trace": a.trace[i],
            "root": np.sqrt(8 * np.clip(a.pickl[i], 0, None)),
            "operator": a.operator[i],
            "gronwall": a.gronwall[i],
        }

    def update(it, iN, model):
        a = audits[model]
        if shown[0] != model:
            allv = np.concatenate(
                [np.ravel(v[1:]) for i in range(a.Ns.size) for v in values(a, i).values()]
            )
            allv = allv[np.isfinite(allv) & (allv > 0)]
            ax.set_xlim(0, a.times[-1])
            ax.set_ylim(allv.min() / 2, min(allv.max() * 2, 1e3))
            frame.invalidate(relayout=True)
            shown[0] = model
        i = min(int(iN), a.Ns.size - 1)
        for key, y in values(a, i).items():
            lines[key].set_data(a.times[1:], y[1:])
        t = a.times[it]
        marker.set_data([t], [np.sqrt(ax.get_ylim()[0] * ax.get_ylim()[1])])
        for bar, (attr, _) in zip(bars, ratio_names, strict=True):
            r = getattr(a, attr)[i]
            if attr == "commutator_ratio":  # evaluated on a coarser time grid
                done = np.nonzero(np.isfinite(r[: it + 1]))[0]
                r = r[done[-1]] if done.size else np.nan
            else:
                r = r[it]
            bar.set_height(r if np.isfinite(r) and r > 0 else 1e-6)
        ax.set_title(f"{model}, N = {a.Ns[i]}")
        ax2.set_title(f"losses at t = {t:.2f}")
        return frame

    return dashboard(
        update,
        controls,
        primary="it",
        kind="scrub",
        title="Proof-audit explorer: each inequality of Theorem 2.8 and Pickl's method",
    )
