r"""Optimal transport: Wasserstein distances on the phase space :math:`\mathbb{T}\times\mathbb{R}`.

Golse, lecture notes (seed 002) §1.5, Definitions 1.3–1.4: for probability measures
:math:`\mu, \nu` a *coupling* is a probability :math:`\pi` on the product with marginals
:math:`\mu` and :math:`\nu`, and

.. math::
    W_p(\mu, \nu) = \inf_{\pi \in \mathcal{C}(\mu,\nu)}
        \Big(\iint d(z, z')^p \, \pi(dz\,dz')\Big)^{1/p}.

The lectures work on the phase space :math:`\mathbb{T}\times\mathbb{R}`, :math:`\mathbb{T} =
\mathbb{R}/2\pi\mathbb{Z}`, with the periodic distance in position,
:math:`d_{\mathbb{T}}(x, y) = \min(|x-y| \bmod 2\pi,\ 2\pi - |x-y| \bmod 2\pi)`, combined with the
velocity distance either as

* ``metric="l1"`` (default): :math:`d = d_{\mathbb{T}}(x, y) + |\xi - \eta|` — the distance used
  in the proof of Dobrushin's inequality (seed 002 §1.6, Theorem 1.5, Step 3: the quantity
  :math:`D(t) = \int (|x-y| + |\xi-\eta|)\, h`), so that the bound is stated for exactly this
  :math:`W_1`;
* ``metric="euclidean"``: :math:`d = (d_{\mathbb{T}}^2 + |\xi-\eta|^2)^{1/2}`.

What is here, and how exact it is:

* :func:`wasserstein` — **exact** :math:`W_p` between two discrete (empirical or weighted)
  measures by POT's network simplex (:func:`ot.emd2`); convergence of the simplex is checked and
  a non-optimal exit raises :class:`RuntimeError`. Cost :math:`O(n m)` memory; use it up to a few
  thousand points (2000 points against 4096 takes ≈ 3 s).
* :func:`wasserstein_to_grid` — an empirical measure against a density sampled on a grid, the grid
  density being the discrete measure putting the mass :math:`f_{ij}\,\Delta x\,\Delta\xi` of each
  cell at its centre (:func:`grid_measure`). This is exact for that discrete measure; against the
  continuous density it is within :func:`grid_quantization_bound` (the cost of moving each cell's
  mass to its centre).
  For :math:`W_1` with the ℓ¹ metric it is solved as a min-cost flow on the grid graph (exact,
  :math:`O(N + n_xn_v)` unknowns; 2000 particles against a 64×64 grid in well under a second),
  otherwise by the dense simplex.
* :func:`optimal_plan` — the optimal coupling itself (to draw a small one).
* :func:`kantorovich_rubinstein` — the dual side of :math:`W_1` (Kantorovich–Rubinstein, seed 002
  §1.5): a 1-Lipschitz :math:`\phi` with :math:`\int\phi\,d\mu - \int\phi\,d\nu = W_1(\mu,\nu)`.
* :func:`wasserstein_1d` — **exact** :math:`W_p` on the line by sorting / quantile functions,
  :math:`W_p^p = \int_0^1 |F^{-1}(u) - G^{-1}(u)|^p\,du`.
* :func:`circle_w1` — **exact** :math:`W_1` on the circle :math:`\mathbb R/L\mathbb Z` by the
  median of :math:`F_\mu - F_\nu` (lecture 7's sheets, any 1-D periodic sample).
* :func:`gaussian_w2` — the closed form for Gaussians,
  :math:`W_2^2 = |m_1-m_2|^2 + \operatorname{tr}(S_1+S_2-2(S_2^{1/2}S_1S_2^{1/2})^{1/2})`.
* :func:`sliced_wasserstein_approx`, :func:`sinkhorn_w_approx` — **approximations** (a different
  distance, resp. an entropically regularised upper estimate); their names say so.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from mfcourse._validate import finite_array

TWO_PI = 2.0 * np.pi
METRICS = ("l1", "euclidean")
#: Default iteration cap for the network simplex: large enough that the lecture's problems
#: (up to ~2000 × 4096) converge; a non-converged solve raises rather than returning a bound.
NUM_ITER_MAX = 100_000_000
#: Largest dense cost matrix (entries n*m) the exact solvers accept: 2.5e7 doubles = 200 MB, a
#: network simplex of minutes. Beyond it use :func:`w1_to_grid` (a sparse min-cost flow),
#: :func:`wasserstein_1d` (sorting), or the labelled approximations.
MAX_COST_ENTRIES = 25_000_000


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
def _as_points(points, name: str) -> np.ndarray:
    """Points as a float array of shape (n, d); a 1D array is n points on the line."""
    z = np.asarray(points, dtype=float)
    if z.ndim == 1:
        z = z[:, None]
    if z.ndim != 2:
        raise ValueError(f"{name} must have shape (n,) or (n, d), got shape {z.shape}")
    if z.shape[0] < 1:
        raise ValueError(f"{name} must contain at least one point, got {z.shape[0]}")
    if not np.all(np.isfinite(z)):
        raise ValueError(f"{name} contains NaN or infinite coordinates; all must be finite")
    return z


def _as_weights(weights, n: int, name: str) -> np.ndarray:
    r"""Probability weights of length ``n`` (uniform :math:`1/n` if ``None``).

    Weights must be finite, :math:`\ge 0` and sum to 1 within ``1e-9`` (we do not silently
    renormalise: a measure that is not a probability is a bug upstream).
    """
    if weights is None:
        return np.full(n, 1.0 / n)
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) to match the points, got {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name} contains NaN or infinite values; weights must be finite")
    if np.any(w < 0):
        raise ValueError(f"{name} has negative entries (min {w.min():.3g}); weights must be >= 0")
    s = w.sum()
    if abs(s - 1.0) > 1e-9:
        raise ValueError(f"{name} sums to {s:.12g}; probability weights must sum to 1")
    return w


def _check_p(p) -> float:
    if not np.isscalar(p) or not np.isfinite(p) or p < 1:
        raise ValueError(f"p must be a finite number >= 1, got {p!r}")
    return float(p)


def _check_metric(metric: str) -> str:
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    return metric


def _periodic_mask(periodic, d: int) -> np.ndarray:
    r"""Boolean mask of the periodic coordinates among ``d`` (a sequence of indices).

    ``None`` (the default of every public function) means "not said": on the line (``d = 1``)
    that is the real line, as in :func:`wasserstein_1d`; in two or more dimensions the caller
    must say which coordinates are periodic — phase space :math:`\mathbb{T}\times\mathbb{R}` is
    ``periodic=(0,)``, :math:`\mathbb{R}^d` is ``periodic=()`` — rather than have one guessed.
    """
    if periodic is None:
        if d == 1:
            return np.zeros(1, dtype=bool)
        raise ValueError(
            f"points in {d} dimensions: say which coordinates are periodic, e.g. periodic=(0,) "
            "for phase space T x R (position on the circle) or periodic=() for R^d"
        )
    if isinstance(periodic, (str, bytes)) or not hasattr(periodic, "__iter__"):
        raise ValueError(f"periodic must be a sequence of coordinate indices, got {periodic!r}")
    mask = np.zeros(d, dtype=bool)
    for i in periodic:
        if not (0 <= int(i) < d):
            raise ValueError(f"periodic coordinate index {i} out of range for dimension {d}")
        mask[int(i)] = True
    return mask


# --------------------------------------------------------------------------------------------
# distances and costs
# --------------------------------------------------------------------------------------------
def torus_distance(x, y, period: float = TWO_PI) -> np.ndarray:
    r"""Periodic distance on :math:`\mathbb{R}/L\mathbb{Z}`:
    :math:`d(x,y) = \min(r, L - r)`, :math:`r = |x-y| \bmod L` (broadcasting)."""
    if not period > 0:
        raise ValueError(f"period must be > 0, got {period!r}")
    if not np.isfinite(period):
        raise ValueError(f"period must be finite, got {period!r}")
    r = np.mod(np.abs(finite_array(x, "x") - finite_array(y, "y")), period)
    return np.minimum(r, period - r)


def cost_matrix(
    P,
    Q,
    *,
    p: float = 1,
    metric: str = "l1",
    periodic: Sequence[int] | None = None,
    period: float = TWO_PI,
) -> np.ndarray:
    r"""The matrix :math:`C_{ij} = d(P_i, Q_j)^p`.

    ``periodic`` lists the coordinates measured on the circle of length ``period`` (``(0,)`` for
    the position on :math:`\mathbb{T}`); the others are Euclidean. It must be given for points in
    two or more dimensions; one-dimensional points default to the line. Note that, unlike
    :func:`ot.dist` (squared Euclidean by default), this is :math:`d^p` for the chosen metric.
    """
    P = _as_points(P, "P")
    Q = _as_points(Q, "Q")
    if P.shape[1] != Q.shape[1]:
        raise ValueError(
            f"P and Q must live in the same dimension, got {P.shape[1]} and {Q.shape[1]}"
        )
    p = _check_p(p)
    metric = _check_metric(metric)
    mask = _periodic_mask(periodic, P.shape[1])
    if not (np.isfinite(period) and period > 0) and mask.any():
        raise ValueError(f"period must be a finite number > 0, got {period!r}")
    entries = P.shape[0] * Q.shape[0]
    if entries > MAX_COST_ENTRIES:
        raise ValueError(
            f"{P.shape[0]} x {Q.shape[0]} points need a dense cost matrix of {entries:.3g} "
            f"entries ({entries * 8 / 2**30:.2g} GiB, a simplex of hours); the limit is "
            f"{MAX_COST_ENTRIES:.3g} entries: use w1_to_grid, wasserstein_1d or an approximation"
        )
    C = np.zeros((P.shape[0], Q.shape[0]))
    D = np.empty_like(C)
    for k in range(P.shape[1]):
        np.subtract.outer(P[:, k], Q[:, k], out=D)
        np.abs(D, out=D)
        if mask[k]:
            if np.any(D >= period):
                np.mod(D, period, out=D)
            np.minimum(D, period - D, out=D)
        if metric == "euclidean":
            np.multiply(D, D, out=D)
        C += D
    if metric == "euclidean":
        np.sqrt(C, out=C)
    if p != 1:
        np.power(C, p, out=C)
    return C


# --------------------------------------------------------------------------------------------
# exact discrete optimal transport (POT network simplex)
# --------------------------------------------------------------------------------------------
def _emd(a, b, C, num_iter_max: int, plan: bool):
    import ot

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # we read the status from the log instead
        if plan:
            G, log = ot.emd(a, b, C, numItermax=num_iter_max, log=True)
        else:
            cost, log = ot.emd2(a, b, C, numItermax=num_iter_max, log=True)
            G = None
    if log.get("result_code") != 1 or log.get("warning"):
        raise RuntimeError(
            f"POT's network simplex did not reach the optimum (status {log.get('result_code')}: "
            f"{log.get('warning')}); raise num_iter_max (now {num_iter_max})"
        )
    if plan:
        cost = float(np.sum(G * C))
    return float(cost), G, log


def wasserstein(
    P,
    Q,
    a=None,
    b=None,
    *,
    p: float = 1,
    metric: str = "l1",
    periodic: Sequence[int] | None = None,
    period: float = TWO_PI,
    num_iter_max: int = NUM_ITER_MAX,
) -> float:
    r"""Exact :math:`W_p(\mu,\nu)` between :math:`\mu = \sum_i a_i\delta_{P_i}` and
    :math:`\nu = \sum_j b_j\delta_{Q_j}` (seed 002 §1.5, Definition 1.4).

    Solves the linear program :math:`\min_\pi \sum_{ij}\pi_{ij}C_{ij}` over couplings with the
    network simplex (:func:`ot.emd2`), :math:`C_{ij} = d(P_i,Q_j)^p` from :func:`cost_matrix`
    (periodic coordinates ``periodic``: ``(0,)`` for phase space
    :math:`\mathbb{T}\times\mathbb{R}`, ``()`` for :math:`\mathbb{R}^d`; required in two or more
    dimensions, the line otherwise), and returns :math:`(\min)^{1/p}`. ``a``/``b`` default to
    uniform weights (empirical measures).

    Raises ``ValueError`` on bad input (NaN, negative weights, weights not summing to 1,
    mismatched shapes) and ``RuntimeError`` if the simplex stops before optimality.
    """
    P = _as_points(P, "P")
    Q = _as_points(Q, "Q")
    a = _as_weights(a, P.shape[0], "a")
    b = _as_weights(b, Q.shape[0], "b")
    C = cost_matrix(P, Q, p=p, metric=metric, periodic=periodic, period=period)
    cost, _, _ = _emd(a, b, C, num_iter_max, plan=False)
    return max(cost, 0.0) ** (1.0 / float(p))


def w1(P, Q, a=None, b=None, **kwargs) -> float:
    r"""Exact :math:`W_1` (see :func:`wasserstein`)."""
    return wasserstein(P, Q, a, b, p=1, **kwargs)


def w2(P, Q, a=None, b=None, **kwargs) -> float:
    r"""Exact :math:`W_2` (see :func:`wasserstein`)."""
    return wasserstein(P, Q, a, b, p=2, **kwargs)


def optimal_plan(
    P,
    Q,
    a=None,
    b=None,
    *,
    p: float = 1,
    metric: str = "l1",
    periodic: Sequence[int] | None = None,
    period: float = TWO_PI,
    num_iter_max: int = NUM_ITER_MAX,
):
    r"""The optimal coupling :math:`\pi^\star` and :math:`W_p`: returns ``(W_p, plan)``.

    ``plan[i, j]`` is the mass sent from :math:`P_i` to :math:`Q_j`; its row sums are ``a`` and its
    column sums ``b`` (seed 002 §1.5, Definition 1.3). Meant for small problems one draws.
    """
    P = _as_points(P, "P")
    Q = _as_points(Q, "Q")
    a = _as_weights(a, P.shape[0], "a")
    b = _as_weights(b, Q.shape[0], "b")
    C = cost_matrix(P, Q, p=p, metric=metric, periodic=periodic, period=period)
    cost, G, _ = _emd(a, b, C, num_iter_max, plan=True)
    return max(cost, 0.0) ** (1.0 / float(p)), np.asarray(G)


def kantorovich_rubinstein(
    P,
    Q,
    a=None,
    b=None,
    *,
    metric: str = "l1",
    periodic: Sequence[int] | None = None,
    period: float = TWO_PI,
    num_iter_max: int = NUM_ITER_MAX,
) -> dict:
    r"""Both sides of the Kantorovich–Rubinstein duality for :math:`W_1` (seed 002 §1.5):

    .. math::
        W_1(\mu,\nu) = \sup_{\operatorname{Lip}(\phi)\le 1}
            \Big(\int\phi\,d\mu - \int\phi\,d\nu\Big).

    From the simplex's dual variables :math:`(u, v)` (:math:`u_i + v_j \le d(P_i,Q_j)`), the
    c-transform :math:`\phi(z) = \min_j\,[d(z, Q_j) - v_j]` is 1-Lipschitz (a minimum of
    1-Lipschitz functions) and attains the supremum. Returns a dict with ``primal`` (:math:`W_1`
    from the optimal plan), ``dual`` (:math:`\int\phi\,d\mu-\int\phi\,d\nu`), ``phi_P``,
    ``phi_Q`` (values of :math:`\phi` on the supports), ``lipschitz`` (the largest difference
    quotient of :math:`\phi` over all pairs of support points, :math:`\le 1` up to rounding) and
    ``plan``.
    """
    P = _as_points(P, "P")
    Q = _as_points(Q, "Q")
    a = _as_weights(a, P.shape[0], "a")
    b = _as_weights(b, Q.shape[0], "b")
    kw = dict(p=1, metric=metric, periodic=periodic, period=period)
    C = cost_matrix(P, Q, **kw)
    primal, G, log = _emd(a, b, C, num_iter_max, plan=True)
    v = np.asarray(log["v"], dtype=float)
    phi_P = np.min(C - v[None, :], axis=1)
    phi_Q = np.min(cost_matrix(Q, Q, **kw) - v[None, :], axis=1)
    Z = np.vstack([P, Q])
    phi = np.concatenate([phi_P, phi_Q])
    D = cost_matrix(Z, Z, **kw)
    off = D > 1e-12
    lip = float(np.max(np.abs(phi[:, None] - phi[None, :])[off] / D[off])) if off.any() else 0.0
    dual = float(a @ phi_P - b @ phi_Q)
    return {
        "primal": primal,
        "dual": dual,
        "phi_P": phi_P,
        "phi_Q": phi_Q,
        "lipschitz": lip,
        "plan": np.asarray(G),
    }


# --------------------------------------------------------------------------------------------
# grid densities
# --------------------------------------------------------------------------------------------
def _check_grid(f, x, v):
    f = np.asarray(f, dtype=float)
    x = np.asarray(x, dtype=float)
    v = np.asarray(v, dtype=float)
    if x.ndim != 1 or v.ndim != 1 or x.size < 2 or v.size < 2:
        raise ValueError(
            f"x and v must be 1D grids with >= 2 nodes, got shapes {x.shape}, {v.shape}"
        )
    if f.shape != (x.size, v.size):
        raise ValueError(
            f"f must have shape (len(x), len(v)) = ({x.size}, {v.size}), got {f.shape}"
        )
    if not np.all(np.isfinite(f)):
        raise ValueError("f contains NaN or infinite values; a density must be finite")
    if np.any(f < 0):
        raise ValueError(
            f"f has negative values (min {f.min():.3g}); a density must be >= 0 "
            "(clip a solver's small undershoots explicitly if that is intended)"
        )
    dx = np.diff(x)
    dv = np.diff(v)
    if (
        np.any(dx <= 0)
        or np.any(dv <= 0)
        or not np.allclose(dx, dx[0])
        or not np.allclose(dv, dv[0])
    ):
        raise ValueError("x and v must be increasing uniform grids (cell centres)")
    mass = f.sum() * dx[0] * dv[0]
    if not mass > 0:
        raise ValueError("f has zero mass; it cannot be normalised to a probability density")
    return f, x, v, float(dx[0]), float(dv[0]), float(mass)


def grid_measure(f, x, v, *, normalise: bool = True, drop_mass: float = 0.0):
    r"""The discrete measure of a density sampled at cell centres ``x`` × ``v``.

    Each cell :math:`[x_i \pm \Delta x/2]\times[\xi_j\pm\Delta\xi/2]` carries the mass
    :math:`f_{ij}\Delta x\Delta\xi` (renormalised to total mass 1 if ``normalise``, as a
    semi-Lagrangian solver conserves mass only up to rounding), placed at its centre. Cells of zero
    mass are dropped (this changes nothing). Returns ``(points, weights)``, points of shape
    ``(n, 2)``. Raises ``ValueError`` for negative, non-finite or zero-mass ``f``.

    ``drop_mass`` :math:`=\varepsilon > 0` (optional; default 0, exact) also drops the lightest
    cells of total mass at most :math:`\varepsilon` and renormalises: a speed-up for the transport
    solver when a numerical solution leaves round-off mass all over the box. The measure moves by
    at most :math:`\varepsilon D` in :math:`W_1`, :math:`D` = :func:`grid_diameter`.
    """
    f, x, v, dx, dv, mass = _check_grid(f, x, v)
    if not normalise and abs(mass - 1.0) > 1e-9:
        raise ValueError(f"f has mass {mass:.12g}; pass normalise=True or a probability density")
    if not (np.isfinite(drop_mass) and 0 <= drop_mass < 1):
        raise ValueError(f"drop_mass must lie in [0, 1), got {drop_mass!r}")
    X, V = np.meshgrid(x, v, indexing="ij")
    w = (f * dx * dv / mass).ravel()
    keep = w > 0
    if drop_mass > 0:
        order = np.argsort(w, kind="stable")
        keep[order[np.cumsum(w[order]) <= drop_mass]] = False
    w = w[keep]
    return np.column_stack([X.ravel()[keep], V.ravel()[keep]]), w / w.sum()


def coarsen_grid(f, x, v, factor_x: int, factor_v: int):
    r"""Merge blocks of ``factor_x`` × ``factor_v`` cells of a grid density (for cheaper exact
    :math:`W_1`): the coarse density is the block average, on the block centres.

    The coarse cell-centred measure is the push-forward of the fine one by "move to the block
    centre", so the two are within :func:`grid_quantization_bound` of the coarse grid in
    :math:`W_1`. Returns ``(f_coarse, x_coarse, v_coarse)``; the grid sizes must be divisible.
    """
    f, x, v, _, _, _ = _check_grid(f, x, v)
    for name, k, n in (("factor_x", factor_x, x.size), ("factor_v", factor_v, v.size)):
        if int(k) != k or k < 1 or n % int(k):
            raise ValueError(f"{name} = {k!r} must be a positive integer dividing {n}")
    fx, fv = int(factor_x), int(factor_v)
    fc = f.reshape(x.size // fx, fx, v.size // fv, fv).mean(axis=(1, 3))
    return fc, x.reshape(-1, fx).mean(axis=1), v.reshape(-1, fv).mean(axis=1)


def grid_diameter(x, v, *, metric: str = "l1", period: float = TWO_PI) -> float:
    r"""Largest distance between two cell centres of the grid on :math:`\mathbb{T}\times\mathbb{R}`
    (periodic in :math:`x`): :math:`\min(\text{span}_x, L/2) + \text{span}_\xi` in ℓ¹."""
    metric = _check_metric(metric)
    x = np.asarray(x, dtype=float)
    v = np.asarray(v, dtype=float)
    ax = min(float(np.ptp(x)), period / 2)
    av = float(np.ptp(v))
    return ax + av if metric == "l1" else float(np.hypot(ax, av))


def grid_quantization_bound(x, v, *, metric: str = "l1") -> float:
    r"""Upper bound on :math:`W_1` between a density and its cell-centred :func:`grid_measure`.

    Moving each point of a cell to the cell's centre costs, in the ℓ¹ metric, at most the mean of
    :math:`|x - x_i| + |\xi-\xi_j|` for the worst distribution in the cell, i.e. at most
    :math:`(\Delta x + \Delta\xi)/2`; for a density that is nearly constant on each cell it is
    :math:`\approx(\Delta x+\Delta\xi)/4`. We return the rigorous :math:`(\Delta x+\Delta\xi)/2`
    (ℓ¹) or :math:`\tfrac12\sqrt{\Delta x^2+\Delta\xi^2}` (Euclidean).
    """
    metric = _check_metric(metric)
    dx = float(np.diff(np.asarray(x, dtype=float))[0])
    dv = float(np.diff(np.asarray(v, dtype=float))[0])
    return (dx + dv) / 2 if metric == "l1" else 0.5 * float(np.hypot(dx, dv))


def wasserstein_to_grid(
    points,
    f,
    x,
    v,
    weights=None,
    *,
    p: float = 1,
    metric: str = "l1",
    period: float = TWO_PI,
    num_iter_max: int = NUM_ITER_MAX,
    drop_mass: float = 0.0,
    method: str = "auto",
) -> float:
    r"""Exact :math:`W_p` between a (weighted) empirical measure on
    :math:`\mathbb{T}\times\mathbb{R}` and the grid density ``f``
    (shape ``(len(x), len(v))``) as the cell-centred measure of :func:`grid_measure`.

    ``points`` has shape ``(N, 2)`` (columns: position on :math:`\mathbb{T}`, velocity). The
    position is periodic with ``period``. Against the continuous density the result is within
    :func:`grid_quantization_bound` (triangle inequality), plus ``drop_mass`` times
    :func:`grid_diameter` if cells are dropped (see :func:`grid_measure`).

    ``method``: ``"simplex"`` (POT's network simplex on the dense :math:`N\times n_xn_v`
    problem), ``"flow"`` (the equivalent min-cost flow on the grid graph, :func:`_w1_grid_flow`;
    only for :math:`W_1` with the ℓ¹ metric, several times faster) or ``"auto"`` (``"flow"`` when
    it applies). Both are exact; the tests check that they agree.
    """
    P = _as_points(points, "points")
    if P.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2) (position, velocity), got {P.shape}")
    a = _as_weights(weights, P.shape[0], "weights")
    if method not in ("auto", "simplex", "flow"):
        raise ValueError(f"method must be 'auto', 'simplex' or 'flow', got {method!r}")
    flow_ok = _check_p(p) == 1 and _check_metric(metric) == "l1"
    if method == "flow" and not flow_ok:
        raise ValueError("method='flow' computes W_1 for the l1 metric only (p=1, metric='l1')")
    if method == "flow" or (method == "auto" and flow_ok and drop_mass == 0):
        return _w1_grid_flow(P, a, f, x, v, period)
    Q, b = grid_measure(f, x, v, drop_mass=drop_mass)
    return wasserstein(
        P, Q, a, b, p=p, metric=metric, periodic=(0,), period=period, num_iter_max=num_iter_max
    )


def _w1_grid_flow(P, a, f, x, v, period: float) -> float:
    r"""Exact :math:`W_1` (ℓ¹ metric) between :math:`\sum_i a_i\delta_{P_i}` and the cell-centred
    grid measure of ``f``, as a min-cost flow (Beckmann's formulation of :math:`W_1`).

    For a cost that is the shortest-path metric of a graph, optimal transport between measures on
    its vertices equals the cheapest flow that carries the supplies to the demands (mass may pass
    through any vertex). Here the graph has the grid nodes, joined to their neighbours in
    :math:`x` (periodically) and :math:`\xi` by edges of length :math:`\Delta x`,
    :math:`\Delta\xi`, and every particle, joined to the (at most four) nodes of the grid cell
    around it by edges of ℓ¹ length. A shortest path from a particle to a node runs through the
    corner lying between them and then along the grid monotonically in each coordinate, so its
    length is exactly the ℓ¹ distance :math:`d_{\mathbb{T}}(x,y) + |\xi-\eta|`; the graph
    metric is the ℓ¹ metric. The linear program has :math:`O(N + n_xn_v)` variables instead of
    :math:`N n_x n_v` and is solved by HiGHS (interior point with crossover to an optimal vertex).
    """
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix

    f, x, v, dx, dv, mass = _check_grid(f, x, v)
    nx, nv = x.size, v.size
    span = x[-1] - x[0]
    if not span < period:
        raise ValueError(f"the x grid spans {span:g}, not less than the period {period:g}")
    b = (f * dx * dv / mass).ravel()
    G = nx * nv
    wrap_len = period - span  # length of the edge closing the circle (dx on a full grid)
    Ii, Jj = np.meshgrid(np.arange(nx), np.arange(nv), indexing="ij")
    t_x = (Ii * nv + Jj).ravel()
    h_x = (((Ii + 1) % nx) * nv + Jj).ravel()
    c_x = np.where(Ii == nx - 1, wrap_len, dx).ravel()
    t_v = (Ii[:, :-1] * nv + Jj[:, :-1]).ravel()
    h_v = t_v + 1
    c_v = np.full(t_v.size, dv)
    # particles: the cell around each one (clamped to the boundary rows in velocity)
    N = P.shape[0]
    off = np.mod(P[:, 0] - x[0], period)
    il = np.minimum((off // dx).astype(np.int64), nx - 1)
    ir = (il + 1) % nx
    dl = off - il * dx
    dr = np.where(il == nx - 1, wrap_len - dl, dx - dl)
    jv = np.clip(np.floor((P[:, 1] - v[0]) / dv).astype(np.int64), -1, nv - 1)
    jlo, jhi = np.clip(jv, 0, nv - 1), np.clip(jv + 1, 0, nv - 1)
    pid = G + np.arange(N)
    tails = [t_x, h_x, t_v, h_v]
    heads = [h_x, t_x, h_v, t_v]
    costs = [c_x, c_x, c_v, c_v]
    for ii, dd in ((il, dl), (ir, dr)):
        for jj in (jlo, jhi):
            tails.append(pid)
            heads.append(ii * nv + jj)
            costs.append(np.maximum(dd, 0.0) + np.abs(P[:, 1] - v[jj]))
    tails = np.concatenate(tails)
    heads = np.concatenate(heads)
    costs = np.concatenate(costs)
    E = tails.size
    cols = np.arange(E)
    A = csr_matrix(
        (np.r_[np.ones(E), -np.ones(E)], (np.r_[tails, heads], np.r_[cols, cols])),
        shape=(G + N, E),
    )
    res = linprog(costs, A_eq=A, b_eq=np.r_[-b, a], bounds=(0, None), method="highs-ipm")
    if res.status != 0:
        raise RuntimeError(f"the min-cost flow solver failed: {res.message}")
    return float(res.fun)


def w1_to_grid(points, f, x, v, weights=None, **kwargs) -> float:
    r"""Exact :math:`W_1` between an empirical measure and a grid density
    (see :func:`wasserstein_to_grid`)."""
    return wasserstein_to_grid(points, f, x, v, weights, p=1, **kwargs)


# --------------------------------------------------------------------------------------------
# one dimension: exact by sorting
# --------------------------------------------------------------------------------------------
def wasserstein_1d(u, v, u_weights=None, v_weights=None, *, p: float = 1) -> float:
    r"""Exact :math:`W_p` between two measures on the line, by their quantile functions:

    .. math:: W_p^p(\mu,\nu) = \int_0^1 |F_\mu^{-1}(s) - F_\nu^{-1}(s)|^p\,ds .

    For equal-size unweighted samples this is :math:`\frac1n\sum_i |u_{(i)} - v_{(i)}|^p`
    (sorted samples). For weighted measures the quantile functions are step functions; the
    integral is computed exactly on the union of their jump points. Weights default to uniform
    and must be probability vectors.
    """
    p = _check_p(p)
    u = np.asarray(u, dtype=float)
    v = np.asarray(v, dtype=float)
    if u.ndim != 1 or v.ndim != 1:
        raise ValueError(f"u and v must be 1D samples, got shapes {u.shape}, {v.shape}")
    _as_points(u, "u")
    _as_points(v, "v")
    if u_weights is None and v_weights is None and u.size == v.size:
        return float(np.mean(np.abs(np.sort(u) - np.sort(v)) ** p) ** (1.0 / p))
    wu = _as_weights(u_weights, u.size, "u_weights")
    wv = _as_weights(v_weights, v.size, "v_weights")
    iu = np.argsort(u, kind="stable")
    iv = np.argsort(v, kind="stable")
    u, wu, v, wv = u[iu], wu[iu], v[iv], wv[iv]
    cu = np.cumsum(wu)
    cv = np.cumsum(wv)
    cu[-1] = cv[-1] = 1.0
    s = np.union1d(cu, cv)  # right end points of the pieces where both quantiles are constant
    ds = np.diff(np.concatenate([[0.0], s]))
    mid = s - ds / 2
    qu = u[np.minimum(np.searchsorted(cu, mid, side="left"), u.size - 1)]
    qv = v[np.minimum(np.searchsorted(cv, mid, side="left"), v.size - 1)]
    return float(np.sum(ds * np.abs(qu - qv) ** p) ** (1.0 / p))


def circle_w1(x, y, length: float = TWO_PI, y_weights=None, *, x_weights=None) -> float:
    r"""Exact :math:`W_1` between two probability measures on the circle
    :math:`\mathbb{R}/L\mathbb{Z}` (positions taken modulo ``length``; weights uniform unless
    given, and then probability vectors):

    .. math:: W_1(\mu,\nu) = \min_{c\in\mathbb R} \int_0^L |F_\mu(s) - F_\nu(s) - c|\,ds ,

    the minimum attained at a median of :math:`F_\mu - F_\nu` for the length measure (Rabin,
    Delon & Gousseau, *Transportation distances on the circle*, J. Math. Imaging Vis. 41, 2011).
    The cumulative distribution functions are step functions and the integral is evaluated
    exactly on the union of the atoms: cost :math:`O((n+m)\log(n+m))`. Used by lecture 7
    (sheets against the Euler–Poisson/Vlasov solutions)."""
    length = float(length) if np.isscalar(length) else np.nan
    if not (np.isfinite(length) and length > 0):
        raise ValueError("length must be a positive finite number (the circle's circumference)")
    x = _as_points(x, "x")
    y = _as_points(y, "y")
    if x.shape[1] != 1 or y.shape[1] != 1:
        raise ValueError(
            f"x and y must be 1D samples on the circle, got shapes {x.shape}, {y.shape}"
        )
    x, y = np.mod(x[:, 0], length), np.mod(y[:, 0], length)
    wx = _as_weights(x_weights, x.size, "x_weights")
    wy = _as_weights(y_weights, y.size, "y_weights")
    pts = np.concatenate([x, y])
    jumps = np.concatenate([wx, -wy])
    order = np.argsort(pts, kind="stable")
    pts, jumps = pts[order], jumps[order]
    diff = np.cumsum(jumps)  # F_x - F_y on [pts_i, pts_{i+1})
    seg = np.diff(np.concatenate([pts, [length]]))
    diff_all = np.concatenate([[0.0], diff])  # on [0, pts_0) both CDFs vanish
    seg_all = np.concatenate([[pts[0]], seg])
    # weighted median of diff_all with weights seg_all
    o = np.argsort(diff_all)
    cw = np.cumsum(seg_all[o])
    c = diff_all[o][np.searchsorted(cw, 0.5 * cw[-1])]
    return float(np.sum(seg_all * np.abs(diff_all - c)))


# --------------------------------------------------------------------------------------------
# Gaussians: closed form
# --------------------------------------------------------------------------------------------
def _sqrtm_psd(S: np.ndarray) -> np.ndarray:
    w, U = np.linalg.eigh((S + S.T) / 2)
    return (U * np.sqrt(np.clip(w, 0, None))) @ U.T


def gaussian_w2(m1, S1, m2, S2) -> float:
    r"""Closed form :math:`W_2` between :math:`\mathcal{N}(m_1,S_1)` and
    :math:`\mathcal{N}(m_2,S_2)` on :math:`\mathbb{R}^d` (Euclidean, not periodic):

    .. math::
        W_2^2 = |m_1-m_2|^2 + \operatorname{tr}\big(S_1+S_2
            - 2\,(S_2^{1/2} S_1 S_2^{1/2})^{1/2}\big).

    Covariances must be symmetric positive semi-definite (scalars are variances in 1D).
    """
    m1 = np.atleast_1d(np.asarray(m1, dtype=float))
    m2 = np.atleast_1d(np.asarray(m2, dtype=float))
    S1 = np.atleast_2d(np.asarray(S1, dtype=float))
    S2 = np.atleast_2d(np.asarray(S2, dtype=float))
    d = m1.size
    for name, S in (("S1", S1), ("S2", S2)):
        if S.shape != (d, d):
            raise ValueError(f"{name} must have shape ({d}, {d}) to match the means, got {S.shape}")
        if not np.all(np.isfinite(S)) or not np.allclose(S, S.T):
            raise ValueError(f"{name} must be a finite symmetric matrix")
        if np.linalg.eigvalsh(S).min() < -1e-12 * max(1.0, np.abs(S).max()):
            raise ValueError(f"{name} must be positive semi-definite")
    if m2.shape != (d,) or not (np.all(np.isfinite(m1)) and np.all(np.isfinite(m2))):
        raise ValueError(
            f"means must be finite vectors of the same length, got {m1.shape}, {m2.shape}"
        )
    r2 = _sqrtm_psd(S2)
    cross = _sqrtm_psd(r2 @ S1 @ r2)
    w2sq = float(np.sum((m1 - m2) ** 2) + np.trace(S1 + S2 - 2 * cross))
    return float(np.sqrt(max(w2sq, 0.0)))


# --------------------------------------------------------------------------------------------
# approximations (labelled as such)
# --------------------------------------------------------------------------------------------
def sliced_wasserstein_approx(
    P, Q, a=None, b=None, *, p: float = 2, n_projections: int = 200, seed: int = 0
) -> float:
    r"""**Approximate / different distance.** Monte Carlo sliced Wasserstein distance on
    :math:`\mathbb{R}^d` (no periodicity):

    .. math:: SW_p^p(\mu,\nu) = \int_{S^{d-1}} W_p^p(\theta_\#\mu, \theta_\#\nu)\,d\sigma(\theta),

    estimated with ``n_projections`` random directions (seeded) and exact 1D distances
    (:func:`wasserstein_1d`). :math:`SW_p \le W_p`; it is *not* :math:`W_p`.
    """
    P = _as_points(P, "P")
    Q = _as_points(Q, "Q")
    if P.shape[1] != Q.shape[1]:
        raise ValueError(f"P and Q must live in the same dimension, got {P.shape[1]}, {Q.shape[1]}")
    p = _check_p(p)
    a = _as_weights(a, P.shape[0], "a")
    b = _as_weights(b, Q.shape[0], "b")
    if n_projections < 1:
        raise ValueError(f"n_projections must be >= 1, got {n_projections}")
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=(n_projections, P.shape[1]))
    theta /= np.linalg.norm(theta, axis=1, keepdims=True)
    vals = [wasserstein_1d(P @ th, Q @ th, a, b, p=p) ** p for th in theta]
    return float(np.mean(vals) ** (1.0 / p))


def sinkhorn_w_approx(
    P,
    Q,
    a=None,
    b=None,
    *,
    p: float = 1,
    reg: float = 0.05,
    metric: str = "l1",
    periodic: Sequence[int] | None = None,
    period: float = TWO_PI,
    num_iter_max: int = 10_000,
) -> float:
    r"""**Approximate.** Entropic (Sinkhorn) estimate of :math:`W_p`: the transport cost
    :math:`(\sum_{ij}\pi^\varepsilon_{ij}C_{ij})^{1/p}` of the entropically regularised plan
    :math:`\pi^\varepsilon` (regularisation ``reg`` relative to the largest cost). Since
    :math:`\pi^\varepsilon` is a coupling this is an *upper* estimate of the exact :math:`W_p`,
    converging to it as ``reg`` → 0.
    """
    import ot

    P = _as_points(P, "P")
    Q = _as_points(Q, "Q")
    a = _as_weights(a, P.shape[0], "a")
    b = _as_weights(b, Q.shape[0], "b")
    if not reg > 0:
        raise ValueError(f"reg must be > 0, got {reg!r}")
    C = cost_matrix(P, Q, p=p, metric=metric, periodic=periodic, period=period)
    scale = C.max() if C.max() > 0 else 1.0
    G = ot.sinkhorn(a, b, C / scale, reg, method="sinkhorn_log", numItermax=num_iter_max)
    return float(np.sum(G * C)) ** (1.0 / p)
