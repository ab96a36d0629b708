r"""The one-dimensional Coulomb (sheet) model and cold pressureless Euler–Poisson, exactly.

Lecture 7 (singular interactions; Golse's lecture notes, seed 002 §3.5–3.6).

**The sheet model** (Dawson 1962).  :math:`N` charged sheets :math:`x_1,\dots,x_N` on the
periodic box :math:`\mathbb{T}_L = \mathbb{R}/L\mathbb{Z}`, each of charge (= mass)
:math:`q`, in a uniform neutralising background of density :math:`n_b`
(neutrality :math:`Nq = n_bL` is required: on a periodic box Poisson's equation has no solution
otherwise).  The field solves

.. math::
    \partial_x E_N = q\sum_j \delta_{x_j} - n_b, \qquad \int_0^L E_N\,dx = 0,

and each sheet feels the average of the left and right limits of :math:`E_N` (no self-force):
:math:`\ddot x_j = E_N(x_j)`.  The field is a **counting function**: if sheet :math:`j` has
:math:`r_j` sheets strictly below it in :math:`[0, L)`,

.. math::
    E_N(x_j) = q\,(r_j + \tfrac12) - n_b\,(x_j - \bar x) - \tfrac{n_b L}{2},
    \qquad \bar x = \tfrac1N\textstyle\sum_k x_k ,                          \tag{1}

(:func:`sheet_field`).  It is bounded but jumps by :math:`q` across each sheet: the pair force
:math:`K(x) = \tfrac12\operatorname{sign}x - x/L` is not Lipschitz, so Dobrushin's estimate
(Lecture 1) does not apply.

**Exact dynamics.**  Label the sheets in cyclic order and let the labels exchange at each
crossing (sheets are identical, so the empirical measure is unchanged).  Then label :math:`k`
oscillates harmonically at the plasma frequency :math:`\omega_p = \sqrt{n_b}` about its
equilibrium :math:`\bar x(t) + e_k`, :math:`e_k = h(k+\tfrac12) - L/2`, :math:`h = L/N`,
and the centre of mass moves uniformly:

.. math::
    x_k(t) = \bar x(0) + P t + e_k + A_k\cos\omega_p t + B_k\sin\omega_p t .

Two neighbours :math:`k, k+1` (cyclically; the pair :math:`(N-1, 0)` across the box edge)
collide when their gap :math:`h + R\cos(\omega_p t - \varphi)` vanishes, a closed-form event
time; at a collision they exchange velocities.  :class:`SheetModel` keeps the next collision of
every neighbouring pair in a heap: each event costs :math:`O(\log N)` (three pairs are
rescheduled), the initial schedule :math:`O(N\log N)`.  Energy is conserved exactly by every
step (round-off only).

**Cold pressureless Euler–Poisson** (seed 002 §3.5.1, in one dimension, with background):

.. math::
    \partial_t\rho + \partial_x(\rho u) = 0,\qquad
    \partial_t u + u\,\partial_x u = E,\qquad \partial_x E = \rho - n_b .

In Lagrangian coordinates :math:`X(t,a) = a + \xi(t,a)` (:math:`a` the unperturbed position, so
:math:`\rho(t, X)\,\partial_aX = n_b`) the field on an element is again a counting function,
:math:`E(t, X(t,a)) = -n_b(\xi(t,a) - \bar\xi(t))` **as long as** :math:`\partial_aX > 0`, and
every element oscillates harmonically (:class:`ColdEulerPoisson`).  This is exact up to the first
time :math:`t_*` at which :math:`\partial_a X` vanishes somewhere (wave breaking, Dawson 1959);
then the sheets cross and the single-valued solution ends.

**Modulated energy** (seed 002 §3.5.2, Serfaty; :func:`modulated_energy`):

.. math::
    \mathcal{H}_N(t) = \frac{q}{2}\sum_j |v_j - u(t,x_j)|^2 + \frac12\int_0^L |E_N - E|^2\,dx,

and (Lecture 7, Theorem 7.4) along the sheet dynamics

.. math::
    \frac{d\mathcal{H}_N}{dt} = \frac12\int_0^L \partial_xu\,|E_N-E|^2\,dx
        - q\sum_j \partial_xu(t,x_j)\,|v_j-u(t,x_j)|^2   \tag{2}

(:func:`modulated_energy_terms`), whence :math:`\mathcal{H}_N(t) \le \mathcal{H}_N(0)
\exp(2\int_0^t\|\partial_xu\|_\infty)`.
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numba as nb
import numpy as np

from mfcourse import transport as _transport

__all__ = [
    "ColdEulerPoisson",
    "SheetModel",
    "SheetRun",
    "circle_w1",
    "field_energy",
    "modulated_energy",
    "modulated_energy_terms",
    "pair_force",
    "sheet_energy",
    "sheet_field",
    "sheet_field_at",
    "sort_sheets",
]

TWO_PI = 2.0 * math.pi


# ------------------------------------------------------------------------------ validation
def _positive_real(value, name: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a {what}, got {value!r}")
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a {what}, got {value!r}")
    return value


def _check_length(length) -> float:
    return _positive_real(length, "length", "positive finite number")


def _check_background(background) -> float:
    return _positive_real(background, "background", "positive finite density")


def _check_positions(x, name: str = "x") -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"{name} must be a 1D array of sheet positions, got shape {x.shape}")
    if x.size < 1:
        raise ValueError(f"need N >= 1 sheets, got {name} of size 0")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


def _charge(n: int, length: float, background: float, charge) -> float:
    """The sheet charge q; neutrality N q = n_b L is required on a periodic box."""
    neutral = background * length / n
    if charge is None:
        return neutral
    if isinstance(charge, bool) or not isinstance(charge, numbers.Real):
        raise ValueError(f"charge must be a positive number, got {charge!r}")
    charge = float(charge)
    if not (math.isfinite(charge) and charge > 0):
        raise ValueError(f"charge must be a positive finite number, got {charge!r}")
    if abs(charge * n - background * length) > 1e-12 * background * length:
        raise ValueError(
            f"the system is not neutral: N q = {n} x {charge:g} = {n * charge:g} but the "
            f"background carries n_b L = {background:g} x {length:g} = "
            f"{background * length:g}; on a periodic box Poisson's equation d_x E = rho - n_b "
            "has a periodic solution only if the two are equal"
        )
    return charge


def sort_sheets(x, v, length: float = TWO_PI):
    r"""Reduce positions to :math:`[0, L)` and sort them (with their velocities): the order the
    sheet integrator needs.  Returns ``(x_sorted, v_sorted)``."""
    length = _check_length(length)
    x = _check_positions(x)
    v = np.asarray(v, dtype=float)
    if v.shape != x.shape:
        raise ValueError(f"v must have the shape of x {x.shape}, got {v.shape}")
    x = np.mod(x, length)
    x[x >= length] = 0.0  # mod can round up to L
    order = np.argsort(x, kind="stable")
    return x[order], v[order]


# ------------------------------------------------------------------------------ the field
def pair_force(x, length: float = TWO_PI) -> np.ndarray:
    r"""The periodic pair field :math:`K(x) = \tfrac12\operatorname{sign}(x) - x/L` on
    :math:`(-L/2, L/2]` extended periodically, :math:`K(0) = 0`: the field at :math:`x` of a
    unit sheet at 0 with its share :math:`1/L` of the neutralising background
    (:math:`K' = \delta - 1/L`, mean zero).  :math:`K = -G'` for the periodic Green function
    :math:`G(x) = x^2/2L - |x|/2 + L/12`.  Bounded, discontinuous at 0: not Lipschitz."""
    length = _check_length(length)
    x = np.asarray(x, dtype=float)
    y = x - length * np.round(x / length)
    return 0.5 * np.sign(y) - y / length


def sheet_field(x, length: float = TWO_PI, background: float = 1.0) -> np.ndarray:
    r"""The field :math:`E_N(x_j)` on every sheet, by sorting: the counting formula (1) of the
    module docstring, :math:`O(N\log N)`.  Positions may be in any order and any period (they are
    reduced mod :math:`L`); equal positions share the average rank (each sees the other half
    above, half below).  The sheet charge is :math:`q = n_bL/N` (neutrality)."""
    length = _check_length(length)
    background = _check_background(background)
    x = _check_positions(x)
    n = x.size
    q = background * length / n
    y = np.mod(x, length)
    y[y >= length] = 0.0
    ys = np.sort(y)
    below = np.searchsorted(ys, y, side="left")
    equal = np.searchsorted(ys, y, side="right") - below - 1  # others at the same point
    rank = below + 0.5 * equal
    return q * (rank + 0.5) - background * (y - y.mean()) - 0.5 * background * length


def sheet_field_at(points, x, length: float = TWO_PI, background: float = 1.0, side="right"):
    r""":math:`E_N` at arbitrary ``points`` (not at sheets): the counting function
    :math:`q\,\#\{x_j < y\} - n_b(y - \bar x) - n_bL/2` for :math:`y\in[0,L)` (``side="right"``
    counts sheets :math:`\le y`, i.e. the right limit; ``"left"`` counts :math:`< y`)."""
    length = _check_length(length)
    background = _check_background(background)
    x = _check_positions(x)
    q = background * length / x.size
    xs = np.sort(np.mod(x, length))
    y = np.mod(np.asarray(points, dtype=float), length)
    count = np.searchsorted(xs, y, side=side)
    return q * count - background * (y - xs.mean()) - 0.5 * background * length


def field_energy(x, length: float = TWO_PI, background: float = 1.0) -> float:
    r""":math:`\frac12\int_0^L E_N^2\,dx`, exactly: :math:`E_N` is linear of slope :math:`-n_b`
    between consecutive sheets, so each gap contributes
    :math:`\frac{\ell}{6}(E_\ell^2 + E_\ell E_r + E_r^2)`."""
    length = _check_length(length)
    background = _check_background(background)
    x = _check_positions(x)
    xs = np.sort(np.mod(x, length))
    n = xs.size
    q = background * length / n
    # right limit just above sheet i (i+1 sheets at or below it): the gap up to the next one
    left = q * np.arange(1, n + 1) - background * (xs - xs.mean()) - 0.5 * background * length
    gaps = np.diff(np.concatenate([xs, [xs[0] + length]]))
    right = left - background * gaps
    return float(np.sum(gaps * (left * left + left * right + right * right)) / 6.0)


def sheet_energy(x, v, length: float = TWO_PI, background: float = 1.0) -> float:
    r"""Total energy :math:`\frac q2\sum_j v_j^2 + \frac12\int_0^L E_N^2\,dx` of the sheets,
    computed from the positions alone (independent of the integrator's representation)."""
    x = _check_positions(x)
    v = np.asarray(v, dtype=float)
    if v.shape != x.shape:
        raise ValueError(f"v must have the shape of x {x.shape}, got {v.shape}")
    q = _check_background(background) * _check_length(length) / x.size
    return 0.5 * q * float(np.sum(v * v)) + field_energy(x, length, background)


# ------------------------------------------------------------------------------ integrator
@dataclass
class SheetRun:
    r"""Output of :meth:`SheetModel.run`: positions (reduced to :math:`[0,L)`, in label order)
    and velocities at ``times``; ``crossings`` the cumulative number of crossings at each output
    time; ``first_crossing`` the time of the first crossing (``inf`` if none happened)."""

    times: np.ndarray
    x: np.ndarray
    v: np.ndarray
    crossings: np.ndarray
    first_crossing: float
    crossing_times: np.ndarray
    wall_time: float
    info: dict = field(default_factory=dict)


class SheetModel:
    r"""Exact event-driven integrator of the sheet model (module docstring).

    Parameters
    ----------
    x, v
        Initial positions and velocities of the :math:`N \ge 1` sheets.  The positions must be
        **sorted in cyclic order** within one period: :math:`x_0 \le x_1 \le \dots \le x_{N-1}
        \le x_0 + L` (label :math:`k` is then the :math:`k`-th sheet; before the first crossing
        labels follow the physical sheets, which is what a Lagrangian comparison needs).  Use
        :func:`sort_sheets` for unordered data.
    length
        Box length :math:`L`.
    background
        Background density :math:`n_b > 0`; plasma frequency :math:`\omega_p = \sqrt{n_b}`.
    charge
        Sheet charge :math:`q`; default :math:`n_bL/N`.  Anything else is a non-neutral system
        and raises ``ValueError``.
    """

    def __init__(self, x, v, length: float = TWO_PI, background: float = 1.0, charge=None):
        self.length = L = _check_length(length)
        self.background = _check_background(background)
        x = _check_positions(x)
        v = np.asarray(v, dtype=float)
        if v.shape != x.shape:
            raise ValueError(f"v must have the shape of x {x.shape}, got {v.shape}")
        if not np.all(np.isfinite(v)):
            raise ValueError("v contains NaN or infinite values")
        n = self.n = x.size
        self.q = _charge(n, L, self.background, charge)
        if n > 1 and (np.any(np.diff(x) < 0) or x[-1] > x[0] + L):
            bad = int(np.flatnonzero(np.diff(x) < 0)[0]) if np.any(np.diff(x) < 0) else n - 1
            raise ValueError(
                "x must be sorted in cyclic order, x[0] <= x[1] <= ... <= x[N-1] <= x[0] + L "
                f"(the integrator labels sheets by their order); x[{bad}] = {x[bad]:g} breaks "
                "it -- sort first with mfcourse.classical.sheets.sort_sheets"
            )
        self.omega = math.sqrt(self.background)
        self.h = L / n
        self.e = self.h * (np.arange(n) + 0.5) - 0.5 * L
        self.xbar0 = float(np.mean(x))
        self.p = float(np.mean(v))
        d0 = x - self.xbar0 - self.e
        # d_k(t) = A_k cos(w t) + B_k sin(w t); at t = 0: A = d, B = d'/w
        self.A = d0.copy()
        self.B = (v - self.p) / self.omega
        self.t = 0.0
        self.crossings = 0
        self.crossing_times: list[float] = []
        self._schedule_all()

    # ---------------------------------------------------------------- state
    def displacement(self, t: float):
        """``(d, d')`` of every label at time ``t`` (no event may lie in between)."""
        c, s = math.cos(self.omega * t), math.sin(self.omega * t)
        d = self.A * c + self.B * s
        dd = self.omega * (self.B * c - self.A * s)
        return d, dd

    def state(self, t: float | None = None, wrap: bool = True):
        """Positions and velocities at ``t`` (default: the current time) in label order;
        ``wrap`` reduces positions to [0, L)."""
        t = self.t if t is None else float(t)
        last = self.crossing_times[-1] if self.crossing_times else 0.0
        upcoming = float(self._key[self._heap[0]]) if self.n > 1 else math.inf
        if not (last - 1e-12 <= t <= upcoming):
            raise ValueError(
                f"state(t={t:g}) is exact only between the last processed crossing ({last:g}) "
                f"and the next one ({upcoming:g}): call advance(t) first"
            )
        d, dd = self.displacement(t)
        x = self.xbar0 + self.p * t + self.e + d
        if wrap:
            x = np.mod(x, self.length)
            x[x >= self.length] = 0.0
        return x, self.p + dd

    def energy(self, t: float | None = None) -> float:
        """Total energy at ``t`` from the positions (:func:`sheet_energy`)."""
        x, v = self.state(t)
        return sheet_energy(x, v, self.length, self.background)

    # ---------------------------------------------------------------- events
    def _schedule_all(self):
        n = self.n
        self._key = np.full(n, np.inf)
        if n >= 2:
            k = np.arange(n)
            j = (k + 1) % n
            self._key[:] = _next_times_vec(
                self.A[j] - self.A[k], self.B[j] - self.B[k], self.h, self.omega, self.t
            )
        self._heap = np.argsort(self._key, kind="stable").astype(np.int64)  # a sorted array
        self._pos = np.empty(n, dtype=np.int64)  # is a valid binary min-heap
        self._pos[self._heap] = np.arange(n)

    def advance(self, t_end: float, max_crossings: int | None = None) -> float:
        r"""Process every crossing up to ``t_end`` (or stop after ``max_crossings`` more);
        returns the time reached (``t_end``, or the last crossing if the budget ran out)."""
        t_end = float(t_end)
        if not math.isfinite(t_end) or t_end < self.t:
            raise ValueError(f"t_end must be finite and >= the current time {self.t}, got {t_end}")
        budget = -1 if max_crossings is None else int(max_crossings)
        if self.n < 2:
            self.t = t_end
            return self.t
        while True:
            buf = np.empty(1 << 16)
            cap = buf.size if budget < 0 else min(buf.size, budget)
            done, t_last = _advance_kernel(
                self.A,
                self.B,
                self._key,
                self._heap,
                self._pos,
                self.h,
                self.omega,
                t_end,
                cap,
                buf,
            )
            self.crossings += done
            self.crossing_times.extend(buf[:done].tolist())
            if budget >= 0:
                budget -= done
            if done < cap:  # reached t_end
                self.t = t_end
                return self.t
            if budget == 0:
                self.t = t_last
                return self.t

    def run(self, times, *, progress=None) -> SheetRun:
        """Advance through the non-decreasing ``times`` (>= current time) and record the state
        at each; ``progress=True`` prints a line every 2 s."""
        times = np.atleast_1d(np.asarray(times, dtype=float))
        if times.ndim != 1 or times.size == 0 or not np.all(np.isfinite(times)):
            raise ValueError("times must be a non-empty 1D array of finite times")
        if times[0] < self.t or np.any(np.diff(times) < 0):
            raise ValueError(f"times must be non-decreasing and >= the current time {self.t}")
        n = self.n
        if times.size * n > 5e7:
            raise ValueError(
                f"storing {times.size} snapshots of {n} sheets needs "
                f"{2 * 8 * times.size * n / 1e9:.1f} GB; ask for fewer times"
            )
        if progress is True:
            from mfcourse.course.progress import time_printer

            progress = time_printer("sheets")
        xs = np.empty((times.size, n))
        vs = np.empty((times.size, n))
        cr = np.empty(times.size, dtype=np.int64)
        t_start = time.perf_counter()
        for i, ti in enumerate(times):
            self.advance(ti)
            xs[i], vs[i] = self.state(ti)
            cr[i] = self.crossings
            if progress:
                progress(float(ti), float(times[-1]))
        ct = np.asarray(self.crossing_times)
        return SheetRun(
            times=times,
            x=xs,
            v=vs,
            crossings=cr,
            first_crossing=float(ct[0]) if ct.size else math.inf,
            crossing_times=ct,
            wall_time=time.perf_counter() - t_start,
        )


# ------------------------------------------------------------------------------ event kernels
def _next_times_vec(da, db, h, w, t0):
    r"""Next closing time > t0 of gaps :math:`h + R\cos(w t - \varphi)`, vectorised."""
    R = np.hypot(da, db)
    phi = np.arctan2(db, da)
    out = np.full(R.shape, np.inf)
    ok = R > h
    target = phi[ok] + np.arccos(-h / R[ok])
    w0 = w * t0
    tn = target + TWO_PI * np.ceil((w0 - target) / TWO_PI)
    out[ok] = np.maximum(tn, w0) / w
    return out


@nb.njit(cache=True)
def _next_time(da, db, h, w, t0):
    # the downward zero of h + R cos(w t - phi): w t = phi + alpha (mod 2 pi)
    R = math.hypot(da, db)
    if R <= h:
        return math.inf
    target = math.atan2(db, da) + math.acos(-h / R)
    w0 = w * t0
    tn = target + 2 * math.pi * math.ceil((w0 - target) / (2 * math.pi))
    if tn < w0:  # a root a rounding error before t0 is "now"
        tn = w0
    return tn / w


@nb.njit(cache=True)
def _sift(heap, pos, key, i):
    n = heap.size
    # up
    while i > 0:
        p = (i - 1) >> 1
        if key[heap[i]] < key[heap[p]]:
            a, b = heap[i], heap[p]
            heap[i], heap[p] = b, a
            pos[b], pos[a] = i, p
            i = p
        else:
            break
    # down
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and key[heap[c + 1]] < key[heap[c]]:
            c += 1
        if key[heap[c]] < key[heap[i]]:
            a, b = heap[i], heap[c]
            heap[i], heap[c] = b, a
            pos[b], pos[a] = i, c
            i = c
        else:
            break


@nb.njit(cache=True)
def _advance_kernel(A, B, key, heap, pos, h, w, t_end, cap, out):
    r"""Process crossings in time order up to ``t_end`` (at most ``cap``), an indexed binary
    heap holding the next closing time of each of the N cyclic gaps."""
    n = A.size
    done = 0
    t_last = 0.0
    while done < cap:
        k = heap[0]
        tau = key[k]
        if tau > t_end:
            break
        j = (k + 1) % n
        c, s = math.cos(w * tau), math.sin(w * tau)
        dk = A[k] * c + B[k] * s
        dj = A[j] * c + B[j] * s
        vk = B[k] * c - A[k] * s  # velocities / w
        vj = B[j] * c - A[j] * s
        A[k], B[k] = dk * c - vj * s, dk * s + vj * c
        A[j], B[j] = dj * c - vk * s, dj * s + vk * c
        out[done] = tau
        done += 1
        t_last = tau
        # the same gap reopened at its upward root -alpha; it closes again at +alpha
        R = math.hypot(A[j] - A[k], B[j] - B[k])
        if R > h:
            key[k] = tau + 2 * math.acos(-h / R) / w
        else:
            key[k] = math.inf
        _sift(heap, pos, key, pos[k])
        for m in ((k - 1) % n, j):
            if m == k:
                continue
            m1 = (m + 1) % n
            key[m] = _next_time(A[m1] - A[m], B[m1] - B[m], h, w, tau)
            _sift(heap, pos, key, pos[m])
    return done, t_last


# ------------------------------------------------------------------------------ Euler–Poisson
class ColdEulerPoisson:
    r"""Cold (monokinetic) pressureless Euler–Poisson on :math:`\mathbb{T}_L` with background
    :math:`n_b`, solved exactly in Lagrangian coordinates up to the first crossing.

    The initial data are given by a displacement :math:`\xi_0(a)` and a velocity :math:`u_0(a)`
    of the element whose unperturbed position is :math:`a\in[0,L)` (so
    :math:`\rho_0(X_0(a))\,X_0'(a) = n_b` with :math:`X_0 = a + \xi_0`), as callables together
    with their derivatives.  With :math:`\omega = \sqrt{n_b}` and bars for means over :math:`a`,

    .. math::
        X(t,a) = a + \bar\xi_0 + P t + (\xi_0(a)-\bar\xi_0)\cos\omega t
                 + \frac{u_0(a) - P}{\omega}\sin\omega t ,\qquad P = \bar u_0,

    is the solution while :math:`\partial_aX > 0` (it then gives :math:`\rho, u` by
    :math:`\rho(t,X)\partial_aX = n_b`, :math:`u(t,X(t,a)) = \partial_tX(t,a)`); the first
    zero of :math:`\partial_aX` is the breaking time :math:`t_*` (:meth:`breaking_time`).
    Means are taken by the midpoint rule on ``n_mean`` points (exact for trigonometric
    polynomials of degree < ``n_mean``).
    """

    def __init__(
        self,
        xi0: Callable,
        dxi0: Callable,
        u0: Callable,
        du0: Callable,
        length: float = TWO_PI,
        background: float = 1.0,
        n_mean: int = 4096,
    ):
        self.length = _check_length(length)
        self.background = _check_background(background)
        self.omega = math.sqrt(self.background)
        self.xi0, self.dxi0, self.u0, self.du0 = xi0, dxi0, u0, du0
        a = self.length * (np.arange(n_mean) + 0.5) / n_mean
        self.xibar = float(np.mean(xi0(a)))
        self.p = float(np.mean(u0(a)))
        jac0 = 1 + dxi0(a)
        if np.any(jac0 <= 0):
            raise ValueError(
                f"the initial Lagrangian map a -> a + xi0(a) is not increasing "
                f"(min of 1 + xi0' = {jac0.min():.3g} <= 0): the data are already multi-streamed"
            )

    @classmethod
    def standing_wave(cls, amplitude: float, mode: int = 1, length: float = TWO_PI, **kw):
        r"""The cold standing wave launched from the uniform state: :math:`\xi_0 = 0`,
        :math:`u_0(a) = \omega D\sin(ka)`, :math:`k = 2\pi m/L`, so that
        :math:`\xi(t,a) = D\sin(ka)\sin\omega t`.  It breaks iff :math:`kD > 1`, at
        :math:`\omega t_* = \arcsin(1/kD)` (Dawson 1959)."""
        if not (isinstance(amplitude, numbers.Real) and math.isfinite(amplitude)):
            raise ValueError(f"amplitude must be a finite number, got {amplitude!r}")
        if isinstance(mode, bool) or not isinstance(mode, numbers.Integral) or mode < 1:
            raise ValueError(f"mode must be an integer >= 1, got {mode!r}")
        length = _check_length(length)
        k = TWO_PI * mode / length
        w = math.sqrt(_check_background(kw.get("background", 1.0)))
        D = float(amplitude)
        obj = cls(
            lambda a: 0.0 * a,
            lambda a: 0.0 * a,
            lambda a: w * D * np.sin(k * a),
            lambda a: w * D * k * np.cos(k * a),
            length=length,
            **kw,
        )
        obj.k, obj.amplitude = k, D
        return obj

    # ---------------------------------------------------------------- Lagrangian
    def X(self, t, a):
        """Lagrangian position (unwrapped) of element ``a`` at time ``t``."""
        c, s = np.cos(self.omega * t), np.sin(self.omega * t)
        return (
            a
            + self.xibar
            + self.p * t
            + (self.xi0(a) - self.xibar) * c
            + (self.u0(a) - self.p) * s / self.omega
        )

    def V(self, t, a):
        """Lagrangian velocity of element ``a``."""
        c, s = np.cos(self.omega * t), np.sin(self.omega * t)
        return self.p - self.omega * (self.xi0(a) - self.xibar) * s + (self.u0(a) - self.p) * c

    def jacobian(self, t, a):
        r""":math:`\partial_aX(t,a)`."""
        c, s = np.cos(self.omega * t), np.sin(self.omega * t)
        return 1 + self.dxi0(a) * c + self.du0(a) * s / self.omega

    def dV(self, t, a):
        r""":math:`\partial_aV(t,a)`."""
        c, s = np.cos(self.omega * t), np.sin(self.omega * t)
        return -self.omega * self.dxi0(a) * s + self.du0(a) * c

    def field(self, t, a):
        r""":math:`E(t, X(t,a)) = -n_b(\xi - \bar\xi)` (valid before breaking)."""
        c, s = np.cos(self.omega * t), np.sin(self.omega * t)
        return -self.background * (
            (self.xi0(a) - self.xibar) * c + (self.u0(a) - self.p) * s / self.omega
        )

    def _check_before_breaking(self, t) -> None:
        if not hasattr(self, "_t_star"):
            self._t_star = self.breaking_time()
        if np.max(np.asarray(t, dtype=float)) >= self._t_star:
            raise ValueError(
                f"t = {np.max(t):g} is not before the breaking time t* = {self._t_star:.6g}: "
                "the Eulerian fields are multi-valued there (no classical solution)"
            )

    def breaking_time(self, n: int = 1 << 16) -> float:
        r"""First :math:`t \ge 0` with :math:`\min_a \partial_aX(t,a) = 0`, from the closed form
        :math:`\partial_aX = 1 + R(a)\cos(\omega t - \psi(a))` on ``n`` points (``inf`` if
        :math:`R < 1` everywhere: no breaking ever)."""
        a = self.length * (np.arange(n) + 0.5) / n
        p, qq = self.dxi0(a), self.du0(a) / self.omega
        R = np.hypot(p, qq)
        psi = np.arctan2(qq, p)
        ok = R >= 1
        if not np.any(ok):
            return math.inf
        target = psi[ok] + np.arccos(-1 / R[ok])
        tn = np.mod(target, TWO_PI)
        return float(tn.min() / self.omega)

    def grad_u_sup(self, t, n: int = 1 << 14) -> float:
        r""":math:`\|\partial_xu(t)\|_\infty = \max_a |\partial_aV/\partial_aX|` (before
        breaking)."""
        self._check_before_breaking(t)
        a = self.length * (np.arange(n) + 0.5) / n
        return float(np.max(np.abs(self.dV(t, a) / self.jacobian(t, a))))

    # ---------------------------------------------------------------- Eulerian
    def label_of(self, t: float, x, iters: int = 50):
        r"""The label :math:`a` with :math:`X(t,a) \equiv x \pmod L` (Newton's method on the
        monotone map; valid before breaking).  Returns ``a`` with :math:`X(t,a) - x` an integer
        multiple of :math:`L` removed, i.e. the unwrapped preimage."""
        self._check_before_breaking(t)
        L = self.length
        x = np.asarray(x, dtype=float)
        shift = self.xibar + self.p * t
        a = np.mod(x - shift, L)
        for _ in range(iters):
            r = self.X(t, a) - x
            r = r - L * np.round(r / L)
            step = r / self.jacobian(t, a)
            a = a - step
            if np.max(np.abs(step)) < 1e-14 * L:
                break
        return a

    def eulerian(self, t: float, x):
        r"""``(rho, u, u_x, E)`` at the points ``x`` at time ``t`` (before breaking)."""
        a = self.label_of(t, x)
        jac = self.jacobian(t, a)
        return (
            self.background / jac,
            self.V(t, a),
            self.dV(t, a) / jac,
            self.field(t, a),
        )

    def sample(self, t: float, n: int, offsets=None):
        r"""Sheets on the Lagrangian solution: labels :math:`a_j = h(j + \tfrac12)` (or
        :math:`h(j + o_j)` for ``offsets`` :math:`o_j\in[0,1)`), positions :math:`X(t, a_j)`
        (unwrapped, in label order) and velocities :math:`V(t, a_j)`."""
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"need N >= 1 sheets, got n = {n!r}")
        h = self.length / n
        o = 0.5 if offsets is None else np.asarray(offsets, dtype=float)
        a = h * (np.arange(n) + o)
        return self.X(t, a), self.V(t, a)


# ------------------------------------------------------------------------------ modulated energy
_GAUSS_NODES, _GAUSS_WEIGHTS = np.polynomial.legendre.leggauss(6)


def _cells(x, length):
    """Sorted positions in [0, L) and the gaps to the next one (cyclically)."""
    xs = np.sort(np.mod(x, length))
    gaps = np.diff(np.concatenate([xs, [xs[0] + length]]))
    return xs, gaps


def _field_difference_nodes(x, ep: ColdEulerPoisson, t: float):
    """Gauss nodes inside every gap between sheets, their weights and E_N - E there."""
    L, nb = ep.length, ep.background
    xs, gaps = _cells(x, L)
    n = xs.size
    q = nb * L / n
    half = 0.5 * gaps[:, None]
    nodes = xs[:, None] + half * (1 + _GAUSS_NODES[None, :])
    weights = half * _GAUSS_WEIGHTS[None, :]
    y = nodes.ravel()
    # E_N at a point inside gap i (after sheet i): i+1 sheets at or below it in [0, L)
    counts = np.repeat(np.arange(1, n + 1), _GAUSS_NODES.size)
    yy = np.where(y >= L, y - L, y)
    counts = np.where(y >= L, counts - n, counts)
    en = q * counts - nb * (yy - xs.mean()) - 0.5 * nb * L
    rho, u, ux, E = ep.eulerian(t, yy)
    return weights.ravel(), en - E, ux


def modulated_energy(x, v, ep: ColdEulerPoisson, t: float):
    r"""Serfaty's modulated energy of sheets ``(x, v)`` with respect to the cold Euler–Poisson
    solution ``ep`` at time ``t`` (before breaking):

    .. math::
        \mathcal{H}_N = \underbrace{\frac q2\sum_j |v_j - u(t,x_j)|^2}_{\text{kinetic}}
            + \underbrace{\frac12\int_0^L|E_N - E|^2\,dx}_{\text{potential}} .

    In one dimension the self-energy of a sheet is finite, so the diagonal is kept and the
    potential part is :math:`\ge 0` (Serfaty's renormalised version, which removes the diagonal,
    differs by the constant :math:`q^2 N\,G(0)/2 = n_b^2L^3/24N`).  The integral is computed
    gap by gap with 6-point Gauss–Legendre quadrature (:math:`E_N` is linear in each gap,
    :math:`E` smooth).  Returns ``(kinetic, potential)``."""
    x = _check_positions(x)
    v = np.asarray(v, dtype=float)
    if v.shape != x.shape:
        raise ValueError(f"v must have the shape of x {x.shape}, got {v.shape}")
    q = ep.background * ep.length / x.size
    _, u, _, _ = ep.eulerian(t, x)
    kin = 0.5 * q * float(np.sum((v - u) ** 2))
    w, diff, _ = _field_difference_nodes(x, ep, t)
    pot = 0.5 * float(np.sum(w * diff * diff))
    return kin, pot


def modulated_energy_terms(x, v, ep: ColdEulerPoisson, t: float) -> dict:
    r"""The two terms of the exact identity (2) of the module docstring,
    :math:`\frac12\int\partial_xu\,|E_N-E|^2` and :math:`-q\sum_j\partial_xu(x_j)|v_j-u(x_j)|^2`,
    their sum ``rate`` (:math:`d\mathcal{H}_N/dt`), and the Gronwall right-hand side
    ``bound`` :math:`= 2\|\partial_xu\|_\infty\mathcal{H}_N`."""
    x = _check_positions(x)
    v = np.asarray(v, dtype=float)
    q = ep.background * ep.length / x.size
    _, u, ux, _ = ep.eulerian(t, x)
    w, diff, ux_nodes = _field_difference_nodes(x, ep, t)
    pot_term = 0.5 * float(np.sum(w * ux_nodes * diff * diff))
    kin_term = -q * float(np.sum(ux * (v - u) ** 2))
    kin = 0.5 * q * float(np.sum((v - u) ** 2))
    pot = 0.5 * float(np.sum(w * diff * diff))
    g = ep.grad_u_sup(t)
    return {
        "potential_term": pot_term,
        "kinetic_term": kin_term,
        "rate": pot_term + kin_term,
        "energy": kin + pot,
        "grad_u": g,
        "bound": 2 * g * (kin + pot),
    }


# ------------------------------------------------------------------------------ distances
# W_1 on the circle lives with the course's other optimal-transport code (one concept, one
# place); re-exported here, where lecture 7 first needs it.
circle_w1 = _transport.circle_w1
