"""Wrong variants of exercise 11 (what a student might plausibly write)."""

_EQUAL = """def w_p_equal_sizes(x, y, p=1.0):
    x = np.sort(np.asarray(x, dtype=float))
    y = np.sort(np.asarray(y, dtype=float))
    {body}
"""

VARIANTS = {
    "delegates to the library": {
        "cell": 0,
        "source": """def w_p_equal_sizes(x, y, p=1.0):
    from mfcourse.transport import wasserstein_1d

    return wasserstein_1d(x, y, p=p)
""",
    },
    "W1 for every p": {
        "cell": 0,
        "source": _EQUAL.format(body="return float(np.mean(np.abs(x - y)))"),
    },
    "W_p^p instead of W_p": {
        "cell": 0,
        "source": _EQUAL.format(body="return float(np.mean(np.abs(x - y) ** p))"),
    },
    "unsorted samples paired by index": {
        "cell": 0,
        "source": """def w_p_equal_sizes(x, y, p=1.0):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.mean(np.abs(x - y) ** p) ** (1.0 / p))
""",
    },
    "different sizes: scipy for every p": {
        "cell": 1,
        "source": """def w_p(x, y, p=1.0):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 1 or y.ndim != 1 or x.size == 0 or y.size == 0 or not p >= 1:
        raise ValueError("bad input")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("not finite")
    return float(wasserstein_distance(x, y))
""",
    },
    "different sizes: quantiles on a common grid of n*m points, off by one": {
        "cell": 1,
        "source": """def w_p(x, y, p=1.0):
    x, y = np.sort(np.asarray(x, dtype=float)), np.sort(np.asarray(y, dtype=float))
    if x.ndim != 1 or y.ndim != 1 or x.size == 0 or y.size == 0 or not p >= 1:
        raise ValueError("bad input")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("not finite")
    n, m = x.size, y.size
    u = np.arange(n * m) / (n * m)  # left ends: the first cell reads x[0] and y[0] correctly,
    ix = np.minimum((u * n).astype(int) + 1, n - 1)  # ... but every index is shifted by one
    iy = np.minimum((u * m).astype(int) + 1, m - 1)
    return float(np.mean(np.abs(x[ix] - y[iy]) ** p) ** (1.0 / p))
""",
    },
}
