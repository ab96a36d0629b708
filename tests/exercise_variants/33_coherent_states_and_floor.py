"""Wrong variants of exercise 33 (what a student might plausibly write)."""

_POINT = """def toeplitz_point_mass(q, p, x, eps):
    x = np.asarray(x, dtype=float)
    g = {g}
    return np.outer(g, g.conj())
"""
_COST = """def point_cost(psi, x, eps, q, p):
    psi = np.asarray(psi, dtype=complex)
    x = np.asarray(x, dtype=float)
    dx = x[1] - x[0]
    k = 2 * math.pi * np.fft.fftfreq(x.size, dx)
    dpsi = np.fft.ifft(1j * k * np.fft.fft(psi))
    position = np.sum((x - q) ** 2 * np.abs(psi) ** 2) * dx
    momentum = np.sum(np.abs({mom}) ** 2) * dx
    return float(position + momentum)
"""

VARIANTS = {
    "delegates to the library (toeplitz_points)": {
        "cell": 0,
        "source": """def toeplitz_point_mass(q, p, x, eps):
    return ps.toeplitz_points([q], [p], [2 * math.pi * eps], x, eps)
""",
    },
    "delegates to the library (coherent_state)": {
        "cell": 0,
        "source": _POINT.format(g="ps.coherent_state(x, q, p, eps)"),
    },
    "Gaussian of variance eps (not eps/2)": {
        "cell": 0,
        "source": _POINT.format(
            g="(2 * math.pi * eps) ** -0.25"
            " * np.exp(-((x - q) ** 2) / (4 * eps) + 1j * p * x / eps)"
        ),
    },
    "momentum phase with the wrong sign": {
        "cell": 0,
        "source": _POINT.format(
            g="(math.pi * eps) ** -0.25 * np.exp(-((x - q) ** 2) / (2 * eps) - 1j * p * x / eps)"
        ),
    },
    "not normalised": {
        "cell": 0,
        "source": _POINT.format(g="np.exp(-((x - q) ** 2) / (2 * eps) + 1j * p * x / eps)"),
    },
    "momentum operator with the wrong sign": {
        "cell": 1,
        "source": _COST.format(mom="p * psi - 1j * eps * dpsi"),
    },
    "momentum operator without eps": {"cell": 1, "source": _COST.format(mom="p * psi + 1j * dpsi")},
}
