"""Lecture 4 performance targets (issue #7): the exact hierarchy and Kac Monte Carlo."""

from __future__ import annotations

from benchmarks.harness import Benchmark


def bench_exact_hierarchy_q3_N1000():
    """Master equation of N = 1000 particles on q = 3 states (501,501 occupation vectors),
    evolved exactly to t = 1, then every marginal up to j = 20 and its distance to the
    product of kinetic solutions. Target <= 30 s (includes building the generator)."""
    from mfcourse import chaos

    W = chaos.discrete_kac_kernel([0.0, 1.0, 2.0])

    def run():
        return chaos.ChaosExperiment(W, 1000, [0.6, 0.1, 0.3], [0.0, 1.0], jmax=20).run()

    return Benchmark(
        name="exact hierarchy q=3, N=1000, t=1 (501,501 states, marginals j<=20)",
        run=run,
        target=("<=", 30.0),
        repeat=3,
        notes="uniformization with ~Lambda t = 333 sparse products; expm_multiply is ~20x slower",
    )


def bench_kac_monte_carlo():
    """Kac's process with N = 10^6 particles, 10^7 collisions (Bird counting, same kernel as
    the exact scheme). Target >= 1e7 collisions/s."""
    from mfcourse import kac

    N, t = 1_000_000, 20.0
    v0 = kac.sample_bkw(N, K0=0.4, seed=0)

    def run():
        return kac.simulate(v0, [t], lam=1.0, scheme="bird", dt=t, seed=1)

    return Benchmark(
        name="Kac Monte Carlo: N=1e6, 1e7 collisions",
        run=run,
        target=(">=", 1e7),
        work=N * t / 2,
        unit="collisions/s",
        repeat=5,
    )


def bench_copying_crossover():
    """Lecture 4 §7: the pair term E|U_j| of the copying model for j <= 64 at five noise levels,
    6000 samples each (the crossover figure). Target <= 4 s."""
    import numpy as np

    from mfcourse.chaos import copying

    js = np.array([2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64])

    def run():
        return [
            copying.pair_term_l1(js, 100_000, 1.0, s, samples=6000, seed=21)
            for s in (1.0, 0.1, 0.01, 1e-3, 1e-4)
        ]

    return Benchmark(
        name="copying model crossover: 5 sigmas x 6000 samples x j <= 64",
        run=run,
        target=("<=", 4.0),
        repeat=3,
    )


def bench_hmf_coupling():
    """Lecture 4 §10: the Newton/characteristics coupling cost for N = 200, 800, 3200,
    24 replicates, t <= 2, dt = 0.04, 1e5 reference characteristics. Target <= 8 s."""
    import numpy as np

    from mfcourse.classical import newton
    from mfcourse.course import lecture4
    from mfcourse.interaction import PairInteraction

    dens = newton.CosineMaxwellian(amplitude=0.5, temperature=0.5)

    def run():
        return lecture4.hmf_coupling(
            dens,
            PairInteraction.hmf(),
            [200, 800, 3200],
            24,
            np.linspace(0, 2, 6),
            dt=0.04,
            n_ref=100_000,
            seed=4,
        )

    return Benchmark(
        name="HMF coupling cost (lecture 4 §10)", run=run, target=("<=", 8.0), repeat=2
    )
