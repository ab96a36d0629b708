"""Tests of the lecture-4 experiment helper (the HMF coupling of seed 001 §3)."""

from __future__ import annotations

import numpy as np
import pytest

from mfcourse.classical import newton
from mfcourse.course import lecture4
from mfcourse.interaction import PairInteraction


def _density():
    # built at call time: tests/test_package_layout.py reloads the newton module, which
    # re-creates its classes (a module-level instance would then fail isinstance checks)
    return newton.CosineMaxwellian(amplitude=0.5, temperature=0.5)


def test_coupling_starts_at_zero_and_scales_like_one_over_N():
    res = lecture4.hmf_coupling(
        _density(),
        PairInteraction.hmf(),
        [100, 1600],
        16,
        [0.0, 1.0],
        dt=0.05,
        n_ref=100_000,
        seed=1,
    )
    assert np.all(res["D"][:, 0] == 0)
    # Sznitman: D_N ~ c/N, so N D_N agrees across a factor 16 in N (within the ~25% noise)
    nd = np.array([100, 1600]) * res["D"][:, 1]
    assert 0.5 < nd[1] / nd[0] < 2.0, nd
    assert res["D"][1, 1] < res["D"][0, 1] / 4


def test_coupling_without_interaction_is_exact():
    # a vanishing interaction: both flows are free streaming from the same points, D = 0
    res = lecture4.hmf_coupling(
        _density(), PairInteraction({1: 1e-300}), [50], 2, [0.0, 0.5], dt=0.05, n_ref=1000, seed=2
    )
    assert res["D"].max() < 1e-20


def test_coupling_validation():
    hmf = PairInteraction.hmf()
    with pytest.raises(ValueError, match="multiples of dt"):
        lecture4.hmf_coupling(_density(), hmf, [10], 2, [0.0, 0.3], dt=0.2)
    with pytest.raises(ValueError, match="start at 0"):
        lecture4.hmf_coupling(_density(), hmf, [10], 2, [0.1, 0.3], dt=0.1)
    with pytest.raises(ValueError, match="replicates"):
        lecture4.hmf_coupling(_density(), hmf, [10], 1, [0.0, 0.2], dt=0.1)
    with pytest.raises(ValueError, match="N must be|every N"):
        lecture4.hmf_coupling(_density(), hmf, [1], 2, [0.0, 0.2], dt=0.1)
