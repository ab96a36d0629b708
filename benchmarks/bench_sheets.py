"""Performance target of the exact sheet integrator (Lecture 7, issue #17)."""

from __future__ import annotations

from benchmarks.harness import Benchmark


def bench_sheets_1e5_through_1e4_crossings():
    """N = 10^5 warm sheets (sorted i.i.d. data) through 10^4 crossings, the initial O(N log N)
    schedule included. Target <= 5 s per run."""
    import numpy as np

    from mfcourse.classical import sheets as sh

    rng = np.random.default_rng(0)
    L = 2 * np.pi
    n = 100_000
    x, v = sh.sort_sheets(rng.uniform(0, L, n), 0.1 * rng.standard_normal(n), L)

    def run():
        model = sh.SheetModel(x, v, L)
        model.advance(1e3, max_crossings=10_000)
        assert model.crossings == 10_000
        return model

    return Benchmark(
        name="sheet model N=1e5 through 1e4 crossings",
        run=run,
        target=("<=", 5.0),
        unit="s",
        repeat=3,
        notes="event-driven, exact; numba event kernel, indexed binary heap",
    )
