"""Wrong variants of exercise 41 (what a student might plausibly write).

Angles drawn from [0, pi) with the ordered pair (i, k) uniform is *not* wrong: swapping i and k
turns a rotation by theta into a rotation by -theta, so the collision law is the same as with
angles uniform on [0, 2 pi). The wrong [0, pi) variant pairs i < k (a fixed orientation).
"""

_COLLIDE = """def collide(v, i, k, theta):
    v = np.array(v, dtype=float)
    i, k = np.asarray(i, dtype=int), np.asarray(k, dtype=int)
    theta = np.asarray(theta, dtype=float)
    {check}
    for a, b, th in zip(i, k, theta, strict=True):
        va, vb = v[a], v[b]
        {rot}
    return v
"""
_CHECK = """if np.any(i == k):
        raise ValueError("a particle cannot collide with itself")"""
_ROT = """v[a] = va * np.cos(th) - vb * np.sin(th)
        v[b] = va * np.sin(th) + vb * np.cos(th)"""
_RUN = """def kac_run(v0, t, lam, rng):
    v0 = np.asarray(v0, dtype=float)
    N = v0.size
    n = rng.poisson({rate})
    {pairs}
    return collide(v0, i, k, rng.uniform(0, {top}, size=n))
"""
_UNIFORM_PAIRS = """i = rng.integers(0, N, size=n)
    k = rng.integers(0, N - 1, size=n)
    k = k + (k >= i)"""

VARIANTS = {
    "rotation by -theta": {
        "cell": 0,
        "source": _COLLIDE.format(
            check=_CHECK,
            rot="""v[a] = va * np.cos(th) + vb * np.sin(th)
        v[b] = -va * np.sin(th) + vb * np.cos(th)""",
        ),
    },
    "self-collisions not rejected": {"cell": 0, "source": _COLLIDE.format(check="pass", rot=_ROT)},
    "updates v[a] before reading it for v[b]": {
        "cell": 0,
        "source": _COLLIDE.format(
            check=_CHECK,
            rot="""v[a] = va * np.cos(th) - vb * np.sin(th)
        v[b] = v[a] * np.sin(th) + vb * np.cos(th)""",
        ),
    },
    "delegates to the library (kac.simulate)": {
        "cell": 1,
        "source": """def kac_run(v0, t, lam, rng):
    return kac.simulate(v0, [t], lam=lam, seed=int(rng.integers(2**31))).v[-1]
""",
    },
    "angles in [0, pi) with pairs i < k": {
        "cell": 1,
        "source": _RUN.format(
            rate="lam * N * t / 2",
            pairs="""a = rng.integers(0, N, size=n)
    b = rng.integers(0, N - 1, size=n)
    b = b + (b >= a)
    i, k = np.minimum(a, b), np.maximum(a, b)""",
            top="np.pi",
        ),
    },
    "Poisson clock lam N t (factor 2)": {
        "cell": 1,
        "source": _RUN.format(rate="lam * N * t", pairs=_UNIFORM_PAIRS, top="2 * np.pi"),
    },
    "pair drawn with k == i allowed (off by one)": {
        "cell": 1,
        "source": _RUN.format(
            rate="lam * N * t / 2",
            pairs="""i = rng.integers(0, N, size=n)
    k = rng.integers(0, N, size=n)""",
            top="2 * np.pi",
        ),
    },
}
