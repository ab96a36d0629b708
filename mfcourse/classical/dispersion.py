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

__all__ = [
    "MaxwellianMixture",
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
    "vlasov_poisson_dispersion",
    "vp_root",
]

SQRT_PI = math.sqrt(math.pi)


def plasma_Z(zeta):
    r"""Plasma dispersion function :math:`Z(\zeta) = i\sqrt\pi\,w(\zeta)` (Fried & Conte),
    analytic in the whole plane (Landau continuation built in)."""
    return 1j * SQRT_PI * wofz(np.asarray(zeta, dtype=complex))


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


def _check_profile(profile):
    if not hasattr(profile, "dispersion_integral"):
        raise ValueError(
            f"profile must be a MaxwellianMixture or WaterbagProfile, got {type(profile).__name__}"
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
