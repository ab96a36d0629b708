"""Exercises and their grading (issue #3).

One source per exercise: a *solution notebook* ``exercises/solutions/NN_name.ipynb`` whose code
cells mark solution regions between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` lines and whose
*graded test cells* carry the cell metadata ``{"mfcourse": {"grade": {"id": ..., "points": ...}}}``.

- :mod:`mfcourse.grading.build` turns solutions into student notebooks
  (``mfcourse exercises build``) and checks that the committed student notebooks are in sync
  (``mfcourse exercises check``).
- :mod:`mfcourse.grading.grade` grades student notebooks (``mfcourse grade``): it restores the
  pristine graded test cells by id from the solution notebooks, runs the notebook on a fresh kernel
  through the worker :mod:`mfcourse.grading.runner` (which observes the kernel's execute replies)
  with a per-cell timeout and scores each test.
- :mod:`mfcourse.grading.report` renders the results (terminal table, JSON, JUnit XML, Markdown,
  CSV gradebook); :mod:`mfcourse.grading.feedback` words a failure (shared with ``check``).
- :mod:`mfcourse.grading.checking`: ``check("11")`` inside a notebook runs the pristine tests.
- :mod:`mfcourse.grading.guard`: ``forbid(...)``, so that delegating to the library fails.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "BEGIN_MARKER": "build",
    "END_MARKER": "build",
    "ExerciseFormatError": "build",
    "GradedTest": "build",
    "build_all": "build",
    "build_student_notebook": "build",
    "check_all": "build",
    "graded_tests": "build",
    "source_checksum": "build",
    "ExerciseResult": "grade",
    "Restoration": "grade",
    "TestResult": "grade",
    "grade_notebooks": "grade",
    "grade_students": "grade",
    "check": "checking",
}


def __getattr__(name: str):
    """Import lazily, so that ``mfcourse --help`` does not pay for nbformat."""
    if name in _WHERE:
        return getattr(importlib.import_module(f"mfcourse.grading.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'mfcourse.grading' has no attribute {name!r}")


__all__ = [
    "BEGIN_MARKER",
    "END_MARKER",
    "ExerciseFormatError",
    "ExerciseResult",
    "GradedTest",
    "Restoration",
    "TestResult",
    "build_all",
    "build_student_notebook",
    "check",
    "check_all",
    "grade_notebooks",
    "grade_students",
    "graded_tests",
    "source_checksum",
]
