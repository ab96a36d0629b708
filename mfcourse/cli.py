"""The ``mfcourse`` command line.

Subcommands are contributed by modules listed in :data:`SUBCOMMANDS`; each such module defines
``register(subparsers)`` which adds its parser and sets ``func`` (a callable taking the parsed
arguments and returning an exit code).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from mfcourse import __version__

#: Modules that contribute subcommands (each defines ``register(subparsers)``).
SUBCOMMANDS: tuple[str, ...] = ("mfcourse.info", "mfcourse.launch", "mfcourse.grading.cli")


class _Parser(argparse.ArgumentParser):
    """ArgumentParser that prints the usage and exits with status 2 on any usage error."""

    def error(self, message: str) -> None:  # pragma: no cover - exercised through main()
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mfcourse",
        description="Tools of the mean-field limits course (see README.md).",
    )
    parser.add_argument("--version", action="version", version=f"mfcourse {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in SUBCOMMANDS:
        importlib.import_module(name).register(sub)
    parser.subcommands = dict(sub.choices)  # so that a subcommand's usage errors show its usage
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        sub = parser.subcommands.get(getattr(args, "command", None) or "")
        (sub or parser).error(f"unrecognized arguments: {' '.join(extra)}")
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
