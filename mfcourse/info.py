"""``mfcourse info``: where the course's files are and which versions it runs with."""

from __future__ import annotations

import importlib.metadata as md
import sys
from pathlib import Path

from mfcourse import __version__

_PACKAGES = ("numpy", "scipy", "matplotlib", "ipywidgets", "jupyterlab", "POT", "numba", "nbval")


def course_root() -> Path:
    """The course's top folder (the one holding ``lectures/``), for a source checkout."""
    return Path(__file__).resolve().parent.parent


def _run(args) -> int:
    print(f"mfcourse {__version__} on Python {sys.version.split()[0]}")
    print(f"course folder: {course_root()}")
    for name in _PACKAGES:
        try:
            version = md.version(name)
        except md.PackageNotFoundError:
            version = "not installed"
        print(f"  {name:<12} {version}")
    lectures = sorted((course_root() / "lectures").glob("*.ipynb"))
    print(f"lectures ({len(lectures)}):")
    for path in lectures:
        print(f"  {path.name}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("info", help="show versions and the course's lectures")
    p.set_defaults(func=_run)
