r"""Experiments of Lecture 3 (mean-field and classical limits together), kept out of the notebook.

Each function runs one experiment with the course's library — :mod:`mfcourse.phasespace`
(Wigner/Husimi transforms, Töplitz quantization, distances), :mod:`mfcourse.vonneumann`
(semiclassical mixed-state Hartree), :mod:`mfcourse.vlasov` (lecture 1's Vlasov solver) — and
returns plain arrays; the notebook draws them and states the claims. References are to Golse's
lecture notes (seed 002) §3 and Golse–Mouhot–Paul (seed 001).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from mfcourse import phasespace as ps
from mfcourse.quantum.vonneumann import VonNeumann, VonNeumannRun, mixed_state

TWO_PI = 2.0 * math.pi


def quantum_grid_size(eps: float, p_max: float, length: float = TWO_PI, multiple: int = 16) -> int:
    r"""Smallest grid (a multiple of ``multiple``) whose momentum window holds
    :math:`|p| \le p_{\max}` plus six coherent-state widths: :math:`\pi\varepsilon/dx \ge
    p_{\max} + 6\sqrt{\varepsilon/2}` (the condition of
    :func:`mfcourse.phasespace.toeplitz_density`).
    """
    eps = ps.check_epsilon(eps)
    if not p_max > 0:
        raise ValueError(f"p_max must be > 0, got {p_max!r}")
    need = length * (p_max + ps.COHERENT_FIT * math.sqrt(eps / 2)) / (math.pi * eps)
    return int(multiple * math.ceil(need / multiple + 1e-12))


@dataclass
class SemiclassicalRun:
    """A Töplitz-quantized initial density evolved by the mixed-state Hartree equation."""

    eps: float
    x: np.ndarray
    p: np.ndarray
    times: np.ndarray
    husimi: list[np.ndarray]
    run: VonNeumannRun
    rank: int
    xi: np.ndarray | None = None
    wigner: list[np.ndarray] = field(default_factory=list)


def toeplitz_hartree(
    f_in: Callable[[np.ndarray, np.ndarray], np.ndarray],
    interaction,
    eps: float,
    t_final: float,
    dt: float,
    *,
    n_save: int = 3,
    p_max: float = 3.0,
    progress: Callable[[str], None] | None = None,
) -> SemiclassicalRun:
    r"""Quantize :math:`f_{in}` (a callable of :math:`(x, \xi)` on :math:`\mathbb T\times\mathbb
    R`, vanishing for :math:`|\xi| > p_{\max}`) as :math:`\rho_\varepsilon(0) =
    \mathrm{OP}^T_\varepsilon((2\pi\varepsilon) f_{in})` (seed 002 Theorem 3.5(2)'s initial data),
    evolve it with the semiclassical Hartree equation and return its Husimi functions at
    ``n_save`` equally spaced times on :math:`(x_j, p_l)` with :math:`p_l = \varepsilon l`."""
    n = quantum_grid_size(eps, p_max)
    x = TWO_PI / n * np.arange(n)
    npts = 2 * math.ceil(p_max / (0.5 * math.sqrt(eps / 2))) + 1
    p_sym = np.linspace(-p_max, p_max, npts)
    xx, pp = np.meshgrid(x, p_sym, indexing="ij")
    f = np.clip(np.asarray(f_in(xx, pp), dtype=float), 0, None)
    f /= f.sum() * (x[1] - x[0]) * (p_sym[1] - p_sym[0])
    state = mixed_state(ps.toeplitz_density(f, x, p_sym, eps), x, method="orbitals")
    run = VonNeumann(x, eps, interaction=interaction).evolve(
        state, t_final, dt, n_save=n_save, progress=progress
    )
    husimi, wigner = [], []
    for i in range(n_save):
        p, q = ps.husimi(run.kernel(i), x, eps, check=False)
        husimi.append(np.clip(q, 0, None))
        xi, w = ps.wigner(run.kernel(i), x, eps, check=False, periodic=True)
        wigner.append(w)
    return SemiclassicalRun(eps, x, p, run.times, husimi, run, state.rank, xi, wigner)


def coarsen(f: np.ndarray, factor: int = 2) -> np.ndarray:
    """Average ``factor`` × ``factor`` blocks (grid sizes must be divisible)."""
    nx, nv = f.shape
    return f.reshape(nx // factor, factor, nv // factor, factor).mean(axis=(1, 3))


@dataclass
class ConvergenceStudy:
    r"""Hartree → Vlasov measured: :math:`W_2(f(t), \widetilde W_\varepsilon[\rho_\varepsilon(t)])`
    for each :math:`\varepsilon` (rows) and time (columns), with Theorem 3.5(2)'s bound."""

    eps: np.ndarray
    times: np.ndarray
    w2: np.ndarray
    w2_exact: np.ndarray
    bound: np.ndarray
    x: np.ndarray
    v: np.ndarray
    vlasov: list[np.ndarray]
    husimi: dict[float, list[np.ndarray]] = field(default_factory=dict)
    ranks: dict[float, int] = field(default_factory=dict)
    display: dict[float, list[tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)
    trace_drift: dict[float, float] = field(default_factory=dict)
    energy_drift: dict[float, float] = field(default_factory=dict)
    seconds: float = 0.0


def hartree_to_vlasov(
    f_in: Callable[[np.ndarray, np.ndarray], np.ndarray],
    interaction,
    eps_values: Sequence[float],
    t_final: float,
    dt: float,
    *,
    n_save: int = 3,
    p_max: float = 3.0,
    vlasov_grid: tuple[int, int, float] = (256, 256, 4.0),
    exact_bins: tuple[int, int] | None = (32, 32),
    progress: Callable[[str], None] | None = print,
) -> ConvergenceStudy:
    r"""The experiment of Lecture 3 §4: the same :math:`f_{in}` evolved by lecture 1's Vlasov
    solver and, Töplitz-quantized, by the semiclassical Hartree equation for each
    :math:`\varepsilon`; the Husimi functions are resampled on the Vlasov grid and compared by
    :func:`mfcourse.phasespace.w2_linearized` on 2×2-coarsened grids (``w2``) and, where the
    cells resolve it, by the exact solver :func:`mfcourse.phasespace.w2_phase_space`
    (``w2_exact``, at ``exact_bins``, at the last time only; NaN elsewhere). ``bound`` is
    Theorem 3.5(2) with :math:`N = \infty` (seed 002): :math:`\sqrt{\varepsilon(1 +
    e^{\Gamma t})}`."""
    import time

    from mfcourse.classical.vlasov import PhaseGrid, VlasovSolver

    t0 = time.perf_counter()
    nx, nv, v_max = vlasov_grid
    grid = PhaseGrid(nx, nv, v_max)
    times = np.linspace(0.0, t_final, n_save)
    vl = VlasovSolver(grid, interaction, dt).run(f_in, times)
    if progress:
        progress(f"Vlasov reference on {nx}x{nv}: {vl.wall_time:.1f} s")
    eps_values = np.asarray(eps_values, dtype=float)
    w2 = np.empty((eps_values.size, n_save))
    w2_exact = np.full((eps_values.size, n_save), np.nan)
    out = ConvergenceStudy(eps_values, times, w2, w2_exact, np.empty_like(w2), grid.x, grid.v, vl.f)
    fc = [coarsen(f) for f in vl.f]
    xc, vc = grid.x.reshape(-1, 2).mean(1), grid.v.reshape(-1, 2).mean(1)
    for i, eps in enumerate(eps_values):
        sc = toeplitz_hartree(f_in, interaction, eps, t_final, dt, n_save=n_save, p_max=p_max)
        res = [
            ps.resample_phase_space(h, sc.x, sc.p, grid.x, grid.v, period=TWO_PI) for h in sc.husimi
        ]
        out.husimi[float(eps)] = res
        xd, vd = grid.x[::2], grid.v[::2]
        out.display[float(eps)] = [
            (
                ps.resample_phase_space(w, sc.x, sc.xi, xd, vd, period=TWO_PI),
                h[::2, ::2],
            )
            for w, h in zip(sc.wigner, res, strict=True)
        ]
        out.ranks[float(eps)] = sc.rank
        out.trace_drift[float(eps)] = float(np.ptp(sc.run.trace))
        out.energy_drift[float(eps)] = float(np.ptp(sc.run.energy))
        for j in range(n_save):
            hc = np.clip(coarsen(res[j]), 0, None)
            w2[i, j] = ps.w2_linearized(fc[j], hc, xc, vc, period=TWO_PI)
        if exact_bins is not None:
            w2_exact[i, -1] = ps.w2_phase_space(
                vl.f[-1],
                grid.x,
                grid.v,
                np.clip(res[-1], 0, None),
                grid.x,
                grid.v,
                period=TWO_PI,
                bins=exact_bins,
                xi_range=(-v_max, v_max),
            )
        out.bound[i] = ps.theorem35_bound(times, eps, interaction=interaction)
        if progress:
            progress(
                f"eps = {eps:g}: grid {sc.x.size}, {sc.rank} orbitals, "
                f"W2 = {np.array2string(w2[i], precision=4)} ({time.perf_counter() - t0:.1f} s)"
            )
    out.seconds = time.perf_counter() - t0
    return out


# ------------------------------------------------------------------------------------------
# monokinetic (WKB) data
# ------------------------------------------------------------------------------------------
@dataclass
class WKBStudy:
    r"""Free evolution of :math:`\psi = a(x)e^{iS(x)/\varepsilon}` with :math:`S' = u_0`:
    the quantum velocity :math:`\varepsilon\,\mathrm{Im}(\partial_x\psi/\psi)` against the
    pressureless (Burgers) velocity :math:`u(t,x)` from characteristics, before the caustic
    time :math:`t_* = 1/\max(-u_0')`."""

    eps: np.ndarray
    times: np.ndarray
    x: np.ndarray
    u_classical: np.ndarray
    u_quantum: dict[float, np.ndarray]
    error: np.ndarray
    wigner: dict[float, tuple[np.ndarray, np.ndarray]]
    t_caustic: float
    display_v: np.ndarray | None = None
    display: dict[float, list[tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)


def wkb_study(
    eps_values: Sequence[float] = (0.1, 0.05, 0.025, 0.0125),
    times: Sequence[float] = (0.0, 0.5, 1.0, 1.5),
    *,
    amplitude: float = 0.5,
    n_grid: int = 512,
    window: tuple[float, float] = (math.pi / 2, 3 * math.pi / 2),
    display_v: np.ndarray | None = None,
) -> WKBStudy:
    r"""WKB data :math:`a(x) = (1 + 0.5\cos x)^{1/2}/\sqrt{2\pi}`, :math:`u_0(x) =
    -\mathrm{amplitude}\cdot\sin x` on the torus, free motion (exact in Fourier). The classical
    velocity solves :math:`\partial_t u + u\partial_x u = 0` (seed 002 §3.5, the pressureless
    limit before caustics); we compare on ``window``, the expanding region around :math:`x = \pi`
    (:math:`u_0' = -\mathrm{amplitude}\cos x > 0` there; the flow focuses near :math:`x = 0`,
    where the caustic forms at :math:`t_*`). With ``display_v``, the Wigner and Husimi functions
    at every time are also kept on the grid ``x[::2]`` × ``display_v`` (for the phase-space
    viewer)."""
    from scipy.optimize import brentq

    x = TWO_PI / n_grid * np.arange(n_grid)
    times = np.asarray(times, dtype=float)
    t_caustic = 1.0 / amplitude
    if times.max() >= t_caustic:
        raise ValueError(f"times must stay below the caustic time {t_caustic:g}")
    u0 = lambda y: -amplitude * np.sin(y)  # noqa: E731
    # characteristics X(t, y) = y + t u0(y); invert for each x (monotone before t_*)
    uc = np.empty((times.size, x.size))
    for i, t in enumerate(times):
        for j, xx in enumerate(x):
            y = brentq(lambda y, t=t, xx=xx: y + t * u0(y) - xx, xx - math.pi, xx + math.pi)
            uc[i, j] = u0(y)
    sel = (x >= window[0]) & (x <= window[1])
    k = 2 * math.pi * np.fft.fftfreq(n_grid, x[1] - x[0])
    amp = np.sqrt((1 + 0.5 * np.cos(x)) / TWO_PI)
    eps_values = np.asarray(eps_values, dtype=float)
    uq, wig, disp = {}, {}, {}
    err = np.empty((eps_values.size, times.size))
    for i, eps in enumerate(eps_values):
        phase_s = amplitude * np.cos(x)  # S(x) with S' = u0 = -amplitude sin x
        psi0 = amp * np.exp(1j * phase_s / eps)
        ps.check_grid(x, eps)
        hat = np.fft.fft(psi0)
        rows, frames = [], []
        for it, t in enumerate(times):
            psi = np.fft.ifft(hat * np.exp(-0.5j * t * eps * k**2))
            dpsi = np.fft.ifft(1j * k * hat * np.exp(-0.5j * t * eps * k**2))
            u = eps * np.imag(dpsi / psi)
            rows.append(u)
            err[i, it] = float(np.max(np.abs(u[sel] - uc[it, sel])))
            if it == times.size - 1 or display_v is not None:
                xi, w = ps.wigner(psi, x, eps, check=False, periodic=True)
                if it == times.size - 1:
                    wig[float(eps)] = (xi, w)
                if display_v is not None:
                    q = ps.husimi_from_wigner(w, x, xi, eps)
                    frames.append(
                        tuple(
                            ps.resample_phase_space(a, x, xi, x[::2], display_v, period=TWO_PI)
                            for a in (w, q)
                        )
                    )
        uq[float(eps)] = np.array(rows)
        disp[float(eps)] = frames
    return WKBStudy(eps_values, times, x, uc, uq, err, wig, t_caustic, display_v, disp)


# ------------------------------------------------------------------------------------------
# the law-of-large-numbers step of the proof of Theorem 3.5, evaluated on a Vlasov density
# ------------------------------------------------------------------------------------------
def force_variance(rho, interaction, length: float = TWO_PI) -> tuple[float, float]:
    r"""The two integrals behind Step 5 of the proof of Theorem 3.5 (seed 002 §3.3; lecture 3
    §5) for a position density :math:`\rho` sampled on the uniform periodic grid
    :math:`x_j = jL/n`:

    .. math::

        \sigma^2 = \iint\big|V'(x-y) - F(x)\big|^2\rho(x)\rho(y)\,dx\,dy,\qquad
        m_2 = \int|F(x)|^2\rho(x)\,dx,\qquad F = V'\star\rho .

    With i.i.d. positions of law :math:`\rho`, the proof's integral is exactly
    :math:`\frac1N\sum_j\mathbb E|B_j|^2 = ((N-1)\sigma^2 + m_2)/N^2`, which the seed bounds by
    :math:`4\|\nabla V\|_\infty^2/N`. Direct :math:`O(n^2)` sums (the trapezoidal rule,
    spectrally accurate for smooth periodic :math:`\rho`); ``n`` at most 4096.
    """
    rho = np.asarray(rho, dtype=float)
    if rho.ndim != 1 or rho.size < 4 or not np.all(np.isfinite(rho)) or rho.min() < 0:
        raise ValueError("rho must be a finite nonnegative 1-D array of at least 4 grid values")
    if rho.size > 4096:
        raise ValueError(f"rho has {rho.size} points; at most 4096 (an n x n matrix is formed)")
    n = rho.size
    dx = length / n
    mass = rho.sum() * dx
    if not abs(mass - 1) < 1e-6:
        raise ValueError(f"rho must be a probability density (integral 1), got {mass:.8f}")
    x = dx * np.arange(n)
    dv = interaction.dV(x[:, None] - x[None, :])  # V'(x_i - y_j)
    w = rho * dx
    f = dv @ w  # F(x_i)
    sigma2 = float(w @ ((dv - f[:, None]) ** 2 @ w))
    return sigma2, float(w @ f**2)
