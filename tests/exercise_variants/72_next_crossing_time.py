"""Wrong variants of exercise 72 (what a student might plausibly write)."""

_CHECKS = """def next_crossing(g0, dg0, h, omega=1.0):
    for val in (g0, dg0, h, omega):
        if not math.isfinite(val):
            raise ValueError("not finite")
    if g0 < 0 or h <= 0 or omega <= 0:
        raise ValueError("bad input")
    if g0 == 0 and dg0 < 0:
        return 0.0
    a, b = g0 - h, dg0 / omega
    R = math.hypot(a, b)
    if R <= h:
        return math.inf
"""

VARIANTS = {
    "delegates to the library": {
        "cell": 0,
        "source": (
            "def next_crossing(g0, dg0, h, omega=1.0):\n"
            "    from mfcourse.classical.sheets import _next_time\n"
            "    if g0 < 0 or h <= 0 or omega <= 0 or not math.isfinite(dg0):\n"
            "        raise ValueError('bad input')\n"
            "    return _next_time(g0 - h, dg0 / omega, h, omega, 0.0)\n"
        ),
    },
    "takes the upward root (phi - alpha)": {
        "cell": 0,
        "source": _CHECKS
        + "    t = (math.atan2(b, a) - math.acos(-h / R)) % (2 * math.pi)\n    return t / omega\n",
    },
    "time of the closest approach instead of the contact": {
        "cell": 0,
        "source": _CHECKS + "    return ((math.atan2(b, a) + math.pi) % (2 * math.pi)) / omega\n",
    },
    "forgets to divide by omega": {
        "cell": 0,
        "source": _CHECKS + "    return (math.atan2(b, a) + math.acos(-h / R)) % (2 * math.pi)\n",
    },
    "uses arccos(h / R) (sign of the cosine)": {
        "cell": 0,
        "source": _CHECKS
        + "    return ((math.atan2(b, a) + math.acos(h / R)) % (2 * math.pi)) / omega\n",
    },
    "returns 0 instead of inf when the gap never closes": {
        "cell": 0,
        "source": _CHECKS.replace("        return math.inf\n", "        return 0.0\n")
        + "    return ((math.atan2(b, a) + math.acos(-h / R)) % (2 * math.pi)) / omega\n",
    },
}
