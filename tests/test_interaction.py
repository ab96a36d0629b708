"""Tests of the shared pair interaction (mfcourse.interaction)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from mfcourse.interaction import PairInteraction, empirical_fourier

TWO_PI = 2 * np.pi
MIXED = {1: -1.0, 2: 0.35, 5: -0.07}


def _critical_values(f_coeffs_sin: dict[int, float], g) -> float:
    """max |g| over the zeros of the sine polynomial sum_k c_k sin(kx) (independent reference:
    roots of the associated algebraic polynomial in z = e^{ix}, via numpy's companion matrix)."""
    K = max(f_coeffs_sin)
    # sum c_k (z^k - z^-k) / (2i)  ->  z^K * (...) has degree 2K
    poly = np.zeros(2 * K + 1, dtype=complex)  # index = power of z
    for k, c in f_coeffs_sin.items():
        poly[K + k] += c / 2j
        poly[K - k] -= c / 2j
    roots = np.roots(poly[::-1])
    x = np.angle(roots[np.abs(np.abs(roots) - 1) < 1e-6])
    return float(np.max(np.abs(g(x))))


@pytest.mark.parametrize("coeffs", [{1: -1.0}, {1: 1.0, 2: 1.0}, MIXED, {3: 0.5, 7: -0.2, 8: 0.01}])
def test_constants_are_exact(coeffs):
    V = PairInteraction(coeffs)
    # sup |V''| is attained where V''' = sum k^3 v_k sin(kx) vanishes; sup |V'| where V'' = 0
    ref_lip = _critical_values({k: k**3 * v for k, v in coeffs.items()}, V.d2V)
    assert V.lip_grad == pytest.approx(ref_lip, rel=1e-13, abs=1e-14)
    # V'' = -sum k^2 v_k cos(kx): zeros of V'' are zeros of a cosine polynomial, use a fine grid
    # plus the a-priori bound |V'| <= sum k |v_k|
    x = np.linspace(0, TWO_PI, 400_001)
    assert np.max(np.abs(V.dV(x))) <= V.sup_grad * (1 + 1e-14)
    assert V.sup_grad == pytest.approx(np.max(np.abs(V.dV(x))), rel=1e-9)
    assert V.sup_grad <= sum(k * abs(v) for k, v in coeffs.items()) * (1 + 1e-14)
    assert V.fourier_l1 == pytest.approx(sum(abs(v) for v in coeffs.values()), rel=1e-15)


def test_known_constants():
    V = PairInteraction({1: 1.0, 2: 1.0})  # V'' = -cos x - 4 cos 2x, |V''(0)| = 5
    assert V.lip_grad == pytest.approx(5.0, rel=1e-15)
    assert V.sup_V == pytest.approx(2.0, rel=1e-15)  # = fourier_l1 for positive coefficients
    H = PairInteraction.hmf(2.5)
    assert (H.lip_grad, H.sup_grad, H.fourier_l1) == pytest.approx((2.5, 2.5, 2.5), rel=1e-15)
    assert H.coeffs.tolist() == [-2.5]


def test_derivatives_and_fourier_coefficients():
    V = PairInteraction(MIXED)
    x = np.linspace(-3, 9, 101)
    h = 1e-5
    assert np.allclose((V.V(x + h) - V.V(x - h)) / (2 * h), V.dV(x), atol=1e-9)
    assert np.allclose((V.dV(x + h) - V.dV(x - h)) / (2 * h), V.d2V(x), atol=1e-8)
    assert np.allclose(V.V(x), V.V(-x)) and np.allclose(V.dV(x), -V.dV(-x))
    assert V.dV(0.0) == 0.0
    total = 0.0
    for k in range(-7, 8):
        re = quad(lambda t, k=k: V.V(t) * np.cos(k * t), 0, TWO_PI, limit=200)[0] / TWO_PI
        im = quad(lambda t, k=k: -V.V(t) * np.sin(k * t), 0, TWO_PI, limit=200)[0] / TWO_PI
        assert V.fourier_coefficient(k) == pytest.approx(re, abs=1e-13)
        assert abs(im) < 1e-13
        total += abs(re)
    assert V.fourier_l1 == pytest.approx(total, rel=1e-12)
    assert V.sup_V <= V.fourier_l1


def test_force_matches_direct_sum_and_conserves_momentum():
    V = PairInteraction(MIXED)
    rng = np.random.default_rng(1)
    x = rng.uniform(-10, 10, 400)
    direct = -np.mean(V.dV(x[:, None] - x[None, :]), axis=1)
    F = V.force(x)
    assert np.max(np.abs(F - direct)) < 1e-13
    assert abs(np.sum(F)) < 1e-11  # Newton's third law (H1)
    w = rng.uniform(size=x.size)
    w /= w.sum()
    direct_w = -(V.dV(x[:, None] - x[None, :]) @ w)
    assert np.max(np.abs(V.force(x, weights=w) - direct_w)) < 1e-13
    P = V.potential(x)
    assert np.max(np.abs(P - np.mean(V.V(x[:, None] - x[None, :]), axis=1))) < 1e-13
    E = V.interaction_energy(x)
    assert E == pytest.approx(0.5 * np.mean(V.V(x[:, None] - x[None, :])), rel=1e-12)


def test_hmf_force_is_magnetisation_formula():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, TWO_PI, 1000)
    (C,), (S,) = empirical_fourier(x, [1])
    F = PairInteraction.hmf().force(x)
    assert np.allclose(F, -C * np.sin(x) + S * np.cos(x), atol=1e-15)


@pytest.mark.parametrize("m", [1, 2])
def test_grid_potential_and_force(m):
    V = PairInteraction(MIXED)
    L = TWO_PI * m
    n = 96 * m
    xg = L * np.arange(n) / n

    def rho(y):
        return (1 + 0.3 * np.cos(TWO_PI * y / L) + 0.2 * np.sin(6 * TWO_PI * y / L)) / L

    pot = V.potential_on_grid(rho(xg), length=L)
    force = V.force_on_grid(rho(xg), length=L)
    for i in range(0, n, 17):
        ref = quad(lambda y, xi=xg[i]: V.V(xi - y) * rho(y), 0, L, limit=200)[0]
        reff = quad(lambda y, xi=xg[i]: -V.dV(xi - y) * rho(y), 0, L, limit=200)[0]
        assert pot[i] == pytest.approx(ref, abs=1e-13)
        assert force[i] == pytest.approx(reff, abs=1e-13)
    # batched on the last axis
    both = V.force_on_grid(np.stack([rho(xg), 2 * rho(xg)]), length=L)
    assert np.allclose(both[1], 2 * force)


def test_grid_force_agrees_with_particles():
    """The force of a particle cloud equals the grid force of its (trig-interpolated) density."""
    V = PairInteraction.hmf()
    n = 64
    xg = TWO_PI * np.arange(n) / n
    rho = (1 + 0.5 * np.cos(xg - 0.3)) / TWO_PI
    # weights of grid "particles" = rho * dx reproduce the same Fourier mode 1
    F_particles = V.force(xg, weights=rho * TWO_PI / n)
    assert np.allclose(F_particles, V.force_on_grid(rho), atol=1e-15)


@pytest.mark.parametrize(
    "bad, match",
    [
        ({}, "empty"),
        ({0: 1.0}, "k = 0"),
        ({-2: 1.0}, "k = -2"),
        ({1.0: 1.0}, "not an integer"),
        ({True: 1.0}, "not an integer"),
        ({1: float("nan")}, "finite"),
        ({1: float("inf")}, "finite"),
        ({1: 1j}, "finite real"),
        ([(1, 1.0)], "mapping"),
    ],
)
def test_rejects_bad_coefficients(bad, match):
    with pytest.raises(ValueError, match=match):
        PairInteraction(bad)


def test_rejects_odd_or_nonsmooth_potentials():
    with pytest.raises(ValueError, match="not even"):
        PairInteraction.from_function(lambda x: np.cos(x) + 0.01 * np.sin(2 * x))
    with pytest.raises(ValueError, match="not smooth"):  # periodised |x|: force jumps at 0
        PairInteraction.from_function(lambda x: np.abs((x + np.pi) % TWO_PI - np.pi))
    with pytest.raises(ValueError, match="not smooth"):  # V' ~ |x|^(1/2): force not Lipschitz
        PairInteraction.from_function(lambda x: np.abs(np.sin(x / 2)) ** 1.5)
    # a C^3 potential (coefficients ~ k^-4) has a Lipschitz force, (H2) holds: accepted, with a
    # truncation error below tol
    W = PairInteraction.from_function(lambda x: np.abs(np.sin(x / 2)) ** 3)
    xs = np.linspace(0, TWO_PI, 1001)
    assert np.max(np.abs(W.V(xs) - (np.abs(np.sin(xs / 2)) ** 3 - 4 / (3 * np.pi)))) < 1e-7
    with pytest.raises(ValueError, match="NaN"):
        PairInteraction.from_function(lambda x: np.where(x > 1, np.nan, 1.0))
    with pytest.raises(ValueError, match="constant"):
        PairInteraction.from_function(lambda x: np.ones_like(x))
    with pytest.raises(ValueError, match="strength"):
        PairInteraction.hmf(float("nan"))


def test_from_function_recovers_coefficients():
    V = PairInteraction.from_function(lambda x: 2.0 + np.exp(np.cos(x)), tol=1e-14)
    # exp(cos x) = I0(1) + 2 sum I_k(1) cos(kx)
    from scipy.special import iv

    for k, v in V.items():
        assert v == pytest.approx(2 * iv(k, 1.0), rel=1e-10, abs=1e-15)
    assert V.max_mode < 20
    W = PairInteraction.from_samples(PairInteraction(MIXED).V(TWO_PI * np.arange(64) / 64))
    assert W == PairInteraction(MIXED) or np.allclose(W.coeffs, list(MIXED.values()))


def test_grid_validation():
    V = PairInteraction({1: 1.0, 4: 0.1})
    with pytest.raises(ValueError, match="too coarse"):
        V.force_on_grid(np.ones(8))
    with pytest.raises(ValueError, match="multiple of 2 pi"):
        V.potential_on_grid(np.ones(64), length=5.0)
    with pytest.raises(ValueError, match="shape"):
        V.force(np.zeros(5), weights=np.ones(4))
