"""Tests of mfcourse.lecture2 (the scans behind lecture 2) on small, fast cases."""

import numpy as np

from mfcourse import lecture2 as L2
from mfcourse.fock import josephson


def test_rate_scan_small():
    model, psi0 = L2.two_mode_setup()
    s = L2.rate_scan(model, psi0, [20, 40, 80], np.linspace(0, 1, 5), j_max=3)
    assert s.trace.shape == (3, 5)
    assert np.all(s.trace[:, 0] < 1e-12)  # product states at t = 0
    assert abs(s.slope("trace") + 1) < 0.1
    assert np.all(s.operator <= s.bound_2_8) and np.all(s.trace <= s.bound_2_9)
    # bounds as stated: 2/sqrt(N) e^{2t|U|} and 4 sqrt(1/N) e^{3 t |U|} for two modes
    np.testing.assert_allclose(s.bound_2_8[:, -1], 2 / np.sqrt(s.Ns) * np.exp(2.0))
    np.testing.assert_allclose(s.bound_2_9[:, -1], 4 / np.sqrt(s.Ns) * np.exp(3.0))
    assert set(s.marginals) == {1, 2, 3}
    assert np.all(np.isfinite(s.accuracy_time(1e-3)))


def test_lemma_2_4_and_fluctuation_identity():
    model = josephson(J=1.0, U=2.0)
    psi0 = np.array([0.6, 0.8j])
    phi = np.array([1.0, 1.0j]) / np.sqrt(2)
    lhs, rhs = L2.lemma_2_4(model, 30, psi0, phi, 1.5)
    assert abs(lhs - rhs) < 1e-10
    measured, exact = L2.chaotic_fluctuation(model, 12, psi0, np.array([[0, 1], [0, 0.5]]))
    assert abs(measured - exact) < 1e-13


def test_energy_per_particle_and_format():
    model, psi = L2.ring_setup(k_max=1)
    e_n, e_h, corr = L2.energy_per_particle(model, psi, [3, 9])
    np.testing.assert_allclose(e_n, e_h + corr, atol=1e-13)
    assert L2.fmt_dim(10**4000) == "1.00e4000"
    assert L2.fmt_dim(1234) == "1,234"


def test_ring_densities():
    model, psi = L2.ring_setup(k_max=1)
    x = np.linspace(-np.pi, np.pi, 257)[:-1]
    rho_n, rho_h = L2.ring_densities(model, psi, [4, 16], 0.0, x)
    np.testing.assert_allclose(rho_n, np.tile(rho_h, (2, 1)), atol=1e-13)  # product state
    rho_n, rho_h = L2.ring_densities(model, psi, [4, 16], 1.0, x)
    dx = x[1] - x[0]
    np.testing.assert_allclose(rho_n.sum(axis=1) * dx, 1.0, atol=1e-12)
    assert abs(rho_h.sum() * dx - 1) < 1e-10
    gap = np.abs(rho_n - rho_h).max(axis=1)
    assert 2.5 < gap[0] / gap[1] < 6  # ~1/N between N = 4 and 16


def test_error_rate_explorer_scrubs_every_time_and_measure():
    import matplotlib

    matplotlib.use("Agg")
    model, psi0 = L2.two_mode_setup()
    scan = L2.rate_scan(model, psi0, [20, 40, 80], np.linspace(0, 1, 5), j_max=1)
    box = L2.error_rate_explorer({"two modes": scan})
    controls = box.children[1].children
    it, _, norm = controls
    out = [c for c in box.children if "mfcourse-figure" in c._dom_classes][0]
    status = [c for c in box.children if "mfcourse-status" in c._dom_classes][0]
    for measure in ("trace", "operator", "pickl"):
        norm.value = measure
        for k in range(1, 5):
            it.value = k
            assert "redrawn in" in status.value
            assert not any(o.get("name") == "stderr" for o in out.outputs), out.outputs
