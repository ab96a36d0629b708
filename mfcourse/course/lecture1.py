r"""Experiments of Lecture 1 (From Newton to Vlasov), kept out of the notebook.

Each function runs one numerical experiment of the lecture with the course's library
(:mod:`mfcourse.newton`, :mod:`mfcourse.vlasov`, :mod:`mfcourse.transport`) and returns plain
arrays; the notebook draws them and states the claims. References are to Golse's lecture notes
(seed 002), §1.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mfcourse import transport as tr
from mfcourse.classical import newton as nw
from mfcourse.interaction import PairInteraction

TWO_PI = 2.0 * np.pi


# ------------------------------------------------------------------------------------------
# Klimontovich's theorem (seed 002 §1.4, Theorem 1.2)
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TestFunction:
    r"""A smooth test function :math:`\phi(x,\xi)` on :math:`\mathbb{T}\times\mathbb{R}` with its
    partial derivatives (all bounded)."""

    name: str
    phi: Callable[[np.ndarray, np.ndarray], np.ndarray]
    dx: Callable[[np.ndarray, np.ndarray], np.ndarray]
    dv: Callable[[np.ndarray, np.ndarray], np.ndarray]


def _g(v):
    return np.exp(-0.5 * v * v)


#: Three bounded smooth test functions with bounded derivatives, periodic in :math:`x`.
TEST_FUNCTIONS: tuple[TestFunction, ...] = (
    TestFunction(
        r"$\cos x\,e^{-\xi^2/2}$",
        lambda x, v: np.cos(x) * _g(v),
        lambda x, v: -np.sin(x) * _g(v),
        lambda x, v: -v * np.cos(x) * _g(v),
    ),
    TestFunction(
        r"$\sin 2x\,\frac{\xi}{1+\xi^2}$",
        lambda x, v: np.sin(2 * x) * v / (1 + v * v),
        lambda x, v: 2 * np.cos(2 * x) * v / (1 + v * v),
        lambda x, v: np.sin(2 * x) * (1 - v * v) / (1 + v * v) ** 2,
    ),
    TestFunction(
        r"$\cos(x-1)\arctan\xi$",
        lambda x, v: np.cos(x - 1) * np.arctan(v),
        lambda x, v: -np.sin(x - 1) * np.arctan(v),
        lambda x, v: np.cos(x - 1) / (1 + v * v),
    ),
)


def klimontovich_residual(
    x0,
    v0,
    interaction: PairInteraction,
    t_final: float,
    dt: float,
    tests: Sequence[TestFunction] = TEST_FUNCTIONS,
    *,
    bracket_interaction: PairInteraction | None = None,
) -> dict:
    r"""Weak-form residual of the Vlasov equation for the empirical measure (Theorem 1.2), for
    several test functions at once.

    Runs Newton's equations with leapfrog (step ``dt``) from ``(x0, v0)`` to ``t_final``, records
    every step, and evaluates, with :func:`mfcourse.newton.klimontovich_residual`,

    .. math::
        R_\phi(t) = \frac{d}{dt}\langle\mu_N,\phi\rangle
        - \langle\mu_N, \{\tfrac12\xi^2 + V_{\mu_N}, \phi\}\rangle ,

    which is :math:`O(\Delta t^2)` (leapfrog and centred differences) and zero for the exact flow.
    Returns ``times`` (interior), ``residual`` and ``pairing`` (:math:`\langle\mu_N,\phi\rangle`),
    both of shape ``(len(tests), len(times))``, ``relative`` (per test,
    :math:`\max_t|R_\phi|/\max_t|\langle\mu_N,\{H,\phi\}\rangle|`) and ``energy_drift``.

    ``bracket_interaction`` (default: ``interaction``) is the potential used in the bracket; a
    different one is a control experiment: particles moved by one force are *not* a weak solution
    of the Vlasov equation with another, and the residual is then not small.
    """
    if not t_final > 0:
        raise ValueError(f"t_final must be > 0, got {t_final!r}")
    n = int(round(t_final / dt))
    if n < 3 or abs(n * dt - t_final) > 1e-9 * t_final:
        raise ValueError(f"t_final = {t_final} must be a multiple (>= 3) of dt = {dt}")
    times = dt * np.arange(n + 1)
    traj = nw.simulate(x0, v0, interaction, times, dt, wrap=False)
    drift = traj.energy_drift
    if bracket_interaction is not None:
        traj = dataclasses.replace(traj, interaction=bracket_interaction)
    residual, pairing, rel = [], [], []
    for t in tests:
        tt, R, scale = nw.klimontovich_residual(traj, t.phi, t.dx, t.dv)
        residual.append(R)
        pairing.append([np.mean(t.phi(traj.x[i], traj.v[i])) for i in range(1, n)])
        rel.append(np.max(np.abs(R)) / scale)
    return {
        "times": tt,
        "residual": np.array(residual),
        "pairing": np.array(pairing),
        "relative": np.array(rel),
        "energy_drift": drift,
    }


# ------------------------------------------------------------------------------------------
# Fournier–Guillin (seed 002 §1.7, Theorem 1.8) and Corollary 1.9
# ------------------------------------------------------------------------------------------
def _points(x, v):
    return np.column_stack([np.asarray(x, float), np.asarray(v, float)])


def empirical_w1_rate(
    density: nw.PhaseSpaceDensity,
    Ns: Sequence[int],
    n_seeds: int | Sequence[int],
    *,
    seed: int = 0,
    t: float = 0.0,
    interaction: PairInteraction | None = None,
    dt: float = 0.05,
) -> dict:
    r"""Two-sample estimate of :math:`\mathbb{E}\,W_1(\mu_N(t), f(t))` for a *stationary*
    :math:`f` (so that :math:`f(t) = f^{in}`), exact at every step.

    For each :math:`N` and seed: :math:`\mu_N(0)` is :math:`N` i.i.d. points from ``density``,
    evolved to time ``t`` by Newton's equations (if ``t > 0``); :math:`\mu'_N` is an independent
    i.i.d. sample of :math:`f^{in}`; :math:`W_1(\mu_N(t), \mu'_N)` is computed exactly
    (:func:`mfcourse.transport.w1`, ℓ¹ metric on :math:`\mathbb{T}\times\mathbb{R}`). Since
    :math:`\mathbb{E}\,\mu'_N = f` and :math:`W_1` is convex (Jensen) and a metric (triangle
    inequality),

    .. math::
        \tfrac12\,\mathbb{E}\,W_1(\mu_N,\mu'_N) \le \mathbb{E}\,W_1(\mu_N, f)
            \le \mathbb{E}\,W_1(\mu_N,\mu'_N)

    at ``t = 0`` (at ``t > 0`` the upper bound still holds), so the two-sample estimate has the
    rate of :math:`\mathbb{E}\,W_1(\mu_N, f)` with no discretisation of :math:`f` at all.
    Returns ``N``, ``mean``, ``sem`` (standard error) and all ``samples``.
    """
    Ns = [int(N) for N in Ns]
    seeds = [n_seeds] * len(Ns) if isinstance(n_seeds, int) else [int(s) for s in n_seeds]
    if len(seeds) != len(Ns) or min(seeds) < 1:
        raise ValueError("n_seeds must be an int >= 1 or one count >= 1 per N")
    if t > 0 and interaction is None:
        raise ValueError("t > 0 needs the interaction to evolve the particles")
    means, sems, samples = [], [], []
    for N, ns in zip(Ns, seeds, strict=True):
        vals = []
        for s in range(ns):
            rng = np.random.default_rng([seed, N, s])
            x, v = density.sample(N, rng)
            y, w = density.sample(N, rng)
            if t > 0:
                traj = nw.simulate(x, v, interaction, [t], dt)
                x, v = traj.x[-1], traj.v[-1]
            vals.append(tr.w1(_points(x, v), _points(y, w), periodic=(0,)))
        vals = np.array(vals)
        samples.append(vals)
        means.append(vals.mean())
        sems.append(vals.std(ddof=1) / math.sqrt(ns) if ns > 1 else np.nan)
    return {"N": np.array(Ns), "mean": np.array(means), "sem": np.array(sems), "samples": samples}


def local_slope(rate: Callable[[np.ndarray], np.ndarray], Ns) -> float:
    r"""The slope a least-squares power-law fit sees for the function ``rate`` sampled at
    ``Ns`` (e.g. :math:`\sqrt{\log N/N}` has slope :math:`-\tfrac12 + 1/(2\log N)` locally)."""
    Ns = np.asarray(Ns, dtype=float)
    return float(np.polyfit(np.log(Ns), np.log(rate(Ns)), 1)[0])


# ------------------------------------------------------------------------------------------
# separation time and quasi-stationary states (homogeneous unstable HMF state)
# ------------------------------------------------------------------------------------------
def separation_times(
    density: nw.PhaseSpaceDensity,
    interaction: PairInteraction,
    Ns: Sequence[int],
    n_seeds: int,
    *,
    threshold: float = 0.2,
    t_final: float = 20.0,
    dt: float = 0.05,
    seed: int = 0,
) -> dict:
    r"""First time :math:`t_\ast` at which :math:`|M_N(t)| \ge` ``threshold``, for a homogeneous
    (hence stationary) Vlasov solution :math:`f`, whose magnetisation is :math:`M_f = 0`.

    Since :math:`x \mapsto \cos(x-\theta)` is 1-Lipschitz for the distance used,
    :math:`|M_N(t) - M_{f(t)}| \le W_1(\mu_N(t), f(t))` (Kantorovich–Rubinstein), so at
    :math:`t_\ast` the particles are at least ``threshold`` away from the Vlasov solution.
    Returns ``N``, ``t_sep`` (shape ``(len(Ns), n_seeds)``; NaN if never reached), the recorded
    ``times`` and ``|M|`` (shape ``(len(Ns), n_seeds, len(times))``) and the max energy drift.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must lie in (0, 1] (|M| <= 1), got {threshold!r}")
    if not (t_final > 0 and dt > 0):
        raise ValueError(f"t_final and dt must be > 0, got {t_final!r}, {dt!r}")
    if int(n_seeds) != n_seeds or n_seeds < 1:
        raise ValueError(f"n_seeds must be an integer >= 1, got {n_seeds!r}")
    times = np.arange(0.0, t_final + dt / 2, 2 * dt)
    tsep = np.full((len(Ns), n_seeds), np.nan)
    mags = np.empty((len(Ns), n_seeds, times.size))
    drift = 0.0
    for i, N in enumerate(Ns):
        for s in range(n_seeds):
            x, v = density.sample(int(N), np.random.default_rng([seed, int(N), s]))
            traj = nw.simulate(x, v, interaction, times, dt, keep_states=False)
            m = np.abs(traj.magnetisation)
            mags[i, s] = m
            hit = np.flatnonzero(m >= threshold)
            if hit.size:
                tsep[i, s] = times[hit[0]]
            drift = max(drift, traj.energy_drift)
    return {"N": np.asarray(Ns), "t_sep": tsep, "times": times, "M": mags, "energy_drift": drift}


# ------------------------------------------------------------------------------------------
# drawing helpers
# ------------------------------------------------------------------------------------------
def wrap(x):
    r"""Representative of :math:`x \in \mathbb{T}` in :math:`[0, 2\pi)` (the library's and the
    plots' convention)."""
    return np.mod(np.asarray(x, dtype=float), TWO_PI)


def torus_segments(p, q) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    r"""Straight segments drawing the shortest path from ``p = (x, ξ)`` to ``q`` on
    :math:`\mathbb{T}\times\mathbb{R}` in the window :math:`[0, 2\pi)\times\mathbb{R}`: one
    segment, or two if the path crosses :math:`x = 0 \equiv 2\pi`."""
    x0, v0 = float(wrap(p[0])), float(p[1])
    x1, v1 = float(wrap(q[0])), float(q[1])
    dx = x1 - x0
    if abs(dx) <= np.pi:
        return [((x0, v0), (x1, v1))]
    dx -= math.copysign(TWO_PI, dx)  # the short way round
    edge = TWO_PI if dx > 0 else 0.0
    s = (edge - x0) / dx
    vm = v0 + s * (v1 - v0)
    return [((x0, v0), (edge, vm)), ((TWO_PI - edge, vm), (x1, v1))]


# ------------------------------------------------------------------------------------------
# Dobrushin's inequality measured (seed 002 §1.6, Theorem 1.5) and the phase-space movie
# ------------------------------------------------------------------------------------------
def vlasov_reference(
    density: nw.PhaseSpaceDensity,
    interaction: PairInteraction,
    times,
    *,
    nx: int = 128,
    nv: int = 128,
    v_max: float = 2.5,
    dt: float = 0.05,
):
    r"""The Vlasov solution :math:`f(t)` from ``density`` at ``times`` (semi-Lagrangian,
    :mod:`mfcourse.vlasov`, cubic B-splines, Strang splitting); returns the
    :class:`~mfcourse.vlasov.VlasovResult` (densities in ``.f``, grid in ``.grid``)."""
    from mfcourse.classical import vlasov

    grid = vlasov.PhaseGrid(nx, nv, v_max)
    return vlasov.VlasovSolver(grid, interaction, dt).run(density, times)


#: Mass of the lightest cells dropped before solving the transport problem (bounded effect).
DROP_MASS = 1e-6


def w1_particles_to_vlasov(x, v, f, grid, *, coarsen: tuple[int, int] = (4, 4)) -> float:
    r"""Exact :math:`W_1` (ℓ¹ metric on :math:`\mathbb{T}\times\mathbb{R}`) between the empirical
    measure of ``(x, v)`` and the Vlasov grid density ``f`` on ``grid``, after merging blocks of
    ``coarsen`` cells (:func:`mfcourse.transport.coarsen_grid`); negative round-off undershoots of
    the solver are clipped, and the lightest cells of total mass :data:`DROP_MASS` are dropped.
    Within :func:`quantisation` of the distance to the continuous :math:`f` it represents (plus
    the solver's error)."""
    fc, xc, vc = tr.coarsen_grid(np.clip(f, 0.0, None), grid.x, grid.v, *coarsen)
    return tr.w1_to_grid(_points(x, v), fc, xc, vc, drop_mass=DROP_MASS)


def quantisation(grid, coarsen: tuple[int, int] = (4, 4)) -> float:
    r"""Bound on the :math:`W_1` error of :func:`w1_particles_to_vlasov` from the discretisation
    of :math:`f`: the quantisation of the coarsened grid
    (:func:`mfcourse.transport.grid_quantization_bound`) plus :data:`DROP_MASS` times the grid's
    diameter."""
    quant = (coarsen[0] * grid.dx + coarsen[1] * grid.dv) / 2
    return quant + DROP_MASS * (np.pi + 2 * grid.v_max)


def dobrushin_experiment(
    density: nw.PhaseSpaceDensity,
    interaction: PairInteraction,
    Ns: Sequence[int],
    seeds: Sequence[int],
    times,
    *,
    dt: float = 0.05,
    vlasov_kwargs: dict | None = None,
    coarsen: tuple[int, int] = (4, 4),
    reference=None,
) -> dict:
    r"""Both sides of Dobrushin's inequality (Theorem 1.5) at the sampled ``times``:

    .. math::
        W_1(\mu_N(t), f(t)) \quad\text{vs}\quad W_1(\mu_N(0), f^{in})\,e^{\Lambda t},\qquad
        \Lambda = \max(1, L) + L,\ L = \operatorname{Lip}(V'),

    for each :math:`N` in ``Ns`` and each seed, :math:`\mu_N(0)` i.i.d. from ``density``, Newton by
    leapfrog (step ``dt``), :math:`f` by :func:`vlasov_reference` (or the given ``reference``
    result), :math:`W_1` by :func:`w1_particles_to_vlasov`. Returns ``times``, ``rate``
    (:math:`\Lambda`), ``w1`` (shape ``(len(Ns), len(seeds), len(times))``), ``bound`` (same),
    ``exponent`` (least-squares slope of :math:`\log W_1` against :math:`t`, per N and seed),
    ``energy_drift`` (max over the particle runs), ``reference`` and ``quantisation``.
    """
    times = np.asarray(times, dtype=float)
    if times[0] != 0.0:
        raise ValueError("times must start at t = 0 (the bound is relative to t = 0)")
    ref = reference or vlasov_reference(density, interaction, times, **(vlasov_kwargs or {}))
    if not np.allclose(ref.times, times):
        raise ValueError("the reference Vlasov run must be recorded at the same times")
    rate = max(1.0, interaction.lip_grad) + interaction.lip_grad
    w1 = np.empty((len(Ns), len(seeds), times.size))
    drift = 0.0
    for i, N in enumerate(Ns):
        for j, s in enumerate(seeds):
            x, v = nw.sample_iid(density, int(N), seed=int(s))
            traj = nw.simulate(x, v, interaction, times, dt)
            drift = max(drift, traj.energy_drift)
            for k in range(times.size):
                w1[i, j, k] = w1_particles_to_vlasov(
                    traj.x[k], traj.v[k], ref.f[k], ref.grid, coarsen=coarsen
                )
    bound = w1[:, :, :1] * np.exp(rate * times)
    expo = np.polyfit(times, np.log(w1.reshape(-1, times.size).T), 1)[0].reshape(w1.shape[:2])
    return {
        "times": times,
        "rate": rate,
        "w1": w1,
        "bound": bound,
        "exponent": expo,
        "energy_drift": drift,
        "reference": ref,
        "quantisation": quantisation(ref.grid, coarsen),
    }


def phase_space_movie(
    density: nw.PhaseSpaceDensity,
    interaction: PairInteraction,
    Ns: Sequence[int],
    times,
    *,
    seed: int = 0,
    dt: float = 0.05,
    reference=None,
    vlasov_kwargs: dict | None = None,
) -> dict:
    r"""Precomputed frames for the phase-space explorer: the Vlasov density at ``times`` and, for
    each :math:`N`, the particles (positions in :math:`[0, 2\pi)`) at the same times.
    Returns ``times``, ``x_grid``/``v_grid``, ``f`` (array ``(len(times), nx, nv)``) and
    ``particles`` ``{N: (x, v)}`` with arrays of shape ``(len(times), N)``."""
    times = np.asarray(times, dtype=float)
    ref = reference or vlasov_reference(density, interaction, times, **(vlasov_kwargs or {}))
    f = np.stack([np.asarray(fk) for fk in ref.f])
    parts = {}
    for N in Ns:
        x, v = nw.sample_iid(density, int(N), seed=seed)
        traj = nw.simulate(x, v, interaction, times, dt)
        parts[int(N)] = (wrap(traj.x), traj.v)
    return {
        "times": times,
        "x_grid": ref.grid.x,
        "v_grid": ref.grid.v,
        "f": f,
        "particles": parts,
    }


# ------------------------------------------------------------------------------------------
# the proof audit of Dobrushin's inequality (seed 002 §1.6, Theorem 1.5, Lemma 1.7, Step 3)
# ------------------------------------------------------------------------------------------
def dobrushin_audit_samples(
    density: nw.PhaseSpaceDensity,
    interaction: PairInteraction,
    N: int,
    M: int,
    t_final: float,
    *,
    seeds: tuple[int, int] = (0, 1),
    h: float = 0.1,
    dt: float = 0.05,
) -> dict:
    r"""The audit :func:`mfcourse.classical.dobrushin.dobrushin_audit` between :math:`N` and
    :math:`M` i.i.d. samples of ``density`` (seeded by ``seeds``): the empirical measure of the
    :math:`M` particles plays the Vlasov solution (by Klimontovich's theorem it *is* a weak
    solution, within Fournier–Guillin's :math:`W_1` of :math:`f` at :math:`t = 0`)."""
    from mfcourse.classical import dobrushin as db

    for name, n in (("N", N), ("M", M)):
        if isinstance(n, bool) or int(n) != n or n < 2:
            raise ValueError(f"{name} must be an integer >= 2, got {n!r}")
    x, v = nw.sample_iid(density, int(N), seed=int(seeds[0]))
    y, w = nw.sample_iid(density, int(M), seed=int(seeds[1]))
    return db.dobrushin_audit(x, v, y, w, interaction, t_final, h=h, dt=dt)


def draw_audit(axes, audit: dict, *, legend: bool = True) -> None:
    r"""Draw a proof audit on two axes: ``axes[0]`` (log scale) the distances of the chain,
    :math:`W_1(t) \le D(t) \le D(0) + \int_0^t R_1 \le D(0)e^{\Lambda t}`; ``axes[1]`` the rates
    of Step 3, :math:`\dot D \le R_1 \le R_2 \le R_3 \le R_4 = \Lambda D`."""
    from mfcourse.course.plotting import ROLE

    t = audit["times"]
    a0, a1 = axes
    a0.semilogy(t, audit["W1"], "o", ms=2.5, color=ROLE["measured"], label=r"$W_1(f(t), g(t))$")
    a0.semilogy(t, audit["D"], "-", color=ROLE["particles"], label=r"$D(t)$ (pushed coupling)")
    a0.semilogy(
        t, audit["bound_R1"], "-.", color=ROLE["mean_field"], label=r"$D(0) + \int_0^t R_1$"
    )
    a0.semilogy(
        t,
        audit["gronwall"],
        "--",
        color=ROLE["bound"],
        label=rf"Gronwall $D(0)e^{{\Lambda t}}$, $\Lambda = {audit['rate']:g}$",
    )
    a0.set(xlabel="time $t$", ylabel="distance", title="the chain of distances")
    labels = (r"$R_1$: $|\cdot|$ inside", r"$R_2$: Lip$(V')$ + KR", r"$R_3$: $\max(1,L)$")
    styles = ("-", "-.", ":")
    a1.plot(t, audit["dD"], color=ROLE["particles"], lw=1.6, label=r"$\dot D(t)$ (exact)")
    for k in range(3):
        a1.plot(t, audit["R"][k], styles[k], color=ROLE["mean_field"], label=labels[k])
    a1.plot(t, audit["R"][3], "--", color=ROLE["bound"], label=r"$R_4 = \Lambda D$")
    a1.axhline(0.0, color=ROLE["reference"], lw=0.5)
    a1.set(xlabel="time $t$", ylabel="rate", title="Step 3: the differential inequality")
    if legend:
        a0.legend(fontsize=6.5, loc="upper left")
        a1.legend(fontsize=6.5, loc="upper left")
