"""The website build (issue #20): from a clean checkout <= 6 min, unchanged rebuild <= 60 s."""

from __future__ import annotations

from benchmarks.harness import Benchmark


def _build(clean: bool):
    def run():
        from mfcourse.course import site

        site.build(clean=clean)

    return run


def bench_site():
    yield Benchmark(
        name="site build from scratch (executes every lecture and solution)",
        run=_build(clean=True),
        target=("<=", 360.0),
        repeat=1,
        warmup=False,
    )
    yield Benchmark(
        name="site rebuild, nothing changed (jupyter-cache + Sphinx environment)",
        run=_build(clean=False),
        target=("<=", 60.0),
        repeat=3,
        warmup=True,
    )
