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


def test_from_import():
    # (no importlib.reload here: it would replace the classes other test modules hold)
    from mfcourse import kac, newton  # the old spelling of lecture notebooks

    assert newton is importlib.import_module("mfcourse.classical.newton")
    assert kac is importlib.import_module("mfcourse.chaos.kac")
    from mfcourse.chaos import MasterEquation
    from mfcourse.chaos.hierarchy import MasterEquation as M2

    assert MasterEquation is M2
