r"""An exactly solvable mean-field diffusion: the size of chaos in relative entropy (lecture 4, §8).

:math:`N` particles on :math:`\mathbb R` attracted to the origin and to their empirical mean,

.. math::
    dX^i = -\alpha X^i\,dt - \beta\Big(X^i - \frac1N\sum_{l=1}^N X^l\Big)dt + \sqrt2\,dW^i,
    \qquad X^i(0)\ \text{i.i.d.}\ \mathcal N(0, s_0).

The drift is linear, :math:`dX = AX\,dt + \sqrt2\,dW` with
:math:`A = -(\alpha+\beta)I + \frac\beta N\mathbf 1\mathbf 1^{\mathsf T}`, so the law stays a
centred Gaussian whose covariance solves :math:`\dot\Sigma = A\Sigma + \Sigma A^{\mathsf T} + 2I`.
:math:`A` has eigenvalue :math:`-\alpha` on :math:`\mathbf 1` and :math:`-(\alpha+\beta)` on
:math:`\mathbf 1^\perp`, hence

.. math::
    \Sigma_N(t) = u(t)\Big(I - \frac{\mathbf 1\mathbf 1^{\mathsf T}}N\Big)
                + w(t)\frac{\mathbf 1\mathbf 1^{\mathsf T}}N,\qquad
    u' = -2(\alpha+\beta)u + 2,\quad w' = -2\alpha w + 2,\quad u(0)=w(0)=s_0 .

The McKean–Vlasov limit keeps the mean at 0, so :math:`f(t) = \mathcal N(0, u(t))`. The
:math:`k`-marginal is :math:`\mathcal N(0, uI_k + \frac{w-u}N\mathbf 1\mathbf 1^{\mathsf T})`: it
differs from :math:`f^{\otimes k}` only along :math:`\mathbf 1/\sqrt k`, where the variance ratio
is :math:`1 + x`, :math:`x = \frac kN\big(\frac wu - 1\big)`. Therefore, exactly,

.. math::
    H\big(f^N_k\,|\,f^{\otimes k}\big) = \tfrac12\big(x - \log(1+x)\big) = \frac{x^2}{4} + O(x^3)
    \propto \Big(\frac kN\Big)^2,

Lacker's order (his theorem assumes bounded interactions, which this linear drift is not, so the
example shows that the order is attained by a natural model, not that Lacker's rate is sharp
within his class), and the total variation is that of two centred
1-d Gaussians with variances 1 and :math:`1+x`, of order :math:`|x|\propto k/N`
(:func:`marginal_l1`), below Pinsker's :math:`\sqrt{2H}`.
"""

from __future__ import annotations

import math

import numpy as np

from mfcourse._validate import finite_array

__all__ = [
    "marginal_covariance",
    "marginal_l1",
    "marginal_relative_entropy",
    "pinsker_l1",
    "variances",
]


def _check_params(t, alpha, beta, s0):
    vals = {"alpha": alpha, "beta": beta, "s0": s0}
    for name, v in vals.items():
        if not np.isfinite(v):
            raise ValueError(f"{name} must be finite, got {v}")
    if alpha < 0 or beta < 0:
        raise ValueError(f"alpha and beta must be >= 0, got alpha = {alpha}, beta = {beta}")
    if not s0 > 0:
        raise ValueError(f"the initial variance s0 must be > 0, got {s0}")
    t = np.asarray(t, dtype=float)
    if np.any(~np.isfinite(t)) or np.any(t < 0):
        raise ValueError("t must be finite and >= 0")
    return t


def _relax(t, rate, s0):
    """Solution of v' = -2 rate v + 2, v(0) = s0 (rate = 0: s0 + 2t)."""
    if rate == 0:
        return s0 + 2 * t
    return 1 / rate + (s0 - 1 / rate) * np.exp(-2 * rate * t)


def variances(t, alpha: float = 0.5, beta: float = 1.0, s0: float = 0.25):
    r"""``(u(t), w(t))``: variance across :math:`\mathbf 1^\perp` and along :math:`\mathbf 1`
    (the latter also :math:`N\,\mathrm{Var}(\bar X)`)."""
    t = _check_params(t, alpha, beta, s0)
    return _relax(t, alpha + beta, s0), _relax(t, alpha, s0)


def _check_kN(k, N):
    if not isinstance(N, int | np.integer) or N < 1:
        raise ValueError(f"N must be an integer >= 1, got {N!r}")
    k = np.asarray(k, dtype=float)
    if np.any(k < 1) or np.any(k > N) or np.any(k != np.round(k)):
        raise ValueError(f"k must be integers with 1 <= k <= N = {N}")
    return k, int(N)


def marginal_covariance(k: int, N: int, t: float, alpha=0.5, beta=1.0, s0=0.25) -> np.ndarray:
    r"""The :math:`k\times k` covariance of the :math:`k`-marginal at time ``t``."""
    kk, N = _check_kN(k, N)
    u, w = variances(t, alpha, beta, s0)
    k = int(kk)
    return float(u) * np.eye(k) + float(w - u) / N * np.ones((k, k))


def _x(k, N, t, alpha, beta, s0):
    k, N = _check_kN(k, N)
    u, w = variances(t, alpha, beta, s0)
    return k / N * (w / u - 1)


def marginal_relative_entropy(k, N: int, t: float, alpha=0.5, beta=1.0, s0=0.25):
    r"""Exact :math:`H(f_k^N(t)\,|\,f(t)^{\otimes k}) = \frac12(x-\log(1+x))`,
    :math:`x = \frac kN(\frac wu-1)` (``k`` may be an array)."""
    x = _x(k, N, t, alpha, beta, s0)
    return 0.5 * (x - np.log1p(x))


def marginal_l1(k, N: int, t: float, alpha=0.5, beta=1.0, s0=0.25):
    r"""Exact :math:`\|f_k^N(t) - f(t)^{\otimes k}\|_1` (twice the total variation): the two laws
    differ only along :math:`\mathbf 1/\sqrt k`, where they are :math:`\mathcal N(0,1+x)` and
    :math:`\mathcal N(0,1)` after scaling; their densities cross at
    :math:`z_*^2 = (1+x)\log(1+x)/x`, so the distance is
    :math:`2|\mathrm{erf}(z_*/\sqrt2) - \mathrm{erf}(z_*/\sqrt{2(1+x)})|`."""
    from scipy.special import erf

    x = np.asarray(_x(k, N, t, alpha, beta, s0), dtype=float)
    out = np.zeros_like(x)
    nz = np.abs(x) > 1e-300
    xs = x[nz]
    z = np.sqrt((1 + xs) * np.log1p(xs) / xs)
    out[nz] = 2 * np.abs(erf(z / math.sqrt(2)) - erf(z / np.sqrt(2 * (1 + xs))))
    return out if out.ndim else float(out)


def pinsker_l1(H):
    r"""Pinsker's inequality in :math:`L^1` form: :math:`\|\mu-\nu\|_1 \le \sqrt{2H(\mu|\nu)}`."""
    H = finite_array(H, "H")
    if np.any(H < 0):
        raise ValueError("relative entropy must be >= 0")
    return np.sqrt(2 * H)
