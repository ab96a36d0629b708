"""Dashboard latency in a real browser: JupyterLab + headless Chromium, the way students use it.

For every lecture (discovered in ``lectures/``) the notebook is opened and Run All is done once
(its wall time is reported against the notebook's budget from ``bench_notebooks``); then each
dashboard's primary control is moved repeatedly — alternately one keyboard step and the previous
value typed into the readout — and the time from the input event to the settled new figure is
recorded (measured in the page, see ``tests/browser/lab_driver.py``). Targets are the budgets of
DEVELOPING.md: 300 ms for ``scrub`` dashboards, 2 s for ``recompute`` ones. The browser tests
enforce only 5x these; this table is where the real numbers are tracked.

Needs Chromium and Playwright like the browser tests; without them it prints why and yields
nothing. Run: ``.venv/bin/python -m benchmarks --only bench_browser``.
"""

from __future__ import annotations

import importlib.util
import math
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bench_notebooks import BUDGETS as RUN_BUDGETS
from benchmarks.harness import ROOT, Benchmark


def _driver():
    """``tests/browser/lab_driver.py``, shared with the browser tests."""
    if "lab_driver" in sys.modules:
        return sys.modules["lab_driver"]
    spec = importlib.util.spec_from_file_location(
        "lab_driver", ROOT / "tests" / "browser" / "lab_driver.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["lab_driver"] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class DashboardLatency(Benchmark):
    """Latency of one dashboard: ``times`` are in-page input-to-settled-figure latencies."""

    dashboard: object = None

    def measure(self, quick: bool = False) -> None:
        if self.warmup:
            self.dashboard.move_keyboard()
        for i in range(2 if quick else self.repeat):
            move = self.dashboard.move_keyboard() if i % 2 == 0 else self.dashboard.move_typed()
            if move is None:  # no editable readout: keyboard only
                move = self.dashboard.move_keyboard()
            ok = move.changed and move.latency_ms is not None
            self.times.append(move.latency_ms / 1e3 if ok else math.inf)
            if not ok:
                self.notes = f"{move.how}: {move.detail}"
        kernel = [m.kernel_ms for m in self.dashboard.moves if m.kernel_ms is not None]
        if kernel and not self.notes:
            self.notes = f"of which the kernel's redraw: median {statistics.median(kernel):.0f} ms"
        if self.notes:  # the table has no notes column
            print(f"[bench]   {self.name}: {self.notes}", file=sys.stderr, flush=True)


@dataclass
class Recorded(Benchmark):
    """A time measured once while setting up (Run All in the browser)."""

    def measure(self, quick: bool = False) -> None:
        pass


def bench_dashboards():
    ld = _driver()
    reason = ld.unavailable_reason()
    if reason is not None:
        print(f"[bench] bench_browser skipped: {reason}", file=sys.stderr)
        return
    tmp = Path(tempfile.mkdtemp(prefix="mfcourse-bench-browser-"))
    server = ld.LabServer(ROOT, tmp / "jupyter")
    chromium = ld.Chromium(tmp / "chromium")
    try:
        server.tmp.mkdir()
        chromium.tmp.mkdir()
        server.start()
        chromium.start()
        context = chromium.new_context()
        for path in ld.requested_notebooks() or ld.lecture_notebooks():
            server.delete_sessions()
            page = ld.NotebookPage(context, server, path).open()
            try:
                run_s = page.run_all()
                yield Recorded(
                    name=f"browser Run All {path.name}", run=lambda: None, warmup=False,
                    target=("<=", RUN_BUDGETS.get(path.name, 90.0)), times=[run_s],
                )  # fmt: skip
                for d in page.dashboards():
                    yield DashboardLatency(
                        name=f"browser {path.stem} dashboard {d.index} ({d.kind}"
                        + (f", {d.label})" if d.label else ")"),
                        run=lambda: None, target=("<=", d.budget_s), repeat=6, dashboard=d,
                    )  # fmt: skip
            finally:
                page.close()
    finally:
        chromium.stop()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
