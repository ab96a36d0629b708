"""Benchmarks of the course: the library's kernels and each notebook's execution time.

Run with ``make bench`` (or ``python -m benchmarks [--quick] [--only PATTERN]``). Each module
``benchmarks/bench_*.py`` defines functions ``bench_*()`` returning a :class:`Benchmark`.
"""
