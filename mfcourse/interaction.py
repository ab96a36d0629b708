r"""The course's shared pair interaction: a finite cosine series on the torus.

Every model of the course (Newton, Vlasov, the bosonic N-body problem, Hartree) uses one
interaction potential on the one-dimensional torus :math:`\mathbb{T} = \mathbb{R}/2\pi\mathbb{Z}`,

.. math::

    V(x) = \sum_{k \ge 1} v_k \cos(k x), \qquad \text{finitely many } v_k \ne 0 .

Such a :math:`V` satisfies the assumptions of Golse's lecture notes (seed 002, §1.1):

* (H1) :math:`V(x) = V(-x)` -- every cosine is even, so no odd potential can be written in this
  form (Newton's third law holds by construction);
* (H2) :math:`V \in C^1` with :math:`\nabla V \in L^\infty \cap \mathrm{Lip}` -- a trigonometric
  polynomial is real-analytic;
* (H4) :math:`\hat V \in L^1` (seed 002, §2.5), used in lecture 2.

The mean-field model of Antoni & Ruffo (1995), the *HMF model*, is :math:`V(x) = -\cos x`
(:meth:`PairInteraction.hmf`).  A potential given as a function or as samples is accepted by
:meth:`PairInteraction.from_function` / :meth:`PairInteraction.from_samples` only after checking
that it is even and that its Fourier series has decayed to round-off within the modes kept; odd
or non-smooth potentials are rejected with a ``ValueError``.

Fourier convention.  On :math:`\mathbb{T}` we write

.. math::

    \hat V(k) = \frac{1}{2\pi}\int_0^{2\pi} V(x)\, e^{-ikx}\, dx, \qquad
    V(x) = \sum_{k\in\mathbb{Z}} \hat V(k)\, e^{ikx},

so that :math:`\hat V(\pm k) = v_k/2` and :math:`\|\hat V\|_1 = \sum_{k\in\mathbb{Z}} |\hat V(k)|
= \sum_{k \ge 1} |v_k|`.  Seed 002 (Theorem 2.8) works on :math:`\mathbb{R}^d` with
:math:`\hat V(\omega) = \int V(x) e^{-i\omega\cdot x}dx` and the constant
:math:`\|\hat V\|_{L^1}/(2\pi)^d`; on the torus the Fourier inversion formula has no
:math:`(2\pi)^{-d}` in front of the sum, and the analogue of :math:`\|\hat V\|_{L^1}/(2\pi)^d` is
exactly our :attr:`PairInteraction.fourier_l1` (in both cases it bounds :math:`\|V\|_\infty` and
is the constant in front of :math:`t/\hbar` in the quantum estimate).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping

import numpy as np

from mfcourse._validate import finite_array

__all__ = ["PairInteraction", "empirical_fourier"]

TWO_PI = 2.0 * np.pi


def empirical_fourier(x, modes, weights=None) -> tuple[np.ndarray, np.ndarray]:
    r"""Cosine and sine moments of a (weighted) empirical measure on :math:`\mathbb{T}`.

    Returns ``(C, S)`` with :math:`C_k = \sum_j w_j \cos(k x_j)` and
    :math:`S_k = \sum_j w_j \sin(k x_j)` for every ``k`` in ``modes`` (default weights
    :math:`w_j = 1/N`, i.e. the empirical measure :math:`\mu_N = \frac1N\sum_j \delta_{x_j}`).
    For ``k = 1`` and uniform weights, :math:`C_1 + i S_1` is the HMF magnetisation.
    Cost :math:`O(NK)`, memory :math:`O(N)`.  Non-finite positions are refused (ValueError).
    """
    x = finite_array(x, "x")
    modes = np.atleast_1d(np.asarray(modes))
    w = _check_weights(weights, x.shape[-1] if x.ndim else 1)
    C = np.empty(modes.shape + x.shape[:-1])
    S = np.empty_like(C)
    for i, k in enumerate(modes):
        kx = k * x
        C[i] = np.cos(kx) @ w
        S[i] = np.sin(kx) @ w
    return C, S


def _check_weights(weights, n: int) -> np.ndarray:
    if n < 1:
        raise ValueError(f"need at least one particle, got N = {n}")
    if weights is None:
        return np.full(n, 1.0 / n)
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"weights must have shape ({n},) to match the positions, got {w.shape}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and non-negative")
    return w


class PairInteraction:
    r"""An even, smooth pair potential :math:`V(x) = \sum_{k\ge1} v_k \cos(kx)` on
    :math:`\mathbb{T} = \mathbb{R}/2\pi\mathbb{Z}`.

    Parameters
    ----------
    coefficients
        Mapping ``{k: v_k}`` with integer keys :math:`k \ge 1` and finite real values; at least
        one entry.  Zero coefficients are allowed and kept.
    name
        Label used in plots and reprs.

    The constants of the theorems (seed 002 §1.6, Theorem 1.5 and §2.6, Theorem 2.8) are exact:

    * :attr:`lip_grad` :math:`= \mathrm{Lip}(V') = \sup_x |V''(x)|`,
    * :attr:`sup_grad` :math:`= \|V'\|_\infty`,
    * :attr:`fourier_l1` :math:`= \|\hat V\|_1 = \sum_{k\in\mathbb Z}|\hat V(k)| = \sum_k |v_k|`.

    The two suprema are global maxima of trigonometric polynomials, located on a grid with at
    least 32 points per period of the highest mode and then polished by Brent's method; at a
    maximum the error in the value is quadratic in the error in the location, so the constants
    are exact to machine precision.
    """

    def __init__(self, coefficients: Mapping[int, float], name: str | None = None):
        if not isinstance(coefficients, Mapping):
            raise ValueError(
                f"coefficients must be a mapping {{k: v_k}} with integer k >= 1, "
                f"got {type(coefficients).__name__}"
            )
        if len(coefficients) == 0:
            raise ValueError("coefficients is empty: give at least one mode {k: v_k} with k >= 1")
        items = []
        for k, v in coefficients.items():
            if isinstance(k, bool) or not isinstance(k, numbers.Integral):
                raise ValueError(f"mode k = {k!r} is not an integer; modes must be integers >= 1")
            if k < 1:
                raise ValueError(
                    f"mode k = {k} is not allowed: modes must be integers k >= 1 "
                    "(a constant k = 0 does not change the forces; negative k duplicate +k)"
                )
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                raise ValueError(f"coefficient v_{k} = {v!r} must be a finite real number")
            items.append((int(k), float(v)))
        items.sort()
        self.modes: np.ndarray = np.array([k for k, _ in items], dtype=np.int64)
        self.coeffs: np.ndarray = np.array([v for _, v in items], dtype=float)
        self.modes.setflags(write=False)
        self.coeffs.setflags(write=False)
        self.name = name if name is not None else self._default_name()
        self._cache: dict[str, float] = {}

    # ------------------------------------------------------------------ constructors
    @classmethod
    def hmf(cls, strength: float = 1.0) -> PairInteraction:
        r"""The Hamiltonian mean-field (HMF) model, :math:`V(x) = -\mathrm{strength}\cos x`.

        ``strength > 0`` is the attractive (ferromagnetic) model of Antoni & Ruffo; ``< 0`` the
        repulsive one.  Antoni & Ruffo's Hamiltonian uses :math:`1 - \cos x`; the constant only
        shifts the energy (by ``strength/2`` per particle) and does not change the dynamics.
        """
        if isinstance(strength, bool) or not isinstance(strength, numbers.Real):
            raise ValueError(f"strength must be a real number, got {strength!r}")
        if not math.isfinite(strength):
            raise ValueError(f"strength must be finite, got {strength}")
        return cls({1: -float(strength)}, name="HMF" if strength == 1 else f"HMF({strength:g})")

    @classmethod
    def from_samples(
        cls, values, *, tol: float = 1e-10, name: str | None = None
    ) -> PairInteraction:
        r"""Build :math:`V` from its values on the uniform grid :math:`x_j = 2\pi j/n`.

        The discrete Fourier transform gives cosine and sine coefficients :math:`a_k, b_k`.
        The potential is accepted only if

        * it is even (H1): :math:`\max_k |b_k| \le \mathrm{tol}\cdot\max_k|a_k|`;
        * it is resolved and smooth: the coefficients in the upper third of the spectrum
          (:math:`k > n/3`) are below ``tol`` relative to the largest one.  A potential with a
          kink (e.g. :math:`|x|` periodised, whose force jumps and is not Lipschitz) has
          :math:`|a_k| \sim k^{-2}` and fails this test at any reasonable ``n``.

        Modes with :math:`|a_k| \le \mathrm{tol}\cdot\max|a|` are dropped; the mean
        (:math:`k = 0`) is dropped because it does not change the forces.
        """
        v = np.asarray(values, dtype=float)
        if v.ndim != 1 or v.size < 8:
            raise ValueError(
                f"values must be a 1D array of at least 8 samples, got shape {v.shape}"
            )
        if not np.all(np.isfinite(v)):
            raise ValueError("values contain NaN or infinity: the potential must be bounded")
        if not (0 < tol < 1):
            raise ValueError(f"tol must lie in (0, 1), got {tol}")
        n = v.size
        c = np.fft.rfft(v) / n
        a = 2.0 * c.real[1:]
        b = -2.0 * c.imag[1:]
        kmax = (n - 1) // 2  # exclude the Nyquist mode for even n
        a, b = a[:kmax], b[:kmax]
        scale = max(np.max(np.abs(a)) if a.size else 0.0, np.max(np.abs(b)) if b.size else 0.0)
        if scale == 0.0:
            raise ValueError("the potential is constant: it exerts no force")
        odd = np.max(np.abs(b)) / scale
        if odd > tol:
            raise ValueError(
                f"the potential is not even: its odd (sine) part has relative size {odd:.3g} > "
                f"tol = {tol:g}; assumption (H1) V(x) = V(-x) requires an even potential"
            )
        k = np.arange(1, kmax + 1)
        tail = np.abs(a[k > n / 3])
        if tail.size == 0 or np.max(tail) / scale > tol:
            rel = np.max(tail) / scale if tail.size else float("nan")
            raise ValueError(
                f"the potential is not smooth enough for {n} samples: its Fourier coefficients "
                f"for k > n/3 are still {rel:.3g} of the largest (tol = {tol:g}); a finite cosine "
                "series needs a smooth (C^infty in practice) potential with Lipschitz force"
            )
        keep = np.abs(a) > tol * scale
        return cls({int(kk): float(aa) for kk, aa in zip(k[keep], a[keep], strict=True)}, name=name)

    @classmethod
    def from_function(
        cls,
        func: Callable[[np.ndarray], np.ndarray],
        *,
        n_samples: int = 1024,
        tol: float = 1e-10,
        name: str | None = None,
    ) -> PairInteraction:
        r"""Build :math:`V` from a vectorised function on :math:`[0, 2\pi)`, checking evenness
        and smoothness (see :meth:`from_samples`)."""
        if not callable(func):
            raise ValueError(f"func must be callable, got {type(func).__name__}")
        if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
            raise ValueError(f"n_samples must be an integer >= 8, got {n_samples!r}")
        if n_samples < 8:
            raise ValueError(f"n_samples must be >= 8, got {n_samples}")
        x = TWO_PI * np.arange(n_samples) / n_samples
        values = np.broadcast_to(np.asarray(func(x), dtype=float), x.shape)
        return cls.from_samples(values, tol=tol, name=name)

    # ------------------------------------------------------------------ evaluation
    def _default_name(self) -> str:
        terms = [f"{v:+g} cos({k}x)" if k != 1 else f"{v:+g} cos(x)" for k, v in self.items()]
        return "V = " + " ".join(terms)

    def items(self):
        """Pairs ``(k, v_k)`` in increasing ``k``."""
        return [(int(k), float(v)) for k, v in zip(self.modes, self.coeffs, strict=True)]

    def __repr__(self) -> str:
        coeffs = ", ".join(f"{k}: {v!r}" for k, v in self.items())
        return f"PairInteraction({{{coeffs}}}, name={self.name!r})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, PairInteraction):
            return NotImplemented
        return np.array_equal(self.modes, other.modes) and np.array_equal(self.coeffs, other.coeffs)

    def __hash__(self) -> int:
        return hash((tuple(self.modes.tolist()), tuple(self.coeffs.tolist())))

    @property
    def max_mode(self) -> int:
        """The highest mode :math:`K` (the grid must resolve it)."""
        return int(self.modes[-1])

    def _series(self, x, power: int, trig) -> np.ndarray:
        x = finite_array(x, "x")
        out = np.zeros_like(x)
        for k, v in zip(self.modes, self.coeffs, strict=True):
            out += (v * float(k) ** power) * trig(k * x)
        return out

    def V(self, x) -> np.ndarray:
        r""":math:`V(x) = \sum_k v_k \cos(kx)`."""
        return self._series(x, 0, np.cos)

    def dV(self, x) -> np.ndarray:
        r""":math:`V'(x) = -\sum_k k v_k \sin(kx)` (odd; :math:`V'(0) = 0`)."""
        return -self._series(x, 1, np.sin)

    def d2V(self, x) -> np.ndarray:
        r""":math:`V''(x) = -\sum_k k^2 v_k \cos(kx)`."""
        return -self._series(x, 2, np.cos)

    def d3V(self, x) -> np.ndarray:
        r""":math:`V'''(x) = \sum_k k^3 v_k \sin(kx)`."""
        return self._series(x, 3, np.sin)

    def fourier_coefficient(self, k) -> float:
        r""":math:`\hat V(k) = \frac1{2\pi}\int_0^{2\pi} V(x)e^{-ikx}dx = v_{|k|}/2` for
        :math:`k \ne 0` listed, else 0 (real because :math:`V` is even)."""
        if isinstance(k, bool) or not isinstance(k, numbers.Integral):
            raise ValueError(f"k must be an integer, got {k!r}")
        k = abs(int(k))
        idx = np.searchsorted(self.modes, k)
        if k == 0 or idx == self.modes.size or self.modes[idx] != k:
            return 0.0
        return 0.5 * float(self.coeffs[idx])

    # ------------------------------------------------------------------ constants
    def _sup_abs(self, f: Callable[[np.ndarray], np.ndarray]) -> float:
        """Global max of |f| for a trigonometric polynomial f of degree max_mode."""
        from scipy.optimize import minimize_scalar

        n = max(256, 32 * self.max_mode)
        h = TWO_PI / n
        x = h * np.arange(n)
        y = np.abs(f(x))
        # local maxima on the periodic grid (ties count), polish each by Brent's method
        left, right = np.roll(y, 1), np.roll(y, -1)
        cand = np.flatnonzero((y >= left) & (y >= right))
        best = float(np.max(y))
        if best == 0.0:
            return 0.0
        # Bernstein: |f''| <= K^2 sup|f|, so a grid value within h/2 of a maximum is at least
        # (1 - (pi/32)^2/2) sup|f| > 0.99 sup|f|; candidates below 0.9 * grid max cannot win
        cand = cand[y[cand] >= best * (1 - 0.1)]
        for i in cand:
            res = minimize_scalar(
                lambda t: -abs(float(f(np.array(t)))),
                bounds=(x[i] - h, x[i] + h),
                method="bounded",
                options={"xatol": 1e-12},
            )
            best = max(best, -float(res.fun))
        return best

    @property
    def lip_grad(self) -> float:
        r""":math:`\mathrm{Lip}(V') = \|V''\|_\infty` (the constant :math:`L` of Dobrushin's
        inequality, seed 002 Theorem 1.5), exact to machine precision."""
        if "lip" not in self._cache:
            self._cache["lip"] = self._sup_abs(self.d2V)
        return self._cache["lip"]

    @property
    def sup_grad(self) -> float:
        r""":math:`\|V'\|_\infty`, exact to machine precision."""
        if "sup" not in self._cache:
            self._cache["sup"] = self._sup_abs(self.dV)
        return self._cache["sup"]

    @property
    def sup_V(self) -> float:
        r""":math:`\|V\|_\infty`, exact to machine precision (at most :attr:`fourier_l1`)."""
        if "supV" not in self._cache:
            self._cache["supV"] = self._sup_abs(self.V)
        return self._cache["supV"]

    @property
    def fourier_l1(self) -> float:
        r""":math:`\|\hat V\|_1 = \sum_{k\in\mathbb Z}|\hat V(k)| = \sum_{k\ge1}|v_k|`
        (torus convention; equals seed 002's :math:`\|\hat V\|_{L^1}/(2\pi)^d`, see the module
        docstring)."""
        return float(np.sum(np.abs(self.coeffs)))

    # ------------------------------------------------------------------ forces on particles
    def force(self, x, weights=None) -> np.ndarray:
        r"""Mean-field force on each particle of the empirical measure.

        .. math::

            F_i = -\frac1N \sum_{j\ne i} V'(x_i - x_j) = -\frac1N \sum_{j=1}^N V'(x_i - x_j)
                = \sum_k k v_k\,\big[\sin(kx_i)\,C_k - \cos(kx_i)\,S_k\big],

        the self term vanishing because :math:`V'` is odd (seed 002, proof of Theorem 1.2), with
        :math:`C_k + iS_k = \frac1N\sum_j e^{ikx_j}` (see :func:`empirical_fourier`).  With
        ``weights`` :math:`w_j` the force is :math:`-\sum_j w_j V'(x_i - x_j)`.  Cost
        :math:`O(NK)` instead of :math:`O(N^2)`.  For the HMF model this is
        :math:`-M_x\sin x_i + M_y\cos x_i`.
        """
        x = np.asarray(x, dtype=float)
        if x.ndim != 1:
            raise ValueError(f"x must be a 1D array of positions, got shape {x.shape}")
        C, S = empirical_fourier(x, self.modes, weights)
        F = np.zeros_like(x)
        for k, v, c, s in zip(self.modes, self.coeffs, C, S, strict=True):
            kx = k * x
            F += (k * v) * (np.sin(kx) * c - np.cos(kx) * s)
        return F

    def potential(self, x, weights=None) -> np.ndarray:
        r"""Mean-field potential :math:`(V\star\mu_N)(x_i) = \frac1N\sum_j V(x_i - x_j)`
        (self term :math:`V(0)/N` included) at every particle, in :math:`O(NK)`."""
        x = finite_array(x, "x")
        C, S = empirical_fourier(x, self.modes, weights)
        P = np.zeros_like(x)
        for k, v, c, s in zip(self.modes, self.coeffs, C, S, strict=True):
            kx = k * x
            P += v * (np.cos(kx) * c + np.sin(kx) * s)
        return P

    def interaction_energy(self, x, weights=None) -> float:
        r"""Mean-field interaction energy of the empirical measure,

        .. math::

            \frac12\iint V(x-y)\,\mu_N(dx)\mu_N(dy) = \frac1{2N^2}\sum_{i,j}V(x_i-x_j)
            = \frac12\sum_k v_k (C_k^2 + S_k^2),

        which includes the constant self-energy :math:`V(0)/(2N)`.  It is the potential part
        of the energy conserved both by Newton's equations (2) of seed 002 and by Vlasov."""
        C, S = empirical_fourier(x, self.modes, weights)
        return 0.5 * float(np.sum(self.coeffs * (C**2 + S**2)))

    # ------------------------------------------------------------------ grid densities
    def _grid_symbol(self, n: int, length: float) -> tuple[np.ndarray, np.ndarray]:
        """Fourier multipliers of rho -> V*rho and rho -> -V'*rho on an n-point grid."""
        if isinstance(n, bool) or n < 1:
            raise ValueError(f"the grid needs at least one point, got {n}")
        if not (isinstance(length, numbers.Real) and math.isfinite(length) and length > 0):
            raise ValueError(f"length must be a positive finite number, got {length!r}")
        periods = length / TWO_PI
        m = round(periods)
        if m < 1 or abs(periods - m) > 1e-12 * max(1.0, periods):
            raise ValueError(
                f"length = {length!r} is not a positive integer multiple of 2 pi: V is "
                "2 pi-periodic, so the grid must cover a whole number of periods"
            )
        # a mode k of V has wavenumber k = j * 2 pi / length, i.e. grid index j = k m
        if 2 * self.max_mode * m >= n:
            raise ValueError(
                f"grid too coarse: {n} points on a length {length:g} cannot resolve mode "
                f"k = {self.max_mode} of V (need n > {2 * self.max_mode * m})"
            )
        nh = n // 2 + 1
        pot = np.zeros(nh)
        force = np.zeros(nh, dtype=complex)
        for k, v in zip(self.modes, self.coeffs, strict=True):
            j = k * m
            # (V * rho)^(k) = length * Vhat(k) * rhohat(k) with rhohat the normalised DFT
            pot[j] = length * 0.5 * v
            force[j] = -1j * k * pot[j]
        return pot, force

    def potential_on_grid(self, rho, length: float = TWO_PI) -> np.ndarray:
        r"""Mean-field potential :math:`(V\star\rho)(x_j) = \int_0^{L} V(x_j - y)\rho(y)\,dy` of
        a density sampled on the uniform periodic grid :math:`x_j = jL/n` (last axis).

        Computed by FFT: :math:`\widehat{V\star\rho}(k) = L\,\hat V(k)\,\hat\rho(k)`; exact (to
        round-off) for the trapezoidal rule, which is spectrally accurate for smooth periodic
        :math:`\rho`.  ``length`` must be a whole number of periods :math:`2\pi m`; the grid must
        resolve the highest mode (``n > 2 K m``), else ``ValueError``.
        """
        rho = finite_array(rho, "rho")
        if rho.ndim < 1:
            raise ValueError("rho must be an array sampled on a grid (last axis)")
        n = rho.shape[-1]
        pot, _ = self._grid_symbol(n, length)
        return np.fft.irfft(np.fft.rfft(rho, axis=-1) / n * pot, n=n, axis=-1) * n

    def force_on_grid(self, rho, length: float = TWO_PI) -> np.ndarray:
        r"""Mean-field force :math:`-\partial_x (V\star\rho)(x_j) = -(V'\star\rho)(x_j)` on the
        grid (see :meth:`potential_on_grid`)."""
        rho = finite_array(rho, "rho")
        if rho.ndim < 1:
            raise ValueError("rho must be an array sampled on a grid (last axis)")
        n = rho.shape[-1]
        _, force = self._grid_symbol(n, length)
        return np.fft.irfft(np.fft.rfft(rho, axis=-1) * force, n=n, axis=-1)
