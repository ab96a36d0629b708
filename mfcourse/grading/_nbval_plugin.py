"""pytest plugin loaded by ``mfcourse grade`` next to nbval, in the grading subprocess only.

It appends one JSON line per notebook cell result to the file named by the environment variable
``MFCOURSE_GRADE_RESULTS`` (written as they come, so that a run stopped half-way keeps what it
measured), records the kernel's process id, and makes nbval notice a dead kernel within half a
second instead of waiting for the whole cell timeout.
"""

from __future__ import annotations

import json
import os
import time
from queue import Empty

import pytest
from nbval import kernel as _kernel

_OUT = os.environ.get("MFCOURSE_GRADE_RESULTS")
_POLL = 0.5


class KernelDied(RuntimeError):
    """The kernel process exited while a cell was running (os._exit, exit(), a crash, ...)."""


def _emit(record: dict) -> None:
    if not _OUT:
        return
    with open(_OUT, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
        f.flush()


_original_init = _kernel.RunningKernel.__init__


def _init(self, *args, **kwargs):
    _original_init(self, *args, **kwargs)
    process = getattr(getattr(self.km, "provisioner", None), "process", None)
    _emit({"event": "kernel", "pid": getattr(process, "pid", None)})


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


_kernel.RunningKernel.__init__ = _init
_kernel.RunningKernel.await_reply = _await_reply


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
                "cell": cell,
                "when": call.when,
                "passed": bool(report.passed),
                "skipped": bool(skipped),
                "message": text[-20000:],
                "duration": round(float(call.duration), 3),
            }
        )
