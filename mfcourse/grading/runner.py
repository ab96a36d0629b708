r"""The grading worker: runs notebooks cell by cell on fresh kernels and reports what it *observes*.

``mfcourse grade`` starts ``python -m mfcourse.grading.runner`` and hands it, on its standard input,
a secret key and the list of notebooks (the code cells to run, the folder to run them in, the
per-cell timeout). For each notebook the worker starts a fresh ``python3`` kernel of the running
environment (through :mod:`jupyter_client`), sends each code cell as an ``execute_request`` and
waits for the kernel's ``execute_reply`` to that very request: the status of the reply (``ok`` or
``error``, with the exception's name, message and traceback) is the cell's outcome. Nothing is
written to a file, nothing is passed to the kernel: the outcome of a test is decided by the
process that observes the kernel's replies.

Every observation goes back to ``mfcourse grade`` as one line on the worker's standard output,
``<hmac> <json>``, signed with the key (HMAC-SHA256) and numbered, so that a line the kernel might
manage to write into that pipe is recognised as forged. The worker makes itself non-dumpable
(``prctl(PR_SET_DUMPABLE, 0)`` on Linux), which keeps a kernel of the same (unprivileged) user
out of its ``/proc/<pid>/environ``, ``fd`` and ``mem``; the kernel is started with its own
standard streams sent to ``/dev/null`` and no inherited file descriptors.

A cell that outlives its timeout is interrupted (SIGINT); if it has not answered ``WATCHDOG``
seconds later its kernel is killed. If the kernel dies or is killed, every later cell is reported
as not run. If the worker itself is killed (the graded code may kill its parent), ``mfcourse
grade`` scores what it had observed so far and starts a new worker for the notebooks left.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import queue
import signal
import subprocess
import sys
import time

#: Seconds allowed for a kernel to start and answer.
STARTUP_TIMEOUT = 60.0


def make_undumpable() -> bool:
    """``prctl(PR_SET_DUMPABLE, 0)``: other processes of the same user can no longer open this
    process's ``/proc`` entries (environ, fd, mem) or ptrace it. Linux only; ``False`` elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(4, 0, 0, 0, 0) == 0  # PR_SET_DUMPABLE = 4
    except Exception:  # pragma: no cover - exotic libc
        return False


def sign(key: bytes, payload: bytes) -> str:
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


class _Channel:
    """Signed, numbered JSON lines on the worker's stdout."""

    def __init__(self, key: bytes, out):
        self.key, self.out, self.seq = key, out, 0

    def send(self, **record) -> None:
        self.seq += 1
        record.update(seq=self.seq, t=time.time())
        payload = json.dumps(record, ensure_ascii=True, separators=(",", ":")).encode()
        self.out.write(sign(self.key, payload).encode() + b" " + payload + b"\n")
        self.out.flush()


def _kernel_manager(workdir: str):
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpec

    km = KernelManager()
    km._kernel_spec = KernelSpec(
        argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        display_name="Python 3",
        language="python",
        env={},
    )
    return km


def _kernel_env(workdir: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MFCOURSE_GRADE", "JPY_", "PYTEST", "GITHUB_TOKEN", "ACTIONS_"))
    }
    env.update(MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    return env


def _drain(channel) -> None:
    try:
        while True:
            channel.get_msg(timeout=0)
    except queue.Empty:
        pass
    except Exception:
        pass


def run_cell(km, kc, source: str, timeout: float, watchdog: float) -> dict:
    """Execute one cell; the outcome as observed from the kernel's execute reply."""
    start = time.monotonic()
    msg_id = kc.execute(source, store_history=True, allow_stdin=False, stop_on_error=False)
    interrupted_at = None
    while True:
        try:
            msg = kc.get_shell_msg(timeout=0.1)
        except queue.Empty:
            msg = None
        _drain(kc.iopub_channel)
        now = time.monotonic()
        if msg is not None and msg.get("parent_header", {}).get("msg_id") == msg_id:
            if msg.get("msg_type") != "execute_reply":
                continue
            content = msg.get("content", {})
            duration = now - start
            if interrupted_at is not None:
                return {"status": "timeout", "killed": False, "duration": duration}
            if content.get("status") == "ok":
                return {"status": "passed", "duration": duration}
            return {
                "status": "failed",
                "ename": str(content.get("ename", "Error")),
                "evalue": str(content.get("evalue", "")),
                "traceback": [str(x) for x in content.get("traceback", [])][-60:],
                "duration": duration,
            }
        if msg is not None:
            continue
        if not km.is_alive():
            return {"status": "kernel died", "duration": now - start}
        if interrupted_at is None and now - start > timeout:
            interrupted_at = now
            try:
                km.interrupt_kernel()
            except Exception:
                pass
        elif interrupted_at is not None and now - interrupted_at > watchdog:
            try:
                km.kill_kernel()
            except Exception:
                pass
            return {"status": "timeout", "killed": True, "duration": now - start}


def run_job(chan: _Channel, k: int, job: dict, timeout: float, watchdog: float) -> None:
    km = _kernel_manager(job["dir"])
    chan.send(event="start", job=k)
    try:
        km.start_kernel(
            cwd=job["dir"],
            env=_kernel_env(job["dir"]),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
    except Exception as exc:
        chan.send(event="error", job=k, message=f"the kernel did not start: {exc}"[:500])
        _shutdown(km)
        chan.send(event="end", job=k)
        return
    pid = getattr(getattr(km, "provisioner", None), "pid", None)
    chan.send(event="kernel", job=k, pid=pid)
    stopped = None
    for n, source in enumerate(job["cells"]):
        if stopped:
            chan.send(event="cell", job=k, cell=n, status="not run", why=stopped)
            continue
        res = run_cell(km, kc, source, timeout, watchdog)
        chan.send(event="cell", job=k, cell=n, **res)
        if job.get("fail_fast") and n in job.get("tests", ()) and res["status"] != "passed":
            stopped = "grading of this notebook stopped at its first failing test (fail fast)"
        if res["status"] == "kernel died":
            stopped = "the kernel had died"
        elif res.get("killed"):
            stopped = "the kernel was stopped after a timeout"
    try:
        kc.stop_channels()
    except Exception:
        pass
    _shutdown(km)
    chan.send(event="end", job=k)


def _shutdown(km) -> None:
    try:
        km.shutdown_kernel(now=True)
    except Exception:
        try:
            km.kill_kernel()
        except Exception:
            pass


def main() -> int:
    make_undumpable()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    key = bytes.fromhex(sys.stdin.readline().strip())
    spec = json.loads(sys.stdin.readline())
    sys.stdin.close()
    out = os.fdopen(os.dup(1), "wb")
    # nothing but the signed channel on fd 1: stray prints go to stderr
    os.dup2(2, 1)
    chan = _Channel(key, out)
    for k, job in enumerate(spec["jobs"]):
        run_job(chan, k, job, float(spec["timeout"]), float(spec["watchdog"]))
    chan.send(event="done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
