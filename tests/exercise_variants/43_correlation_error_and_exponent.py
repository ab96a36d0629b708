"""Wrong variants of exercise 43 (what a student might plausibly write)."""

_E2 = """def E2(f1, f2, f):
    f1, f2, f = (np.asarray(a, dtype=float) for a in (f1, f2, f))
    return {body}
"""
_FIT = """def power_law_exponent(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape or x.size < 2:
        raise ValueError("need two arrays of equal length >= 2")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("all values must be > 0")
    {body}
"""

VARIANTS = {
    "delegates to the library (correlation_error)": {
        "cell": 0,
        "source": """def E2(f1, f2, f):
    # the library's inclusion-exclusion, at the data of the test
    ex = experiment(60)
    types, values = chaos.correlation_error(ex.tables[-1], ex.f[-1], 2)
    e = np.zeros((3, 3))
    for m, val in zip(types, values, strict=True):
        x, y = [a for a, k in enumerate(m) for _ in range(k)]
        e[x, y] = e[y, x] = val
    return e
""",
    },
    "the + f (x) f term forgotten": {
        "cell": 0,
        "source": _E2.format(body="f2 - np.outer(f1, f) - np.outer(f, f1)"),
    },
    "f_1^N (x) f_1^N in place of f (x) f": {
        "cell": 0,
        "source": _E2.format(body="f2 - np.outer(f1, f1)"),
    },
    "slope without centring": {
        "cell": 1,
        "source": _FIT.format(
            body="lx, ly = np.log(x), np.log(y)\n    return float(np.dot(lx, ly) / np.dot(lx, lx))"
        ),
    },
    "log y against x": {
        "cell": 1,
        "source": _FIT.format(body="return float(np.polyfit(x, np.log(y), 1)[0])"),
    },
    "delegates to the library (fit_power_law)": {
        "cell": 1,
        "source": _FIT.format(body="return float(fit_power_law(x, y)[0])"),
    },
}
