"""Wrong variants of exercise 13 (what a student might plausibly write)."""

_RESIDUAL = """def residual(x0, v0, interaction, dt, t_final=2.0, bracket_interaction=None):
    n = int(round(t_final / dt))
    times = dt * np.arange(n + 1)
    traj = nw.simulate(x0, v0, interaction, times, dt, wrap=False)
    p = np.array([np.mean(phi(traj.x[i], traj.v[i])) for i in range(n + 1)])
    W = bracket_interaction if bracket_interaction is not None else interaction
    {body}
"""

VARIANTS = {
    "delegates to the library (its force)": {
        "cell": 0,
        "source": """def bracket(x, v, interaction, dphi_dx, dphi_dv):
    x, v = np.asarray(x, dtype=float), np.asarray(v, dtype=float)
    return float(np.mean(v * dphi_dx(x, v) + interaction.force(x) * dphi_dv(x, v)))
""",
    },
    "sign of the force term flipped": {
        "cell": 0,
        "source": """def bracket(x, v, interaction, dphi_dx, dphi_dv):
    x, v = np.asarray(x, dtype=float), np.asarray(v, dtype=float)
    grad = np.mean(interaction.dV(x[:, None] - x[None, :]), axis=1)
    return float(np.mean(v * dphi_dx(x, v) + grad * dphi_dv(x, v)))
""",
    },
    "sum over pairs without 1/N": {
        "cell": 0,
        "source": """def bracket(x, v, interaction, dphi_dx, dphi_dv):
    x, v = np.asarray(x, dtype=float), np.asarray(v, dtype=float)
    grad = np.sum(interaction.dV(x[:, None] - x[None, :]), axis=1)
    return float(np.mean(v * dphi_dx(x, v) - grad * dphi_dv(x, v)))
""",
    },
    "forward difference (first order)": {
        "cell": 1,
        "source": _RESIDUAL.format(
            body="""deriv = (p[2:] - p[1:-1]) / dt
    b = np.array([bracket(traj.x[i], traj.v[i], W, phi_x, phi_v) for i in range(1, n)])
    return float(np.max(np.abs(deriv - b)) / np.max(np.abs(b)))"""
        ),
    },
    "delegates to the library (klimontovich_residual)": {
        "cell": 1,
        "source": """def residual(x0, v0, interaction, dt, t_final=2.0, bracket_interaction=None):
    n = int(round(t_final / dt))
    traj = nw.simulate(x0, v0, interaction, dt * np.arange(n + 1), dt, wrap=False)
    return float(np.max(nw.klimontovich_residual(traj, phi, phi_x, phi_v)))
""",
    },
}
