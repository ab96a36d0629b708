"""``mfcourse lab``: open the course in JupyterLab on the overview notebook.

The process *becomes* the JupyterLab server (``os.execv``), so whoever started it holds the
server's own PID — ``make course`` uses this command, and the tests stop the server by that PID.
"""

from __future__ import annotations

import os
import sys

from mfcourse.info import course_root

OVERVIEW = "lectures/00_overview.ipynb"


def lab_command(
    port: int = 8888,
    token: str | None = None,
    open_browser: bool = True,
    extra: list[str] | None = None,
) -> list[str]:
    """The command line that starts JupyterLab on the overview, serving the course folder."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError(f"port must be an integer from 1 to 65535, got {port!r}")
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        OVERVIEW,
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={course_root()}",
    ]
    if token is not None:
        cmd.append(f"--IdentityProvider.token={token}")
    if not open_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # JupyterLab refuses to run as root without it
    return cmd + list(extra or [])


def _run(args) -> int:
    if not (course_root() / OVERVIEW).is_file():
        print(
            f"mfcourse lab: {OVERVIEW} not found under {course_root()}; "
            "run this from a source checkout of the course",
            file=sys.stderr,
        )
        return 2
    cmd = lab_command(args.port, args.token, not args.no_browser, args.jupyter_args)
    print("[mfcourse] starting JupyterLab on the overview:", " ".join(cmd[1:]), flush=True)
    os.chdir(course_root())
    os.execv(cmd[0], cmd)
    return 0  # pragma: no cover - execv does not return


def port_number(text: str) -> int:
    """A TCP port for ``--port``: an integer from 1 to 65535 (argparse reports anything else)."""
    import argparse

    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is out of range: use 1-65535")
    return port


def register(subparsers) -> None:
    p = subparsers.add_parser("lab", help="open the course in JupyterLab on the overview")
    p.add_argument(
        "--port", type=port_number, default=8888, help="port on 127.0.0.1, 1-65535 (default 8888)"
    )
    p.add_argument("--token", default=None, help="access token (default: JupyterLab's own)")
    p.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    p.add_argument("jupyter_args", nargs="*", help="further arguments for jupyter lab")
    p.set_defaults(func=_run)
