"""Tests of the dispersion relations and HMF equilibria (mfcourse.dispersion)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import i0, i1

from mfcourse import dispersion as dp
from mfcourse.interaction import PairInteraction


def test_plasma_Z_identities():
    z = np.array([0.0, 0.3 + 0.2j, -1.1 + 0.5j, 2.0 - 0.3j])
    assert dp.plasma_Z(0.0) == pytest.approx(1j * np.sqrt(np.pi))
    h = 1e-6
    dZ = (dp.plasma_Z(z + h) - dp.plasma_Z(z - h)) / (2 * h)
    assert np.allclose(dZ, -2 * (1 + z * dp.plasma_Z(z)), atol=1e-8)


def test_landau_root_matches_published_values():
    w = dp.landau_root(0.5)
    assert w.real == pytest.approx(1.4157, abs=1e-4)
    assert w.imag == pytest.approx(-0.1534, abs=1e-4)
    assert abs(dp.vlasov_poisson_dispersion(w, 0.5)) < 1e-12
    # long waves: Bohm-Gross frequency sqrt(1 + 3k^2) and exponentially small damping
    w = dp.vp_root(0.1)
    assert w.real == pytest.approx(np.sqrt(1 + 3 * 0.01), rel=2e-3)
    assert -1e-12 < -w.imag < 1e-15 or abs(w.imag) < 1e-12


@pytest.mark.parametrize("c", [0.3 + 0.5j, -1.2 + 0.2j, 0.1j])
def test_dispersion_integral_against_quadrature(c):
    prof = dp.MaxwellianMixture([0.3, 1.2], [0.4, -0.2], [0.3, 0.7])
    h = 1e-6

    def dg(p):
        return (prof.pdf(p + h) - prof.pdf(p - h)) / (2 * h)

    re = quad(lambda p: (dg(p) / (p - c)).real, -15, 15, limit=400)[0]
    im = quad(lambda p: (dg(p) / (p - c)).imag, -15, 15, limit=400)[0]
    assert complex(prof.dispersion_integral(c)) == pytest.approx(re + 1j * im, abs=1e-7)
    wb = dp.WaterbagProfile(0.8)
    # g' = (delta(p + p0) - delta(p - p0)) / (2 p0)
    direct = (1 / (-0.8 - c) - 1 / (0.8 - c)) / 1.6
    assert complex(wb.dispersion_integral(c)) == pytest.approx(direct, rel=1e-14)


def test_hmf_waterbag_growth_rate_is_exact():
    for p0 in (0.2, 0.5, 0.7):
        assert dp.hmf_growth_rate(dp.WaterbagProfile(p0)) == pytest.approx(
            np.sqrt(0.5 - p0**2), rel=1e-13
        )
    assert dp.hmf_growth_rate(dp.WaterbagProfile(0.75)) == 0.0  # p0^2 > 1/2: stable


def test_hmf_gaussian_threshold_and_stability_functional():
    for T in (0.2, 0.45, 0.55, 1.0):
        prof = dp.MaxwellianMixture(T)
        assert dp.hmf_stability(prof) == pytest.approx(1 - 1 / (2 * T), abs=1e-12)

        def f0(p, T=T):
            return np.exp(-(p**2) / (2 * T)) / np.sqrt(2 * np.pi * T) / (2 * np.pi)

        assert dp.hmf_stability(f0) == pytest.approx(1 - 1 / (2 * T), abs=1e-6)
        assert (dp.hmf_growth_rate(prof) > 0) == (T < 0.5)
    g = dp.hmf_growth_rate(dp.MaxwellianMixture(0.25))
    assert abs(dp.hmf_dispersion(1j * g, dp.MaxwellianMixture(0.25))) < 1e-13
    root = dp.find_root(lambda w: dp.hmf_dispersion(w, dp.MaxwellianMixture(0.25)), 0.2 + 0.2j)
    assert root == pytest.approx(1j * g, abs=1e-10)
    # a repulsive interaction (v_1 > 0) never destabilises a Gaussian
    assert dp.hmf_growth_rate(dp.MaxwellianMixture(0.1), PairInteraction.hmf(-1.0)) == 0.0
    # mode k of a general interaction: D_k with v_k, velocity omega/k
    V = PairInteraction({1: -0.2, 2: -1.0})
    gk = dp.hmf_growth_rate(dp.MaxwellianMixture(0.1), V, k=2)
    assert abs(dp.hmf_dispersion(1j * gk, dp.MaxwellianMixture(0.1), V, k=2)) < 1e-12


def test_hmf_equilibrium():
    for beta in (2.5, 3.0, 5.0, 20.0):
        M = dp.hmf_magnetisation(beta)
        assert M == pytest.approx(i1(beta * M) / i0(beta * M), rel=1e-14)
        # independent: M = <cos> under exp(beta M cos(theta)), by quadrature
        num = quad(lambda t, b=beta, m=M: np.cos(t) * np.exp(b * m * np.cos(t)), 0, 2 * np.pi)
        den = quad(lambda t, b=beta, m=M: np.exp(b * m * np.cos(t)), 0, 2 * np.pi)
        assert M == pytest.approx(num[0] / den[0], rel=1e-10)
        assert dp.hmf_beta(dp.hmf_energy(beta)) == pytest.approx(beta, rel=1e-10)
    assert dp.hmf_magnetisation(1.5) == 0.0 and dp.hmf_magnetisation(2.0) == 0.0
    beta = 2.001  # near the transition M^2 ~ 8 (beta - 2)/beta^3
    assert dp.hmf_magnetisation(beta) ** 2 == pytest.approx(8 * (beta - 2) / beta**3, rel=2e-3)
    assert dp.hmf_energy(2.0) == pytest.approx(0.75)  # U_c = 3/4, continuous
    assert dp.hmf_equilibrium_magnetisation(0.8) == 0.0
    assert dp.hmf_beta(0.8) == pytest.approx(1 / 0.6)
    assert 0.48 < dp.hmf_equilibrium_magnetisation(0.6) < 0.49
    Us = [dp.hmf_energy(b) for b in np.linspace(0.5, 30, 50)]
    assert np.all(np.diff(Us) < 0)  # U decreases with beta (positive specific heat)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: dp.hmf_magnetisation(0.0), "beta"),
        (lambda: dp.hmf_beta(-0.1), "U"),
        (lambda: dp.vp_root(0.0), "k"),
        (lambda: dp.MaxwellianMixture(-1.0), "temperatures"),
        (lambda: dp.MaxwellianMixture([1.0, 1.0], weights=[0.5, 0.6]), "weights"),
        (lambda: dp.WaterbagProfile(0.0), "p0"),
        (lambda: dp.hmf_dispersion(0.1j, "gauss"), "profile"),
        (lambda: dp.hmf_dispersion(0.1j, dp.WaterbagProfile(1.0), k=0), "mode"),
        (lambda: dp.hmf_stability(lambda p: np.exp(-((p - 1) ** 2)) / 11.13), "even"),
        (lambda: dp.hmf_stability(lambda p: np.exp(-(p**2))), "normalised"),
        (lambda: dp.find_root(lambda w: 1 + 0 * w, 0.1), "no root"),
        (lambda: dp.hmf_growth_rate(dp.MaxwellianMixture(0.2, 0.5)), "even profile"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---------------------------------------------------------------------------------- numerical g
def _maxwell(v):
    return np.exp(-(v**2) / 2) / np.sqrt(2 * np.pi)


def _two_stream(v):
    return v**2 * _maxwell(v)


def test_numerical_profile_reproduces_the_maxwellian_roots():
    """A Maxwellian given only as a callable: the Landau roots agree with the closed form
    (Z function) to 1e-10, including the damped root below the real axis."""
    prof = dp.NumericalProfile(_maxwell)
    for k in (0.3, 0.4, 0.5):
        ref = dp.vp_root(k)
        got = dp.vp_root(k, prof)
        assert abs(got - ref) < 1e-10, f"k = {k}: {got} vs {ref}"
    # given as samples on a grid instead of a callable
    p = np.linspace(-10, 10, 2001)
    assert abs(dp.vp_root(0.5, dp.NumericalProfile(_maxwell(p), p)) - dp.landau_root()) < 1e-9


def test_numerical_profile_maxwellian_mixture_hmf_rate():
    """A two-component mixture with a purely growing HMF mode: the growth rate from samples
    agrees with the mixture's closed form."""
    mix = dp.MaxwellianMixture([0.15, 0.15], [-0.3, 0.3])
    ref = dp.hmf_growth_rate(mix)
    assert ref > 0.1
    assert dp.hmf_growth_rate(dp.NumericalProfile(mix.pdf)) == pytest.approx(ref, rel=1e-9)


def test_two_stream_closed_form_and_numerical_profile():
    """g = v^2 e^{-v^2/2}/sqrt(2 pi): the closed form J'(c) agrees with direct quadrature above the
    real axis, the numerical profile agrees with the closed form on both sides of it, and the
    two-stream instability's growth rate (a purely growing Vlasov-Poisson mode) agrees."""
    from scipy.integrate import quad

    def gp(v):
        return (2 * v - v**3) * _maxwell(v)

    for c in (0.5 + 0.5j, -1 + 0.3j, 2 + 1j):
        re = quad(lambda v, c=c: (gp(v) / (v - c)).real, -15, 15, limit=400)[0]
        im = quad(lambda v, c=c: (gp(v) / (v - c)).imag, -15, 15, limit=400)[0]
        assert abs(dp.two_stream_dispersion_integral(c) - (re + 1j * im)) < 1e-9
    prof = dp.NumericalProfile(_two_stream)
    assert prof.fit_error < 1e-10
    c = np.array([0.3 + 0.2j, 1 + 0.1j, 0.5 - 0.3j, 1.5 - 0.5j])
    np.testing.assert_allclose(
        prof.dispersion_integral(c), dp.two_stream_dispersion_integral(c), atol=1e-9
    )
    for k in (0.2, 0.5):
        ref = dp.find_root(lambda w, k=k: 1 - dp.two_stream_dispersion_integral(w / k) / k**2, 0.3j)
        got = dp.find_root(lambda w, k=k: dp.vlasov_poisson_dispersion(w, k, prof), 0.3j)
        assert abs(got - ref) < 1e-10 and ref.imag > 0.15, f"k = {k}: {got} vs {ref}"
        assert abs(ref.real) < 1e-12  # symmetric profile: purely growing mode


def test_numerical_profile_validates():
    p = np.linspace(-10, 10, 2001)
    with pytest.raises(ValueError, match="finite"):
        dp.NumericalProfile(np.where(p > 0, np.nan, _maxwell(p)), p)
    with pytest.raises(ValueError, match="non-negative"):
        dp.NumericalProfile(_maxwell(p) - 0.01, p)
    with pytest.raises(ValueError, match="integral 1"):
        dp.NumericalProfile(lambda v: 2 * _maxwell(v))
    with pytest.raises(ValueError, match="v_max"):
        dp.NumericalProfile(_maxwell, v_max=3.0)
    with pytest.raises(ValueError, match="uniform"):
        dp.NumericalProfile(_maxwell(p**3 / 100), p**3 / 100)
    with pytest.raises(ValueError, match="smooth"):
        # a beam of width 0.05 is not smooth on the scale 0.25 of the Gaussians
        dp.NumericalProfile(lambda v: np.exp(-(v**2) / 0.005) / np.sqrt(0.005 * np.pi))
