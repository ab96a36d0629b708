"""Exact W1 between an empirical measure and a grid density (issue #4: <= 3 s)."""

from __future__ import annotations

import numpy as np

from benchmarks.harness import Benchmark


def _problem(n_particles: int = 2000, n_grid: int = 64, vmax: float = 5.0, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = -np.pi + (np.arange(n_grid) + 0.5) * 2 * np.pi / n_grid
    v = -vmax + (np.arange(n_grid) + 0.5) * 2 * vmax / n_grid
    X, V = np.meshgrid(x, v, indexing="ij")
    f = (1 + 0.2 * np.cos(X)) * np.exp(-(V**2) / 2) / (2 * np.pi * np.sqrt(2 * np.pi))
    pts = np.column_stack([rng.uniform(-np.pi, np.pi, n_particles), rng.normal(size=n_particles)])
    return pts, f, x, v


def bench_w1_particles_vs_grid():
    from mfcourse.transport import w1_to_grid

    pts, f, x, v = _problem()
    return Benchmark(
        name="exact W1: 2000 particles vs 64x64 grid density (POT network simplex)",
        run=lambda: w1_to_grid(pts, f, x, v),
        target=("<=", 3.0),
        repeat=3,
        notes="dense 2000 x 4096 cost matrix, l1 metric on T x R",
    )
