"""Lecture 2 performance targets (issue #5): exact N-body bosons and the Hartree equation."""

from __future__ import annotations

import numpy as np

from benchmarks.harness import Benchmark


def bench_two_mode_N10000():
    """Two-mode Bose–Hubbard, N = 10^4, psi^{otimes N} evolved exactly to t = 4 and
    gamma^(1)(4) formed. Target <= 2 s."""
    from mfcourse import lecture2
    from mfcourse.fock import evolve_two_mode_frame

    model, psi0 = lecture2.two_mode_setup()

    def run():
        return evolve_two_mode_frame(model, 10_000, psi0, [4.0]).gamma1(0)

    return Benchmark(
        name="two-mode N=1e4 to t=4, mean-field frame (exact, 4th-order Magnus)",
        run=run,
        target=("<=", 2.0),
        repeat=3,
        notes="Psi = Gamma(u_t) Phi: Phi lives on <= 64 excited states; agrees with the direct "
        "Chebyshev evolution to 3e-12 in gamma^(1)",
    )


def bench_two_mode_N10000_direct():
    """The same evolution in the occupation basis of all 10,001 states (Chebyshev expansion,
    ~tN sparse products): the reference the frame method is checked against. No target."""
    from mfcourse import lecture2
    from mfcourse.fock import NBodyProblem

    model, psi0 = lecture2.two_mode_setup()

    def run():
        prob = NBodyProblem.build(model, 10_000)
        return prob.evolve(prob.product_state(psi0), [4.0])

    return Benchmark(
        name="two-mode N=1e4 to t=4, direct (10,001 states, Chebyshev)",
        run=run,
        repeat=1,
        warmup=False,
    )


def bench_ring_dim_1e5():
    """Bosons on the ring, HMF interaction, |k| <= 2 (K = 5), N = 37: Fock dimension
    C(41, 4) = 101,270; product state evolved exactly to t = 2. Target <= 20 s (build
    included)."""
    from mfcourse import lecture2
    from mfcourse.fock import NBodyProblem

    model, psi0 = lecture2.ring_setup(k_max=2)

    def run():
        prob = NBodyProblem.build(model, 37)
        assert prob.space.dim >= 10**5
        return prob.evolve(prob.product_state(psi0), [2.0])

    return Benchmark(
        name="ring HMF |k|<=2, N=37 to t=2 (101,270 states)",
        run=run,
        target=("<=", 20.0),
        repeat=3,
        notes="compiled Lanczos steps, m = 30",
    )


def bench_grid_hartree():
    """Hartree with the HMF interaction on a 1024-point grid of the ring, 10^4 Strang steps.
    Target <= 2 s."""
    from mfcourse.hartree import PeriodicGrid, evolve_grid
    from mfcourse.interaction import PairInteraction

    grid = PeriodicGrid(1024)
    V = PairInteraction.hmf(1.0)
    psi0 = grid.normalise(np.exp(np.cos(grid.x)) * (1 + 0.3j * np.sin(grid.x)))

    def run():
        return evolve_grid(psi0, grid, 10.0, 10_000, interaction=V, n_save=1)

    return Benchmark(
        name="grid Hartree, 1024 points, 1e4 Strang steps",
        run=run,
        target=("<=", 2.0),
        work=1024 * 10_000,
        unit="point-steps/s",
        repeat=3,
    )
