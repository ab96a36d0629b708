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


def register(subparsers) -> None:
    p = subparsers.add_parser("lab", help="open the course in JupyterLab on the overview")
    p.add_argument("--port", type=int, default=8888, help="port on 127.0.0.1 (default 8888)")
    p.add_argument("--token", default=None, help="access token (default: JupyterLab's own)")
    p.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    p.add_argument("jupyter_args", nargs="*", help="further arguments for jupyter lab")
    p.set_defaults(func=_run)
