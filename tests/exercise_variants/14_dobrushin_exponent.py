"""Wrong variants of exercise 14 (what a student might plausibly write)."""

_RATE = """def dobrushin_rate(interaction):
    kmax = max(k for k, _ in interaction.items())
    x = np.linspace(0.0, 2 * np.pi, 100_000 * kmax, endpoint=False)
    d = np.zeros_like(x)
    for k, vk in interaction.items():
        {term}
    L = float(np.max(np.abs(d)))
    return {result}
"""
_W1 = """def w1_empirical(x, v, y, w):
    from scipy.optimize import linear_sum_assignment

    {cost}
    rows, cols = linear_sum_assignment(C)
    return float(C[rows, cols].mean())
"""

VARIANTS = {
    "delegates to the library (lip_grad)": {
        "cell": 0,
        "source": """def dobrushin_rate(interaction):
    L = interaction.lip_grad
    return max(1.0, L) + L
""",
    },
    "L = sup |V'| instead of sup |V''|": {
        "cell": 0,
        "source": _RATE.format(term="d -= k * vk * np.sin(k * x)", result="max(1.0, L) + L"),
    },
    "Lambda = 2 L (max(1, L) forgotten)": {
        "cell": 0,
        "source": _RATE.format(term="d -= k * k * vk * np.cos(k * x)", result="2 * L"),
    },
    "delegates to the library (transport.w1)": {
        "cell": 1,
        "source": """def w1_empirical(x, v, y, w):
    return transport.w1(np.column_stack([x, v]), np.column_stack([y, w]), periodic=(0,))
""",
    },
    "no wrap-around on the circle": {
        "cell": 1,
        "source": _W1.format(
            cost="C = np.abs(np.subtract.outer(x, y)) + np.abs(np.subtract.outer(v, w))"
        ),
    },
    "Euclidean instead of the sum of the distances": {
        "cell": 1,
        "source": _W1.format(
            cost="""r = np.mod(np.abs(np.subtract.outer(x, y)), 2 * np.pi)
    C = np.hypot(np.minimum(r, 2 * np.pi - r), np.subtract.outer(v, w))"""
        ),
    },
}
