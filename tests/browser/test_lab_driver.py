"""Fast checks of the browser-test machinery that need no browser: process clean-up by PID,
the skip/fail decision, and notebook discovery."""

from __future__ import annotations

import subprocess
import sys
import time

import lab_driver as ld
import pytest

psutil = pytest.importorskip("psutil")

SLEEP = "import time; time.sleep(60)"


def _wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_stop_process_stops_the_process_and_its_children():
    parent = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess, sys, time\n"
         f"subprocess.Popen([sys.executable, '-c', {SLEEP!r}])\ntime.sleep(60)"],
        start_new_session=True,
    )  # fmt: skip
    try:
        assert _wait_for(lambda: psutil.Process(parent.pid).children())
        child = psutil.Process(parent.pid).children()[0].pid
        ld.stop_process(parent)
        assert parent.poll() is not None
        assert _wait_for(lambda: _gone(child)), "the child outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()


def test_stop_process_kills_what_ignores_sigterm_and_what_detached(tmp_path):
    """A server that ignores SIGTERM is killed; a helper that detached itself (re-parented to
    init, like Chromium's crash handler) is found by our private folder in its command line."""
    marker = str(tmp_path) + "/"
    code = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        f"subprocess.Popen([sys.executable, '-c', {SLEEP!r}, {marker + 'db'!r}],"
        " start_new_session=True)\n"
        "time.sleep(60)"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    detached = None
    try:

        def find():
            nonlocal detached
            for p in psutil.process_iter(["cmdline"]):
                if any(marker in a for a in p.info["cmdline"] or ()):
                    detached = p.pid
            return detached is not None

        assert _wait_for(find)
        t0 = time.monotonic()
        ld.stop_process(parent, marker=marker, timeout=1.0)
        assert parent.poll() is not None and time.monotonic() - t0 < 8
        assert _wait_for(lambda: _gone(detached)), "the detached helper survived"
    finally:
        if parent.poll() is None:
            parent.kill()
        if detached is not None and not _gone(detached):
            psutil.Process(detached).kill()


def test_missing_chromium_is_a_reason_and_required_flag(monkeypatch):
    monkeypatch.setenv("MFCOURSE_CHROMIUM", "/nonexistent/chromium")
    reason = ld.unavailable_reason()
    assert reason is not None and "Chromium" in reason and "/nonexistent/chromium" in reason
    for value, required in [("1", True), ("0", False), ("", False)]:
        monkeypatch.setenv("MFCOURSE_REQUIRE_BROWSER", value)
        assert ld.browser_required() is required


def test_discovery_follows_the_folders(tmp_path, monkeypatch):
    (tmp_path / "lectures").mkdir()
    (tmp_path / "exercises" / "solutions").mkdir(parents=True)
    assert ld.lecture_notebooks(tmp_path) == [] and ld.exercise_notebook(tmp_path) is None
    for name in ["02_b.ipynb", "00_a.ipynb", "notes.md"]:
        (tmp_path / "lectures" / name).write_text("{}")
    for name in ["21_y.ipynb", "11_x.ipynb"]:
        (tmp_path / "exercises" / "solutions" / name).write_text("{}")
    assert [p.name for p in ld.lecture_notebooks(tmp_path)] == ["00_a.ipynb", "02_b.ipynb"]
    assert ld.exercise_notebook(tmp_path).name == "11_x.ipynb"
    monkeypatch.setenv("MFCOURSE_BROWSER_NOTEBOOKS", "lectures/02_*.ipynb exercises/*/2*")
    found = ld.requested_notebooks(tmp_path)  # sorted by path
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "exercises/solutions/21_y.ipynb",
        "lectures/02_b.ipynb",
    ]
    monkeypatch.delenv("MFCOURSE_BROWSER_NOTEBOOKS")
    assert ld.requested_notebooks(tmp_path) is None
