"""Lecture 1 performance targets (issue #4): HMF N-body and the Vlasov solver."""

from __future__ import annotations

from benchmarks.harness import Benchmark


def bench_hmf_nbody_1e6():
    """HMF N-body, N = 10^6, 20 leapfrog steps per call (one fused numba pass per step,
    parallel over 64 fixed chunks). Target >= 3e7 particle-steps/s on the 2-core machine."""
    import numba

    from mfcourse import newton
    from mfcourse.interaction import PairInteraction

    N, steps = 1_000_000, 20
    x0, v0 = newton.sample_hmf(N, seed=0, kind="gaussian", amplitude=0.5, temperature=0.4)
    H = PairInteraction.hmf()

    def run():
        return newton.leapfrog(x0, v0, H, 0.1, steps)

    return Benchmark(
        name=f"HMF N-body N=1e6, leapfrog ({numba.get_num_threads()} threads)",
        run=run,
        target=(">=", 3e7),
        work=N * steps,
        unit="particle-steps/s",
        repeat=5,
        notes="includes the copy of x, v and the initial moments (one extra pass per call)",
    )


def bench_hmf_nbody_1e6_one_thread():
    """Same kernel on one thread (reference for the parallel speed-up; not a target)."""
    import numba

    from mfcourse import newton
    from mfcourse.interaction import PairInteraction

    N, steps = 1_000_000, 20
    x0, v0 = newton.sample_hmf(N, seed=0, kind="gaussian", amplitude=0.5, temperature=0.4)
    H = PairInteraction.hmf()

    def run():
        old = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            return newton.leapfrog(x0, v0, H, 0.1, steps)
        finally:
            numba.set_num_threads(old)

    return Benchmark(
        name="HMF N-body N=1e6, leapfrog (1 thread)",
        run=run,
        work=N * steps,
        unit="particle-steps/s",
        repeat=3,
    )


def _vlasov_setup(interpolation):
    from mfcourse import newton, vlasov
    from mfcourse.interaction import PairInteraction

    grid = vlasov.PhaseGrid(256, 256, 6.0)
    solver = vlasov.VlasovSolver(grid, PairInteraction.hmf(), 0.1, interpolation=interpolation)
    f0 = solver.initial(newton.CosineMaxwellian(0.5, 0.5))
    return solver, f0


def bench_vlasov_256():
    """Vlasov-HMF on a 256 x 256 grid, cubic B-spline Cheng-Knorr steps (x half-steps merged),
    50 steps per call. Target <= 5 ms per step."""
    solver, f0 = _vlasov_setup("cubic")
    steps = 50
    return Benchmark(
        name="Vlasov-HMF 256x256, 50 steps (cubic), per step",
        run=lambda: solver.advance(f0, steps),
        target=("<=", 5e-3 * steps),
        work=steps,
        unit="steps/s",
        repeat=5,
        notes="target is 5 ms/step x 50 steps",
    )


def bench_vlasov_256_with_diagnostics():
    """The same through VlasovSolver.run: unmerged half steps plus mass/momentum/energy/L2
    diagnostics every step (what the tests and the lecture use)."""
    solver, f0 = _vlasov_setup("cubic")
    steps = 50
    return Benchmark(
        name="Vlasov-HMF 256x256, 50 steps with per-step diagnostics",
        run=lambda: solver.run(f0, [steps * solver.dt], keep=False),
        work=steps,
        unit="steps/s",
        repeat=3,
    )
