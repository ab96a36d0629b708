"""Tests of the copying model and the linear (Ornstein–Uhlenbeck) mean-field diffusion of
lecture 4, against independent references: forward particle simulations with error bars,
numerical ODE/Lyapunov solutions, generic Gaussian formulas and quadrature."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp

from mfcourse.chaos import copying as cp
from mfcourse.chaos import ornstein_uhlenbeck as ou


# ---------------------------------------------------------------------------------- copying
def test_birthday_formula_matches_forward_simulation():
    N, t = 200, 0.7
    P, se = cp.shared_ancestor_probability(N, t, jmax=15, replicates=3000, seed=3)
    js = np.arange(2, 16)
    exact = cp.birthday_distance(js, N, t) / 2
    z = (P[js] - exact) / np.maximum(se[js], 1e-3)
    assert np.all(np.abs(z) < 4.5), z
    assert P[0] == P[1] == 0


def _simulate_pairs(N, t, sigma, reps, seed):
    """Forward simulation of the noisy copying model; returns x1 - x2 over replicates."""
    rng = np.random.default_rng(seed)
    out = np.empty(reps)
    for r in range(reps):
        x = rng.random(N) * 2 * np.pi
        n = rng.poisson(N * t)
        src = rng.integers(0, N, size=n)
        dst = rng.integers(0, N - 1, size=n)
        dst += dst >= src
        noise = sigma * rng.standard_normal(n)
        for s, d, e in zip(src, dst, noise, strict=True):
            x[d] = x[s] + e
        out[r] = x[0] - x[1]
    return out


def test_pair_modes_match_particle_simulation():
    N, t, sigma = 8, 1.5, 0.6
    d = _simulate_pairs(N, t, sigma, 6000, seed=5)
    a = cp.pair_modes(N, t, sigma, 3)
    for k in (1, 2, 3):
        c = np.cos(k * d)
        z = (c.mean() - a[k]) / (c.std() / np.sqrt(c.size))
        assert abs(z) < 4.5, (k, c.mean(), a[k])


def test_pair_modes_solve_their_ode():
    N, sigma = 50, 0.3
    k = np.arange(6)
    rho = np.exp(-0.5 * (sigma * k) ** 2)

    def rhs(_t, a):
        return 2 / (N - 1) * (rho - a) + 2 * (N - 2) / (N - 1) * (rho - 1) * a

    a0 = np.zeros(6)
    a0[0] = 1
    sol = solve_ivp(rhs, (0, 2.0), a0, rtol=1e-11, atol=1e-14)
    assert np.allclose(sol.y[:, -1], cp.pair_modes(N, 2.0, sigma, 5), atol=1e-12)


def test_pair_norms_limits_and_blow_up():
    N, t = 1000, 1.0
    # sigma -> 0: ||E_2||_1 -> the birthday value for j = 2; the L^2 norm blows up like sigma^-1/2
    assert abs(
        cp.pair_l1_norm(N, t, 1e-3) - cp.birthday_distance(2, N, t)
    ) < 0.02 * cp.pair_l1_norm(N, t, 0.0)
    l2 = [cp.pair_l2_norm(N, t, s) for s in (1e-2, 1e-3)]
    assert 0.9 < l2[1] / l2[0] / math.sqrt(10) < 1.1, l2
    assert cp.pair_l2_norm(N, t, 0.0) == math.inf
    # psi_2 has mean zero (vanishing marginals of E_2)
    _, psi = cp.psi2_on_grid(N, t, 0.2)
    assert abs(psi.mean()) < 1e-12


def test_pair_term_l1_for_two_particles_is_the_l1_norm_of_e2():
    N, t, sigma = 500, 1.0, 0.3
    m, se = cp.pair_term_l1([2, 3], N, t, sigma, samples=20000, seed=1)
    assert abs(m[0] - cp.pair_l1_norm(N, t, sigma)) < 4.5 * se[0]
    # a degenerate U-statistic: E|U_j| <= sqrt(C(j,2)) ||psi_2||_{L^2}
    assert m[1] <= math.sqrt(3) * cp.pair_l2_norm(N, t, sigma) + 4 * se[1]


def test_copying_validation():
    with pytest.raises(ValueError, match="N must be"):
        cp.pair_modes(1, 1.0, 0.1, 4)
    with pytest.raises(ValueError, match="sigma"):
        cp.pair_modes(10, 1.0, -0.1, 4)
    with pytest.raises(ValueError, match="jmax"):
        cp.shared_ancestor_probability(10, 1.0, jmax=11)
    with pytest.raises(ValueError, match="js"):
        cp.pair_term_l1([1], 10, 1.0, 0.1)
    with pytest.raises(ValueError, match="sigma must be > 0"):
        cp.psi2_on_grid(10, 1.0, 0.0)


# ---------------------------------------------------------------------------------- OU
def _full_covariance(N, t, alpha, beta, s0):
    A = -(alpha + beta) * np.eye(N) + beta / N * np.ones((N, N))

    def rhs(_t, s):
        S = s.reshape(N, N)
        return (A @ S + S @ A.T + 2 * np.eye(N)).ravel()

    sol = solve_ivp(rhs, (0, t), (s0 * np.eye(N)).ravel(), rtol=1e-11, atol=1e-13)
    return sol.y[:, -1].reshape(N, N)


def _gaussian_kl(S1, S2):
    k = S1.shape[0]
    M = np.linalg.solve(S2, S1)
    return 0.5 * (np.trace(M) - k - np.log(np.linalg.det(M)))


@pytest.mark.parametrize("alpha,beta,s0", [(0.5, 1.0, 0.25), (0.0, 2.0, 3.0)])
def test_ou_marginals_against_lyapunov_and_generic_kl(alpha, beta, s0):
    N, t = 6, 0.8
    S = _full_covariance(N, t, alpha, beta, s0)
    u, _w = ou.variances(t, alpha, beta, s0)
    for k in (1, 2, 4):
        Sk = ou.marginal_covariance(k, N, t, alpha, beta, s0)
        assert np.allclose(Sk, S[:k, :k], atol=1e-9)
        H = _gaussian_kl(S[:k, :k], float(u) * np.eye(k))
        assert abs(ou.marginal_relative_entropy(k, N, t, alpha, beta, s0) - H) < 1e-9


def _gauss(z, v):
    return math.exp(-z * z / (2 * v)) / math.sqrt(2 * math.pi * v)


def test_ou_l1_by_quadrature_and_pinsker():
    N, t = 20, 1.0
    for k in (1, 5, 20):
        x = float(ou._x(k, N, t, 0.5, 1.0, 0.25))
        ref = quad(lambda z, x=x: abs(_gauss(z, 1 + x) - _gauss(z, 1.0)), -40, 40, limit=400)[0]
        l1 = ou.marginal_l1(k, N, t)
        assert abs(l1 - ref) < 1e-8, (k, l1, ref)
        assert l1 <= float(ou.pinsker_l1(ou.marginal_relative_entropy(k, N, t)))


def test_ou_monte_carlo_covariance():
    # Euler–Maruyama with a small step, many replicates: the pair covariance (w - u)/N
    rng = np.random.default_rng(2)
    N, reps, dt, T = 4, 40000, 0.01, 0.6
    alpha, beta, s0 = 0.5, 1.0, 0.25
    X = rng.standard_normal((reps, N)) * math.sqrt(s0)
    for _ in range(int(round(T / dt))):
        drift = -alpha * X - beta * (X - X.mean(1, keepdims=True))
        X = X + dt * drift + math.sqrt(2 * dt) * rng.standard_normal((reps, N))
    S = ou.marginal_covariance(2, N, T, alpha, beta, s0)
    c = X[:, 0] * X[:, 1]
    assert abs(c.mean() - S[0, 1]) < 4.5 * c.std() / math.sqrt(reps) + 0.01 * abs(S[0, 1])
    v = X[:, 0] ** 2
    assert abs(v.mean() - S[0, 0]) < 4.5 * v.std() / math.sqrt(reps) + 0.01 * S[0, 0]


def test_ou_validation():
    with pytest.raises(ValueError, match="k must be"):
        ou.marginal_relative_entropy(0, 10, 1.0)
    with pytest.raises(ValueError, match="s0"):
        ou.variances(1.0, 0.5, 1.0, 0.0)
    with pytest.raises(ValueError, match="alpha and beta"):
        ou.variances(1.0, -1.0, 1.0, 1.0)
