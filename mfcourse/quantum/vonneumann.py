r"""Semiclassical mixed-state Hartree (von Neumann) dynamics on a periodic grid.

Golse, lecture notes (seed 002) §3.1 and §3.3; Golse–Mouhot–Paul (seed 001) (8): the mean-field
(Hartree) equation for a density operator :math:`\rho(t)` with :math:`\hbar = \varepsilon`,

.. math::

    i\varepsilon\,\partial_t\rho = \big[-\tfrac{\varepsilon^2}{2}\Delta + V_{\rho} + U,\ \rho\big],
    \qquad V_\rho(x) = \int V(x-y)\,\rho(y, y)\,dy,

where :math:`V` is the pair interaction (:class:`mfcourse.interaction.PairInteraction`, its
:meth:`~mfcourse.interaction.PairInteraction.potential_on_grid` gives :math:`V_\rho`) and
:math:`U` an optional external potential on the grid (a harmonic trap in the tests). The
semiclassical limit :math:`\varepsilon \to 0` of this equation is the Vlasov equation (the right
vertical arrow of the course's diagram); Theorem 3.5(2) of seed 002 quantifies it for Töplitz
initial data.

Numerics: Strang splitting, exact in each piece on the grid,

.. math::

    \rho \leftarrow e^{-i\frac{dt}{2\varepsilon}V}\,\rho\,e^{+i\frac{dt}{2\varepsilon}V},\quad
    \rho \leftarrow e^{-i\frac{dt}{\varepsilon}K}\,\rho\,e^{+i\frac{dt}{\varepsilon}K},\quad
    \rho \leftarrow e^{-i\frac{dt}{2\varepsilon}V'}\,\rho\,e^{+i\frac{dt}{2\varepsilon}V'},

with :math:`K = \varepsilon^2|k|^2/2` applied in Fourier on both indices of the kernel (one 2D FFT
each way: the symbol is even, so :math:`e^{-iK dt/\varepsilon}` is a symmetric matrix) and the
potential applied as a phase :math:`e^{-i\,dt\,V(x)/2\varepsilon}` on the left and
:math:`e^{+i\,dt\,V(y)/2\varepsilon}` on the right. The potential half-steps do not change the
density, so :math:`V'` (recomputed after the kinetic step) makes the scheme symmetric and second
order. Each step is unitary conjugation: trace and spectrum (hence positivity) are conserved to
rounding; the Hartree energy is conserved up to :math:`O(dt^2)`. For quadratic Hamiltonians the
Wigner function moves exactly along the classical flow of the split (leapfrog) map.

A state of low rank evolves orbital by orbital, :math:`\rho = \sum_k\lambda_k
|\psi_k\rangle\langle\psi_k|` with fixed weights (``method="orbitals"``), or as an
:math:`n\times n` kernel (``method="matrix"``). A step costs :math:`2r` FFTs of length :math:`n`
for :math:`r` orbitals against two 2D FFTs (:math:`4n` FFTs) for the kernel, so orbitals are
cheaper at every rank once the kernel is diagonalised (an :math:`O(n^3)` set-up);
``method="auto"`` therefore evolves orbitals (eigenvalues below ``rtol`` times the largest are
dropped; the dropped trace is reported by :attr:`MixedState.trace`). The kernel form needs no
diagonalisation and serves as an independent check.
Kernels follow the conventions of :mod:`mfcourse.phasespace` (operator
:math:`(R\psi)_j = \sum_k r_{jk}\psi_k\,dx`). The kinetic and potential phases are those of the
pure-state Hartree solver of lecture 2 (:func:`mfcourse.hartree.kinetic_phase`,
:func:`mfcourse.hartree.potential_phase` with :math:`\hbar = \varepsilon`); a rank-one state
evolves exactly as :func:`mfcourse.hartree.evolve_grid` would evolve its wave function.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.fft as sfft

from mfcourse import phasespace as ps
from mfcourse.quantum.hartree import PeriodicGrid, kinetic_phase, potential_phase

METHODS = ("auto", "orbitals", "matrix")


@dataclass
class MixedState:
    r"""A density operator in orbital form :math:`\sum_k \lambda_k|\psi_k\rangle\langle\psi_k|`
    (``weights`` shape ``(r,)``, ``orbitals`` shape ``(n, r)``) or as a kernel (``kernel``
    shape ``(n, n)``); exactly one of the two forms is set."""

    dx: float
    weights: np.ndarray | None = None
    orbitals: np.ndarray | None = None
    kernel: np.ndarray | None = None

    @property
    def n(self) -> int:
        return (self.kernel if self.kernel is not None else self.orbitals).shape[0]

    @property
    def rank(self) -> int:
        return self.n if self.kernel is not None else self.weights.size

    def to_kernel(self) -> np.ndarray:
        """The kernel :math:`r(x_j, x_k)`."""
        if self.kernel is not None:
            return self.kernel
        return (self.orbitals * self.weights) @ self.orbitals.conj().T

    def density(self) -> np.ndarray:
        r"""The position density :math:`\rho(x, x)`."""
        if self.kernel is not None:
            return np.real(np.diagonal(self.kernel)).copy()
        return np.abs(self.orbitals) ** 2 @ self.weights

    def trace(self) -> float:
        return float(self.density().sum() * self.dx)

    def spectrum(self) -> np.ndarray:
        r"""Eigenvalues of the operator, ascending. In orbital form these are the eigenvalues of
        :math:`\Lambda^{1/2}G\Lambda^{1/2}` with the Gram matrix :math:`G = \Psi^*\Psi\,dx`
        (exact, and cheap for small rank); as a kernel those of :math:`r\,dx`."""
        if self.kernel is not None:
            r = self.kernel
            return np.linalg.eigvalsh((r + r.conj().T) * (self.dx / 2))
        s = np.sqrt(self.weights)
        gram = (self.orbitals.conj().T @ self.orbitals) * self.dx
        return np.linalg.eigvalsh(s[:, None] * gram * s[None, :])

    def copy(self) -> MixedState:
        return MixedState(
            self.dx,
            None if self.weights is None else self.weights.copy(),
            None if self.orbitals is None else self.orbitals.copy(),
            None if self.kernel is None else self.kernel.copy(),
        )


def mixed_state(state, x, *, method: str = "auto", rtol: float = 1e-12) -> MixedState:
    r"""Wrap a wave function, a kernel, or ``(weights, orbitals)`` as a :class:`MixedState`.

    A kernel is checked (Hermitian, positive; ``ValueError`` otherwise) and, for
    ``method="orbitals"`` or ``"auto"``, diagonalised, keeping eigenvalues above ``rtol`` times
    the largest.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    x, dx, _ = ps.grid_spacing(x)
    n = x.size
    if isinstance(state, MixedState):  # already validated: convert without re-checking
        if state.n != n:
            raise ValueError(f"state lives on {state.n} points, the grid has n={n}")
        if method == "matrix" and state.kernel is None:
            return MixedState(dx, kernel=state.to_kernel())
        if method == "orbitals" and state.kernel is not None:
            lam, orb = ps.orbitals(state.kernel, dx, rtol=rtol)
            return MixedState(dx, lam, orb)
        return state.copy()
    if isinstance(state, tuple):
        weights, orb = (np.asarray(a) for a in state)
        orb = orb.reshape(n, -1).astype(complex)
        weights = np.asarray(weights, dtype=float).reshape(-1)
        if weights.size != orb.shape[1] or np.any(weights < 0):
            raise ValueError(
                f"weights must be >= 0 with one per orbital: {weights.size} weights for "
                f"{orb.shape[1]} orbitals (min {weights.min():.3g})"
            )
        out = MixedState(dx, weights, orb)
        return MixedState(dx, kernel=out.to_kernel()) if method == "matrix" else out
    a = np.asarray(state)
    if a.ndim == 1:
        if a.size != n:
            raise ValueError(f"wave function has {a.size} values, the grid has n={n}")
        psi = a.astype(complex).reshape(n, 1)
        if method == "matrix":
            return MixedState(dx, kernel=psi @ psi.conj().T)
        return MixedState(dx, np.ones(1), psi)
    r = ps.as_density_matrix(a, dx, check=True)
    if r.shape != (n, n):
        raise ValueError(f"kernel has shape {r.shape}, the grid has n={n} points")
    if method == "matrix":
        return MixedState(dx, kernel=r.copy())
    lam, orb = ps.orbitals(r, dx, rtol=rtol)
    return MixedState(dx, lam, orb)


@dataclass
class VonNeumannRun:
    """Output of :meth:`VonNeumann.evolve`: diagnostics at the saved times and the states."""

    times: np.ndarray
    trace: np.ndarray
    min_eigenvalue: np.ndarray
    energy: np.ndarray
    density: np.ndarray
    states: list[MixedState] = field(default_factory=list)
    method: str = ""
    seconds: float = 0.0

    def kernel(self, i: int) -> np.ndarray:
        """Kernel of the ``i``-th saved state."""
        return self.states[i].to_kernel()


class VonNeumann:
    r"""Split-step solver for :math:`i\varepsilon\partial_t\rho = [-\frac{\varepsilon^2}{2}\Delta
    + V_\rho + U, \rho]` on the periodic grid ``x`` (see the module docstring).

    Parameters
    ----------
    x : uniform grid of ``n`` points, periodic of length ``L = n dx``.
    eps : :math:`\varepsilon = \hbar > 0`.
    interaction : a :class:`~mfcourse.interaction.PairInteraction` or ``None`` (then
        :math:`V_\rho = 0`); needs ``L`` a multiple of :math:`2\pi`.
    external : optional external potential :math:`U(x_j)` (array of length ``n``).
    """

    def __init__(self, x, eps: float, *, interaction=None, external=None):
        self.eps = ps.check_epsilon(eps)
        self.x, self.dx, self.length = ps.check_grid(x, self.eps)
        n = self.x.size
        self.interaction = interaction
        if external is None:
            self.external = np.zeros(n)
        else:
            self.external = np.asarray(external, dtype=float)
            if self.external.shape != (n,) or not np.all(np.isfinite(self.external)):
                raise ValueError(
                    f"external potential must be finite with shape ({n},), "
                    f"got {self.external.shape}"
                )
        if interaction is not None:
            interaction.potential_on_grid(np.zeros(n), length=self.length)  # validates the grid
        self._grid = PeriodicGrid(n, self.length)  # lecture 2's grid pieces (same wavenumbers)
        self.k = self._grid.k
        self.kinetic_symbol = 0.5 * (self.eps * self.k) ** 2

    # ----------------------------------------------------------------- pieces
    def potential(self, density) -> np.ndarray:
        r""":math:`V_\rho + U` on the grid for the position density ``density``."""
        if self.interaction is None:
            return self.external
        return self.interaction.potential_on_grid(density, length=self.length) + self.external

    def energy(self, state: MixedState) -> float:
        r"""Hartree energy :math:`\operatorname{tr}(-\frac{\varepsilon^2}{2}\Delta\rho)
        + \int U\rho + \frac12\int V_\rho\,\rho` (conserved by the exact flow)."""
        dens = state.density()
        if state.kernel is not None:
            rhat = sfft.fft(sfft.ifft(state.kernel, axis=1), axis=0)
            kin = float(np.real(np.diagonal(rhat)) @ self.kinetic_symbol) * self.dx
        else:
            phat = sfft.fft(state.orbitals, axis=0)
            kin = float(self.kinetic_symbol @ (np.abs(phat) ** 2 @ state.weights))
            kin *= self.dx / self.x.size
        pot = float(self.external @ dens) * self.dx
        if self.interaction is not None:
            vr = self.interaction.potential_on_grid(dens, length=self.length)
            pot += 0.5 * float(vr @ dens) * self.dx
        return kin + pot

    def _kick(self, state: MixedState, dt: float) -> None:
        phase = potential_phase(self.potential(state.density()), dt, hbar=self.eps)
        if state.kernel is not None:
            state.kernel *= np.outer(phase, phase.conj())
        else:
            state.orbitals *= phase[:, None]

    def _drift(self, state: MixedState, phase: np.ndarray, outer: np.ndarray | None) -> None:
        if state.kernel is not None:
            # U r U^* with U = F^-1 diag(phase) F; the symbol is even in k, so U is symmetric and
            # the conjugation is one 2D FFT: ifft2(fft2(r) * phase(k) conj(phase(k')))
            a = sfft.fft2(state.kernel, overwrite_x=True)
            a *= outer
            state.kernel = sfft.ifft2(a, overwrite_x=True)
        else:
            a = sfft.fft(state.orbitals, axis=0, overwrite_x=True)
            a *= phase[:, None]
            state.orbitals = sfft.ifft(a, axis=0, overwrite_x=True)

    def step(self, state: MixedState, dt: float, nsteps: int = 1) -> MixedState:
        """Advance ``state`` in place by ``nsteps`` Strang steps of size ``dt``."""
        phase = kinetic_phase(self._grid, dt, hbar=self.eps)  # exp(-i dt eps k^2 / 2)
        outer = np.outer(phase, phase.conj()) if state.kernel is not None else None
        self._kick(state, dt / 2)
        for i in range(nsteps):
            self._drift(state, phase, outer)
            self._kick(state, dt if i < nsteps - 1 else dt / 2)  # merged half-kicks
        return state

    # ----------------------------------------------------------------- driver
    def evolve(
        self,
        state,
        t_final: float,
        dt: float,
        *,
        n_save: int = 11,
        method: str = "auto",
        keep_states: bool = True,
        progress: Callable[[str], None] | None = None,
    ) -> VonNeumannRun:
        r"""Evolve ``state`` (wave function, kernel, ``(weights, orbitals)`` or
        :class:`MixedState`) to ``t_final`` with step ``dt``, reporting trace, smallest
        eigenvalue, energy and density at ``n_save`` equally spaced times (``t_final`` must be
        a multiple of ``dt`` times ``n_save - 1``, up to rounding). ``progress`` receives a line
        per saved time when given."""
        if not (dt > 0 and math.isfinite(dt)):
            raise ValueError(f"dt must be a positive finite number, got {dt!r}")
        if not (t_final >= 0 and math.isfinite(t_final)):
            raise ValueError(f"t_final must be >= 0 and finite, got {t_final!r}")
        if not (isinstance(n_save, int) and n_save >= 2):
            raise ValueError(f"n_save must be an integer >= 2, got {n_save!r}")
        steps_total = round(t_final / dt)
        if abs(steps_total * dt - t_final) > 1e-9 * max(1.0, t_final):
            raise ValueError(f"t_final={t_final!r} is not a whole number of steps dt={dt!r}")
        if steps_total % (n_save - 1):
            raise ValueError(
                f"{steps_total} steps cannot be split into n_save-1 = {n_save - 1} equal blocks"
            )
        per = steps_total // (n_save - 1)
        st = mixed_state(state, self.x, method=method)
        rec = VonNeumannRun(
            times=np.arange(n_save) * per * dt,
            trace=np.empty(n_save),
            min_eigenvalue=np.empty(n_save),
            energy=np.empty(n_save),
            density=np.empty((n_save, self.x.size)),
            method="matrix" if st.kernel is not None else "orbitals",
        )
        t0 = time.perf_counter()
        for i in range(n_save):
            if i:
                self.step(st, dt, per)
            rec.trace[i] = st.trace()
            rec.min_eigenvalue[i] = st.spectrum()[0]
            rec.energy[i] = self.energy(st)
            rec.density[i] = st.density()
            if keep_states:
                rec.states.append(st.copy())
            if progress is not None:
                progress(
                    f"t = {rec.times[i]:.3g}: trace {rec.trace[i]:.12f}, "
                    f"energy {rec.energy[i]:.10g} ({time.perf_counter() - t0:.1f} s)"
                )
        rec.seconds = time.perf_counter() - t0
        return rec
