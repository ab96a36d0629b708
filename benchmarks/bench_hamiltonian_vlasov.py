"""Lecture 6 performance targets (issue #16): Pickl's beta_N for the largest N shown, the
mean-field solvers, and the exact N = 2 quadrature."""

from __future__ import annotations

from benchmarks.harness import Benchmark

#: The lecture's largest N, its number of Monte Carlo draws and its quadrature stride.
N_MAX, SAMPLES, STRIDE, T = 256, 32, (4, 4), 2.0


def _reference():
    from mfcourse.course import lecture6

    runs = lecture6.mean_field_runs([0.0, T])
    return runs, lecture6.setup()


def bench_pickl_beta_largest_n():
    """beta_N(t = 2) for N = 256 with 32 draws and 512 quadrature nodes (one backward flow of
    N particles per node per draw). Target <= 30 s."""
    from mfcourse.classical import hamiltonian_vlasov as hv

    runs, (H, root, grid, dt) = _reference()
    ref = runs.hvl_spectral.alpha[-1]

    def run():
        return hv.pickl_monte_carlo(
            root, ref, grid, H, N_MAX, T, dt, samples=SAMPLES, seed=1, stride=STRIDE
        )

    return Benchmark(
        name=f"Pickl beta_N Monte Carlo, N={N_MAX}, {SAMPLES} draws",
        run=run,
        target=("<=", 30.0),
        work=SAMPLES * 512 * N_MAX * round(T / dt),
        unit="particle-steps/s",
        repeat=2,
    )


def bench_pickl_exact_two():
    """beta_2(t = 2) by quadrature over 512 x 512 node pairs. Target <= 10 s."""
    from mfcourse.classical import hamiltonian_vlasov as hv

    runs, (H, root, grid, dt) = _reference()
    ref = runs.hvl_spectral.alpha[-1]
    return Benchmark(
        name="Pickl beta_2 exact (quadrature, 262k pairs)",
        run=lambda: hv.pickl_exact_two(root, ref, grid, H, T, dt, stride=STRIDE),
        target=("<=", 10.0),
        repeat=2,
    )


def bench_mean_field_runs():
    """The five mean-field runs of lecture 6 (HVl cubic/spectral/no phase, HHt, Vlasov) on the
    64 x 128 grid to t = 3, 31 outputs. Target <= 15 s."""
    import numpy as np

    from mfcourse.course import lecture6

    return Benchmark(
        name="lecture 6 mean-field runs (5 solvers, 64x128, t=3)",
        run=lambda: lecture6.mean_field_runs(np.linspace(0.0, 3.0, 31)),
        target=("<=", 15.0),
        repeat=2,
    )
