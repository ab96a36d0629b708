"""Wrong variants of exercise 21 (what a student might plausibly write)."""

_GAMMA = """def gamma1(coeffs, occupations):
    c = np.asarray(coeffs, dtype=complex)
    occ = np.asarray(occupations, dtype=int)
    D, K = occ.shape
    N = occ[0].sum()
    index = {{tuple(row): i for i, row in enumerate(occ)}}
    g = np.zeros((K, K), dtype=complex)
    for a in range(K):
        g[a, a] = np.sum(np.abs(c) ** 2 * occ[:, a]) / N
        for b in range(K):
            if a == b:
                continue
            total = 0j
            for i in range(D):
                if occ[i, a] == 0:
                    continue
                new = occ[i].copy()
                new[a] -= 1
                new[b] += 1
                j = index[tuple(new)]
                total += {term}
            g[{ab}] = total / N
    return g
"""

VARIANTS = {
    "delegates to the library (product_state)": {
        "cell": 0,
        "source": """def product_coefficients(phi, occupations):
    occ = np.asarray(occupations)
    return FockSpace(int(occ[0].sum()), occ.shape[1]).product_state(phi)
""",
    },
    "multinomial coefficient without the square root": {
        "cell": 0,
        "source": """def product_coefficients(phi, occupations):
    phi = np.asarray(phi, dtype=complex)
    occ = np.asarray(occupations, dtype=float)
    N = occ[0].sum()
    log_c = gammaln(N + 1) - gammaln(occ + 1).sum(axis=1)
    return np.exp(log_c) * np.prod(phi[None, :] ** occ, axis=1)
""",
    },
    "phases conjugated": {
        "cell": 0,
        "source": """def product_coefficients(phi, occupations):
    phi = np.asarray(phi, dtype=complex)
    occ = np.asarray(occupations, dtype=float)
    N = occ[0].sum()
    log_c = 0.5 * (gammaln(N + 1) - gammaln(occ + 1).sum(axis=1))
    with np.errstate(divide="ignore"):
        logmag = np.where(occ > 0, occ * np.log(np.abs(phi))[None, :], 0.0).sum(axis=1)
    return np.exp(log_c + logmag - 1j * (occ @ np.angle(phi)))
""",
    },
    "delegates to the library (gamma1)": {
        "cell": 1,
        "source": """def gamma1(coeffs, occupations):
    occ = np.asarray(occupations)
    return FockSpace(int(occ[0].sum()), occ.shape[1]).gamma1(coeffs)
""",
    },
    "transposed (gamma_ba for gamma_ab)": {
        "cell": 1,
        "source": _GAMMA.format(
            term="np.conj(c[j]) * c[i] * np.sqrt(occ[i, a] * (occ[i, b] + 1))", ab="b, a"
        ),
    },
    "hopping factor without the square root": {
        "cell": 1,
        "source": _GAMMA.format(
            term="np.conj(c[j]) * c[i] * occ[i, a] * (occ[i, b] + 1)", ab="a, b"
        ),
    },
}
