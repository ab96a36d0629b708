"""Wrong variants of exercise 61 (what a student might plausibly write)."""

VARIANTS = {
    # (a) forgets the shift of the velocity grid: uses e^{-i j dv xi} instead of e^{-i v_j xi}
    "velocity grid not shifted": {
        "cell": 0,
        "source": (
            "def velocity_ft(alpha, v, xi):\n"
            "    v = np.asarray(v, dtype=float)\n"
            "    dv = v[1] - v[0]\n"
            "    E = np.exp(-1j * np.outer(v - v[0], xi))\n"
            "    return np.asarray(alpha, dtype=complex) @ E * dv / np.sqrt(2 * np.pi)\n"
        ),
    },
    # (a) sign convention of the transform reversed: e^{+iv xi}
    "wrong sign of the exponent": {
        "cell": 0,
        "source": (
            "def velocity_ft(alpha, v, xi):\n"
            "    v = np.asarray(v, dtype=float)\n"
            "    dv = v[1] - v[0]\n"
            "    E = np.exp(1j * np.outer(v, xi))\n"
            "    return np.asarray(alpha, dtype=complex) @ E * dv / np.sqrt(2 * np.pi)\n"
        ),
    },
    # (a) drops the 1/sqrt(2 pi) normalisation: not unitary
    "missing normalisation": {
        "cell": 0,
        "source": (
            "def velocity_ft(alpha, v, xi):\n"
            "    v = np.asarray(v, dtype=float)\n"
            "    dv = v[1] - v[0]\n"
            "    return np.asarray(alpha, dtype=complex) @ np.exp(-1j * np.outer(v, xi)) * dv\n"
        ),
    },
    # (a) calls the library
    "delegates to the library": {
        "cell": 0,
        "source": (
            "def velocity_ft(alpha, v, xi):\n"
            "    from mfcourse.classical.vlasov import PhaseGrid\n"
            "    a = np.asarray(alpha)\n"
            "    g = PhaseGrid(a.shape[0], a.shape[1], float(-v[0]))\n"
            "    return hv.velocity_fourier(a, g)\n"
        ),
    },
    # (b) forgets the current term Gamma' * J (the phase term of HVl)
    "no current term": {
        "cell": 1,
        "source": (
            "def hht_potential(alpha_hat, x, xi, dGamma):\n"
            "    w = np.abs(np.asarray(alpha_hat)) ** 2\n"
            "    rho = w.sum(axis=1) * (xi[1] - xi[0])\n"
            "    g_rho = dGamma(x[:, None] - x[None, :]) @ rho * (x[1] - x[0])\n"
            "    return -g_rho[:, None] * xi[None, :]\n"
        ),
    },
    # (b) sign of the force term reversed (a classic slip: -Gamma' xi vs +Gamma' xi)
    "wrong sign of the force term": {
        "cell": 1,
        "source": (
            "def hht_potential(alpha_hat, x, xi, dGamma):\n"
            "    w = np.abs(np.asarray(alpha_hat)) ** 2\n"
            "    dxi, dx = xi[1] - xi[0], x[1] - x[0]\n"
            "    rho = w.sum(axis=1) * dxi\n"
            "    J = (w * xi[None, :]).sum(axis=1) * dxi\n"
            "    K = dGamma(x[:, None] - x[None, :])\n"
            "    return (K @ rho * dx)[:, None] * xi[None, :] + (K @ J * dx)[:, None]\n"
        ),
    },
    # (b) calls the library
    "delegates to the library (potential)": {
        "cell": 1,
        "source": (
            "def hht_potential(alpha_hat, x, xi, dGamma):\n"
            "    H, root, grid, dt = lecture6.setup(nx=len(x), nv=len(xi))\n"
            "    return hv.HamiltonianHartreeSolver(grid, H, dt).potential(alpha_hat)\n"
        ),
    },
}
