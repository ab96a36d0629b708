"""Wrong variants of exercise 32 (what a student might plausibly write)."""

_SMOOTH = """def husimi_by_smoothing(W, x, xi, eps):
    W = np.asarray(W, dtype=float)
    dx, dxi = x[1] - x[0], xi[1] - xi[0]
    kx = 2 * math.pi * np.fft.fftfreq(len(x), dx)
    kxi = 2 * math.pi * np.fft.fftfreq(len(xi), dxi)
    mult = np.exp(-{c} * (kx[:, None] ** 2 + kxi[None, :] ** 2))
    return np.real(np.fft.ifft2(np.fft.fft2(W) * mult))
"""
_MOMENTS = """def phase_space_moments(F, x, xi):
    F = np.asarray(F, dtype=float)
    cell = (x[1] - x[0]) * (xi[1] - xi[0])
    X, XI = np.meshgrid(x, xi, indexing="ij")
    mass = {mass}
    mean = np.array([np.sum(X * F), np.sum(XI * F)]) * cell / mass
    dX, dXI = {d}
    cov = (
        np.array(
            [
                [np.sum(dX * dX * F), np.sum(dX * dXI * F)],
                [np.sum(dX * dXI * F), np.sum(dXI * dXI * F)],
            ]
        )
        * cell
        / mass
    )
    return mass, mean, cov
"""

VARIANTS = {
    "delegates to the library (husimi_from_wigner)": {
        "cell": 0,
        "source": """def husimi_by_smoothing(W, x, xi, eps):
    return ps.husimi_from_wigner(W, x, xi, eps)
""",
    },
    "Gaussian of covariance eps I (not eps/2)": {"cell": 0, "source": _SMOOTH.format(c="eps / 2")},
    "Gaussian of covariance eps/4 I (variance and standard deviation confused)": {
        "cell": 0,
        "source": _SMOOTH.format(c="eps / 8"),
    },
    "the hint with scipy's default truncate = 4": {
        "cell": 0,
        "source": """def husimi_by_smoothing(W, x, xi, eps):
    from scipy.ndimage import gaussian_filter

    s = math.sqrt(eps / 2)
    return gaussian_filter(W, sigma=(s / (x[1] - x[0]), s / (xi[1] - xi[0])), mode="wrap")
""",
    },
    "non-centred covariance": {
        "cell": 1,
        "source": _MOMENTS.format(mass="F.sum() * cell", d="X, XI"),
    },
    "hard-coded mass 1": {
        "cell": 1,
        "source": _MOMENTS.format(mass="1.0", d="X - mean[0], XI - mean[1]"),
    },
    "mass without the area of a grid cell": {
        "cell": 1,
        "source": _MOMENTS.format(mass="F.sum()", d="X - mean[0], XI - mean[1]"),
    },
}
