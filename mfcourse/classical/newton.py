r"""N-body Newton dynamics on the torus in the mean-field scaling.

Golse's lecture notes (seed 002, §1.1–1.2) start from :math:`N` particles of mass :math:`m` with
pair potential :math:`V`, rescale time :math:`\hat t = t/N` and take :math:`Nm = 1`; dropping
hats, the positions :math:`x_j \in \mathbb{T} = \mathbb{R}/2\pi\mathbb{Z}` and momenta
:math:`\xi_j\in\mathbb{R}` obey (seed 002, system (2))

.. math::

    \dot x_j = \xi_j, \qquad
    \dot\xi_j = -\frac1N\sum_{k\ne j} V'(x_j - x_k) = F_j, \qquad j = 1,\dots,N .

With :math:`V(x) = \sum_k v_k\cos(kx)` (:class:`mfcourse.interaction.PairInteraction`) the force
only depends on the empirical measure's Fourier moments
:math:`C_k + iS_k = \frac1N\sum_j e^{ikx_j}`, so a step costs :math:`O(NK)`:
:math:`F_j = \sum_k k v_k[\sin(kx_j)C_k - \cos(kx_j)S_k]`.  For the HMF model
(:math:`V = -\cos`) this is :math:`F_j = -M_x\sin x_j + M_y\cos x_j` with the magnetisation
:math:`M = C_1 + iS_1`.

Integrator: velocity Verlet / leapfrog (kick–drift–kick), symplectic, time-reversible and of
second order,

.. math::

    \xi^{n+1/2} = \xi^n + \tfrac{\Delta t}2 F(x^n),\quad x^{n+1} = x^n + \Delta t\,\xi^{n+1/2},\quad
    \xi^{n+1} = \xi^{n+1/2} + \tfrac{\Delta t}2 F(x^{n+1}).

Consecutive half kicks are merged, so a step is one pass over the particles (a numba kernel,
parallel over a fixed number of chunks so that the reductions are summed in a fixed order and the
result does not depend on the number of threads).

Conserved quantities (diagnostics): the momentum :math:`P = \frac1N\sum_j\xi_j` and the energy of
the empirical measure :math:`\mu_N = \frac1N\sum_j\delta_{(x_j,\xi_j)}` as a Vlasov state,

.. math::

    E = \frac1N\sum_j \frac{\xi_j^2}2 + \frac1{2N^2}\sum_{j,k}V(x_j-x_k)
      = \frac1N\sum_j \frac{\xi_j^2}2 + \frac12\sum_k v_k (C_k^2+S_k^2),

(the self terms add the constant :math:`V(0)/(2N)`).  Antoni & Ruffo's HMF energy per particle
:math:`U = K + (1 - |M|^2)/2` is :func:`hmf_energy_per_particle`.

Initial data are i.i.d. samples from a phase-space density (:class:`CosineMaxwellian`,
:class:`Waterbag`, or any pdf through :class:`RejectionDensity`), so that
:math:`\mu_N(0) \to f^{in}` (seed 002 §1.7, Theorem 1.8 quantifies how fast).
"""

from __future__ import annotations

import math
import numbers
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# idle OpenMP workers sleep instead of spinning: on a shared machine spinning threads steal the
# cores the other worker needs (must be set before numba starts its OpenMP thread pool)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba as nb  # noqa: E402
import numpy as np  # noqa: E402

from mfcourse._validate import finite_array  # noqa: E402
from mfcourse.course.progress import time_printer
from mfcourse.interaction import PairInteraction  # noqa: E402

__all__ = [
    "CosineMaxwellian",
    "PhaseSpaceDensity",
    "RejectionDensity",
    "Trajectory",
    "Waterbag",
    "energy",
    "hmf_energy_per_particle",
    "kinetic_energy",
    "klimontovich_residual",
    "leapfrog",
    "magnetisation",
    "momentum",
    "sample_hmf",
    "sample_iid",
    "sample_quiet",
    "simulate",
]

TWO_PI = 2.0 * np.pi
#: Number of chunks of the parallel reductions (fixed, so that sums do not depend on threads).
N_CHUNKS = 64


# ---------------------------------------------------------------------------------- kernels
# sin/cos for the kernels, written so that LLVM vectorises the particle loop (no branches, no
# libm calls): n = round(x/pi) by the 1.5*2^52 trick, r = x - n*pi with a three-part pi
# (fdlibm's split; n*PI_1 is exact for |n| < 2^20, i.e. |x| < 3e6), |r| <= pi/2, and Taylor
# polynomials to degree 25/24 (truncation < 1e-20); sin x = (-1)^n sin r, cos x = (-1)^n cos r.
# Accuracy ~1-2 ulp (tests compare with numpy).
_MAGIC = 6755399441055744.0
_INV_PI = 0.31830988618379067154
_PI_1 = 2 * 1.57079632673412561417e00
_PI_2 = 2 * 6.07710050630396597660e-11
_PI_3 = 2 * 2.02226624871116645580e-21
_SIN = tuple((-1) ** k / math.factorial(2 * k + 1) for k in range(1, 13))
_COS = tuple((-1) ** k / math.factorial(2 * k) for k in range(1, 13))
#: positions are re-wrapped into [0, 2 pi) between output times once |x| exceeds this
_WRAP_LIMIT = 1.0e4


def _make_sincos():
    s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12 = _SIN
    c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12 = _COS
    magic, inv_pi, p1, p2, p3 = _MAGIC, _INV_PI, _PI_1, _PI_2, _PI_3

    @nb.njit(inline="always")
    def sincos(x):
        n = (x * inv_pi + magic) - magic
        r = ((x - n * p1) - n * p2) - n * p3
        h = (n * 0.5 + magic) - magic
        d = n - 2.0 * h  # 0 for even n, +-1 for odd n
        sg = 1.0 - 2.0 * d * d
        z = r * r
        ps = (
            (
                (
                    (
                        ((((((s12 * z + s11) * z + s10) * z + s9) * z + s8) * z + s7) * z + s6) * z
                        + s5
                    )
                    * z
                    + s4
                )
                * z
                + s3
            )
            * z
            + s2
        ) * z + s1
        pc = (
            (
                (((((((c12 * z + c11) * z + c10) * z + c9) * z + c8) * z + c7) * z + c6) * z + c5)
                * z
                + c4
            )
            * z
            + c3
        ) * z + c2
        return sg * (r + r * z * ps), sg * (1.0 + z * (c1 + z * pc))

    return sincos


_sincos = _make_sincos()


@nb.njit(cache=True)
def _sincos_array(x):
    s = np.empty_like(x)
    c = np.empty_like(x)
    for i in range(x.shape[0]):
        s[i], c[i] = _sincos(x[i])
    return s, c


@nb.njit(inline="always")
def _chunk_moments(cs, sn, lo, hi, kmax, out_c, out_s):
    """Sums of cos(kx_i), sin(kx_i) over i in [lo, hi), k = 1..kmax, from stored cos/sin."""
    if kmax == 1:
        css, sns = cs[lo:hi], sn[lo:hi]
        a0 = 0.0
        a1 = 0.0
        b0 = 0.0
        b1 = 0.0
        m = (css.shape[0] // 2) * 2
        for i in range(0, m, 2):
            a0 += css[i]
            a1 += css[i + 1]
            b0 += sns[i]
            b1 += sns[i + 1]
        for i in range(m, css.shape[0]):
            a0 += css[i]
            b0 += sns[i]
        out_c[0] = a0 + a1
        out_s[0] = b0 + b1
        return
    accc = np.zeros(kmax)
    accs = np.zeros(kmax)
    for i in range(lo, hi):
        c1 = cs[i]
        s1 = sn[i]
        ck = c1
        sk = s1
        for k in range(kmax):
            accc[k] += ck
            accs[k] += sk
            ck, sk = ck * c1 - sk * s1, sk * c1 + ck * s1
    out_c[:] = accc
    out_s[:] = accs


@nb.njit(inline="always")
def _init_chunk(x, cs, sn, kmax, lo, hi, out_c, out_s):
    xs, css, sns = x[lo:hi], cs[lo:hi], sn[lo:hi]
    for i in range(xs.shape[0]):
        s_, c_ = _sincos(xs[i])
        sns[i] = s_
        css[i] = c_
    _chunk_moments(cs, sn, lo, hi, kmax, out_c, out_s)


@nb.njit(inline="always")
def _kick_drift_chunk(x, v, cs, sn, a, C, S, kick, dt, drift, lo, hi, out_c, out_s):
    """On particles lo..hi-1: v += kick * F (force from the moments C, S and the stored cos/sin
    of x); then, if drift, x += dt v, refresh cos/sin and sum the new moments into out_c/s."""
    kmax = a.shape[0]
    if kmax == 1:
        fc = kick * a[0] * C[0]
        fs = kick * a[0] * S[0]
        if drift:
            # the hot loop, on slices (a loop over range(lo, hi) is not vectorised by LLVM
            # because of numba's negative-index handling; over range(len) it is)
            xs, vs, css, sns = x[lo:hi], v[lo:hi], cs[lo:hi], sn[lo:hi]
            for i in range(xs.shape[0]):
                vi = vs[i] + (sns[i] * fc - css[i] * fs)
                vs[i] = vi
                xi = xs[i] + dt * vi
                xs[i] = xi
                s_, c_ = _sincos(xi)
                sns[i] = s_
                css[i] = c_
        else:
            for i in range(lo, hi):
                v[i] += sn[i] * fc - cs[i] * fs
    else:
        for i in range(lo, hi):
            c1 = cs[i]
            s1 = sn[i]
            ck = c1
            sk = s1
            f = 0.0
            for k in range(kmax):
                f += a[k] * (sk * C[k] - ck * S[k])
                ck, sk = ck * c1 - sk * s1, sk * c1 + ck * s1
            vi = v[i] + kick * f
            v[i] = vi
            if drift:
                xi = x[i] + dt * vi
                x[i] = xi
                s_, c_ = _sincos(xi)
                sn[i] = s_
                cs[i] = c_
    if drift:
        _chunk_moments(cs, sn, lo, hi, kmax, out_c, out_s)


@nb.njit(inline="always")
def _sum_chunks(pC, pS, n):
    n_chunks, kmax = pC.shape
    C = np.zeros(kmax)
    S = np.zeros(kmax)
    for c in range(n_chunks):
        for k in range(kmax):
            C[k] += pC[c, k]
            S[k] += pS[c, k]
    return C / n, S / n


@nb.njit(parallel=True, cache=True)
def _init_par(x, cs, sn, kmax, n_chunks):
    """cs, sn <- cos x, sin x; returns the moments C_k, S_k, k = 1..kmax (fixed-order sum)."""
    n = x.shape[0]
    pC = np.zeros((n_chunks, kmax))
    pS = np.zeros((n_chunks, kmax))
    size = (n + n_chunks - 1) // n_chunks
    for c in nb.prange(n_chunks):
        lo = min(n, c * size)
        _init_chunk(x, cs, sn, kmax, lo, min(n, lo + size), pC[c], pS[c])
    return _sum_chunks(pC, pS, n)


@nb.njit(cache=True)
def _init_ser(x, cs, sn, kmax, n_chunks):
    """Serial twin of _init_par (same chunks, same summation order, same result)."""
    n = x.shape[0]
    pC = np.zeros((n_chunks, kmax))
    pS = np.zeros((n_chunks, kmax))
    size = (n + n_chunks - 1) // n_chunks
    for c in range(n_chunks):
        lo = min(n, c * size)
        _init_chunk(x, cs, sn, kmax, lo, min(n, lo + size), pC[c], pS[c])
    return _sum_chunks(pC, pS, n)


@nb.njit(parallel=True, cache=True)
def _kick_drift_par(x, v, cs, sn, a, C, S, kick, dt, drift, n_chunks):
    """One merged kick(+drift) pass over all particles, parallel over fixed chunks."""
    n = x.shape[0]
    kmax = a.shape[0]
    pC = np.zeros((n_chunks, kmax))
    pS = np.zeros((n_chunks, kmax))
    size = (n + n_chunks - 1) // n_chunks
    for c in nb.prange(n_chunks):
        lo = min(n, c * size)
        hi = min(n, lo + size)
        _kick_drift_chunk(x, v, cs, sn, a, C, S, kick, dt, drift, lo, hi, pC[c], pS[c])
    return _sum_chunks(pC, pS, n)


@nb.njit(cache=True)
def _leapfrog_ser(x, v, cs, sn, a, C, S, dt, n_steps, n_chunks):
    """n_steps leapfrog steps in one serial call (small N: no per-step dispatch overhead);
    same chunks and summation order as the parallel kernel, hence the same numbers."""
    n = x.shape[0]
    kmax = a.shape[0]
    pC = np.zeros((n_chunks, kmax))
    pS = np.zeros((n_chunks, kmax))
    size = (n + n_chunks - 1) // n_chunks
    for step in range(n_steps + 1):
        kick = 0.5 * dt if (step == 0 or step == n_steps) else dt
        drift = step < n_steps
        pC[:] = 0.0
        pS[:] = 0.0
        for c in range(n_chunks):
            lo = min(n, c * size)
            hi = min(n, lo + size)
            _kick_drift_chunk(x, v, cs, sn, a, C, S, kick, dt, drift, lo, hi, pC[c], pS[c])
        if drift:
            C, S = _sum_chunks(pC, pS, n)
    return C, S


#: below this many particles the serial kernels are used (thread start-up costs more)
PARALLEL_THRESHOLD = 50_000


def _dense_force_coeffs(interaction: PairInteraction) -> np.ndarray:
    """a_k = k v_k for k = 1..K (zeros for absent modes)."""
    a = np.zeros(interaction.max_mode)
    a[interaction.modes - 1] = interaction.modes * interaction.coeffs
    return a


# ---------------------------------------------------------------------------------- checks
def _check_interaction(interaction) -> PairInteraction:
    if not isinstance(interaction, PairInteraction):
        raise ValueError(
            f"interaction must be a mfcourse.interaction.PairInteraction, got "
            f"{type(interaction).__name__}"
        )
    return interaction


def _check_dt(dt) -> float:
    if isinstance(dt, bool) or not isinstance(dt, numbers.Real) or not math.isfinite(dt):
        raise ValueError(f"dt must be a finite real number > 0, got {dt!r}")
    if dt <= 0:
        raise ValueError(f"dt must be > 0, got dt = {dt}")
    return float(dt)


def _check_state(x, v) -> tuple[np.ndarray, np.ndarray]:
    x = np.array(x, dtype=float, copy=True)
    v = np.array(v, dtype=float, copy=True)
    if x.ndim != 1 or v.ndim != 1 or x.shape != v.shape:
        raise ValueError(
            f"x and v must be 1D arrays of the same length N, got shapes {x.shape}, {v.shape}"
        )
    if x.size < 1:
        raise ValueError("N must be >= 1, got N = 0 particles")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(v))):
        raise ValueError("x and v must be finite (found NaN or infinity)")
    return x, v


#: Largest sample drawn by :func:`sample_iid` / :func:`sample_quiet` (two float64 arrays of this
#: length take 3.2 GB).
MAX_PARTICLES = 200_000_000

#: Largest work (particles x leapfrog steps x interaction modes) :func:`simulate` accepts:
#: about 10-20 minutes on one core.
MAX_PARTICLE_STEPS = 1e11


def _check_n(n) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise ValueError(f"N must be an integer >= 1, got {n!r}")
    if n < 1:
        raise ValueError(f"N must be >= 1, got N = {n}")
    if n > MAX_PARTICLES:
        raise ValueError(
            f"N = {n:.3g} particles would need {16 * n / 1e9:.3g} GB; the limit is "
            f"N <= {MAX_PARTICLES:.3g} (mfcourse.classical.newton.MAX_PARTICLES)"
        )
    return int(n)


# ---------------------------------------------------------------------------------- diagnostics
def magnetisation(x) -> complex:
    r"""HMF magnetisation :math:`M = \frac1N\sum_j e^{i x_j} = M_x + iM_y` (a complex number)."""
    x = finite_array(x, "x", allow_empty=False)
    return complex(np.mean(np.cos(x)), np.mean(np.sin(x)))


def kinetic_energy(v) -> float:
    r"""Kinetic energy in the mean-field scaling, :math:`\frac1N\sum_j \xi_j^2/2`."""
    v = finite_array(v, "v", allow_empty=False)
    return 0.5 * float(np.mean(v * v))


def momentum(v) -> float:
    r"""Total momentum in the mean-field scaling, :math:`\frac1N\sum_j \xi_j` (conserved)."""
    return float(np.mean(finite_array(v, "v", allow_empty=False)))


def energy(x, v, interaction: PairInteraction) -> float:
    r"""Energy of the empirical measure, :math:`\frac1N\sum\xi_j^2/2 +
    \frac1{2N^2}\sum_{j,k}V(x_j-x_k)` (conserved by Newton's equations; see module docstring)."""
    return kinetic_energy(v) + _check_interaction(interaction).interaction_energy(x)


def hmf_energy_per_particle(x, v) -> float:
    r"""Antoni–Ruffo energy per particle of the HMF model,
    :math:`U = \frac1N\sum_j p_j^2/2 + (1 - |M|^2)/2`, i.e. the energy of :func:`energy` for
    :math:`V = 1 - \cos x` (without the self-energy: :math:`\frac1{2N^2}\sum_{j,k}`)."""
    return kinetic_energy(v) + 0.5 * (1.0 - abs(magnetisation(x)) ** 2)


# ---------------------------------------------------------------------------------- integrators
def leapfrog(x, v, interaction: PairInteraction, dt: float, n_steps: int, *, backend="numba"):
    r"""Advance ``n_steps`` velocity-Verlet steps of size ``dt``; returns new arrays ``(x, v)``
    (positions are not wrapped, so that the flow is smooth in the initial data).

    ``backend="numpy"`` is a plain reference implementation (:meth:`PairInteraction.force`);
    ``"numba"`` (default) the fused parallel kernel.  Both implement the same scheme.
    """
    interaction = _check_interaction(interaction)
    dt = _check_dt(dt)
    if isinstance(n_steps, bool) or not isinstance(n_steps, numbers.Integral) or n_steps < 0:
        raise ValueError(f"n_steps must be an integer >= 0, got {n_steps!r}")
    x, v = _check_state(x, v)
    work = float(n_steps) * x.size * max(len(interaction.modes), 1)
    if work > MAX_PARTICLE_STEPS:
        raise ValueError(
            f"n_steps = {n_steps} with N = {x.size} is {work:.3g} particle-steps x modes; "
            "the limit "
            f"is {MAX_PARTICLE_STEPS:.3g} (mfcourse.classical.newton.MAX_PARTICLE_STEPS)"
        )
    x, v = _leapfrog_run(x, v, interaction, dt, n_steps, backend)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(v))):
        dt_lin = 2 / math.sqrt(max(interaction.lip_grad, 1e-300))
        raise ValueError(
            f"the leapfrog state overflowed (non-finite) with dt = {dt:g}: reduce dt (linearised "
            f"stability needs dt < 2/sqrt(Lip(grad V)) = {dt_lin:.3g})"
        )
    return x, v


def _leapfrog_run(x, v, interaction, dt, n_steps, backend):
    if backend == "numpy":
        F = interaction.force(x)
        for _ in range(int(n_steps)):
            v += 0.5 * dt * F
            x += dt * v
            F = interaction.force(x)
            v += 0.5 * dt * F
        return x, v
    if backend != "numba":
        raise ValueError(f"backend must be 'numba' or 'numpy', got {backend!r}")
    state = _State(x, v, _dense_force_coeffs(interaction))
    state.advance(dt, int(n_steps))
    return state.x, state.v


class _State:
    """Work arrays of the numba integrator: x, v and the stored cos x, sin x, moments C, S."""

    def __init__(self, x, v, a):
        self.x, self.v, self.a = x, v, a
        self.cs = np.empty_like(x)
        self.sn = np.empty_like(x)
        init = _init_par if x.size >= PARALLEL_THRESHOLD else _init_ser
        self.C, self.S = init(x, self.cs, self.sn, a.shape[0], N_CHUNKS)

    def advance(self, dt: float, n_steps: int) -> None:
        """n_steps kick-drift-kick steps of size dt, consecutive half kicks merged."""
        if n_steps == 0:
            return
        x, v, cs, sn, a = self.x, self.v, self.cs, self.sn, self.a
        if x.size < PARALLEL_THRESHOLD:
            self.C, self.S = _leapfrog_ser(x, v, cs, sn, a, self.C, self.S, dt, n_steps, N_CHUNKS)
            return
        kick_drift = _kick_drift_par
        # dynamic scheduling of the N_CHUNKS chunks: a descheduled thread does not stall a step
        with nb.parallel_chunksize(1):
            C, S = kick_drift(x, v, cs, sn, a, self.C, self.S, 0.5 * dt, dt, True, N_CHUNKS)
            for _ in range(n_steps - 1):
                C, S = kick_drift(x, v, cs, sn, a, C, S, dt, dt, True, N_CHUNKS)
            kick_drift(x, v, cs, sn, a, C, S, 0.5 * dt, dt, False, N_CHUNKS)
        self.C, self.S = C, S

    def rewrap(self) -> None:
        """Bring x back to [0, 2 pi) (keeps the kernels' argument reduction exact)."""
        if np.max(np.abs(self.x)) > _WRAP_LIMIT:
            np.mod(self.x, TWO_PI, out=self.x)


@dataclass
class Trajectory:
    r"""Result of :func:`simulate`: states and conserved quantities at the requested times.

    ``x`` (wrapped to :math:`[0, 2\pi)` unless ``wrap=False``) and ``v`` have shape
    ``(len(times), N)`` when states were kept, else ``None``.  ``magnetisation`` is the complex
    mode-1 moment :math:`\frac1N\sum_j e^{ix_j}`; ``energy`` and ``momentum`` as in
    :func:`energy`, :func:`momentum`.
    """

    times: np.ndarray
    x: np.ndarray | None
    v: np.ndarray | None
    energy: np.ndarray
    momentum: np.ndarray
    magnetisation: np.ndarray
    interaction: PairInteraction
    dt: float
    n_steps: int
    wall_time: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def N(self) -> int:
        return int(self.extra["N"])

    @property
    def energy_drift(self) -> float:
        """max_t |E(t) - E(0)| / max(|E(0)|, kinetic energy at t = 0)."""
        scale = max(abs(self.energy[0]), self.extra["kinetic0"], 1e-300)
        return float(np.max(np.abs(self.energy - self.energy[0])) / scale)

    @property
    def particle_steps_per_second(self) -> float:
        return self.N * self.n_steps / max(self.wall_time, 1e-300)


def simulate(
    x0,
    v0,
    interaction: PairInteraction,
    times,
    dt: float,
    *,
    keep_states: bool = True,
    wrap: bool = True,
    progress: Callable[[float, float], None] | bool | None = None,
) -> Trajectory:
    r"""Integrate Newton's equations (seed 002 §1.2, system (2)) with leapfrog and record the
    state at each of the requested ``times`` (non-decreasing, starting at or after 0).

    Each interval :math:`[t_{i-1}, t_i]` is covered by :math:`\lceil (t_i - t_{i-1})/\Delta t
    \rceil` equal steps (so the step actually used is at most ``dt``; with ``times`` on a grid of
    ``dt`` it is exactly ``dt``).  ``progress`` may be a callable ``progress(t, t_final)`` or
    ``True`` (prints a line every ~2 s); runs longer than a few seconds should pass one.
    """
    interaction = _check_interaction(interaction)
    dt = _check_dt(dt)
    x, v = _check_state(x0, v0)
    times = np.atleast_1d(np.asarray(times, dtype=float))
    if times.ndim != 1 or times.size == 0 or not np.all(np.isfinite(times)):
        raise ValueError("times must be a non-empty 1D array of finite times")
    if times[0] < 0 or np.any(np.diff(times) < 0):
        raise ValueError(f"times must be >= 0 and non-decreasing, got {times[:5]}...")
    N = x.size
    nt = times.size
    n_steps = np.ceil(np.diff(np.concatenate([[0.0], times])) / dt - 1e-9).clip(min=0).sum()
    work = float(n_steps) * N * max(len(interaction.modes), 1)
    if work > MAX_PARTICLE_STEPS:
        raise ValueError(
            f"times up to {times[-1]:.3g} with dt = {dt:g} and N = {N} need {n_steps:.3g} steps, "
            f"i.e. {work:.3g} particle-steps x modes; the limit is {MAX_PARTICLE_STEPS:.3g} "
            "(mfcourse.classical.newton.MAX_PARTICLE_STEPS): shorten the run or increase dt"
        )
    if keep_states and 16.0 * nt * N > 4 * 2**30:
        raise ValueError(
            f"keep_states=True with {nt} times and N = {N} needs {16.0 * nt * N / 2**30:.3g} GiB "
            "(limit 4 GiB): pass fewer times or keep_states=False"
        )
    if progress is True:
        progress = time_printer("newton")
    a = _dense_force_coeffs(interaction)
    xs = np.empty((nt, N)) if keep_states else None
    vs = np.empty((nt, N)) if keep_states else None
    E = np.empty(nt)
    P = np.empty(nt)
    M = np.empty(nt, dtype=complex)
    state = _State(x, v, a)
    t = 0.0
    total_steps = 0
    t0 = time.perf_counter()
    kinetic0 = kinetic_energy(v)
    for i, ti in enumerate(times):
        span = ti - t
        n = int(math.ceil(span / dt - 1e-9)) if span > 0 else 0
        if n > 0:
            state.advance(span / n, n)
            state.rewrap()
            total_steps += n
        C, S = state.C, state.S
        t = ti
        if keep_states:
            xs[i] = np.mod(x, TWO_PI) if wrap else x
            vs[i] = v
        E[i] = kinetic_energy(v) + 0.5 * float(
            np.sum(
                interaction.coeffs * (C[interaction.modes - 1] ** 2 + S[interaction.modes - 1] ** 2)
            )
        )
        P[i] = momentum(v)
        M[i] = complex(C[0], S[0])
        if progress:
            progress(ti, times[-1])
    wall = time.perf_counter() - t0
    return Trajectory(
        times=times,
        x=xs,
        v=vs,
        energy=E,
        momentum=P,
        magnetisation=M,
        interaction=interaction,
        dt=dt,
        n_steps=total_steps,
        wall_time=wall,
        extra={"N": N, "kinetic0": kinetic0, "final_x": x, "final_v": v},
    )


def klimontovich_residual(traj: Trajectory, phi: Callable, phi_x: Callable, phi_v: Callable):
    r"""Residual of the weak form of the Vlasov equation on the empirical measure
    (Klimontovich's theorem, seed 002 §1.4, Theorem 1.2):

    .. math::

        R(t) = \frac{d}{dt}\langle\mu_N(t),\varphi\rangle
               - \langle\mu_N(t),\{\tfrac12\xi^2 + V_{\mu_N},\varphi\}\rangle,
        \qquad \{\tfrac12\xi^2 + V_\mu,\varphi\} = \xi\,\partial_x\varphi
               - \partial_x V_\mu\,\partial_\xi\varphi,

    with the time derivative by centred differences of the recorded trajectory (its times must
    be equally spaced, step :math:`h`).  :math:`R = O(h^2 + \Delta t^2)`: it vanishes to
    integrator accuracy.  ``phi``, ``phi_x``, ``phi_v`` are vectorised functions of
    ``(x, v)`` (:math:`\varphi`, :math:`\partial_x\varphi`, :math:`\partial_\xi\varphi`),
    :math:`2\pi`-periodic in ``x``.  Returns ``(t, R, scale)`` at the interior times, with
    ``scale`` :math:`= \max_t|\langle\mu_N,\{\cdot,\varphi\}\rangle|` for relative
    statements.
    """
    if traj.x is None:
        raise ValueError("the trajectory has no stored states: run simulate(keep_states=True)")
    t = traj.times
    h = np.diff(t)
    if t.size < 3 or np.max(np.abs(h - h[0])) > 1e-9 * max(1.0, abs(h[0])) or h[0] <= 0:
        raise ValueError("need at least 3 equally spaced, increasing recorded times")
    A = np.array([np.mean(phi(x, v)) for x, v in zip(traj.x, traj.v, strict=True)])
    B = np.array(
        [
            np.mean(v * phi_x(x, v) + traj.interaction.force(x) * phi_v(x, v))
            for x, v in zip(traj.x, traj.v, strict=True)
        ]
    )
    dA = (A[2:] - A[:-2]) / (2 * h[0])
    return t[1:-1], dA - B[1:-1], float(np.max(np.abs(B)))


# ---------------------------------------------------------------------------------- sampling
class PhaseSpaceDensity:
    r"""A probability density :math:`f(x,\xi)` on :math:`\mathbb{T}\times\mathbb{R}`
    (normalised: :math:`\int_0^{2\pi}\!\int_{\mathbb R} f\,d\xi\,dx = 1`) that can be evaluated
    on a grid and sampled i.i.d. with a seed."""

    name = "density"

    def pdf(self, x, v) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError  # pragma: no cover - abstract

    #: half-width of a velocity box holding all but ~1e-12 of the mass (for Vlasov grids)
    v_max: float = 8.0


class CosineMaxwellian(PhaseSpaceDensity):
    r""":math:`f(x,\xi) = \frac{1 + a\cos(m(x-\phi))}{2\pi}\,
    \frac{e^{-(\xi-u)^2/(2T)}}{\sqrt{2\pi T}}`, with :math:`|a| \le 1` (else ``f`` would be
    negative), temperature :math:`T > 0`, integer mode :math:`m \ge 1`.

    With :math:`a = 0` it is the homogeneous Gaussian state of the HMF model, Vlasov-stable iff
    :math:`T > 1/2` (see :mod:`mfcourse.dispersion`).
    """

    def __init__(self, amplitude=0.0, temperature=1.0, mode=1, phase=0.0, drift=0.0):
        for label, val in [
            ("amplitude", amplitude),
            ("temperature", temperature),
            ("phase", phase),
            ("drift", drift),
        ]:
            if isinstance(val, bool) or not isinstance(val, numbers.Real) or not math.isfinite(val):
                raise ValueError(f"{label} must be a finite real number, got {val!r}")
        if abs(amplitude) > 1:
            raise ValueError(
                f"amplitude a = {amplitude} gives a negative density 1 + a cos(mx): need |a| <= 1"
            )
        if temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        if isinstance(mode, bool) or not isinstance(mode, numbers.Integral) or mode < 1:
            raise ValueError(f"mode must be an integer >= 1, got {mode!r}")
        self.amplitude, self.temperature, self.mode = (
            float(amplitude),
            float(temperature),
            int(mode),
        )
        self.phase, self.drift = float(phase), float(drift)
        self.v_max = abs(self.drift) + 7.5 * math.sqrt(self.temperature)
        self.name = f"cosine-Maxwellian(a={amplitude:g}, T={temperature:g})"

    def pdf(self, x, v):
        x, v = np.asarray(x, float), np.asarray(v, float)
        T = self.temperature
        rho = (1 + self.amplitude * np.cos(self.mode * (x - self.phase))) / TWO_PI
        return rho * np.exp(-((v - self.drift) ** 2) / (2 * T)) / math.sqrt(TWO_PI * T)

    def sample(self, n, rng):
        n = _check_n(n)
        x = _sample_cosine(n, self.amplitude, self.mode, self.phase, rng)
        v = self.drift + math.sqrt(self.temperature) * rng.standard_normal(n)
        return x, v


def _sample_cosine(n, a, m, phase, rng):
    """Exact rejection sampling of (1 + a cos(m(x - phase)))/(2 pi) on [0, 2 pi)."""
    out = np.empty(n)
    filled = 0
    while filled < n:
        k = int(1.2 * (n - filled) * (1 + abs(a))) + 16
        x = rng.uniform(0, TWO_PI, k)
        u = rng.uniform(0, 1 + abs(a), k)
        x = x[u < 1 + a * np.cos(m * (x - phase))]
        take = min(x.size, n - filled)
        out[filled : filled + take] = x[:take]
        filled += take
    return out


class Waterbag(PhaseSpaceDensity):
    r"""Uniform density on the rectangle :math:`|x - x_c| \le \theta_0` (on the torus),
    :math:`|\xi| \le p_0`: :math:`f = \frac{1}{4\theta_0 p_0}\mathbf 1_{\dots}`; with
    ``smoothing`` :math:`s > 0`, that rectangle convolved with a centred Gaussian of standard
    deviation :math:`s` in each variable (so that a Vlasov grid can resolve it), i.e.
    :math:`f = X(x)P(\xi)`, :math:`P(\xi) = [\Phi((\xi+p_0)/s) - \Phi((\xi-p_0)/s)]/(2p_0)`
    and :math:`X` the same, periodised; sampled exactly (uniform + Gaussian noise).

    The classic HMF initial state (Antoni & Ruffo): magnetisation
    :math:`M_0 = e^{-s^2/2}\sin\theta_0/\theta_0`, energy per particle
    :math:`U = p_0^2/6 + s^2/2 + (1 - M_0^2)/2`.  :math:`\theta_0 = \pi`, :math:`s = 0` is the
    homogeneous waterbag, linearly unstable iff :math:`p_0^2 < 1/2` (i.e. :math:`U < 7/12`).
    """

    def __init__(self, theta0=np.pi, p0=1.0, center=0.0, smoothing=0.0):
        for label, val in [
            ("theta0", theta0),
            ("p0", p0),
            ("center", center),
            ("smoothing", smoothing),
        ]:
            if isinstance(val, bool) or not isinstance(val, numbers.Real) or not math.isfinite(val):
                raise ValueError(f"{label} must be a finite real number, got {val!r}")
        if not (0 < theta0 <= np.pi):
            raise ValueError(f"theta0 must lie in (0, pi], got {theta0}")
        if p0 <= 0:
            raise ValueError(f"p0 must be > 0, got {p0}")
        if smoothing < 0 or smoothing > 1:
            raise ValueError(f"smoothing must lie in [0, 1], got {smoothing}")
        self.theta0, self.p0, self.center = float(theta0), float(p0), float(center)
        self.smoothing = float(smoothing)
        self.v_max = 1.5 * self.p0 + 1.5 + 8 * self.smoothing
        self.name = f"waterbag(theta0={theta0:g}, p0={p0:g}" + (
            f", s={smoothing:g})" if smoothing else ")"
        )

    @classmethod
    def from_energy(cls, U: float, M0: float, smoothing: float = 0.0) -> Waterbag:
        r"""The waterbag with initial magnetisation :math:`M_0\in[0,1)` (0: homogeneous) and
        HMF energy per particle :math:`U` (optionally smoothed, see the class docstring)."""
        from scipy.optimize import brentq

        if not (0 <= M0 < 1):
            raise ValueError(f"M0 must lie in [0, 1), got {M0}")
        target = M0 * math.exp(smoothing**2 / 2)
        if target >= 1:
            raise ValueError(f"M0 = {M0} is not reachable with smoothing {smoothing}")
        theta0 = np.pi if M0 == 0 else brentq(lambda t: np.sin(t) / t - target, 1e-12, np.pi)
        p2 = 6 * (U - (1 - M0**2) / 2 - smoothing**2 / 2)
        if p2 <= 0:
            raise ValueError(f"U = {U} is below the potential energy (1 - M0^2)/2 of M0 = {M0}")
        return cls(theta0=theta0, p0=math.sqrt(p2), smoothing=smoothing)

    @property
    def magnetisation(self) -> float:
        return float(np.sin(self.theta0) / self.theta0 * np.exp(-(self.smoothing**2) / 2))

    @property
    def hmf_energy(self) -> float:
        return self.p0**2 / 6 + self.smoothing**2 / 2 + 0.5 * (1 - self.magnetisation**2)

    def pdf(self, x, v):
        x, v = np.asarray(x, float), np.asarray(v, float)
        d = (x - self.center + np.pi) % TWO_PI - np.pi
        s = self.smoothing
        if s == 0:
            inside = (np.abs(d) <= self.theta0) & (np.abs(v) <= self.p0)
            return np.where(inside, 1.0 / (4 * self.theta0 * self.p0), 0.0)
        from scipy.special import ndtr

        P = (ndtr((v + self.p0) / s) - ndtr((v - self.p0) / s)) / (2 * self.p0)
        X = sum(
            ndtr((d + self.theta0 + TWO_PI * j) / s) - ndtr((d - self.theta0 + TWO_PI * j) / s)
            for j in range(-2, 3)
        ) / (2 * self.theta0)
        return X * P

    def sample(self, n, rng):
        n = _check_n(n)
        x = self.center + rng.uniform(-self.theta0, self.theta0, n)
        v = rng.uniform(-self.p0, self.p0, n)
        if self.smoothing:
            x += self.smoothing * rng.standard_normal(n)
            v += self.smoothing * rng.standard_normal(n)
        return np.mod(x, TWO_PI), v


class RejectionDensity(PhaseSpaceDensity):
    r"""Any bounded density :math:`f(x,\xi)` on :math:`[0,2\pi)\times[-v_{max}, v_{max}]`
    given as a vectorised ``pdf(x, v)``, sampled by rejection from the uniform law on the box.

    The envelope :math:`\sup f` is estimated on a grid and enlarged by 25 %; a sample that
    exceeds it raises ``ValueError`` (the estimate was wrong), so the samples are exact draws
    from :math:`f` restricted to the box.  ``normalise=True`` rescales ``pdf`` to mass one on
    the box (computed on the grid); a negative or non-normalisable ``pdf`` is rejected.
    """

    def __init__(self, pdf: Callable, v_max: float, *, normalise=False, grid=(256, 512), name=None):
        if not callable(pdf):
            raise ValueError(f"pdf must be callable, got {type(pdf).__name__}")
        if not (isinstance(v_max, numbers.Real) and math.isfinite(v_max) and v_max > 0):
            raise ValueError(f"v_max must be a positive finite number, got {v_max!r}")
        nx, nv = grid
        xg = (np.arange(nx) + 0.5) * TWO_PI / nx
        vg = -v_max + (np.arange(nv) + 0.5) * 2 * v_max / nv
        F = np.asarray(pdf(xg[:, None], vg[None, :]), dtype=float)
        if F.shape != (nx, nv) or not np.all(np.isfinite(F)):
            raise ValueError("pdf must return finite values of the broadcast shape of (x, v)")
        if np.min(F) < 0:
            raise ValueError(f"pdf is negative somewhere (min {np.min(F):.3g}): not a density")
        mass = float(np.sum(F) * (TWO_PI / nx) * (2 * v_max / nv))
        if not (mass > 0):
            raise ValueError("pdf has zero mass on the box: not normalisable")
        if not normalise and abs(mass - 1) > 1e-3:
            raise ValueError(
                f"pdf has mass {mass:.6g} on [0, 2pi) x [-{v_max:g}, {v_max:g}], not 1; pass "
                "normalise=True or a larger v_max"
            )
        self._pdf, self._scale = pdf, (1.0 / mass if normalise else 1.0)
        self.v_max = float(v_max)
        self.bound = 1.25 * float(np.max(F)) * self._scale
        self.name = name or "density"

    def pdf(self, x, v):
        return self._scale * np.asarray(self._pdf(np.asarray(x, float), np.asarray(v, float)))

    def sample(self, n, rng):
        n = _check_n(n)
        xs, vs, filled = np.empty(n), np.empty(n), 0
        area = TWO_PI * 2 * self.v_max
        while filled < n:
            k = int(1.3 * (n - filled) * self.bound * area) + 64
            x = rng.uniform(0, TWO_PI, k)
            v = rng.uniform(-self.v_max, self.v_max, k)
            f = self.pdf(x, v)
            if np.any(f > self.bound):
                raise ValueError(
                    f"the envelope {self.bound:.4g} of the rejection sampler is below the pdf "
                    f"(found {np.max(f):.4g}); refine the grid"
                )
            keep = rng.uniform(0, self.bound, k) < f
            take = min(int(keep.sum()), n - filled)
            xs[filled : filled + take] = x[keep][:take]
            vs[filled : filled + take] = v[keep][:take]
            filled += take
        return xs, vs


def sample_iid(density: PhaseSpaceDensity, n: int, seed) -> tuple[np.ndarray, np.ndarray]:
    r"""Draw :math:`N` i.i.d. phase-space points :math:`(x_j,\xi_j)\sim f^{in}` with
    ``np.random.default_rng(seed)``; returns ``(x, v)`` with :math:`x\in[0,2\pi)`."""
    if not isinstance(density, PhaseSpaceDensity):
        raise ValueError(
            f"density must be a PhaseSpaceDensity (CosineMaxwellian, Waterbag, RejectionDensity), "
            f"got {type(density).__name__}"
        )
    n = _check_n(n)
    if seed is None:
        raise ValueError("seed must be given (an int or a np.random.Generator) for reproducibility")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return density.sample(n, rng)


def sample_hmf(n: int, seed, kind: str = "waterbag", **params) -> tuple[np.ndarray, np.ndarray]:
    r"""N i.i.d. initial particles for the HMF model.

    ``kind="waterbag"`` (default: :math:`M_0 = 1`-like bag :math:`\theta_0 = 0.5`, :math:`p_0=1`;
    pass ``theta0``, ``p0`` or ``U`` and ``M0``), or ``kind="gaussian"``
    (:class:`CosineMaxwellian`; pass ``amplitude``, ``temperature``).
    """
    if kind == "waterbag":
        if "U" in params or "M0" in params:
            dens = Waterbag.from_energy(params.pop("U", 0.69), params.pop("M0", 0.9))
        else:
            dens = Waterbag(theta0=params.pop("theta0", 0.5), p0=params.pop("p0", 1.0))
    elif kind == "gaussian":
        dens = CosineMaxwellian(
            amplitude=params.pop("amplitude", 0.5), temperature=params.pop("temperature", 0.5)
        )
    else:
        raise ValueError(f"kind must be 'waterbag' or 'gaussian', got {kind!r}")
    if params:
        raise ValueError(f"unknown parameters for kind={kind!r}: {sorted(params)}")
    return sample_iid(dens, n, seed)


def _van_der_corput(n: int) -> np.ndarray:
    """Base-2 radical inverse (bit reversal) of 0..n-1: :math:`\\sum_b d_b 2^{-b-1}`."""
    j = np.arange(n, dtype=np.uint64)
    out = np.zeros(n)
    scale = 0.5
    while np.any(j):
        out += (j & np.uint64(1)).astype(float) * scale
        j >>= np.uint64(1)
        scale *= 0.5
    return out


def _inverse_cdf_rows(cdf: np.ndarray, edges: np.ndarray, rows: np.ndarray, u: np.ndarray):
    """For each point, the ``u``-quantile of the piecewise-linear CDF ``cdf[rows]`` (columns on
    ``edges``), by a vectorised bisection (every row is non-decreasing from 0 to 1)."""
    lo = np.zeros(u.size, dtype=np.int64)
    hi = np.full(u.size, edges.size - 1, dtype=np.int64)
    while np.any(hi - lo > 1):
        mid = (lo + hi) // 2
        below = cdf[rows, mid] <= u
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    c0, c1 = cdf[rows, lo], cdf[rows, hi]
    frac = np.where(c1 > c0, (u - c0) / np.where(c1 > c0, c1 - c0, 1.0), 0.5)
    return edges[lo] + np.clip(frac, 0.0, 1.0) * (edges[hi] - edges[lo])


def sample_quiet(
    density: PhaseSpaceDensity, n: int, seed, *, nx: int = 4096, nv: int = 2048
) -> tuple[np.ndarray, np.ndarray]:
    r"""A **quiet start**: :math:`N` deterministic-looking phase-space points whose empirical
    measure is close to :math:`f` at the rate of a low-discrepancy set, not :math:`N^{-1/2}`.

    Construction (Hammersley pairing of two inverse CDFs):

    * positions by stratified inversion of the :math:`x`-marginal
      :math:`\rho(x) = \int f\,d\xi`: :math:`x_j = F_\rho^{-1}((j + s)/N)`;
    * velocities by inversion of the conditional law :math:`f(\xi\mid x_j)` at the base-2
      van der Corput point :math:`\xi_j = F_{\xi\mid x_j}^{-1}(\{r_2(j) + s'\})` (bit reversal of
      :math:`j`), which spreads every dyadic block of consecutive positions over all velocity
      quantiles.

    The shifts :math:`s, s'\in[0,1)` come from ``np.random.default_rng(seed)`` (a random shift
    of a low-discrepancy set, so different seeds give different but equally quiet samples).  Both
    inverse CDFs are tabulated from ``density.pdf`` on ``nx`` x ``nv`` cells of
    :math:`[0,2\pi)\times[-v_{max}, v_{max}]` (``density.v_max``) and inverted piecewise linearly.

    *Observed* (tests/test_newton.py): the :math:`W_1` distance of the marginals to :math:`f`
    decays like :math:`\log N/N` instead of :math:`N^{-1/2}`, and the linear growth rate of an
    unstable HMF state measured from a quiet start agrees with the dispersion root better than
    from an i.i.d. one.

    **When to use which.**  The mean-field theorems of the course (Dobrushin, seed 002 Theorem
    1.5; the law of large numbers for the initial empirical measure) are statements about
    *i.i.d.* (or chaotic) initial data: use :func:`sample_iid` to illustrate them.  A quiet start
    is *not* a sample from :math:`f^{\otimes N}` (its points are strongly correlated); use it to
    measure Vlasov quantities such as linear growth or damping rates at a given :math:`N`
    without the :math:`N^{-1/2}` noise floor that seeds every unstable mode.
    """
    if not isinstance(density, PhaseSpaceDensity):
        raise ValueError(
            f"density must be a PhaseSpaceDensity (CosineMaxwellian, Waterbag, RejectionDensity), "
            f"got {type(density).__name__}"
        )
    n = _check_n(n)
    for name, val in (("nx", nx), ("nv", nv)):
        if isinstance(val, bool) or not isinstance(val, numbers.Integral) or not 16 <= val <= 2**14:
            raise ValueError(f"{name} must be an integer in [16, 16384], got {val!r}")
    if seed is None:
        raise ValueError("seed must be given (an int or a np.random.Generator) for reproducibility")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    s_x, s_v = rng.uniform(size=2)
    vmax = float(density.v_max)
    xe = np.linspace(0.0, TWO_PI, nx + 1)
    ve = np.linspace(-vmax, vmax, nv + 1)
    xc, vc = 0.5 * (xe[1:] + xe[:-1]), 0.5 * (ve[1:] + ve[:-1])
    cell = np.asarray(density.pdf(xc[:, None], vc[None, :]), dtype=float)
    if cell.shape != (nx, nv) or not np.all(np.isfinite(cell)) or np.any(cell < 0):
        raise ValueError("density.pdf must return finite non-negative values on the grid")
    rho = cell.sum(axis=1)
    if not rho.sum() > 0:
        raise ValueError("density.pdf vanishes on [0, 2 pi) x [-v_max, v_max]")
    cdf_x = np.concatenate([[0.0], np.cumsum(rho)]) / rho.sum()
    cdf_v = np.zeros((nx, nv + 1))
    np.cumsum(cell, axis=1, out=cdf_v[:, 1:])
    cdf_v /= np.where(rho > 0, rho, 1.0)[:, None]
    j = np.arange(n)
    x = _inverse_cdf_rows(cdf_x[None, :], xe, np.zeros(n, dtype=np.int64), (j + s_x) / n)
    rows = np.clip(np.searchsorted(xe, x, side="right") - 1, 0, nx - 1)
    u = np.mod(_van_der_corput(n) + s_v, 1.0)
    v = _inverse_cdf_rows(cdf_v, ve, rows, u)
    return np.mod(x, TWO_PI), v
