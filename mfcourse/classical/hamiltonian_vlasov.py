r"""The Hamiltonian Vlasov equation, its velocity Fourier transform, and Pickl's counting
functional for the classical N-body problem (Neiss & Pickl, seed 004; lecture 6).

**The equations** (seed 004 §2.1, in one dimension on :math:`\mathbb T\times\mathbb R`, with the
course's pair interaction :math:`\Gamma = V = \sum_k v_k\cos(kx)` of
:mod:`mfcourse.interaction`).  The Poisson bracket is
:math:`[A,B] = \partial_x A\,\partial_v B - \partial_v A\,\partial_x B`.  A complex
:math:`\alpha(t,x,v)` solves the *Hamiltonian Vlasov equation*

.. math::

    \partial_t\alpha = \Big[\tfrac{v^2}{2} + \Gamma\star|\alpha|^2,\ \alpha\Big]
        - \big(\Gamma\star[\bar\alpha,\alpha]\big)\,\alpha
      = -v\,\partial_x\alpha + (\Gamma'\star\rho)\,\partial_v\alpha - i(\Gamma'\star j)\,\alpha,
    \tag{HVl}

with :math:`\rho = \int|\alpha|^2dv` and the *current* :math:`j = \operatorname{Im}\int\bar\alpha
\,\partial_v\alpha\,dv` (integrating the bracket by parts, :math:`\Gamma\star[\bar\alpha,\alpha]
= \Gamma'\star\int\bar\alpha\partial_v\alpha\,dv = i\,\Gamma'\star j`, because the real part
:math:`\frac12\int\partial_v|\alpha|^2dv` vanishes).  The last term is a phase: :math:`f=|\alpha|^2`
solves the Vlasov equation of :mod:`mfcourse.classical.vlasov`.  After the velocity Fourier
transform :math:`\hat\alpha(x,\xi) = (2\pi)^{-1/2}\int\alpha(x,v)e^{-iv\xi}dv` (seed 004 (FT)),

.. math::

    i\partial_t\hat\alpha = \big(\partial_x\partial_\xi + \hat V\star|\hat\alpha|^2\big)\hat\alpha,
    \qquad \hat V(x,\xi) = -\Gamma'(x)\,\xi,
    \tag{HHt}

and :math:`(\hat V\star|\hat\alpha|^2)(x,\xi) = -(\Gamma'\star\rho)(x)\,\xi + (\Gamma'\star J)(x)`,
:math:`J = \int\xi|\hat\alpha|^2d\xi = j`.

**Solvers.** :class:`HamiltonianVlasovSolver` is the Cheng–Knorr scheme of
:mod:`mfcourse.classical.vlasov` (its shift multipliers, on the real and imaginary parts of
:math:`\alpha`) with the phase :math:`e^{-i\Delta t\,\Gamma'\star j}` applied together with the
velocity shift: :math:`\rho` and :math:`j` are invariant under both, so that sub-step is exact.
:class:`HamiltonianHartreeSolver` is the split-step Fourier method of quantum mechanics applied to
(HHt): the "kinetic" factor :math:`e^{-i\Delta t\,\partial_x\partial_\xi}` is diagonal in
:math:`(k, v)` (it is :math:`e^{-i\Delta t\,kv}`), the potential factor
:math:`e^{-i\Delta t\,\hat V\star|\hat\alpha|^2}` is diagonal in :math:`(x,\xi)`, and
:math:`\rho, J` are computed from :math:`\hat\alpha` in :math:`\xi`-space.

**N-body side** (seed 004 (HLv^N), Theorem 3.1).  With
:math:`H_N = \sum_m v_m^2/2 + \frac{1}{2(N-1)}\sum_{m\ne n}\Gamma(x_m-x_n)` the N-body solution is
pure transport, :math:`\alpha_N(t) = \mathring\alpha_N\circ\Phi_N^{-t}`.  For product data
:math:`\mathring\alpha^{\otimes N}` Pickl's functional with :math:`\mathfrak m_1(k) = k/N`
(seed 004 Definition 4.1, Lemma 4.3(ii)) is

.. math::

    \beta_N(t) = \langle\alpha_N(t), q_1\alpha_N(t)\rangle = 1 - \int dz_2\cdots dz_N\,
      \Big|\int \overline{\alpha(t,z_1)}\,\alpha_N(t,z_1,\dots,z_N)\,dz_1\Big|^2 ,

computed exactly (quadrature in every variable) for :math:`N=2` by :func:`pickl_exact_two`, and
for larger :math:`N` by the unbiased estimator of :func:`pickl_monte_carlo`: the remaining
particles :math:`z_2,\dots,z_N` are drawn from the marginal of :math:`|\alpha_N(t)|^2` (i.i.d.
samples of :math:`|\mathring\alpha|^2` pushed forward by the N-body flow) and the
:math:`z_1`-integral is done by quadrature, one backward N-body flow per node.  The N-body flow is
the leapfrog map of :mod:`mfcourse.classical.newton` (symplectic, hence volume-preserving, and
time-reversible: the backward flow is the exact inverse of the forward one).
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numba as nb
import numpy as np

from mfcourse.classical import newton
from mfcourse.classical.newton import CosineMaxwellian, _sincos
from mfcourse.classical.vlasov import PhaseGrid, _shift_axis, _shift_multiplier
from mfcourse.course.progress import time_printer
from mfcourse.interaction import PairInteraction

__all__ = [
    "ComplexRoot",
    "HamiltonianHartreeSolver",
    "HamiltonianVlasovSolver",
    "HVlResult",
    "PicklEstimate",
    "current",
    "hamiltonian_vl",
    "inverse_velocity_fourier",
    "lemma_4_4_two",
    "nbody_backward",
    "neiss_pickl_interaction",
    "pickl_exact_two",
    "pickl_monte_carlo",
    "quadrature_nodes",
    "theorem_4_8_rate",
    "two_body_state",
    "check_alpha",
    "velocity_fourier",
    "xi_grid",
]

TWO_PI = 2.0 * np.pi


# ---------------------------------------------------------------------------------- data
class ComplexRoot:
    r"""A complex "square root" of a phase-space density,
    :math:`\mathring\alpha(x,v) = \sqrt{f_0(x,v)}\;e^{i\theta(x,v)}` with
    :math:`\theta = \kappa v + \eta\,v\sin x`, so that :math:`|\mathring\alpha|^2 = f_0` (a
    :class:`~mfcourse.classical.newton.CosineMaxwellian`, normalised to 1).

    :math:`\kappa` is the velocity-dependent phase that makes the current
    :math:`j = \operatorname{Im}\int\bar\alpha\partial_v\alpha\,dv = \kappa\rho` non-zero, so the
    phase term of (HVl) acts; with :math:`\kappa = 0` and real data it vanishes for all times.
    """

    def __init__(self, density: CosineMaxwellian, kappa: float = 0.0, eta: float = 0.0):
        if not isinstance(density, CosineMaxwellian):
            raise ValueError(
                f"density must be a mfcourse.classical.newton.CosineMaxwellian, got "
                f"{type(density).__name__}"
            )
        if abs(density.amplitude) >= 1:
            raise ValueError(
                f"amplitude {density.amplitude} makes f0 vanish somewhere; need |a| < 1 so that "
                "log alpha is finite"
            )
        for name, val in (("kappa", kappa), ("eta", eta)):
            if isinstance(val, bool) or not isinstance(val, numbers.Real) or not math.isfinite(val):
                raise ValueError(f"{name} must be a finite real number, got {val!r}")
        self.density, self.kappa, self.eta = density, float(kappa), float(eta)

    def phase(self, x, v):
        v = np.asarray(v, float)
        return (self.kappa + self.eta * np.sin(np.asarray(x, float))) * v

    def log(self, x, v) -> np.ndarray:
        r""":math:`\log\mathring\alpha = \frac12\log f_0 + i\theta` (finite everywhere)."""
        d = self.density
        x, v = np.asarray(x, float), np.asarray(v, float)
        log_rho = np.log1p(d.amplitude * np.cos(d.mode * (x - d.phase))) - math.log(TWO_PI)
        log_g = -((v - d.drift) ** 2) / (2 * d.temperature) - 0.5 * math.log(TWO_PI * d.temperature)
        return 0.5 * (log_rho + log_g) + 1j * self.phase(x, v)

    def __call__(self, x, v) -> np.ndarray:
        return np.exp(self.log(x, v))

    def sample(self, n: int, rng: np.random.Generator):
        """n i.i.d. points of :math:`|\\mathring\\alpha|^2 = f_0`."""
        return self.density.sample(n, rng)


def neiss_pickl_interaction(interaction: PairInteraction, N: int) -> PairInteraction:
    r"""The interaction that makes :mod:`mfcourse.classical.newton` (force
    :math:`-\frac1N\sum_{k\ne j}V'`) integrate seed 004's (Ham^N), whose pair term carries
    :math:`\frac1{N-1}`: :math:`V\cdot N/(N-1)`.  For :math:`N = 1` there is no pair."""
    N = _check_N(N)
    if not isinstance(interaction, PairInteraction):
        raise ValueError(f"interaction must be a PairInteraction, got {type(interaction).__name__}")
    scale = N / (N - 1) if N > 1 else 0.0
    return PairInteraction({k: v * scale for k, v in interaction.items()}, name=interaction.name)


def _check_N(N) -> int:
    if isinstance(N, bool) or not isinstance(N, numbers.Integral):
        raise ValueError(f"N must be an integer >= 1, got {N!r}")
    if N < 1:
        raise ValueError(f"N must be >= 1 (a number of particles), got N = {N}")
    return int(N)


# ---------------------------------------------------------------------------------- transforms
def xi_grid(grid: PhaseGrid) -> np.ndarray:
    r"""The dual grid of the velocity grid: :math:`\xi_m = m\,\pi/v_{max}`,
    :math:`m = -n_v/2,\dots,n_v/2-1` (increasing)."""
    return (np.arange(grid.nv) - grid.nv // 2) * (np.pi / grid.v_max)


def velocity_fourier(alpha, grid: PhaseGrid) -> np.ndarray:
    r"""Discrete velocity Fourier transform (seed 004 (FT)) on the grid:
    :math:`\hat\alpha(x,\xi_m) = (2\pi)^{-1/2}\sum_j\alpha(x,v_j)e^{-iv_j\xi_m}\Delta v`
    (the trapezoidal rule of (FT), spectrally accurate for smooth data decaying before
    :math:`\pm v_{max}`); unitary from :math:`\ell^2(\Delta x\Delta v)` to
    :math:`\ell^2(\Delta x\Delta\xi)`."""
    a = _check_field(alpha, grid, "alpha")
    xi = xi_grid(grid)
    spec = np.fft.fftshift(np.fft.fft(a, axis=1), axes=1)
    return spec * (grid.dv / math.sqrt(TWO_PI)) * np.exp(1j * grid.v_max * xi)[None, :]


def inverse_velocity_fourier(alpha_hat, grid: PhaseGrid) -> np.ndarray:
    """Inverse of :func:`velocity_fourier` (exact, to round-off)."""
    b = _check_field(alpha_hat, grid, "alpha_hat")
    xi = xi_grid(grid)
    b = b * np.exp(-1j * grid.v_max * xi)[None, :] * (math.sqrt(TWO_PI) / grid.dv)
    return np.fft.ifft(np.fft.ifftshift(b, axes=1), axis=1)


def _check_field(a, grid: PhaseGrid, name: str) -> np.ndarray:
    if not isinstance(grid, PhaseGrid):
        raise ValueError(f"grid must be a PhaseGrid, got {type(grid).__name__}")
    a = np.asarray(a)
    if a.shape != (grid.nx, grid.nv):
        raise ValueError(f"{name} must have shape (nx, nv) = {(grid.nx, grid.nv)}, got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite (found NaN or infinity)")
    return a.astype(complex)


def _dv_spectral(a: np.ndarray, grid: PhaseGrid) -> np.ndarray:
    """Spectral derivative along v (periodic of period 2 v_max)."""
    k = np.fft.fftfreq(grid.nv, d=grid.dv) * TWO_PI
    k[grid.nv // 2] = 0.0
    return np.fft.ifft(np.fft.fft(a, axis=1) * (1j * k)[None, :], axis=1)


def _dx_spectral(a: np.ndarray, grid: PhaseGrid) -> np.ndarray:
    k = np.fft.fftfreq(grid.nx, d=grid.dx) * TWO_PI
    k[grid.nx // 2] = 0.0
    return np.fft.ifft(np.fft.fft(a, axis=0) * (1j * k)[:, None], axis=0)


def current(alpha, grid: PhaseGrid) -> np.ndarray:
    r""":math:`j(x) = \operatorname{Im}\int\bar\alpha\,\partial_v\alpha\,dv`
    (:math:`\partial_v` spectral)."""
    a = _check_field(alpha, grid, "alpha")
    return np.imag(np.sum(np.conj(a) * _dv_spectral(a, grid), axis=1)) * grid.dv


def hamiltonian_vl(alpha, grid: PhaseGrid, interaction: PairInteraction) -> float:
    r"""The Hamiltonian of (HVl) (seed 004 §2.1.2, :math:`\mathcal H_{Vl}`), integrated by parts
    in one dimension:
    :math:`\mathcal H_{Vl}(\alpha) = \frac12\iint v\,\operatorname{Im}(\bar\alpha\,\partial_x\alpha)
    \,dx\,dv + \frac12\int\rho\,(\Gamma'\star j)\,dx`."""
    a = _check_field(alpha, grid, "alpha")
    X, V = grid.mesh()
    kin = 0.5 * float(np.sum(V * np.imag(np.conj(a) * _dx_spectral(a, grid)))) * grid.dx * grid.dv
    rho = np.sum(np.abs(a) ** 2, axis=1) * grid.dv
    gj = -interaction.force_on_grid(current(a, grid), grid.length)  # Gamma' * j
    return kin + 0.5 * float(np.sum(rho * gj) * grid.dx)


# ---------------------------------------------------------------------------------- results
@dataclass
class HVlResult:
    r"""Output of the two solvers: ``times``, ``alpha`` (the solution at ``times``; for
    :class:`HamiltonianHartreeSolver` transformed back to :math:`\alpha`) and, at the same times,
    ``norm2`` :math:`\|\alpha\|^2`, ``energy`` the Vlasov energy of :math:`f=|\alpha|^2`,
    ``hamiltonian`` :math:`\mathcal H_{Vl}(\alpha)`, ``momentum`` :math:`\iint v|\alpha|^2`."""

    grid: PhaseGrid
    times: np.ndarray
    alpha: list[np.ndarray]
    norm2: np.ndarray
    energy: np.ndarray
    hamiltonian: np.ndarray
    momentum: np.ndarray
    wall_time: float
    info: dict = field(default_factory=dict)

    @property
    def f(self) -> list[np.ndarray]:
        return [np.abs(a) ** 2 for a in self.alpha]

    @property
    def drift(self) -> dict[str, float]:
        """Largest relative change of each conserved quantity over the output times."""
        e_scale = max(abs(self.energy[0]), 1e-300)
        h_scale = max(abs(self.hamiltonian[0]), abs(self.energy[0]))
        return {
            "norm2": float(np.max(np.abs(self.norm2 - self.norm2[0])) / self.norm2[0]),
            "energy": float(np.max(np.abs(self.energy - self.energy[0])) / e_scale),
            "hamiltonian": float(np.max(np.abs(self.hamiltonian - self.hamiltonian[0])) / h_scale),
            "momentum": float(np.max(np.abs(self.momentum - self.momentum[0]))),
        }


def _diagnostics(a, grid, interaction):
    f = np.abs(a) ** 2
    rho = f.sum(axis=1) * grid.dv
    v = grid.v
    kin = 0.5 * float(np.sum(f.sum(axis=0) * v * v)) * grid.dv * grid.dx
    pot = 0.5 * float(np.sum(rho * interaction.potential_on_grid(rho, grid.length)) * grid.dx)
    return {
        "norm2": float(f.sum() * grid.dx * grid.dv),
        "energy": kin + pot,
        "hamiltonian": hamiltonian_vl(a, grid, interaction),
        "momentum": float(np.sum(f.sum(axis=0) * v)) * grid.dv * grid.dx,
    }


def _check_times(times) -> np.ndarray:
    times = np.atleast_1d(np.asarray(times, dtype=float))
    if times.ndim != 1 or times.size == 0 or not np.all(np.isfinite(times)):
        raise ValueError("times must be a non-empty 1D array of finite times")
    if times[0] < 0 or np.any(np.diff(times) < 0):
        raise ValueError("times must be >= 0 and non-decreasing")
    return times


def _check_common(grid, interaction, dt):
    if not isinstance(grid, PhaseGrid):
        raise ValueError(f"grid must be a PhaseGrid, got {type(grid).__name__}")
    if not isinstance(interaction, PairInteraction):
        raise ValueError(f"interaction must be a PairInteraction, got {type(interaction).__name__}")
    interaction._grid_symbol(grid.nx, grid.length)  # length a multiple of 2 pi, modes resolved
    if isinstance(dt, bool) or not isinstance(dt, numbers.Real) or not math.isfinite(dt) or dt <= 0:
        raise ValueError(f"dt must be a finite real number > 0, got {dt!r}")
    return float(dt)


def check_alpha(alpha0, grid: PhaseGrid, *, tail_tol: float = 1e-6) -> np.ndarray:
    r"""Evaluate and validate initial data for (HVl): an array ``(nx, nv)`` or a callable
    ``alpha0(X, V)`` (e.g. :class:`ComplexRoot`).  ``ValueError`` if it is not finite, not
    normalisable (:math:`\|\alpha\|_{L^2} = 0`), if more than ``tail_tol`` of its :math:`L^2` mass
    lies in the top third of the x- or v-modes (grid too coarse) or within 10% of
    :math:`\pm v_{max}` (velocity box too small)."""
    if not isinstance(grid, PhaseGrid):
        raise ValueError(f"grid must be a PhaseGrid, got {type(grid).__name__}")
    if callable(alpha0):
        X, V = grid.mesh()
        a = np.asarray(alpha0(X, V))
    else:
        a = np.asarray(alpha0)
    a = _check_field(a, grid, "alpha0")
    norm2 = float(np.sum(np.abs(a) ** 2) * grid.dx * grid.dv)
    if not norm2 > 0:
        raise ValueError("alpha0 is not normalisable: its L2 norm is 0")
    edge = np.abs(grid.v) > 0.9 * grid.v_max
    frac = float(np.sum(np.abs(a[:, edge]) ** 2) * grid.dx * grid.dv / norm2)
    if frac > tail_tol:
        raise ValueError(
            f"{frac:.2g} of |alpha0|^2 lies within 10% of the velocity box edges |v| = "
            f"{grid.v_max:g} (allowed {tail_tol:g}): increase v_max"
        )
    for axis, name in ((0, "x"), (1, "v")):
        spec = np.sum(np.abs(np.fft.fft(a, axis=axis)) ** 2, axis=1 - axis)
        n = a.shape[axis]
        freq = np.abs(np.fft.fftfreq(n) * n)
        tail = float(spec[freq > n / 3].sum() / spec.sum())
        if tail > tail_tol:
            raise ValueError(
                f"grid too coarse for alpha0 in {name}: {tail:.2g} of its L2 mass lies in the top "
                f"third of the {name}-modes (n{name} = {n}, allowed {tail_tol:g}); refine the grid"
            )
    return a


# ---------------------------------------------------------------------------------- HVl
class HamiltonianVlasovSolver:
    r"""Semi-Lagrangian solver of (HVl) (see the module docstring).

    Strang splitting: free transport in :math:`x` over :math:`\Delta t/2`; then, with
    :math:`\rho` and :math:`j` of the current state, the velocity shift by
    :math:`-(\Gamma'\star\rho)\Delta t` together with the phase
    :math:`e^{-i\Delta t\,\Gamma'\star j}`; free transport over :math:`\Delta t/2`.  Shifts use
    :mod:`mfcourse.classical.vlasov`'s multipliers (``"cubic"`` B-splines or ``"spectral"``),
    applied to the real and imaginary parts.  ``phase_term=False`` drops the phase (then
    :math:`\alpha` is merely transported along the Vlasov characteristics: the *other* choice of
    Hamiltonian the lecture compares with).
    """

    def __init__(
        self,
        grid: PhaseGrid,
        interaction: PairInteraction,
        dt: float,
        *,
        interpolation: str = "cubic",
        phase_term: bool = True,
    ):
        self.dt = _check_common(grid, interaction, dt)
        if interpolation not in ("cubic", "spectral"):
            raise ValueError(f"interpolation must be 'cubic' or 'spectral', got {interpolation!r}")
        self.grid, self.interaction = grid, interaction
        self.interpolation, self.phase_term = interpolation, bool(phase_term)

    def _x_mult(self, dt):
        g = self.grid
        return _shift_multiplier(g.v * dt / g.dx, g.nx, self.interpolation).T

    def _shift(self, a, mult, axis):
        return _shift_axis(a.real, mult, axis) + 1j * _shift_axis(a.imag, mult, axis)

    def _kick(self, a, dt):
        g = self.grid
        rho = np.sum(np.abs(a) ** 2, axis=1) * g.dv
        acc = self.interaction.force_on_grid(rho, g.length)
        a = self._shift(a, _shift_multiplier(acc * dt / g.dv, g.nv, self.interpolation), 1)
        if self.phase_term:
            # -i (Gamma' * j) dt, and force_on_grid(j) = -(Gamma' * j)
            a = (
                a
                * np.exp(1j * dt * self.interaction.force_on_grid(current(a, g), g.length))[:, None]
            )
        return a

    def run(self, alpha0, times, *, progress=None) -> HVlResult:
        """Advance from ``alpha0`` (array or callable, see :func:`check_alpha`) through
        ``times``; each interval is cut into equal steps of at most ``dt``."""
        a = check_alpha(alpha0, self.grid)

        def advance(a, n, h):
            half, full = self._x_mult(0.5 * h), self._x_mult(h)
            a = self._shift(a, half, 0)
            for i in range(n):
                a = self._kick(a, h)
                a = self._shift(a, half if i == n - 1 else full, 0)
            return a

        result = _snapshots(
            a, times, self.dt, advance, lambda a: a, self.grid, self.interaction, progress,
            "hamiltonian vlasov",
        )  # fmt: skip
        result.info.update(interpolation=self.interpolation, phase_term=self.phase_term)
        return result


# ---------------------------------------------------------------------------------- HHt
class HamiltonianHartreeSolver:
    r"""Split-step Fourier solver of (HHt) on the :math:`(x,\xi)` grid dual to a
    :class:`PhaseGrid` (see the module docstring).

    Strang splitting :math:`e^{-i\frac{\Delta t}2W}e^{-i\Delta t\,\partial_x\partial_\xi}
    e^{-i\frac{\Delta t}2W}` with :math:`W = \hat V\star|\hat\alpha|^2 = -(\Gamma'\star\rho)\xi +
    \Gamma'\star J`, :math:`\rho = \int|\hat\alpha|^2d\xi`, :math:`J = \int\xi|\hat\alpha|^2d\xi`
    (both unchanged by the potential factor, which only changes phases).  The kinetic factor is
    applied in the Fourier variables :math:`(k, v)` of :math:`(x,\xi)`, where
    :math:`\partial_x\partial_\xi` is multiplication by :math:`kv`.
    """

    def __init__(self, grid: PhaseGrid, interaction: PairInteraction, dt: float):
        self.dt = _check_common(grid, interaction, dt)
        self.grid, self.interaction = grid, interaction
        self.xi = xi_grid(grid)

    def potential(self, alpha_hat) -> np.ndarray:
        r""":math:`(\hat V\star|\hat\alpha|^2)(x,\xi)` on the grid."""
        g = self.grid
        dxi = np.pi / g.v_max
        w = np.abs(alpha_hat) ** 2
        rho = w.sum(axis=1) * dxi
        J = (w * self.xi[None, :]).sum(axis=1) * dxi
        grad_rho = -self.interaction.force_on_grid(rho, g.length)  # Gamma' * rho
        grad_J = -self.interaction.force_on_grid(J, g.length)
        return -grad_rho[:, None] * self.xi[None, :] + grad_J[:, None]

    def _kinetic(self, b, h):
        g = self.grid
        a = inverse_velocity_fourier(b, g)  # (x, v)
        k = np.fft.fftfreq(g.nx, d=g.dx) * TWO_PI
        a = np.fft.ifft(np.fft.fft(a, axis=0) * np.exp(-1j * h * np.outer(k, g.v)), axis=0)
        return velocity_fourier(a, g)

    def run(self, alpha0, times, *, progress=None) -> HVlResult:
        r"""Advance :math:`\hat\alpha` from :math:`\mathcal F\alpha_0` (``alpha0`` given in
        :math:`(x,v)`, as for :class:`HamiltonianVlasovSolver`); returns :math:`\alpha =
        \mathcal F^{-1}\hat\alpha` at ``times`` (``info["alpha_hat"]`` keeps :math:`\hat\alpha`)."""
        g = self.grid
        b = velocity_fourier(check_alpha(alpha0, g), g)

        def advance(b, n, h):
            for _ in range(n):
                b = b * np.exp(-0.5j * h * self.potential(b))
                b = self._kinetic(b, h)
                b = b * np.exp(-0.5j * h * self.potential(b))
            return b

        result = _snapshots(
            b, times, self.dt, advance, lambda b: inverse_velocity_fourier(b, g), g,
            self.interaction, progress, "hamiltonian hartree",
        )  # fmt: skip
        result.info["alpha_hat"] = result.info.pop("states")
        return result


def _snapshots(state, times, dt, advance, to_alpha, grid, interaction, progress, label):
    """The time loop both solvers share: cut each interval of ``times`` into equal steps of at
    most ``dt``, ``advance(state, n, h)`` over them, and record :math:`\alpha` (``to_alpha``)
    with its conserved quantities at every output time."""
    times = _check_times(times)
    if progress is True:
        progress = time_printer(label)
    t, out, states = 0.0, [], []
    diag = {k: [] for k in ("norm2", "energy", "hamiltonian", "momentum")}
    t0 = time.perf_counter()
    for ti in times:
        span = ti - t
        n = int(math.ceil(span / dt - 1e-9)) if span > 0 else 0
        if n:
            state = advance(state, n, span / n)
        t = float(ti)
        a = to_alpha(state)
        if a is state:  # the state is alpha itself: keep one copy
            out.append(state.copy())
        else:  # keep both the state (e.g. alpha-hat) and alpha
            states.append(state.copy())
            out.append(a)
        for k, v in _diagnostics(a, grid, interaction).items():
            diag[k].append(v)
        if progress:
            progress(t, float(times[-1]))
    return HVlResult(
        grid=grid,
        times=times,
        alpha=out,
        wall_time=time.perf_counter() - t0,
        info={"states": states} if states else {},
        **{k: np.array(v) for k, v in diag.items()},
    )


# ---------------------------------------------------------------------------------- N-body
@nb.njit(cache=True)
def _leapfrog_rows(x, v, a, c, dt, n_steps, lo, hi):
    """Leapfrog (kick-drift-kick, half kicks merged) for rows lo..hi-1 of x, v."""
    N = x.shape[1]
    K = a.shape[0]
    C = np.zeros(K)
    S = np.zeros(K)
    cs = np.empty((N, K))
    sn = np.empty((N, K))
    for b in range(lo, hi):
        for step in range(n_steps + 1):
            for k in range(K):
                C[k] = 0.0
                S[k] = 0.0
            for i in range(N):
                s1, c1 = _sincos(x[b, i])
                ck, sk = c1, s1
                for k in range(K):
                    cs[i, k] = ck
                    sn[i, k] = sk
                    C[k] += ck
                    S[k] += sk
                    ck, sk = ck * c1 - sk * s1, sk * c1 + ck * s1
            kick = 0.5 * dt if (step == 0 or step == n_steps) else dt
            for i in range(N):
                f = 0.0
                for k in range(K):
                    f += a[k] * (sn[i, k] * C[k] - cs[i, k] * S[k])
                v[b, i] += kick * c * f
                if step < n_steps:
                    x[b, i] += dt * v[b, i]


@nb.njit(parallel=True, cache=True)
def _batched_leapfrog(x, v, a, c, dt, n_steps, n_chunks):
    """Leapfrog for B independent systems of N particles (rows of x, v); force on particle i:
    c * sum_k a_k [sin(k x_i) sum_j cos(k x_j) - cos(k x_i) sum_j sin(k x_j)] (the self term
    cancels).  Rows are split into n_chunks chunks done in parallel."""
    B = x.shape[0]
    for ch in nb.prange(n_chunks):
        lo = (B * ch) // n_chunks
        hi = (B * (ch + 1)) // n_chunks
        _leapfrog_rows(x, v, a, c, dt, n_steps, lo, hi)


def nbody_backward(x, v, interaction: PairInteraction, dt: float, n_steps: int):
    r"""Run the leapfrog map of seed 004's (Ham^N) (pair term :math:`\frac1{N-1}`) *backwards*
    :math:`n` steps of size :math:`\Delta t` for every row of ``x, v`` (shape ``(B, N)``: B
    independent N-particle systems).  Equals
    :func:`mfcourse.classical.newton.leapfrog` with :func:`neiss_pickl_interaction` and step
    :math:`-\Delta t`, row by row; the leapfrog map is time-reversible, so this is the exact
    inverse of :math:`n` forward steps."""
    x = np.array(x, dtype=float, copy=True)
    v = np.array(v, dtype=float, copy=True)
    if x.ndim != 2 or x.shape != v.shape:
        raise ValueError(f"x and v must be 2D arrays (B, N) of one shape, got {x.shape}, {v.shape}")
    N = _check_N(x.shape[1])
    if not isinstance(interaction, PairInteraction):
        raise ValueError(f"interaction must be a PairInteraction, got {type(interaction).__name__}")
    if isinstance(n_steps, bool) or not isinstance(n_steps, numbers.Integral) or n_steps < 0:
        raise ValueError(f"n_steps must be an integer >= 0, got {n_steps!r}")
    a = np.zeros(interaction.max_mode)
    a[interaction.modes - 1] = interaction.modes * interaction.coeffs
    c = 1.0 / (N - 1) if N > 1 else 0.0
    if n_steps:
        _batched_leapfrog(x, v, a, c, -float(dt), int(n_steps), min(64, x.shape[0]))
    return x, v


def quadrature_nodes(grid: PhaseGrid, stride: tuple[int, int] = (1, 1)):
    r"""Nodes and weight of the trapezoidal rule on every ``stride``-th point of the grid
    (spectrally accurate for smooth periodic-in-x data decaying in v).  Returns
    ``(xq, vq, w, (sx, sv))`` with ``xq, vq`` flattened in the (x, v) order of
    ``alpha[::sx, ::sv].ravel()``."""
    sx, sv = stride
    for s, n, name in ((sx, grid.nx, "nx"), (sv, grid.nv, "nv")):
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1 or n % s:
            raise ValueError(f"stride {s!r} must be a positive integer dividing {name} = {n}")
        if n // s < 8:
            raise ValueError(f"stride {s} leaves {n // s} < 8 quadrature points along {name}")
    X, V = grid.mesh()
    return X[::sx, ::sv].ravel(), V[::sx, ::sv].ravel(), grid.dx * sx * grid.dv * sv, (sx, sv)


def _reference_nodes(alpha_t, grid, stride):
    xq, vq, w, (sx, sv) = quadrature_nodes(grid, stride)
    refs = [np.asarray(a)[::sx, ::sv].ravel().astype(complex) for a in _as_list(alpha_t, grid)]
    refs = [r / math.sqrt(float(np.sum(np.abs(r) ** 2)) * w) for r in refs]
    return xq, vq, w, refs


def _as_list(alpha_t, grid):
    arrs = alpha_t if isinstance(alpha_t, list | tuple) else [alpha_t]
    out = []
    for a in arrs:
        a = _check_field(a, grid, "alpha_t")
        if not np.sum(np.abs(a) ** 2) > 0:
            raise ValueError("alpha_t is not normalisable: its L2 norm is 0")
        out.append(a)
    return out


def _check_root(root):
    if not isinstance(root, ComplexRoot):
        raise ValueError(f"root must be a ComplexRoot, got {type(root).__name__}")
    return root


def _steps(t, dt):
    if isinstance(t, bool) or not isinstance(t, numbers.Real) or not math.isfinite(t) or t < 0:
        raise ValueError(f"t must be a finite time >= 0, got {t!r}")
    if isinstance(dt, bool) or not isinstance(dt, numbers.Real) or not math.isfinite(dt) or dt <= 0:
        raise ValueError(f"dt must be a finite real number > 0, got {dt!r}")
    n = int(math.ceil(t / dt - 1e-9)) if t > 0 else 0
    return n, (t / n if n else dt)


def two_body_state(
    root: ComplexRoot,
    grid: PhaseGrid,
    interaction: PairInteraction,
    t: float,
    dt: float,
    stride: tuple[int, int] = (2, 2),
):
    r"""The two-particle solution of the Hamiltonian Vlasov hierarchy for :math:`N = 2` on all
    pairs of quadrature nodes (Lecture 6 §4, Neiss–Pickl §4): the product of the initial root
    transported back along the two-body flow,

    .. math:: \alpha_2(t, z_1, z_2) = \mathring\alpha(Y_1)\,\mathring\alpha(Y_2),\qquad
        (Y_1, Y_2) = \Phi_2^{-t}(z_1, z_2),

    :math:`\Phi_2` the Newton flow of two particles with the pair interaction (backward by
    :func:`nbody_backward`, steps of at most ``dt``). Returns ``(g, xq, vq, w)``: ``g[a, b] =``
    :math:`\alpha_2(t, z_a, z_b)` on the nodes ``(xq, vq)`` of :func:`quadrature_nodes` with
    weight ``w``. Memory grows like the square of the number of nodes (refused above 2 GB)."""
    root = _check_root(root)
    xq, vq, w, _ = quadrature_nodes(grid, stride)
    G = xq.size
    n, h = _steps(t, dt)
    if G * G * 2 * 8 * 6 > 2e9:
        raise ValueError(f"{G} nodes give {G * G:,} pairs: too much memory; increase the stride")
    X = np.stack([np.repeat(xq, G), np.tile(xq, G)], axis=1)  # pair (a, b): a = z1, b = z2
    V = np.stack([np.repeat(vq, G), np.tile(vq, G)], axis=1)
    Y, U = nbody_backward(X, V, interaction, h, n)
    return np.exp(root.log(Y, U).sum(axis=1)).reshape(G, G), xq, vq, w


def pickl_exact_two(
    root: ComplexRoot,
    alpha_t,
    grid: PhaseGrid,
    interaction: PairInteraction,
    t: float,
    dt: float,
    *,
    stride: tuple[int, int] = (2, 2),
) -> dict:
    r"""Pickl's functionals for :math:`N = 2`, by quadrature in both particles.

    :math:`\alpha_2(t,z_1,z_2) = \mathring\alpha(Y_1)\mathring\alpha(Y_2)`, :math:`Y =
    \Phi_2^{-t}(z_1,z_2)`, on every pair of nodes; returns ``{"q1": [...], "p1p2": [...]}``, for
    each reference state in ``alpha_t`` (an array or a list, each normalised on the nodes):
    :math:`\langle q_1\rangle = 1 - \langle p_1\rangle` and :math:`\langle p_1p_2\rangle =
    |\langle\alpha_t^{\otimes2},\alpha_2\rangle|^2`, everything divided by the quadrature norm
    of :math:`\alpha_2`."""
    root = _check_root(root)
    _, _, _, refs = _reference_nodes(alpha_t, grid, stride)
    g, _, _, w = two_body_state(root, grid, interaction, t, dt, stride)
    norm2 = float(np.sum(np.abs(g) ** 2)) * w * w
    q1, p12 = [], []
    for r in refs:
        ov = (np.conj(r) @ g) * w  # over z1 -> function of z2
        p1 = float(np.sum(np.abs(ov) ** 2)) * w / norm2
        pp = abs(np.conj(r) @ g @ np.conj(r) * w * w) ** 2 / norm2
        q1.append(1.0 - p1)
        p12.append(float(pp))
    return {"q1": q1, "p1p2": p12, "norm2": norm2, "nodes": g.shape[0]}


def lemma_4_4_two(
    root: ComplexRoot,
    alpha_t,
    grid: PhaseGrid,
    interaction: PairInteraction,
    t: float,
    dt: float,
    *,
    stride: tuple[int, int] = (4, 4),
) -> dict:
    r"""The terms of the proof of Theorem 4.8 (seed 004, Lemmas 4.4–4.5) for :math:`N = 2`,
    :math:`\lambda = 1` (:math:`\hat{\mathfrak m}_1 = (q_1+q_2)/2`), on the quadrature nodes in
    :math:`(x,\xi)` (velocity Fourier transform of :math:`\alpha_2` and of :math:`\alpha_t` on the
    coarse grid of every ``stride``-th node).

    With :math:`\psi = \hat\alpha_2(t)` and :math:`W = \hat V_{12} - \bar V_1 - \bar V_2`,
    :math:`\bar V = \hat V\star|\hat\alpha_t|^2`, returns

    * ``"rhs"``: Lemma 4.4's :math:`2\operatorname{Im}\langle\psi,\hat{\mathfrak m}_1W\psi\rangle
      = 2\operatorname{Im}\langle q_1\psi, W\psi\rangle`, which equals :math:`\dot\beta_2(t)`;
    * ``"two_leave"``: :math:`2\operatorname{Im}\langle q_1q_2\psi,\hat V_{12}\,p_1p_2\psi\rangle`
      and ``"one_leaves"``: :math:`2\operatorname{Im}\langle q_1q_2\psi,(\hat V_{12}-\bar V_1)
      p_1q_2\psi\rangle`, the two terms that survive (their sum is ``rhs``);
    * ``"mean_field_term"``: :math:`\langle q_1p_2\psi, W p_1p_2\psi\rangle`, zero because
      :math:`p_2\hat V_{12}p_2 = p_2\bar V_1p_2`, and ``"mean_field_part"``: its first piece
      :math:`\langle q_1p_2\psi,\hat V_{12}p_1p_2\psi\rangle` alone (not zero);
    * ``"exchange"``: :math:`\operatorname{Im}\langle q_1p_2\psi, W p_1q_2\psi\rangle`, zero by
      the symmetry of :math:`\psi`.
    """
    root = _check_root(root)
    sx, sv = stride
    coarse = PhaseGrid(grid.nx // sx, grid.nv // sv, grid.v_max, grid.length)
    a_t = _as_list(alpha_t, grid)[0][::sx, ::sv]
    phi = velocity_fourier(a_t, coarse)
    g, _, _, _ = two_body_state(root, grid, interaction, t, dt, stride)
    nx, nv = coarse.nx, coarse.nv
    psi = g.reshape(nx, nv, nx, nv)
    xi = xi_grid(coarse)
    cell = coarse.dx * np.pi / coarse.v_max  # dx dxi
    # transform both velocity slots (unitary), then normalise on the nodes
    psi = _fourier_slot(_fourier_slot(psi, coarse, 1), coarse, 3)
    psi = psi / np.sqrt(np.sum(np.abs(psi) ** 2) * cell * cell)
    phi = phi / np.sqrt(np.sum(np.abs(phi) ** 2) * cell)

    def p1(u):
        return phi[:, :, None, None] * np.einsum("ab,abcd->cd", np.conj(phi), u)[None, None] * cell

    def p2(u):
        return np.einsum("abcd,cd->ab", u, np.conj(phi))[:, :, None, None] * phi[None, None] * cell

    dG = interaction.dV(coarse.x[:, None] - coarse.x[None, :])  # Gamma'(x1 - x2)
    V12 = -dG[:, None, :, None] * (xi[None, :, None, None] - xi[None, None, None, :])
    Vbar = HamiltonianHartreeSolver(coarse, interaction, dt).potential(phi)
    V1, V2 = Vbar[:, :, None, None], Vbar[None, None, :, :]

    def ip(u, v):
        return complex(np.vdot(u, v)) * cell * cell

    Wpsi = (V12 - V1 - V2) * psi
    q1psi = psi - p1(psi)
    pp = p1(p2(psi))
    pq = p1(psi - p2(psi))
    qp = p2(psi) - pp
    qq = psi - p1(psi) - p2(psi) + pp
    return {
        "rhs": 2 * ip(q1psi, Wpsi).imag,
        "two_leave": 2 * ip(qq, V12 * pp).imag,
        "one_leaves": 2 * ip(qq, (V12 - V1) * pq).imag,
        "mean_field_term": abs(ip(qp, (V12 - V1 - V2) * pp)),
        "mean_field_part": abs(ip(qp, V12 * pp)),
        "exchange": ip(qp, (V12 - V1 - V2) * pq).imag,
        "exchange_size": abs(ip(qp, (V12 - V1 - V2) * pq)),
    }


def _fourier_slot(u, grid, axis):
    """Velocity Fourier transform of a 4D array along one velocity axis (1 or 3)."""
    moved = np.moveaxis(u, axis, -1)
    shape = moved.shape
    out = velocity_fourier_any(moved.reshape(-1, shape[-1]), grid)
    return np.moveaxis(out.reshape(shape), -1, axis)


def velocity_fourier_any(a, grid):
    """:func:`velocity_fourier` for any number of rows (last axis: the velocity grid)."""
    xi = xi_grid(grid)
    spec = np.fft.fftshift(np.fft.fft(a, axis=-1), axes=-1)
    return spec * (grid.dv / math.sqrt(TWO_PI)) * np.exp(1j * grid.v_max * xi)


@dataclass
class PicklEstimate:
    r"""Monte Carlo estimate of :math:`\beta_N(t) = \langle\alpha_N(t),q_1\alpha_N(t)\rangle`,
    one entry per reference state: ``mean``, ``stderr`` (standard error of the mean over the
    ``samples`` i.i.d. draws) and the per-draw values ``draws`` (shape (refs, samples))."""

    N: int
    t: float
    mean: np.ndarray
    stderr: np.ndarray
    draws: np.ndarray
    wall_time: float

    @property
    def samples(self) -> int:
        return self.draws.shape[1]


def pickl_monte_carlo(
    root: ComplexRoot,
    alpha_t,
    grid: PhaseGrid,
    interaction: PairInteraction,
    N: int,
    t: float,
    dt: float,
    *,
    samples: int,
    seed,
    stride: tuple[int, int] = (2, 2),
    max_bytes: float = 4e8,
    progress: Callable[[float, float], None] | bool | None = None,
) -> PicklEstimate:
    r"""Unbiased estimator of :math:`\beta_N(t)=\langle\alpha_N(t),q_1\alpha_N(t)\rangle` for
    :math:`\alpha_N(0) = \mathring\alpha^{\otimes N}` (see the module docstring).

    Each draw: :math:`Y\sim f_0^{\otimes N}` i.i.d.; :math:`Z = \Phi_N^t(Y)` (forward leapfrog,
    :func:`mfcourse.classical.newton.leapfrog`); keep :math:`z_2,\dots,z_N`, which are then
    distributed by the marginal :math:`\rho(z_2..z_N) = \int|\alpha_N(t)|^2dz_1`; on the nodes
    :math:`z_1^{(a)}` evaluate :math:`g(a) = \alpha_N(t,z_1^{(a)},z_2,\dots,z_N) =
    \prod_j\mathring\alpha(\Phi_N^{-t}(z_1^{(a)},z_2,..)_j)` and return
    :math:`1 - |\langle\alpha_t,g\rangle|^2/(\|\alpha_t\|^2\|g\|^2)\in[0,1]`.  Its expectation is
    exactly :math:`\int\rho\,(1 - |\langle\alpha_t,g\rangle|^2/\|g\|^2) = 1 - \langle p_1\rangle`;
    the only error besides sampling is the quadrature of the :math:`z_1`-integral.  Cost: one
    backward flow of N particles per node per draw.
    """
    root = _check_root(root)
    N = _check_N(N)
    if isinstance(samples, bool) or not isinstance(samples, numbers.Integral) or samples < 2:
        raise ValueError(f"samples must be an integer >= 2 (for an error bar), got {samples!r}")
    if seed is None:
        raise ValueError("seed must be given (an int or a np.random.Generator)")
    xq, vq, w, refs = _reference_nodes(alpha_t, grid, stride)
    n, h = _steps(t, dt)
    G = xq.size
    per_draw = G * N * 8 * 6  # x, v, copies and logs
    if per_draw > max_bytes:
        raise ValueError(
            f"one draw needs {per_draw / 1e6:.0f} MB (G = {G} nodes x N = {N}) > max_bytes = "
            f"{max_bytes / 1e6:.0f} MB: increase the stride or reduce N"
        )
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    H = neiss_pickl_interaction(interaction, N)
    if progress is True:
        progress = time_printer(f"pickl N={N}")
    draws = np.empty((len(refs), samples))
    t0 = time.perf_counter()
    for s in range(samples):
        y, u = root.sample(N, rng)
        if n and N > 1:
            z, zv = newton.leapfrog(y, u, H, h, n)
        else:
            z, zv = y + n * h * u, u.copy()
        X = np.empty((G, N))
        V = np.empty((G, N))
        X[:, 0], V[:, 0] = xq, vq
        X[:, 1:], V[:, 1:] = z[1:], zv[1:]
        Y, U = nbody_backward(X, V, interaction, h, n)
        lg = root.log(Y, U).sum(axis=1)
        g = np.exp(lg - np.max(lg.real))
        gn = float(np.sum(np.abs(g) ** 2))
        for i, r in enumerate(refs):
            draws[i, s] = 1.0 - abs(np.vdot(r, g)) ** 2 * w / gn
        if progress:
            progress(s + 1.0, float(samples))
    mean = draws.mean(axis=1)
    stderr = draws.std(axis=1, ddof=1) / math.sqrt(samples)
    return PicklEstimate(
        N=N, t=float(t), mean=mean, stderr=stderr, draws=draws, wall_time=time.perf_counter() - t0
    )


def theorem_4_8_rate(N, lam: float) -> np.ndarray:
    r"""The N-dependence :math:`N^{-\lambda} + N^{-(1-\lambda)/4}` of seed 004 Theorem 4.8
    (constants :math:`B_{1,M}, B_{2,M}` not evaluated); :math:`0\le\lambda<1`."""
    if not (0 <= lam < 1):
        raise ValueError(f"lambda must lie in [0, 1), got {lam}")
    N = np.asarray(N, dtype=float)
    if np.any(N < 1):
        raise ValueError("N must be >= 1")
    return N ** (-lam) + N ** (-(1 - lam) / 4)
