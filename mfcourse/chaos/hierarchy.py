r"""The size of chaos, exactly: a finite-state mean-field jump process and its hierarchy.

Paul, Pulvirenti & Simonella (seed 000) prove, for an abstract class of mean-field models, that the
:math:`j`-particle marginal of the :math:`N`-particle state stays within :math:`O(j^2/N)` of the
factorised kinetic state (their Corollary 2.3),

.. math::
    \|f_j^N(t) - f(t)^{\otimes j}\|_1 \le D_2 e^{D_1 t \|V\|}\, \frac{j^2}{N},

by controlling the *correlation errors* (seed 000, eqs. (1)–(2) and Definition 2.1)

.. math::
    E_j = \sum_{K \subset J} (-1)^{|K|} f^N_{J\setminus K}\, f^{\otimes K},
    \qquad
    f^N_j = \sum_{K\subset J} E_{J\setminus K}\, f^{\otimes K},
    \qquad J = \{1,\dots,j\}.

This module makes seed 000 §2 concrete with *no* Monte Carlo noise. The one-particle space is a
finite set :math:`\{0,\dots,q-1\}`; two particles in states :math:`(a,b)` jump to :math:`(c,d)`
at rate :math:`W_{ab\to cd}/N` (the mean-field scaling of seed 000 eq. (7): each particle makes
:math:`O(1)` jumps per unit time). By exchangeability the :math:`N`-particle law is a law on
*occupation numbers* :math:`n = (n_0,\dots,n_{q-1})`, :math:`\sum_a n_a = N`; there are
:math:`\binom{N+q-1}{q-1}` of them, so the master equation (seed 000 eq. (5)) is a sparse linear
ODE :math:`\dot p = L p` that :func:`scipy.sparse.linalg.expm_multiply` solves to machine
precision. Given :math:`n`, the labelled configuration is uniform, so the :math:`j`-marginal is a
mixture of (ordered) multivariate hypergeometric laws:

.. math::
    f_j^N(x_1,\dots,x_j) = \mathbb{E}_{p}\Big[\frac{\prod_a (n_a)_{m_a}}{(N)_j}\Big],
    \qquad m_a = \#\{i \le j : x_i = a\},

with :math:`(n)_k = n(n-1)\cdots(n-k+1)`. Every :math:`j`-particle quantity is a symmetric
function, i.e. a function of the *type* :math:`m` of the configuration, and
:math:`\|g\|_1 = \sum_{|m|=j} \binom{j}{m} |g(m)|`.

The kinetic equation (seed 000 eqs. (19)–(20)) is :math:`f' = Q(f,f)` with

.. math::
    Q(f,f)_x = \sum_{a,b,y} W_{ab\to xy} f_a f_b - f_x \sum_{y,c,d} W_{xy\to cd} f_y .

Occupation-number enumeration and ranking (:func:`occupation_states`, :func:`occupation_rank`)
are the classical cousins of the symmetric Fock basis of :mod:`mfcourse.fock`.
"""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np

from mfcourse._validate import finite_array

#: Largest occupation space (number of states) that :class:`MasterEquation` will allocate.
MAX_STATES = 4_000_000


# ----------------------------------------------------------------------------------------------
# collision kernels
# ----------------------------------------------------------------------------------------------
def validate_kernel(
    W, conserved: dict[str, Sequence[float]] | None = None, atol: float = 1e-12
) -> np.ndarray:
    r"""Check a two-body collision kernel and return it as a float array of shape (q, q, q, q).

    ``W[a, b, c, d]`` :math:`\ge 0` is the rate at which an (ordered) pair in states
    :math:`(a, b)` jumps to :math:`(c, d)` (before the mean-field factor :math:`1/N`). Required:

    * *exchange symmetry* :math:`W_{ab\to cd} = W_{ba\to dc}` (seed 000 §2.1.3: :math:`V` is
      symmetry preserving), so that the rate does not depend on how the pair is labelled;
    * for each named invariant :math:`\varphi` in ``conserved`` (an array of length q),
      :math:`\varphi_a + \varphi_b = \varphi_c + \varphi_d` whenever :math:`W_{ab\to cd} > 0`.

    Raises ``ValueError`` naming the first offending entry.
    """
    W = np.asarray(W, dtype=float)
    if W.ndim != 4 or len(set(W.shape)) != 1:
        raise ValueError(f"a collision kernel has shape (q, q, q, q); got {W.shape}")
    q = W.shape[0]
    if q < 2:
        raise ValueError(f"the state space needs q >= 2 states, got q = {q}")
    if not np.all(np.isfinite(W)):
        raise ValueError("collision rates must be finite")
    if np.any(W < 0):
        idx = tuple(int(i) for i in np.argwhere(W < 0)[0])
        raise ValueError(f"collision rates must be >= 0; W{idx} = {W[idx]:g}")
    asym = np.abs(W - W.transpose(1, 0, 3, 2))
    if asym.max() > atol * max(1.0, W.max()):
        a, b, c, d = (int(i) for i in np.unravel_index(np.argmax(asym), W.shape))
        raise ValueError(
            "collision kernel is not exchange-symmetric: "
            f"W[{a},{b},{c},{d}] = {W[a, b, c, d]:g} but W[{b},{a},{d},{c}] = {W[b, a, d, c]:g}"
        )
    for name, phi in (conserved or {}).items():
        phi = np.asarray(phi, dtype=float)
        if phi.shape != (q,):
            raise ValueError(f"invariant {name!r} must have length q = {q}, got shape {phi.shape}")
        change = (
            phi[None, None, :, None]
            + phi[None, None, None, :]
            - phi[:, None, None, None]
            - phi[None, :, None, None]
        )
        bad = (W > 0) & (np.abs(change) > 1e-9 * max(1.0, np.abs(phi).max()))
        if bad.any():
            a, b, c, d = (int(i) for i in np.argwhere(bad)[0])
            raise ValueError(
                f"collision kernel does not conserve {name!r}: W[{a},{b},{c},{d}] = "
                f"{W[a, b, c, d]:g} > 0 but {name}[{a}] + {name}[{b}] = {phi[a] + phi[b]:g} "
                f"!= {name}[{c}] + {name}[{d}] = {phi[c] + phi[d]:g}"
            )
    return W


def discrete_kac_kernel(energies: Sequence[float], rate: float = 1.0) -> np.ndarray:
    r"""A discrete Kac kernel: a colliding pair is redistributed uniformly on its energy shell.

    With single-particle energies :math:`e_0,\dots,e_{q-1}`, a pair :math:`(a,b)` collides at
    total rate ``rate`` and lands on each ordered :math:`(c,d)` with
    :math:`e_c + e_d = e_a + e_b` with equal probability — the finite-state analogue of Kac's
    uniform random rotation, which spreads :math:`(v,w)` uniformly on the circle
    :math:`v^2 + w^2 = \text{const}`. The kernel is exchange-symmetric, conserves energy and
    satisfies detailed balance (:math:`W_{ab\to cd} = W_{cd\to ab}`), so Gibbs states
    :math:`f_a \propto e^{-\beta e_a}` are equilibria of the kinetic equation.
    """
    e = np.asarray(energies, dtype=float)
    if e.ndim != 1 or e.size < 2:
        raise ValueError(f"need at least 2 energies, got {e!r}")
    if not rate > 0:
        raise ValueError(f"rate must be > 0, got {rate}")
    q = e.size
    pair = e[:, None] + e[None, :]
    same = np.abs(pair[:, :, None, None] - pair[None, None, :, :]) < 1e-9 * (1 + np.abs(e).max())
    W = same / same.sum(axis=(2, 3), keepdims=True) * rate
    return validate_kernel(W.reshape(q, q, q, q), {"energy": e})


def random_kernel(
    q: int, seed: int, energies: Sequence[float] | None = None, density: float = 0.7
) -> np.ndarray:
    r"""A random exchange-symmetric kernel (for tests), optionally conserving ``energies``."""
    rng = np.random.default_rng(seed)
    W = rng.random((q, q, q, q)) * (rng.random((q, q, q, q)) < density)
    W = 0.5 * (W + W.transpose(1, 0, 3, 2))
    if energies is not None:
        e = np.asarray(energies, dtype=float)
        pair = e[:, None] + e[None, :]
        W = W * (np.abs(pair[:, :, None, None] - pair[None, None, :, :]) < 1e-9)
    return validate_kernel(W)


def collision_operator(W: np.ndarray, f: np.ndarray) -> np.ndarray:
    r"""The kinetic collision operator :math:`Q(f,f)` (seed 000 eq. (19) for this model).

    .. math::
        Q(f,f)_x = \sum_{a,b,y} W_{ab\to xy} f_a f_b - f_x \sum_{y,c,d} W_{xy\to cd} f_y .
    """
    gain = np.einsum("abxy,a,b->x", W, f, f)
    loss = f * np.einsum("xycd,y->x", W, f)
    return gain - loss


def kinetic_solution(
    W: np.ndarray,
    f0: Sequence[float],
    times: Sequence[float],
    rtol: float = 1e-12,
    atol: float = 1e-15,
) -> np.ndarray:
    r"""Solve the kinetic equation :math:`f' = Q(f,f)` (seed 000 eq. (20)); rows are times.

    A high-order Runge–Kutta (DOP853) solve with tight tolerances: the result is accurate far
    below the :math:`O(1/N)` effects it is compared with.
    """
    from scipy.integrate import solve_ivp

    W = validate_kernel(W)
    f0 = _check_density(f0, W.shape[0])
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or not np.all(np.isfinite(times)) or np.any(times < 0):
        raise ValueError(f"times must be a 1-d array of finite numbers >= 0, got {times}")
    if np.any(np.diff(times) < 0):
        raise ValueError("times must be a non-decreasing 1-d array of non-negative numbers")
    if times[-1] == 0:
        return np.tile(f0, (times.size, 1))
    sol = solve_ivp(
        lambda _t, f: collision_operator(W, f),
        (0.0, times[-1]),
        f0,
        method="DOP853",
        t_eval=times,
        rtol=rtol,
        atol=atol,
    )
    return sol.y.T.copy()


def _check_density(f, q):
    f = np.asarray(f, dtype=float)
    if f.shape != (q,):
        raise ValueError(f"a one-particle law on q = {q} states has shape ({q},), got {f.shape}")
    if not np.all(np.isfinite(f)):
        raise ValueError(f"a one-particle law must have finite entries, got {f}")
    if np.any(f < 0) or abs(f.sum() - 1) > 1e-12:
        raise ValueError(f"a one-particle law must be >= 0 and sum to 1; got {f} (sum {f.sum()!r})")
    return f


# ----------------------------------------------------------------------------------------------
# occupation numbers
# ----------------------------------------------------------------------------------------------
def n_occupation_states(N: int, q: int) -> int:
    r"""Number :math:`\binom{N+q-1}{q-1}` of occupation vectors of N particles in q states."""
    for name, val, lo in (("N", N, 0), ("q", q, 1)):
        if isinstance(val, bool) or not isinstance(val, numbers.Integral) or val < lo:
            raise ValueError(f"{name} must be an integer >= {lo}, got {val!r}")
    if min(N, q - 1) > 10_000:
        raise ValueError(
            f"N = {N}, q = {q}: binom(N+q-1, q-1) exceeds 10^6000 (refused; min(N, q-1) must be "
            "<= 10000)"
        )
    return math.comb(N + q - 1, q - 1)


@lru_cache(maxsize=64)
def _basis(N: int, q: int):
    """The occupation-number basis, shared with the bosonic Fock space (see the note below)."""
    from mfcourse.quantum.fock import FockSpace

    return FockSpace(N, q, max_bytes=2**62)  # chaos.MasterEquation enforces its own limit


def occupation_states(N: int, q: int) -> np.ndarray:
    r"""All occupation vectors :math:`n\in\mathbb{N}^q`, :math:`\sum_a n_a = N`, in rank order.

    N exchangeable particles in q single-particle states are described by their occupation
    numbers exactly as N bosons in q modes are: this is the basis of
    :class:`mfcourse.fock.FockSpace` (descending lexicographic order), reused here so that the
    classical hierarchy and the quantum Fock model share one enumeration and one ranking.
    Row ``r`` has ``occupation_rank(n, N) == r``. Shape :math:`(\binom{N+q-1}{q-1}, q)`, int64.
    """
    if N < 0 or q < 1:
        raise ValueError(f"need N >= 0 and q >= 1, got N = {N}, q = {q}")
    return _basis(int(N), int(q)).occupations.astype(np.int64)


def occupation_rank(n: np.ndarray, N: int) -> np.ndarray:
    r"""Rank of occupation vectors (rows of ``n``) in the order of :func:`occupation_states`
    (the ranking of :meth:`mfcourse.fock.FockSpace.rank`: :math:`O(q)` per vector)."""
    n = np.atleast_2d(np.asarray(n, dtype=np.int64))
    return _basis(int(N), n.shape[1]).rank(n)


def multiplicity_types(j: int, q: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Types :math:`m` with :math:`|m| = j` and their multiplicities :math:`\binom{j}{m}`.

    A symmetric function on :math:`\{0,\dots,q-1\}^j` is a function of the type; the
    multiplicity is the number of configurations of that type, so
    :math:`\|g\|_1 = \sum_m \binom{j}{m} |g(m)|`.
    """
    types = occupation_states(j, q)
    logw = math.lgamma(j + 1) - np.sum([[math.lgamma(k + 1) for k in row] for row in types], 1)
    return types, np.rint(np.exp(logw)) if j < 60 else np.exp(logw)


# ----------------------------------------------------------------------------------------------
# the N-particle master equation
# ----------------------------------------------------------------------------------------------
@dataclass
class MasterEquation:
    r"""The :math:`N`-particle master equation on occupation numbers (seed 000 eqs. (5)–(8)).

    Each unordered pair of particles in states :math:`(a,b)` jumps to :math:`(c,d)` at rate
    :math:`W_{ab\to cd}/N`. On occupation numbers the jump
    :math:`n \mapsto n - e_a - e_b + e_c + e_d` happens at rate
    :math:`\frac{1}{2N}\sum n_a (n_b - \delta_{ab}) W_{ab\to cd}` (sum over the ordered 4-tuples
    producing that jump), and :math:`\dot p = L p` with :math:`L` a sparse matrix whose columns
    sum to zero.

    Raises ``ValueError`` (before allocating anything) if the occupation space has more than
    ``max_states`` states.
    """

    W: np.ndarray
    N: int
    conserved: dict[str, Sequence[float]] | None = None
    max_states: int = MAX_STATES
    states: np.ndarray = field(init=False, repr=False)
    _local: np.ndarray | None = field(init=False, repr=False, default=None)
    dropped_mass: float = field(init=False, default=0.0)

    def __post_init__(self):
        if not isinstance(self.N, int | np.integer) or self.N < 2:
            raise ValueError(f"N must be an integer >= 2, got {self.N!r}")
        self.N = int(self.N)
        self.W = validate_kernel(self.W, self.conserved)
        self.q = self.W.shape[0]
        size = n_occupation_states(self.N, self.q)
        if size > self.max_states:
            raise ValueError(
                f"the occupation space of N = {self.N} particles in q = {self.q} states has "
                f"C(N+q-1, q-1) = {size:,} states (a generator of about "
                f"{size * 8 * 4 * self.q**2 / 1e9:.1f} GB); at most max_states = "
                f"{self.max_states:,} are allowed"
            )
        self.states = occupation_states(self.N, self.q)

    @property
    def size(self) -> int:
        return self.states.shape[0]

    def restrict(self, p0: np.ndarray, cutoff: float = 1e-25) -> tuple[MasterEquation, np.ndarray]:
        r"""Drop the invariant blocks that carry less than ``cutoff`` of the mass of ``p0``.

        Every conserved quantity :math:`\Phi(n) = \sum_a n_a\varphi_a` in ``conserved`` is
        constant along the dynamics, so the level sets of :math:`\Phi` are invariant blocks of
        :math:`L`; mass that starts in a block stays there. Dropping blocks of total mass
        :math:`\delta` changes every probability, hence every marginal, by at most
        :math:`\delta` (recorded as ``dropped_mass``). Returns the restricted equation and
        :math:`p_0` on its states.
        """
        p0 = np.asarray(p0, dtype=float)
        if p0.shape != (self.size,):
            raise ValueError(f"p0 must have shape ({self.size},), got {p0.shape}")
        if not self.conserved or self._local is not None:
            return self, p0
        values = np.column_stack(
            [self.states @ np.asarray(phi, float) for phi in self.conserved.values()]
        )
        _, label = np.unique(np.round(values, 9), axis=0, return_inverse=True)
        label = label.ravel()
        mass = np.bincount(label, weights=p0)
        keep = mass[label] >= cutoff
        sub = copy.copy(self)
        sub.__dict__.pop("generator", None)
        sub.__dict__.pop("uniformization_rate", None)
        sub.states = self.states[keep]
        local = np.full(self.size, -1, dtype=np.int64)
        local[np.flatnonzero(keep)] = np.arange(int(keep.sum()))
        sub._local = local
        sub.dropped_mass = float(p0[~keep].sum())
        return sub, p0[keep]

    @cached_property
    def generator(self):
        """The sparse generator :math:`L` (CSR), :math:`\\dot p = L p`."""
        import scipy.sparse as sp

        n, N, W = self.states, self.N, self.W
        rows, cols, vals = [], [], []
        source = np.arange(self.size, dtype=np.int64)
        exit_rate = np.zeros(self.size)
        for a, b, c, d in np.argwhere(W > 0):
            if sorted((a, b)) == sorted((c, d)):
                continue  # relabels within the pair: no change of occupation numbers
            rate = n[:, a] * (n[:, b] - (a == b)) * (W[a, b, c, d] / (2 * N))
            ok = rate > 0
            if not ok.any():
                continue
            target = n[ok].copy()
            target[:, a] -= 1
            target[:, b] -= 1
            target[:, c] += 1
            target[:, d] += 1
            rank = occupation_rank(target, N)
            if self._local is not None:
                rank = self._local[rank]
                if np.any(rank < 0):  # pragma: no cover - excluded by validate_kernel
                    raise RuntimeError("a jump leaves its invariant block: check `conserved`")
            rows.append(rank)
            cols.append(source[ok])
            vals.append(rate[ok])
            exit_rate[ok] += rate[ok]
        rows.append(source)
        cols.append(source)
        vals.append(-exit_rate)
        L = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(self.size, self.size),
        )
        L.sum_duplicates()
        return L

    def iid(self, f0: Sequence[float]) -> np.ndarray:
        r"""Law of the occupation numbers of :math:`N` i.i.d. particles with law :math:`f_0`:
        the multinomial :math:`p(n) = \binom{N}{n}\prod_a f_{0,a}^{n_a}` (chaotic data)."""
        from scipy.special import gammaln, xlogy

        f0 = _check_density(f0, self.q)
        logp = gammaln(self.N + 1) - gammaln(self.states + 1).sum(1) + xlogy(self.states, f0).sum(1)
        p = np.exp(logp)
        return p / p.sum()  # removes the ~1e-14 rounding of exp(gammaln) from the total mass

    @cached_property
    def uniformization_rate(self) -> float:
        r"""The largest exit rate :math:`\Lambda = \max_n (-L_{nn})`."""
        return float(max(-self.generator.diagonal().min(), 1e-300))

    def evolve(
        self,
        p0: np.ndarray,
        times: Sequence[float],
        method: str = "uniformization",
        tail: float = 1e-17,
    ) -> np.ndarray:
        r"""Exact solution :math:`p(t) = e^{tL}p_0` at increasing ``times`` (starting at 0).

        ``method="uniformization"`` (default) writes, with :math:`\Lambda \ge \max_n(-L_{nn})`
        and the stochastic matrix :math:`P = I + L/\Lambda`,

        .. math:: e^{tL}p_0 = \sum_{k\ge0} e^{-\Lambda t}\frac{(\Lambda t)^k}{k!}\, P^k p_0,

        a sum of *non-negative* vectors (no cancellation), truncated where the Poisson tail is
        below ``tail``; the powers :math:`P^kp_0` serve all output times at once, so it needs
        about :math:`\Lambda t_{\max}` sparse products, some ten times fewer
        than the Taylor scheme of ``method="expm"``
        (:func:`scipy.sparse.linalg.expm_multiply`), which is kept as an independent check.
        """
        times = np.asarray(times, dtype=float)
        if times.ndim != 1 or not np.all(np.isfinite(times)):
            raise ValueError(f"times must be a 1-d array of finite numbers, got {times}")
        if times[0] != 0 or np.any(np.diff(times) <= 0):
            raise ValueError("times must be increasing and start at 0")
        p0 = np.asarray(p0, dtype=float)
        if p0.shape != (self.size,):
            raise ValueError(f"p0 must have shape ({self.size},), got {p0.shape}")
        if method == "expm":
            from scipy.sparse.linalg import expm_multiply

            out = [p0]
            for dt in np.diff(times):
                out.append(expm_multiply(self.generator * dt, out[-1]))
            return np.array(out)
        if method != "uniformization":
            raise ValueError(f"method must be 'uniformization' or 'expm', got {method!r}")
        import scipy.sparse as sp
        from scipy.special import gammaln

        lam = self.uniformization_rate
        P = (sp.identity(self.size, format="csr") + self.generator / lam).tocsr()
        # one pass over k serves every output time: p(t_i) = sum_k w_k(lam t_i) P^k p0
        mu = lam * times
        kmax = int(np.ceil(mu[-1] + 14 * np.sqrt(mu[-1]) + 45))
        k = np.arange(kmax + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            logw = k[None, :] * np.log(mu[:, None]) - mu[:, None] - gammaln(k + 1)[None, :]
        weights = np.exp(logw)
        weights[0, :] = 0.0
        weights[0, 0] = 1.0
        # stop where every remaining Poisson tail is below `tail`
        tails = np.cumsum(weights[:, ::-1], axis=1)[:, ::-1]
        reached = tails < tail
        if not reached[:, -1].all():  # pragma: no cover - kmax is far out in the tail
            raise RuntimeError("Poisson truncation did not reach the requested tail")
        kstop = int(np.max(np.argmax(reached, axis=1)))
        v = p0.copy()
        out = weights[:, 0][:, None] * v[None, :]
        for kk in range(1, kstop + 1):
            v = P @ v
            for i in np.flatnonzero(weights[:, kk] > 1e-3 * tail):
                out[i] += weights[i, kk] * v  # in place: no temporaries of the full array
        return out

    def factorial_moments(self, p: np.ndarray, jmax: int, cutoff: float = 1e-30) -> np.ndarray:
        r"""All marginals up to order ``jmax`` at once.

        Returns ``F`` of shape ``(jmax + 1,) * q`` with, for :math:`|m| \le` ``jmax``,

        .. math:: F[m] = f^N_{|m|}(\text{any configuration of type } m)
            = \frac{\mathbb{E}_p[\prod_a (n_a)_{m_a}]}{(N)_{|m|}}

        (the ordered multivariate hypergeometric mixture), and NaN elsewhere. States with
        :math:`p(n) <` ``cutoff`` are skipped: each summand is at most :math:`p(n)`, so this
        changes nothing at double precision.
        """
        if not 0 <= jmax <= self.N:
            raise ValueError(f"marginal order j must satisfy 0 <= j <= N = {self.N}, got {jmax}")
        return _factorial_moments(self.states, np.asarray(p, float), self.N, jmax, cutoff)


def _factorial_moments(states, p, N, jmax, cutoff=1e-30):
    r"""Table of :math:`\mathbb{E}_p[\prod_a (n_a)_{k_a}]/(N)_{|k|}`, :math:`|k|\le j_{\max}`.

    The states are sorted lexicographically, so those sharing the prefix
    :math:`(n_0,\dots,n_{q-3})` are contiguous; for each such group the last two components are
    contracted by one small matrix product, and the prefix factors are applied once per group.
    The cost is :math:`O(S\,j_{\max}^2)` for :math:`S` states (not :math:`O(S\,j_{\max}^3)`).
    """
    keep = np.abs(p) > cutoff
    n, w = states[keep], p[keep]
    q = n.shape[1]
    J = jmax + 1
    # falling factorials (n)_k for every n = 0..N and k = 0..jmax (the same for each component)
    ffv = np.empty((N + 1, J))
    ffv[:, 0] = 1.0
    values = np.arange(N + 1, dtype=float)
    for k in range(1, J):
        ffv[:, k] = ffv[:, k - 1] * (values - (k - 1))
    if n.shape[0] == 0:
        M = np.zeros((J,) * q)
    else:
        prefix = n[:, : q - 2]
        if q > 2:
            change = np.any(prefix[1:] != prefix[:-1], axis=1)
            starts = np.concatenate([[0], np.flatnonzero(change) + 1])
        else:
            starts = np.array([0])
        ends = np.append(starts[1:], n.shape[0])
        G = np.empty((starts.size, J * J))
        for g, (s0, s1) in enumerate(zip(starts, ends, strict=True)):
            left = ffv[n[s0:s1, q - 2]]
            right = ffv[n[s0:s1, q - 1]] * w[s0:s1, None]
            G[g] = (left.T @ right).ravel()
        # prefix factors: A[g, k_0, ..., k_{q-3}] = prod_a (n_a^g)_{k_a}
        A = np.ones((starts.size,) + (1,) * 0)
        for a in range(q - 2):
            A = A[..., None] * ffv[prefix[starts, a]].reshape((starts.size,) + (1,) * a + (J,))
        M = (A.reshape(starts.size, -1).T @ G).reshape((J,) * q)
    total = np.indices((J,) * q).sum(0)
    falling_N = ffv[N] if N >= jmax else np.concatenate([ffv[N, : N + 1], np.zeros(J - N - 1)])
    with np.errstate(invalid="ignore", divide="ignore"):
        F = np.where(total <= jmax, M / falling_N[np.minimum(total, jmax)], np.nan)
    return F


# ----------------------------------------------------------------------------------------------
# distances to the product and correlation errors
# ----------------------------------------------------------------------------------------------
def _product(f: np.ndarray, types: np.ndarray) -> np.ndarray:
    """f^{⊗j} on configurations of the given types: prod_a f_a^{m_a}."""
    return np.prod(np.asarray(f, float)[None, :] ** types, axis=1)


def marginal(F: np.ndarray, j: int) -> tuple[np.ndarray, np.ndarray]:
    """``(types, values)`` of the j-marginal from the table of :meth:`factorial_moments`."""
    F = np.asarray(F, dtype=float)
    if F.ndim < 1 or F.size == 0:
        raise ValueError(f"F must be a non-empty table from factorial_moments, got shape {F.shape}")
    q = F.ndim
    jmax = F.shape[0] - 1
    if not 0 <= j <= jmax:
        raise ValueError(f"j = {j} is outside the computed range 0..{jmax}")
    types, _ = multiplicity_types(j, q)
    # entries of total order > jmax are NaN by design; those of order j must be finite
    values = finite_array(F[tuple(types.T)], f"F (its order-{j} entries)")
    return types, values


def chaos_distance(F: np.ndarray, f: Sequence[float], j: int) -> float:
    r""":math:`\|f_j^N - f^{\otimes j}\|_1 = \sum_{|m|=j}\binom{j}{m}|f_j^N(m) - f^m|` exactly."""
    types, values = marginal(F, j)
    _, mult = multiplicity_types(j, F.ndim)
    return float(np.sum(mult * np.abs(values - _product(f, types))))


def _ej_table(F, f, j):
    """Terms of E_j(m) for every type m of order j: array (types, subtypes) and the types.

    Row r holds, for the sub-types k <= m_r (others 0), the summands
    (-1)^{|k|} prod_a C(m_a, k_a) F[m - k] f^k of :func:`correlation_error`.
    """
    q = F.ndim
    types, _ = multiplicity_types(j, q)
    subs = np.array(list(np.ndindex(*(j + 1,) * q)), dtype=np.int64)
    subs = subs[subs.sum(1) <= j]
    binom = np.array([[math.comb(n, k) for k in range(j + 1)] for n in range(j + 1)], float)
    ok = np.all(subs[None, :, :] <= types[:, None, :], axis=2)  # (types, subs)
    rest = np.where(ok[:, :, None], types[:, None, :] - subs[None, :, :], 0)
    coef = np.prod(binom[types[:, None, :], subs[None, :, :]], axis=2)
    sign = (-1.0) ** subs.sum(1)
    fk = _product(f, subs)
    values = F[tuple(np.moveaxis(rest, 2, 0))]
    terms = np.where(ok, sign[None, :] * coef * fk[None, :] * values, 0.0)
    return types, terms


def correlation_error(F: np.ndarray, f: Sequence[float], j: int) -> tuple[np.ndarray, np.ndarray]:
    r"""The correlation error :math:`E_j` of seed 000 eq. (1), on types: ``(types, values)``.

    Grouping the subsets :math:`K \subset J` by the type :math:`k \le m` of the configuration
    they carry (there are :math:`\prod_a\binom{m_a}{k_a}` of them),

    .. math:: E_j(m) = \sum_{k \le m} (-1)^{|k|} \prod_a \binom{m_a}{k_a}\,
        f^N_{j-|k|}(m - k)\, f^{k}.
    """
    f = np.asarray(f, float)
    types, terms = _ej_table(F, f, j)
    return types, terms.sum(1)


def correlation_error_norm(F: np.ndarray, f: Sequence[float], j: int) -> tuple[float, float]:
    r"""``(‖E_j‖₁, floor)``: the L¹ norm of :math:`E_j` and its round-off floor.

    :math:`E_j` is an alternating sum of :math:`2^j` terms of size :math:`O(f^{\otimes j})` that
    cancel down to :math:`O((j/\sqrt N)^j)`; the floor
    :math:`10^{-14}\sum_m\binom{j}{m}\sum_k|\text{term}_k|` bounds the error from marginals
    known to ~1e-14. Values below ~10× the floor are round-off, not data.
    """
    f = np.asarray(f, float)
    _, mult = multiplicity_types(j, F.ndim)
    _, terms = _ej_table(F, f, j)
    norm = float(np.sum(mult * np.abs(terms.sum(1))))
    floor = float(1e-14 * np.sum(mult * np.abs(terms).sum(1)))
    return norm, floor


def reconstruct_marginal(F: np.ndarray, f: Sequence[float], j: int) -> np.ndarray:
    r"""Seed 000 eq. (2): :math:`f_j^N = \sum_{K\subset J} E_{J\setminus K} f^{\otimes K}`,
    evaluated on the types of order ``j`` from the correlation errors of orders ``0..j``
    (:math:`E_0 = 1`). Used to test the inversion."""
    f = np.asarray(f, float)
    q = F.ndim
    E = {0: {(0,) * q: 1.0}}
    for i in range(1, j + 1):
        t, v = correlation_error(F, f, i)
        E[i] = {tuple(int(x) for x in row): val for row, val in zip(t, v, strict=True)}
    types, _ = multiplicity_types(j, q)
    out = np.empty(len(types))
    for r, m in enumerate(types):
        total = 0.0
        for k in np.ndindex(*(m + 1)):
            k = np.asarray(k)
            binom = np.prod([math.comb(int(mi), int(ki)) for mi, ki in zip(m, k, strict=True)])
            total += binom * E[int(j - k.sum())][tuple(int(x) for x in m - k)] * np.prod(f**k)
        out[r] = total
    return out


# ----------------------------------------------------------------------------------------------
# the whole experiment in one object
# ----------------------------------------------------------------------------------------------
@dataclass
class ChaosExperiment:
    r"""Exact :math:`N`-particle evolution from chaotic data, with the kinetic solution alongside.

    ``run()`` evolves :math:`p(t)` by the master equation and :math:`f(t)` by the kinetic
    equation on ``times`` (equally spaced from 0) and stores the factorial-moment tables, from
    which every marginal up to ``jmax`` is read off. ``distance[t, j]`` is
    :math:`\|f_j^N(t) - f(t)^{\otimes j}\|_1` and ``error_norm(t, j)`` is
    :math:`\|E_j(t)\|_1`.
    """

    W: np.ndarray
    N: int
    f0: Sequence[float]
    times: Sequence[float]
    jmax: int = 20
    conserved: dict[str, Sequence[float]] | None = None
    progress: Callable[[str], None] | None = None

    def __post_init__(self):
        if not isinstance(self.jmax, int | np.integer) or self.jmax < 1:
            raise ValueError(f"jmax must be a positive integer, got {self.jmax!r}")
        if self.jmax > self.N:
            raise ValueError(
                f"marginal order j = {self.jmax} exceeds the particle number N = "
                f"{self.N}; j-marginals exist for 1 <= j <= N only"
            )
        self.master = MasterEquation(self.W, self.N, self.conserved)
        self.times = np.asarray(self.times, dtype=float)
        self.f0 = _check_density(self.f0, self.master.q)

    def run(self) -> ChaosExperiment:
        import time

        t0 = time.perf_counter()
        me, p0 = self.master.restrict(self.master.iid(self.f0))
        self.master = me
        P = me.evolve(p0, self.times)
        self.f = kinetic_solution(me.W, self.f0, self.times)
        self.tables = [me.factorial_moments(p, self.jmax) for p in P]
        self.distance = np.array(
            [
                [chaos_distance(F, f, j) if j else 0.0 for j in range(self.jmax + 1)]
                for F, f in zip(self.tables, self.f, strict=True)
            ]
        )
        if self.progress is not None:
            self.progress(
                f"N = {self.N}: {me.size:,} of {n_occupation_states(self.N, me.q):,} occupation "
                f"states (dropped mass {me.dropped_mass:.0e}), "
                f"{len(self.times)} times, {time.perf_counter() - t0:.1f} s"
            )
        return self

    def error_norm(self, it: int, j: int) -> tuple[float, float]:
        """``(‖E_j‖₁, round-off floor)`` at time index ``it`` (cached)."""
        cache = self.__dict__.setdefault("_error_cache", {})
        if (it, j) not in cache:
            cache[(it, j)] = correlation_error_norm(self.tables[it], self.f[it], j)
        return cache[(it, j)]

    def triangle_bound(self, it: int, j: int) -> float:
        r"""The right-hand side of the proof of Corollary 2.3 (seed 000):
        :math:`\sum_{k=1}^{j}\binom{j}{k}\|E_k\|_1 \ge \|f_j^N - f^{\otimes j}\|_1`
        (eq. (2) and the triangle inequality)."""
        return float(sum(math.comb(j, k) * self.error_norm(it, k)[0] for k in range(1, j + 1)))

    def one_particle(self, it: int) -> np.ndarray:
        """The one-particle marginal :math:`f_1^N` at time index ``it``."""
        types, values = marginal(self.tables[it], 1)
        out = np.empty(self.master.q)
        out[np.argmax(types, axis=1)] = values
        return out


# ----------------------------------------------------------------------------------------------
# the quantum counterpart (seed 000 §4.2, eq. (83))
# ----------------------------------------------------------------------------------------------
def quantum_chaos_distances(
    model, N: int, psi0: Sequence[complex], times: Sequence[float], jmax: int = 20
) -> np.ndarray:
    r"""Trace norms :math:`\mathrm{Tr}|\gamma_N^{(j)}(t)-|\psi_t\rangle\langle\psi_t|^{\otimes j}|`
    for ``j = 0..jmax`` (column 0 is 0) at ``times`` (rows): seed 000 eq. (83), exactly.

    The :math:`N`-body state starts as :math:`\psi_0^{\otimes N}` and is evolved exactly in the
    symmetric Fock space of :mod:`mfcourse.fock` (Krylov, tolerance 1e-12); :math:`\psi_t` solves
    the Hartree equation of the same :class:`~mfcourse.fock.ModeModel`
    (:func:`mfcourse.hartree.evolve_modes`).
    Both :math:`j`-particle operators live on :math:`\mathrm{Sym}^j`, where the trace norm is the
    same as on the full tensor power.
    """
    from mfcourse.quantum import fock, hartree

    if not isinstance(jmax, int | np.integer) or not 1 <= jmax <= N:
        raise ValueError(f"marginal order j must satisfy 1 <= j <= N = {N}, got jmax = {jmax}")
    times = np.asarray(times, dtype=float)
    problem = fock.NBodyProblem.build(model, N)
    psi0 = np.asarray(psi0, dtype=complex)
    states = problem.evolve(problem.product_state(psi0), times, tol=1e-12)
    phis = hartree.evolve_modes(model, psi0, times, rtol=1e-12, atol=1e-13)
    out = np.zeros((times.size, jmax + 1))
    for it in range(times.size):
        for j in range(1, jmax + 1):
            gamma = problem.space.reduced_density_matrix(states[it], j)
            out[it, j] = fock.trace_norm(gamma - fock.product_rdm(phis[it], j))
    return out


# ----------------------------------------------------------------------------------------------
# why j/N: the first-order (one-body + pair) terms and their L^2 norms (lecture 4, §5)
# ----------------------------------------------------------------------------------------------
def normalised_correlations(F: np.ndarray, f: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    r"""``(psi1, psi2)``: :math:`\psi_1 = E_1/f` (length q) and
    :math:`\psi_2 = E_2/(f\otimes f)` (q × q), the densities of the first two correlation errors
    with respect to the kinetic product state. Both are centred:
    :math:`\sum_a f_a\psi_1(a) = 0` and :math:`\sum_b f_b\psi_2(a,b) = 0` for every :math:`a`
    (the vanishing marginals of :math:`E_2`)."""
    f = np.asarray(f, float)
    q = F.ndim
    if np.any(f <= 0):
        raise ValueError(f"the kinetic state must be > 0 on every state to divide by it, got {f}")
    t1, e1 = correlation_error(F, f, 1)
    psi1 = np.empty(q)
    psi1[np.argmax(t1, axis=1)] = e1 / f[np.argmax(t1, axis=1)]
    t2, e2 = correlation_error(F, f, 2)
    psi2 = np.empty((q, q))
    for m, val in zip(t2, e2, strict=True):
        idx = np.flatnonzero(m)
        a, b = (idx[0], idx[0]) if idx.size == 1 else (idx[0], idx[1])
        psi2[a, b] = psi2[b, a] = val / (f[a] * f[b])
    return psi1, psi2


def l2_norms(F: np.ndarray, f: Sequence[float]) -> tuple[float, float]:
    r""":math:`(\|E_1/f\|_{L^2(f)},\ \|E_2/(f\otimes f)\|_{L^2(f\otimes f)})`: the hypothesis of
    the "why j/N" argument is that both are :math:`O(1/N)`."""
    f = np.asarray(f, float)
    psi1, psi2 = normalised_correlations(F, f)
    return float(np.sqrt(f @ psi1**2)), float(np.sqrt(f @ psi2**2 @ f))


def first_order_norms(F: np.ndarray, f: Sequence[float], j: int) -> tuple[float, float, float]:
    r"""Exact :math:`L^1` norms of the first-order terms of eq. (2),

    .. math::
        A_j = \Big\|\sum_{i}E_1^{(i)}f^{\otimes(j-1)}\Big\|_1,\quad
        B_j = \Big\|\sum_{i<k}E_2^{(ik)}f^{\otimes(j-2)}\Big\|_1,\quad
        \Big\|\text{both}\Big\|_1,

    i.e. :math:`\mathbb E_{f^{\otimes j}}|\sum_i\psi_1(x_i)|`, the same for the degenerate
    U-statistic :math:`\sum_{i<k}\psi_2(x_i,x_k)`, and for their sum. On a configuration of type
    :math:`m` they are :math:`\sum_a m_a\psi_1(a)` and
    :math:`\frac12(m^{\mathsf T}\psi_2m - \sum_a m_a\psi_2(a,a))`."""
    f = np.asarray(f, float)
    psi1, psi2 = normalised_correlations(F, f)
    types, mult = multiplicity_types(j, F.ndim)
    one = types @ psi1
    pair = 0.5 * (np.einsum("ma,ab,mb->m", types, psi2, types) - types @ np.diag(psi2))
    w = mult * _product(f, types)
    return (
        float(np.sum(w * np.abs(one))),
        float(np.sum(w * np.abs(pair))),
        float(np.sum(w * np.abs(one + pair))),
    )


# ----------------------------------------------------------------------------------------------
# cumulants (Duerinckx's correlation functions) and the long-time (microcanonical) plateau
# ----------------------------------------------------------------------------------------------
def _set_partitions(elements):
    if len(elements) == 1:
        yield [elements]
        return
    first, rest = elements[0], elements[1:]
    for part in _set_partitions(rest):
        for i in range(len(part)):
            yield part[:i] + [[first, *part[i]]] + part[i + 1 :]
        yield [[first], *part]


def cumulant_norm(F: np.ndarray, j: int) -> tuple[float, float]:
    r"""``(‖G_j‖₁, floor)`` for the joint cumulant (connected correlation function) of the
    marginals,

    .. math::
        G_j(x_1,\dots,x_j)
        = \sum_{\pi}(|\pi|-1)!\,(-1)^{|\pi|-1}\prod_{B\in\pi}f^N_{|B|}(x_B),

    the sum over set partitions :math:`\pi` of :math:`\{1,\dots,j\}` (Möbius inversion on the
    partition lattice). Unlike :math:`E_j`, it subtracts products of *marginals* rather than of
    the kinetic :math:`f`. The floor is :math:`10^{-14}` times the sum of the absolute terms."""
    q = F.ndim
    if not 1 <= j <= min(F.shape[0] - 1, 8):
        raise ValueError(f"cumulants are computed for 1 <= j <= min(jmax, 8), got j = {j}")
    parts = list(_set_partitions(list(range(j))))
    coef = [math.factorial(len(p) - 1) * (-1) ** (len(p) - 1) for p in parts]
    types, mult = multiplicity_types(j, q)
    norm = floor = 0.0
    for m, w in zip(types, mult, strict=True):
        x = np.repeat(np.arange(q), m)  # a configuration of type m
        total = absum = 0.0
        for c, p in zip(coef, parts, strict=True):
            term = float(c)
            for B in p:
                term *= F[tuple(np.bincount(x[B], minlength=q))]
            total += term
            absum += abs(term)
        norm += w * abs(total)
        floor += w * absum
    return float(norm), float(1e-14 * floor)


def microcanonical_law(me: MasterEquation, p0: np.ndarray) -> np.ndarray:
    r"""The :math:`t\to\infty` limit of :math:`p(t)` for a kernel that is symmetric at the
    labelled level (:math:`W_{ab\to cd} = W_{cd\to ab}`, e.g. :func:`discrete_kac_kernel`) and
    irreducible on each shell of the conserved quantities: on each shell the labelled
    configurations become uniform (the finite analogue of the uniform law on Kac's sphere), so
    :math:`p_\infty(n)\propto \text{mass}_0(\text{shell})\,\binom{N}{n}`."""
    from scipy.special import gammaln

    p0 = np.asarray(p0, float)
    if p0.shape != (me.size,):
        raise ValueError(f"p0 must have shape ({me.size},), got {p0.shape}")
    if not me.conserved:
        raise ValueError("the master equation has no conserved quantities to define shells")
    if np.abs(me.W - me.W.transpose(2, 3, 0, 1)).max() > 1e-12:
        raise ValueError("microcanonical_law needs a kernel with W[a,b,c,d] == W[c,d,a,b]")
    values = np.column_stack([me.states @ np.asarray(phi, float) for phi in me.conserved.values()])
    _, label = np.unique(np.round(values, 9), axis=0, return_inverse=True)
    label = label.ravel()
    logw = gammaln(me.N + 1) - gammaln(me.states + 1).sum(1)
    out = np.zeros(me.size)
    for s in np.unique(label):
        idx = label == s
        w = np.exp(logw[idx] - logw[idx].max())
        out[idx] = p0[idx].sum() * w / w.sum()
    return out


# ----------------------------------------------------------------------------------------------
# the explicit constants of seed 000, Theorem 2.2 and Corollary 2.3
# ----------------------------------------------------------------------------------------------
def pair_operator_norm(W: np.ndarray) -> float:
    r""":math:`\|V\|_{\ell^1\to\ell^1}` of the two-body operator
    :math:`(Vg)(c,d) = \sum_{ab}W_{ab\to cd}g(a,b) - g(c,d)\sum_{ab}W_{cd\to ab}` on
    :math:`\ell^1(\{0..q-1\}^2)` (the maximal absolute column sum); the master equation of
    :class:`MasterEquation` is seed 000 eq. (5)–(7) with this :math:`V` and :math:`K_0 = 0`."""
    W = validate_kernel(W)
    q = W.shape[0]
    M = W.reshape(q * q, q * q).T.copy()  # M[(cd), (ab)] = W_{ab -> cd}
    M -= np.diag(M.sum(0))
    return float(np.abs(M).sum(0).max())


def corollary_constants(C0: float = 1.0, B0: float = 0.0) -> dict[str, float]:
    r"""The constants of seed 000: :math:`C_1, C_2` of eq. (78), :math:`B_1, B_2` of eq. (81)
    and :math:`D_1 = \max(B_1, 2C_1)`, :math:`D_2 = \max(B_2, 8(eC_2)^2)` of Corollary 2.3.
    Chaotic data have :math:`E_j(0) = 0`, so (37) holds with :math:`C_0 = 1` and
    :math:`B_0` may be taken arbitrarily small."""
    if not C0 >= 1 or not B0 >= 0:
        raise ValueError(f"need C0 >= 1 and B0 >= 0, got C0 = {C0}, B0 = {B0}")
    c_tau = 16 * (2 * math.e) ** (1 + 1 / (12 * math.e))
    C1 = 4 * c_tau / abs(math.log(1 - 1 / (24 * math.e)))
    C2 = c_tau * C0
    B1 = 2 * C1
    B2 = B0 + 0.5 + 16 * C2**2 / (C1 - 2)
    return {
        "C1": C1,
        "C2": C2,
        "B1": B1,
        "B2": B2,
        "D1": max(B1, 2 * C1),
        "D2": max(B2, 8 * (math.e * C2) ** 2),
    }
