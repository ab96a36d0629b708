"""Lecture 5 performance targets (issue #15): Hartree–Fock with the exchange term on the grid."""

from __future__ import annotations

from benchmarks.harness import Benchmark


def _hf_setup(N: int):
    from mfcourse.course import lecture5 as l5
    from mfcourse.quantum import hartree_fock as hf

    n = hf.grid_points_needed(N, l5.MODEL["p_max"])
    solver, om, _, _ = l5.trap_ground_state(N)
    st = l5.grid_state(N, solver, om, n)
    g = hf.HartreeFockGrid(hf.torus_grid(n), N, interaction=l5.interaction())
    return g, st, n


def bench_hartree_fock_N256():
    """Hartree–Fock, N = 256 orbitals (the trap's Fermi sea, a projection), exchange included,
    on the grid the physics needs (|v| <= p_max = 1.6 at eps = 1/256: n = 832 points),
    1000 Strang steps. Target <= 10 s."""
    g, st, n = _hf_setup(256)

    def run():
        return g.step(st.copy(), 0.01, 1000)

    return Benchmark(
        name=f"Hartree-Fock N=256 orbitals, n={n}, 1000 steps (exchange O(N^2 n) per step)",
        run=run,
        target=("<=", 10.0),
        repeat=1,
        warmup=False,
        work=1000 * 256,
        unit="orbital-steps/s",
        notes="trace and spectrum conserved to rounding (unitary steps)",
    )


def bench_hartree_fock_N256_no_exchange():
    """The same run without the exchange term (fermionic Hartree): what exchange costs. No
    target."""
    g, st, n = _hf_setup(256)
    g.exchange = False

    def run():
        return g.step(st.copy(), 0.01, 1000)

    return Benchmark(
        name=f"Hartree (no exchange) N=256 orbitals, n={n}, 1000 steps",
        run=run,
        repeat=1,
        warmup=False,
    )


def bench_lecture5_quench_N192():
    """One point of lecture 5's quench (N = 192, smooth-edge state, t = 4, Vlasov reference,
    trace norms at two times): the notebook's most expensive cell. No target."""
    from mfcourse.course import lecture5 as l5

    def run():
        return l5.quench_run(192, t_final=4.0, dt=0.02, n_save=5, trace_at=(2, 4))

    return Benchmark(name="lecture 5 quench, N = 192", run=run, repeat=1, warmup=False)
