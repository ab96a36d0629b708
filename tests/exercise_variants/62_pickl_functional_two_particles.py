"""Wrong variants of exercise 62 (what a student might plausibly write)."""

VARIANTS = {
    # (a) flows forward instead of backward: alpha_2 = alpha0^{x2} o Phi^{+t} (wrong direction)
    "forward flow": {
        "cell": 0,
        "source": (
            "def alpha_two(root, xq, vq, interaction, t, dt):\n"
            "    G = len(xq)\n"
            "    n = int(np.ceil(t / dt - 1e-9)) if t > 0 else 0\n"
            "    h = t / n if n else dt\n"
            "    X = np.stack([np.repeat(xq, G), np.tile(xq, G)], axis=1)\n"
            "    V = np.stack([np.repeat(vq, G), np.tile(vq, G)], axis=1)\n"
            "    Y, U = hv.nbody_backward(X, -V, interaction, h, n)\n"
            "    return np.exp(root.log(Y, -U).sum(axis=1)).reshape(G, G)\n"
        ),
    },
    # (a) ignores the interaction: free backward transport of each particle
    "free transport": {
        "cell": 0,
        "source": (
            "def alpha_two(root, xq, vq, interaction, t, dt):\n"
            "    a = root(xq - vq * t, vq)\n"
            "    return np.outer(a, a)\n"
        ),
    },
    # (a) calls the library
    "delegates to the library": {
        "cell": 0,
        "source": (
            "def alpha_two(root, xq, vq, interaction, t, dt):\n"
            "    H, root_, grid, dt_ = lecture6.setup(nx=32, nv=64)\n"
            "    return hv.two_body_state(root, grid, interaction, t, dt, (4, 4))[0]\n"
        ),
    },
    # (b) forgets to normalise the reference state
    "reference not normalised": {
        "cell": 1,
        "source": (
            "def beta_two(g, r, w):\n"
            "    r = np.asarray(r, dtype=complex)\n"
            "    norm2 = np.sum(np.abs(g) ** 2) * w * w\n"
            "    p1 = np.sum(np.abs((np.conj(r) @ g) * w) ** 2) * w / norm2\n"
            "    p12 = abs(np.conj(r) @ g @ np.conj(r) * w * w) ** 2 / norm2\n"
            "    return float(1 - p1), float(p12)\n"
        ),
    },
    # (b) uses the density matrix of |alpha_2|^2 (phases lost): overlap of moduli
    "moduli instead of amplitudes": {
        "cell": 1,
        "source": (
            "def beta_two(g, r, w):\n"
            "    r = np.abs(np.asarray(r))\n"
            "    r = r / np.sqrt(np.sum(r**2) * w)\n"
            "    g = np.abs(g)\n"
            "    norm2 = np.sum(g**2) * w * w\n"
            "    p1 = np.sum(((r @ g) * w) ** 2) * w / norm2\n"
            "    p12 = (r @ g @ r * w * w) ** 2 / norm2\n"
            "    return float(1 - p1), float(p12)\n"
        ),
    },
    # (b) calls the library
    "delegates to the library (beta)": {
        "cell": 1,
        "source": (
            "def beta_two(g, r, w):\n"
            "    H, root, grid, dt = lecture6.setup(nx=32, nv=64)\n"
            "    full = np.zeros((32, 64), dtype=complex)\n"
            "    full[::4, ::4] = np.asarray(r).reshape(8, 16)\n"
            "    out = hv.pickl_exact_two(root, full, grid, H, 1.0, dt, stride=(4, 4))\n"
            "    return out['q1'][0], out['p1p2'][0]\n"
        ),
    },
}
