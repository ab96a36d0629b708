r"""Fermions: Slater determinants, one-body density matrices, the antisymmetric Fock space.

Lecture 5 (Saffirio after Benedikter–Porta–Saffirio–Schlein, seed 003; Golse, seed 002, Remark
2.8(7) and §3.6(1)). The fermionic twin of :mod:`mfcourse.quantum.fock`.

One-body density matrices
-------------------------
A Slater determinant :math:`\Psi = \varphi_1\wedge\dots\wedge\varphi_N` of orthonormal orbitals has
the one-body density matrix (normalised to trace :math:`N`, as in seed 003)

.. math::

    \omega(x;y) = \sum_{j=1}^N \varphi_j(x)\,\overline{\varphi_j(y)},\qquad
    \operatorname{tr}\omega = N,\quad \omega^2 = \omega,

a projection; mixed quasi-free states have :math:`0 \le \omega \le 1` (Pauli). Kernels follow the
grid conventions of :mod:`mfcourse.phasespace` (operator
:math:`(R\psi)_j = \sum_k r_{jk}\psi_k dx`).

Phase space, :math:`d = 1`, :math:`\varepsilon = 1/N` (seed 003):

.. math::

    W_N(x,v) = \frac{\varepsilon}{2\pi}\int \omega\big(x+\tfrac{\varepsilon y}{2};
        x-\tfrac{\varepsilon y}{2}\big)e^{-ivy}\,dy
        = \varepsilon\,W_\varepsilon[\omega](x, v),\qquad
    \tilde\omega(x;y) = N\int f\big(\tfrac{x+y}{2}, v\big)e^{iv(x-y)/\varepsilon}\,dv,

so that :math:`\int W_N = \varepsilon\operatorname{tr}\omega = 1` exactly when
:math:`\varepsilon N = 1`, and the Weyl quantisation :math:`\tilde\omega` of :math:`f` has
:math:`W_N[\tilde\omega] = f`.

Antisymmetric Fock space
------------------------
:class:`FermionFockSpace` spans the :math:`\binom{K}{N}` occupation patterns of :math:`N`
fermions in :math:`K` modes, stored as bit masks. The sign rule: :math:`a_c` acting on a pattern
:math:`s` with mode :math:`c` occupied gives
:math:`(-1)^{\#\{b < c:\ b \in s\}}\,|s\setminus c\rangle`;
:math:`a^\dagger_a` likewise. Operators are sparse matrices; :meth:`FermionFockSpace.gamma1`
gives :math:`\gamma_{ab} = \langle\Psi, a_b^\dagger a_a\Psi\rangle` (trace :math:`N`).
"""

from __future__ import annotations

import math
import numbers
from itertools import combinations

import numpy as np
import scipy.sparse as sp

from mfcourse import phasespace as ps

__all__ = [
    "check_particle_number",
    "check_density_matrix",
    "slater_density_matrix",
    "wigner_n",
    "weyl_quantize",
    "plancherel_defect",
    "trace_norm",
    "commutator_trace_norm",
    "ho_wigner_closed_form",
    "ho_wigner_cut",
    "airy_edge_profile",
    "FermionFockSpace",
]

TWO_PI = 2.0 * math.pi


# --------------------------------------------------------------------------- validation
def check_particle_number(N) -> int:
    """Return ``N`` as an int after checking that it is an integer ``>= 1``."""
    if isinstance(N, bool) or not isinstance(N, numbers.Integral) or N < 1:
        raise ValueError(f"N (number of fermions) must be an integer >= 1, got N={N!r}")
    return int(N)


def check_density_matrix(omega, dx: float, N: int | None = None, *, atol: float = 1e-8):
    r"""Check that the kernel ``omega`` (shape ``(n, n)``) is a fermionic one-body density
    matrix: finite, Hermitian, :math:`0 \le \omega \le 1` as an operator and (when ``N`` is
    given) :math:`\operatorname{tr}\omega = N`. Returns the eigenvalues of the operator.
    Raises ``ValueError`` naming the violated property and the value found."""
    omega = np.asarray(omega)
    if omega.ndim != 2 or omega.shape[0] != omega.shape[1]:
        raise ValueError(f"omega must be a square kernel, got shape {omega.shape}")
    if not np.all(np.isfinite(omega)):
        raise ValueError("omega must be finite (found NaN or infinity)")
    scale = max(1.0, float(np.max(np.abs(omega))))
    herm = float(np.max(np.abs(omega - omega.conj().T)))
    if herm > atol * scale:
        raise ValueError(
            f"omega must be Hermitian (a density matrix): max|omega - omega^*| = {herm:.3g} "
            f"> {atol:g}"
        )
    tr = float(np.real(np.trace(omega)) * dx)
    if N is not None:
        N = check_particle_number(N)
        if abs(tr - N) > 1e-6 * N:
            raise ValueError(f"omega must have trace N = {N}, got tr omega = {tr:.10g}")
    lam = np.linalg.eigvalsh((omega + omega.conj().T) * (dx / 2))
    if lam[0] < -1e-7 or lam[-1] > 1 + 1e-7:
        raise ValueError(
            "omega must satisfy 0 <= omega <= 1 (Pauli principle); its eigenvalues range over "
            f"[{lam[0]:.6g}, {lam[-1]:.6g}]"
        )
    return lam


def slater_density_matrix(orbitals, dx: float, weights=None, *, orthonormal_tol: float = 1e-8):
    r"""Kernel :math:`\omega(x_j;x_k) = \sum_i \lambda_i\varphi_i(x_j)\overline{\varphi_i(x_k)}`
    of the orbitals (columns of ``orbitals``, shape ``(n, r)``), all :math:`\lambda_i = 1` by
    default (a Slater determinant, :math:`\omega^2 = \omega`). The orbitals must be orthonormal in
    :math:`L^2(dx)` and the weights in :math:`[0, 1]`, else ``ValueError``."""
    phi = np.asarray(orbitals, dtype=complex)
    if phi.ndim != 2:
        raise ValueError(f"orbitals must have shape (n, r), got {phi.shape}")
    if not np.all(np.isfinite(phi)):
        raise ValueError("orbitals must be finite")
    gram = phi.conj().T @ phi * dx
    err = float(np.max(np.abs(gram - np.eye(phi.shape[1])))) if phi.shape[1] else 0.0
    if err > orthonormal_tol:
        raise ValueError(
            f"orbitals must be orthonormal in L^2(dx) (a Slater determinant needs it); "
            f"max|<phi_i, phi_j> - delta_ij| = {err:.3g}"
        )
    lam = np.ones(phi.shape[1]) if weights is None else np.asarray(weights, dtype=float)
    if lam.shape != (phi.shape[1],) or np.any(lam < 0) or np.any(lam > 1):
        raise ValueError("weights must be r numbers in [0, 1] (Pauli principle)")
    return (phi * lam) @ phi.conj().T


# --------------------------------------------------------------------------- phase space
def wigner_n(state, x, N: int, *, check: bool = True, periodic: bool | None = None):
    r"""The scaled Wigner transform :math:`W_N = \varepsilon W_\varepsilon[\omega]` with
    :math:`\varepsilon = 1/N` (seed 003), on the grid of :func:`mfcourse.phasespace.wigner`.

    ``state`` is a kernel ``(n, n)`` of trace ``N`` or a pair ``(weights, orbitals)``.
    Returns ``(xi, W)``; :math:`\sum W\,dx\,d\xi = 1`. The torus caveat of
    :func:`mfcourse.phasespace.wigner` applies (pairs farther apart than ``L/2`` are read along
    the shorter arc): ``periodic=True`` for states on the circle, ``False`` to refuse a state in a
    box that is too small; see also :func:`plancherel_defect`."""
    N = check_particle_number(N)
    eps = 1.0 / N
    if isinstance(state, tuple):
        weights, phi = state
        state = (np.asarray(phi) * np.asarray(weights)) @ np.asarray(phi).conj().T
    xi, w = ps.wigner(state, x, eps, check=check, periodic=periodic)
    return xi, eps * w


def plancherel_defect(w, dxi: float, omega, dx: float, N: int) -> float:
    r"""Relative defect of the Plancherel identity :math:`\|W_N\|_{L^2}^2 =
    \frac{\varepsilon}{2\pi}\|\omega\|_{HS}^2` (:math:`d = 1`). It vanishes when no coherence
    of :math:`\omega` reaches half the box; a sizeable value flags the truncation of
    :func:`mfcourse.phasespace.wigner` (issue #19)."""
    eps = 1.0 / check_particle_number(N)
    lhs = float(np.sum(np.asarray(w) ** 2) * dx * dxi)
    rhs = eps / TWO_PI * float(np.sum(np.abs(omega) ** 2)) * dx * dx
    return abs(lhs - rhs) / rhs


def weyl_quantize(f, x, N: int):
    r"""Weyl quantisation :math:`\tilde\omega(x;y) = N\int f(\frac{x+y}{2},v)
    e^{iv(x-y)/\varepsilon}dv` (seed 003, "Weyl quantization"), :math:`\varepsilon = 1/N`, of a
    phase-space function ``f`` given on the grid of :func:`wigner_n` (shape ``(n, 2n)``,
    :math:`v_k = \pi\varepsilon k/L`, :math:`-n \le k < n`): the exact inverse of the
    discrete Wigner transform's Fourier step, so ``wigner_n(weyl_quantize(f))`` returns ``f``
    for band-limited data.

    Separations :math:`x - y` are taken on the shorter arc (the convention of
    :func:`mfcourse.phasespace.wigner`); pairs whose midpoint falls half-way between grid points
    use ``f`` trigonometrically interpolated there. Cost :math:`O(n^2\log n)`."""
    N = check_particle_number(N)
    eps = 1.0 / N
    x, dx, L = ps.grid_spacing(x)
    n = x.size
    f = np.asarray(f, dtype=float)
    if f.shape != (n, 2 * n):
        raise ValueError(f"f must be given on the Wigner grid, shape (n, 2n) = {(n, 2 * n)}")
    dy = dx / eps
    w = f / eps  # the unscaled Wigner function of mfcourse.phasespace
    spec = np.fft.rfft(w, axis=0)
    k = TWO_PI * np.fft.rfftfreq(n, dx)
    shift = np.exp(0.5j * k * dx)
    if n % 2 == 0:
        shift[-1] = np.cos(0.5 * k[-1] * dx)
    w_half = np.fft.irfft(spec * shift[:, None], n=n, axis=0)
    c = np.fft.ifft(np.fft.ifftshift(w, axes=1), axis=1) * (TWO_PI / dy)
    c_half = np.fft.ifft(np.fft.ifftshift(w_half, axes=1), axis=1) * (TWO_PI / dy)
    a = np.arange(n)[:, None]
    b = np.arange(n)[None, :]
    sep = (a - b) % n
    lval = np.where(sep <= n // 2, sep, sep - n)  # signed shorter-arc separation in cells
    even = lval % 2 == 0
    mid_even = (b + lval // 2) % n
    mid_odd = (b + (lval - 1) // 2) % n
    col = lval % (2 * n)
    out = np.where(even, c[mid_even, col], c_half[mid_odd, col])
    out = out * np.where(np.abs(lval) * 2 == n, 2.0, 1.0)  # wigner() halves the antipodal pairs
    return 0.5 * (out + out.conj().T)


def trace_norm(a, dx: float = 1.0) -> float:
    r"""Trace norm of the operator with kernel ``a`` on a grid of spacing ``dx`` (of the matrix
    itself when ``dx = 1``): the sum of singular values of ``a * dx``."""
    a = np.asarray(a)
    if a.ndim == 2 and a.shape[0] == a.shape[1] and a.size:
        # Hermitian (a difference of density matrices) or anti-Hermitian (a commutator with a
        # self-adjoint operator) up to rounding: eigenvalues, several times cheaper than an SVD.
        # The skew part dropped is below 1e-11 max|a| entrywise (rounding of the products that
        # made the kernels), so the answer moves by at most n * 1e-11 max|a| * dx.
        tol = 1e-11 * float(np.abs(a).max())
        ah = a.conj().T
        if float(np.abs(a - ah).max()) <= tol:
            return float(np.sum(np.abs(np.linalg.eigvalsh((a + ah) * (dx / 2)))))
        if float(np.abs(a + ah).max()) <= tol:
            return float(np.sum(np.abs(np.linalg.eigvalsh((a - ah) * (0.5j * dx)))))
    return float(np.sum(np.linalg.svd(a * dx, compute_uv=False)))


def commutator_trace_norm(weights, orbitals, t_orbitals, tdag_orbitals, dx: float) -> float:
    r""":math:`\operatorname{tr}|[T,\omega]|` for :math:`\omega = \sum_i\lambda_i
    |\varphi_i\rangle\langle\varphi_i|` given :math:`T\varphi_i` and :math:`T^*\varphi_i`,
    in :math:`O(n r^2)`: :math:`[T,\omega] = B C^*` with :math:`B = (T\Phi, \Phi)`,
    :math:`C = (\Phi\Lambda, -T^*\Phi\Lambda)`, and the singular values of :math:`R_B R_C^*`
    from two QR factorisations."""
    lam = np.asarray(weights, dtype=float)
    phi = np.asarray(orbitals)
    B = np.hstack([np.asarray(t_orbitals), phi])
    C = np.hstack([phi * lam, -np.asarray(tdag_orbitals) * lam])
    _, rb = np.linalg.qr(B)
    _, rc = np.linalg.qr(C)
    return float(np.sum(np.linalg.svd(rb @ rc.conj().T, compute_uv=False)) * dx)


# --------------------------------------------------------------------------- harmonic trap
def ho_wigner_closed_form(x, v, N: int, eps: float | None = None):
    r"""Exact :math:`W_N` of the Fermi sea of :math:`N` fermions in the harmonic trap
    :math:`H = (x^2+v^2)/2`, :math:`\hbar = \varepsilon` (default :math:`1/N`): the sum of the
    Laguerre closed forms (reference-results.md)

    .. math::

        W_N = \varepsilon\sum_{n<N}\frac{(-1)^n}{\pi\varepsilon}e^{-2H/\varepsilon}
        L_n(4H/\varepsilon).

    Evaluated by the three-term recurrence of :math:`e^{-z/2}L_n(z)`, :math:`z = 4H/\varepsilon`;
    points with :math:`z > 1400` are set to 0 when that is deep in the forbidden region
    (:math:`1400 > 8N + 200`), else ``ValueError`` (use :func:`ho_wigner_cut`)."""
    N = check_particle_number(N)
    eps = 1.0 / N if eps is None else ps.check_epsilon(eps)
    H = 0.5 * (np.asarray(x, dtype=float) ** 2 + np.asarray(v, dtype=float) ** 2)
    z = 4 * H / eps
    far = z > 1400  # e^{-z/2} underflows; harmless only deep in the forbidden region z >> 4N
    if np.any(far) and 1400 < 8 * N + 200:
        raise ValueError(
            f"z = 4H/eps reaches {np.max(z):.4g} > 1400 with N = {N}: the recurrence would "
            "underflow where W_N is not negligible; use ho_wigner_cut for large N"
        )
    z = np.where(far, 0.0, z)
    lm1 = np.zeros_like(z)
    l0 = np.exp(-z / 2)
    total = l0.copy()
    for n in range(1, N):
        l1 = ((2 * n - 1 - z) * l0 - (n - 1) * lm1) / n
        lm1, l0 = l0, l1
        total += (-1) ** n * l0
    return np.where(far, 0.0, total) / math.pi


def _hermite_pair(u, N):
    r"""Normalised Hermite functions :math:`h_{N-1}(u), h_N(u)` by the stable recurrence with
    a running log-scale (no underflow deep in the classically allowed region)."""
    u = np.asarray(u, dtype=float)
    logs = -(u**2) / 2 - 0.25 * math.log(math.pi)
    hm1 = np.zeros_like(u)
    h0 = np.ones_like(u)
    for n in range(N):
        h1 = math.sqrt(2 / (n + 1)) * u * h0 - math.sqrt(n / (n + 1)) * hm1
        hm1, h0 = h0, h1
        big = np.abs(h0) > 1e100
        if np.any(big):
            hm1[big] *= 1e-100
            h0[big] *= 1e-100
            logs[big] += 100 * math.log(10)
    scale = np.exp(np.clip(logs, -745, 700))
    return hm1 * scale, h0 * scale


def ho_wigner_cut(x, N: int, eps: float | None = None, *, points_per_wavelength: int = 24):
    r""":math:`W_N(x, 0)` of the harmonic-trap Fermi sea for large :math:`N` (by rotation
    invariance :math:`W_N` depends on :math:`H = (x^2+v^2)/2` only, so this cut is all of it).

    :math:`W_N(x,0) = \frac1\pi\int\omega(x+s;x-s)\,ds` with the Christoffel–Darboux kernel
    :math:`\omega(a;b) = \sqrt{N/2}\,\frac{\psi_N(a)\psi_{N-1}(b) - \psi_{N-1}(a)\psi_N(b)}
    {(a-b)/\sqrt\varepsilon}\,\varepsilon^{-1/2}`, :math:`\psi_n(a) = \varepsilon^{-1/4}
    h_n(a/\sqrt\varepsilon)`. The :math:`s`-integral is a midpoint rule of step :math:`h`
    resolving the shortest wavelength :math:`2\pi\varepsilon/\sqrt{2\mu}` with
    ``points_per_wavelength`` points; all :math:`x\pm s` then lie on one lattice of step
    :math:`h/2`, on which :math:`\psi_{N-1},\psi_N` are computed once.

    Returns ``(x_used, W)``: ``x`` rounded to the nearest multiple of :math:`h` (at most
    :math:`h/2` away) and :math:`W_N` there."""
    N = check_particle_number(N)
    eps = 1.0 / N if eps is None else ps.check_epsilon(eps)
    x = np.asarray(x, dtype=float)
    mu = eps * N
    h = TWO_PI * eps / math.sqrt(2 * mu + 2 * eps) / points_per_wavelength
    s_max = math.sqrt(2 * mu) * 1.6 + 10 * math.sqrt(eps)
    ms = int(math.ceil(s_max / h))
    j = np.rint(x / h).astype(np.int64)
    lo = 2 * int(j.min()) - 2 * ms - 1
    hi = 2 * int(j.max()) + 2 * ms + 1
    lattice = np.arange(lo, hi + 1) * (h / 2)
    pm1, p0 = _hermite_pair(lattice / math.sqrt(eps), N)
    m = np.arange(ms)
    ia = 2 * j[:, None] + 2 * m[None, :] + 1 - lo  # x + s, s = (m + 1/2) h
    ib = 2 * j[:, None] - 2 * m[None, :] - 1 - lo
    diff = (2 * m + 1) * h / math.sqrt(eps)
    ker = math.sqrt(N / 2) * (p0[ia] * pm1[ib] - pm1[ia] * p0[ib]) / diff / math.sqrt(eps)
    return j * h, 2 * ker.sum(axis=1) * h / math.pi


def airy_edge_profile(H, mu: float, eps: float):
    r"""The Fermi-edge scaling form of the harmonic-trap Fermi sea (Bettelheim–Wiegmann 2011,
    Dean–Le Doussal–Majumdar–Schehr 2018):

    .. math::

        W_N(x,v) \approx \frac{1}{2\pi}\,\mathrm{Ai}_1\Big(2^{2/3}
        \frac{H - \mu}{\varepsilon^{2/3}\mu^{1/3}}\Big),\qquad
        \mathrm{Ai}_1(a) = \int_a^\infty\mathrm{Ai}(u)\,du,

    i.e. an edge layer of width :math:`\sim\mu^{1/3}\varepsilon^{2/3}` in :math:`H`."""
    a = 2 ** (2 / 3) * (np.asarray(H, dtype=float) - mu) / (eps ** (2 / 3) * mu ** (1 / 3))
    return airy_integral(a) / TWO_PI


def airy_integral(a):
    r""":math:`\mathrm{Ai}_1(a) = \int_a^\infty \mathrm{Ai}(u)\,du` (1/3 at 0, 1 at
    :math:`-\infty`): composite 16-point Gauss–Legendre on unit panels, over
    :math:`[a, a + 14]` for :math:`a \ge 0` (the tail beyond is below :math:`10^{-20}`) and as
    :math:`\frac13 + \int_a^0\mathrm{Ai}` for :math:`a < 0` (:func:`scipy.special.itairy`
    loses accuracy for :math:`a \gtrsim 4`)."""
    from scipy.special import airy

    a = np.asarray(a, dtype=float)
    nodes, weights = np.polynomial.legendre.leggauss(16)
    out = np.empty(a.shape)
    for idx, ai in np.ndenumerate(a):
        lo, hi = (ai, ai + 14.0) if ai >= 0 else (ai, 0.0)
        panels = max(1, math.ceil(hi - lo))
        edges = np.linspace(lo, hi, panels + 1)
        half = 0.5 * np.diff(edges)[:, None]
        t = 0.5 * (edges[:-1] + edges[1:])[:, None] + half * nodes[None, :]
        val = float(np.sum(airy(t)[0] * weights[None, :] * half))
        out[idx] = val if ai >= 0 else 1.0 / 3.0 + val
    return out


# --------------------------------------------------------------------------- Fock space
class FermionFockSpace:
    r"""The antisymmetric Fock sector of :math:`N` fermions in :math:`K` modes,
    :math:`\dim = \binom KN`, occupation patterns as bit masks (bit :math:`b` = mode :math:`b`).

    The sign rule (module docstring) makes :math:`a_b` and :math:`a^\dagger_a` anticommute;
    one- and two-body operators are assembled term by term, vectorised over the basis.
    """

    MAX_DIM = 400_000

    def __init__(self, N: int, K: int):
        N = check_particle_number(N)
        if isinstance(K, bool) or not isinstance(K, numbers.Integral) or K < N or K > 62:
            raise ValueError(f"K (number of modes) must be an integer with N <= K <= 62, got {K!r}")
        dim = math.comb(K, N)
        if dim > self.MAX_DIM:
            raise ValueError(
                f"C(K, N) = C({K}, {N}) = {dim} basis states exceeds the limit {self.MAX_DIM}"
            )
        self.N, self.K, self.dim = N, int(K), dim
        states = np.array(
            [sum(1 << b for b in occ) for occ in combinations(range(K), N)], dtype=np.int64
        )
        self.states = np.sort(states)

    def __repr__(self):
        return f"FermionFockSpace(N={self.N}, K={self.K}, dim={self.dim})"

    def occupations(self) -> np.ndarray:
        """0/1 array of shape ``(dim, K)``."""
        return ((self.states[:, None] >> np.arange(self.K)[None, :]) & 1).astype(np.int8)

    def index(self, masks) -> np.ndarray:
        """Positions of the bit masks ``masks`` in the basis."""
        return np.searchsorted(self.states, masks)

    @staticmethod
    def _below(s, b):
        """Number of occupied modes below mode ``b`` in the masks ``s``."""
        return np.bitwise_count(s & ((np.int64(1) << b) - 1)).astype(np.int64)

    def _annihilate(self, s, sign, ok, b):
        occ = ((s >> b) & 1) == 1
        ok = ok & occ
        sign = sign * np.where(self._below(s, b) % 2 == 1, -1, 1)
        return s ^ (np.int64(1) << b), sign, ok

    def _create(self, s, sign, ok, a):
        free = ((s >> a) & 1) == 0
        ok = ok & free
        sign = sign * np.where(self._below(s, a) % 2 == 1, -1, 1)
        return s | (np.int64(1) << a), sign, ok

    def _assemble(self, terms, apply) -> sp.csr_matrix:
        rows, cols, vals = [], [], []
        cols0 = np.arange(self.dim)
        for term in terms:
            coef = term[-1]
            if coef == 0:
                continue
            s, sign, ok = apply(term)
            if not np.any(ok):
                continue
            rows.append(self.index(s[ok]))
            cols.append(cols0[ok])
            vals.append(coef * sign[ok])
        if not rows:
            return sp.csr_matrix((self.dim, self.dim), dtype=complex)
        return sp.csr_matrix(
            (np.concatenate(vals).astype(complex), (np.concatenate(rows), np.concatenate(cols))),
            shape=(self.dim, self.dim),
        )

    def one_body(self, h) -> sp.csr_matrix:
        r""":math:`\sum_{a,c} h_{ac}\,a^\dagger_a a_c` for a ``(K, K)`` matrix ``h``."""
        h = np.asarray(h, dtype=complex)
        if h.shape != (self.K, self.K):
            raise ValueError(f"h must have shape (K, K) = {(self.K, self.K)}, got {h.shape}")
        one = np.ones(self.dim, dtype=np.int64)
        t = np.ones(self.dim, dtype=bool)

        def apply(term):
            a, c, _ = term
            s, sign, ok = self._annihilate(self.states, one, t, c)
            return self._create(s, sign, ok, a)

        terms = [(a, c, h[a, c]) for a in range(self.K) for c in range(self.K) if h[a, c] != 0]
        return self._assemble(terms, apply)

    def two_body(self, terms) -> sp.csr_matrix:
        r""":math:`\sum w\,a^\dagger_a a^\dagger_b a_d a_c` over ``terms`` = iterable of
        ``(a, b, c, d, w)`` (the ordering of :math:`\frac12\sum\langle ab|V|cd\rangle
        a^\dagger_a a^\dagger_b a_d a_c`)."""
        one = np.ones(self.dim, dtype=np.int64)
        t = np.ones(self.dim, dtype=bool)

        def apply(term):
            a, b, c, d, _ = term
            s, sign, ok = self._annihilate(self.states, one, t, c)
            s, sign, ok = self._annihilate(s, sign, ok, d)
            s, sign, ok = self._create(s, sign, ok, b)
            return self._create(s, sign, ok, a)

        return self._assemble(list(terms), apply)

    def slater_state(self, phi) -> np.ndarray:
        r"""Fock vector of the Slater determinant of the columns of ``phi`` (shape ``(K, N)``,
        orthonormal): the amplitude of the pattern :math:`m_1<\dots<m_N` is
        :math:`\det(\varphi_j(m_i))_{ij}`."""
        phi = np.asarray(phi, dtype=complex)
        if phi.shape != (self.K, self.N):
            raise ValueError(f"phi must have shape (K, N) = {(self.K, self.N)}, got {phi.shape}")
        gram = phi.conj().T @ phi
        if np.max(np.abs(gram - np.eye(self.N))) > 1e-8:
            raise ValueError("the orbitals (columns of phi) must be orthonormal")
        occ = self.occupations().astype(bool)
        idx = np.nonzero(occ)[1].reshape(self.dim, self.N)
        return np.linalg.det(phi[idx, :])

    def gamma1(self, Psi) -> np.ndarray:
        r"""One-body density matrix :math:`\gamma_{ac} = \langle\Psi, a^\dagger_c a_a\Psi\rangle`
        (trace :math:`N`, :math:`0 \le \gamma \le 1`)."""
        Psi = np.asarray(Psi, dtype=complex)
        if Psi.shape != (self.dim,):
            raise ValueError(f"Psi must have shape ({self.dim},), got {Psi.shape}")
        g = np.zeros((self.K, self.K), dtype=complex)
        one = np.ones(self.dim, dtype=np.int64)
        t = np.ones(self.dim, dtype=bool)
        for c in range(self.K):
            s1, sg1, ok1 = self._annihilate(self.states, one, t, c)
            for a in range(self.K):
                s, sign, ok = self._create(s1, sg1, ok1, a)
                if np.any(ok):
                    # <Psi| a_a^+ a_c |Psi>  = gamma_{ca}
                    g[c, a] = np.vdot(Psi[self.index(s[ok])], sign[ok] * Psi[ok])
        return g


def plane_wave_model(fock: FermionFockSpace, modes, eps: float, interaction, external=None):
    r"""The :math:`N`-body Hamiltonian of lecture 5 on the torus in the plane-wave modes
    :math:`e^{imx}/\sqrt{2\pi}`, ``modes`` = the integers :math:`m` (length :math:`K`):

    .. math::

        H_N = \sum_m \tfrac{\varepsilon^2m^2}{2}a^\dagger_m a_m + \sum_{m,m'}\hat U(m-m')
        a_m^\dagger a_{m'} + \frac{1}{2N}\sum_{q}\hat V(q)\sum_{c,d}
        a^\dagger_{c+q}a^\dagger_{d-q}a_d a_c,

    :math:`\hat V(\pm k) = v_k/2` (:mod:`mfcourse.interaction`), ``external`` an optional
    ``{q: Uhat(q)}`` of the external potential :math:`U = \sum_q\hat U(q)e^{iqx}`; modes leaving
    the window are dropped (Galerkin truncation). Returns ``(H, h1, w)`` with the one-body
    matrix ``h1`` and the antisymmetrised-ready tensor ``w[a, b, c, d] = <ab|V|cd>`` restricted
    to the window (for :func:`mfcourse.quantum.hartree_fock.ModeHartreeFock`)."""
    modes = np.asarray(modes, dtype=int)
    K = modes.size
    if K != fock.K:
        raise ValueError(f"{K} modes given for a Fock space of K = {fock.K} modes")
    pos = {int(m): i for i, m in enumerate(modes)}
    h1 = np.diag(0.5 * (eps * modes) ** 2).astype(complex)
    for q, u in (external or {}).items():
        for i, m in enumerate(modes):
            j = pos.get(int(m) - q)
            if j is not None:
                h1[i, j] += u
    vhat = {}
    for k, v in interaction.items():
        vhat[k] = vhat.get(k, 0.0) + v / 2
        vhat[-k] = vhat.get(-k, 0.0) + v / 2
    w = np.zeros((K, K, K, K))
    terms = []
    for q, vq in vhat.items():
        for c, mc in enumerate(modes):
            a = pos.get(int(mc) + q)
            if a is None:
                continue
            for d, md in enumerate(modes):
                b = pos.get(int(md) - q)
                if b is None:
                    continue
                w[a, b, c, d] += vq
                if c != d and a != b:
                    terms.append((a, b, c, d, vq / (2 * fock.N)))
    H = fock.one_body(h1) + fock.two_body(terms)
    return H, h1, w
