r"""The time-dependent Hartree equation, in a mode basis and on a periodic grid.

.. math::

    i\hbar\,\partial_t\psi = -\tfrac12\hbar^2\Delta\psi + (V\star|\psi|^2)\,\psi,
    \qquad \|\psi(t)\|_{L^2}=1,

the mean-field limit of the N-body Schrödinger equation (Golse, lecture notes, seed 002 §2.2,
Theorems 2.7–2.8). It conserves the norm and the Hartree energy

.. math:: E[\psi] = \tfrac12\hbar^2\|\nabla\psi\|^2
    + \tfrac12\iint V(x-y)|\psi(x)|^2|\psi(y)|^2\,dx\,dy .

Two discretisations:

* **modes** (:func:`evolve_modes`, :func:`ground_state_modes`): the Galerkin system
  :math:`i\hbar\dot\psi_a=\sum_c(h+V_\psi)_{ac}\psi_c` of a :class:`mfcourse.fock.ModeModel`,
  i.e. exactly the mean-field equation of the N-body model of :mod:`mfcourse.fock`; solved with
  ``scipy.integrate.solve_ivp`` (DOP853) at tight tolerances.
* **grid** (:func:`evolve_grid`, :func:`ground_state_grid`): M points on a periodic interval
  (the ring :math:`\mathbb T=\mathbf R/2\pi\mathbf Z` by default), Strang splitting
  potential/kinetic/potential with the kinetic flow exact in Fourier space and the potential
  flow exact because it leaves :math:`|\psi|^2` unchanged; second order in Δt, norm conserved to
  rounding.

The grid pieces are small reusable functions (:class:`PeriodicGrid`, :func:`kinetic_phase`,
:func:`hartree_potential`, :func:`potential_phase`, :func:`strang_step`) with ħ a parameter,
so that a density-matrix (von Neumann) solver can use the same kinetic and potential steps:
for a density matrix :math:`\rho(x,y)` the kinetic step multiplies by
``kinetic_phase`` in the first Fourier index and by its conjugate in the second, the potential
step by :math:`e^{-i\tau(V(x)-V(y))/\hbar}`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.fft as sfft
from scipy.integrate import solve_ivp

from mfcourse._validate import finite_array, finite_scalar
from mfcourse.quantum.fock import ModeModel


def _normalised(psi, what="psi", atol=1e-8):
    psi = np.asarray(psi, dtype=complex)
    nrm = np.linalg.norm(psi)
    if not np.isfinite(nrm) or abs(nrm - 1) > atol:
        raise ValueError(f"{what} must be normalised, got norm {nrm:.12g}")
    return psi


def _times(times):
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or times.size == 0 or np.any(np.diff(times) < 0) or times[0] < 0:
        raise ValueError("times must be a non-empty non-decreasing 1D sequence of values >= 0")
    return times


# ----------------------------------------------------------------------------------------------
# Hartree in a mode basis
# ----------------------------------------------------------------------------------------------
def hartree_rhs_modes(model: ModeModel, psi) -> np.ndarray:
    r""":math:`\dot\psi = -\frac{i}{\hbar}(h+V_\psi)\psi`."""
    return -1j / model.hbar * (model.hartree_hamiltonian(psi) @ psi)


def evolve_modes(
    model: ModeModel, psi0, times: Sequence[float], *, rtol: float = 1e-11, atol: float = 1e-12
) -> np.ndarray:
    """Hartree trajectory in the modes at ``times``, shape (len(times), K)."""
    psi0 = _normalised(psi0, "psi0")
    if psi0.shape != (model.K,):
        raise ValueError(f"psi0 must have length K={model.K}, got {psi0.shape}")
    times = _times(times)
    K = model.K

    def f(t, y):
        psi = y[:K] + 1j * y[K:]
        d = hartree_rhs_modes(model, psi)
        return np.concatenate([d.real, d.imag])

    y0 = np.concatenate([psi0.real, psi0.imag])
    if times[-1] == 0:
        return np.tile(psi0, (times.size, 1))
    sol = solve_ivp(f, (0.0, times[-1]), y0, method="DOP853", t_eval=times, rtol=rtol, atol=atol)
    if not sol.success:
        raise RuntimeError(f"Hartree ODE failed: {sol.message}")
    return (sol.y[:K] + 1j * sol.y[K:]).T


def hartree_propagator(
    model: ModeModel, psi0, times: Sequence[float], *, rtol: float = 1e-11, atol: float = 1e-12
) -> tuple[np.ndarray, np.ndarray]:
    r"""The Hartree solution and its one-particle propagator: :math:`\psi_t` and the unitary
    :math:`U_t` with :math:`i\hbar\,\dot U_t=(h+V_{\psi_t})U_t`, :math:`U_0=I`, so that
    :math:`U_t\psi_0=\psi_t`.

    :math:`A(t)=U_tA^{in}U_t^*` solves the linear von Neumann equation
    :math:`i\hbar\dot A=[h+V_{\psi_t},A]` used in the proof of seed 002 Theorem 2.8.
    Returns ``(psi_t, U_t)`` of shapes (len(times), K) and (len(times), K, K).
    """
    psi0 = _normalised(psi0, "psi0")
    if psi0.shape != (model.K,):
        raise ValueError(f"psi0 must have length K={model.K}, got {psi0.shape}")
    times = _times(times)
    K = model.K
    n = K + K * K

    def f(t, y):
        z = y[:n] + 1j * y[n:]
        psi, U = z[:K], z[K:].reshape(K, K)
        H = model.hartree_hamiltonian(psi)
        d = -1j / model.hbar * np.concatenate([H @ psi, (H @ U).ravel()])
        return np.concatenate([d.real, d.imag])

    z0 = np.concatenate([psi0, np.eye(K, dtype=complex).ravel()])
    if times[-1] == 0:
        return np.tile(psi0, (times.size, 1)), np.tile(np.eye(K, dtype=complex), (times.size, 1, 1))
    y0 = np.concatenate([z0.real, z0.imag])
    sol = solve_ivp(f, (0.0, times[-1]), y0, method="DOP853", t_eval=times, rtol=rtol, atol=atol)
    if not sol.success:
        raise RuntimeError(f"Hartree ODE failed: {sol.message}")
    z = (sol.y[:n] + 1j * sol.y[n:]).T
    return z[:, :K], z[:, K:].reshape(-1, K, K)


def ground_state_modes(
    model: ModeModel,
    psi0=None,
    *,
    tol: float = 1e-8,
    max_iter: int = 20000,
    progress: bool | None = None,
) -> np.ndarray:
    r"""Hartree ground state: the minimiser of the Hartree energy on the unit sphere,

    .. math:: \mathcal E(\psi) = \langle\psi|h|\psi\rangle
        + \tfrac12\langle\psi\otimes\psi|W|\psi\otimes\psi\rangle, \qquad \|\psi\| = 1,

    found by a quasi-Newton descent (L-BFGS on :math:`z\in\mathbb C^K`,
    :math:`\psi = z/\|z\|`, with the exact gradient :math:`2(h+V_\psi)\psi - 2\mu\psi` over
    :math:`\|z\|`) and stopped on the residual of the Hartree eigenvalue equation,
    :math:`\|(h+V_\psi)\psi-\mu\psi\| \le` ``tol``, :math:`\mu=\langle\psi,(h+V_\psi)\psi\rangle`.
    A fixed-step imaginary-time iteration (the first version) oscillates for strong interactions
    and stops on energy changes that can stall far from the solution; this descent has no step to
    tune. Prints progress after 2 s (``progress=None``), always (``True``) or never (``False``).

    Raises ``RuntimeError`` with the residual reached when ``max_iter`` iterations do not reach
    ``tol``.
    """
    import time

    from scipy.optimize import minimize

    if not (np.isscalar(tol) and np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a finite number > 0, got {tol!r}")
    if not isinstance(max_iter, int | np.integer) or max_iter < 1:
        raise ValueError(f"max_iter must be an integer >= 1, got {max_iter!r}")
    K = model.K
    psi = np.ones(K, dtype=complex) / np.sqrt(K) if psi0 is None else _normalised(psi0, "psi0")

    def residual(psi):
        Hpsi = model.hartree_hamiltonian(psi) @ psi
        mu = np.vdot(psi, Hpsi).real
        return Hpsi - mu * psi

    def energy_and_gradient(z_real):
        z = z_real[:K] + 1j * z_real[K:]
        norm = np.linalg.norm(z)
        psi = z / norm
        g = 2 * residual(psi) / norm  # d E / d conj(z), times 2: the real gradient in (Re, Im)
        return model.hartree_energy(psi), np.concatenate([g.real, g.imag])

    t0 = last = time.perf_counter()
    state = {"iterations": 0}

    def report(z_real):
        nonlocal last
        state["iterations"] += 1
        now = time.perf_counter()
        if progress or (progress is None and now - t0 > 2.0 and now - last > 2.0):
            z = z_real[:K] + 1j * z_real[K:]
            res = np.linalg.norm(residual(z / np.linalg.norm(z)))
            print(f"[ground_state_modes] iteration {state['iterations']}: residual {res:.3g}")
            last = now

    z = np.concatenate([psi.real, psi.imag])
    out = minimize(
        energy_and_gradient, z, jac=True, method="L-BFGS-B", callback=report,
        options={"maxiter": max_iter, "gtol": tol / 10, "ftol": 0.0, "maxcor": 30},
    )  # fmt: skip
    psi = (out.x[:K] + 1j * out.x[K:]) / np.linalg.norm(out.x[:K] + 1j * out.x[K:])
    res = float(np.linalg.norm(residual(psi)))
    # The descent compares energies, which round-off blurs at residuals ~ 1e-8: finish with
    # Gauss-Newton steps on the eigenvalue equation itself, (h + V_psi - mu) psi = 0, |psi| = 1,
    # with the phase fixed (its Jacobian by central differences: the system is 2K + 1 reals).
    for _ in range(8):
        if res <= tol:
            return psi
        psi = _newton_polish(model, psi)
        res = float(np.linalg.norm(residual(psi)))
    if res <= tol:
        return psi
    raise RuntimeError(
        f"the energy descent did not reach the residual tol = {tol:g} in {max_iter} iterations "
        f"(residual {res:.3g})"
    )


def _newton_polish(model: ModeModel, psi: np.ndarray) -> np.ndarray:
    """One Gauss-Newton step on F(psi, mu) = ((h + V_psi - mu) psi, |psi|^2 - 1, Im<psi0, psi>)."""
    K = model.K
    ref = psi.copy()

    def F(x):
        p = x[:K] + 1j * x[K : 2 * K]
        r = model.hartree_hamiltonian(p) @ p - x[2 * K] * p
        return np.concatenate([r.real, r.imag, [np.vdot(p, p).real - 1, np.vdot(ref, p).imag]])

    mu = np.vdot(psi, model.hartree_hamiltonian(psi) @ psi).real
    x = np.concatenate([psi.real, psi.imag, [mu]])
    f0 = F(x)
    h = 1e-6
    J = np.empty((f0.size, x.size))
    for k in range(x.size):
        e = np.zeros_like(x)
        e[k] = h
        J[:, k] = (F(x + e) - F(x - e)) / (2 * h)
    x = x - np.linalg.lstsq(J, f0, rcond=None)[0]
    p = x[:K] + 1j * x[K : 2 * K]
    return p / np.linalg.norm(p)


def hartree_density_matrix(psi) -> np.ndarray:
    r""":math:`|\psi\rangle\langle\psi|`."""
    psi = np.asarray(psi)
    return np.outer(psi, psi.conj())


# ----------------------------------------------------------------------------------------------
# Hartree on a periodic grid
# ----------------------------------------------------------------------------------------------
#: Largest :class:`PeriodicGrid` (2**26 points: 1 GiB for one complex wave function).
MAX_GRID_POINTS = 2**26


@dataclass(frozen=True)
class PeriodicGrid:
    r"""M equispaced points :math:`x_j=x_0+jL/M` on a periodic interval of length L
    (default :math:`L=2\pi`, :math:`x_0=-\pi`: the ring), with the FFT wavenumbers
    :math:`k\in\frac{2\pi}{L}\{-M/2,\dots,M/2-1\}`. Wave functions are normalised by
    :math:`\sum_j|\psi_j|^2\,\Delta x = 1`."""

    M: int
    length: float = 2 * np.pi

    def __post_init__(self):
        if isinstance(self.M, bool) or not isinstance(self.M, int | np.integer) or self.M < 4:
            raise ValueError(f"grid size M must be an integer >= 4, got {self.M!r}")
        if not (np.isfinite(self.length) and self.length > 0):
            raise ValueError(f"length must be > 0, got {self.length!r}")
        if self.M > MAX_GRID_POINTS:
            raise ValueError(
                f"grid size M = {self.M} exceeds the limit {MAX_GRID_POINTS} "
                f"(hartree.MAX_GRID_POINTS: one complex wave function is 16 bytes a point)"
            )
        # the spacing and the largest wavenumber pi/dx must be ordinary floating-point numbers
        if not (self.dx >= np.finfo(float).tiny and np.isfinite(np.pi / self.dx)):
            raise ValueError(
                f"length = {self.length!r} over M = {self.M} points gives the spacing "
                f"{self.dx!r}, below the floating-point range; use a longer interval"
            )

    @property
    def dx(self) -> float:
        return self.length / self.M

    @property
    def x(self) -> np.ndarray:
        return -0.5 * self.length + self.dx * np.arange(self.M)

    @property
    def k(self) -> np.ndarray:
        return 2 * np.pi * np.fft.fftfreq(self.M, d=self.dx)

    @property
    def is_ring(self) -> bool:
        return bool(np.isclose(self.length, 2 * np.pi))

    def norm(self, psi) -> float:
        return float(np.sqrt(np.sum(np.abs(psi) ** 2) * self.dx))

    def normalise(self, psi) -> np.ndarray:
        psi = np.asarray(psi, dtype=complex)
        return psi / self.norm(psi)

    def from_modes(self, coeffs) -> np.ndarray:
        r"""Grid values of :math:`\sum_{|k|\le k_{\max}}c_k e^{ikx}/\sqrt{2\pi}` (ring only)."""
        from mfcourse.quantum.fock import ring_wavefunction

        return ring_wavefunction(coeffs, self.x)

    def to_modes(self, psi, k_max: int) -> np.ndarray:
        r"""Plane-wave coefficients :math:`\langle e_k|\psi\rangle`, :math:`|k|\le k_{\max}`
        (exact by the trapezoidal rule for band-limited ψ; ring only)."""
        ks = np.arange(-k_max, k_max + 1)
        return np.exp(-1j * np.outer(ks, self.x)) @ np.asarray(psi) * self.dx / np.sqrt(2 * np.pi)


def kinetic_phase(grid: PeriodicGrid, dt: float, hbar: float = 1.0) -> np.ndarray:
    r"""Fourier multiplier of the free flow over dt, :math:`e^{-i\,dt\,\hbar k^2/2}`
    (from :math:`i\hbar\partial_t\psi=-\frac12\hbar^2\Delta\psi`)."""
    return np.exp(-0.5j * dt * hbar * grid.k**2)


def apply_kinetic(psi, phase) -> np.ndarray:
    """Exact free flow of a grid wave function given its :func:`kinetic_phase`."""
    return np.fft.ifft(phase * np.fft.fft(psi))


def _check_ring(interaction, grid):
    if interaction is not None and not grid.is_ring:
        raise ValueError(
            f"the shared pair interaction lives on the ring (length 2*pi), got length "
            f"{grid.length!r}; use interaction=None on other intervals"
        )


def hartree_potential(interaction, rho, grid: PeriodicGrid) -> np.ndarray:
    r"""Mean-field potential :math:`V\star\rho` on the grid (``interaction`` is a
    :class:`mfcourse.interaction.PairInteraction` on the ring, or None for V = 0)."""
    if interaction is None:
        return np.zeros(grid.M)
    _check_ring(interaction, grid)
    return np.asarray(interaction.potential_on_grid(np.asarray(rho, dtype=float)), dtype=float)


def potential_operator(interaction, grid: PeriodicGrid) -> Callable[[np.ndarray], np.ndarray]:
    r"""The linear map :math:`\rho\mapsto V\star\rho` on the grid as a cached Fourier
    multiplier, for inner loops. The multiplier is read off
    ``interaction.potential_on_grid`` applied to a unit point mass (the definition of
    :math:`V\star\rho` stays in :mod:`mfcourse.interaction`); equal to
    :func:`hartree_potential` to rounding."""
    if interaction is None:
        zero = np.zeros(grid.M)
        return lambda rho: zero
    _check_ring(interaction, grid)
    delta = np.zeros(grid.M)
    delta[0] = 1.0 / grid.dx
    symbol = np.fft.rfft(hartree_potential(interaction, delta, grid)) * grid.dx
    M = grid.M

    def apply(rho):
        return sfft.irfft(sfft.rfft(rho) * symbol, n=M)

    return apply


def potential_phase(potential, dt: float, hbar: float = 1.0) -> np.ndarray:
    r""":math:`e^{-i\,dt\,V(x)/\hbar}`: the exact potential flow over dt (|ψ|² is unchanged by
    it, so :math:`V_\psi` stays fixed along it)."""
    return np.exp(-1j * dt * np.asarray(potential) / hbar)


def strang_step(
    psi,
    grid: PeriodicGrid,
    dt: float,
    interaction=None,
    hbar: float = 1.0,
    kin: np.ndarray | None = None,
) -> np.ndarray:
    r"""One Strang step: half potential step, exact kinetic step, half potential step (each
    potential half-step with :math:`V\star|\psi|^2` of the current density)."""
    kin = kinetic_phase(grid, dt, hbar) if kin is None else kin
    pot = hartree_potential(interaction, np.abs(psi) ** 2, grid)
    psi = potential_phase(pot, 0.5 * dt, hbar) * psi
    psi = apply_kinetic(psi, kin)
    pot = hartree_potential(interaction, np.abs(psi) ** 2, grid)
    return potential_phase(pot, 0.5 * dt, hbar) * psi


def external_on_grid(external, grid: PeriodicGrid) -> np.ndarray:
    r"""An external potential :math:`U` on the grid: ``None`` (zero), a callable :math:`U(x)`
    or an array of shape ``(M,)``; must be real and finite."""
    if external is None:
        return np.zeros(grid.M)
    U = external(grid.x) if callable(external) else external
    U = finite_array(U, "external")
    if U.shape != (grid.M,):
        raise ValueError(f"external must have shape ({grid.M},) on the grid, got {U.shape}")
    return U


def _check_contact(contact) -> float:
    return finite_scalar(contact, "contact")


def energy_grid(
    psi,
    grid: PeriodicGrid,
    interaction=None,
    hbar: float = 1.0,
    *,
    external=None,
    contact: float = 0.0,
) -> float:
    r"""Hartree / Gross–Pitaevskii energy

    .. math:: \frac{\hbar^2}2\|\partial_x\psi\|^2 + \frac12\int(V\star\rho)\rho
        + \int U\rho + \frac g2\int\rho^2,\qquad \rho = |\psi|^2

    (derivative spectral; ``external`` :math:`U`, ``contact`` :math:`g`, both default 0)."""
    psi_hat = np.fft.fft(psi)
    kin = 0.5 * hbar**2 * np.sum(grid.k**2 * np.abs(psi_hat) ** 2) * grid.dx / grid.M
    rho = np.abs(psi) ** 2
    pot = 0.5 * np.sum(hartree_potential(interaction, rho, grid) * rho) * grid.dx
    U = external_on_grid(external, grid)
    g = _check_contact(contact)
    local = np.sum(U * rho + 0.5 * g * rho**2) * grid.dx
    return float(kin + pot + local)


def chemical_potential_grid(
    psi, grid: PeriodicGrid, interaction=None, hbar: float = 1.0, *, external=None, contact=0.0
) -> float:
    r""":math:`\mu = \langle\psi, H_\psi\psi\rangle` with the mean-field Hamiltonian
    :math:`H_\psi = -\frac{\hbar^2}2\partial_x^2 + V\star\rho + U + g\rho` (the eigenvalue of
    a ground state): the energy with the interaction terms counted twice."""
    rho = np.abs(psi) ** 2
    pair = 0.5 * np.sum(hartree_potential(interaction, rho, grid) * rho) * grid.dx
    g = _check_contact(contact)
    e = energy_grid(psi, grid, interaction, hbar, external=external, contact=g)
    return float(e + pair + 0.5 * g * np.sum(rho**2) * grid.dx)


@dataclass
class GridTrajectory:
    """Snapshots of a grid Hartree run with the conserved quantities along it."""

    times: np.ndarray
    psi: np.ndarray
    norm: np.ndarray
    energy: np.ndarray
    grid: PeriodicGrid


def evolve_grid(
    psi0,
    grid: PeriodicGrid,
    t_final: float,
    n_steps: int,
    *,
    interaction=None,
    hbar: float = 1.0,
    n_save: int = 1,
    progress: Callable[[float], None] | None = None,
    external=None,
    contact: float = 0.0,
) -> GridTrajectory:
    r"""Strang split-step Fourier for Hartree on the grid, ``n_steps`` steps to ``t_final``,
    saving ``n_save`` + 1 equispaced snapshots (including t = 0) with norm and energy.

    Consecutive potential half-steps are merged (they use the same density), so a step costs
    one potential evaluation and two FFTs.

    **Gross–Pitaevskii.**  ``external`` :math:`U(x)` (callable or grid array) and ``contact``
    :math:`g` add :math:`U + g|\psi|^2` to the mean-field potential:
    :math:`i\hbar\partial_t\psi = -\frac{\hbar^2}2\partial_x^2\psi + (V\star|\psi|^2 + U +
    g|\psi|^2)\psi` (a trap needs a box large enough that :math:`\psi` vanishes at its edges).
    """
    psi = finite_array(psi0, "psi0", dtype=complex)
    if psi.shape != (grid.M,):
        raise ValueError(f"psi0 must have shape ({grid.M},), got {psi.shape}")
    nrm = grid.norm(psi)
    if abs(nrm - 1) > 1e-8:
        raise ValueError(f"psi0 must be normalised on the grid (sum |psi|^2 dx = 1), got {nrm}")
    if isinstance(n_steps, bool) or not isinstance(n_steps, int | np.integer) or n_steps < 1:
        raise ValueError(f"n_steps must be an integer >= 1, got {n_steps!r}")
    if not (np.isfinite(t_final) and t_final >= 0):
        raise ValueError(f"t_final must be >= 0, got {t_final!r}")
    n_save = max(1, min(int(n_save), int(n_steps)))
    dt = t_final / n_steps
    kin = kinetic_phase(grid, dt, hbar)
    save_at = set(np.round(np.linspace(0, n_steps, n_save + 1)).astype(int).tolist())
    times, snaps, norms, energies = [], [], [], []

    U = external_on_grid(external, grid)
    g = _check_contact(contact)

    def record(step, psi):
        times.append(step * dt)
        snaps.append(psi.copy())
        norms.append(grid.norm(psi))
        energies.append(energy_grid(psi, grid, interaction, hbar, external=U, contact=g))

    record(0, psi)
    pair = potential_operator(interaction, grid)

    def vstar(rho):
        return pair(rho) + U + g * rho

    scale = -1j * dt / hbar
    psi = np.exp(0.5 * scale * vstar(psi.real**2 + psi.imag**2)) * psi
    for step in range(1, n_steps + 1):
        psi = sfft.ifft(kin * sfft.fft(psi), overwrite_x=True)
        pot = vstar(psi.real**2 + psi.imag**2)
        if step in save_at:
            psi = np.exp(0.5 * scale * pot) * psi  # close the Strang step
            record(step, psi)
            if step < n_steps:
                psi = np.exp(0.5 * scale * pot) * psi
        else:
            psi = np.exp(scale * pot) * psi  # two merged half-steps
        if progress is not None and step % max(1, n_steps // 20) == 0:
            progress(step / n_steps)
    return GridTrajectory(
        times=np.array(times),
        psi=np.array(snaps),
        norm=np.array(norms),
        energy=np.array(energies),
        grid=grid,
    )


def ground_state_grid(
    grid: PeriodicGrid,
    interaction=None,
    *,
    hbar: float = 1.0,
    psi0=None,
    dtau: float = 0.02,
    refinements: int = 2,
    tol: float = 1e-12,
    max_steps: int = 200000,
    external=None,
    contact: float = 0.0,
) -> np.ndarray:
    r"""Hartree ground state on the grid by imaginary time (:math:`t=-i\tau`): split steps
    with renormalisation, run until the energy changes by less than ``tol``·dτ.

    The fixed point of a split step is biased by :math:`O(d\tau^2)`, so the run is repeated
    with dτ/10, ``refinements`` times (bias :math:`\sim 10^{-2r}d\tau^2`).

    ``external`` :math:`U` and ``contact`` :math:`g` give the Gross–Pitaevskii ground state in a
    trap (see :func:`evolve_grid`); validated against the harmonic-oscillator Gaussian at
    :math:`g = 0` and the Thomas–Fermi profile :math:`\rho = (\mu - U)_+/g` at large :math:`g`
    (tests/test_hartree.py)."""
    U = external_on_grid(external, grid)
    g = _check_contact(contact)
    dtau = finite_scalar(dtau, "dtau", lo=0.0, lo_open=True)
    psi = grid.normalise(
        np.ones(grid.M) if psi0 is None else finite_array(psi0, "psi0", dtype=complex)
    )

    def mean_field(rho):
        return hartree_potential(interaction, rho, grid) + U + g * rho

    def energy(psi):
        return energy_grid(psi, grid, interaction, hbar, external=U, contact=g)

    for level in range(refinements + 1):
        dt = dtau / 10**level
        kin = np.exp(-0.5 * dt * hbar * grid.k**2)
        e_old = energy(psi)
        for _ in range(max_steps):
            pot = mean_field(np.abs(psi) ** 2)
            psi = np.exp(-0.5 * dt * pot / hbar) * psi
            psi = np.fft.ifft(kin * np.fft.fft(psi))
            pot = mean_field(np.abs(psi) ** 2)
            psi = grid.normalise(np.exp(-0.5 * dt * pot / hbar) * psi)
            e = energy(psi)
            if abs(e - e_old) < tol * dt:
                break
            e_old = e
        else:
            raise RuntimeError(f"imaginary-time iteration did not converge in {max_steps} steps")
    return psi


def free_gaussian(x, t: float, s0: float, k0: float = 0.0, hbar: float = 1.0) -> np.ndarray:
    r"""Exact free Gaussian packet on the line (reference-results.md, with ħ):
    :math:`\psi_0=(2\pi s_0^2)^{-1/4}e^{-x^2/(4s_0^2)+ik_0x}`, so that :math:`|\psi_t|^2` is a
    Gaussian centred at :math:`\hbar k_0t` of variance :math:`s_0^2+\hbar^2t^2/(4s_0^2)`."""
    x = finite_array(x, "x")
    t = finite_scalar(t, "t")
    s0 = finite_scalar(s0, "s0", lo=1e-100)  # a width; below, s0**2 underflows
    k0 = finite_scalar(k0, "k0")
    hbar = finite_scalar(hbar, "hbar", lo=0.0, lo_open=True)
    a = 1 + 1j * hbar * t / (2 * s0**2)
    return (
        (2 * np.pi * s0**2) ** -0.25
        / np.sqrt(a)
        * np.exp(
            -((x - hbar * k0 * t) ** 2) / (4 * s0**2 * a) + 1j * k0 * x - 0.5j * hbar * k0**2 * t
        )
    )
