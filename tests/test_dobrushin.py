"""Tests of the proof audit of Dobrushin's inequality (mfcourse.classical.dobrushin)."""

from __future__ import annotations

import numpy as np
import pytest

from mfcourse import transport as tr
from mfcourse.classical import dobrushin as db
from mfcourse.classical import newton as nw
from mfcourse.course import lecture1 as l1
from mfcourse.interaction import PairInteraction

HMF = PairInteraction.hmf()
FREE = PairInteraction({1: 0.0})


def test_torus_difference_is_the_signed_periodic_distance():
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-20, 20, 200), rng.uniform(-20, 20, 200)
    d = db.torus_difference(x, y)
    assert np.all((d >= -np.pi) & (d < np.pi))
    assert np.allclose(np.abs(d), tr.torus_distance(x, y), atol=1e-12)
    k = (x - y - d) / (2 * np.pi)
    assert np.allclose(k, np.round(k), atol=1e-9)
    with pytest.raises(ValueError, match="period"):
        db.torus_difference(x, y, period=0.0)


def test_klimontovich_identity_matches_the_time_derivative_along_the_flow():
    # independent reference: d/dt <mu_N(t), phi> by a centred difference of an accurate
    # leapfrog integration (step 1e-4, Richardson-extrapolated), at the same configuration
    V2 = PairInteraction({1: -1.0, 2: 0.4})
    x, v = nw.sample_iid(nw.CosineMaxwellian(0.3, 0.4), 300, seed=3)
    for test in l1.TEST_FUNCTIONS:
        idt = db.klimontovich_identity(x, v, V2, test.phi, test.dx, test.dv)
        assert abs(idt["difference"]) <= 1e-13 * idt["scale"], idt
        assert idt["self_term"] == 0.0

        def pairing(s, test=test):
            tr_ = nw.simulate(x, v, V2, [s], s / 50, wrap=False) if s > 0 else None
            xs, vs = (tr_.x[-1], tr_.v[-1]) if tr_ else (x, v)
            return np.mean(test.phi(xs, vs))

        def backward(s, test=test):
            tr_ = nw.simulate(x, -v, V2, [s], s / 50, wrap=False)
            return np.mean(test.phi(tr_.x[-1], -tr_.v[-1]))

        d1 = (pairing(2e-3) - backward(2e-3)) / 4e-3
        d2 = (pairing(1e-3) - backward(1e-3)) / 2e-3
        fd = (4 * d2 - d1) / 3
        assert fd == pytest.approx(idt["lhs"], rel=1e-6, abs=1e-9)


def test_klimontovich_identity_bad_input():
    with pytest.raises(ValueError, match="same length"):
        db.klimontovich_identity([0.0, 1.0], [0.0], HMF, np.cos, np.cos, np.cos)
    with pytest.raises(ValueError, match="finite"):
        db.klimontovich_identity([0.0, np.nan], [0.0, 1.0], HMF, np.cos, np.cos, np.cos)
    with pytest.raises(ValueError, match="pair sum"):
        z = np.zeros(db.PAIR_SUM_MAX_N + 1)
        db.klimontovich_identity(z, z, HMF, np.cos, np.cos, np.cos)


def test_audit_free_streaming_shift_is_exact():
    # V = 0 and g = f shifted by c in momentum: the translation is an optimal coupling
    # (W1 = |c| by Kantorovich-Rubinstein with phi = xi), and along it
    # D(t) = |c| + |c| t exactly while c t < pi; dD = |c|; L = 0, rate 1
    rng = np.random.default_rng(1)
    x, v = rng.uniform(0, 2 * np.pi, 40), rng.normal(0, 1, 40)
    c = 0.3
    a = db.dobrushin_audit(x, v, x, v + c, FREE, 2.0, h=0.1, dt=0.05)
    assert a["L"] == 0.0 and a["rate"] == 1.0
    assert a["W1"][0] == pytest.approx(c, rel=1e-12)
    assert np.allclose(a["D"], c * (1 + a["times"]), rtol=1e-9)
    assert np.allclose(a["dD"], c, rtol=1e-9)
    assert np.all(a["W1"] <= a["D"] * (1 + 1e-12))
    # no force, L = 0: R1 = R2 = |c| (velocity part only), R3 = R4 = max(1, L) D = D
    assert np.allclose(a["R"][0], c) and np.allclose(a["R"][1], c)
    assert np.allclose(a["R"][2], a["D"]) and np.allclose(a["R"][3], a["D"])


def test_audit_hmf_chain_and_exact_factorisation():
    F = nw.CosineMaxwellian(0.2, 0.1, phase=np.pi)
    x, v = nw.sample_iid(F, 120, seed=4)
    y, w = nw.sample_iid(F, 240, seed=5)
    a = db.dobrushin_audit(x, v, y, w, HMF, 3.0, h=0.05, dt=0.025)
    # the coupling is optimal at t = 0, computed independently by POT's W1
    assert a["D"][0] == pytest.approx(
        tr.w1(np.column_stack([x, v]), np.column_stack([y, w]), periodic=(0,))
    )
    # the pointwise chain of Step 3, at every recorded time
    chain = np.vstack([a["dD"], a["R"]])
    assert np.all(np.diff(chain, axis=0) >= -1e-12 * np.abs(chain).max())
    assert np.all(a["W1"] <= a["D"] * (1 + 1e-12))
    assert np.all(a["D"] <= a["gronwall"] * (1 + 1e-12))
    # dD is the derivative of D: centred differences agree to O(h^2)
    fd = (a["D"][2:] - a["D"][:-2]) / (2 * 0.05)
    assert np.max(np.abs(fd - a["dD"][1:-1])) < 0.05 * np.max(np.abs(a["dD"]))
    # the losses factor the Gronwall overshoot: sum of c_k = log(G / D) up to consistency
    total = np.log(a["gronwall"] / a["D"])
    assert np.max(np.abs(a["log_losses"][1:].sum(axis=0) - total)) <= a["consistency"] + 1e-12
    assert a["consistency"] < 0.01
    rows = db.loss_table(a)
    assert rows[-2][1] == pytest.approx(rows[-1][1], rel=0.02)
    assert all(r >= 1 - 1e-9 for _, r in rows[:5])


def test_audit_bad_input():
    x = np.zeros(3)
    with pytest.raises(ValueError, match="t_final"):
        db.dobrushin_audit(x, x, x, x, HMF, -1.0)
    with pytest.raises(ValueError, match="multiple"):
        db.dobrushin_audit(x, x, x, x, HMF, 1.05, h=0.1)
    with pytest.raises(ValueError, match="dt <= h"):
        db.dobrushin_audit(x, x, x, x, HMF, 1.0, h=0.1, dt=0.2)
