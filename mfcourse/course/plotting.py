r"""The course's common look for figures.

Every lecture draws with these helpers so that figures read the same way across the course:
a colour-blind-safe palette (Okabe–Ito), one set of sizes, axes labelled with the variables
*and the scaling in use* (mean-field :math:`1/N`, semiclassical :math:`\varepsilon`), and one
way of drawing a measured rate against a theorem's rate on log–log axes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Okabe & Ito (2008) colour-blind-safe palette, in the order the course uses it.
PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
#: Roles used throughout the course: what is *measured* is blue, what a *theorem* bounds is
#: vermillion, a *reference* (exact solution, published value) is black, particles are orange.
ROLE: dict[str, str] = {
    "measured": PALETTE["blue"],
    "bound": PALETTE["vermillion"],
    "reference": PALETTE["black"],
    "particles": PALETTE["orange"],
    "mean_field": PALETTE["green"],
    "quantum": PALETTE["purple"],
}
#: Sequential colour map for densities (perceptually uniform, colour-blind safe).
DENSITY_CMAP = "viridis"
#: Diverging colour map for signed quantities (Wigner functions, errors).
SIGNED_CMAP = "RdBu_r"

#: Width of one panel, in inches; heights follow the golden ratio unless given.
PANEL_WIDTH = 4.2

#: Axis-label snippets naming the scaling in use, so every figure says which limit it shows.
SCALING_LABEL = {
    "mean-field": r"mean-field scaling ($1/N$)",
    "semiclassical": r"semiclassical scaling: $\hbar=\varepsilon$",
    "joint": r"joint scaling: $1/N + \varepsilon \to 0$",
    "kac": r"Kac scaling: $O(1)$ collisions per particle per unit time",
}


def style() -> dict:
    """Matplotlib rc parameters of the course (apply with :func:`use_style`)."""
    from cycler import cycler

    return {
        "axes.prop_cycle": cycler(color=list(PALETTE.values())[:7]),
        "figure.dpi": 90,
        "savefig.dpi": 120,
        "font.size": 10,
        "axes.titlesize": 10,
        "axes.labelsize": 10,
        "legend.fontsize": 8.5,
        "axes.grid": True,
        "grid.alpha": 0.25,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "image.cmap": DENSITY_CMAP,
        "figure.constrained_layout.use": True,
    }


def use_style() -> None:
    """Apply the course's rc parameters to matplotlib (idempotent)."""
    import matplotlib as mpl

    mpl.rcParams.update(style())


def figure(ncols: int = 1, nrows: int = 1, height: float | None = None, **kwargs):
    """A figure of ``nrows × ncols`` panels in the course's sizes; returns ``(fig, axes)``."""
    import matplotlib.pyplot as plt

    use_style()
    width = PANEL_WIDTH * ncols
    h = (PANEL_WIDTH / 1.618 if height is None else height) * nrows
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, h), squeeze=False, **kwargs)
    axes = axes.ravel()
    return fig, (axes[0] if axes.size == 1 else axes)


def freeze_layout(fig) -> None:
    """Compute the figure's layout once and keep it: later redraws (widget scrubbing) skip the
    constrained-layout solve, which is most of a redraw's cost for a figure of fixed content."""
    fig.canvas.draw()
    fig.set_layout_engine("none")


def label_scaling(ax, scaling: str, loc: str = "lower right") -> None:
    """Write which scaling a panel is in, in small print inside the axes.

    ``scaling`` is a key of :data:`SCALING_LABEL` or any string.
    """
    text = SCALING_LABEL.get(scaling, scaling)
    x, ha = (0.98, "right") if "right" in loc else (0.02, "left")
    y, va = (0.03, "bottom") if "lower" in loc else (0.97, "top")
    ax.text(x, y, text, transform=ax.transAxes, ha=ha, va=va, fontsize=7.5, alpha=0.75)


def phase_space_axes(
    ax,
    x_label: str = r"position $x \in \mathbb{T}$",
    v_label: str = r"velocity $\xi$",
    torus: bool = True,
) -> None:
    """Label a phase-space panel; on the torus, x runs over [0, 2π) with ticks at multiples of π/2
    (the library's convention: positions are returned in [0, 2π))."""
    ax.set_xlabel(x_label)
    ax.set_ylabel(v_label)
    if torus:
        ax.set_xlim(0, 2 * np.pi)
        ax.set_xticks([0, np.pi / 2, np.pi, 3 * np.pi / 2, 2 * np.pi])
        ax.set_xticklabels(["0", r"$\pi/2$", r"$\pi$", r"$3\pi/2$", r"$2\pi$"])


def fit_power_law(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    r"""Least-squares fit of :math:`y = C x^{p}` on log–log axes; returns ``(p, C)``.

    Raises ``ValueError`` if fewer than two points are given or any value is not positive.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.size < 2:
        raise ValueError(f"need two arrays of equal length >= 2, got shapes {x.shape}, {y.shape}")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("a power law is fitted on log-log axes: all x and y must be > 0")
    p, logc = np.polyfit(np.log(x), np.log(y), 1)
    return float(p), float(np.exp(logc))


def loglog_rate(
    ax,
    x,
    y,
    *,
    label: str,
    theory: float | None = None,
    theory_label: str | None = None,
    color: str | None = None,
    marker: str = "o",
):
    """Plot measured ``y`` against ``x`` on log–log axes with its fitted slope.

    If ``theory`` (an exponent) is given, a dashed guide line of that slope is drawn through the
    first point, labelled ``theory_label``. Returns the fitted exponent.
    """
    p, c = fit_power_law(x, y)
    x = np.asarray(x, dtype=float)
    color = color or ROLE["measured"]
    ax.loglog(x, y, marker, color=color, label=f"{label} (fitted slope {p:+.2f})")
    xs = np.geomspace(x.min(), x.max(), 50)
    ax.loglog(xs, c * xs**p, "-", color=color, alpha=0.5, lw=1)
    if theory is not None:
        y0 = np.asarray(y, dtype=float)[np.argmin(x)]
        ax.loglog(
            xs,
            y0 * (xs / x.min()) ** theory,
            "--",
            color=ROLE["reference"],
            lw=1,
            label=theory_label or f"slope {theory:+g}",
        )
    ax.legend()
    return p
