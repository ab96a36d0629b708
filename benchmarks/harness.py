"""The benchmark harness: discover, time (median of several runs), tabulate."""

from __future__ import annotations

import importlib
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@dataclass
class Benchmark:
    """One timed kernel.

    ``run`` is called once to warm up (JIT compilation, caches) and then ``repeat`` times;
    ``work`` (e.g. particle-steps done by one call) turns the median time into a rate in
    ``unit``. ``target`` is ``("<=", seconds)`` on the median time or ``(">=", rate)``.
    """

    name: str
    run: Callable[[], object]
    target: tuple[str, float] | None = None
    work: float | None = None
    unit: str = ""
    repeat: int = 5
    warmup: bool = True
    notes: str = ""
    times: list[float] = field(default_factory=list)

    def measure(self, quick: bool = False) -> None:
        if self.warmup:
            self.run()
        for _ in range(1 if quick else self.repeat):
            t0 = time.perf_counter()
            self.run()
            self.times.append(time.perf_counter() - t0)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def rate(self) -> float | None:
        return None if self.work is None else self.work / self.median

    @property
    def ok(self) -> bool | None:
        if self.target is None:
            return None
        op, value = self.target
        measured = self.median if op == "<=" else self.rate
        return measured <= value if op == "<=" else measured >= value


def discover(only: str | None = None):
    """Yield benchmark factories ``(module_name, function)`` from ``benchmarks/bench_*.py``."""
    for path in sorted(HERE.glob("bench_*.py")):
        module = importlib.import_module(f"benchmarks.{path.stem}")
        for name in sorted(dir(module)):
            if name.startswith("bench_") and callable(getattr(module, name)):
                if only is None or only in f"{path.stem}.{name}":
                    yield path.stem, getattr(module, name)


def format_table(results: list[Benchmark]) -> str:
    rows = [("benchmark", "median", "runs", "rate", "target", "ok")]
    for b in results:
        rate = "" if b.rate is None else f"{b.rate:.3g} {b.unit}"
        target = ""
        if b.target is not None:
            op, value = b.target
            target = f"{op} {value:g} s" if op == "<=" else f"{op} {value:.3g} {b.unit}"
        ok = {None: "", True: "yes", False: "NO"}[b.ok]
        rows.append((b.name, f"{b.median:.3f} s", str(len(b.times)), rate, target, ok))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
