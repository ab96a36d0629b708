r"""Computations behind lecture 6, *The Hamiltonian Vlasov system* (Neiss–Pickl, seed 004).

The notebook ``lectures/06_hamiltonian_vlasov.ipynb`` is a narrative client of these functions:

* :func:`setup` — the lecture's model: the HMF interaction, the complex initial datum
  :math:`\mathring\alpha = \sqrt{f_0}e^{i\theta}` and the phase-space grid;
* :func:`mean_field_runs` — (HVl) (cubic and spectral interpolation, and without the phase
  term), (HHt), and the course's Vlasov solver, from the same data, on the same grid;
* :func:`beta_scan` — Pickl's :math:`\beta_N(t)=\langle\alpha_N,q_1\alpha_N\rangle` over N,
  exact for N = 2 and Monte Carlo with error bars beyond;
* :func:`fit_rate` — weighted log–log fit of :math:`\beta_N \approx CN^{p}` with the standard
  error of :math:`p`;
* :func:`phase_space_explorer` — the dashboard: modulus and phase of :math:`\alpha` next to
  :math:`f` from the Vlasov solver.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from mfcourse.classical import hamiltonian_vlasov as hv
from mfcourse.classical.newton import CosineMaxwellian
from mfcourse.classical.vlasov import PhaseGrid, VlasovSolver
from mfcourse.interaction import PairInteraction

#: The lecture's model: HMF, a cosine-Maxwellian density and a phase theta = (kappa + eta sin x) v.
MODEL = {
    "strength": 1.0,
    "amplitude": 0.5,
    "temperature": 0.4,
    "kappa": 1.0,
    "eta": 0.5,
    "nx": 64,
    "nv": 128,
    "v_max": 6.0,
    "dt": 0.05,
}


def setup(**overrides):
    """``(interaction, root, grid, dt)`` of the lecture (keys of :data:`MODEL` may be
    overridden)."""
    unknown = set(overrides) - set(MODEL)
    if unknown:
        raise ValueError(f"unknown model parameters {sorted(unknown)}; allowed: {sorted(MODEL)}")
    p = {**MODEL, **overrides}
    H = PairInteraction.hmf(p["strength"])
    root = hv.ComplexRoot(
        CosineMaxwellian(amplitude=p["amplitude"], temperature=p["temperature"]),
        kappa=p["kappa"],
        eta=p["eta"],
    )
    grid = PhaseGrid(int(p["nx"]), int(p["nv"]), float(p["v_max"]))
    return H, root, grid, float(p["dt"])


@dataclass
class MeanFieldRuns:
    """The mean-field solutions of the lecture, all on one grid at the same ``times``."""

    times: np.ndarray
    hvl: hv.HVlResult  # cubic B-spline interpolation (Cheng–Knorr)
    hvl_spectral: hv.HVlResult
    hvl_no_phase: hv.HVlResult
    hht: hv.HVlResult
    vlasov_f: list

    def l2(self, a, b) -> np.ndarray:
        g = self.hvl.grid
        return np.array(
            [
                math.sqrt(float(np.sum(np.abs(x - y) ** 2)) * g.dx * g.dv)
                for x, y in zip(a, b, strict=True)
            ]
        )

    def l1(self, a, b) -> np.ndarray:
        g = self.hvl.grid
        return np.array(
            [float(np.sum(np.abs(x - y))) * g.dx * g.dv for x, y in zip(a, b, strict=True)]
        )

    @property
    def hvl_vs_hht(self) -> np.ndarray:
        r""":math:`\|\alpha_{HVl}(t)-\mathcal F^{-1}\hat\alpha_{HHt}(t)\|_{L^2}` (spectral HVl)."""
        return self.l2(self.hvl_spectral.alpha, self.hht.alpha)

    @property
    def modulus_vs_vlasov(self) -> np.ndarray:
        r""":math:`\||\alpha(t)|^2 - f(t)\|_{L^1}`, HVl (cubic) against the Vlasov solver."""
        return self.l1(self.hvl.f, self.vlasov_f)

    @property
    def phase_overlap(self) -> np.ndarray:
        r""":math:`|\langle\alpha_{\text{no phase}}(t),\alpha(t)\rangle|^2`."""
        g = self.hvl.grid
        return np.array(
            [
                abs(np.vdot(a, b) * g.dx * g.dv) ** 2
                for a, b in zip(self.hvl_no_phase.alpha, self.hvl_spectral.alpha, strict=True)
            ]
        )


def mean_field_runs(times, *, dt: float | None = None, **overrides) -> MeanFieldRuns:
    """Run every mean-field solver of the lecture from the same data (:func:`setup`)."""
    H, root, grid, dt0 = setup(**overrides)
    dt = dt0 if dt is None else dt
    times = np.asarray(times, dtype=float)
    hvl = hv.HamiltonianVlasovSolver(grid, H, dt).run(root, times)
    spec = hv.HamiltonianVlasovSolver(grid, H, dt, interpolation="spectral").run(root, times)
    nophase = hv.HamiltonianVlasovSolver(
        grid, H, dt, interpolation="spectral", phase_term=False
    ).run(root, times)
    hht = hv.HamiltonianHartreeSolver(grid, H, dt).run(root, times)
    vl = VlasovSolver(grid, H, dt).run(root.density, times)
    return MeanFieldRuns(times, hvl, spec, nophase, hht, vl.f)


@dataclass
class BetaScan:
    r""":math:`\beta_N(t)` over ``Ns`` at time ``t``, against the (HVl) solution (``mean``,
    ``stderr``) and against the phase-free transport of :math:`\mathring\alpha`
    (``mean_no_phase``, ``stderr_no_phase``); ``exact_two`` the quadrature value for N = 2
    (both references) and ``seconds`` the wall time of each N."""

    t: float
    Ns: np.ndarray
    mean: np.ndarray
    stderr: np.ndarray
    mean_no_phase: np.ndarray
    stderr_no_phase: np.ndarray
    exact_two: dict
    seconds: np.ndarray
    samples: int


def beta_scan(
    runs: MeanFieldRuns,
    Ns,
    it: int,
    *,
    samples: int,
    seed: int,
    stride=(4, 4),
    progress=None,
    **overrides,
) -> BetaScan:
    r"""Pickl's :math:`\beta_N` at ``runs.times[it]`` for every N of ``Ns`` (Monte Carlo,
    :func:`mfcourse.classical.hamiltonian_vlasov.pickl_monte_carlo`, seeded ``seed + N``) and
    exactly for N = 2 (:func:`~mfcourse.classical.hamiltonian_vlasov.pickl_exact_two`)."""
    H, root, grid, dt = setup(**overrides)
    t = float(runs.times[it])
    refs = [runs.hvl_spectral.alpha[it], runs.hvl_no_phase.alpha[it]]
    Ns = np.asarray(Ns, dtype=int)
    if Ns.size == 0 or np.any(Ns < 1):
        raise ValueError(f"Ns must be a non-empty list of integers >= 1, got {Ns}")
    out = np.zeros((4, Ns.size))
    secs = np.zeros(Ns.size)
    for i, N in enumerate(Ns):
        est = hv.pickl_monte_carlo(
            root, refs, grid, H, int(N), t, dt, samples=samples, seed=seed + int(N), stride=stride
        )
        out[:, i] = est.mean[0], est.stderr[0], est.mean[1], est.stderr[1]
        secs[i] = est.wall_time
        if progress is not None:
            progress(f"N = {N}: beta = {est.mean[0]:.4g} +- {est.stderr[0]:.2g} ({secs[i]:.1f} s)")
    exact = hv.pickl_exact_two(root, refs, grid, H, t, dt, stride=stride)
    return BetaScan(t, Ns, *out, exact, secs, samples)


def fit_rate(Ns, mean, stderr, *, correction: bool = False):
    r"""Weighted least-squares fit of :math:`\beta_N \approx C N^{p}` (``correction=False``:
    linear in :math:`\log N` with weights :math:`(\beta/\sigma)^2`, since :math:`\sigma/\beta`
    is the standard error of :math:`\log\beta` to first order; returns ``(p, se(p), C)``) or of
    :math:`\beta_N \approx C N^{p}(1 - b/N)` (``correction=True``: nonlinear least squares with
    the absolute errors ``stderr``, for data that reach down to small N where the next order in
    :math:`1/N` is visible; returns ``(p, se(p), C, b)``).  The standard error is inflated by
    :math:`\sqrt{\chi^2/\text{dof}}` when the scatter exceeds the error bars (never shrunk)."""
    N = np.asarray(Ns, dtype=float)
    y = np.asarray(mean, dtype=float)
    s = np.asarray(stderr, dtype=float)
    k = 3 if correction else 2
    if N.shape != y.shape or y.shape != s.shape or N.size < k + 1:
        raise ValueError(f"need three arrays of one length >= {k + 1}")
    if np.any(y <= 0) or np.any(s <= 0) or np.any(N <= 0):
        raise ValueError("N, the means and their standard errors must be > 0 for a log-log fit")
    if correction:
        from scipy.optimize import curve_fit

        p0, _, c0 = fit_rate(N, y, s)

        def model(n, p, c, b):
            return c * n**p * (1 - b / n)

        coef, cov = curve_fit(model, N, y, p0=[p0, c0, 0.0], sigma=s, absolute_sigma=True)
        chi2 = float(np.sum(((model(N, *coef) - y) / s) ** 2)) / max(N.size - 3, 1)
        p_err = math.sqrt(cov[0, 0] * max(chi2, 1.0))
        return float(coef[0]), p_err, float(coef[1]), float(coef[2])
    w = (y / s) ** 2
    X = np.stack([np.ones_like(N), np.log(N)], axis=1)
    A = X.T @ (w[:, None] * X)
    coef = np.linalg.solve(A, X.T @ (w * np.log(y)))
    cov = np.linalg.inv(A)
    resid = np.log(y) - X @ coef
    chi2 = float(np.sum(w * resid**2)) / max(N.size - 2, 1)
    p_err = math.sqrt(cov[1, 1] * max(chi2, 1.0))
    return float(coef[1]), p_err, float(math.exp(coef[0]))


def optimal_lambda() -> tuple[float, float]:
    r"""The :math:`\lambda` minimising :math:`\max(N^{-\lambda}, N^{-(1-\lambda)/4})`, i.e.
    :math:`\lambda = (1-\lambda)/4`, and the resulting exponent: :math:`(1/5, -1/5)`."""
    lam = 1.0 / 5.0
    return lam, -lam


# ----------------------------------------------------------------------------------- dashboard
def phase_space_explorer(runs: MeanFieldRuns, v_lim: float = 3.5):
    r"""Scrub dashboard over the output times: :math:`|\alpha|`, :math:`\arg\alpha` (shown where
    :math:`|\alpha|` exceeds 2% of its maximum) and :math:`f` from the Vlasov solver."""
    import ipywidgets as widgets

    from mfcourse.course.dashboard import ScrubFigure, dashboard
    from mfcourse.course.plotting import figure, freeze_layout, phase_space_axes

    g = runs.hvl.grid
    sel = np.abs(g.v) <= v_lim
    extent = (0.0, g.length, g.v[sel][0], g.v[sel][-1])
    mods = [np.abs(a[:, sel]).T for a in runs.hvl.alpha]
    phases = [np.angle(a[:, sel]).T for a in runs.hvl.alpha]
    fs = [f[:, sel].T for f in runs.vlasov_f]
    mmax = max(float(m.max()) for m in mods)
    fmax = max(float(f.max()) for f in fs)
    fig, axes = figure(ncols=3, height=2.9)
    kw = {"origin": "lower", "extent": extent, "aspect": "auto", "interpolation": "nearest"}
    im_mod = axes[0].imshow(mods[0], vmin=0, vmax=mmax, **kw)
    im_ph = axes[1].imshow(
        np.ma.masked_where(mods[0] < 0.02 * mmax, phases[0]),
        cmap="twilight",
        vmin=-np.pi,
        vmax=np.pi,
        **kw,
    )
    im_f = axes[2].imshow(fs[0], vmin=0, vmax=fmax, **kw)
    titles = [r"$|\alpha(t)|$ (HVl)", r"$\arg\alpha(t)$ (HVl)", r"$f(t)$ (Vlasov solver)"]
    for ax, title in zip(axes, titles, strict=True):
        phase_space_axes(ax, v_label="velocity $v$")
        ax.set_title(title)
    fig.colorbar(im_ph, ax=axes[1], ticks=[-np.pi, 0, np.pi], shrink=0.8).ax.set_yticklabels(
        [r"$-\pi$", "0", r"$\pi$"]
    )
    sup = fig.suptitle("t = 0")
    freeze_layout(fig)
    import matplotlib.pyplot as plt

    plt.close(fig)  # shown by the dashboard only, not a second time by the inline backend
    frame = ScrubFigure(fig, [im_mod, im_ph, im_f, sup])
    times = runs.times

    def update(it):
        m = mods[it]
        im_mod.set_data(m)
        im_ph.set_data(np.ma.masked_where(m < 0.02 * mmax, phases[it]))
        im_f.set_data(fs[it])
        err = float(np.sum(np.abs(runs.hvl.f[it] - runs.vlasov_f[it])) * g.dx * g.dv)
        sup.set_text(f"t = {times[it]:.2f}:  " + r"$\||\alpha|^2-f\|_{L^1}$" + f" = {err:.1e}")
        return frame

    controls = {
        "it": widgets.IntSlider(value=0, min=0, max=times.size - 1, description="time index")
    }
    return dashboard(
        update,
        controls,
        primary="it",
        kind="scrub",
        title="Phase-space explorer: modulus and phase of α next to f",
    )


@lru_cache(maxsize=4)
def cached_runs(t_max: float = 3.0, nt: int = 31) -> MeanFieldRuns:
    """:func:`mean_field_runs` on ``linspace(0, t_max, nt)``, cached for the notebook."""
    return mean_field_runs(np.linspace(0.0, t_max, nt))
