r"""Linear dispersion relations of homogeneous Vlasov states, and HMF equilibria.

A spatially homogeneous state :math:`f^0(x,p) = g(p)/|\mathbb T_L|` is a stationary solution of
every Vlasov equation of the course (seed 002 §1.3).  Linearising around it, a perturbation
:math:`\propto e^{i(kx-\omega t)}` exists iff :math:`D(\omega) = 0`, with (Landau's prescription:
the integral is taken for :math:`\operatorname{Im}\omega > 0` and continued analytically):

* **Vlasov–Poisson** (electrons, neutralising background, :math:`\partial_x E = \rho - 1`,
  :math:`\int g = 1`):

  .. math:: \varepsilon(\omega,k) = 1 - \frac1{k^2}\int_{\mathbb R}\frac{g'(v)}{v - \omega/k}\,dv,

  for a Maxwellian :math:`\varepsilon = 1 + k^{-2}\,(1 + \zeta Z(\zeta))`,
  :math:`\zeta = \omega/(k\sqrt2)`, with the plasma dispersion function
  :math:`Z(\zeta) = i\sqrt\pi\,w(\zeta)` (Faddeeva :math:`w`, ``scipy.special.wofz``).
  At :math:`k = 0.5`: :math:`\omega = 1.4157 - 0.1534\,i` (linear Landau damping).

* **Vlasov with a cosine interaction** :math:`V = \sum_k v_k\cos(kx)` on
  :math:`\mathbb T = \mathbb R/2\pi\mathbb Z`, :math:`f^0 = g(p)/(2\pi)`, mean-field force
  :math:`-\partial_x(V\star\rho)`: the mode :math:`k` obeys

  .. math:: D_k(\omega) = 1 - \frac{v_k}{2}\int_{\mathbb R}\frac{g'(p)}{p - \omega/k}\,dp = 0 .

  For the HMF model (:math:`v_1 = -1`) this is :math:`1 + \pi\int f_0'(p)/(p-\omega)\,dp` with
  :math:`f_0 = g/2\pi` normalised on :math:`[0,2\pi)\times\mathbb R`; at :math:`\omega = 0` it
  gives the stability criterion :math:`1 + \pi\int f_0'(p)/p\,dp > 0` (even, single-humped
  :math:`f_0`), e.g. a Gaussian of temperature :math:`T` is stable iff :math:`T > 1/2`, the
  waterbag :math:`|p|\le p_0` iff :math:`p_0^2 > 1/2`, where then the growth rate is exactly
  :math:`\gamma = \sqrt{1/2 - p_0^2}`.

HMF canonical equilibrium (Antoni & Ruffo 1995): :math:`M = I_1(\beta M)/I_0(\beta M)` and
:math:`U = 1/(2\beta) + (1 - M^2)/2`, with a second-order transition at :math:`\beta_c = 2`,
:math:`U_c = 3/4`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

import numpy as np
from scipy.optimize import brentq
from scipy.special import i0e, i1e, wofz

from mfcourse._validate import finite_array

__all__ = [
    "MaxwellianMixture",
    "NumericalProfile",
    "WaterbagProfile",
    "find_root",
    "hmf_beta",
    "hmf_dispersion",
    "hmf_energy",
    "hmf_equilibrium_magnetisation",
    "hmf_growth_rate",
    "hmf_magnetisation",
    "hmf_stability",
    "landau_root",
    "plasma_Z",
    "two_stream_dispersion_integral",
    "vlasov_poisson_dispersion",
    "vp_root",
]

SQRT_PI = math.sqrt(math.pi)


def plasma_Z(zeta):
    r"""Plasma dispersion function :math:`Z(\zeta) = i\sqrt\pi\,w(\zeta)` (Fried & Conte),
    analytic in the whole plane (Landau continuation built in)."""
    with np.errstate(over="ignore", invalid="ignore"):
        Z = 1j * SQRT_PI * wofz(finite_array(zeta, "zeta", dtype=complex))
    if not np.all(np.isfinite(Z)):
        raise ValueError(
            "zeta is too far below the real axis: Z(zeta) ~ 2i sqrt(pi) exp(-zeta^2) overflows "
            "(need roughly Im zeta > -26)"
        )
    return Z


def _real(name, val, positive=False):
    if isinstance(val, bool) or not isinstance(val, numbers.Real) or not math.isfinite(val):
        raise ValueError(f"{name} must be a finite real number, got {val!r}")
    if positive and val <= 0:
        raise ValueError(f"{name} must be > 0, got {val}")
    return float(val)


class MaxwellianMixture:
    r"""Velocity profile :math:`g(p) = \sum_i w_i\,(2\pi T_i)^{-1/2}e^{-(p-u_i)^2/(2T_i)}`
    (weights :math:`w_i > 0` summing to one).  One component: a Maxwellian; two symmetric
    drifting ones: the two-stream profile."""

    def __init__(
        self,
        temperatures: Sequence[float] | float = 1.0,
        drifts: Sequence[float] | float = 0.0,
        weights: Sequence[float] | None = None,
    ):
        T = np.atleast_1d(np.asarray(temperatures, dtype=float))
        u = np.atleast_1d(np.asarray(drifts, dtype=float))
        T, u = np.broadcast_arrays(T, u)
        w = np.full(T.shape, 1.0 / T.size) if weights is None else np.asarray(weights, float)
        if T.ndim != 1 or w.shape != T.shape:
            raise ValueError("temperatures, drifts and weights must be 1D of the same length")
        if not (np.all(np.isfinite(T)) and np.all(np.isfinite(u)) and np.all(np.isfinite(w))):
            raise ValueError("temperatures, drifts and weights must be finite")
        if np.any(T <= 0):
            raise ValueError(f"temperatures must be > 0, got {T.tolist()}")
        if np.any(w <= 0) or abs(w.sum() - 1) > 1e-12:
            raise ValueError(f"weights must be > 0 and sum to 1, got {w.tolist()}")
        self.T, self.u, self.w = T.copy(), u.copy(), w.copy()

    def pdf(self, p):
        p = np.asarray(p, dtype=float)[..., None]
        return np.sum(
            self.w * np.exp(-((p - self.u) ** 2) / (2 * self.T)) / np.sqrt(2 * np.pi * self.T), -1
        )

    @property
    def temperature(self) -> float:
        """Second moment about the mean, :math:`\\int (p - \\bar p)^2 g`."""
        mean = float(np.sum(self.w * self.u))
        return float(np.sum(self.w * (self.T + (self.u - mean) ** 2)))

    @property
    def kinetic_energy(self) -> float:
        return 0.5 * float(np.sum(self.w * (self.T + self.u**2)))

    def dispersion_integral(self, c):
        r""":math:`\int g'(p)/(p - c)\,dp` (Landau continuation):
        :math:`-\sum_i \frac{w_i}{T_i}\,[1 + \zeta_i Z(\zeta_i)]`,
        :math:`\zeta_i = (c - u_i)/\sqrt{2T_i}`."""
        c = np.asarray(c, dtype=complex)[..., None]
        zeta = (c - self.u) / np.sqrt(2 * self.T)
        return -np.sum(self.w / self.T * (1 + zeta * plasma_Z(zeta)), -1)


class WaterbagProfile:
    r"""Velocity profile :math:`g(p) = \mathbf 1_{|p|\le p_0}/(2p_0)`;
    :math:`\int g'(p)/(p-c)\,dp = -1/(p_0^2 - c^2)` (entire in :math:`c` away from
    :math:`\pm p_0`, no continuation needed)."""

    def __init__(self, p0: float):
        self.p0 = _real("p0", p0, positive=True)

    def pdf(self, p):
        p = np.asarray(p, dtype=float)
        return np.where(np.abs(p) <= self.p0, 0.5 / self.p0, 0.0)

    @property
    def temperature(self) -> float:
        return self.p0**2 / 3

    @property
    def kinetic_energy(self) -> float:
        return self.p0**2 / 6

    def dispersion_integral(self, c):
        c = np.asarray(c, dtype=complex)
        return -1.0 / (self.p0**2 - c**2)


class NumericalProfile:
    r"""A general velocity profile :math:`g(p)` given numerically -- a callable or samples on a
    uniform grid -- with the Landau-continued dispersion integral.

    :math:`g` is represented as a sum of narrow Gaussians on a uniform grid of centres,

    .. math:: g(p) \approx \sum_j a_j\,\frac{e^{-(p-u_j)^2/(2s^2)}}{\sqrt{2\pi s^2}},

    the coefficients :math:`a_j` (of any sign) fitted by least squares on a fine grid; every
    Gaussian has the explicit continued integral of :class:`MaxwellianMixture`, so

    .. math:: \int_{\mathbb R}\frac{g'(p)}{p-c}\,dp
        = -\sum_j\frac{a_j}{s^2}\big[1 + \zeta_j Z(\zeta_j)\big],\qquad
        \zeta_j = \frac{c-u_j}{\sqrt2\,s},

    which is entire in :math:`c` and equals the integral for :math:`\operatorname{Im}c > 0`
    (Landau's prescription, the Plemelj residue :math:`2\pi i\,g'(c)` being built into
    :math:`Z`).  A smooth :math:`g` is a Gaussian-smoothed version of itself up to a
    spectrally small error, so the fit is accurate to ~1e-10 for smooth profiles; the continuation
    amplifies the fit error by about :math:`e^{(\operatorname{Im}c)^2/(2s^2)}` below the real
    axis, so roots with :math:`|\operatorname{Im} c| \lesssim 3s` are reliable (``width`` =
    :math:`s`, default 0.25).  ``fit_error`` is the maximal fit residual relative to
    :math:`\max g`; a fit worse than ``tol`` is refused.

    Parameters: ``g`` a callable :math:`g(p)` (vectorised) or an array of values on ``p`` (a
    uniform increasing grid); ``v_max`` the half-width of the support window (``g`` must be
    below ``1e-10 max g`` there).  ``g`` must be finite, non-negative and of mass one.
    """

    def __init__(self, g, p=None, *, v_max: float = 10.0, width: float = 0.25, tol: float = 1e-7):
        v_max = _real("v_max", v_max, positive=True)
        s = _real("width", width, positive=True)
        tol = _real("tol", tol, positive=True)
        if callable(g):
            if p is not None:
                raise ValueError("pass either a callable g or samples g on a grid p, not both")
            grid = np.linspace(-v_max, v_max, int(np.ceil(16 * v_max / s)) + 1)
            vals = np.asarray(g(grid), dtype=float)
            if vals.shape != grid.shape:
                raise ValueError(f"g(p) must return an array of shape {grid.shape}")
        else:
            if p is None:
                raise ValueError("samples g need their grid p")
            grid = np.asarray(p, dtype=float)
            vals = np.asarray(g, dtype=float)
            if grid.ndim != 1 or grid.shape != vals.shape or grid.size < 16:
                raise ValueError("p and g must be 1D arrays of the same length >= 16")
            if not np.all(np.isfinite(grid)):
                raise ValueError("p must be finite")
            h = np.diff(grid)
            if np.any(h <= 0) or np.ptp(h) > 1e-8 * h.mean():
                raise ValueError("p must be a uniform increasing grid")
            if h.mean() > s / 2:
                raise ValueError(f"the grid p is too coarse (spacing {h.mean():.3g}) for width {s}")
            v_max = max(abs(grid[0]), abs(grid[-1]))
        if not np.all(np.isfinite(vals)):
            raise ValueError("g must be finite (no NaN or inf values)")
        if np.any(vals < -1e-12 * max(vals.max(), 1e-300)):
            raise ValueError("g must be non-negative")
        gmax = float(vals.max())
        if not gmax > 0:
            raise ValueError("g vanishes identically")
        if max(vals[0], vals[-1]) > 1e-10 * gmax:
            raise ValueError(
                f"g is not negligible at the window edges |p| = {v_max:g} (g/max g = "
                f"{max(vals[0], vals[-1]) / gmax:.2g}): increase v_max"
            )
        dp_ = grid[1] - grid[0]
        mass = float(np.sum(vals) * dp_)
        if abs(mass - 1) > 1e-6:
            raise ValueError(f"g must be a probability density (integral 1), got {mass:.8g}")
        centres = np.arange(grid[0] + s, grid[-1] - s + 1e-12, s / 2)
        A = np.exp(-((grid[:, None] - centres) ** 2) / (2 * s * s)) / math.sqrt(2 * math.pi * s * s)
        coef, *_ = np.linalg.lstsq(A, vals, rcond=1e-13)
        self.fit_error = float(np.max(np.abs(A @ coef - vals)) / gmax)
        if self.fit_error > tol:
            raise ValueError(
                f"the Gaussian representation of g misses it by {self.fit_error:.2g} (relative; "
                f"tol {tol:g}): g is not smooth on the scale width = {s}; decrease width"
            )
        self.u, self.a, self.s = centres, coef, s
        self._grid, self._vals = grid, vals

    def pdf(self, p):
        p = np.asarray(p, dtype=float)[..., None]
        s = self.s
        return np.sum(
            self.a * np.exp(-((p - self.u) ** 2) / (2 * s * s)) / math.sqrt(2 * math.pi * s * s), -1
        )

    @property
    def temperature(self) -> float:
        mean = float(np.sum(self._grid * self._vals) / np.sum(self._vals))
        return float(np.sum((self._grid - mean) ** 2 * self._vals) / np.sum(self._vals))

    @property
    def kinetic_energy(self) -> float:
        return 0.5 * float(np.sum(self._grid**2 * self._vals) / np.sum(self._vals))

    def dispersion_integral(self, c):
        r""":math:`\int g'(p)/(p-c)\,dp` continued analytically (see the class docstring)."""
        c = np.asarray(c, dtype=complex)[..., None]
        zeta = (c - self.u) / (math.sqrt(2) * self.s)
        return -np.sum(self.a / self.s**2 * (1 + zeta * plasma_Z(zeta)), -1)


def two_stream_dispersion_integral(c):
    r"""Closed form of :math:`\int g'(v)/(v-c)\,dv` (Landau continuation) for the two-stream
    profile :math:`g(v) = v^2e^{-v^2/2}/\sqrt{2\pi}`: with :math:`J(c) = \int g/(v-c)\,dv
    = c + c^2 Z(\zeta)/\sqrt2`, :math:`\zeta = c/\sqrt2` (write :math:`v^2 = (v^2-c^2) + c^2`),
    the integral is :math:`J'(c) = 1 + \sqrt2\,cZ(\zeta) - c^2(1+\zeta Z(\zeta))`, using
    :math:`Z' = -2(1+\zeta Z)`.  An independent reference for :class:`NumericalProfile`."""
    c = np.asarray(c, dtype=complex)
    zeta = c / math.sqrt(2)
    Z = plasma_Z(zeta)
    return 1 + math.sqrt(2) * c * Z - c**2 * (1 + zeta * Z)


def _check_profile(profile):
    if not hasattr(profile, "dispersion_integral"):
        raise ValueError(
            "profile must be a MaxwellianMixture, WaterbagProfile or NumericalProfile, got "
            f"{type(profile).__name__}"
        )
    return profile


# ---------------------------------------------------------------------------------- roots
def find_root(D: Callable, guess: complex, *, tol: float = 1e-13, max_iter: int = 100) -> complex:
    r"""Complex root of an analytic function by Newton's method (derivative by a centred
    difference), with step halving when :math:`|D|` does not decrease.  Raises ``ValueError``
    if it does not converge (the result always satisfies :math:`|D(\omega)| < 10^{-10}`)."""
    w = complex(guess)
    f = complex(D(w))
    for _ in range(max_iter):
        h = 1e-6 * (1 + abs(w))
        df = (complex(D(w + h)) - complex(D(w - h))) / (2 * h)
        if df == 0:
            break
        step = f / df
        lam = 1.0
        while lam > 1e-4:
            w_new = w - lam * step
            f_new = complex(D(w_new))
            if abs(f_new) < abs(f) or abs(f) < 1e-14:
                break
            lam *= 0.5
        w, f = w_new, f_new
        if abs(lam * step) < tol * (1 + abs(w)):
            break
    if not abs(f) < 1e-10:
        raise ValueError(
            f"no root found from guess {guess}: stopped at {w} with |D| = {abs(f):.3g}"
        )
    return w


def vlasov_poisson_dispersion(omega, k: float, profile=None):
    r""":math:`\varepsilon(\omega,k) = 1 - k^{-2}\int g'(v)/(v - \omega/k)\,dv` (default
    :math:`g` the unit Maxwellian, giving :math:`1 + k^{-2}(1 + \zeta Z(\zeta))`)."""
    k = _real("k", k, positive=True)
    profile = MaxwellianMixture() if profile is None else _check_profile(profile)
    return 1 - profile.dispersion_integral(np.asarray(omega, complex) / k) / k**2


def vp_root(k: float, profile=None, guess: complex | None = None) -> complex:
    r"""A root :math:`\omega` of the Vlasov–Poisson dispersion relation; the default guess
    is the Bohm–Gross frequency :math:`\sqrt{1+3k^2}` with a small damping, which finds the
    least-damped Langmuir root of a Maxwellian."""
    k = _real("k", k, positive=True)
    if k > 1e4:
        raise ValueError(f"k must be <= 1e4 (beyond, the root is deeply damped), got {k:g}")
    if guess is None:
        guess = complex(math.sqrt(1 + 3 * k**2), -0.01)
    return find_root(lambda w: vlasov_poisson_dispersion(w, k, profile), guess)


def landau_root(k: float = 0.5) -> complex:
    r"""Least-damped Langmuir root for the unit Maxwellian: at :math:`k = 0.5`,
    :math:`\omega \approx 1.4157 - 0.1534i` (linear Landau damping)."""
    return vp_root(k)


def _mode_coefficient(interaction, k: int) -> float:
    from mfcourse.interaction import PairInteraction

    if not isinstance(interaction, PairInteraction):
        raise ValueError(f"interaction must be a PairInteraction, got {type(interaction).__name__}")
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"mode k must be an integer >= 1, got {k!r}")
    return 2.0 * interaction.fourier_coefficient(k)


def hmf_dispersion(omega, profile, interaction=None, k: int = 1):
    r""":math:`D_k(\omega) = 1 - \frac{v_k}2\int g'(p)/(p - \omega/k)\,dp` for the homogeneous
    state :math:`g(p)/2\pi` of the Vlasov equation with ``interaction`` (default HMF)."""
    from mfcourse.interaction import PairInteraction

    interaction = PairInteraction.hmf() if interaction is None else interaction
    vk = _mode_coefficient(interaction, k)
    profile = _check_profile(profile)
    return 1 - 0.5 * vk * profile.dispersion_integral(np.asarray(omega, complex) / k)


def hmf_growth_rate(profile, interaction=None, k: int = 1) -> float:
    r"""Growth rate :math:`\gamma > 0` of the purely growing mode :math:`\omega = i\gamma` of
    an even profile (0 if the state is linearly stable for this mode).

    For even :math:`g`, :math:`D_k(i\gamma)` is real, decreases to 1 as
    :math:`\gamma\to\infty` (if :math:`v_k<0`), and a root exists iff :math:`D_k(0) < 0`; it is
    bracketed and found by Brent's method to machine precision."""
    _check_profile(profile)
    p = np.linspace(0.05, 10, 200)
    if np.max(np.abs(profile.pdf(p) - profile.pdf(-p))) > 1e-12 * np.max(profile.pdf(p)):
        raise ValueError(
            "hmf_growth_rate needs an even profile (then D(i gamma) is real); for other "
            "profiles use find_root(lambda w: hmf_dispersion(w, profile), guess)"
        )
    D = lambda g: float(np.real(hmf_dispersion(1j * g, profile, interaction, k)))  # noqa: E731
    if D(0.0) >= 0:
        return 0.0
    hi = 1.0
    while D(hi) <= 0:
        hi *= 2
        if hi > 1e6:
            raise ValueError("could not bracket the growth rate")
    return brentq(D, 0.0, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps)


def hmf_stability(f0: Callable | object, *, p_max: float = 50.0) -> float:
    r"""The HMF stability functional :math:`1 + \pi\int f_0'(p)/p\,dp` (reference
    normalisation: :math:`\int_0^{2\pi}\!\int f_0\,dp\,d\theta = 1`); the even state is
    Vlasov-stable iff it is :math:`> 0`.

    ``f0`` is a profile object (then :math:`f_0 = g/2\pi` and the value is :math:`D_1(0)`,
    exact) or a vectorised even function :math:`f_0(p)`, integrated by adaptive quadrature with
    :math:`f_0'` by centred differences; it must be even, non-negative and normalised.
    """
    if hasattr(f0, "dispersion_integral"):
        return float(np.real(1 + 0.5 * f0.dispersion_integral(1e-14j)))
    if not callable(f0):
        raise ValueError(f"f0 must be a profile or a callable f0(p), got {type(f0).__name__}")
    from scipy.integrate import quad

    p = np.linspace(-p_max, p_max, 2001)
    vals = np.asarray(f0(p), dtype=float)
    if np.any(~np.isfinite(vals)) or np.min(vals) < 0:
        raise ValueError("f0 must be finite and non-negative")
    if np.max(np.abs(vals - vals[::-1])) > 1e-10 * np.max(np.abs(vals)):
        raise ValueError("f0 must be even in p (the criterion is stated for even states)")
    mass = 2 * np.pi * quad(lambda q: float(f0(q)), -p_max, p_max, limit=200)[0]
    if abs(mass - 1) > 1e-6:
        raise ValueError(f"f0 must be normalised on [0, 2pi) x R, got mass {mass:.8g}")

    def integrand(q):
        h = 1e-5 * max(1.0, abs(q))
        d = (float(f0(q + h)) - float(f0(q - h))) / (2 * h)
        return d / q if q != 0 else 0.0

    # even integrand: twice the half line, avoiding p = 0 where f0'(p)/p -> f0''(0)
    return 1 + 2 * np.pi * quad(integrand, 1e-12, p_max, limit=400)[0]


# ---------------------------------------------------------------------------------- HMF equilibrium
def hmf_magnetisation(beta: float) -> float:
    r"""Canonical equilibrium magnetisation: the largest solution of
    :math:`M = I_1(\beta M)/I_0(\beta M)` (0 for :math:`\beta\le 2`)."""
    beta = _real("beta", beta, positive=True)
    if beta <= 2:
        return 0.0
    f = lambda m: m - i1e(beta * m) / i0e(beta * m)  # noqa: E731
    return brentq(f, 1e-300, 1.0, xtol=1e-17, rtol=4 * np.finfo(float).eps)


def hmf_energy(beta: float) -> float:
    r"""Canonical energy per particle :math:`U(\beta) = 1/(2\beta) + (1 - M^2)/2`."""
    M = hmf_magnetisation(beta)
    return 1 / (2 * float(beta)) + 0.5 * (1 - M * M)


def hmf_beta(U: float) -> float:
    r"""Inverse temperature of the canonical equilibrium with energy per particle :math:`U`
    (:math:`U > 0`; :math:`\beta = 1/(2U - 1)` in the homogeneous phase :math:`U \ge 3/4`)."""
    U = _real("U", U, positive=True)
    if U >= 0.75:
        return 1.0 / (2 * U - 1)
    hi = 4.0
    while hmf_energy(hi) > U:
        hi *= 2
    return brentq(lambda b: hmf_energy(b) - U, 2.0, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps)


def hmf_equilibrium_magnetisation(U: float) -> float:
    r"""Equilibrium magnetisation at energy per particle :math:`U` (0 for :math:`U \ge 3/4`)."""
    return hmf_magnetisation(hmf_beta(U))
