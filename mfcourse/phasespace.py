r"""Phase-space pictures of quantum states: Wigner and Husimi transforms, coherent states,
Töplitz quantization, and the bounds relating the quantum-to-classical pseudo-distance
:math:`E_\varepsilon` to Wasserstein distances.

Everything follows Golse's lecture notes (seed 002) §3.2 and the appendix of Golse–Mouhot–Paul
(seed 001), in dimension :math:`d = 1`, with :math:`\hbar = \varepsilon`.

Conventions
-----------
A *grid* is a uniform array ``x`` of ``n`` points with spacing ``dx``; it is treated as periodic of
length :math:`L = n\,dx` (the torus :math:`\mathbf T = \mathbf R/2\pi\mathbf Z` when
:math:`L = 2\pi`; for problems on :math:`\mathbf R` choose a box in which the state is negligible
near the ends). A *state* is either

* a wave function ``psi`` (shape ``(n,)``), normalised by :math:`\sum_j |\psi_j|^2\,dx = 1`, or
* a density matrix given by its integral kernel ``r[j, k]`` :math:`= r(x_j, x_k)` (shape
  ``(n, n)``): the operator acts by :math:`(R\psi)_j = \sum_k r_{jk}\psi_k\,dx`, its trace is
  :math:`\sum_j r_{jj}\,dx`, and it is positive when the matrix :math:`r\,dx` is.

The grid represents wave numbers :math:`|k| < \pi/dx`, i.e. momenta
:math:`|\xi| < \xi_{\max} = \pi\varepsilon/dx`. :func:`check_grid` refuses grids on which a
coherent state (standard deviation :math:`\sqrt{\varepsilon/2}` in :math:`x` and in :math:`\xi`)
does not fit.

Transforms (seed 002 §3.2.3–3.2.4, seed 001 (38)–(43)):

.. math::

    W_\varepsilon[R](x,\xi) = \frac{1}{2\pi}\int e^{-i\xi y}\,
        r\big(x + \tfrac{\varepsilon y}{2}, x - \tfrac{\varepsilon y}{2}\big)\,dy,\qquad
    \widetilde W_\varepsilon[R] = e^{\varepsilon\Delta_{x,\xi}/4} W_\varepsilon[R]
        = \frac{\langle z,\varepsilon|R|z,\varepsilon\rangle}{2\pi\varepsilon},

    |q + ip, \varepsilon\rangle(x) = (\pi\varepsilon)^{-1/4} e^{-(x-q)^2/2\varepsilon}
        e^{ipx/\varepsilon},\qquad
    \mathrm{OP}^T_\varepsilon(\mu) = \frac{1}{2\pi\varepsilon}\int |z,\varepsilon\rangle
        \langle z,\varepsilon|\,\mu(dz).
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np
import scipy.fft as sfft
import scipy.linalg as sla

from mfcourse._validate import finite_scalar
from mfcourse.transport import w2

#: Number of coherent-state standard deviations sqrt(eps/2) that must fit in the momentum window.
COHERENT_FIT = 6.0
#: Gaussian tails below exp(-BAND_EXPONENT) are dropped in the banded (Husimi/Töplitz) sums.
BAND_EXPONENT = 40.0
#: Largest working set of a phase-space transform on an n-point grid (about eight complex n x n
#: arrays, 128 n^2 bytes): 4 GiB, i.e. n <= 5792. Larger grids are refused before allocating.
MAX_TRANSFORM_BYTES = 4 * 2**30
#: Relative Hilbert–Schmidt weight of a state's coherences beyond half the box above which
#: :func:`wigner` reports that the box is too small for a state that is not periodic.
FAR_COHERENCE_TOL = 1e-8


# --------------------------------------------------------------------------- validation
def check_epsilon(eps: float) -> float:
    r"""Return ``eps`` as a float after checking :math:`0 < \varepsilon < \infty`."""
    try:
        value = float(eps)
    except (TypeError, ValueError):
        raise ValueError(f"eps must be a positive number, got {eps!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"eps must be a positive finite number (eps = hbar), got eps={eps!r}")
    return value


def grid_spacing(x) -> tuple[np.ndarray, float, float]:
    """Check that ``x`` is a uniform 1D grid; return ``(x, dx, L)`` with ``L = n dx``."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 8:
        raise ValueError(f"x must be a 1D grid of at least 8 points, got shape {x.shape}")
    steps = np.diff(x)
    dx = float(steps.mean())
    if dx <= 0 or np.max(np.abs(steps - dx)) > 1e-8 * dx:
        raise ValueError(
            f"x must be uniform and increasing; spacings range over [{steps.min():.6g}, "
            f"{steps.max():.6g}]"
        )
    return x, dx, x.size * dx


def momentum_window(x, eps: float) -> float:
    r"""Largest momentum the grid represents, :math:`\xi_{\max} = \pi\varepsilon/dx`."""
    _, dx, _ = grid_spacing(x)
    return math.pi * check_epsilon(eps) / dx


def check_grid(x, eps: float) -> tuple[np.ndarray, float, float]:
    r"""Refuse grids too coarse (or boxes too small) for a phase-space cell at scale ``eps``.

    A coherent state has standard deviation :math:`\sigma = \sqrt{\varepsilon/2}` in position and
    in momentum. We require :data:`COHERENT_FIT` :math:`\sigma` to fit in the momentum window,
    :math:`\pi\varepsilon/dx \ge 6\sigma`, and in half the box, :math:`L/2 \ge 6\sigma`.
    Returns ``(x, dx, L)``.
    """
    eps = check_epsilon(eps)
    x, dx, L = grid_spacing(x)
    sigma = math.sqrt(eps / 2)
    xi_max = math.pi * eps / dx
    if xi_max < COHERENT_FIT * sigma:
        n_min = math.ceil(COHERENT_FIT * sigma * L / (math.pi * eps))
        raise ValueError(
            f"grid too coarse for eps={eps:g}: dx={dx:.4g} gives the momentum window "
            f"|xi| < pi*eps/dx = {xi_max:.4g}, but a coherent state needs "
            f"{COHERENT_FIT:g}*sqrt(eps/2) = {COHERENT_FIT * sigma:.4g}; use n >= {n_min} points "
            f"on this box of length {L:.4g}"
        )
    if L / 2 < COHERENT_FIT * sigma:
        raise ValueError(
            f"box too small for eps={eps:g}: L/2 = {L / 2:.4g} < {COHERENT_FIT:g}*sqrt(eps/2) = "
            f"{COHERENT_FIT * sigma:.4g}"
        )
    return x, dx, L


def as_density_matrix(state, dx: float, *, check: bool = True, rtol: float = 1e-9):
    r"""Return the kernel ``r`` (shape ``(n, n)``) of a wave function or a density matrix.

    With ``check=True`` a 2D input must be Hermitian (:math:`\max|r - r^*| \le`
    ``rtol`` :math:`\max|r|`), positive (the Cholesky factorisation of
    :math:`r\,dx + \delta I` with :math:`\delta =` ``rtol`` :math:`\operatorname{tr}R` must exist)
    and of positive trace; otherwise ``ValueError`` names the offending numbers.
    """
    a = np.asarray(state)
    if a.ndim == 1:
        if not np.all(np.isfinite(a)):
            raise ValueError("state: the wave function contains non-finite values (NaN or inf)")
        if not np.any(a):
            raise ValueError("state: the wave function is zero; a state needs positive norm")
        return np.outer(a, a.conj())
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"a state is a wave function (n,) or a kernel (n, n), got {a.shape}")
    a = a.astype(complex, copy=False)
    if not np.all(np.isfinite(a)):
        raise ValueError("the density matrix contains non-finite entries")
    if check:
        scale = float(np.max(np.abs(a))) or 1.0
        herm = float(np.max(np.abs(a - a.conj().T)))
        if herm > rtol * scale:
            raise ValueError(
                f"density matrix is not Hermitian: max|r - r^*| = {herm:.3g} "
                f"(relative {herm / scale:.3g}, allowed {rtol:g})"
            )
        trace = float(np.real(np.trace(a))) * dx
        if trace <= 0:
            raise ValueError(f"density matrix must have positive trace, got trace = {trace:.3g}")
        shifted = a * dx + (rtol * trace) * np.eye(a.shape[0])
        try:
            sla.cholesky(shifted, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            lam = np.linalg.eigvalsh((a + a.conj().T) * (dx / 2))
            raise ValueError(
                f"density matrix is not positive: smallest eigenvalue {lam[0]:.3g} "
                f"(trace {trace:.3g}; allowed >= {-rtol * trace:.3g})"
            ) from None
    return a


def _grid_and_kernel(state, x, eps, check: bool):
    """Checked grid ``(x, dx, L)``, ``eps`` as a float, and the state's kernel on that grid."""
    x, dx, L = check_grid(x, eps)
    need = 128 * x.size**2
    if need > MAX_TRANSFORM_BYTES:
        n_max = math.isqrt(MAX_TRANSFORM_BYTES // 128)
        raise ValueError(
            f"x: a phase-space transform on n={x.size} points needs about {need / 2**30:.3g} GiB "
            f"(128 n^2 bytes); the limit is {MAX_TRANSFORM_BYTES / 2**30:g} GiB, n <= {n_max}"
        )
    r = as_density_matrix(state, dx, check=check)
    if r.shape != (x.size, x.size):
        raise ValueError(f"state has shape {r.shape}, the grid has n={x.size} points")
    return x, dx, L, float(eps), r


def orbitals(r, dx: float, *, rtol: float = 1e-12):
    r"""Eigen-decomposition :math:`r = \sum_k \lambda_k \psi_k\overline{\psi_k}` of a kernel.

    Returns ``(weights, psi)`` with ``psi`` of shape ``(n, rank)``, columns normalised in
    :math:`L^2(dx)`, keeping the eigenvalues above ``rtol`` times the largest (sorted,
    largest first). Low-rank states evolve orbital by orbital (see :mod:`mfcourse.vonneumann`).
    """
    r = np.asarray(r, dtype=complex)
    lam, u = np.linalg.eigh((r + r.conj().T) * (dx / 2))
    keep = lam > rtol * max(lam[-1], 0.0)
    lam, u = lam[keep][::-1], u[:, keep][:, ::-1]
    return lam, u / math.sqrt(dx)


# --------------------------------------------------------------------------- coherent states
def coherent_state(x, q: float, p: float, eps: float) -> np.ndarray:
    r"""The coherent state :math:`|q+ip,\varepsilon\rangle(x) = (\pi\varepsilon)^{-1/4}
    e^{-(x-q)^2/2\varepsilon} e^{ipx/\varepsilon}` on the grid (seed 002 §3.2.4).

    On a periodic grid the distance :math:`x - q` is taken in :math:`[-L/2, L/2)`; the global
    phase is continuous where the Gaussian is not negligible.
    """
    x, _, L = check_grid(x, eps)
    eps = float(eps)
    u = (x - q + L / 2) % L - L / 2
    return (math.pi * eps) ** -0.25 * np.exp(-(u**2) / (2 * eps) + 1j * p * (u + q) / eps)


def momentum_grid(x, eps: float) -> np.ndarray:
    r"""Momenta :math:`p_l = 2\pi l\varepsilon/L`, :math:`-n/2 \le l < n/2`, of :func:`husimi`."""
    x, _, L = grid_spacing(x)
    n = x.size
    return 2 * math.pi * check_epsilon(eps) / L * np.arange(-(n // 2), n - n // 2)


# --------------------------------------------------------------------------- Wigner
def far_coherence(r, dx: float) -> tuple[float, float]:
    r"""How much of a kernel lives at separations beyond half the box, and how far it reaches.

    Returns ``(weight, extent)``: the share of :math:`\sum|r_{ab}|^2` carried by pairs with
    :math:`|a-b| > n/2` (linear, not circular, index distance), and the largest separation
    :math:`|x_a - x_b|` with :math:`|r_{ab}|^2` above :data:`FAR_COHERENCE_TOL` times its maximum.
    A state confined to the box needs ``weight == 0``, i.e. a box longer than ``2 * extent``.
    """
    r = np.asarray(r)
    n = r.shape[0]
    mod2 = np.abs(r) ** 2
    total = float(mod2.sum()) or 1.0
    dist = np.abs(np.arange(n)[:, None] - np.arange(n)[None, :])
    weight = float(mod2[dist > n / 2].sum()) / total
    above = mod2 > FAR_COHERENCE_TOL * float(mod2.max(initial=0.0))
    extent = float(dist[above].max(initial=0)) * dx
    return weight, extent


def wigner(state, x, eps: float, *, check: bool = True, periodic: bool | None = None):
    r"""Wigner transform :math:`W_\varepsilon[R](x_j, \xi_k)` of a wave function or a kernel.

    Seed 002 §3.2.3:
    :math:`W_\varepsilon[R](x,\xi) = (2\pi)^{-1}\int e^{-i\xi y}
    r(x+\varepsilon y/2, x-\varepsilon y/2)\,dy`. With :math:`\varepsilon y/2 = m\,dx/2` the
    integral is a discrete Fourier transform over :math:`m \in \mathbf Z_{2n}`: even :math:`m`
    reads the kernel on the grid, odd :math:`m` reads the kernel shifted by half a cell
    (:math:`r(x+dx/2, y-dx/2)`, spectral interpolation), so that the full momentum window
    :math:`|\xi| < \pi\varepsilon/dx` is represented without aliasing. On a periodic grid only
    pairs :math:`x \pm \varepsilon y/2` closer than :math:`L/2` (the shorter arc) enter; this
    removes the sign-alternating ghost that the torus' second midpoint would create and changes
    nothing for states whose coherence length is below :math:`L/2`.

    Returns ``(xi, W)``: ``xi`` (length ``2n``, spacing :math:`\pi\varepsilon/L`) and ``W`` of
    shape ``(n, 2n)`` with ``W[j, k]`` at :math:`(x_j, \xi_k)`; :math:`\sum W\,dx\,d\xi =
    \operatorname{tr}R`, :math:`\sum_k W\,d\xi = r(x, x)`.

    ``periodic`` says what the grid is. ``True``: the state lives on the circle of length
    :math:`L` and the shorter arc is the right separation. ``False``: the state lives in the box,
    and coherences beyond :math:`L/2` (which the shorter-arc rule would misread) raise
    ``ValueError`` with the box length needed. ``None`` (default): the same check, reported as a
    ``RuntimeWarning`` (a state confined to less than half the box passes silently either way).
    """
    x, dx, L, eps, r = _grid_and_kernel(state, x, eps, check)
    if periodic is not True:
        weight, extent = far_coherence(r, dx)
        if weight > FAR_COHERENCE_TOL:
            msg = (
                f"state: {weight:.2g} of its coherence (Hilbert-Schmidt weight) is at separations "
                f"beyond half the box L/2 = {L / 2:.4g}, which the Wigner transform on this grid "
                f"would read across the boundary: use a box of length >= {2 * extent + 2 * dx:.4g}"
                " (or periodic=True if the state lives on the circle)"
            )
            if periodic is False:
                raise ValueError(msg)
            warnings.warn(msg, RuntimeWarning, stacklevel=2)
    n = x.size
    k = 2 * math.pi * sfft.fftfreq(n, dx)
    half = np.exp(0.5j * k * dx)
    if n % 2 == 0:
        half[n // 2] = 0.0  # the Nyquist mode has no well-defined half shift
    rhat = sfft.fft2(r)
    r_half = sfft.ifft2(rhat * half[:, None] * half.conj()[None, :])
    j = np.arange(n)[:, None]
    m = np.arange(n)[None, :]
    plus, minus = (j + m) % n, (j - m) % n
    c = np.empty((n, 2 * n), dtype=complex)
    c[:, 0::2] = r[plus, minus]
    c[:, 1::2] = r_half[plus, minus]
    # keep pairs x +- m dx/2 whose separation |m| dx is the shorter arc (< L/2): without this
    # window the torus Wigner function carries a sign-alternating ghost at the antipode
    signed = np.abs(np.where(np.arange(2 * n) < n, np.arange(2 * n), np.arange(2 * n) - 2 * n))
    c *= np.where(signed < n / 2, 1.0, np.where(signed == n / 2, 0.5, 0.0))[None, :]
    dy = dx / eps
    w = sfft.fftshift(sfft.fft(c, axis=1), axes=1).real * (dy / (2 * math.pi))
    xi = math.pi * eps / L * np.arange(-n, n)
    return xi, w


def gaussian_smoothing(w, x, xi, variance: float) -> np.ndarray:
    r"""Convolve a phase-space function on the grid ``x`` × ``xi`` with the centred Gaussian of
    covariance ``variance`` :math:`\cdot I`, i.e. apply :math:`e^{\,\mathrm{variance}\,
    \Delta_{x,\xi}/2}` spectrally (periodic in both directions)."""
    x, dx, _ = grid_spacing(x)
    xi, dxi, _ = grid_spacing(xi)
    w = np.asarray(w, dtype=float)
    if w.shape != (x.size, xi.size):
        raise ValueError(f"w has shape {w.shape}, expected {(x.size, xi.size)}")
    if not variance >= 0:
        raise ValueError(f"variance must be >= 0, got {variance!r}")
    kx = 2 * math.pi * sfft.fftfreq(x.size, dx)
    kxi = 2 * math.pi * sfft.rfftfreq(xi.size, dxi)
    mult = np.exp(-variance / 2 * (kx[:, None] ** 2 + kxi[None, :] ** 2))
    return sfft.irfft2(sfft.rfft2(w) * mult, s=w.shape)


def husimi_from_wigner(w, x, xi, eps: float) -> np.ndarray:
    r"""Husimi transform as Gaussian smoothing of the Wigner function,
    :math:`\widetilde W_\varepsilon = G_{\varepsilon/2} \star W_\varepsilon` (covariance
    :math:`(\varepsilon/2) I`; seed 002 §3.2.3, seed 001 appendix)."""
    return gaussian_smoothing(w, x, xi, check_epsilon(eps) / 2)


# --------------------------------------------------------------------------- Husimi
def _band(dx: float, eps: float, n: int) -> np.ndarray:
    """Offsets m (s = m dx) on which exp(-s^2/4eps) exceeds exp(-BAND_EXPONENT)."""
    mmax = min((n - 1) // 2, math.ceil(math.sqrt(4 * eps * BAND_EXPONENT) / dx))
    return np.arange(-mmax, mmax + 1)


def husimi(state, x, eps: float, *, check: bool = True):
    r"""Husimi transform by coherent-state projection,
    :math:`\widetilde W_\varepsilon[R](q,p) = (2\pi\varepsilon)^{-1}\langle q+ip,\varepsilon|R|
    q+ip,\varepsilon\rangle` (seed 001 appendix, before (43)), at all grid points
    :math:`q = x_j` and momenta :math:`p_l = 2\pi l\varepsilon/L` (:func:`momentum_grid`).

    Writing :math:`x = y + s`, the product of the two coherent states factors as
    :math:`e^{-s^2/4\varepsilon}e^{-(y+s/2-q)^2/\varepsilon}e^{-ips/\varepsilon}`, so

    .. math::

        \widetilde W_\varepsilon[R](q,p) = \frac{1}{2\pi\varepsilon}\int e^{-ips/\varepsilon}
        e^{-s^2/4\varepsilon}\,(G_{\varepsilon/2}\star r(\cdot+s,\cdot))(q - s/2)\,ds,

    a band of diagonals of the kernel, each smoothed spectrally, then one FFT in :math:`s`.
    This route never forms a Wigner function: it cross-checks :func:`husimi_from_wigner`.

    Returns ``(p, Q)`` with ``Q[j, l]`` at :math:`(x_j, p_l)`; ``Q >= 0`` up to rounding.
    """
    x, dx, L, eps, r = _grid_and_kernel(state, x, eps, check)
    n = x.size
    m = _band(dx, eps, n)
    s = m * dx
    j = np.arange(n)[None, :]
    diag = r[(j + m[:, None]) % n, j]  # diag[i, j] = r(x_j + s_i, x_j)
    k = 2 * math.pi * sfft.fftfreq(n, dx)
    mult = np.exp(-eps * k[None, :] ** 2 / 4 - 0.5j * k[None, :] * s[:, None])
    smooth = sfft.ifft(sfft.fft(diag, axis=1) * mult, axis=1)
    smooth *= np.exp(-(s**2) / (4 * eps))[:, None]
    full = np.zeros((n, n), dtype=complex)
    full[m % n, :] = smooth
    q = sfft.fft(full, axis=0) * (dx / (2 * math.pi * eps))  # sum_m e^{-2 pi i l m / n}
    q = sfft.fftshift(q, axes=0).real.T
    return momentum_grid(x, eps), q


def husimi_at(state, x, eps: float, q, p, *, check: bool = True) -> np.ndarray:
    r"""Husimi function at given points by explicit inner products with coherent states,
    :math:`(2\pi\varepsilon)^{-1}\langle z|R|z\rangle` (slow reference for a few points)."""
    x, dx, _ = check_grid(x, eps)
    r = as_density_matrix(state, dx, check=check)
    q, p = np.broadcast_arrays(np.asarray(q, float), np.asarray(p, float))
    out = np.empty(q.shape)
    for idx in np.ndindex(q.shape):
        g = coherent_state(x, q[idx], p[idx], eps)
        out[idx] = np.real(g.conj() @ r @ g) * dx * dx / (2 * math.pi * eps)
    return out


# --------------------------------------------------------------------------- Töplitz
def toeplitz_points(q, p, weights, x, eps: float) -> np.ndarray:
    r"""Kernel of the Töplitz operator of a weighted point cloud
    :math:`\mu = \sum_a w_a\delta_{(q_a,p_a)}`:
    :math:`\mathrm{OP}^T_\varepsilon(\mu) = (2\pi\varepsilon)^{-1}\sum_a w_a |z_a\rangle\langle
    z_a|` (seed 002 §3.2.4). It is a density operator when :math:`\sum_a w_a = 2\pi\varepsilon`;
    for a single point with :math:`w = 2\pi\varepsilon` it is the coherent state's projector.
    """
    x, _, _ = check_grid(x, eps)
    q = np.atleast_1d(np.asarray(q, float))
    p = np.atleast_1d(np.asarray(p, float))
    w = np.atleast_1d(np.asarray(weights, float))
    if not (q.shape == p.shape == w.shape and q.ndim == 1):
        raise ValueError(f"q, p, weights must be 1D of one length, got {q.shape, p.shape, w.shape}")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError(f"weights must be finite and >= 0 (min {w.min():.3g})")
    r = np.zeros((x.size, x.size), dtype=complex)
    for start in range(0, q.size, 256):
        sl = slice(start, start + 256)
        g = np.stack(
            [coherent_state(x, a, b, eps) for a, b in zip(q[sl], p[sl], strict=True)], axis=1
        )
        r += (g * w[sl]) @ g.conj().T
    return r / (2 * math.pi * eps)


def toeplitz_density(f, x, p, eps: float) -> np.ndarray:
    r"""Kernel of :math:`\mathrm{OP}^T_\varepsilon((2\pi\varepsilon) f) = \int f(z)\,
    |z,\varepsilon\rangle\langle z,\varepsilon|\,dz` for a phase-space density ``f[j, l]`` given
    at :math:`(q_j, p_l) = (x_j, p_l)` (seed 002 Theorem 3.4's initial data; a density operator
    of trace :math:`\int f` when :math:`f \ge 0`).

    With :math:`F(q, s) = \int f(q,p)e^{ips/\varepsilon}dp`, the kernel is banded:

    .. math::

        r(y+s, y) = e^{-s^2/4\varepsilon}\,(G_{\varepsilon/2}\star F(\cdot,s))(y + s/2).

    ``p`` must be uniform with spacing at most :math:`\sqrt{\varepsilon/2}` (the symbol must
    resolve a coherent state) and ``f`` must vanish outside the momentum window
    :math:`|p| < \pi\varepsilon/dx - 6\sqrt{\varepsilon/2}`.
    """
    x, dx, _ = check_grid(x, eps)
    eps = float(eps)
    p, dp, _ = grid_spacing(p)
    f = np.asarray(f, dtype=float)
    if f.shape != (x.size, p.size):
        raise ValueError(f"f has shape {f.shape}, expected (len(x), len(p)) = {(x.size, p.size)}")
    if np.any(f < 0) or not np.all(np.isfinite(f)):
        raise ValueError(f"f must be finite and >= 0 (min {np.nanmin(f):.3g})")
    sigma = math.sqrt(eps / 2)
    if dp > sigma:
        raise ValueError(
            f"p-grid too coarse for eps={eps:g}: dp={dp:.4g} > sqrt(eps/2) = {sigma:.4g}"
        )
    support = np.abs(p[f.max(axis=0) > 1e-12 * f.max()])
    limit = math.pi * eps / dx - COHERENT_FIT * sigma
    if support.size and support.max() > limit:
        raise ValueError(
            f"f reaches |p| = {support.max():.4g}, beyond what the x-grid holds at eps={eps:g}: "
            f"|p| must stay below pi*eps/dx - {COHERENT_FIT:g}*sqrt(eps/2) = {limit:.4g}"
        )
    n = x.size
    m = _band(dx, eps, n)
    s = m * dx
    big_f = (f @ np.exp(1j * np.outer(p, s) / eps)) * dp  # (n, band): F(q_j, s_i)
    k = 2 * math.pi * sfft.fftfreq(n, dx)
    mult = np.exp(-eps * k[:, None] ** 2 / 4 + 0.5j * k[:, None] * s[None, :])
    diag = sfft.ifft(sfft.fft(big_f, axis=0) * mult, axis=0)  # diag[j, i] = r(x_j + s_i, x_j)
    diag *= np.exp(-(s**2) / (4 * eps))[None, :]
    r = np.zeros((n, n), dtype=complex)
    j = np.arange(n)[:, None]
    r[(j + m[None, :]) % n, np.broadcast_to(j, diag.shape)] = diag
    return (r + r.conj().T) / 2


# --------------------------------------------------------------------------- W2 and bounds
def _bin_measure(f, x, xi, x_edges, xi_edges):
    """Masses and barycentres of the phase-space density f (on x × xi) in the given bins."""
    x, dx, _ = grid_spacing(x)
    xi, dxi, _ = grid_spacing(xi)
    f = np.asarray(f, dtype=float)
    if f.shape != (x.size, xi.size):
        raise ValueError(f"density has shape {f.shape}, expected {(x.size, xi.size)}")
    xx, vv = np.meshgrid(x, xi, indexing="ij")
    mass = np.clip(f, 0, None) * dx * dxi
    args = (xx.ravel(), vv.ravel())
    bins = (x_edges, xi_edges)
    m, _, _ = np.histogram2d(*args, bins=bins, weights=mass.ravel())
    mx, _, _ = np.histogram2d(*args, bins=bins, weights=(mass * xx).ravel())
    mv, _, _ = np.histogram2d(*args, bins=bins, weights=(mass * vv).ravel())
    keep = m > 0
    return m[keep], np.column_stack([mx[keep] / m[keep], mv[keep] / m[keep]])


def w2_phase_space(
    f,
    x_f,
    xi_f,
    g,
    x_g,
    xi_g,
    *,
    period: float | None = None,
    bins: tuple[int, int] = (48, 48),
    xi_range: tuple[float, float] | None = None,
):
    r"""Wasserstein distance :math:`W_2` between two phase-space densities on grids, e.g. a
    Vlasov solution :math:`f` and a Husimi function :math:`\widetilde W_\varepsilon[R]`.

    Both densities are normalised to mass one and quantised onto ``bins`` cells (each cell's
    mass sits at that measure's barycentre in the cell); the exact discrete problem is then solved
    by :func:`mfcourse.transport.w2` (POT's network simplex) with the cost
    :math:`d_x^2 + |\xi-\eta|^2`, where :math:`d_x` is the periodic distance when ``period`` is
    given (the torus). Quantisation moves mass by at most a cell diameter; choose ``bins`` so that
    cells are small against the distance measured (the tests compare with the Gaussian closed
    form). The quantised problem overestimates: when two smooth densities differ by a
    displacement :math:`\delta` smaller than a cell of size :math:`h`, mass must cross cell
    boundaries and the result behaves like :math:`\sqrt{\delta h}` instead of :math:`\delta`.
    The dense cost matrix limits ``bins`` to about 40×40 (seconds; 64×64 takes a minute). For
    small distances use :func:`w2_linearized`.
    """
    x_f, dx_f, _ = grid_spacing(x_f)
    x_g, dx_g, _ = grid_spacing(x_g)
    xi_f, _, _ = grid_spacing(xi_f)
    xi_g, _, _ = grid_spacing(xi_g)
    if period is not None:
        x_lo = min(x_f[0], x_g[0]) - min(dx_f, dx_g) / 2
        x_edges = np.linspace(x_lo, x_lo + period, bins[0] + 1)
        wrap = lambda a: (a - x_lo) % period + x_lo  # noqa: E731
        x_f, x_g = wrap(x_f), wrap(x_g)
        order_f, order_g = np.argsort(x_f), np.argsort(x_g)
        f = np.asarray(f)[order_f]
        g = np.asarray(g)[order_g]
        x_f, x_g = x_f[order_f], x_g[order_g]
    else:
        lo, hi = min(x_f[0], x_g[0]), max(x_f[-1], x_g[-1])
        x_edges = np.linspace(lo - 1e-9, hi + 1e-9, bins[0] + 1)
    if xi_range is None:
        xi_range = (min(xi_f[0], xi_g[0]) - 1e-9, max(xi_f[-1], xi_g[-1]) + 1e-9)
    xi_edges = np.linspace(*xi_range, bins[1] + 1)
    a, pa = _bin_measure(f, x_f, xi_f, x_edges, xi_edges)
    b, pb = _bin_measure(g, x_g, xi_g, x_edges, xi_edges)
    if period is None:
        return w2(pa, pb, a / a.sum(), b / b.sum(), metric="euclidean", periodic=())
    return w2(pa, pb, a / a.sum(), b / b.sum(), metric="euclidean", periodic=(0,), period=period)


def w2_linearized(f, g, x, xi, *, period: float | None = None, floor: float = 1e-9) -> float:
    r"""**Approximation** of :math:`W_2(f, g)` for two *nearby* phase-space densities on the same
    grid, by the weighted :math:`\dot H^{-1}` norm (the linearisation of :math:`W_2`, Otto's
    Riemannian picture):

    .. math::

        W_2(f, g) \approx \|g - f\|_{\dot H^{-1}(m)} = \Big(\int m\,|\nabla\phi|^2\Big)^{1/2},
        \qquad -\nabla\cdot(m\nabla\phi) = g - f,\quad m = \tfrac12(f + g),

    with the flux set to zero at the ends of the :math:`\xi` range and periodicity in :math:`x`
    when ``period`` is given (it must then equal the grid length). The error is of higher order
    in :math:`W_2` for smooth densities (the tests compare with the Gaussian closed form); use
    it where the exact solver :func:`w2_phase_space` cannot resolve the distance, i.e. when
    :math:`W_2` is smaller than the quantisation cells (Peyre 2018:
    :math:`W_2 \le 2\|f-g\|_{\dot H^{-1}(f)}` in general). ``floor`` (relative to
    :math:`\max m`) keeps the weight positive in the tails. Both densities are normalised to
    mass one.
    """
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    x, dx, length = grid_spacing(x)
    xi, dxi, _ = grid_spacing(xi)
    f = np.asarray(f, dtype=float)
    g = np.asarray(g, dtype=float)
    shape = (x.size, xi.size)
    if f.shape != shape or g.shape != shape:
        raise ValueError(f"f and g must both have shape {shape}, got {f.shape} and {g.shape}")
    if period is not None and abs(period - length) > 1e-9 * length:
        raise ValueError(f"period={period!r} must equal the grid length n dx = {length!r}")
    for name, a in (("f", f), ("g", g)):
        if not np.all(np.isfinite(a)) or a.min() < -1e-12 * np.abs(a).max() or a.sum() <= 0:
            raise ValueError(f"{name} must be a finite non-negative density of positive mass")
    cell = dx * dxi
    f = np.clip(f, 0, None) / (np.clip(f, 0, None).sum() * cell)
    g = np.clip(g, 0, None) / (np.clip(g, 0, None).sum() * cell)
    m = 0.5 * (f + g)
    m = m + floor * m.max()
    nx, nv = shape
    idx = np.arange(nx * nv).reshape(shape)
    rows, cols, vals = [], [], []

    def faces(a, b, w, h2):
        rows.extend([a, b, a, b])
        cols.extend([a, b, b, a])
        vals.extend([w / h2, w / h2, -w / h2, -w / h2])

    # x-faces (periodic or not), then xi-faces (no flux through the ends)
    right = np.roll(idx, -1, axis=0) if period is not None else idx[1:]
    left = idx if period is not None else idx[:-1]
    mr = np.roll(m, -1, axis=0) if period is not None else m[1:]
    ml = m if period is not None else m[:-1]
    faces(left.ravel(), right.ravel(), (0.5 * (ml + mr)).ravel(), dx * dx)
    faces(idx[:, :-1].ravel(), idx[:, 1:].ravel(), (0.5 * (m[:, :-1] + m[:, 1:])).ravel(), dxi**2)
    lap = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(nx * nv,) * 2
    )
    rhs = (g - f).ravel()
    # the operator annihilates constants and rhs has zero mean: pin phi at one cell
    lap = lap.tolil()
    lap[0, :] = 0.0
    lap[0, 0] = 1.0
    rhs[0] = 0.0
    phi = spla.spsolve(lap.tocsc(), rhs)
    return math.sqrt(max(float(phi @ (g - f).ravel()) * cell, 0.0))


def resample_phase_space(w, x, xi, x_new, xi_new, *, period: float | None = None):
    r"""Resample a smooth phase-space function from the grid ``x`` × ``xi`` to ``x_new`` ×
    ``xi_new``: trigonometric interpolation in :math:`x` when ``period`` is given (both grids
    must then start on a common lattice of that period; e.g. the torus grids
    :math:`2\pi j/n`), cubic splines otherwise and in :math:`\xi` (zero outside the old range).
    Used to put a Husimi function and a Vlasov solution on one grid.
    """
    from scipy.interpolate import CubicSpline

    x, dx, length = grid_spacing(x)
    xi, _, _ = grid_spacing(xi)
    x_new, _, length_new = grid_spacing(x_new)
    xi_new = np.asarray(xi_new, dtype=float)
    w = np.asarray(w, dtype=float)
    if w.shape != (x.size, xi.size):
        raise ValueError(f"w has shape {w.shape}, expected {(x.size, xi.size)}")
    if period is not None:
        if abs(length - period) > 1e-9 * period or abs(length_new - period) > 1e-9 * period:
            raise ValueError(
                f"both x-grids must cover one period {period!r}, got {length!r}, {length_new!r}"
            )
        n, n_new = x.size, x_new.size
        spec = sfft.rfft(w, axis=0)
        kmax = min(n, n_new) // 2
        k = 2 * math.pi / period * np.arange(kmax + 1)
        # shift to the new grid's origin, then zero-pad or truncate
        spec = spec[: kmax + 1] * np.exp(1j * k * (x_new[0] - x[0]))[:, None]
        if min(n, n_new) % 2 == 0:
            spec[-1] *= 0.5 if n_new != n else 1.0
        w = sfft.irfft(spec, n=n_new, axis=0) * (n_new / n)
    else:
        w = CubicSpline(x, w, axis=0, extrapolate=False)(x_new)
    out = CubicSpline(xi, w, axis=1, extrapolate=False)(xi_new)
    return np.nan_to_num(out, nan=0.0)


def _check_dim(d) -> int:
    if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1:
        raise ValueError(f"d (the dimension) must be an integer >= 1, got {d!r}")
    return int(d)


def e_eps_lower_bound(w2_f_husimi: float, eps: float, d: int = 1) -> float:
    r"""Theorem 3.3 (seed 002): :math:`E_\varepsilon(f,R)^2 \ge \max(d\varepsilon,
    W_2(f,\widetilde W_\varepsilon[R])^2 - d\varepsilon)`; returns the lower bound on
    :math:`E_\varepsilon`."""
    eps = check_epsilon(eps)
    w2_f_husimi = finite_scalar(w2_f_husimi, "w2_f_husimi", lo=0.0)
    d = _check_dim(d)
    return math.sqrt(max(d * eps, w2_f_husimi**2 - d * eps))


def e_eps_upper_bound(w2_f_mu: float, eps: float, d: int = 1) -> float:
    r"""Theorem 3.4 (seed 002): :math:`E_\varepsilon(f,\mathrm{OP}^T_\varepsilon((2\pi
    \varepsilon)^d\mu))^2 \le W_2(f,\mu)^2 + d\varepsilon`; returns the bound on
    :math:`E_\varepsilon`."""
    eps = check_epsilon(eps)
    w2_f_mu = finite_scalar(w2_f_mu, "w2_f_mu", lo=0.0)
    d = _check_dim(d)
    return math.sqrt(w2_f_mu**2 + d * eps)


def mk2_eps_floor(eps: float, d: int = 1) -> float:
    r"""Golse–Mouhot–Paul (seed 001) Theorem 2.3 (11): :math:`MK_2^\varepsilon(\rho,\bar\rho)^2
    \ge 2d\varepsilon` for all density operators, in particular :math:`MK_2^\varepsilon(\rho,\rho)
    \ge \sqrt{2d\varepsilon} > 0` — it is not a distance. Returns :math:`\sqrt{2d\varepsilon}`."""
    return math.sqrt(2 * _check_dim(d) * check_epsilon(eps))


def gamma_constant(lip_grad: float) -> float:
    r""":math:`\Gamma = 1 + 2\max(1, 2\,\mathrm{Lip}(\nabla V)^2)` of Theorem 3.5 (seed 002)."""
    lip_grad = finite_scalar(lip_grad, "lip_grad", lo=0.0)
    return 1 + 2 * max(1.0, 2 * lip_grad**2)


def theorem35_bound(
    t,
    eps: float,
    *,
    interaction=None,
    lip_grad: float | None = None,
    sup_grad: float | None = None,
    n_particles: float = math.inf,
    d: int = 1,
):
    r"""Right-hand side of Theorem 3.5(2) (seed 002), as a bound on :math:`W_2`:

    .. math::

        W_2\big(f(t), \widetilde W_\varepsilon[R_{\varepsilon,N:1}(t)]\big) \le
        \Big(d\varepsilon(1 + e^{\Gamma t}) + \frac{(2\|\nabla V\|_\infty)^2}{N-1}
        \frac{e^{\Gamma t} - 1}{\Gamma}\Big)^{1/2}.

    The constants come from ``interaction`` (its ``lip_grad`` and ``sup_grad``) or are given.
    The Grönwall term is written :math:`(e^{\Gamma t}-1)/\Gamma`, which vanishes at
    :math:`t = 0` as the proof's Grönwall argument gives (the seed's typesetting places the
    :math:`-1` ambiguously). The proof (lecture 3, §5) gives :math:`1/N` where the seed's
    statement has :math:`1/(N-1)`; we keep the seed's weaker (hence also true) form here.
    For Hartree (:math:`N = \infty`) only the :math:`d\varepsilon` term remains (Corollary 5.2
    of lecture 3). Vectorised in ``t``.
    """
    eps = check_epsilon(eps)
    if interaction is not None:
        lip_grad, sup_grad = interaction.lip_grad, interaction.sup_grad
    if lip_grad is None or sup_grad is None:
        raise ValueError("give interaction= or both lip_grad= and sup_grad=")
    if not n_particles > 1:
        raise ValueError(f"n_particles must be > 1, got {n_particles!r}")
    gamma = gamma_constant(lip_grad)
    t = np.asarray(t, dtype=float)
    growth = np.exp(gamma * t)
    mf = 0.0 if math.isinf(n_particles) else (2 * sup_grad) ** 2 / (n_particles - 1)
    out = np.sqrt(d * eps * (1 + growth) + mf * (growth - 1) / gamma)
    return float(out) if out.ndim == 0 else out
