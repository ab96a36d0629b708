"""Wrong variants of exercise 22 (what a student might plausibly write)."""

_STEP = """def my_strang_step(psi, x, tau, V, hbar=1.0):
    M = x.size
    dx = x[1] - x[0]
    k = 2 * np.pi * np.fft.fftfreq(M, d=dx)

    def pot(p):
        if V is None:
            return np.zeros(M)
        return V.potential_on_grid(np.abs(p) ** 2)

    {body}
"""
_EVOLVE = """def evolve(psi0, x, t, n_steps, V, hbar=1.0):
    psi = np.asarray(psi0, dtype=complex)
    for _ in range({steps}):
        psi = my_strang_step(psi, x, t / n_steps, V, hbar)
    return psi
"""

VARIANTS = {
    "delegates to the library (strang_step)": {
        "cell": 0,
        "source": """def my_strang_step(psi, x, tau, V, hbar=1.0):
    return strang_step(psi, PeriodicGrid(x.size, x.size * (x[1] - x[0])), tau, V, hbar)
""",
    },
    "Lie splitting (potential, then kinetic: first order)": {
        "cell": 0,
        "source": _STEP.format(
            body="""psi = np.exp(-1j * tau * pot(psi) / hbar) * psi
    return np.fft.ifft(np.exp(-0.5j * tau * hbar * k**2) * np.fft.fft(psi))"""
        ),
    },
    "kinetic phase without the 1/2 of -Laplacian/2": {
        "cell": 0,
        "source": _STEP.format(
            body="""psi = np.exp(-0.5j * tau * pot(psi) / hbar) * psi
    psi = np.fft.ifft(np.exp(-1j * tau * hbar * k**2) * np.fft.fft(psi))
    return np.exp(-0.5j * tau * pot(psi) / hbar) * psi"""
        ),
    },
    "second half-step with the old density": {
        "cell": 0,
        "source": _STEP.format(
            body="""u = pot(psi)
    psi = np.exp(-0.5j * tau * u / hbar) * psi
    psi = np.fft.ifft(np.exp(-0.5j * tau * hbar * k**2) * np.fft.fft(psi))
    return np.exp(-0.5j * tau * u / hbar) * psi"""
        ),
    },
    "one step too few": {"cell": 1, "source": _EVOLVE.format(steps="n_steps - 1")},
    "delegates to the library (evolve_grid)": {
        "cell": 1,
        "source": """def evolve(psi0, x, t, n_steps, V, hbar=1.0):
    grid = PeriodicGrid(x.size, x.size * (x[1] - x[0]))
    return evolve_grid(psi0, grid, t, n_steps, interaction=V, hbar=hbar).psi[-1]
""",
    },
}
