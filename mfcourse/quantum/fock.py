r"""Exact quantum N-body dynamics of bosons in K modes (the symmetric Fock sector).

The N-body Schrödinger equation in the mean-field scaling (Golse, lecture notes, seed 002 §2.2)

.. math::

    i\hbar\,\partial_t \Psi_N = \mathcal H_N \Psi_N, \qquad
    \mathcal H_N = \sum_{j=1}^N h_j + \frac1N \sum_{1\le j<k\le N} W_{jk},

is solved *exactly* (up to the Krylov tolerance) when the one-particle space is truncated to K
modes :math:`e_0,\dots,e_{K-1}`. Bosonic symmetry (seed 002 §2.3) reduces
:math:`\mathfrak H_N = (\mathbf C^K)^{\otimes N}` (dimension :math:`K^N`) to its symmetric part,
spanned by the occupation-number states :math:`|n_0,\dots,n_{K-1}\rangle`,
:math:`\sum_a n_a = N`, of dimension :math:`\binom{N+K-1}{K-1}`. In second quantization

.. math::

    \mathcal H_N = \sum_{a,b} h_{ab}\, a_a^\dagger a_b
    + \frac{1}{2N} \sum_{a,b,c,d} w_{abcd}\, a_a^\dagger a_b^\dagger a_d a_c,
    \qquad w_{abcd} = \langle e_a\otimes e_b | W | e_c\otimes e_d\rangle .

What lives here:

* :class:`FockSpace` — the occupation basis with O(K) ranking/unranking (combinatorial number
  system), one-body and two-body operators as ``scipy.sparse`` matrices, annihilation maps,
  product states :math:`\psi^{\otimes N}` and the reduced density matrices
  :math:`\gamma_N^{(j)}` (any j, any K);
* :class:`ModeModel` — a one-body matrix h and a pair tensor w, i.e. the data shared by the
  N-body problem and by the Hartree equation in the same modes (:mod:`mfcourse.hartree`);
  :func:`josephson` (two-mode Bose–Hubbard) and :func:`ring_model` (plane waves on
  :math:`\mathbb T=\mathbf R/2\pi\mathbf Z` interacting through
  :class:`mfcourse.interaction.PairInteraction`);
* :class:`NBodyProblem` — the sparse :math:`\mathcal H_N`, Krylov time evolution
  (:func:`krylov_propagate`), energies and marginals along a trajectory;
* :func:`trace_norm`, :func:`operator_norm`, :func:`hilbert_schmidt_norm` and
  :func:`density_matrix_distances`.

Conventions: :math:`\gamma^{(1)}_{ab} = \langle a_b^\dagger a_a\rangle/N` (so
:math:`\gamma^{(1)} = |\psi\rangle\langle\psi|` for :math:`\psi^{\otimes N}`), and
:math:`\gamma^{(j)}` is returned on the symmetric subspace :math:`\mathrm{Sym}^j(\mathbf C^K)` in
its occupation basis, where it is supported; :func:`embed_symmetric` maps it to
:math:`(\mathbf C^K)^{\otimes j}`. Norms of differences are the same in both pictures.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numba
import numpy as np
import scipy.sparse as sp
from scipy.special import gammaln

#: Memory a Fock space may use before it is refused (bytes); see :func:`fock_memory_estimate`.
MAX_BYTES = 4 * 2**30


# ----------------------------------------------------------------------------------------------
# dimension counting and memory
# ----------------------------------------------------------------------------------------------
def _check_nk(N, K):
    if isinstance(N, bool) or not isinstance(N, int | np.integer):
        raise ValueError(f"the particle number N must be an integer >= 0, got {N!r}")
    if isinstance(K, bool) or not isinstance(K, int | np.integer):
        raise ValueError(f"the number of modes K must be an integer >= 1, got {K!r}")
    if N < 0:
        raise ValueError(f"the particle number N must be >= 0, got N={N}")
    if K < 1:
        raise ValueError(f"the number of modes K must be >= 1, got K={K}")
    return int(N), int(K)


def fock_dimension(N: int, K: int) -> int:
    r"""Dimension :math:`\binom{N+K-1}{K-1}` of the bosonic N-particle space over K modes.

    (Stars and bars: N indistinguishable particles in K boxes.) Compare with :math:`K^N` for
    distinguishable particles. Exact Python integer.
    """
    N, K = _check_nk(N, K)
    if min(N, K - 1) > 10_000:
        # math.comb would take minutes; the dimension is > 2^20000 anyway
        raise ValueError(
            f"N = {N}, K = {K}: the dimension binom(N+K-1, K-1) exceeds 10^6000 (refused; "
            "min(N, K-1) must be <= 10000)"
        )
    return math.comb(N + K - 1, K - 1)


def fock_memory_estimate(N: int, K: int, nnz_per_row: float = 0.0) -> int:
    r"""Bytes needed to work in the (N, K) Fock space: occupation table, index tables,
    ~20 complex work vectors (Krylov basis) and a sparse Hamiltonian with ``nnz_per_row``
    stored entries per row (16 bytes each in CSR with complex data)."""
    D = fock_dimension(N, K)
    per_state = 2 * K + 8 + 20 * 16 + 16 * nnz_per_row
    return D * math.ceil(per_state)  # exact integer arithmetic: D may exceed the float range


def _largest_n_that_fits(K, budget, nnz_per_row):
    lo, hi = 0, 1
    while fock_memory_estimate(hi, K, nnz_per_row) <= budget and hi < 10**7:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fock_memory_estimate(mid, K, nnz_per_row) <= budget:
            lo = mid
        else:
            hi = mid
    return lo


def _gib(nbytes: int) -> str:
    """Bytes in GiB for a message, also for integers beyond the float range."""
    return f"{nbytes / 2**30:.3g}" if nbytes < 2**1000 else f"10^{len(str(nbytes)) - 10}"


def check_memory(N: int, K: int, nnz_per_row: float = 0.0, max_bytes: int | None = None) -> None:
    """Raise ``ValueError`` *before allocation* if the (N, K) Fock space would not fit.

    The message gives the dimension, the memory it needs, the limit, and the largest N that
    fits at this K (or suggests fewer modes).
    """
    budget = MAX_BYTES if max_bytes is None else int(max_bytes)
    need = fock_memory_estimate(N, K, nnz_per_row)
    if need > budget:
        D = fock_dimension(N, K)
        n_fit = _largest_n_that_fits(K, budget, nnz_per_row)
        raise ValueError(
            f"Fock space of N={N} bosons in K={K} modes has dimension C(N+K-1, K-1) = {D:,} and "
            f"needs about {_gib(need)} GiB (limit {budget / 2**30:.3g} GiB). Reduce N to "
            f"at most {n_fit} at K={K}, or use fewer modes K (the dimension grows like "
            f"N^(K-1)/(K-1)!), or raise max_bytes if you have the memory."
        )


# ----------------------------------------------------------------------------------------------
# the occupation basis
# ----------------------------------------------------------------------------------------------
_ENUM_CACHE: dict[tuple[int, int], np.ndarray] = {}


def _enumerate(N: int, K: int, dtype) -> np.ndarray:
    """All occupation vectors, in descending lexicographic order (the ranking order)."""
    key = (N, K)
    if key in _ENUM_CACHE and _ENUM_CACHE[key].dtype == dtype:
        return _ENUM_CACHE[key]
    if K == 1:
        out = np.array([[N]], dtype=dtype)
    else:
        blocks = []
        for n0 in range(N, -1, -1):
            sub = _enumerate(N - n0, K - 1, dtype)
            block = np.empty((sub.shape[0], K), dtype=dtype)
            block[:, 0] = n0
            block[:, 1:] = sub
            blocks.append(block)
        out = np.concatenate(blocks)
    if out.shape[0] < 200_000:  # small sub-tables are reused by the recursion
        _ENUM_CACHE[key] = out
    return out


class FockSpace:
    r"""The bosonic N-particle space over K modes, in the occupation-number basis.

    States :math:`|n_0,\dots,n_{K-1}\rangle` are ordered descending-lexicographically; the rank of
    an occupation vector is

    .. math:: \mathrm{rank}(n) = \sum_{i=0}^{K-2} D\Big(N-\sum_{l\le i} n_l - 1,\; K-i\Big),
        \qquad D(r,k) = \binom{r+k-1}{k-1},\ D(-1,k)=0,

    computed for many states at once with a precomputed table (O(K) per state).

    Parameters
    ----------
    N, K:
        Particle number (>= 0) and number of modes (>= 1).
    max_bytes:
        Memory limit (default :data:`MAX_BYTES`); a space that would not fit is refused with a
        ``ValueError`` before anything is allocated.
    nnz_per_row:
        Expected stored entries per row of the Hamiltonian, for the memory estimate.
    """

    def __init__(self, N: int, K: int, *, max_bytes: int | None = None, nnz_per_row: float = 0.0):
        N, K = _check_nk(N, K)
        check_memory(N, K, nnz_per_row, max_bytes)
        self.N, self.K = N, K
        self.dim = fock_dimension(N, K)
        self._max_bytes = max_bytes
        # table[r, k] = D(r - 1, k) = C(r + k - 2, k - 1) for r >= 1, 0 for r = 0
        table = np.zeros((N + 2, K + 1), dtype=np.int64)
        for k in range(1, K + 1):
            for r in range(1, N + 2):
                table[r, k] = math.comb(r + k - 2, k - 1)
        self._table = table
        self._dtype = np.int16 if N < 2**15 else np.int32
        self._lower: dict[int, FockSpace] = {}

    def __repr__(self):
        return f"FockSpace(N={self.N}, K={self.K}, dim={self.dim})"

    # -- basis ---------------------------------------------------------------------------------
    @cached_property
    def occupations(self) -> np.ndarray:
        """``(dim, K)`` integer array of occupation vectors, row i has rank i."""
        occ = _enumerate(self.N, self.K, self._dtype)
        return occ

    def rank(self, occ) -> np.ndarray:
        """Indices of occupation vectors (array ``(..., K)``, each summing to N)."""
        occ = np.asarray(occ)
        if occ.shape[-1] != self.K:
            raise ValueError(f"occupations must have K={self.K} entries, got shape {occ.shape}")
        occ2 = occ.reshape(-1, self.K).astype(np.int64)
        if np.any(occ2 < 0) or np.any(occ2.sum(axis=1) != self.N):
            raise ValueError(f"occupations must be >= 0 and sum to N={self.N}")
        return self._rank_unchecked(occ2).reshape(occ.shape[:-1])

    def _rank_unchecked(self, occ2: np.ndarray) -> np.ndarray:
        remaining = np.full(occ2.shape[0], self.N, dtype=np.int64)
        idx = np.zeros(occ2.shape[0], dtype=np.int64)
        for i in range(self.K - 1):
            n_i = occ2[:, i].astype(np.int64)
            idx += self._table[remaining - n_i, self.K - i]
            remaining -= n_i
        return idx

    def unrank(self, idx) -> np.ndarray:
        """Occupation vectors of the given indices (inverse of :meth:`rank`)."""
        idx = np.asarray(idx, dtype=np.int64)
        if np.any(idx < 0) or np.any(idx >= self.dim):
            raise ValueError(f"indices must lie in [0, {self.dim}), got {idx.min()}..{idx.max()}")
        flat = idx.ravel().copy()
        out = np.zeros((flat.size, self.K), dtype=np.int64)
        remaining = np.full(flat.size, self.N, dtype=np.int64)
        for i in range(self.K - 1):
            # n_i is the largest value with table[remaining - n_i, K - i] <= flat, i.e. the
            # number of states with a larger n_i does not exceed the residual index
            col = self._table[:, self.K - i]
            # offset(n) = col[remaining - n] decreases in n; find smallest n with offset <= flat
            lo = np.zeros_like(flat)
            hi = remaining.copy()
            while True:
                active = lo < hi
                if not active.any():
                    break
                mid = (lo + hi) // 2
                ok = col[remaining - mid] <= flat
                hi = np.where(active & ok, mid, hi)
                lo = np.where(active & ~ok, mid + 1, lo)
            n_i = lo
            flat -= col[remaining - n_i]
            out[:, i] = n_i
            remaining -= n_i
        out[:, -1] = remaining
        return out.reshape(idx.shape + (self.K,))

    def lower(self, j: int = 1) -> FockSpace:
        """The space with j fewer particles (same K), cached."""
        if not 0 <= j <= self.N:
            raise ValueError(f"cannot remove j={j} particles from N={self.N}")
        if j == 0:
            return self
        if j not in self._lower:
            self._lower[j] = FockSpace(self.N - j, self.K, max_bytes=self._max_bytes)
        return self._lower[j]

    # -- states --------------------------------------------------------------------------------
    def check_state(self, Psi, atol: float = 1e-8) -> np.ndarray:
        """Return ``Psi`` as a complex vector after checking its length and its norm."""
        Psi = np.asarray(Psi)
        if Psi.shape != (self.dim,):
            raise ValueError(f"a state of {self!r} has shape ({self.dim},), got {Psi.shape}")
        nrm = np.linalg.norm(Psi)
        if not np.isfinite(nrm) or abs(nrm - 1.0) > atol:
            raise ValueError(f"the N-body state must be normalised, got norm {nrm:.12g}")
        return Psi.astype(complex, copy=False)

    def product_state(self, phi) -> np.ndarray:
        r"""Coefficients of :math:`\phi^{\otimes N}` in the occupation basis,

        .. math:: \langle n|\phi^{\otimes N}\rangle
            = \sqrt{\frac{N!}{n_0!\cdots n_{K-1}!}}\;\prod_a \phi_a^{n_a},

        computed from log-gamma so that N = 10^4 neither overflows nor underflows prematurely
        (relative accuracy ~1e-11 at N = 10^4). ``phi`` must be a normalised vector of length K.
        """
        phi = _check_one_body_state(phi, self.K)
        occ = self.occupations.astype(np.float64)
        log_abs = np.full(self.K, -np.inf)
        nz = np.abs(phi) > 0
        log_abs[nz] = np.log(np.abs(phi[nz]))
        # n_a * log|phi_a| with the convention 0 * (-inf) = 0
        safe = np.where(np.isfinite(log_abs), log_abs, 0.0)
        terms = np.where((occ > 0) & ~np.isfinite(log_abs), -np.inf, occ * safe)
        log_mag = 0.5 * (gammaln(self.N + 1) - gammaln(occ + 1).sum(axis=1)) + terms.sum(axis=1)
        phase = occ @ np.angle(phi)
        out = np.exp(log_mag + 1j * phase)
        # log-gamma rounding (~1e-16 N log N in the exponent) is absorbed by renormalising
        return out / np.linalg.norm(out)

    def basis_state(self, occ) -> np.ndarray:
        """The unit vector :math:`|n\\rangle` of a single occupation vector."""
        v = np.zeros(self.dim, dtype=complex)
        v[int(self.rank(occ))] = 1.0
        return v

    # -- operators -----------------------------------------------------------------------------
    def number_operator(self, a: int) -> sp.csr_matrix:
        """:math:`n_a = a_a^\\dagger a_a` (diagonal)."""
        return sp.diags(self.occupations[:, a].astype(float)).tocsr()

    def one_body(self, h) -> sp.csr_matrix:
        r"""Second quantization :math:`d\Gamma(h) = \sum_{a,b} h_{ab}\, a_a^\dagger a_b` of a
        K×K one-particle matrix, i.e. :math:`\sum_{j=1}^N h_j` on symmetric states."""
        h = np.asarray(h)
        if h.shape != (self.K, self.K):
            raise ValueError(f"one-body matrix must be {self.K}x{self.K}, got {h.shape}")
        occ = self.occupations
        dtype = complex if np.iscomplexobj(h) else float
        diag = occ.astype(float) @ np.real_if_close(np.diag(h)).astype(dtype)
        rows, cols, vals = [np.arange(self.dim)], [np.arange(self.dim)], [diag.astype(dtype)]
        for a in range(self.K):
            for b in range(self.K):
                if a == b or h[a, b] == 0:
                    continue
                src = np.nonzero(occ[:, b] > 0)[0]
                new = occ[src].astype(np.int64)
                amp = np.sqrt(new[:, b] * (new[:, a] + 1.0))
                new[:, b] -= 1
                new[:, a] += 1
                rows.append(self._rank_unchecked(new))
                cols.append(src)
                vals.append(h[a, b] * amp)
        return sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(self.dim, self.dim),
        )

    def two_body(self, w) -> sp.csr_matrix:
        r"""Second quantization
        :math:`\frac12\sum_{abcd} w_{abcd}\, a_a^\dagger a_b^\dagger a_d a_c`
        of a pair operator W with :math:`w_{abcd} = \langle ab|W|cd\rangle`, i.e.
        :math:`\sum_{j<k} W_{jk}` on symmetric states (no 1/N here).

        Terms moving the same occupation change are summed before the sparse matrix is built,
        so memory is (number of distinct changes) × dim.
        """
        w = np.asarray(w)
        K = self.K
        if w.shape != (K, K, K, K):
            raise ValueError(f"pair tensor must have shape {(K,) * 4}, got {w.shape}")
        occ = self.occupations.astype(np.int64)
        dtype = complex if np.iscomplexobj(w) else float
        groups: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
        for a, b, c, d in zip(*np.nonzero(w), strict=True):
            new = occ.copy()
            amp = np.sqrt(new[:, c].astype(float))
            new[:, c] -= 1
            amp = amp * np.sqrt(np.maximum(new[:, d], 0).astype(float))
            new[:, d] -= 1
            amp = amp * np.sqrt(np.maximum(new[:, b] + 1, 0).astype(float))
            new[:, b] += 1
            amp = amp * np.sqrt(np.maximum(new[:, a] + 1, 0).astype(float))
            delta = np.zeros(K, dtype=np.int64)
            delta[a] += 1
            delta[b] += 1
            delta[c] -= 1
            delta[d] -= 1
            key = delta.tobytes()
            if key not in groups:
                groups[key] = (delta, np.zeros(self.dim, dtype=dtype))
            groups[key][1][:] += 0.5 * w[a, b, c, d] * amp
        rows, cols, vals = [], [], []
        for delta, val in groups.values():
            src = np.nonzero(val)[0]
            if src.size == 0:
                continue
            rows.append(self._rank_unchecked(occ[src] + delta))
            cols.append(src)
            vals.append(val[src])
        if not rows:
            return sp.csr_matrix((self.dim, self.dim), dtype=dtype)
        return sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(self.dim, self.dim),
        )

    def annihilate(self, Psi, a: int) -> np.ndarray:
        r""":math:`a_a\Psi` as a vector of the (N−1)-particle space:
        :math:`a_a|n\rangle = \sqrt{n_a}\,|n-e_a\rangle`."""
        if self.N == 0:
            raise ValueError("cannot annihilate a particle in the vacuum (N=0)")
        low = self.lower(1)
        occ = self.occupations
        src = np.nonzero(occ[:, a] > 0)[0]
        new = occ[src].astype(np.int64)
        amp = np.sqrt(new[:, a].astype(float))
        new[:, a] -= 1
        out = np.zeros(low.dim, dtype=np.result_type(Psi, complex))
        out[low._rank_unchecked(new)] = amp * Psi[src]
        return out

    # -- reduced density matrices --------------------------------------------------------------
    def reduced_density_matrix(self, Psi, j: int = 1) -> np.ndarray:
        r"""The j-particle reduced density matrix :math:`\gamma_N^{(j)}` (trace 1) of a symmetric
        state, on :math:`\mathrm{Sym}^j(\mathbf C^K)` in the occupation basis of
        ``FockSpace(j, K)``:

        .. math:: \langle m|\gamma_N^{(j)}|m'\rangle = \binom{N}{j}^{-1}
            \langle A_{m'}\Psi | A_m\Psi\rangle, \qquad
            A_m = \prod_a \frac{a_a^{m_a}}{\sqrt{m_a!}} .

        (The kernel :math:`\int \Psi(X_j,Z)\overline{\Psi(Y_j,Z)}\,dZ` of seed 002 §2.3, written
        with annihilation operators.) For j = 1 this is the K×K matrix
        :math:`\langle a_b^\dagger a_a\rangle/N`.
        """
        Psi = self.check_state(Psi)
        if isinstance(j, bool) or not isinstance(j, int | np.integer) or not 1 <= j <= self.N:
            raise ValueError(f"j must be an integer with 1 <= j <= N={self.N}, got {j!r}")
        jspace = FockSpace(int(j), self.K)
        vectors = []
        cache: dict[tuple, np.ndarray] = {(): Psi}
        for m in jspace.occupations:
            # annihilate mode by mode, reusing prefixes
            seq: tuple = ()
            vec = Psi
            space = self
            for a in range(self.K):
                for _ in range(int(m[a])):
                    seq = seq + (a,)
                    if seq not in cache:
                        cache[seq] = space.annihilate(vec, a)
                    vec = cache[seq]
                    space = space.lower(1)
            norm = math.sqrt(float(np.prod([math.factorial(int(x)) for x in m])))
            vectors.append(vec / norm)
        B = np.array(vectors)  # rows: A_m Psi
        gamma = (B.conj() @ B.T).T / math.comb(self.N, int(j))
        return 0.5 * (gamma + gamma.conj().T)

    def gamma1(self, Psi) -> np.ndarray:
        """One-particle reduced density matrix (K×K, trace 1)."""
        return self.reduced_density_matrix(Psi, 1)

    def gamma2(self, Psi) -> np.ndarray:
        r"""Two-particle reduced density matrix on :math:`\mathbf C^K\otimes\mathbf C^K`
        (K²×K², trace 1), entries :math:`\langle a_c^\dagger a_d^\dagger a_b a_a\rangle/(N(N-1))`
        at row (a, b), column (c, d)."""
        return embed_symmetric(self.reduced_density_matrix(Psi, 2), self.K, 2)


def _check_one_body_state(phi, K):
    phi = np.asarray(phi, dtype=complex)
    if phi.shape != (K,):
        raise ValueError(f"one-particle state must have length K={K}, got shape {phi.shape}")
    nrm = np.linalg.norm(phi)
    if not np.isfinite(nrm) or abs(nrm - 1.0) > 1e-10:
        raise ValueError(f"one-particle state must be normalised, got norm {nrm:.12g}")
    return phi


def product_rdm(phi, j: int) -> np.ndarray:
    r""":math:`|\phi\rangle\langle\phi|^{\otimes j}` on :math:`\mathrm{Sym}^j` in the occupation
    basis (the j-marginal of the chaotic state), for comparison with
    :meth:`FockSpace.reduced_density_matrix`."""
    phi = np.asarray(phi, dtype=complex)
    v = FockSpace(int(j), phi.size).product_state(phi)
    return np.outer(v, v.conj())


def symmetric_isometry(K: int, j: int) -> np.ndarray:
    r"""The isometry :math:`S:\mathrm{Sym}^j(\mathbf C^K)\to(\mathbf C^K)^{\otimes j}` sending the
    occupation state :math:`|m\rangle` to the normalised symmetrisation of
    :math:`e_0^{\otimes m_0}\otimes\cdots`; shape ``(K**j, dim)``."""
    space = FockSpace(j, K)
    S = np.zeros((K**j, space.dim))
    tuples = np.array(np.unravel_index(np.arange(K**j), (K,) * j)).T  # (K^j, j)
    counts = np.stack([(tuples == a).sum(axis=1) for a in range(K)], axis=1)
    idx = space.rank(counts)
    multinom = np.exp(gammaln(j + 1) - gammaln(counts + 1).sum(axis=1))
    S[np.arange(K**j), idx] = 1.0 / np.sqrt(multinom)
    return S


def embed_symmetric(gamma_sym, K: int, j: int) -> np.ndarray:
    r""":math:`S\gamma S^\dagger`: a j-particle operator on Sym^j written on the full tensor
    product (rows/columns indexed by :math:`(a_1,\dots,a_j)` in C order)."""
    S = symmetric_isometry(K, j)
    return S @ np.asarray(gamma_sym) @ S.T


# ----------------------------------------------------------------------------------------------
# norms of density matrices
# ----------------------------------------------------------------------------------------------
def _svals(A):
    A = np.asarray(A)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"A: expected a square matrix, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError("A: the matrix has non-finite entries (NaN or inf); its norm is undefined")
    if np.allclose(A, A.conj().T, atol=1e-14, rtol=0):
        return np.abs(np.linalg.eigvalsh(0.5 * (A + A.conj().T)))
    return np.linalg.svd(A, compute_uv=False)


def trace_norm(A) -> float:
    r"""Trace norm :math:`\|A\|_1 = \mathrm{tr}|A|` (sum of singular values)."""
    return float(_svals(A).sum())


def operator_norm(A) -> float:
    r"""Operator norm :math:`\|A\|` (largest singular value)."""
    return float(_svals(A).max())


def hilbert_schmidt_norm(A) -> float:
    r"""Hilbert–Schmidt norm :math:`\|A\|_2 = (\mathrm{tr}\,A^\dagger A)^{1/2}`."""
    A = np.asarray(A)
    if not np.all(np.isfinite(A)):
        raise ValueError("A: the matrix has non-finite entries (NaN or inf); its norm is undefined")
    return float(np.sqrt(np.sum(np.abs(A) ** 2)))


def density_matrix_distances(gamma, phi_or_rho) -> dict:
    r"""Trace, operator and Hilbert–Schmidt norms of :math:`\gamma-\rho`, where ``phi_or_rho``
    is either a density matrix or a one-particle state φ
    (then :math:`\rho=|\phi\rangle\langle\phi|`).

    For :math:`\gamma\ge0`, :math:`\mathrm{tr}\gamma=1` and a pure ρ the difference has one
    negative eigenvalue, so ``trace = 2 * operator`` up to rounding: the norms differ by a
    factor of at most 2 on such pairs, but they are computed independently here.
    """
    gamma = np.asarray(gamma)
    x = np.asarray(phi_or_rho)
    rho = np.outer(x, x.conj()) if x.ndim == 1 else x
    D = gamma - rho
    return {"trace": trace_norm(D), "operator": operator_norm(D), "hs": hilbert_schmidt_norm(D)}


# ----------------------------------------------------------------------------------------------
# models: one-body matrix + pair tensor
# ----------------------------------------------------------------------------------------------
@dataclass
class ModeModel:
    r"""A one-particle Hamiltonian h and a pair interaction w in K modes, with ħ.

    Both the N-body Hamiltonian (:class:`NBodyProblem`) and the Hartree equation
    (:mod:`mfcourse.hartree`)

    .. math:: i\hbar\,\dot\psi_a = \sum_c \big(h_{ac} + (V_\psi)_{ac}\big)\psi_c,\qquad
        (V_\psi)_{ac} = \sum_{b,d} w_{abcd}\,\overline{\psi_b}\,\psi_d,

    are built from these data, so they describe the same physics.

    ``fourier_l1`` is :math:`\sum_\omega |c_\omega|` for a decomposition
    :math:`W=\sum_\omega c_\omega E_\omega\otimes E_\omega^*` into contractions (seed 002 §2.5:
    on :math:`\mathbf R^d` this is :math:`\|\hat V\|_{L^1}/(2\pi)^d`); ``sup_norm`` is a bound on
    :math:`\|W\|` (the constant :math:`\sqrt C` in (H5) for a bounded V).
    """

    h: np.ndarray
    w: np.ndarray
    hbar: float = 1.0
    name: str = "model"
    fourier_l1: float = float("nan")
    sup_norm: float = float("nan")
    mode_labels: np.ndarray | None = None
    sobolev_weights: np.ndarray | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        self.h = np.asarray(self.h)
        self.w = np.asarray(self.w)
        K = self.h.shape[0]
        if self.h.shape != (K, K) or not np.allclose(self.h, self.h.conj().T):
            raise ValueError(f"h must be a Hermitian KxK matrix, got shape {self.h.shape}")
        if self.w.shape != (K, K, K, K):
            raise ValueError(f"w must have shape {(K,) * 4}, got {self.w.shape}")
        if not self.hbar > 0:
            raise ValueError(f"hbar must be > 0, got {self.hbar!r}")

    @property
    def K(self) -> int:
        return self.h.shape[0]

    def mean_field_matrix(self, psi) -> np.ndarray:
        r""":math:`(V_\psi)_{ac} = \sum_{bd} w_{abcd}\overline{\psi_b}\psi_d`."""
        # two BLAS contractions (d, then b); einsum(optimize=True) was 4x slower here
        wd = np.tensordot(self.w, np.asarray(psi), axes=([3], [0]))  # (a, b, c)
        return np.tensordot(np.conj(psi), wd, axes=([0], [1]))

    def hartree_hamiltonian(self, psi) -> np.ndarray:
        return self.h + self.mean_field_matrix(psi)

    def pair_energy(self, psi) -> float:
        r""":math:`\langle\psi\otimes\psi|W|\psi\otimes\psi\rangle`."""
        return float(np.real(np.conj(psi) @ self.mean_field_matrix(psi) @ psi))

    def hartree_energy(self, psi) -> float:
        r"""Hartree energy
        :math:`\langle\psi|h|\psi\rangle + \frac12\langle\psi\psi|W|\psi\psi\rangle`."""
        psi = np.asarray(psi)
        return float(np.real(np.conj(psi) @ self.h @ psi)) + 0.5 * self.pair_energy(psi)

    def h1_norm(self, psi) -> float:
        r""":math:`\|\psi\|_{H^1}` in the modes (weights :math:`1+k^2` on the ring; plain
        :math:`\ell^2` norm when the model has no kinetic Laplacian)."""
        wts = np.ones(self.K) if self.sobolev_weights is None else self.sobolev_weights
        return float(np.sqrt(np.sum(wts * np.abs(psi) ** 2)))


def josephson(J: float = 1.0, U: float = 1.0, bias: float = 0.0, hbar: float = 1.0) -> ModeModel:
    r"""Two-mode Bose–Hubbard (bosonic Josephson junction) in the mean-field scaling,

    .. math:: \mathcal H_N = -J\,(a_0^\dagger a_1 + a_1^\dagger a_0)
        + \tfrac{\Delta}{2}(n_0-n_1) + \frac{U}{2N}\sum_{a=0,1} n_a(n_a-1).

    The pair interaction is the on-site one, :math:`W = U(P_0\otimes P_0+P_1\otimes P_1)`: a
    potential :math:`V` on the two-point group :math:`\mathbf Z/2` with :math:`V(0)=U`,
    :math:`V(1)=0`, whose Fourier coefficients are :math:`c_0=c_1=U/2` with unitary characters
    :math:`E_1=\mathrm{diag}(1,-1)`; so Theorem 2.8's constant is :math:`\sum|c_\omega| = |U|`
    and :math:`\|V\|_\infty=|U|`. Hartree: :math:`i\hbar\dot\psi_a = -J\psi_{1-a}
    \pm\frac\Delta2\psi_a + U|\psi_a|^2\psi_a` (discrete Gross–Pitaevskii / Josephson equations).
    """
    for name, val in (("J", J), ("U", U), ("bias", bias)):
        if not np.isfinite(val):
            raise ValueError(f"{name} must be finite, got {val!r}")
    h = np.array([[bias / 2, -J], [-J, -bias / 2]], dtype=float)
    w = np.zeros((2, 2, 2, 2))
    w[0, 0, 0, 0] = w[1, 1, 1, 1] = U
    return ModeModel(
        h=h,
        w=w,
        hbar=hbar,
        name="two-mode Bose-Hubbard",
        fourier_l1=abs(U),
        sup_norm=abs(U),
        mode_labels=np.array([0, 1]),
        meta={"J": J, "U": U, "bias": bias},
    )


def ring_model(interaction, k_max: int, hbar: float = 1.0) -> ModeModel:
    r"""Bosons on the ring :math:`\mathbb T=\mathbf R/2\pi\mathbf Z` in the plane-wave modes
    :math:`e_k(x)=e^{ikx}/\sqrt{2\pi}`, :math:`|k|\le k_{\max}` (K = 2k_max+1), kinetic energy
    :math:`\hbar^2k^2/2`, interacting through the shared pair potential
    ``interaction`` (:class:`mfcourse.interaction.PairInteraction`),
    :math:`V(x)=\sum_q c_q e^{iqx}`, :math:`c_q` = ``interaction.fourier_coefficient(q)``:

    .. math:: w_{abcd} = \langle e_{k_a}e_{k_b}|V(x-y)|e_{k_c}e_{k_d}\rangle
        = c_{k_a-k_c}\,\delta_{k_a+k_b,\,k_c+k_d}.

    This is the Galerkin truncation of the ring problem: :math:`W=\sum_q c_q\,(PE_qP)\otimes
    (PE_qP)^*` with contractions :math:`PE_qP`, so the proofs of seed 002 Theorems 2.8–2.9 apply
    with :math:`\|\hat V\|_{L^1}/(2\pi)^d` replaced by :math:`\sum_q|c_q|` (the torus
    normalisation; ``interaction.fourier_l1``).
    """
    if isinstance(k_max, bool) or not isinstance(k_max, int | np.integer) or k_max < 0:
        raise ValueError(f"k_max must be an integer >= 0, got {k_max!r}")
    ks = np.arange(-k_max, k_max + 1)
    K = ks.size
    h = np.diag(0.5 * hbar**2 * ks.astype(float) ** 2)
    w = np.zeros((K, K, K, K))
    for a in range(K):
        for c in range(K):
            q = int(ks[a] - ks[c])
            cq = float(np.real(interaction.fourier_coefficient(q)))
            if cq == 0.0:
                continue
            for b in range(K):
                kd = ks[a] + ks[b] - ks[c]
                if -k_max <= kd <= k_max:
                    w[a, b, c, kd + k_max] = cq
    l1 = float(interaction.fourier_l1)
    sup = float(interaction.sup_V)
    return ModeModel(
        h=h,
        w=w,
        hbar=hbar,
        name=f"ring, |k|<={k_max}",
        fourier_l1=l1,
        sup_norm=sup,
        mode_labels=ks,
        sobolev_weights=1.0 + ks.astype(float) ** 2,
        meta={"k_max": k_max, "interaction": interaction},
    )


def ring_state(coefficients: dict, k_max: int) -> np.ndarray:
    """A normalised one-particle state on the ring from ``{k: amplitude}``."""
    if isinstance(k_max, bool) or not isinstance(k_max, numbers.Integral) or k_max < 0:
        raise ValueError(f"k_max must be an integer >= 0, got {k_max!r}")
    psi = np.zeros(2 * k_max + 1, dtype=complex)
    for k, v in coefficients.items():
        if abs(k) > k_max:
            raise ValueError(f"mode k={k} is outside |k| <= k_max={k_max}")
        if not np.isfinite(v):
            raise ValueError(f"coefficients[{k}] must be finite, got {v!r}")
        psi[k + k_max] = v
    nrm = np.linalg.norm(psi)
    if nrm == 0:
        raise ValueError("the state has no amplitude in the modes")
    return psi / nrm


def ring_wavefunction(psi, x) -> np.ndarray:
    r""":math:`\psi(x)=\sum_k\psi_k e^{ikx}/\sqrt{2\pi}` at the points x."""
    psi = np.asarray(psi)
    k_max = (psi.size - 1) // 2
    ks = np.arange(-k_max, k_max + 1)
    return np.exp(1j * np.outer(np.asarray(x), ks)) @ psi / np.sqrt(2 * np.pi)


# ----------------------------------------------------------------------------------------------
# Krylov time evolution
# ----------------------------------------------------------------------------------------------
@numba.njit(cache=True)
def _csr_matvec_window(indptr, indices, data, x, a, b, out):
    # out[r - a] = sum_j H[r, j] x[j - a] for rows a <= r < b; x is zero outside [a, b)
    for r in range(a, b):
        acc = 0j
        for p in range(indptr[r], indptr[r + 1]):
            c = indices[p]
            if a <= c < b:
                acc += data[p] * x[c - a]
        out[r - a] = acc


@numba.njit(cache=True)
def _krylov_kernel(indptr, indices, data, v, total, sign, hbar, m, bw, thr, tol_total):
    D = v.size
    done = 0.0
    steps = 0
    eps = 2.220446049250313e-16
    while done < total * (1.0 - 1e-15):
        remaining = total - done
        # support of v (entries above thr) widened by what m products with H can reach
        # (tails of total norm <= thr are dropped: rounding noise must not widen the window)
        lo = 0
        acc = 0.0
        while lo < D - 1:
            acc += abs(v[lo]) ** 2
            if acc > thr * thr:
                break
            v[lo] = 0.0
            lo += 1
        hi = D - 1
        acc = 0.0
        while hi > lo:
            acc += abs(v[hi]) ** 2
            if acc > thr * thr:
                break
            v[hi] = 0.0
            hi -= 1
        a = max(0, lo - (m + 1) * bw)
        b = min(D, hi + 1 + (m + 1) * bw)
        n = b - a
        mm = min(m, n)
        V = np.zeros((mm + 1, n), dtype=np.complex128)
        beta0 = np.sqrt(np.sum(np.abs(v[a:b]) ** 2))
        for i in range(n):
            V[0, i] = v[a + i] / beta0
        alpha = np.zeros(mm)
        beta = np.zeros(mm)
        w = np.zeros(n, dtype=np.complex128)
        k = mm
        breakdown = False
        for j in range(mm):
            _csr_matvec_window(indptr, indices, data, V[j], a, b, w)
            al = 0.0
            for i in range(n):
                al += (V[j, i].conjugate() * w[i]).real
            alpha[j] = al
            for i in range(n):
                w[i] -= al * V[j, i]
            if j > 0:
                for i in range(n):
                    w[i] -= beta[j - 1] * V[j - 1, i]
            # local re-orthogonalisation against the last two basis vectors
            for q in range(max(0, j - 1), j + 1):
                ov = 0j
                for i in range(n):
                    ov += V[q, i].conjugate() * w[i]
                for i in range(n):
                    w[i] -= ov * V[q, i]
            bb = np.sqrt(np.sum(np.abs(w) ** 2))
            beta[j] = bb
            if bb < 1e-13 * max(1.0, abs(al)):
                k = j + 1
                breakdown = True
                break
            for i in range(n):
                V[j + 1, i] = w[i] / bb
        T = np.zeros((k, k))
        for i in range(k):
            T[i, i] = alpha[i]
            if i + 1 < k:
                T[i, i + 1] = beta[i]
                T[i + 1, i] = beta[i]
        theta, Q = np.linalg.eigh(T)
        q0 = Q[0, :].astype(np.complex128)
        tau = remaining
        if not breakdown:
            floor = 64.0 * eps * beta[k - 1]
            # error estimate beta_k |[exp(-i tau T/hbar) e_1]_k| against tol * tau / total
            c_last = np.sum(Q[k - 1, :] * np.exp(-1j * sign * tau * theta / hbar) * q0)
            if beta[k - 1] * abs(c_last) > tol_total * tau / total + floor:
                hi_t = tau
                lo_t = tau * 0.7
                while True:
                    c_last = np.sum(Q[k - 1, :] * np.exp(-1j * sign * lo_t * theta / hbar) * q0)
                    if beta[k - 1] * abs(c_last) <= tol_total * lo_t / total + floor:
                        break
                    hi_t = lo_t
                    lo_t *= 0.7
                    if lo_t < 1e-14 * total:
                        return v, -1
                for _ in range(20):
                    if hi_t - lo_t < 0.02 * hi_t:
                        break
                    mid = 0.5 * (lo_t + hi_t)
                    c_last = np.sum(Q[k - 1, :] * np.exp(-1j * sign * mid * theta / hbar) * q0)
                    if beta[k - 1] * abs(c_last) <= tol_total * mid / total + floor:
                        lo_t = mid
                    else:
                        hi_t = mid
                tau = lo_t
        ph = np.exp(-1j * sign * tau * theta / hbar) * q0
        coef = np.zeros(k, dtype=np.complex128)
        for i in range(k):
            coef[i] = beta0 * np.sum(Q[i, :] * ph)
        vn = np.zeros(D, dtype=np.complex128)
        for q in range(k):
            for i in range(n):
                vn[a + i] += coef[q] * V[q, i]
        v = vn
        done += tau
        steps += 1
    return v, steps


def matrix_bandwidth(H) -> int:
    """max |i - j| over the stored entries of a sparse matrix (1 for a tridiagonal one)."""
    H = sp.coo_matrix(H)
    return int(np.max(np.abs(H.row - H.col))) if H.nnz else 0


def krylov_propagate(
    H,
    Psi,
    t: float,
    *,
    hbar: float = 1.0,
    tol: float = 1e-10,
    m: int = 30,
    bandwidth: int | None = None,
    threshold: float = 1e-14,
    progress: Callable[[float], None] | None = None,
    chunks: int = 1,
):
    r""":math:`e^{-itH/\hbar}\Psi` for a Hermitian sparse H by Lanczos steps (compiled).

    Each step builds an m-dimensional Krylov space :math:`V_m` with tridiagonal
    :math:`T_m=V_m^\dagger HV_m` and takes the longest sub-step τ whose a-posteriori error
    estimate :math:`\beta_m|[e^{-i\tau T_m/\hbar}e_1]_m|` is at most ``tol``·τ/t (plus a
    rounding floor), so the total error is about ``tol``. The update
    :math:`\|\Psi\|\,V_m e^{-i\tau T_m/\hbar}e_1` combines orthonormal vectors with a unit
    coefficient vector, so the norm is conserved to rounding, and the energy to the Krylov
    accuracy (:math:`T_m` is exactly Hermitian).

    Banded matrices (``bandwidth`` = max |i−j|, e.g. 1 for two modes) are worked on only where
    the state lives: before each step the two tails of total norm at most ``threshold`` are
    dropped (an error of at most ``threshold`` per step) and the m·bandwidth sites a step can
    reach are added. This makes a well-localised N = 10^4 two-mode state cheap; set
    ``threshold=0`` for the plain full-vector method.
    """
    if not np.isfinite(t):
        raise ValueError(f"t must be finite, got {t!r}")
    H = sp.csr_matrix(H)
    v = np.asarray(Psi, dtype=complex).copy()
    if v.shape != (H.shape[0],):
        raise ValueError(f"state has shape {v.shape}, expected ({H.shape[0]},)")
    if t == 0:
        return v
    bw = matrix_bandwidth(H) if bandwidth is None else int(bandwidth)
    sign = 1.0 if t > 0 else -1.0
    nrm0 = np.linalg.norm(v)
    data = H.data.astype(complex)
    indptr = H.indptr.astype(np.int64)
    indices = H.indices.astype(np.int64)
    chunks = max(1, int(chunks))
    for c in range(chunks):
        v, steps = _krylov_kernel(
            indptr,
            indices,
            data,
            v,
            abs(t) / chunks,
            sign,
            float(hbar),
            int(m),
            bw,
            float(threshold),
            float(tol) / chunks,
        )
        if steps < 0:
            raise RuntimeError("Krylov step size collapsed; increase m or tol")
        if progress is not None:
            progress((c + 1) / chunks)
    return v * (nrm0 / np.linalg.norm(v)) if nrm0 > 0 else v


@numba.njit(cache=True)
def _chebyshev_kernel(indptr, indices, data, v, center, radius, coef):
    # sum_k coef[k] T_k((H - center)/radius) v, three-term recurrence
    D = v.size
    t0 = v.copy()
    out = coef[0] * t0
    t1 = np.zeros(D, dtype=np.complex128)
    for r in range(D):
        acc = 0j
        for p in range(indptr[r], indptr[r + 1]):
            acc += data[p] * t0[indices[p]]
        t1[r] = (acc - center * t0[r]) / radius
    out += coef[1] * t1
    t2 = np.zeros(D, dtype=np.complex128)
    for k in range(2, coef.size):
        ck = coef[k]
        for r in range(D):
            acc = 0j
            for p in range(indptr[r], indptr[r + 1]):
                acc += data[p] * t1[indices[p]]
            val = 2.0 * (acc - center * t1[r]) / radius - t0[r]
            t2[r] = val
            out[r] += ck * val
        t0, t1, t2 = t1, t2, t0
    return out


def spectral_bounds(H) -> tuple[float, float]:
    """Gershgorin interval [lo, hi] containing the spectrum of a Hermitian sparse matrix."""
    H = sp.csr_matrix(H)
    d = np.real(H.diagonal())
    offsum = np.asarray(abs(H).sum(axis=1)).ravel() - np.abs(d)
    return float(np.min(d - offsum)), float(np.max(d + offsum))


def chebyshev_propagate(
    H,
    Psi,
    t: float,
    *,
    hbar: float = 1.0,
    tol: float = 1e-13,
    bounds: tuple[float, float] | None = None,
):
    r""":math:`e^{-itH/\hbar}\Psi` by the Chebyshev expansion (Tal-Ezer & Kosloff 1984)

    .. math:: e^{-itH/\hbar} = e^{-itc/\hbar}\sum_{k\ge0}(2-\delta_{k0})(-i)^k J_k(tr/\hbar)\,
        T_k\big((H-c)/r\big),

    with the spectrum inside :math:`[c-r,c+r]` (Gershgorin bounds) and the series cut where the
    Bessel coefficients fall below ``tol``: about :math:`tr/\hbar` terms, each one sparse product.
    Best for banded H with a wide spectrum (the two-mode model at large N).
    """
    from scipy.special import jv

    H = sp.csr_matrix(H)
    lo, hi = spectral_bounds(H) if bounds is None else bounds
    center = 0.5 * (lo + hi)
    radius = max(0.5 * (hi - lo), 1e-300) * (1 + 1e-12)
    x = abs(t) * radius / hbar
    n_terms = int(x + 10 * max(x, 1.0) ** (1 / 3) + 30)
    k = np.arange(n_terms)
    coef = jv(k, x) * (2.0 - (k == 0))
    tail = np.nonzero(np.abs(coef) > tol)[0]
    n_terms = int(tail.max()) + 2 if tail.size else 2
    k = k[:n_terms]
    sign = 1.0 if t > 0 else -1.0
    coef = coef[:n_terms] * (-1j * sign) ** k
    out = _chebyshev_kernel(
        H.indptr.astype(np.int64),
        H.indices.astype(np.int64),
        H.data.astype(complex),
        np.asarray(Psi, dtype=complex),
        center,
        radius,
        coef.astype(complex),
    )
    return out * np.exp(-1j * sign * abs(t) * center / hbar)


@dataclass
class NBodyProblem:
    r"""The exact N-body problem :math:`\mathcal H_N=d\Gamma(h)+\frac1N\,\frac12\sum w\,a^\dagger
    a^\dagger aa` of a :class:`ModeModel` with N particles.

    Construct with :meth:`build`. ``evolve`` returns :math:`\Psi_N(t)=e^{-it\mathcal H_N/\hbar}
    \Psi_N^{in}` at the requested times.
    """

    model: ModeModel
    space: FockSpace
    H: sp.csr_matrix

    @classmethod
    def build(cls, model: ModeModel, N: int, *, max_bytes: int | None = None):
        N, _ = _check_nk(N, model.K)
        if N < 1:
            raise ValueError(f"the N-body problem needs N >= 1, got N={N}")
        nnz = 1 + np.count_nonzero(model.h - np.diag(np.diag(model.h)))
        nnz += len(
            {
                tuple(
                    np.eye(model.K, dtype=int)[[a, b]].sum(0)
                    - np.eye(model.K, dtype=int)[[c, d]].sum(0)
                )
                for a, b, c, d in zip(*np.nonzero(model.w), strict=True)
            }
        )
        space = FockSpace(N, model.K, max_bytes=max_bytes, nnz_per_row=nnz)
        H = space.one_body(model.h)
        if N >= 2:
            H = H + space.two_body(model.w) / N
        H = sp.csr_matrix(H)
        H.sum_duplicates()
        H.eliminate_zeros()
        return cls(model=model, space=space, H=H)

    @property
    def N(self) -> int:
        return self.space.N

    def product_state(self, phi) -> np.ndarray:
        return self.space.product_state(phi)

    def energy(self, Psi) -> float:
        """:math:`\\langle\\Psi|\\mathcal H_N|\\Psi\\rangle`."""
        return float(np.real(np.vdot(Psi, self.H @ Psi)))

    def evolve(
        self,
        Psi0,
        times: Sequence[float],
        *,
        tol: float = 1e-10,
        m: int = 30,
        method: str = "auto",
        progress: Callable[[float], None] | None = None,
    ) -> np.ndarray:
        """States at ``times`` (non-decreasing, >= 0), shape (len(times), dim).

        ``method``: ``"krylov"`` (:func:`krylov_propagate`), ``"chebyshev"``
        (:func:`chebyshev_propagate`) or ``"auto"`` (Chebyshev for a tridiagonal H, i.e. two
        modes, whose spectrum is wide, O(N), but whose products are cheap; Krylov otherwise).
        """
        Psi = self.space.check_state(Psi0)
        times = np.asarray(times, dtype=float)
        if times.ndim != 1 or np.any(np.diff(times) < 0) or (times.size and times[0] < 0):
            raise ValueError("times must be a non-decreasing 1D sequence of values >= 0")
        if method not in ("auto", "krylov", "chebyshev"):
            raise ValueError(f"method must be 'auto', 'krylov' or 'chebyshev', got {method!r}")
        if method == "auto":
            method = "chebyshev" if self.bandwidth <= 1 else "krylov"
        out = np.empty((times.size, self.space.dim), dtype=complex)
        t_prev = 0.0
        t_end = times[-1] if times.size and times[-1] > 0 else 1.0
        for i, t in enumerate(times):
            if t > t_prev:
                if method == "krylov":
                    Psi = krylov_propagate(
                        self.H,
                        Psi,
                        t - t_prev,
                        hbar=self.model.hbar,
                        tol=tol * (t - t_prev) / t_end,
                        m=m,
                        bandwidth=self.bandwidth,
                    )
                else:
                    Psi = chebyshev_propagate(
                        self.H, Psi, t - t_prev, hbar=self.model.hbar, bounds=self.spectral_bounds
                    )
            out[i] = Psi
            t_prev = t
            if progress is not None:
                progress((i + 1) / times.size)
        return out

    @cached_property
    def spectral_bounds(self) -> tuple[float, float]:
        return spectral_bounds(self.H)

    @cached_property
    def bandwidth(self) -> int:
        return matrix_bandwidth(self.H)


# ----------------------------------------------------------------------------------------------
# two modes, large N: the mean-field (Bogoliubov) frame
# ----------------------------------------------------------------------------------------------
@dataclass
class FrameTrajectory:
    r"""Exact two-mode N-body dynamics written as :math:`\Psi_N(t)=\Gamma(u_t)\Phi(t)`, with
    :math:`u_t` the one-particle Hartree propagator and :math:`\Phi(t)` (up to a global phase)
    on the states :math:`|N-s,s\rangle`, :math:`s\le n_{exc}`, of the rotated modes."""

    model: ModeModel
    N: int
    times: np.ndarray
    u: np.ndarray  # (nt, K, K)
    phi: np.ndarray  # (nt, n_exc + 1)
    tail: float

    def gamma1(self, i: int) -> np.ndarray:
        r""":math:`\gamma_N^{(1)}(t_i)=u\,\gamma_\Phi^{(1)}u^\dagger`."""
        p = self.phi[i]
        s = np.arange(p.size, dtype=float)
        n0 = self.N - s
        g = np.zeros((2, 2), dtype=complex)
        g[0, 0] = np.sum(n0 * np.abs(p) ** 2)
        g[1, 1] = np.sum(s * np.abs(p) ** 2)
        # <a_0^dagger a_1> = sum_s conj(p_{s-1}) p_s sqrt(s (N - s + 1))
        g[1, 0] = np.sum(np.conj(p[:-1]) * p[1:] * np.sqrt(s[1:] * (self.N - s[1:] + 1)))
        g[0, 1] = np.conj(g[1, 0])
        g /= self.N
        u = self.u[i]
        return u @ g @ u.conj().T

    def hartree(self, i: int) -> np.ndarray:
        """The Hartree solution :math:`\\psi_t=u_te_0` at ``times[i]``."""
        return self.u[i][:, 0]


def _unitary_with_first_column(psi):
    a, b = psi
    return np.array([[a, -np.conj(b)], [b, np.conj(a)]], dtype=complex)


def evolve_two_mode_frame(
    model: ModeModel,
    N: int,
    psi0,
    times,
    *,
    dt: float = 0.025,
    n_exc: int = 64,
    tail_tol: float = 1e-13,
    max_exc: int = 512,
) -> FrameTrajectory:
    r"""Exact N-body dynamics of two modes from :math:`\psi_0^{\otimes N}` at any N, in the frame
    that follows the Hartree solution.

    With :math:`i\hbar\dot u_t=(h+V_{\psi_t})u_t`, :math:`u_0e_0=\psi_0` (so
    :math:`\psi_t=u_te_0` solves Hartree) and :math:`\Psi_N=\Gamma(u_t)\Phi`, the rotated state
    obeys :math:`i\hbar\dot\Phi=\big(\tfrac1N T(w'_t)-d\Gamma(u_t^\dagger V_{\psi_t}u_t)\big)\Phi`,
    :math:`w'_t=(u_t^\dagger\otimes u_t^\dagger)\,w\,(u_t\otimes u_t)`, from
    :math:`\Phi(0)=|N,0\rangle`. The terms linear in the excitations cancel (that is the Hartree
    equation), so :math:`\Phi` stays on few excited states :math:`s=n_1` and its generator has an
    O(1) spread there instead of the O(N) of :math:`\mathcal H_N`: this is the Bogoliubov picture,
    used here as an *exact* change of variables. The equation is integrated by the fourth-order
    commutator-free Magnus method (two exponentials per step at the Gauss points) on the states
    :math:`s\le n_{exc}`; ``n_exc`` is doubled until the weight on the last eight kept states is
    below ``tail_tol`` (a ``RuntimeError`` beyond ``max_exc``: then the condensate is depleted and
    the direct method is the right one). Observables are mapped back by
    :math:`\gamma_\Psi^{(1)}=u\gamma_\Phi^{(1)}u^\dagger`.
    """
    if model.K != 2:
        raise ValueError(f"the mean-field frame is implemented for K = 2 modes, got K={model.K}")
    N, _ = _check_nk(N, 2)
    if N < 2:
        raise ValueError(f"need N >= 2, got N={N}")
    psi0 = _check_one_body_state(psi0, 2)
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or times.size == 0 or np.any(np.diff(times) < 0) or times[0] < 0:
        raise ValueError("times must be a non-empty non-decreasing 1D sequence of values >= 0")
    from scipy.integrate import solve_ivp

    hbar = model.hbar

    def rhs(t, y):
        u = (y[:4] + 1j * y[4:]).reshape(2, 2)
        du = -1j / hbar * (model.hartree_hamiltonian(u[:, 0]) @ u)
        return np.concatenate([du.real.ravel(), du.imag.ravel()])

    u0 = _unitary_with_first_column(psi0)
    y0 = np.concatenate([u0.real.ravel(), u0.imag.ravel()])
    t_end = max(float(times[-1]), 1e-12)
    sol = solve_ivp(
        rhs, (0.0, t_end), y0, method="DOP853", rtol=1e-12, atol=1e-13, dense_output=True
    )

    def u_at(t):
        y = sol.sol(t)
        return (y[:4] + 1j * y[4:]).reshape(2, 2)

    c1, c2 = 0.5 - np.sqrt(3) / 6, 0.5 + np.sqrt(3) / 6
    a1, a2 = 0.25 + np.sqrt(3) / 6, 0.25 - np.sqrt(3) / 6
    while True:
        M = min(int(n_exc), N)
        s = np.arange(M + 1, dtype=float)
        n0 = N - s
        # operators on span{|N-s, s>}: a_a^dagger a_b and (1/2) a_a^dagger a_b^dagger a_d a_c
        up = np.diag(np.sqrt(n0[:-1] * (s[:-1] + 1)), -1)  # a_1^dagger a_0: s -> s + 1
        one = {(0, 0): np.diag(n0), (1, 1): np.diag(s), (1, 0): up, (0, 1): up.T}
        two = {}
        for a in range(2):
            for b in range(2):
                for c in range(2):
                    for d in range(2):
                        # a_a^+ a_b^+ a_d a_c = (a_a^+ a_c)(a_b^+ a_d) - delta_bc a_a^+ a_d
                        # (the products are exact: truncation only removes s > M)
                        op = one[a, c] @ one[b, d]
                        if b == c:
                            op = op - one[a, d]
                        two[a, b, c, d] = 0.5 * op
        phi = np.zeros(M + 1, dtype=complex)
        phi[0] = 1.0
        out = np.empty((times.size, M + 1), dtype=complex)
        us = np.empty((times.size, 2, 2), dtype=complex)

        def generator(t, M=M, one=one, two=two):
            u = u_at(t)
            wp = np.einsum(
                "ABCD,Aa,Bb,Cc,Dd->abcd", model.w, u.conj(), u.conj(), u, u, optimize=True
            )
            vmf = u.conj().T @ model.mean_field_matrix(u[:, 0]) @ u
            H = np.zeros((M + 1, M + 1), dtype=complex)
            for (a, b), op in one.items():
                H -= vmf[a, b] * op
            for (a, b, c, d), op in two.items():
                if wp[a, b, c, d] != 0:
                    H += wp[a, b, c, d] / N * op
            H = 0.5 * (H + H.conj().T)
            return H - H[0, 0].real * np.eye(M + 1)  # a c-number only changes the global phase

        def expm_h(H, tau, v):
            # compiled Lanczos (no LAPACK threads: robust timing on a loaded machine)
            return krylov_propagate(
                sp.csr_matrix(H), v, tau, hbar=hbar, tol=1e-14, m=24, bandwidth=2, threshold=0.0
            )

        t_prev = 0.0
        tail = 0.0
        for i, t in enumerate(times):
            span = t - t_prev
            n_steps = int(np.ceil(span / dt - 1e-9)) if span > 0 else 0
            h_step = span / n_steps if n_steps else 0.0
            for k in range(n_steps):
                t0 = t_prev + k * h_step
                H1, H2 = generator(t0 + c1 * h_step), generator(t0 + c2 * h_step)
                # CF4: exp(-i h (a2 H1 + a1 H2)) exp(-i h (a1 H1 + a2 H2)), right factor first
                phi = expm_h(a1 * H1 + a2 * H2, h_step, phi)
                phi = expm_h(a2 * H1 + a1 * H2, h_step, phi)
            out[i] = phi
            us[i] = u_at(t) if t > 0 else u0
            tail = max(tail, float(np.sum(np.abs(phi[-8:]) ** 2)))
            t_prev = t
        if tail <= tail_tol or M >= N:
            return FrameTrajectory(model=model, N=N, times=times, u=us, phi=out, tail=tail)
        if 2 * M > max_exc:
            raise RuntimeError(
                f"the state left the mean-field frame: weight {tail:.1e} on the last of "
                f"{M} excited states (max_exc={max_exc}); the condensate is depleted, so "
                "the frame brings no saving here: use NBodyProblem.evolve (direct method)"
            )
        n_exc = 2 * M


# ----------------------------------------------------------------------------------------------
# the objects of seed 002 §2.4–2.7: E_omega, M_N^in, R_psi, C[V, Λ1, Λ2], the self-term
# ----------------------------------------------------------------------------------------------
def fourier_multipliers(model: ModeModel) -> list[tuple[float, np.ndarray]]:
    r"""The decomposition :math:`W=\sum_\omega c_\omega\,E_\omega\otimes E_\omega^*` of the pair
    interaction of ``model`` (seed 002 §2.5, the Fourier inversion formula
    :math:`V_{kl}=\int\hat V(\omega)J_kE_\omega J_lE_\omega^*\,d\omega/(2\pi)^d`).

    * :func:`josephson`: :math:`V` on the group :math:`\mathbf Z/2`, :math:`c_0=c_1=U/2`,
      :math:`E_0=I`, :math:`E_1=\mathrm{diag}(1,-1)` — **unitary** characters;
    * :func:`ring_model`: :math:`c_q=\hat V(q)` and :math:`E_q=Pe^{iqx}P` (matrix
      :math:`(E_q)_{ac}=\delta_{k_a,k_c+q}`), the Galerkin-truncated plane-wave multipliers:
      **contractions**, not unitaries, for :math:`q\ne0`.

    Returns a list of ``(c, E)``; the decomposition is checked against ``model.w`` (a model
    of another kind, or an inconsistent one, raises ``ValueError``).
    """
    if not isinstance(model, ModeModel):
        raise ValueError(f"model must be a ModeModel, got {type(model).__name__}")
    if "U" in model.meta and model.K == 2:
        U = float(model.meta["U"])
        out = [(U / 2, np.eye(2)), (U / 2, np.diag([1.0, -1.0]))]
    elif "interaction" in model.meta and "k_max" in model.meta:
        inter, k_max = model.meta["interaction"], int(model.meta["k_max"])
        ks = np.arange(-k_max, k_max + 1)
        out = []
        for q in range(-2 * k_max, 2 * k_max + 1):
            c = float(np.real(inter.fourier_coefficient(q)))
            if c != 0.0:
                out.append((c, (ks[:, None] == ks[None, :] + q).astype(float)))
    else:
        raise ValueError(
            "fourier_multipliers knows the models built by josephson() and ring_model(); "
            f"got {model.name!r}"
        )
    w = sum(c * np.einsum("ac,bd->abcd", E, E.conj().T) for c, E in out)
    if not np.allclose(w, model.w, atol=1e-13):
        raise ValueError("the multipliers do not reproduce model.w (inconsistent model)")
    return out


def self_term(multipliers, A) -> np.ndarray:
    r"""The self-interaction defect :math:`\mathcal D(A)=\sum_\omega c_\omega\,(E_\omega^*E_\omega A
    - A\,E_\omega E_\omega^*)` (a K×K matrix).

    In the proof of seed 002 Theorem 2.5 the diagonal terms k = l of
    :math:`\frac1{N^2}\sum_{k,l}` are harmless because :math:`E_\omega^*E_\omega=E_\omega
    E_\omega^*=I`; for contractions they leave :math:`\frac1N\mathcal M_N(\mathcal D(A))`.
    :math:`\mathcal D=0` for unitary multipliers (two modes); on the Galerkin ring it is not.
    """
    A = np.asarray(A, dtype=complex)
    out = np.zeros_like(A)
    for c, E in multipliers:
        if E.shape != A.shape:
            raise ValueError(f"A must be {E.shape}, got {A.shape}")
        out += c * (E.conj().T @ E @ A - A @ E @ E.conj().T)
    return out


def klimontovich_in(space: FockSpace, A) -> sp.csr_matrix:
    r"""The quantum empirical measure of seed 002 Definition 2.2 on symmetric states,
    :math:`\mathcal M_N^{in}(A)=\frac1N\sum_{k=1}^NJ_kA=\frac1N d\Gamma(A)` (sparse)."""
    if space.N < 1:
        raise ValueError("M_N^in needs N >= 1")
    return space.one_body(np.asarray(A, dtype=complex)) / space.N


def chaotic_morphism(space: FockSpace, psi, A) -> sp.csr_matrix:
    r"""Seed 002 Definition 2.6: :math:`\mathcal R_\psi(A)=\langle\psi|A|\psi\rangle I`."""
    psi = _check_one_body_state(psi, space.K)
    return (np.conj(psi) @ np.asarray(A) @ psi) * sp.identity(space.dim, format="csr")


def interaction_map(multipliers, lam1: Callable, lam2: Callable, A):
    r"""Seed 002 §2.5:
    :math:`\mathcal C[V,\Lambda_1,\Lambda_2]A=\sum_\omega c_\omega\big(\Lambda_1(E_\omega^*)
    \Lambda_2(E_\omega A)-\Lambda_2(AE_\omega)\Lambda_1(E_\omega^*)\big)` (the integral
    :math:`\int\cdots\hat V(\omega)d\omega/(2\pi)^d` becomes the finite sum over the
    multipliers). ``lam1``, ``lam2``: maps from K×K matrices to operators on the N-body space."""
    A = np.asarray(A, dtype=complex)
    out = None
    for c, E in multipliers:
        Es = E.conj().T
        term = c * (lam1(Es) @ lam2(E @ A) - lam2(A @ E) @ lam1(Es))
        out = term if out is None else out + term
    return out


def _lanczos_top(G, m: int, v0: np.ndarray) -> float:
    """Largest Ritz value of the Hermitian G after m Lanczos steps (full reorthogonalisation)."""
    n = v0.size
    Q = np.zeros((m + 1, n), dtype=complex)
    alpha, beta = np.zeros(m), np.zeros(m)
    Q[0] = v0 / np.linalg.norm(v0)
    k_used = m
    for k in range(m):
        w = G @ Q[k]
        alpha[k] = np.real(np.vdot(Q[k], w))
        w = w - Q[: k + 1].T @ (Q[: k + 1].conj() @ w)
        w = w - Q[: k + 1].T @ (Q[: k + 1].conj() @ w)
        beta[k] = np.linalg.norm(w)
        if beta[k] < 1e-14 * max(1.0, abs(alpha[k])):
            k_used = k + 1
            break
        Q[k + 1] = w / beta[k]
    T = np.diag(alpha[:k_used]) + np.diag(beta[: k_used - 1], 1) + np.diag(beta[: k_used - 1], -1)
    return float(np.linalg.eigvalsh(T)[-1])


def sparse_operator_norm(X, *, dense_below: int = 64, rtol: float = 1e-10) -> float:
    r"""Operator norm (largest singular value) of a sparse or dense square matrix: dense SVD
    below ``dense_below`` rows, else the largest eigenvalue of :math:`X^\dagger X` by Lanczos
    with full reorthogonalisation (deterministic start vector), the number of steps doubled
    until the top Ritz value (of X^†X) is stable to ``rtol``."""
    shape = X.shape
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"expected a square matrix, got shape {shape}")
    if shape[0] == 0:
        return 0.0
    if shape[0] <= dense_below:
        Xd = X.toarray() if sp.issparse(X) else np.asarray(X)
        return float(np.linalg.norm(Xd, 2))
    Xs = sp.csr_matrix(X)
    G = (Xs.conj().T @ Xs).tocsr()
    if G.nnz == 0:
        return 0.0
    v0 = np.ones(shape[0], dtype=complex) + 0.1j * np.arange(shape[0]) / shape[0]
    m, prev = 16, -1.0
    while True:
        m = min(m, shape[0])
        lam = _lanczos_top(G, m, v0)
        if abs(lam - prev) <= rtol * abs(lam) or m == shape[0]:
            return float(np.sqrt(max(lam, 0.0)))
        prev, m = lam, 2 * m


def klimontovich_commutator_norm(space: FockSpace, X, Y, *, dense_below: int = 64) -> float:
    r""":math:`\|[\mathcal M_N^{in}(X),\mathcal M_N^{in}(Y)]\|` on the symmetric N-particle space.

    Since :math:`J_kX` and :math:`J_lY` commute for :math:`k\ne l`,
    :math:`[\mathcal M_N^{in}(X),\mathcal M_N^{in}(Y)]=\frac1{N^2}\sum_kJ_k[X,Y]
    =\frac1{N^2}d\Gamma([X,Y])` — the operator law of large numbers of the proof of seed 002
    Theorem 2.8; its norm is at most :math:`\|[X,Y]\|/N`. Conjugation by
    :math:`e^{it\mathcal H_N/\hbar}` does not change it, so this is also
    :math:`\|[\mathcal M_N(t)(X),\mathcal M_N(t)(Y)]\|`.
    """
    X, Y = np.asarray(X, dtype=complex), np.asarray(Y, dtype=complex)
    C = space.one_body(X @ Y - Y @ X) / space.N**2
    return sparse_operator_norm(C, dense_below=dense_below)
