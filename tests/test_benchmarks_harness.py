"""The benchmark harness itself (the benchmarks are run by `make bench`, not by the tests)."""

from benchmarks.harness import Benchmark, discover, format_table


def test_median_rate_and_targets():
    calls = []
    b = Benchmark(
        name="count",
        run=lambda: calls.append(1),
        work=10.0,
        unit="ops/s",
        target=(">=", 1.0),
        repeat=3,
    )
    b.measure()
    assert len(calls) == 4  # one warm-up, three timed
    assert len(b.times) == 3 and b.median > 0
    assert b.rate == 10.0 / b.median and b.ok is True
    slow = Benchmark(name="slow", run=lambda: None, target=("<=", -1.0), warmup=False)
    slow.measure(quick=True)
    assert len(slow.times) == 1 and slow.ok is False
    table = format_table([b, slow])
    assert "count" in table and "NO" in table and "yes" in table


def test_discovery_finds_the_notebook_benchmarks():
    names = [f"{m}.{f.__name__}" for m, f in discover()]
    assert "bench_notebooks.bench_lectures" in names
