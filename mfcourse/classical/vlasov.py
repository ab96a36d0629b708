r"""Semi-Lagrangian solver for the 1D1V Vlasov equation on
:math:`\mathbb{T}_L\times[-v_{max},v_{max}]`.

The Vlasov equation of Golse's lecture notes (seed 002 §1.3) in one dimension,

.. math::

    \partial_t f + v\,\partial_x f + a[f](t,x)\,\partial_v f = 0,

with one of two self-consistent accelerations :math:`a[f]`:

* a **pair interaction** :math:`V = \sum_k v_k\cos(kx)`
  (:class:`mfcourse.interaction.PairInteraction`, e.g. the HMF model):
  :math:`a = -\partial_x (V\star\rho)`, :math:`\rho = \int f\,dv`, on a box of length
  :math:`L = 2\pi m`; this is the mean-field limit of :mod:`mfcourse.newton`
  (Theorem 1.5 of seed 002: Dobrushin's inequality compares the two);
* **Vlasov–Poisson** for electrons in a neutralising background (``field="poisson"``):
  :math:`a = E`, :math:`\partial_x E = \rho - \bar\rho`, :math:`\int_0^L E\,dx = 0` -- a
  Coulomb interaction, whose force is not Lipschitz, used here to validate the solver against
  Landau damping (:mod:`mfcourse.dispersion`).

Scheme (Cheng & Knorr 1976): Strang splitting of the two free transports

.. math::

    f \xrightarrow{\;x\text{-shift } v\,\Delta t/2\;} \cdot
      \xrightarrow{\;a[\rho],\ v\text{-shift } a\,\Delta t\;} \cdot
      \xrightarrow{\;x\text{-shift } v\,\Delta t/2\;} f^{n+1},

each an exact translation of the grid function along one axis, done by interpolation in
Fourier space (``interpolation="cubic"``: periodic cubic B-spline interpolation, Cheng–Knorr's
choice, slightly diffusive at the grid scale; ``"spectral"``: trigonometric interpolation, which
conserves the discrete :math:`L^2` norm exactly).  Both conserve mass to round-off.  The scheme is
second order in :math:`\Delta t` and has no CFL restriction.  The velocity axis is treated as
periodic with period :math:`2v_{max}`: mass that reaches :math:`\pm v_{max}` wraps around, so the
solver measures the mass crossing the edges each step and warns (with numbers) when it exceeds
``mass_tol``; it also warns when the initial data is not resolved by the grid and when the run
exceeds the recurrence time :math:`2\pi/(\kappa_1\Delta v)` of the velocity grid.

Diagnostics at every step: mass, momentum, kinetic/potential/total energy, :math:`L^2` norm,
the first Fourier mode of :math:`\rho` (HMF magnetisation :math:`\int e^{ix}\rho\,dx`) and of the
field :math:`a`.
"""

from __future__ import annotations

import math
import numbers
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numba as nb
import numpy as np

from mfcourse._validate import finite_scalar
from mfcourse.course.progress import time_printer
from mfcourse.interaction import PairInteraction

__all__ = [
    "PhaseGrid",
    "VlasovResult",
    "VlasovSolver",
    "fit_damped_oscillation",
    "fit_exponential_rate",
    "landau_initial",
    "solve",
]

TWO_PI = 2.0 * np.pi

#: Largest work (time steps x grid cells) :meth:`VlasovSolver.run` accepts, about 10-20 minutes.
MAX_CELL_STEPS = 2e10


@dataclass(frozen=True)
class PhaseGrid:
    r"""Uniform periodic grid :math:`x_i = iL/n_x`, :math:`v_j = -v_{max} + j\Delta v`,
    :math:`\Delta v = 2v_{max}/n_v` (the velocity axis is periodic of period :math:`2v_{max}`)."""

    nx: int
    nv: int
    v_max: float
    length: float = TWO_PI

    def __post_init__(self):
        for name in ("nx", "nv"):
            n = getattr(self, name)
            if isinstance(n, bool) or not isinstance(n, numbers.Integral):
                raise ValueError(f"{name} must be an integer, got {n!r}")
            if n < 8 or n % 2:
                raise ValueError(f"grid too coarse or odd: {name} = {n}; need an even number >= 8")
        for name in ("v_max", "length"):
            val = getattr(self, name)
            if not (isinstance(val, numbers.Real) and math.isfinite(val) and val > 0):
                raise ValueError(f"{name} must be a positive finite number, got {val!r}")

    @property
    def dx(self) -> float:
        return self.length / self.nx

    @property
    def dv(self) -> float:
        return 2 * self.v_max / self.nv

    @property
    def x(self) -> np.ndarray:
        return self.dx * np.arange(self.nx)

    @property
    def v(self) -> np.ndarray:
        return -self.v_max + self.dv * np.arange(self.nv)

    def mesh(self) -> tuple[np.ndarray, np.ndarray]:
        """``(X, V)`` of shape ``(nx, nv)``."""
        return np.meshgrid(self.x, self.v, indexing="ij")

    @property
    def recurrence_time(self) -> float:
        r"""Recurrence time :math:`2\pi/(\kappa_1\Delta v)`, :math:`\kappa_1 = 2\pi/L`, of the
        free transport on the velocity grid."""
        return TWO_PI / ((TWO_PI / self.length) * self.dv)


# ---------------------------------------------------------------------------------- shifts
def _bspline_weights(r):
    """Cubic B-spline weights at offsets -1, 0, 1, 2 for fractional shifts r in [0, 1)."""
    s = 1 - r
    return s**3 / 6, (4 - 6 * r**2 + 3 * r**3) / 6, (4 - 6 * s**2 + 3 * s**3) / 6, r**3 / 6


def _shift_multiplier(shift_cells: np.ndarray, n: int, method: str) -> np.ndarray:
    r"""Fourier multipliers of :math:`g(y) \mapsto g(y - s)` on an n-periodic grid, for each
    shift :math:`s` (in cells) of ``shift_cells``; shape ``shift_cells.shape + (n//2+1,)``.

    Spectral: :math:`e^{-i\theta s}`.  Cubic B-spline (interpolate the spline through the
    samples, then sample it shifted): with :math:`s = p + r`, :math:`p\in\mathbb Z`,
    :math:`r\in[0,1)`, :math:`e^{-i\theta p}\sum_{q=-1}^{2}\beta_3(q-r)e^{-i\theta q} /
    \hat B(\theta)`, :math:`\hat B(\theta) = (4 + 2\cos\theta)/6`; the integer part uses a
    table of n-th roots of unity (no complex exponentials per step)."""
    q = np.arange(n // 2 + 1)
    theta = TWO_PI * q / n
    s = np.asarray(shift_cells, dtype=float)[..., None]
    if method == "spectral":
        return np.exp(-1j * theta * s)
    tab = _roots_table(n)
    flat = np.ascontiguousarray(s[..., 0]).reshape(-1)
    out = _cubic_multiplier(flat, tab["roots"], tab["e"], tab["invB"])
    return out.reshape(s.shape[:-1] + (q.size,))


@nb.njit(cache=True)
def _cubic_multiplier(shifts, roots, e, invB):
    n = roots.shape[0]
    nq = e.shape[0]
    out = np.empty((shifts.shape[0], nq), dtype=np.complex128)
    for i in range(shifts.shape[0]):
        p = math.floor(shifts[i])
        r = shifts[i] - p
        u = 1.0 - r
        wm1 = u * u * u / 6
        w0 = (4 - 6 * r * r + 3 * r * r * r) / 6
        w1 = (4 - 6 * u * u + 3 * u * u * u) / 6
        w2 = r * r * r / 6
        pm = int(p) % n
        for q in range(nq):
            eq = e[q]
            num = wm1 * eq.conjugate() + w0 + w1 * eq + w2 * eq * eq
            out[i, q] = roots[(q * pm) % n] * num * invB[q]
    return out


_TABLES: dict[int, dict] = {}


def _roots_table(n: int) -> dict:
    if n not in _TABLES:
        theta = TWO_PI * np.arange(n // 2 + 1) / n
        _TABLES[n] = {
            "roots": np.exp(-1j * TWO_PI * np.arange(n) / n),
            "e": np.exp(-1j * theta),
            "invB": 6.0 / (4 + 2 * np.cos(theta)),
        }
    return _TABLES[n]


def _shift_axis(f: np.ndarray, mult: np.ndarray, axis: int) -> np.ndarray:
    n = f.shape[axis]
    return np.fft.irfft(np.fft.rfft(f, axis=axis) * mult, n=n, axis=axis)


# ---------------------------------------------------------------------------------- fields
class _InteractionField:
    def __init__(self, interaction: PairInteraction, grid: PhaseGrid):
        interaction._grid_symbol(grid.nx, grid.length)  # validates length and resolution
        self.interaction = interaction
        self.length = grid.length

    def acceleration(self, rho):
        return self.interaction.force_on_grid(rho, self.length)

    def potential_energy(self, rho, dx):
        return 0.5 * float(np.sum(rho * self.interaction.potential_on_grid(rho, self.length)) * dx)


class _PoissonField:
    r""":math:`\partial_x E = \rho - \bar\rho`, zero-mean :math:`E`, acceleration :math:`+E`."""

    def __init__(self, grid: PhaseGrid):
        kappa = TWO_PI * np.arange(grid.nx // 2 + 1) / grid.length
        self.inv = np.zeros(kappa.size, dtype=complex)
        self.inv[1:] = 1.0 / (1j * kappa[1:])
        self.inv[-1] = 0.0  # Nyquist mode of a real field: drop
        self.n = grid.nx

    def acceleration(self, rho):
        return np.fft.irfft(np.fft.rfft(rho) * self.inv, n=self.n)

    def potential_energy(self, rho, dx):
        E = self.acceleration(rho)
        return 0.5 * float(np.sum(E * E) * dx)


# ---------------------------------------------------------------------------------- results
@dataclass
class VlasovResult:
    r"""Output of :meth:`VlasovSolver.run`.

    ``times``/``f`` are the requested output times and the densities there (``f`` is ``None``
    if not kept); ``t`` and the other arrays are per-step diagnostics (index 0 is the initial
    state): ``mass`` :math:`\iint f`, ``momentum`` :math:`\iint vf`, ``kinetic``, ``potential``,
    ``energy``, ``l2`` :math:`\|f\|_{L^2}`, ``rho1`` :math:`\int_0^L e^{i\kappa_1 x}\rho\,dx`
    (for the HMF on :math:`[0,2\pi)` the magnetisation), ``field1`` the first Fourier
    coefficient :math:`\frac1L\int_0^L e^{-i\kappa_1 x}a\,dx` of the acceleration (for
    Vlasov–Poisson the electric field mode), ``wrapped_mass`` the cumulative mass that crossed
    :math:`\pm v_{max}`.

    **Convention note (Landau damping).**  For a cosine perturbation
    :math:`f_0 = (1+a\cos\kappa_1 x)M(v)` (:func:`landau_initial`) with ``field="poisson"``,
    :math:`\partial_x E = a\cos\kappa_1 x` gives :math:`E = (a/\kappa_1)\sin\kappa_1 x`, so
    ``field1`` :math:`= -\,i a/(2\kappa_1)` at :math:`t=0`; since the data are invariant under
    :math:`(x,v)\mapsto(-x,-v)`, :math:`E` stays odd in :math:`x` and ``field1`` stays purely
    imaginary (its real part is round-off): writing :math:`E(t,x) = E_1(t)\sin\kappa_1 x`,
    ``field1.imag`` :math:`= -E_1(t)/2`.  The damped signal to fit and to compare with the
    literature's :math:`E_1(t)` is therefore ``field1.imag`` (or ``abs(field1)``), never
    ``field1.real``.
    """

    grid: PhaseGrid
    times: np.ndarray
    f: list[np.ndarray] | None
    t: np.ndarray
    mass: np.ndarray
    momentum: np.ndarray
    kinetic: np.ndarray
    potential: np.ndarray
    energy: np.ndarray
    l2: np.ndarray
    rho1: np.ndarray
    field1: np.ndarray
    wrapped_mass: np.ndarray
    dt: float
    wall_time: float
    info: dict = field(default_factory=dict)

    @property
    def drift(self) -> dict[str, float]:
        """Relative drifts max_t |Q(t) - Q(0)| / scale of the conserved quantities (momentum
        relative to sqrt(2 * kinetic energy * mass))."""
        m0, e0, l0 = self.mass[0], self.energy[0], self.l2[0]
        pscale = math.sqrt(max(2 * self.kinetic[0] * m0, 1e-300))
        escale = max(abs(e0), self.kinetic[0])
        return {
            "mass": float(np.max(np.abs(self.mass - m0)) / m0),
            "momentum": float(np.max(np.abs(self.momentum - self.momentum[0])) / pscale),
            "energy": float(np.max(np.abs(self.energy - e0)) / escale),
            "l2": float(np.max(np.abs(self.l2 - l0)) / l0),
        }

    @property
    def magnetisation(self) -> np.ndarray:
        r"""HMF magnetisation :math:`\iint e^{ix} f\,dx\,dv` per step (for :math:`L = 2\pi`)."""
        return self.rho1

    @property
    def step_time(self) -> float:
        return self.wall_time / max(len(self.t) - 1, 1)


# ---------------------------------------------------------------------------------- solver
#: The solver holds about this many complex (nx, nv) arrays at once (state, two shift
#: multipliers, FFT work space).
WORKING_ARRAYS = 6
#: Largest working set :class:`VlasovSolver` allocates: 4 GiB (nx * nv <= 4.5e7).
MAX_GRID_BYTES = 4 * 2**30


class VlasovSolver:
    r"""Cheng–Knorr semi-Lagrangian solver (see the module docstring).

    Parameters
    ----------
    grid
        :class:`PhaseGrid`.
    field
        A :class:`~mfcourse.interaction.PairInteraction` (mean-field force
        :math:`-\partial_x V\star\rho`; ``grid.length`` must be a multiple of :math:`2\pi`) or
        ``"poisson"`` (Vlasov–Poisson with neutralising background).
    dt
        Time step (> 0).
    interpolation
        ``"cubic"`` (default) or ``"spectral"``.
    mass_tol
        Warn when the fraction of mass that crossed :math:`\pm v_{max}` exceeds this.
    """

    def __init__(
        self,
        grid: PhaseGrid,
        field: PairInteraction | str,
        dt: float,
        *,
        interpolation: str = "cubic",
        mass_tol: float = 1e-6,
    ):
        if not isinstance(grid, PhaseGrid):
            raise ValueError(f"grid must be a PhaseGrid, got {type(grid).__name__}")
        if isinstance(dt, bool) or not isinstance(dt, numbers.Real) or not math.isfinite(dt):
            raise ValueError(f"dt must be a finite real number > 0, got {dt!r}")
        if dt <= 0:
            raise ValueError(f"dt must be > 0, got dt = {dt}")
        if interpolation not in ("cubic", "spectral"):
            raise ValueError(f"interpolation must be 'cubic' or 'spectral', got {interpolation!r}")
        if not (isinstance(mass_tol, numbers.Real) and mass_tol > 0):
            raise ValueError(f"mass_tol must be > 0, got {mass_tol!r}")
        need = WORKING_ARRAYS * 16 * grid.nx * grid.nv
        if need > MAX_GRID_BYTES:
            raise ValueError(
                f"grid: nx x nv = {grid.nx} x {grid.nv} needs about {need / 2**30:.3g} GiB "
                f"({WORKING_ARRAYS} complex arrays of nx*nv); the limit is "
                f"{MAX_GRID_BYTES / 2**30:g} GiB (e.g. 4096 x 4096)"
            )
        if isinstance(field, PairInteraction):
            self.field = _InteractionField(field, grid)
        elif field == "poisson":
            self.field = _PoissonField(grid)
        else:
            raise ValueError(f"field must be a PairInteraction or 'poisson', got {field!r}")
        self.grid, self.dt = grid, float(dt)
        self.interpolation, self.mass_tol = interpolation, float(mass_tol)
        v = grid.v
        # x-advection multipliers (shift v dt / dx cells along x) for dt/2 and dt; rows = v_j
        self._mx_half = _shift_multiplier(v * (0.5 * dt) / grid.dx, grid.nx, interpolation)
        self._mx_full = _shift_multiplier(v * dt / grid.dx, grid.nx, interpolation)
        self._e1 = np.exp(-1j * TWO_PI * np.arange(grid.nx) / grid.nx)

    # -------------------------------------------------------------- pieces
    def initial(self, f0) -> np.ndarray:
        r"""Evaluate/validate initial data: an array ``(nx, nv)``, a callable ``f0(x, v)`` or
        an object with a ``pdf(x, v)`` method (e.g. :class:`mfcourse.newton.CosineMaxwellian`).
        Rejects negative or non-normalisable data; warns when the grid cannot resolve it or
        when it has mass near :math:`\pm v_{max}`."""
        g = self.grid
        if hasattr(f0, "pdf"):
            f0 = f0.pdf
        if callable(f0):
            X, V = g.mesh()
            f = np.asarray(f0(X, V), dtype=float)
        else:
            f = np.array(f0, dtype=float)
        if f.shape != (g.nx, g.nv):
            raise ValueError(
                f"initial data must have shape (nx, nv) = {(g.nx, g.nv)}, got {f.shape}"
            )
        if not np.all(np.isfinite(f)):
            raise ValueError("initial data must be finite (found NaN or infinity)")
        fmax = float(np.max(np.abs(f)))
        if fmax == 0 or np.sum(f) <= 0:
            raise ValueError("initial data has zero or negative mass: not a density")
        if np.min(f) < -1e-12 * fmax:
            raise ValueError(
                f"initial data is negative somewhere (min {np.min(f):.3g}): not a density"
            )
        self._check_resolution(f)
        edge = self._edge_fraction(f)
        if edge > self.mass_tol:
            warnings.warn(
                f"{edge:.3g} of the initial mass lies within 10% of the velocity box edges "
                f"|v| = {g.v_max:g} (tolerance {self.mass_tol:g}): increase v_max",
                stacklevel=3,
            )
        return f

    def _edge_fraction(self, f) -> float:
        band = np.abs(self.grid.v) > 0.9 * self.grid.v_max
        return float(np.sum(np.abs(f[:, band])) / np.sum(np.abs(f)))

    def _check_resolution(self, f):
        for axis, name in ((0, "x"), (1, "v")):
            spec = np.abs(np.fft.rfft(f, axis=axis)) ** 2
            spec = spec.sum(axis=1 - axis)
            n = f.shape[axis]
            tail = spec[int(n // 3) :].sum() / spec.sum()
            if tail > 1e-8:
                warnings.warn(
                    f"the grid cannot resolve the data in {name}: {tail:.3g} of the L2 energy of "
                    f"f0 lies in the top third of the {name}-modes (n{name} = {n}); refine the "
                    "grid or smooth the data",
                    stacklevel=4,
                )

    def density(self, f) -> np.ndarray:
        return f.sum(axis=1) * self.grid.dv

    def _advect_x(self, f, half: bool):
        return _shift_axis(f, (self._mx_half if half else self._mx_full).T, axis=0)

    def _advect_v(self, f, acc, dt):
        g = self.grid
        mult = _shift_multiplier(acc * dt / g.dv, g.nv, self.interpolation)
        # mass that crosses +-v_max this step (it wraps around on the periodic velocity axis)
        s = acc * dt
        k = int(min(g.nv // 2, math.ceil(np.max(np.abs(s)) / g.dv) + 1))
        top = f[:, -k:].sum(axis=1) * g.dv  # approximate: whole cells within reach
        bot = f[:, :k].sum(axis=1) * g.dv
        frac = np.clip(np.abs(s) / (k * g.dv), 0, 1)
        crossed = float(np.sum(np.where(s > 0, top, bot) * frac) * g.dx)
        return _shift_axis(f, mult, axis=1), crossed

    def diagnostics(self, f) -> dict:
        g = self.grid
        rho = self.density(f)
        acc = self.field.acceleration(rho)
        v = g.v
        kin = 0.5 * float(np.sum(f.sum(axis=0) * v * v) * g.dv * g.dx)
        pot = self.field.potential_energy(rho, g.dx)
        return {
            "mass": float(rho.sum() * g.dx),
            "momentum": float(np.sum(f.sum(axis=0) * v) * g.dv * g.dx),
            "kinetic": kin,
            "potential": pot,
            "energy": kin + pot,
            "l2": float(np.sqrt(np.sum(f * f) * g.dx * g.dv)),
            "rho1": complex(np.sum(rho * np.conj(self._e1)) * g.dx),
            "field1": complex(np.mean(acc * self._e1)),
        }

    # -------------------------------------------------------------- driver
    def run(
        self,
        f0,
        times: Sequence[float] | float,
        *,
        keep: bool = True,
        progress: Callable[[float, float], None] | bool | None = None,
    ) -> VlasovResult:
        r"""Advance from ``f0`` through the requested ``times`` (non-decreasing, >= 0); each
        interval is split into equal steps of at most ``dt``.  Returns a :class:`VlasovResult`
        with per-step diagnostics and (``keep=True``) the densities at ``times``."""
        g = self.grid
        times = np.atleast_1d(np.asarray(times, dtype=float))
        if times.ndim != 1 or not np.all(np.isfinite(times)) or times.size == 0:
            raise ValueError("times must be a non-empty 1D array of finite times")
        if times[0] < 0 or np.any(np.diff(times) < 0):
            raise ValueError("times must be >= 0 and non-decreasing")
        n_steps = np.ceil(np.diff(np.concatenate([[0.0], times])) / self.dt - 1e-9).clip(min=0)
        work = float(n_steps.sum()) * g.nx * g.nv
        if work > MAX_CELL_STEPS:
            raise ValueError(
                f"times up to {times[-1]:.3g} with dt = {self.dt:g} need {n_steps.sum():.3g} steps "
                f"on {g.nx} x {g.nv} cells, {work:.3g} cell-steps; the limit is "
                f"{MAX_CELL_STEPS:.3g} (mfcourse.classical.vlasov.MAX_CELL_STEPS): shorten the "
                "run, increase dt or coarsen the grid"
            )
        if keep and 8.0 * times.size * g.nx * g.nv > 4 * 2**30:
            raise ValueError(
                f"keep=True stores {times.size} densities of {g.nx} x {g.nv} cells, "
                f"{8.0 * times.size * g.nx * g.nv / 2**30:.3g} GiB (limit 4 GiB): pass fewer "
                "times or keep=False"
            )
        f = self.initial(f0)
        if times[-1] > g.recurrence_time:
            warnings.warn(
                f"t = {times[-1]:g} exceeds the recurrence time 2 pi/(k1 dv) = "
                f"{g.recurrence_time:.4g} of the velocity grid: free-streaming echoes will "
                "appear; refine nv",
                stacklevel=2,
            )
        if progress is True:
            progress = time_printer("vlasov")
        diag = {k: [v] for k, v in self.diagnostics(f).items()}
        tt, wrapped = [0.0], [0.0]
        out = []
        t = 0.0
        total_wrapped = 0.0
        t_start = time.perf_counter()
        mass0 = diag["mass"][0]
        warned = False
        for ti in times:
            span = ti - t
            n = int(math.ceil(span / self.dt - 1e-9)) if span > 0 else 0
            if n:
                step = span / n
                if abs(step - self.dt) > 1e-12 * self.dt:
                    solver = VlasovSolver(
                        g,
                        self._field_arg(),
                        step,
                        interpolation=self.interpolation,
                        mass_tol=self.mass_tol,
                    )
                else:
                    solver = self
                for _ in range(n):
                    f = solver._advect_x(f, half=True)
                    acc = self.field.acceleration(self.density(f))
                    f, crossed = solver._advect_v(f, acc, step)
                    f = solver._advect_x(f, half=True)
                    total_wrapped += crossed
                    t += step
                    tt.append(t)
                    wrapped.append(total_wrapped)
                    for k, v in self.diagnostics(f).items():
                        diag[k].append(v)
                    if not warned and total_wrapped > self.mass_tol * mass0:
                        warnings.warn(
                            f"{total_wrapped / mass0:.3g} of the mass has crossed the velocity "
                            f"box edges |v| = {g.v_max:g} by t = {t:.4g} (tolerance "
                            f"{self.mass_tol:g}); it re-enters at the opposite edge: increase "
                            "v_max",
                            stacklevel=2,
                        )
                        warned = True
            t = float(ti)
            if keep:
                out.append(f.copy())
            if progress:
                progress(t, float(times[-1]))
        wall = time.perf_counter() - t_start
        return VlasovResult(
            grid=g,
            times=times,
            f=out if keep else None,
            t=np.array(tt),
            wrapped_mass=np.array(wrapped),
            dt=self.dt,
            wall_time=wall,
            info={"interpolation": self.interpolation, "final": f},
            **{k: np.array(v) for k, v in diag.items()},
        )

    def _field_arg(self):
        return "poisson" if isinstance(self.field, _PoissonField) else self.field.interaction

    def step(self, f: np.ndarray) -> np.ndarray:
        """One Strang step (no diagnostics)."""
        return self.advance(f, 1)

    def advance(self, f: np.ndarray, n_steps: int) -> np.ndarray:
        """``n_steps`` Strang steps without diagnostics, consecutive x half-steps merged into
        one full x-step (the same scheme as :meth:`run`, one x-advection fewer per step)."""
        if isinstance(n_steps, bool) or not isinstance(n_steps, numbers.Integral) or n_steps < 0:
            raise ValueError(f"n_steps must be an integer >= 0, got {n_steps!r}")
        if n_steps == 0:
            return f
        f = self._advect_x(f, half=True)
        for i in range(n_steps):
            f, _ = self._advect_v(f, self.field.acceleration(self.density(f)), self.dt)
            f = self._advect_x(f, half=(i == n_steps - 1))
        return f


def solve(f0, grid: PhaseGrid, field, times, dt: float, **kwargs) -> VlasovResult:
    """Shortcut: ``VlasovSolver(grid, field, dt, **options).run(f0, times, keep=..., ...)``."""
    run_keys = {"keep", "progress"}
    run_kw = {k: kwargs.pop(k) for k in list(kwargs) if k in run_keys}
    return VlasovSolver(grid, field, dt, **kwargs).run(f0, times, **run_kw)


def landau_initial(grid: PhaseGrid, k: float = 0.5, amplitude: float = 0.01) -> np.ndarray:
    r"""Landau-damping data :math:`f_0 = (1 + a\cos kx)\,e^{-v^2/2}/\sqrt{2\pi}` on the grid
    (``grid.length`` should be :math:`2\pi/k`)."""
    k = finite_scalar(k, "k", lo=0.0, lo_open=True)
    amplitude = finite_scalar(amplitude, "amplitude")
    X, V = grid.mesh()
    return (1 + amplitude * np.cos(k * X)) * np.exp(-(V**2) / 2) / np.sqrt(TWO_PI)


# ---------------------------------------------------------------------------------- rate fits
def fit_exponential_rate(t, amplitude, window: tuple[float, float]) -> float:
    r"""Least-squares slope of :math:`\log|A(t)|` on ``window`` (a growth rate :math:`\gamma`,
    negative for damping)."""
    t = np.asarray(t, float)
    a = np.abs(np.asarray(amplitude))
    sel = (t >= window[0]) & (t <= window[1]) & (a > 0)
    if sel.sum() < 3:
        raise ValueError(f"fewer than 3 samples in the window {window}")
    return float(np.polyfit(t[sel], np.log(a[sel]), 1)[0])


def fit_damped_oscillation(t, signal, window: tuple[float, float]) -> tuple[float, float]:
    r"""Fit :math:`s(t) = A e^{\gamma t}\cos(\omega t + \phi)` to a real signal on ``window`` by
    nonlinear least squares (initial guess from zero crossings and peak envelope); returns
    :math:`(\omega, \gamma)`."""
    from scipy.optimize import least_squares

    t = np.asarray(t, float)
    s = np.asarray(signal, float)
    sel = (t >= window[0]) & (t <= window[1])
    t, s = t[sel], s[sel]
    if t.size < 10:
        raise ValueError(f"fewer than 10 samples in the window {window}")
    zc = np.flatnonzero(np.sign(s[:-1]) * np.sign(s[1:]) < 0)
    if zc.size < 3:
        raise ValueError("the signal does not oscillate in the window")
    tz = t[zc] - s[zc] * (t[zc + 1] - t[zc]) / (s[zc + 1] - s[zc])
    omega0 = np.pi / np.mean(np.diff(tz))
    gamma0 = fit_exponential_rate(t, np.abs(s) + 1e-300, (t[0], t[-1]))
    scale = np.max(np.abs(s))

    def resid(p):
        A, g, w, ph = p
        return (A * np.exp(g * (t - t[0])) * np.cos(w * t + ph) - s) / scale

    best = None
    for ph in np.linspace(0, 2 * np.pi, 8, endpoint=False):
        r = least_squares(resid, [scale, gamma0, omega0, ph], xtol=1e-14, ftol=1e-14)
        if best is None or r.cost < best.cost:
            best = r
    return float(abs(best.x[2])), float(best.x[1])
