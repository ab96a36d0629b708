"""Fixtures for the browser tests: one JupyterLab server and one Chromium for the browser test
module (module scope, so that both are gone before the rest of the suite runs).

Both are started by ``lab_driver`` with ``subprocess.Popen`` (no shell) and stopped by their own
PIDs in the fixtures' finalizers, which pytest runs also when a test fails or is interrupted.
Without Chromium or Playwright the browser tests skip with the reason, unless
``MFCOURSE_REQUIRE_BROWSER=1`` (set by ``.ci/run``), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import platform
import shutil
import signal
import time

import lab_driver as ld
import pytest

RESULTS = ld.RESULTS
write_results = ld.write_results
_STATE = {"browser_s": 0.0, "skip_reason": None, "server_startup_s": None}


def _require_browser() -> str:
    """The Chromium to use; skip (or, under MFCOURSE_REQUIRE_BROWSER=1, fail) without one."""
    reason = ld.unavailable_reason()
    if reason is not None:
        _STATE["skip_reason"] = reason
        if ld.browser_required():
            pytest.fail(f"MFCOURSE_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return ld.find_chromium()


@pytest.fixture(scope="session")
def artifacts():
    """``test-artifacts/browser/`` (gitignored), emptied at the start of the session."""
    if ld.ARTIFACTS.exists():
        shutil.rmtree(ld.ARTIFACTS)
    ld.ARTIFACTS.mkdir(parents=True)
    return ld.ARTIFACTS


@pytest.fixture(scope="session")
def sigterm_stops_cleanly():
    """Turn SIGTERM (``timeout``, CI cancelling a job) into KeyboardInterrupt, so that pytest
    still runs the finalizers that stop the server and the browser."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not in the main thread
        yield
        return
    yield
    signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory, artifacts, sigterm_stops_cleanly):
    """JupyterLab from the environment under test, serving the repository, with a token."""
    server = ld.LabServer(ld.ROOT, tmp_path_factory.mktemp("jupyter"))
    try:
        server.start()
        _STATE["server_startup_s"] = server.startup_s
        RESULTS.update(
            jupyter_server_pid=server.proc.pid,
            server_startup_s=round(server.startup_s, 2),
            python=platform.python_version(),
        )
        yield server
    finally:
        server.stop()
        shutil.copy(server.log, artifacts / "jupyter-lab.log")


@pytest.fixture(scope="module")
def chromium(tmp_path_factory, artifacts, sigterm_stops_cleanly):
    """A headless Chromium that we started (our PID), connected through Playwright."""
    executable = _require_browser()
    browser = ld.Chromium(tmp_path_factory.mktemp("chromium"), executable)
    try:
        browser.start()
        RESULTS.update(chromium=browser.version, chromium_executable=executable)
        yield browser
    finally:
        browser.stop()


@pytest.fixture(scope="module")
def browser_context(chromium, lab_server):
    context = chromium.new_context()
    yield context
    context.close()


@pytest.fixture
def notebook_page(browser_context, lab_server):
    """Open a notebook (call it with the path) on a fresh kernel; closed and shut down after."""
    pages = []

    def open_(path):
        lab_server.delete_sessions()
        page = ld.NotebookPage(browser_context, lab_server, path)
        pages.append(page)
        return page.open()

    yield open_
    for page in pages:
        page.close()
    lab_server.delete_sessions()


_BROWSER_TESTS: set[str] = set()


def pytest_collection_modifyitems(items):
    _BROWSER_TESTS.update(i.nodeid for i in items if i.get_closest_marker("browser"))


def pytest_runtest_logreport(report):
    if report.nodeid in _BROWSER_TESTS:
        _STATE["browser_s"] += report.duration


def pytest_terminal_summary(terminalreporter):
    tr = terminalreporter
    if not _STATE["browser_s"] and not _STATE["skip_reason"]:
        return
    tr.section("browser tests (JupyterLab + Chromium)")
    if _STATE["skip_reason"] and ld.browser_required():
        tr.write_line(f"FAILED (MFCOURSE_REQUIRE_BROWSER=1): {_STATE['skip_reason']}.")
    elif _STATE["skip_reason"]:
        tr.write_line(f"SKIPPED: {_STATE['skip_reason']}.")
        tr.write_line("Set MFCOURSE_REQUIRE_BROWSER=1 to make this a failure (CI does).")
    total = _STATE["browser_s"]
    RESULTS["browser_tests_total_s"] = round(total, 1)
    tr.write_line(f"time added by the browser tests: {total:.1f} s "
                  f"(server start {_STATE['server_startup_s'] or 0:.1f} s)")  # fmt: skip
    for nb, res in RESULTS["notebooks"].items():
        run = res.get("run_all_s")
        tr.write_line(f"  {nb}: Run All {run:.1f} s" if run is not None else f"  {nb}")
        for d in res.get("dashboards", []):
            tr.write_line(
                f"    dashboard {d['index']} [{d['kind']}, {d['primary'] or 'primary'}]: "
                + ", ".join(f"{m['how']} {_ms(m['latency_ms'])}" for m in d["moves"])
                + (f", typed {d['typed']}" if "typed" in d else "")
                + f"  (budget {d['budget_ms']:.0f} ms, limit {d['limit_ms']:.0f} ms)"
            )
    by_kind = {}
    for res in RESULTS["notebooks"].values():
        for d in res.get("dashboards", []):
            by_kind.setdefault(d["kind"], []).extend(m["latency_ms"] for m in d["moves"])
    RESULTS["median_latency_ms"] = {k: ld.median(v) for k, v in by_kind.items()}
    for kind, values in sorted(by_kind.items()):
        budget = ld.BUDGETS.get(kind, 0) * 1e3
        tr.write_line(
            f"  median latency of {kind} dashboards: {_ms(ld.median(values))} "
            f"over {len(values)} moves (budget {budget:.0f} ms)"
        )
    if RESULTS["notebooks"]:
        RESULTS["load_average"] = list(os.getloadavg())
        RESULTS["written"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        write_results()
        tr.write_line(f"latencies: {ld.ARTIFACTS / 'latencies.json'}; screenshots next to it")


def _ms(value):
    return "—" if value is None else f"{value:.0f} ms"
