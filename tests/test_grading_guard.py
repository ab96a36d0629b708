"""mfcourse.grading.guard.forbid: delegation to the library fails inside graded tests."""

import numpy as np
import pytest
from scipy.stats import wasserstein_distance

import mfcourse.transport as tr
from mfcourse.grading.guard import DelegationError, forbid
from mfcourse.quantum.fock import FockSpace


def _through_alias(x, y):
    return wasserstein_distance(x, y)  # bound at import time under this module's name


def test_forbid_catches_aliases_and_restores():
    with pytest.raises(DelegationError, match="scipy.stats.wasserstein_distance"):
        with forbid("scipy.stats.wasserstein_distance"):
            _through_alias([0.0], [1.0])
    assert _through_alias([0.0], [1.0]) == 1.0
    with pytest.raises(DelegationError):
        with forbid("mfcourse.transport.wasserstein_1d"):
            tr.wasserstein_1d(np.zeros(3), np.ones(3))
    assert tr.wasserstein_1d(np.zeros(3), np.ones(3)) == pytest.approx(1.0)


def test_forbid_methods_and_old_paths():
    original = FockSpace.gamma1
    with pytest.raises(DelegationError):
        with forbid("mfcourse.fock.FockSpace.gamma1"):  # the flat path names the same class
            FockSpace.gamma1(None, 1)
    assert FockSpace.gamma1 is original


def test_forbid_bad_names():
    with pytest.raises(ValueError, match="at least one"):
        with forbid():
            pass
    with pytest.raises(ValueError, match="cannot import"):
        with forbid("nosuchmodule_xyz.f"):
            pass
