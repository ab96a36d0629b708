"""The package is grouped by the course's diagram; the flat paths of the first release alias it."""

import importlib

import pytest

import mfcourse


@pytest.mark.parametrize(("old", "new"), sorted(mfcourse.MOVED.items()))
def test_flat_paths_are_the_grouped_modules(old, new):
    flat = importlib.import_module(f"mfcourse.{old}")
    grouped = importlib.import_module(f"mfcourse.{new}")
    assert flat is grouped, f"mfcourse.{old} must be the module mfcourse.{new}"
    assert grouped.__name__ == f"mfcourse.{new}"
    assert grouped.__spec__.name == f"mfcourse.{new}", "the alias must not steal the module's spec"
    assert getattr(mfcourse, old) is grouped


def test_from_import_and_reload():
    from mfcourse import kac, newton  # noqa: F401  (the old spelling of lecture notebooks)

    assert importlib.reload(importlib.import_module("mfcourse.classical.newton")) is newton
    from mfcourse.chaos import MasterEquation
    from mfcourse.chaos.hierarchy import MasterEquation as M2

    assert MasterEquation is M2
