"""The proof audit of Dobrushin's inequality (Lecture 1's proof-audit explorer)."""

from __future__ import annotations

from benchmarks.harness import Benchmark


def bench_dobrushin_audit_explorer():
    """The heaviest recomputation of Lecture 1's proof-audit explorer: N = 150 particles against
    M = 600, V = -2 cos x, t in [0, 6], 25 recorded times (two leapfrog runs, one exact initial
    plan, 25 exact W1 problems). Target <= 1.5 s, leaving room for the drawing within the
    explorer's 2 s recompute budget."""
    import numpy as np

    from mfcourse.classical import newton as nw
    from mfcourse.course import lecture1 as l1
    from mfcourse.interaction import PairInteraction

    dens = nw.CosineMaxwellian(amplitude=0.2, temperature=0.1, phase=np.pi)
    V = PairInteraction.hmf(2.0)

    def run():
        return l1.dobrushin_audit_samples(dens, V, 150, 600, 6.0, seeds=(70, 71), h=0.25)

    return Benchmark(
        name="Dobrushin proof audit, N=150 vs M=600, 25 times",
        run=run,
        target=("<=", 1.5),
        repeat=3,
    )
