"""Wrong variants of exercise 42 (what a student might plausibly write)."""

_FALLING = """def falling(n, k):
    out = np.ones_like(n, dtype=float)
    for r in range(k):
        out = out * (n - r)
    return out


"""
_MARGINAL = (
    _FALLING
    + """def marginal(states, p, x):
    states = np.asarray(states)
    N = int(states[0].sum())
    j = len(x)
    if j > N:
        raise ValueError(f"a {{j}}-particle marginal needs j <= N = {{N}}")
    m = np.bincount(np.asarray(x, dtype=int), minlength=states.shape[1])
    weight = np.ones(states.shape[0])
    for a, ma in enumerate(m):
        weight = weight * {weight}
    return float(np.dot(p, weight) / {norm})
"""
)
_LAW = """from scipy.special import gammaln


def multinomial_law(states, f0):
    states = np.asarray(states)
    f0 = np.asarray(f0, dtype=float)
    N = states[0].sum()
    {body}
"""

VARIANTS = {
    "delegates to the library (factorial moments)": {
        "cell": 0,
        "source": _FALLING
        + """def marginal(states, p, x):
    states = np.asarray(states)
    N, q = int(states[0].sum()), states.shape[1]
    j = len(x)
    if j > N:
        raise ValueError("j > N")
    me = chaos.MasterEquation(chaos.random_kernel(q, 0), N)
    types, values = chaos.marginal(me.factorial_moments(p, j), j)
    m = np.bincount(np.asarray(x, dtype=int), minlength=q)
    return float(values[[tuple(t) for t in types].index(tuple(m))])
""",
    },
    "N^j instead of the falling factorial (N)_j": {
        "cell": 0,
        "source": _MARGINAL.format(weight="falling(states[:, a], int(ma))", norm="float(N) ** j"),
    },
    "powers n^m instead of falling factorials": {
        "cell": 0,
        "source": _MARGINAL.format(
            weight="states[:, a].astype(float) ** int(ma)", norm="falling(np.array(N), j)"
        ),
    },
    "no check j <= N": {
        "cell": 0,
        "source": _MARGINAL.format(
            weight="falling(states[:, a], int(ma))", norm="falling(np.array(N), j)"
        ).replace('raise ValueError(f"a {j}-particle marginal needs j <= N = {N}")', "pass"),
    },
    "multinomial coefficient forgotten": {
        "cell": 1,
        "source": _LAW.format(
            body="""with np.errstate(divide="ignore", invalid="ignore"):
        p = np.prod(np.where(states > 0, f0[None, :] ** states, 1.0), axis=1)
    return p"""
        ),
    },
    "delegates to the library (MasterEquation.iid)": {
        "cell": 1,
        "source": _LAW.format(
            body="""return chaos.MasterEquation(chaos.random_kernel(len(f0), 0), int(N)).iid(f0)"""
        ),
    },
}
