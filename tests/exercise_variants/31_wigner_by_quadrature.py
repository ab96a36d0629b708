"""Wrong variants of exercise 31 (what a student might plausibly write)."""

_W = """def wigner_direct(psi, x, eps, xi):
    psi = np.asarray(psi, dtype=complex)
    x = np.asarray(x, dtype=float)
    xi = np.asarray(xi, dtype=float)
    n, dx = x.size, x[1] - x[0]
    out = np.zeros((n, xi.size))
    for j in range(n):
        mmax = min(j, n - 1 - j)
        m = np.arange(-mmax, mmax + 1)
        prod = psi[j + m] * np.conj(psi[j - m])
        y = {y}
        out[j] = np.real(np.exp({sign}1j * np.outer(xi, y)) @ prod) * {factor}
    return out
"""
_HO = """def ho_state(x, n, eps):
    u = {u}
    c = {c}
    return c * eval_hermite(n, u) * np.exp(-(u**2) / 2)
"""

VARIANTS = {
    "delegates to the library (interpolates ps.wigner)": {
        "cell": 0,
        "source": """def wigner_direct(psi, x, eps, xi):
    xi_lib, W = ps.wigner(psi, x, eps)
    return np.array([np.interp(xi, xi_lib, row) for row in W])
""",
    },
    "y = m dx / eps (the factor 2 of x +- y/2 lost)": {
        "cell": 0,
        "source": _W.format(y="m * dx / eps", sign="-", factor="(dx / eps) / (2 * math.pi)"),
    },
    "without the 1/(2 pi) of the Fourier transform": {
        "cell": 0,
        "source": _W.format(y="2 * m * dx / eps", sign="-", factor="(2 * dx / eps)"),
    },
    "sign of the Fourier exponent flipped": {
        "cell": 0,
        "source": _W.format(
            y="2 * m * dx / eps", sign="+", factor="(2 * dx / eps) / (2 * math.pi)"
        ),
    },
    "ho_state without the sqrt(eps) scaling": {
        "cell": 1,
        "source": _HO.format(
            u="np.asarray(x, dtype=float)",
            c="math.pi**-0.25 / math.sqrt(2.0**n * math.factorial(n))",
        ),
    },
    "ho_state without 1/sqrt(2^n n!)": {
        "cell": 1,
        "source": _HO.format(
            u="np.asarray(x, dtype=float) / math.sqrt(eps)", c="(math.pi * eps) ** -0.25"
        ),
    },
}
