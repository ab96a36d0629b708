"""Wrong variants of exercise 52 (what a student might plausibly write)."""

VARIANTS = {
    "forgets the 1/N": {
        "cell": 0,
        "source": """def exchange_apply(phi_orbitals, weights, x, coeffs, N, f):
    phi = np.asarray(phi_orbitals, dtype=complex)
    lam = np.asarray(weights, dtype=float)
    f = np.asarray(f, dtype=complex)
    dx = x[1] - x[0]
    out = np.zeros_like(f)
    for k, v in coeffs.items():
        for a in (np.exp(1j * k * x), np.exp(-1j * k * x)):
            g = phi.conj().T @ (a.conj()[:, None] * f) * dx
            out += v / 2 * a[:, None] * (phi @ (lam[:, None] * g))
    return out
""",
    },
    "keeps only the e^{ikx} half of the cosine": {
        "cell": 0,
        "source": """def exchange_apply(phi_orbitals, weights, x, coeffs, N, f):
    phi = np.asarray(phi_orbitals, dtype=complex)
    lam = np.asarray(weights, dtype=float)
    f = np.asarray(f, dtype=complex)
    dx = x[1] - x[0]
    out = np.zeros_like(f)
    for k, v in coeffs.items():
        a = np.exp(1j * k * x)
        g = phi.conj().T @ (a.conj()[:, None] * f) * dx
        out += v / N * a[:, None] * (phi @ (lam[:, None] * g))
    return out
""",
    },
    "ignores the occupation weights": {
        "cell": 0,
        "source": """def exchange_apply(phi_orbitals, weights, x, coeffs, N, f):
    phi = np.asarray(phi_orbitals, dtype=complex)
    f = np.asarray(f, dtype=complex)
    dx = x[1] - x[0]
    out = np.zeros_like(f)
    for k, v in coeffs.items():
        for a in (np.exp(1j * k * x), np.exp(-1j * k * x)):
            g = phi.conj().T @ (a.conj()[:, None] * f) * dx
            out += v / (2 * N) * a[:, None] * (phi @ g)
    return out
""",
    },
    "delegates to the library": {
        "cell": 0,
        "source": """def exchange_apply(phi_orbitals, weights, x, coeffs, N, f):
    from mfcourse.interaction import PairInteraction
    from mfcourse.quantum.hartree_fock import HartreeFockGrid
    from mfcourse.quantum.vonneumann import MixedState

    g = HartreeFockGrid(x, N, interaction=PairInteraction(coeffs))
    lam = np.asarray(weights, float)
    st = MixedState(x[1] - x[0], weights=lam, orbitals=np.asarray(phi_orbitals, complex))
    return g.apply_exchange(st, f)
""",
    },
    "Frobenius norm instead of trace norm": {
        "cell": 1,
        "source": """def shift_commutator_trace_norm(omega):
    omega = np.asarray(omega)
    S = np.eye(omega.shape[0], k=-1)
    return float(np.linalg.norm(S @ omega - omega @ S))
""",
    },
    "delegates the commutator to the library": {
        "cell": 1,
        "source": """def shift_commutator_trace_norm(omega):
    from mfcourse.quantum.fermions import trace_norm

    omega = np.asarray(omega)
    S = np.eye(omega.shape[0], k=-1)
    return trace_norm(S @ omega - omega @ S)
""",
    },
}
