"""Wrong variants of exercise 51 (what a student might plausibly write)."""

VARIANTS = {
    "transpose instead of adjoint": {
        "cell": 0,
        "source": """def slater_omega(phi, dx):
    phi = np.asarray(phi, dtype=complex)
    return phi @ phi.T
""",
    },
    "no orthonormality check": {
        "cell": 0,
        "source": """def slater_omega(phi, dx):
    phi = np.asarray(phi, dtype=complex)
    return phi @ phi.conj().T
""",
    },
    "delegates to the library": {
        "cell": 0,
        "source": """def slater_omega(phi, dx):
    from mfcourse.quantum.fermions import slater_density_matrix

    return slater_density_matrix(phi, dx)
""",
    },
    "forgets the factor eps (unscaled Wigner function)": {
        "cell": 1,
        "source": """def wigner_n_at(omega, x, N, v):
    omega = np.asarray(omega)
    x = np.asarray(x, dtype=float)
    v = np.asarray(v, dtype=float)
    n, dx, eps = x.size, x[1] - x[0], 1.0 / N
    out = np.zeros((n, v.size))
    for j in range(n):
        mmax = min(j, n - 1 - j)
        m = np.arange(-mmax, mmax + 1)
        ph = np.exp(-2j * np.outer(v, m) * dx / eps)
        out[j] = np.real(ph @ omega[j + m, j - m]) * dx / math.pi
    return out / eps
""",
    },
    "phase without the factor 2 (separation m dx instead of 2 m dx)": {
        "cell": 1,
        "source": """def wigner_n_at(omega, x, N, v):
    omega = np.asarray(omega)
    x = np.asarray(x, dtype=float)
    v = np.asarray(v, dtype=float)
    n, dx, eps = x.size, x[1] - x[0], 1.0 / N
    out = np.zeros((n, v.size))
    for j in range(n):
        mmax = min(j, n - 1 - j)
        m = np.arange(-mmax, mmax + 1)
        ph = np.exp(-1j * np.outer(v, m) * dx / eps)
        out[j] = np.real(ph @ omega[j + m, j - m]) * dx / math.pi
    return out
""",
    },
    "delegates the Wigner transform to the library": {
        "cell": 1,
        "source": """def wigner_n_at(omega, x, N, v):
    from scipy.interpolate import interp1d

    from mfcourse.quantum.fermions import wigner_n

    xi, w = wigner_n(omega, x, N, check=False)
    return interp1d(xi, w, axis=1)(v)
""",
    },
}
