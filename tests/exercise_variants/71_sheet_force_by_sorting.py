"""Wrong variants of exercise 71 (what a student might plausibly write)."""

_HEAD = """def sheet_force(x, length=2 * np.pi, background=1.0):
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 1 or not np.all(np.isfinite(x)):
        raise ValueError("bad x")
    if not (length > 0 and background > 0):
        raise ValueError("bad length or background")
    n = x.size
    q = background * length / n
    y = np.mod(x, length)
    ys = np.sort(y)
    below = np.searchsorted(ys, y, side="left")
    same = np.searchsorted(ys, y, side="right") - below - 1
    rank = below + 0.5 * same
"""

VARIANTS = {
    "delegates to the library": {
        "cell": 0,
        "source": (
            "def sheet_force(x, length=2 * np.pi, background=1.0):\n"
            "    from mfcourse.classical.sheets import sheet_field\n"
            "    return sheet_field(x, length, background)\n"
        ),
    },
    "self-force included (rank + 1 instead of rank + 1/2)": {
        "cell": 0,
        "source": _HEAD
        + "    return q * (rank + 1) - background * (y - y.mean()) - 0.5 * background * length\n",
    },
    "forgets the mean-zero constant (no centre of mass)": {
        "cell": 0,
        "source": _HEAD + "    return q * (rank + 0.5) - background * y\n",
    },
    "forgets the background": {
        "cell": 0,
        "source": _HEAD + "    return q * (rank + 0.5) - 0.5 * background * length\n",
    },
    "ties not averaged (argsort ranks)": {
        "cell": 0,
        "source": _HEAD.replace(
            "    rank = below + 0.5 * same\n",
            "    rank = np.argsort(np.argsort(y)).astype(float)\n",
        )
        + "    return q * (rank + 0.5) - background * (y - y.mean()) - 0.5 * background * length\n",
    },
    "O(N^2) pair sum": {
        "cell": 0,
        "source": (
            "def sheet_force(x, length=2 * np.pi, background=1.0):\n"
            "    x = np.asarray(x, dtype=float)\n"
            "    if x.ndim != 1 or x.size < 1 or not np.all(np.isfinite(x)):\n"
            "        raise ValueError('bad x')\n"
            "    if not (length > 0 and background > 0):\n"
            "        raise ValueError('bad length or background')\n"
            "    n = x.size\n"
            "    out = np.empty(n)\n"
            "    for i in range(n):\n"
            "        d = x[i] - x\n"
            "        d -= length * np.round(d / length)\n"
            "        out[i] = (background * length / n) * np.sum(0.5 * np.sign(d) - d / length)\n"
            "    return out\n"
        ),
    },
}
