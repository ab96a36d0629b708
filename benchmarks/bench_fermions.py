"""Lecture 5 performance targets (issue #15): Hartree–Fock with the exchange term on the grid,
and the quench of §5 at the largest N."""

from __future__ import annotations

from benchmarks.harness import Benchmark


def _hf_setup(N: int, **options):
    from mfcourse.course import lecture5 as l5
    from mfcourse.quantum import hartree_fock as hf

    st = l5.released_state(N, edge=0.0)  # the Fermi sea: a projection
    g = hf.HartreeFockGrid(hf.torus_grid(st.n), N, interaction=l5.interaction(), **options)
    return g, st, st.n


def bench_hartree_fock_N256():
    """Hartree–Fock, N = 256 orbitals (the trap's Fermi sea, a projection), exchange included,
    on the grid the physics needs (|v| <= p_max = 1.6 at eps = 1/256: n = 864 points, the
    first FFT-friendly size >= 2 p_max N), 1000 steps of dt = 0.01 with exchange kicks every
    0.1 (lecture 5's setting: 100 kicks). Target <= 10 s."""
    from mfcourse.course import lecture5 as l5

    g, st, n = _hf_setup(256, exchange_dt=l5.MODEL["exchange_dt"])

    def run():
        return g.step(st.copy(), 0.01, 1000)

    return Benchmark(
        name=f"Hartree-Fock N=256 orbitals, n={n}, 1000 steps, exchange kicks every 0.1",
        run=run,
        target=("<=", 10.0),
        repeat=1,
        warmup=False,
        work=1000 * 256,
        unit="orbital-steps/s",
        notes="trace and spectrum conserved to rounding (unitary steps)",
    )


def bench_hartree_fock_N256_exchange_every_step():
    """The same run with exchange applied at every step (``exchange_dt=None``, the library's
    default): what the multiple time stepping saves. No target."""
    g, st, n = _hf_setup(256)

    def run():
        return g.step(st.copy(), 0.01, 1000)

    return Benchmark(
        name=f"Hartree-Fock N=256 orbitals, n={n}, 1000 steps, exchange every step",
        run=run,
        repeat=1,
        warmup=False,
    )


def bench_hartree_fock_N256_no_exchange():
    """The same run without the exchange term (fermionic Hartree): the cost of the fast part
    (one FFT pair, the density and the direct potential per step). No target."""
    g, st, n = _hf_setup(256, exchange=False)

    def run():
        return g.step(st.copy(), 0.01, 1000)

    return Benchmark(
        name=f"Hartree (no exchange) N=256 orbitals, n={n}, 1000 steps",
        run=run,
        repeat=1,
        warmup=False,
    )


def _quench(N: int):
    from mfcourse.course import lecture5 as l5

    def run():
        return l5.quench_run(N, t_final=4.0, dt=0.02, n_save=5, trace_at=(2, 4))

    return run


def bench_lecture5_quench_N384():
    """The largest point of lecture 5's quench (N = 384, smooth-edge state, t = 4, the
    512 x 1024 Vlasov reference, trace norms at two times): the notebook's most expensive cell.
    No target."""
    return Benchmark(name="lecture 5 quench, N = 384", run=_quench(384), repeat=1, warmup=False)


def bench_lecture5_quench_N512():
    """One point beyond the notebook (N = 512, n = 1680, 646 orbitals), the end of the issue's
    example range 16 -> 512. No target."""
    return Benchmark(name="lecture 5 quench, N = 512", run=_quench(512), repeat=1, warmup=False)
