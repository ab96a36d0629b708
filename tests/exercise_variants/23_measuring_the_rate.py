"""Wrong variants of exercise 23 (what a student might plausibly write)."""

_REST = """

Ns = [20, 40, 80, 160, 320, 640]
errors = [mean_field_error(model, psi0, N, 2.0) for N in Ns]
"""
_ERROR = """def mean_field_error(model, psi0, N, t):
    prob = NBodyProblem.build(model, N)
    Psi = prob.evolve(prob.product_state(psi0), [t])[0]
    psi_t = evolve_modes(model, psi0, [t])[0]
    {body}
"""

VARIANTS = {
    "delegates to the library (rate_scan)": {
        "cell": 0,
        "source": """def mean_field_error(model, psi0, N, t):
    return float(rate_scan(model, psi0, [N], [0.0, t]).trace[0, -1])
""",
    },
    "Hilbert-Schmidt norm instead of the trace norm": {
        "cell": 0,
        "source": _ERROR.format(
            body="return np.linalg.norm(prob.space.gamma1(Psi) - np.outer(psi_t, psi_t.conj()))"
        ),
    },
    "projector without the complex conjugate": {
        "cell": 0,
        "source": _ERROR.format(
            body="return trace_norm(prob.space.gamma1(Psi) - np.outer(psi_t, psi_t))"
        ),
    },
    "rate with the wrong sign": {
        "cell": 1,
        "source": """def fitted_rate(Ns, errors):
    p, _ = np.polyfit(np.log(np.asarray(Ns, float)), np.log(np.asarray(errors, float)), 1)
    return float(-p)
"""
        + _REST,
    },
    "slope on log-linear axes": {
        "cell": 1,
        "source": """def fitted_rate(Ns, errors):
    p, _ = np.polyfit(np.asarray(Ns, float), np.log(np.asarray(errors, float)), 1)
    return float(p)
"""
        + _REST,
    },
    "delegates to the library (fit_power_law)": {
        "cell": 1,
        "source": """def fitted_rate(Ns, errors):
    from mfcourse.plotting import fit_power_law

    return fit_power_law(Ns, errors)[0]
"""
        + _REST,
    },
}
