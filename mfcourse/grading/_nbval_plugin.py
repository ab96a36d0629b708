"""pytest plugin loaded by ``mfcourse grade`` next to nbval, in the grading subprocess only.

It appends one JSON line per event to the file named by the environment variable
``MFCOURSE_GRADE_RESULTS`` (written as they come, so that a run stopped half-way keeps what it
measured): the start of each notebook (its folder) and its kernel's process id, and each cell's
result. It also hardens nbval: a dead kernel is noticed within half a second instead of after the
whole cell timeout, and a cell still running ``WATCHDOG`` seconds after its timeout (e.g. code that
swallows the interrupt while printing forever) gets its kernel killed, so that nbval moves on.
"""

from __future__ import annotations

import json
import os
import threading
import time
from queue import Empty

import pytest
from nbval import kernel as _kernel
from nbval import plugin as _plugin

# Read our settings and remove them from the environment that the kernels inherit, so that the
# graded code is not told where the results go.
_OUT = os.environ.pop("MFCOURSE_GRADE_RESULTS", None)
_POLL = 0.5
#: Seconds after the cell timeout at which a still-running cell's kernel is killed.
WATCHDOG = float(os.environ.pop("MFCOURSE_GRADE_WATCHDOG", "5"))


class KernelDied(RuntimeError):
    """The kernel process exited while a cell was running (os._exit, exit(), a crash, ...)."""


def _emit(record: dict) -> None:
    if not _OUT:
        return
    with open(_OUT, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
        f.flush()


_original_init = _kernel.RunningKernel.__init__


def _init(self, kernel_name, cwd=None, startup_timeout=60):
    _emit({"event": "start", "dir": str(cwd), "t": time.time()})
    _original_init(self, kernel_name, cwd=cwd, startup_timeout=startup_timeout)
    process = getattr(getattr(self.km, "provisioner", None), "process", None)
    _emit({"event": "kernel", "dir": str(cwd), "pid": getattr(process, "pid", None)})


def _await_reply(self, msg_id, timeout=None):
    """nbval's ``await_reply``, polling in short slices so that a dead kernel is noticed."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        wait = _POLL if deadline is None else min(_POLL, deadline - time.monotonic())
        if wait <= 0:
            raise Empty
        try:
            msg = self.get_message(stream="shell", timeout=wait)
        except Empty:
            if not self.is_alive():
                raise KernelDied(
                    "the kernel died while running this cell (its process exited: os._exit, "
                    "exit(), a crash or running out of memory)"
                ) from None
            continue
        if msg["parent_header"].get("msg_id") == msg_id:
            if msg["content"]["status"] == "aborted":
                raise RuntimeError("Kernel aborted execution request")
            return


_original_runtest = _plugin.IPyNbCell.runtest


def _kill_kernel(kernel) -> None:
    """SIGKILL the kernel process (from the watchdog thread: no event loop, no messages)."""
    km = getattr(kernel, "km", None)
    process = getattr(getattr(km, "provisioner", None), "process", None)
    try:
        process.kill()
    except Exception:  # already gone
        pass


def _runtest(self):
    """nbval's ``runtest`` under a watchdog that kills the kernel of a cell that never ends."""
    limit = float(self.config.option.nbval_cell_timeout) + WATCHDOG
    timer = threading.Timer(limit, _kill_kernel, args=(self.parent.kernel,))
    timer.daemon = True
    timer.start()
    try:
        return _original_runtest(self)
    finally:
        timer.cancel()


_kernel.RunningKernel.__init__ = _init
_kernel.RunningKernel.await_reply = _await_reply
_plugin.IPyNbCell.runtest = _runtest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    cell = getattr(item, "cell_num", None)
    if cell is None:
        return
    if call.when == "call" or (call.when == "setup" and call.excinfo is not None):
        text = ""
        if call.excinfo is not None:
            try:
                text = str(item.repr_failure(call.excinfo))
            except Exception:  # pragma: no cover - defensive
                text = str(call.excinfo.value)
        skipped = report.skipped and not hasattr(report, "wasxfail")
        _emit(
            {
                "event": "cell",
                "dir": str(item.path.parent),
                "t": time.time(),
                "cell": cell,
                "when": call.when,
                "passed": bool(report.passed),
                "skipped": bool(skipped),
                "message": text[-20000:],
                "duration": round(float(call.duration), 3),
            }
        )
