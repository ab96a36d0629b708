r"""Kac's model: the N-particle jump process, the Boltzmann–Kac equation and its exact solutions.

**The process** (Kac 1956; seed 000 §1 and §4.1 with one-dimensional velocities). :math:`N`
particles carry velocities :math:`v_1,\dots,v_N\in\mathbb{R}`. Every unordered pair collides at
rate :math:`\lambda/(N-1)` — so each particle collides at rate exactly :math:`\lambda`, the
mean-field (Kac) scaling of seed 000 eq. (7) — and a colliding pair is rotated by a uniform angle:

.. math:: v' = v\cos\theta - w\sin\theta,\qquad w' = v\sin\theta + w\cos\theta,
    \qquad \theta \sim \mathcal{U}[0, 2\pi).

Collisions conserve :math:`v^2 + w^2` exactly (not momentum). The collision times form a Poisson
process of total rate :math:`\lambda N/2` whose events pick a uniform pair, which is how
:func:`simulate` draws the process exactly (``scheme="exact"``).

**The kinetic equation** (Kac–Boltzmann):

.. math:: \partial_t f(v) = \lambda \int_{\mathbb{R}}\int_0^{2\pi}
    [f(v')f(w') - f(v)f(w)]\,\frac{d\theta}{2\pi}\,dw .

With :math:`\hat f(k) = \int f(v) e^{-ikv}dv`, Bobylev's identity turns it into
:math:`\partial_t\hat f(k) = \lambda\big[\langle \hat f(k\cos\theta)\hat f(k\sin\theta)
\rangle_\theta - \hat f(k)\big]`. Expanding :math:`\hat f(k) = e^{-k^2/2}\sum_p a_p(-ik)^p`, i.e.
:math:`f = M\sum_p a_p \mathrm{He}_p` (Hermite polynomials, :math:`M` the unit Maxwellian), gives
the *triangular* system solved by :class:`BoltzmannKacSolver`,

.. math:: \dot a_p = \lambda\Big[\sum_{n+m=p} \langle\cos^n\theta\sin^m\theta\rangle\,
    a_n a_m - a_p\Big],\qquad
    \langle\cos^n\theta\sin^m\theta\rangle = \frac{(n-1)!!\,(m-1)!!}{(n+m)!!}
    \ (n, m \text{ even; else } 0),

in which mode :math:`p` only sees modes :math:`\le p`: truncation leaves the retained
coefficients exact.

**Exact references** (``../shared/notes/reference-results.md``): the Bobylev–Krook–Wu solution
(:func:`bkw_density`) and the closed moment equations (:func:`moment_equations`), e.g.
:math:`\dot m_4 = \lambda(3m_2^2 - m_4)/4`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mfcourse._validate import finite_array, finite_scalar
from mfcourse.course.progress import time_printer

try:  # numba is a dependency; the pure-Python fallback only keeps imports working without it
    from numba import njit
except ImportError:  # pragma: no cover

    def njit(*args, **kwargs):
        return (lambda f: f) if not args or not callable(args[0]) else args[0]


# ----------------------------------------------------------------------------------------------
# exact references
# ----------------------------------------------------------------------------------------------
def _check_lam(lam):
    if not (np.isscalar(lam) and np.isfinite(lam) and lam > 0):
        raise ValueError(f"the collision rate lam must be finite and > 0, got {lam!r}")


def _check_times(t, name: str = "t") -> np.ndarray:
    t = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError(f"{name} must be finite and >= 0 (the process runs forward), got {t}")
    return t


def bkw_K(t, lam: float = 1.0, K0: float = 0.4):
    r"""The BKW scale :math:`K(t) = 1 - (1-K_0)e^{-\lambda t/8}` (unit energy)."""
    _check_lam(lam)
    if not (np.isscalar(K0) and 1 / 3 <= K0 <= 1):
        raise ValueError(f"the BKW solution is a probability density for 1/3 <= K0 <= 1, got {K0}")
    return 1.0 - (1.0 - K0) * np.exp(-lam * _check_times(t) / 8.0)


def bkw_density(v, t, lam: float = 1.0, K0: float = 0.4):
    r"""Bobylev–Krook–Wu exact solution of the Kac–Boltzmann equation (unit energy):

    .. math:: f(t,v) = \frac{3K - 1 + (1-K)v^2/K}{2\sqrt{2\pi}K^{3/2}}\,e^{-v^2/(2K)},
        \qquad K = 1 - (1-K_0)e^{-\lambda t/8}.
    """
    K = bkw_K(t, lam, K0)
    v = np.asarray(v, dtype=float)
    if not np.all(np.isfinite(v)):
        raise ValueError("v: velocities must be finite")
    return (
        (3 * K - 1 + (1 - K) * v**2 / K)
        * np.exp(-(v**2) / (2 * K))
        / (2 * np.sqrt(2 * np.pi) * K**1.5)
    )


def sample_bkw(N: int, K0: float = 0.4, seed: int = 0) -> np.ndarray:
    r"""``N`` i.i.d. velocities from the BKW initial density with parameter :math:`K_0`.

    The density is the mixture :math:`\frac{3K_0-1}{2K_0}\,G_{K_0} +
    \frac{1-K_0}{2K_0}\,\frac{v^2}{K_0}G_{K_0}` of a centred Gaussian of variance :math:`K_0`
    and :math:`\pm\sqrt{K_0}\,\chi_3`.
    """
    bkw_K(0.0, 1.0, K0)
    if N < 1:
        raise ValueError(f"N must be >= 1, got {N}")
    rng = np.random.default_rng(seed)
    chi = rng.random(N) < (1 - K0) / (2 * K0)
    v = rng.standard_normal(N)
    v[chi] = np.sqrt(rng.chisquare(3, chi.sum())) * rng.choice([-1.0, 1.0], chi.sum())
    return np.sqrt(K0) * v


def _cos_sin_average(n: int, m: int) -> float:
    r""":math:`\frac{1}{2\pi}\int_0^{2\pi}\cos^n\theta\sin^m\theta\,d\theta`."""
    if n % 2 or m % 2 or n < 0 or m < 0:
        return 0.0
    p = n + m  # (n-1)!! (m-1)!! / p!!
    return math.exp(
        math.lgamma(n + 1)
        + math.lgamma(m + 1)
        - p * math.log(2)
        - math.lgamma(n // 2 + 1)
        - math.lgamma(m // 2 + 1)
        - math.lgamma(p // 2 + 1)
    )


def moment_equations(
    moments0: Sequence[float], times: Sequence[float], lam: float = 1.0
) -> np.ndarray:
    r"""Exact moments :math:`m_p(t) = \int v^p f(t,v)dv`, :math:`p = 0..P`, of the Kac equation.

    Averaging :math:`(v')^p` over the angle gives the closed triangular system

    .. math:: \dot m_p = \lambda\Big[\sum_{k} \binom{p}{k}\langle\cos^k\theta
        \sin^{p-k}\theta\rangle\, m_k m_{p-k} - m_p\Big],

    e.g. :math:`\dot m_1 = -\lambda m_1`, :math:`\dot m_2 = 0`,
    :math:`\dot m_4 = \lambda(3m_2^2 - m_4)/4`. ``moments0`` is :math:`(m_0,\dots,m_P)`;
    rows of the result are times.
    """
    from scipy.integrate import solve_ivp

    _check_lam(lam)
    m0 = np.asarray(moments0, dtype=float)
    P = m0.size - 1
    coef = np.array(
        [
            [math.comb(p, k) * _cos_sin_average(k, p - k) if k <= p else 0.0 for k in range(P + 1)]
            for p in range(P + 1)
        ]
    )

    def rhs(_t, m):
        out = np.empty_like(m)
        for p in range(P + 1):
            out[p] = np.dot(coef[p, : p + 1], m[: p + 1] * m[p::-1]) - m[p]
        return lam * out

    times = np.asarray(times, dtype=float)
    sol = solve_ivp(
        rhs,
        (0.0, max(times[-1], 1e-300)),
        m0,
        t_eval=times,
        method="DOP853",
        rtol=1e-12,
        atol=1e-14,
    )
    return sol.y.T


def m4_exact(t, m2: float, m4_0: float, lam: float = 1.0):
    r""":math:`m_4(t) = 3m_2^2 + (m_4(0) - 3m_2^2)e^{-\lambda t/4}` (solves
    :math:`\dot m_4 = \lambda(3m_2^2 - m_4)/4`)."""
    _check_lam(lam)
    t = finite_array(t, "t")
    if np.any(t < 0):
        raise ValueError("t must be >= 0")
    m2 = finite_scalar(m2, "m2", lo=0.0)
    m4_0 = finite_scalar(m4_0, "m4_0", lo=0.0)
    return 3 * m2**2 + (m4_0 - 3 * m2**2) * np.exp(-lam * t / 4)


# ----------------------------------------------------------------------------------------------
# deterministic solver
# ----------------------------------------------------------------------------------------------
def _hermite_functions(u: np.ndarray, P: int) -> np.ndarray:
    r"""Rows :math:`p = 0..P` of :math:`\mathrm{He}_p(u)e^{-u^2/4}/\sqrt{p!}` (stable recursion)."""
    H = np.empty((P + 1, u.size))
    H[0] = np.exp(-(u**2) / 4)
    if P >= 1:
        H[1] = u * H[0]
    for p in range(1, P):
        H[p + 1] = (u * H[p] - np.sqrt(p) * H[p - 1]) / np.sqrt(p + 1)
    return H


@dataclass
class BoltzmannKacSolver:
    r"""Spectral (Hermite–Bobylev) solver of the Kac–Boltzmann equation.

    The initial density ``f0`` (a callable of ``v``) is rescaled to unit energy
    :math:`u = v/\sqrt{T}`, :math:`T = \int v^2 f_0` (conserved), and projected on
    :math:`M\,\mathrm{He}_p/\sqrt{p!}` for :math:`p \le P` by trapezoidal quadrature on
    ``[-L, L]`` with ``n_quad`` points; the normalised coefficients
    :math:`b_p = \sqrt{p!}\,a_p` then obey (module docstring)
    :math:`\dot b_p = \lambda[\sum_{n+m=p}\langle\cos^n\theta\sin^m\theta\rangle
    \binom{p}{n}^{1/2} b_n b_m - b_p]`,
    integrated by DOP853. The truncation is exact for the retained modes; the only
    approximation is the projection of :math:`f_0`, whose error is reported as
    ``projection_error`` (the L¹ distance between :math:`f_0` and its expansion).
    """

    f0: Callable[[np.ndarray], np.ndarray]
    lam: float = 1.0
    P: int = 64
    L: float = 14.0
    n_quad: int = 4001

    def __post_init__(self):
        _check_lam(self.lam)
        if not isinstance(self.P, int | np.integer) or self.P < 2:
            raise ValueError(f"P (number of Hermite modes) must be an integer >= 2, got {self.P}")
        v = np.linspace(-self.L, self.L, self.n_quad)
        dv = v[1] - v[0]
        f = np.asarray(self.f0(v), dtype=float)
        if f.shape != v.shape or np.any(~np.isfinite(f)) or np.any(f < 0):
            raise ValueError("f0 must map a velocity grid to finite non-negative densities")
        mass = np.trapezoid(f, dx=dv)
        if abs(mass - 1) > 1e-6:
            raise ValueError(f"f0 must be a probability density; its mass on [-L, L] is {mass:.8g}")
        self.T = float(np.trapezoid(v**2 * f, dx=dv))
        s = np.sqrt(self.T)
        u = v / s
        g = f * s  # density of u
        H = _hermite_functions(u, self.P)
        # b_p = ∫ g(u) He_p(u)/sqrt(p!) du = ∫ [g e^{u^2/4}] [He_p e^{-u^2/4}/sqrt(p!)] du
        with np.errstate(over="ignore"):
            weight = np.where(g > 0, g * np.exp(np.minimum(u**2 / 4, 700.0)), 0.0)
        self.b0 = H @ weight * (dv / s)
        self.b0[0] = 1.0
        self.projection_error = float(
            np.trapezoid(np.abs(self._density_u(self.b0, u) * (1 / s) - f), dx=dv)
        )
        P = self.P
        coef = np.zeros((P + 1, P + 1))
        for p in range(0, P + 1, 2):
            for n in range(0, p + 1, 2):
                coef[p, n] = _cos_sin_average(n, p - n) * math.sqrt(math.comb(p, n))
        self._coef = coef
        pp, nn = np.meshgrid(np.arange(P + 1), np.arange(P + 1), indexing="ij")
        self._partner = np.where(nn <= pp, pp - nn, 0)  # index p - n of the other factor

    def _rhs(self, _t, b):
        gain = np.sum(self._coef * b[None, :] * b[self._partner], axis=1)
        return self.lam * (gain - b)

    def solve(self, times: Sequence[float]) -> np.ndarray:
        """Hermite coefficients :math:`b_p(t)` at ``times`` (rows); also kept as ``self.b``."""
        from scipy.integrate import solve_ivp

        times = np.asarray(times, dtype=float)
        if times.ndim != 1 or np.any(np.diff(times) < 0) or times[0] < 0:
            raise ValueError("times must be a non-decreasing 1-d array starting at >= 0")
        if times[-1] == 0:
            self.times, self.b = times, np.tile(self.b0, (times.size, 1))
            return self.b
        sol = solve_ivp(
            self._rhs,
            (0.0, times[-1]),
            self.b0,
            t_eval=times,
            method="DOP853",
            rtol=1e-12,
            atol=1e-14,
        )
        self.times, self.b = times, sol.y.T
        return self.b

    def _density_u(self, b, u):
        H = _hermite_functions(u, self.P)
        return np.exp(-(u**2) / 4) / np.sqrt(2 * np.pi) * (b @ H)

    def density(self, v, it: int = -1) -> np.ndarray:
        """The solution :math:`f(t, v)` at time index ``it`` of the last :meth:`solve`."""
        s = np.sqrt(self.T)
        v = np.asarray(v, dtype=float)
        return self._density_u(self.b[it], v / s) / s

    def moments(self, orders: Sequence[int], it: int = -1) -> np.ndarray:
        r"""Moments :math:`\int v^n f` from the coefficients, using
        :math:`u^n = \sum_k \binom{n}{2k}(2k-1)!!\,\mathrm{He}_{n-2k}(u)`."""
        b = self.b[it]
        out = []
        for n in orders:
            total = 0.0
            for k in range(n // 2 + 1):
                r = n - 2 * k
                if r <= self.P:
                    dfact = math.prod(range(2 * k - 1, 0, -2)) if k else 1
                    total += math.comb(n, 2 * k) * dfact * math.sqrt(math.factorial(r)) * b[r]
            out.append(total * self.T ** (n / 2))
        return np.array(out)


# ----------------------------------------------------------------------------------------------
# Monte Carlo
# ----------------------------------------------------------------------------------------------
@njit(cache=True)
def _collide(v, n, rng):
    r"""Perform ``n`` Kac collisions between uniform random pairs, in place; returns a dummy.

    One uniform :math:`U` gives both indices: :math:`a = \lfloor UN\rfloor` and
    :math:`b = \lfloor\{UN\}(N-1)\rfloor` shifted past :math:`a` (53 random bits cover
    :math:`N \le 2^{24}` twice over). The angle comes from a uniform point :math:`(x,y)` of the
    unit disc: :math:`(\cos\theta,\sin\theta) = ((x^2-y^2)/r^2, 2xy/r^2)` is uniform on the
    circle, with no trigonometric call. Collisions are drawn in batches and applied in order
    (the law is unchanged); reading the velocities a few collisions ahead lets the processor
    overlap the cache misses of a large ``v``.
    """
    N = v.size
    batch, ahead = 512, 16
    ia = np.empty(batch, np.int64)
    ib = np.empty(batch, np.int64)
    cs = np.empty(batch)
    sn = np.empty(batch)
    dummy = 0.0
    done = 0
    while done < n:
        m = min(batch, n - done)
        for k in range(m):
            u = rng.random() * N
            a = int(u)
            b = int((u - a) * (N - 1))
            if b >= a:
                b += 1
            while True:
                x = 2.0 * rng.random() - 1.0
                y = 2.0 * rng.random() - 1.0
                r2 = x * x + y * y
                if 0.0 < r2 < 1.0:
                    break
            ia[k] = a
            ib[k] = b
            cs[k] = (x * x - y * y) / r2
            sn[k] = 2.0 * x * y / r2
        for k in range(min(ahead, m)):
            dummy += v[ia[k]] + v[ib[k]]
        for k in range(m):
            if k + ahead < m:
                dummy += v[ia[k + ahead]] + v[ib[k + ahead]]
            a = ia[k]
            b = ib[k]
            va, vb = v[a], v[b]
            v[a] = va * cs[k] - vb * sn[k]
            v[b] = va * sn[k] + vb * cs[k]
        done += m
    return dummy


@njit(cache=True)
def _nanbu_step(v, p, rng):
    """One Nanbu step: each particle collides w.p. ``p`` with a partner that is not updated."""
    N = v.size
    old = v.copy()
    count = 0
    for a in range(N):
        if rng.random() < p:
            b = int(rng.random() * (N - 1))
            if b >= a:
                b += 1
            th = 2.0 * np.pi * rng.random()
            v[a] = old[a] * np.cos(th) - old[b] * np.sin(th)
            count += 1
    return count


SCHEMES = ("exact", "bird", "nanbu")
#: :func:`simulate` refuses runs of more collisions than this (about a minute at 4e7 /s).
MAX_COLLISIONS = 3e9
#: Runs above this many collisions (about 2 s) print their progress.
PROGRESS_COLLISIONS = 1e8
#: Collisions done between two progress checks of the exact scheme.
COLLISION_BATCH = 2**24


@dataclass
class KacRun:
    """The outcome of :func:`simulate`: snapshots ``v[t_index, particle]`` and diagnostics."""

    times: np.ndarray
    v: np.ndarray
    collisions: int
    scheme: str

    @property
    def energy(self) -> np.ndarray:
        r"""Energy per particle :math:`\frac1N\sum_i v_i^2` at each snapshot."""
        return np.mean(self.v**2, axis=1)

    def moment(self, p: int) -> np.ndarray:
        return np.mean(self.v**p, axis=1)


def simulate(
    v0: np.ndarray,
    times: Sequence[float],
    lam: float = 1.0,
    scheme: str = "exact",
    dt: float = 0.05,
    seed: int = 0,
) -> KacRun:
    r"""Run Kac's process from velocities ``v0`` and return snapshots at ``times``.

    * ``"exact"``: the continuous-time process. Collisions in :math:`(t_k, t_{k+1}]` are
      :math:`\mathrm{Poisson}(\lambda N (t_{k+1}-t_k)/2)` in number (Poisson clocks), each
      rotating a uniform random pair — exact in law; energy conserved to round-off.
    * ``"bird"``: Bird's DSMC with time step ``dt``: :math:`\lambda N\,dt/2` collisions per
      step (the fractional part carried over), energy conserved to round-off.
    * ``"nanbu"``: Nanbu's scheme: in each step every particle collides with probability
      :math:`1-e^{-\lambda\,dt}` with a uniform partner that is *not* updated; energy is
      conserved only on average.
    """
    _check_lam(lam)
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    v = np.array(v0, dtype=float)
    if v.ndim != 1 or not 2 <= v.size <= 2**24:
        raise ValueError(f"v0: need a 1-d array of 2 to 2**24 velocities, got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError("v0: velocities must be finite (no NaN or inf)")
    times = _check_times(times, "times")
    if times.ndim != 1 or times.size == 0 or np.any(np.diff(times) < 0):
        raise ValueError("times must be a non-empty, non-decreasing 1-d array of times >= 0")
    if scheme != "exact" and not (np.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be finite and > 0, got {dt}")
    # work estimate before any work: lam N t / 2 collisions (Nanbu: N per step)
    work = lam * v.size * times[-1] / 2
    if scheme == "nanbu":
        work = v.size * math.ceil(times[-1] / dt)
    if work > MAX_COLLISIONS:
        raise ValueError(
            f"times: running to t = {times[-1]:.3g} with N = {v.size} means about {work:.3g} "
            f"collisions; the limit is {MAX_COLLISIONS:.3g} (about a minute): shorten the run or "
            "lower N"
        )
    report = time_printer("kac") if work > PROGRESS_COLLISIONS else None
    rng = np.random.default_rng(seed)
    N = v.size
    snaps = np.empty((times.size, N))
    t, total, carry = 0.0, 0, 0.0
    for k, t_out in enumerate(times):
        if scheme == "exact":
            n = int(rng.poisson(lam * N * (t_out - t) / 2))
            for start in range(0, n, COLLISION_BATCH):  # batches, so that progress can be shown
                _collide(v, min(COLLISION_BATCH, n - start), rng)
                if report is not None:
                    report(t + (t_out - t) * min(start + COLLISION_BATCH, n) / n, times[-1])
            total += n
            t = t_out
        else:
            while t < t_out - 1e-12:
                h = min(dt, t_out - t)
                if scheme == "bird":
                    carry += lam * N * h / 2
                    n = int(carry + 1e-9)  # float sums of lam N dt / 2 may fall short
                    carry -= n
                    _collide(v, n, rng)
                    total += n
                else:
                    total += _nanbu_step(v, -np.expm1(-lam * h), rng)
                t += h
                if report is not None:
                    report(t, times[-1])
        snaps[k] = v
    return KacRun(times=times, v=snaps, collisions=total, scheme=scheme)


# ----------------------------------------------------------------------------------------------
# influence sets: the heuristic behind j^2/N
# ----------------------------------------------------------------------------------------------
@njit(cache=True)
def _first_connection(masks, i, j):
    """Apply collisions; return the number of tagged particles connected at the end (per j)."""
    for c in range(i.size):
        m = masks[i[c]] | masks[j[c]]
        masks[i[c]] = m
        masks[j[c]] = m


@njit(cache=True)
def _smallest_connected_group(masks, jmax):
    """Smallest j <= jmax such that two of the tagged particles 0..j-1 share an influencer."""
    best = jmax + 1
    for m in masks:
        if m & (m - 1):  # at least two bits
            # the group 0..j-1 sees two bits when j exceeds the second-lowest set bit
            low = m & -m
            second = (m ^ low) & -(m ^ low)
            k = 0
            while second > 1:
                second >>= 1
                k += 1
            if k + 1 < best:
                best = k + 1
    return best


def influence_connection_probability(
    N: int, t: float, jmax: int = 20, lam: float = 1.0, replicates: int = 2000, seed: int = 0
) -> np.ndarray:
    r"""Probability that some two of ``j`` tagged particles are *dynamically connected* by time
    ``t``, for ``j = 1..jmax`` (seed 000, §1 heuristic).

    The set :math:`B_i` of particles that influenced particle :math:`i` during :math:`[0,t]` is
    read off the collision history backwards in time; since the collision sequence of Kac's
    process is i.i.d. uniform pairs at Poisson times, the reversed history has the same law as
    the forward one, so it suffices to propagate, forwards, a bit-mask of "tagged particles
    influenced" (a collision merges the two masks). Two tagged particles are connected when some
    particle carries both bits, i.e. :math:`B_i\cap B_k\ne\emptyset`. The answer behaves like
    :math:`\binom{j}{2}c(t)/N`: the heuristic origin of :math:`j^2/N`.
    Returns an array ``P[j]`` for ``j = 0..jmax`` (``P[0] = P[1] = 0``).
    """
    _check_lam(lam)
    if not 2 <= jmax <= min(N, 62):
        raise ValueError(f"jmax must satisfy 2 <= jmax <= min(N, 62) = {min(N, 62)}, got {jmax}")
    rng = np.random.default_rng(seed)
    counts = np.zeros(jmax + 2)
    for _ in range(replicates):
        masks = np.zeros(N, dtype=np.int64)
        masks[:jmax] = np.left_shift(1, np.arange(jmax, dtype=np.int64))
        n = int(rng.poisson(lam * N * t / 2))
        i = rng.integers(0, N, size=n)
        j = rng.integers(0, N - 1, size=n)
        j += j >= i
        _first_connection(masks, i, j)
        counts[_smallest_connected_group(masks, jmax)] += 1
    # P(connected for group size j) = P(smallest connected group <= j)
    return np.cumsum(counts)[: jmax + 1] / replicates


# ----------------------------------------------------------------------------------------------
# the Kac sphere: the process' invariant law
# ----------------------------------------------------------------------------------------------
def sample_kac_sphere(N: int, size: int = 1, energy: float | None = None, seed: int = 0):
    r"""``size`` points uniform on the Kac sphere :math:`\{v\in\mathbb R^N:\ \sum_i v_i^2 = E\}`
    (default :math:`E = N`, unit energy per particle), the invariant law of Kac's process
    (seed 000 §2). A standard Gaussian vector divided by its norm is uniform on the unit sphere
    (rotation invariance); scaled by :math:`\sqrt E` it is uniform on the Kac sphere.

    Returns an array of shape ``(size, N)``.
    """
    if not isinstance(N, int | np.integer) or N < 2:
        raise ValueError(f"N must be an integer >= 2, got {N!r}")
    if not isinstance(size, int | np.integer) or size < 1:
        raise ValueError(f"size must be an integer >= 1, got {size!r}")
    E = float(N) if energy is None else energy
    if not (np.isscalar(E) and np.isfinite(E) and E > 0):
        raise ValueError(f"energy must be finite and > 0, got {energy!r}")
    if N * size > 2**25:
        raise ValueError(
            f"N * size = {N * size} numbers exceed the limit 2**25 (256 MiB, about a second)"
        )
    g = np.random.default_rng(seed).standard_normal((size, N))
    return g * (np.sqrt(E) / np.linalg.norm(g, axis=1))[:, None]


def kac_sphere_marginal(v, N: int, energy: float | None = None) -> np.ndarray:
    r"""Exact one-particle marginal of the uniform law on the Kac sphere of radius
    :math:`\sqrt E` in :math:`\mathbb R^N` (default :math:`E = N`):

    .. math:: f_N(v) = \frac{\Gamma(N/2)}{\sqrt{\pi E}\,\Gamma((N-1)/2)}
        \Big(1-\frac{v^2}{E}\Big)_+^{(N-3)/2},

    the projection of the sphere's surface measure on one axis. For :math:`E = N` it tends to
    the standard Gaussian as :math:`N\to\infty` (Poincaré's lemma; the total-variation distance
    of the :math:`k`-marginal is :math:`O(k/N)`, Diaconis–Freedman 1987). For :math:`N = 3` it is
    uniform on :math:`[-\sqrt E, \sqrt E]` (Archimedes).
    """
    from scipy.special import gammaln

    if not isinstance(N, int | np.integer) or N < 2:
        raise ValueError(f"N must be an integer >= 2, got {N!r}")
    E = float(N) if energy is None else energy
    if not (np.isscalar(E) and np.isfinite(E) and E > 0):
        raise ValueError(f"energy must be finite and > 0, got {energy!r}")
    v = np.asarray(v, dtype=float)
    if not np.all(np.isfinite(v)):
        raise ValueError("v: velocities must be finite")
    logc = gammaln(N / 2) - gammaln((N - 1) / 2) - 0.5 * np.log(np.pi * E)
    inside = np.clip(1.0 - v**2 / E, 0.0, None)
    with np.errstate(divide="ignore"):
        out = np.exp(logc + 0.5 * (N - 3) * np.log(inside)) if N != 3 else np.exp(logc + 0 * v)
    return np.where(v**2 < E, out, 0.0)
