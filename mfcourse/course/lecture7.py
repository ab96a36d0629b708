r"""Experiments of Lecture 7 (singular interactions: sheets, Euler–Poisson, modulated energy).

Each function runs one experiment with :mod:`mfcourse.classical.sheets`,
:mod:`mfcourse.classical.vlasov` and :mod:`mfcourse.transport` and returns plain arrays; the
notebook draws them and states the claims.  References: Golse's lecture notes (seed 002)
§3.5–3.6.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mfcourse import transport as tr
from mfcourse.classical import sheets as sh
from mfcourse.classical import vlasov as vl
from mfcourse.course.progress import time_printer

TWO_PI = 2.0 * math.pi


# ------------------------------------------------------------------------------ cold data
def initial_sheets(ep: sh.ColdEulerPoisson, n: int, placement: str = "quantile", seed: int = 0):
    r"""``n`` sheets on the initial Euler–Poisson state: labels :math:`a_j = h(j+\frac12)`
    (``"quantile"``: the empirical measure is the best :math:`N`-point approximation) or
    i.i.d. uniform sorted labels (``"iid"``); positions :math:`X_0(a_j)`, velocities
    :math:`u_0(a_j)` (the sheets sit on the monokinetic curve)."""
    if placement not in ("quantile", "iid"):
        raise ValueError(f"placement must be 'quantile' or 'iid', got {placement!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"need N >= 1 sheets, got {n!r}")
    if placement == "quantile":
        return ep.sample(0.0, n)
    a = np.sort(np.random.default_rng(seed).uniform(0.0, ep.length, n))
    return ep.X(0.0, a), ep.V(0.0, a)


def gronwall_factor(ep: sh.ColdEulerPoisson, times, n_sub: int = 400) -> np.ndarray:
    r""":math:`\exp(2\int_0^t\|\partial_xu(s)\|_\infty ds)` at ``times`` (< breaking time), by
    the trapezoidal rule on ``n_sub`` substeps per unit time."""
    times = np.asarray(times, dtype=float)
    t_star = ep.breaking_time()
    if np.any(times >= t_star):
        raise ValueError(f"the Gronwall factor is finite only before t* = {t_star:.6g}")
    tmax = float(times.max()) if times.size else 0.0
    m = max(int(n_sub * max(tmax, 1e-3)), 50)
    s = np.linspace(0.0, tmax, m + 1)
    g = np.array([ep.grad_u_sup(si) for si in s])
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (g[1:] + g[:-1]) * np.diff(s))])
    return np.exp(2 * np.interp(times, s, cum))


@dataclass
class ColdStudy:
    """Errors of N sheets against cold Euler–Poisson (arrays indexed ``[N, time]``)."""

    ns: np.ndarray
    times: np.ndarray
    t_star: float
    H: np.ndarray  # modulated energy (nan after t*)
    H_kin: np.ndarray
    bound: np.ndarray  # Gronwall bound H(0) exp(2 int |u_x|) (nan after t*)
    rho_w1: np.ndarray  # W1 of the densities to the (harmonically continued) EP density
    vel_l1: np.ndarray  # (1/N) sum |v_j - u(x_j)| (nan after t*)
    ref_w1: np.ndarray  # W1 of the densities to a reference run with n_ref sheets
    crossings: np.ndarray
    first_crossing: np.ndarray


def cold_study(
    amplitude: float = 1.2,
    ns=(128, 256, 512, 1024),
    times=None,
    placement: str = "quantile",
    n_ref: int | None = 4096,
    n_curve: int = 1 << 16,
    seed: int = 0,
    n_seeds: int = 1,
    progress: bool = True,
) -> ColdStudy:
    r"""Run N sheets from the cold standing wave of amplitude :math:`D` (mode 1 on
    :math:`[0,2\pi)`) for each N, and measure at each time: the modulated energy and its
    Gronwall bound (before :math:`t_*`), the :math:`W_1` distance of the sheet density to the
    Euler–Poisson density (after :math:`t_*`: to the harmonic continuation of the Lagrangian
    formula, which is no longer a solution), the velocity error, and (``n_ref``) the
    :math:`W_1` distance to a reference run of ``n_ref`` quantile-placed sheets.  For i.i.d.
    placement the errors are averaged over ``n_seeds`` independent draws."""
    ep = sh.ColdEulerPoisson.standing_wave(amplitude)
    t_star = ep.breaking_time()
    times = np.linspace(0, 1.6 * t_star, 17) if times is None else np.asarray(times, float)
    ns = np.asarray(ns, dtype=int)
    if placement == "quantile":
        n_seeds = 1
    L = ep.length
    shape = (ns.size, times.size)
    H, Hk, B, W, U, R = (np.zeros(shape) for _ in range(6))
    cr = np.zeros(shape, dtype=np.int64)
    fc = np.zeros(ns.size)
    before = times < t_star
    gf = np.full(times.size, np.nan)
    gf[before] = gronwall_factor(ep, times[before])
    # the continuum density at each time: n_curve labels pushed by X(t, .)
    a_curve = L * (np.arange(n_curve) + 0.5) / n_curve
    ref = None
    if n_ref is not None:
        xref0, vref0 = ep.sample(0.0, n_ref)
        ref = sh.SheetModel(xref0, vref0, L).run(times)
    report = time_printer(f"cold study, {placement}") if progress else None
    for i, n in enumerate(ns):
        if report:
            report(float(i), float(ns.size))
        for rep in range(n_seeds):
            x0, v0 = initial_sheets(ep, int(n), placement, seed + 1000 * rep + i)
            run = sh.SheetModel(x0, v0, L).run(times)
            cr[i] += run.crossings
            fc[i] += run.first_crossing / n_seeds
            for j, t in enumerate(times):
                x, v = run.x[j], run.v[j]
                W[i, j] += tr.circle_w1(x, ep.X(t, a_curve), L) / n_seeds
                if ref is not None:
                    R[i, j] += tr.circle_w1(x, ref.x[j], L) / n_seeds
                if before[j]:
                    kin, pot = sh.modulated_energy(x, v, ep, t)
                    H[i, j] += (kin + pot) / n_seeds
                    Hk[i, j] += kin / n_seeds
                    _, u, _, _ = ep.eulerian(t, x)
                    U[i, j] += float(np.mean(np.abs(v - u))) / n_seeds
        B[i, before] = H[i, 0] * gf[before]
    for arr in (H, Hk, B, U):
        arr[:, ~before] = np.nan
    if report:
        report(float(ns.size), float(ns.size))
    if ref is None:
        R[:] = np.nan
    return ColdStudy(ns, times, t_star, H, Hk, B, W, U, R, cr, fc)


def audit_terms(amplitude: float, n: int, times, placement: str = "iid", seed: int = 0):
    r"""Each quantity of the Gronwall chain along one sheet run: the modulated energy
    :math:`\mathcal H_N`, its exact rate (identity (2)), the Gronwall right-hand side
    :math:`2\|\partial_xu\|_\infty\mathcal H_N`, the bound :math:`\mathcal H_N(0)e^{2\int\|u_x\|}`,
    and the consequences :math:`\|E_N - E\|_{L^1} \ge W_1(\rho_N, \rho)`,
    :math:`\sqrt{L}\|E_N-E\|_{L^2} \ge \|E_N - E\|_{L^1}`."""
    ep = sh.ColdEulerPoisson.standing_wave(amplitude)
    times = np.asarray(times, dtype=float)
    x0, v0 = initial_sheets(ep, n, placement, seed)
    run = sh.SheetModel(x0, v0, ep.length).run(times)
    out = {k: np.empty(times.size) for k in ("H", "rate", "rhs", "w1", "l1", "l2")}
    a_curve = ep.length * (np.arange(1 << 17) + 0.5) / (1 << 17)
    for j, t in enumerate(times):
        terms = sh.modulated_energy_terms(run.x[j], run.v[j], ep, t)
        out["H"][j], out["rate"][j], out["rhs"][j] = terms["energy"], terms["rate"], terms["bound"]
        w, diff, _ = sh._field_difference_nodes(run.x[j], ep, t)
        out["l1"][j] = float(np.sum(w * np.abs(diff)))
        out["l2"][j] = math.sqrt(float(np.sum(w * diff * diff)))
        out["w1"][j] = tr.circle_w1(run.x[j], ep.X(t, a_curve), ep.length)
    out["bound"] = out["H"][0] * gronwall_factor(ep, times)
    out["times"] = times
    return out


def breaking_threshold(n: int, mode: int = 1, t_max: float = math.pi / 2, tol: float = 1e-10):
    r"""The smallest amplitude :math:`D` of the cold standing wave (``n`` quantile sheets) for
    which the sheet integrator records a crossing before ``t_max``, by bisection on the
    integrator itself; with the closed form for ``n`` sheets,
    :math:`kD_N = (kh/2)/\sin(kh/2)\,/\max_j|\cos(k m_j)|`, :math:`m_j` the midpoints of
    neighbouring labels (Dawson's continuum value: :math:`kD = 1`)."""
    L = TWO_PI
    k = mode

    def crosses(D):
        ep = sh.ColdEulerPoisson.standing_wave(D, mode=mode)
        x0, v0 = ep.sample(0.0, n)
        m = sh.SheetModel(x0, v0, L)
        m.advance(t_max, max_crossings=1)
        return m.crossings > 0

    lo, hi = 0.5 / k, 2.0 / k
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if crosses(mid) else (mid, hi)
    h = L / n
    mids = h * (np.arange(n) + 1.0)
    exact = (k * h / 2) / math.sin(k * h / 2) / float(np.max(np.abs(np.cos(k * mids)))) / k
    return 0.5 * (lo + hi), exact


# ------------------------------------------------------------------------------ warm data
def landau_sheets(n: int, k: float = 0.5, amplitude: float = 0.2, seed: int = 0):
    r"""``n`` sheets drawn i.i.d. from :math:`f_0 = (1 + a\cos kx)e^{-v^2/2}/\sqrt{2\pi}`
    (normalised) on :math:`[0, 2\pi/k)`: positions by inverting the CDF with Newton's method,
    velocities standard normal; returned sorted."""
    rng = np.random.default_rng(seed)
    L = TWO_PI / k
    u = rng.uniform(0.0, 1.0, n)
    x = L * u
    for _ in range(60):  # F(x) = (x + a sin(kx)/k)/L
        cdf = (x + amplitude * np.sin(k * x) / k) / L
        x = x - (cdf - u) * L / (1 + amplitude * np.cos(k * x))
    v = rng.standard_normal(n)
    return sh.sort_sheets(x, v, L)


@dataclass
class WarmStudy:
    ns: np.ndarray
    times: np.ndarray
    w1: np.ndarray  # [N, time] phase-space W1 (l1 metric) to the Vlasov-Poisson grid solution
    floor: float  # grid quantisation bound of the W1 computation
    vp_t: np.ndarray
    vp_field1: np.ndarray
    sheet_field1: np.ndarray  # [time] for the largest N, on fine times
    fine_t: np.ndarray
    crossings: np.ndarray


def _field_mode(x, L, k):
    """First Fourier coefficient (1/L) int E e^{-ikx} dx of the sheet field, exactly:
    E_N' = rho_N - 1, so E_1 = rho_1/(ik) with rho_1 = (q/L) sum e^{-ikx_j}."""
    q = L / x.size
    return complex(np.sum(np.exp(-1j * k * x)) * q / L / (1j * k))


def warm_study(
    ns=(250, 500, 1000, 2000),
    times=(0.0, 5.0, 10.0),
    k: float = 0.5,
    amplitude: float = 0.2,
    grid=(64, 128),
    v_max: float = 6.0,
    dt: float = 0.1,
    seed: int = 0,
    progress: bool = True,
) -> WarmStudy:
    r"""Landau-damping data: the course's Vlasov–Poisson solver against N i.i.d. sheets; the
    exact phase-space :math:`W_1` (ℓ¹ metric, lecture 1's distance,
    :func:`mfcourse.transport.w1_to_grid`) at ``times`` for each N, and the field mode
    :math:`|E_1(t)|` of both."""
    L = TWO_PI / k
    g = vl.PhaseGrid(grid[0], grid[1], v_max, L)
    times = np.asarray(times, dtype=float)
    fine = np.arange(0.0, times.max() + 1e-9, 0.25)
    all_t = np.union1d(times, fine)
    res = vl.solve(vl.landau_initial(g, k, amplitude), g, "poisson", all_t, dt)
    idx = np.searchsorted(all_t, times)
    ns = np.asarray(ns, dtype=int)
    W = np.empty((ns.size, times.size))
    cr = np.empty(ns.size, dtype=np.int64)
    field1 = None
    report = time_printer("warm study") if progress else None
    for i, n in enumerate(ns):
        if report:
            report(float(i), float(ns.size))
        x0, v0 = landau_sheets(int(n), k, amplitude, seed + i)
        model = sh.SheetModel(x0, v0, L)
        run = model.run(all_t)
        cr[i] = run.crossings[-1]
        for j, jj in enumerate(idx):
            f = np.clip(res.f[jj], 0.0, None)
            pts = np.column_stack([run.x[jj], run.v[jj]])
            W[i, j] = tr.w1_to_grid(pts, f, g.x, g.v, period=L)
        if i == ns.size - 1:
            field1 = np.array([_field_mode(run.x[m], L, k) for m in range(all_t.size)])
    if report:
        report(float(ns.size), float(ns.size))
    floor = tr.grid_quantization_bound(g.x, g.v)
    vp_f1 = res.field1[np.searchsorted(res.t, all_t - 1e-9)]
    return WarmStudy(ns, times, W, floor, all_t, vp_f1, field1, all_t, cr)


def slope_with_error(x, y) -> tuple[float, float]:
    r"""Least-squares slope of :math:`\log y` against :math:`\log x` and its standard error
    (from the residuals; ``nan`` with two points)."""
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    if lx.size < 2 or lx.shape != ly.shape:
        raise ValueError("need two arrays of equal length >= 2")
    if lx.size == 2:
        return float((ly[1] - ly[0]) / (lx[1] - lx[0])), math.nan
    p, cov = np.polyfit(lx, ly, 1, cov=True)
    return float(p[0]), float(math.sqrt(cov[0, 0]))
