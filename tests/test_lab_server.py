"""The README's course command starts JupyterLab on the overview (issue #2, "Done when").

``make course`` runs ``mfcourse lab``, which *becomes* the JupyterLab server (execv): so the PID of
the process started here is the server's, and the test stops exactly that PID.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str):
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return resp.status, resp.read()


def test_makefile_course_target_uses_mfcourse_lab():
    makefile = (ROOT / "Makefile").read_text()
    course = makefile.split("\ncourse:")[1].split("\n\n")[0]
    assert "mfcourse lab" in course


@pytest.mark.slow
def test_course_command_serves_the_overview(tmp_path):
    port, token = free_port(), "mfcourse-test-token"
    env = dict(os.environ)
    for var, sub in [
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("IPYTHONDIR", "ipython"),
        ("MPLCONFIGDIR", "mpl"),
    ]:
        env[var] = str(tmp_path / sub)
    log = open(tmp_path / "lab.log", "w")
    cmd = [
        sys.executable,
        "-m",
        "mfcourse",
        "lab",
        "--port",
        str(port),
        "--token",
        token,
        "--no-browser",
    ]
    server = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = get(f"{base}/api/status", token)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(
                        "JupyterLab did not answer /api/status:\n"
                        + (tmp_path / "lab.log").read_text()[-3000:]
                    )
                time.sleep(0.25)
        assert status == 200 and "started" in json.loads(body)
        status, body = get(f"{base}/api/contents/lectures/00_overview.ipynb?content=0", token)
        assert status == 200 and json.loads(body)["type"] == "notebook"
        status, body = get(f"{base}/lab/tree/lectures/00_overview.ipynb", token)
        assert status == 200 and b"JupyterLab" in body
        log.flush()
        started = (tmp_path / "lab.log").read_text()
        assert "00_overview.ipynb" in started  # the overview is the file JupyterLab opens
    finally:
        if server.poll() is None:
            os.kill(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(server.pid, signal.SIGKILL)
                server.wait(timeout=10)
        log.close()
    assert server.returncode is not None
