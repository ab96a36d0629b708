r"""The copying model: where the size of chaos really is :math:`j^2/N` (lecture 4, §7).

:math:`N` particles on the circle :math:`\mathbb T = \mathbb R/2\pi\mathbb Z`. Every *ordered*
pair :math:`(i,k)`, :math:`i\ne k`, carries an exponential clock of rate :math:`1/(N-1)`; when it
rings, particle :math:`k` **copies** particle :math:`i`, up to a noise of size :math:`\sigma`:

.. math:: x_k \leftarrow x_i + \sigma\xi,\qquad \xi\sim\mathcal N(0,1)\ \text{(wrapped)}.

Each particle is overwritten at rate 1, whatever :math:`N`. In the abstract setting of seed 000
§2.1 (Kac column, :math:`K_0 = 0`) the pair operator is a Markov jump operator minus the
identity, so :math:`\|V\|\le 4N/(N-1)` *uniformly in* :math:`\sigma`. For :math:`\sigma>0` it maps
:math:`L^1` to :math:`L^1` and the model lies in Paul–Pulvirenti–Simonella's class with constants
that do not see :math:`\sigma`; for :math:`\sigma = 0` a copy creates a law on the diagonal, the
operator acts on finite measures (total-variation norm), and :math:`\sigma = 0` is the limit of
the class rather than a member (lecture 4, Corollary 7.2). Its kinetic
equation is linear, :math:`\partial_t f = \rho_\sigma * f - f` (:math:`\rho_\sigma` the wrapped
Gaussian), and the uniform law :math:`f = 1/2\pi` is stationary; we start from
:math:`f_0^{\otimes N}` with :math:`f_0` uniform, so :math:`f(t) = f_0` for all :math:`t`.

**Genealogy (σ = 0).** Follow the :math:`j` tagged particles backwards in time: a lineage jumps to
the particle it copied. Two tagged lineages merge when one copied the other, at rate
:math:`2/(N-1)`; with :math:`j` distinct lineages the first merger comes at rate
:math:`j(j-1)/(N-1)` exactly. If no merger happened, the :math:`j` ancestors are distinct
particles at time 0 and the tagged states are i.i.d. :math:`f_0`; if one happened, two states are
*equal*, an event of :math:`f_0^{\otimes j}`-measure zero. Hence, exactly,

.. math::
    \|f_j^N(t) - f^{\otimes j}\|_1 = 2\,\big(1 - e^{-j(j-1)t/(N-1)}\big)
    \approx \frac{2j^2t}{N},

the birthday problem (:func:`birthday_distance`), checked by a forward simulation of the
particles in :func:`shared_ancestor_probability`.

**Pair correlation (σ ≥ 0), exactly.** The two-particle law is translation invariant, so it is
determined by :math:`a_k(t) = \mathbb E\,e^{-ik(x_1-x_2)}`, and the copy rules give the scalar ODE

.. math::
    \dot a_k = \frac{2}{N-1}(\hat\rho_k - a_k) + \frac{2(N-2)}{N-1}(\hat\rho_k - 1)a_k,
    \qquad \hat\rho_k = e^{-\sigma^2k^2/2},\quad a_k(0) = 0\ (k\ne0),

solved in closed form by :func:`pair_modes`. Then
:math:`E_2/(f\otimes f)(x,y) = \psi_2(x-y) = \sum_{k\ne0} a_k e^{ik(x-y)}` and
:math:`\|E_2/(f\otimes f)\|_{L^2(f\otimes f)}^2 = \sum_{k\ne0}|a_k|^2`, which is finite for
:math:`\sigma>0` and blows up like :math:`\sigma^{-1/2}` (:func:`pair_l2_norm`).
The leading (pair) term of :math:`f_j^N - f^{\otimes j}` is the degenerate U-statistic
:math:`U_j = \sum_{i<k}\psi_2(x_i - x_k)` under :math:`f^{\otimes j}`; its :math:`L^1` norm
:math:`\mathbb E|U_j|` is estimated with error bars by :func:`pair_term_l1`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

try:  # numba is a dependency; the fallback only keeps imports working without it
    from numba import njit
except ImportError:  # pragma: no cover

    def njit(*args, **kwargs):
        return (lambda f: f) if not args or not callable(args[0]) else args[0]


__all__ = [
    "birthday_distance",
    "pair_l1_norm",
    "pair_l2_norm",
    "pair_modes",
    "pair_term_l1",
    "psi2_on_grid",
    "shared_ancestor_probability",
]


#: Largest number of Fourier modes :func:`pair_modes` computes: it holds about eight float
#: arrays of that length at once (10**7 modes: ~0.6 GB; 10**8 exhausted a 23 GB machine under
#: the property tests). Enough for sigma >= 1e-6 in :func:`pair_l2_norm`.
MAX_MODES = 10**7


def _check_N_t(N, t):
    if not isinstance(N, int | np.integer) or N < 2:
        raise ValueError(f"N must be an integer >= 2, got {N!r}")
    t = float(t)
    if not (np.isfinite(t) and t >= 0):
        raise ValueError(f"t must be finite and >= 0, got {t}")
    return int(N), t


def _check_sigma(sigma):
    sigma = float(sigma)
    if not (np.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"sigma must be finite and >= 0, got {sigma}")
    return sigma


def birthday_distance(j, N: int, t: float) -> np.ndarray:
    r"""Exact :math:`\|f_j^N(t) - f_0^{\otimes j}\|_1 = 2(1-e^{-j(j-1)t/(N-1)})` of the pure
    copying model (:math:`\sigma = 0`, atomless :math:`f_0`); ``j`` may be an array."""
    N, t = _check_N_t(N, t)
    j = np.asarray(j, dtype=float)
    if np.any(j < 1) or np.any(j > N):
        raise ValueError(f"j must satisfy 1 <= j <= N = {N}")
    return 2.0 * (1.0 - np.exp(-j * (j - 1) * t / (N - 1)))


@njit(cache=True)
def _copy_events(anc, src, dst):
    for c in range(src.size):
        anc[dst[c]] = anc[src[c]]


@njit(cache=True)
def _first_repeat(anc, jmax):
    """Smallest j <= jmax such that anc[0..j-1] has a repeated value (jmax + 1 if none)."""
    for j in range(1, jmax):
        for i in range(j):
            if anc[i] == anc[j]:
                return j + 1
    return jmax + 1


def shared_ancestor_probability(
    N: int, t: float, jmax: int = 20, replicates: int = 4000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Monte Carlo, *forwards in time*, of the probability that two of the first ``j`` particles
    of the copying model carry the same time-0 ancestor, for ``j = 0..jmax``.

    Each replicate draws the Poisson number (mean :math:`Nt`) of copy events, each an ordered pair
    :math:`(i,k)` uniform among :math:`i\ne k`, and propagates ancestor labels (:math:`k` takes
    :math:`i`'s label). No genealogy is used, so this is an independent check of
    :func:`birthday_distance` (distance :math:`= 2P` for :math:`\sigma = 0`).
    Returns ``(P, stderr)``, arrays of length ``jmax + 1``.
    """
    N, t = _check_N_t(N, t)
    if not isinstance(jmax, int | np.integer) or not 2 <= jmax <= N:
        raise ValueError(f"jmax must be an integer with 2 <= jmax <= N = {N}, got {jmax!r}")
    if not isinstance(replicates, int | np.integer) or replicates < 2:
        raise ValueError(f"replicates must be an integer >= 2, got {replicates!r}")
    rng = np.random.default_rng(seed)
    counts = np.zeros(jmax + 2)
    for _ in range(int(replicates)):
        anc = np.arange(N, dtype=np.int64)
        n = int(rng.poisson(N * t))
        src = rng.integers(0, N, size=n)
        dst = rng.integers(0, N - 1, size=n)
        dst += dst >= src
        _copy_events(anc, src, dst)
        counts[_first_repeat(anc, int(jmax))] += 1
    P = np.cumsum(counts)[: jmax + 1] / replicates
    return P, np.sqrt(P * (1 - P) / replicates)


def pair_modes(N: int, t: float, sigma: float, kmax: int) -> np.ndarray:
    r"""Fourier modes :math:`a_k(t) = \mathbb E e^{-ik(x_1-x_2)}`, ``k = 0..kmax``, of the pair law
    of the copying model from uniform chaotic data (closed-form solution of the ODE in the module
    docstring: :math:`a_k = \frac{\alpha_k}{\beta_k}(1-e^{-\beta_k t})`,
    :math:`\alpha_k = 2\hat\rho_k/(N-1)`,
    :math:`\beta_k = 2/(N-1) + 2(N-2)(1-\hat\rho_k)/(N-1)`; :math:`a_0 = 1`)."""
    N, t = _check_N_t(N, t)
    sigma = _check_sigma(sigma)
    if not isinstance(kmax, int | np.integer) or kmax < 1:
        raise ValueError(f"kmax must be an integer >= 1, got {kmax!r}")
    if kmax > MAX_MODES:
        raise ValueError(
            f"kmax = {kmax} exceeds the limit {MAX_MODES} (copying.MAX_MODES, about "
            f"{8 * 8 * MAX_MODES / 1e9:.1f} GB of working memory); for sigma > 0 about "
            "9.2 / sigma modes are needed"
        )
    k = np.arange(int(kmax) + 1, dtype=float)
    rho = np.exp(-0.5 * (sigma * k) ** 2)
    alpha = 2.0 * rho / (N - 1)
    beta = 2.0 / (N - 1) + 2.0 * (N - 2) * (1.0 - rho) / (N - 1)
    a = alpha / beta * -np.expm1(-beta * t)
    a[0] = 1.0
    return a


def _kmax_for(sigma: float) -> int:
    """Enough modes that rho_k = exp(-sigma^2 k^2 / 2) < 1e-18 beyond them."""
    if sigma <= 0:
        raise ValueError("sigma must be > 0 here: for sigma = 0 the pair correlation is singular")
    need = 9.2 / sigma + 8  # may be inf for subnormal sigma: compare before converting
    if not need <= MAX_MODES:
        raise ValueError(
            f"sigma = {sigma!r} needs about {need:.3g} Fourier modes, more than the limit "
            f"{MAX_MODES} (copying.MAX_MODES): sigma must be >= {9.2 / (MAX_MODES - 8):.2g}"
        )
    return int(math.ceil(need))


def pair_l2_norm(N: int, t: float, sigma: float) -> float:
    r""":math:`\|E_2/(f\otimes f)\|_{L^2(f\otimes f)} = (2\sum_{k\ge1}a_k^2)^{1/2}` (infinite for
    :math:`\sigma = 0`, :math:`t>0`)."""
    N, t = _check_N_t(N, t)
    sigma = _check_sigma(sigma)
    if sigma == 0:
        return 0.0 if t == 0 else math.inf
    a = pair_modes(N, t, sigma, _kmax_for(sigma))
    return float(np.sqrt(2.0 * np.sum(a[1:] ** 2)))


def psi2_on_grid(N: int, t: float, sigma: float, n_grid: int | None = None):
    r""":math:`\psi_2(d) = E_2/(f\otimes f) = 2\sum_{k\ge1} a_k\cos(kd)` on a uniform grid of
    :math:`[0,2\pi)` (inverse real FFT); returns ``(d, psi)``."""
    N, t = _check_N_t(N, t)
    sigma = _check_sigma(sigma)
    kmax = _kmax_for(sigma)
    n = n_grid or max(4096, 8 * kmax)
    if n <= 2 * kmax:
        raise ValueError(f"n_grid must exceed 2 kmax = {2 * kmax}, got {n}")
    a = pair_modes(N, t, sigma, kmax)
    spec = np.zeros(n // 2 + 1)
    spec[1 : kmax + 1] = a[1:]
    psi = np.fft.irfft(spec, n) * n  # sum_{k != 0} a_k e^{ikd} with a_{-k} = a_k
    return np.arange(n) * (2 * np.pi / n), psi


def pair_l1_norm(N: int, t: float, sigma: float) -> float:
    r""":math:`\|E_2\|_{L^1} = \frac1{2\pi}\int_0^{2\pi}|\psi_2(d)|\,dd` (at :math:`\sigma = 0`:
    :math:`2(1-e^{-2t/(N-1)})`, the mass of the diagonal atom plus the defect of the rest)."""
    N, t = _check_N_t(N, t)
    sigma = _check_sigma(sigma)
    if sigma == 0:
        return float(birthday_distance(2, N, t))
    _, psi = psi2_on_grid(N, t, sigma)
    return float(np.mean(np.abs(psi)))


def pair_term_l1(
    js: Sequence[int], N: int, t: float, sigma: float, samples: int = 4000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Monte Carlo estimate, with standard errors, of
    :math:`\|\sum_{i<k}E_2^{(ik)}f^{\otimes(j-2)}\|_1 = \mathbb E_{f^{\otimes j}}|U_j|`,
    :math:`U_j = \sum_{i<k}\psi_2(x_i-x_k)`, for each ``j`` in ``js`` (i.i.d. uniform points;
    :math:`\psi_2` from :func:`psi2_on_grid`, linearly interpolated). ``σ > 0`` required.
    Returns ``(mean, stderr)``."""
    N, t = _check_N_t(N, t)
    sigma = _check_sigma(sigma)
    js = np.asarray(js, dtype=int)
    if js.ndim != 1 or js.size == 0 or np.any(js < 2):
        raise ValueError(f"js must be a non-empty list of integers >= 2, got {js!r}")
    if not isinstance(samples, int | np.integer) or samples < 10:
        raise ValueError(f"samples must be an integer >= 10, got {samples!r}")
    d, psi = psi2_on_grid(N, t, sigma)
    n = d.size
    h = 2 * np.pi / n
    rng = np.random.default_rng(seed)
    jm = int(js.max())
    x = rng.random((int(samples), jm)) * 2 * np.pi
    # pair values psi(x_i - x_k) for i < k, accumulated column by column (memory samples * jm)
    cum = np.zeros((int(samples), jm + 1))  # cum[:, j] = U_j
    for k in range(1, jm):
        u = np.mod(x[:, :k] - x[:, k : k + 1], 2 * np.pi) / h
        i0 = np.floor(u).astype(np.int64)
        w = u - i0
        vals = (1 - w) * psi[i0 % n] + w * psi[(i0 + 1) % n]
        cum[:, k + 1] = cum[:, k] + vals.sum(1)
    absU = np.abs(cum[:, js])
    return absU.mean(0), absU.std(0, ddof=1) / np.sqrt(samples)
