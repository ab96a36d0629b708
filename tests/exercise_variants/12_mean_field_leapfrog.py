"""Wrong variants of exercise 12 (what a student might plausibly write)."""

VARIANTS = {
    "delegates to the library (force)": {
        "cell": 0,
        "source": """def hmf_force(x, kappa=1.0):
    return PairInteraction.hmf(kappa).force(np.asarray(x, dtype=float))
""",
    },
    "sign of the force flipped": {
        "cell": 0,
        "source": """def hmf_force(x, kappa=1.0):
    x = np.asarray(x, dtype=float)
    mx, my = np.mean(np.cos(x)), np.mean(np.sin(x))
    return kappa * (mx * np.sin(x) - my * np.cos(x))
""",
    },
    "sum instead of mean (no 1/N)": {
        "cell": 0,
        "source": """def hmf_force(x, kappa=1.0):
    x = np.asarray(x, dtype=float)
    mx, my = np.sum(np.cos(x)), np.sum(np.sin(x))
    return -kappa * (mx * np.sin(x) - my * np.cos(x))
""",
    },
    "delegates to the library (leapfrog)": {
        "cell": 1,
        "source": """def leapfrog(x, v, dt, n_steps, kappa=1.0):
    return nw.leapfrog(x, v, PairInteraction.hmf(kappa), dt, n_steps, backend="numpy")
""",
    },
    "symplectic Euler (first order)": {
        "cell": 1,
        "source": """def leapfrog(x, v, dt, n_steps, kappa=1.0):
    x = np.array(x, dtype=float)
    v = np.array(v, dtype=float)
    for _ in range(int(n_steps)):
        v += dt * hmf_force(x, kappa)
        x += dt * v
    return x, v
""",
    },
    "modifies its arguments in place": {
        "cell": 1,
        "source": """def leapfrog(x, v, dt, n_steps, kappa=1.0):
    F = hmf_force(x, kappa)
    for _ in range(int(n_steps)):
        v += 0.5 * dt * F
        x += dt * v
        F = hmf_force(x, kappa)
        v += 0.5 * dt * F
    return x, v
""",
    },
    "energy: potential without the factor 1/2": {
        "cell": 2,
        "source": """def energy(x, v, kappa=1.0):
    x = np.asarray(x, dtype=float)
    m2 = np.mean(np.cos(x)) ** 2 + np.mean(np.sin(x)) ** 2
    return 0.5 * float(np.mean(np.asarray(v, dtype=float) ** 2)) - kappa * m2


def convergence_order(x, v, dt, kappa=1.0, t_final=2.0):
    n = int(round(t_final / dt))
    xr, vr = leapfrog(x, v, dt / 64, 64 * n, kappa)
    errs = []
    for m in (2, 4):
        xm, vm = leapfrog(x, v, dt / m, m * n, kappa)
        errs.append(max(np.max(np.abs(xm - xr)), np.max(np.abs(vm - vr))))
    return float(np.log2(errs[0] / errs[1]))
""",
    },
    "delegates to the library (energy)": {
        "cell": 2,
        "source": """def energy(x, v, kappa=1.0):
    return nw.energy(x, v, PairInteraction.hmf(kappa))


def convergence_order(x, v, dt, kappa=1.0, t_final=2.0):
    n = int(round(t_final / dt))
    xr, vr = leapfrog(x, v, dt / 64, 64 * n, kappa)
    errs = []
    for m in (2, 4):
        xm, vm = leapfrog(x, v, dt / m, m * n, kappa)
        errs.append(max(np.max(np.abs(xm - xr)), np.max(np.abs(vm - vr))))
    return float(np.log2(errs[0] / errs[1]))
""",
    },
}
