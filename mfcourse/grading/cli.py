"""``mfcourse exercises build|check`` and ``mfcourse grade`` (registered in :mod:`mfcourse.cli`)."""

from __future__ import annotations

import sys
from pathlib import Path


def _exercises(args) -> int:
    from mfcourse.grading.build import build_all

    check = args.action == "check" or args.check
    report = build_all(args.dir, check=check)
    if report.problems:
        print(f"{len(report.problems)} problem(s); see the messages above", file=sys.stderr)
        return 1
    if report.out_of_sync:
        print(
            f"{len(report.out_of_sync)} student notebook(s) out of sync with their solutions: "
            "run `mfcourse exercises build` and commit the result",
            file=sys.stderr,
        )
        return 1
    return 0


def _grade(args) -> int:
    from mfcourse.grading.grade import run_cli

    return run_cli(args)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "exercises",
        help="build the student notebooks from the solution notebooks, or check they are in sync",
        description=(
            "build: write exercises/NN_name.ipynb from exercises/solutions/NN_name.ipynb "
            "(solution regions replaced by stubs). check: write nothing, exit 1 if any student "
            "notebook differs from what build would write."
        ),
    )
    p.add_argument("action", choices=("build", "check"), help="build or check")
    p.add_argument(
        "--check", action="store_true", help="same as the action 'check' (write nothing)"
    )
    p.add_argument(
        "--dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="the exercises folder (default: ./exercises, else the course's exercises/)",
    )
    p.set_defaults(func=_exercises)

    g = subparsers.add_parser(
        "grade",
        help="grade student notebooks (restores the graded tests, runs them on a fresh kernel)",
        description=(
            "Grade student notebooks: restore the course's graded test cells by id from the "
            "solution notebooks (edited ones are restored, deleted ones re-inserted, both "
            "reported), run each notebook on a fresh kernel with a per-cell timeout, and score "
            "each test from the kernel's replies observed by the grader. Every exercise of the "
            "course is reported (a missing one scores 0). Exit status 0 only if every graded "
            "test passed."
        ),
    )
    g.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATHS",
        help="student notebooks or folders (default: every exercise of exercises/)",
    )
    g.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="seconds allowed to each cell (default 60); a test that runs out scores 0",
    )
    g.add_argument(
        "--solutions",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of the solution notebooks holding the pristine tests "
        "(default: exercises/solutions of the course)",
    )
    g.add_argument("--json", type=Path, default=None, metavar="FILE", help="write a JSON report")
    g.add_argument("--junit", type=Path, default=None, metavar="FILE", help="write JUnit XML")
    g.add_argument(
        "--markdown",
        type=Path,
        default=None,
        metavar="FILE",
        help="write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)",
    )
    g.add_argument(
        "--teacher",
        action="store_true",
        help="teacher mode: also run the hidden tests kept in the solution notebooks",
    )
    g.add_argument(
        "--roster",
        action="store_true",
        help="batch mode for lecturers: each PATH is one student's folder (named after the "
        "student); implies --teacher",
    )
    g.add_argument(
        "--gradebook",
        type=Path,
        default=None,
        metavar="CSV",
        help="with --roster: write the gradebook (student, exercise, points, ...) as CSV",
    )
    g.add_argument(
        "--feedback",
        type=Path,
        default=None,
        metavar="DIR",
        help="with --roster: write one Markdown feedback file per student (DIR/<student>.md)",
    )
    g.add_argument(
        "--fail-fast",
        action="store_true",
        help="stop each notebook at its first failing graded test (quicker; later tests score 0)",
    )
    g.add_argument("--no-fail", action="store_true", help="exit 0 even if a test failed")
    g.add_argument("--quiet", action="store_true", help="no per-notebook progress lines")
    g.set_defaults(func=_grade)
