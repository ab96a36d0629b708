"""Lecture 3's kernels (issue #6): Wigner transform of a 512 x 512 density matrix (<= 0.2 s) and
density-matrix Hartree on a 512-point grid, 1000 steps (<= 20 s).

Timings of the LAPACK-backed checks (Cholesky) are very sensitive to OpenBLAS threads competing
with other processes; on a loaded machine run with ``OPENBLAS_NUM_THREADS=1``.
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks.harness import Benchmark

N_GRID = 512
EPS = 0.02


def _toeplitz_state(spread: float):
    """Töplitz quantization of f_in = (1 + 0.5 cos x) N(0, T)(xi) (spread = "warm", a state of
    numerical rank ~ 400) or of a Gaussian blob of width `spread` (a low-rank state)."""
    from mfcourse import phasespace as ps

    x = 2 * math.pi / N_GRID * np.arange(N_GRID)
    p = np.linspace(-3.5, 3.5, 141)
    xx, pp = np.meshgrid(x, p, indexing="ij")
    if spread == 0:
        f = (1 + 0.5 * np.cos(xx)) * np.exp(-(pp**2) / (2 * 0.5))
    else:
        f = np.exp(-((xx - math.pi) ** 2 + pp**2) / (2 * spread**2))
    f /= f.sum() * (x[1] - x[0]) * (p[1] - p[0])
    return x, ps.toeplitz_density(f, x, p, EPS)


def bench_wigner_512():
    from mfcourse import phasespace as ps

    x, r = _toeplitz_state(0)
    return Benchmark(
        name="Wigner transform of a 512x512 density matrix (with Hermitian/positivity checks)",
        run=lambda: ps.wigner(r, x, EPS),
        target=("<=", 0.2),
        repeat=5,
        notes="output 512 x 1024 (x, xi); one 2D FFT pair for the half-cell shift",
    )


def _hartree(spread: float):
    from mfcourse.interaction import PairInteraction
    from mfcourse.vonneumann import VonNeumann, mixed_state

    x, r = _toeplitz_state(spread)
    state = mixed_state(r, x, method="auto")  # diagonalisation is set-up, not stepping
    solver = VonNeumann(x, EPS, interaction=PairInteraction.hmf())
    form = "full kernel" if state.kernel is not None else f"{state.rank} orbitals"
    return form, lambda: solver.step(state.copy(), 0.01, 1000)


def bench_hartree_512_warm():
    form, run = _hartree(0)
    return Benchmark(
        name=f"density-matrix Hartree, 512 grid, 1000 steps, HMF warm state ({form})",
        run=run,
        target=("<=", 20.0),
        repeat=1,
        warmup=False,
        notes=f"eps={EPS}; rank ~400 of 512 (orbitals: 2r FFTs a step, the kernel 4n)",
    )


def bench_hartree_512_kernel():
    from mfcourse.interaction import PairInteraction
    from mfcourse.vonneumann import VonNeumann, mixed_state

    x, r = _toeplitz_state(0)
    state = mixed_state(r, x, method="matrix")
    solver = VonNeumann(x, EPS, interaction=PairInteraction.hmf())
    return Benchmark(
        name="density-matrix Hartree, 512 grid, 1000 steps, HMF warm state (512x512 kernel)",
        run=lambda: solver.step(state.copy(), 0.01, 1000),
        repeat=1,
        warmup=False,
        notes="the same run as the full kernel: two 2D FFTs per step (no target; reference)",
    )


def bench_hartree_512_blob():
    form, run = _hartree(0.3)
    return Benchmark(
        name=f"density-matrix Hartree, 512 grid, 1000 steps, Gaussian blob ({form})",
        run=run,
        target=("<=", 20.0),
        repeat=1,
        warmup=False,
        notes=f"eps={EPS}; low rank, so the auto method evolves the orbitals",
    )
