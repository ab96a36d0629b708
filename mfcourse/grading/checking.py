r"""Check as you go: ``check("11")`` inside an exercise notebook.

``from mfcourse.grading import check; check("11")`` runs the graded tests of exercise 11 on the
student's current code -- the variables and functions of the running notebook -- and prints, for
each test, the verdict and the message that ``mfcourse grade`` would give (the same
:func:`mfcourse.grading.feedback.failure_message`). The test sources are read from the course's
solution notebook (``exercises/solutions/NN_name.ipynb``), never from the student's notebook, so
editing a test cell changes nothing. ``check("11-w1-sorting-equal")`` runs one test. Hidden tests
are not run (their number is printed).

It is a convenience, not the grade: the grade comes from ``mfcourse grade``, which runs the whole
notebook from the top on a fresh kernel.
"""

from __future__ import annotations

import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from mfcourse.grading.feedback import failure_message


@dataclass
class CheckResult:
    """What :func:`check` found: per test id, ``(passed, points, max_points, message)``."""

    exercise: str
    tests: dict = field(default_factory=dict)
    hidden: int = 0

    @property
    def points(self) -> int:
        return sum(v[1] for v in self.tests.values())

    @property
    def max_points(self) -> int:
        return sum(v[2] for v in self.tests.values())

    @property
    def passed(self) -> bool:
        return bool(self.tests) and all(v[0] for v in self.tests.values())

    def __repr__(self) -> str:
        return f"<check {self.exercise}: {self.points}/{self.max_points} points>"


def _solutions_dir(solutions: Path | str | None) -> Path:
    if solutions is not None:
        return Path(solutions)
    from mfcourse.grading.build import default_exercises_dir

    return default_exercises_dir() / "solutions"


def _select(what: str, solutions: Path):
    """(solution path, test id or None) for an exercise number/name or a test id."""
    import nbformat

    from mfcourse.grading.build import graded_tests

    what = str(what).strip()
    paths = sorted(solutions.glob("*.ipynb"))
    for p in paths:
        if what in (p.stem, p.stem.split("_", 1)[0]):
            return p, None
    for p in paths:
        if any(t.id == what for t in graded_tests(nbformat.read(p, as_version=4), str(p))):
            return p, what
    names = ", ".join(p.stem.split("_", 1)[0] for p in paths) or "none found"
    raise ValueError(
        f"check: no exercise or graded test {what!r} in {solutions} (exercises: {names}); "
        'give the exercise number, e.g. check("11"), or a test id'
    )


def _namespace(depth: int = 2) -> dict:
    try:
        ip = get_ipython()  # type: ignore[name-defined]  # noqa: F821
        return ip.user_ns
    except NameError:
        return sys._getframe(depth).f_globals


def check(
    what: str, solutions: Path | str | None = None, namespace: dict | None = None, out=print
) -> CheckResult:
    """Run the course's graded tests of an exercise (or one test) on the current notebook's code.

    ``what``: the exercise number (``"11"``), its name (``"11_w1_by_sorting"``) or a test id;
    ``solutions``: the folder of solution notebooks (default: the course's
    ``exercises/solutions``); ``namespace``: where the student's code lives (default: the
    notebook's). Prints one verdict per test and returns a :class:`CheckResult`.
    """
    import nbformat

    from mfcourse.grading.build import graded_tests

    ns = namespace if namespace is not None else _namespace()
    sol, only = _select(what, _solutions_dir(solutions))
    tests = graded_tests(nbformat.read(sol, as_version=4), str(sol))
    result = CheckResult(sol.stem, hidden=sum(t.hidden for t in tests))
    for t in tests:
        if t.hidden or (only is not None and t.id != only):
            continue
        filename = f"<graded test {t.id}>"
        start = time.monotonic()
        try:
            exec(compile(t.source, filename, "exec"), ns)  # noqa: S102 - the course's own test
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - a failing test, whatever it raised
            lineno = None
            for frame, line in traceback.walk_tb(exc.__traceback__):
                if frame.f_code.co_filename == filename:
                    lineno = line
                    break
            msg = failure_message(type(exc).__name__, str(exc), t.source, lineno)
            result.tests[t.id] = (False, 0, t.points, msg)
            out(f"FAILED  {t.id} (0/{t.points} points): {msg}")
            continue
        result.tests[t.id] = (True, t.points, t.points, "")
        out(f"passed  {t.id} ({t.points}/{t.points} points, {time.monotonic() - start:.1f} s)")
    out(
        f"{result.exercise}: {result.points}/{result.max_points} points from "
        f"{len(result.tests)} test(s) on your current code"
        + (f"; the lecturer also runs {result.hidden} hidden test(s)" if result.hidden else "")
        + ". The grade itself comes from `mfcourse grade` (the whole notebook, top to bottom)."
    )
    return result
