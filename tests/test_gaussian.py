"""Tests of mfcourse.quantum.gaussian against independent references: the 2N x 2N flow by a
matrix exponential, a split-step Schrödinger solution for N = 2, ODE integration, quadrature
and Monte Carlo."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp

from mfcourse.quantum import gaussian as gm
from mfcourse.transport import gaussian_w2

MODEL = gm.HarmonicPairModel(kappa=1.3)
COV = np.array([[0.4, 0.1], [0.1, 0.3]])


def centred_w2(s1, s2):
    """Cancellation-free W2 between centred Gaussians, tr((T - I) S1 (T - I))^(1/2) with the
    optimal map T = S1^(-1/2) (S1^(1/2) S2 S1^(1/2))^(1/2) S1^(-1/2): the reference for the
    library's use of the trace formula at tiny differences."""
    w, v = np.linalg.eigh(s1)
    r1, r1inv = (v * np.sqrt(w)) @ v.T, (v / np.sqrt(w)) @ v.T
    wm, vm = np.linalg.eigh(r1 @ s2 @ r1)
    tmi = r1inv @ ((vm * np.sqrt(wm)) @ vm.T) @ r1inv - np.eye(2)
    return math.sqrt(np.trace(tmi @ s1 @ tmi))


@pytest.mark.parametrize("n", [2, 3, 7])
@pytest.mark.parametrize("t", [0.0, 0.7, 2.9])
def test_marginal_covariance_is_the_block_of_the_nbody_flow(n, t):
    s = gm.nbody_flow(MODEL, n, t)
    full = s @ np.kron(np.eye(n), COV) @ s.T
    for j in range(n):  # every particle has the same marginal
        block = full[2 * j : 2 * j + 2, 2 * j : 2 * j + 2]
        assert np.allclose(block, gm.marginal_covariance(MODEL, COV, n, t), atol=1e-12), (n, t, j)


def test_mean_field_covariance_solves_the_linear_ode():
    # Vlasov/Hartree for a Gaussian: Sigma' = A Sigma + Sigma A^T, A = [[0,1],[-kappa,0]]
    a = np.array([[0.0, 1.0], [-MODEL.kappa, 0.0]])

    def rhs(_, y):
        s = y.reshape(2, 2)
        return (a @ s + s @ a.T).ravel()

    ts = np.linspace(0, 4, 9)
    sol = solve_ivp(rhs, (0, 4), COV.ravel(), t_eval=ts, rtol=1e-11, atol=1e-13)
    got = gm.mean_field_covariance(MODEL, COV, ts)
    assert np.allclose(got, sol.y.T.reshape(-1, 2, 2), atol=1e-9)


def test_marginal_tends_to_mean_field_like_one_over_n():
    t = 1.5
    diff = [
        gm.marginal_covariance(MODEL, COV, n, t) - gm.mean_field_covariance(MODEL, COV, t)
        for n in (10, 100, 1000)
    ]
    assert np.allclose(10 * diff[0], 100 * diff[1]) and np.allclose(100 * diff[1], 1000 * diff[2])


def test_split_step_two_body_schrodinger_matches_the_marginal_formula():
    # N = 2: H = -eps^2/2 (d1^2 + d2^2) + (1/2)(kappa/2)(x1 - x2)^2, squeezed Gaussian data
    eps, s, b, kappa, t_end = 0.5, 0.3, 0.4, 1.3, 1.0
    model = gm.HarmonicPairModel(kappa)
    m = 256
    x = -8 + 16 / m * np.arange(m)
    dx = x[1] - x[0]
    psi1 = np.exp(-(x**2) / (4 * s) + 1j * b * x**2 / (2 * eps))
    psi1 /= math.sqrt(np.sum(np.abs(psi1) ** 2) * dx)
    psi = np.outer(psi1, psi1)
    k = 2 * math.pi * np.fft.fftfreq(m, dx)
    x1, x2 = np.meshgrid(x, x, indexing="ij")
    pot = 0.25 * kappa * (x1 - x2) ** 2
    dt = 0.0025
    nsteps = round(t_end / dt)
    half = np.exp(-0.5j * dt * pot / eps)
    kin = np.exp(-0.5j * dt * eps * (k[:, None] ** 2 + k[None, :] ** 2))
    for _ in range(nsteps):
        psi = half * np.fft.ifft2(kin * np.fft.fft2(half * psi))
    rho = np.abs(psi) ** 2 * dx * dx
    d1 = np.fft.ifft(1j * k[:, None] * np.fft.fft(psi, axis=0), axis=0)
    xx = np.sum(x1**2 * rho)
    pp = eps**2 * np.sum(np.abs(d1) ** 2) * dx * dx
    xp = np.real(np.sum(np.conj(psi) * x1 * (-1j * eps) * d1)) * dx * dx
    got = np.array([[xx, xp], [xp, pp]])
    # Wigner covariance of the squeezed state: var x = s, cov = b s, var xi = eps^2/(4s) + b^2 s
    w0 = np.array([[s, b * s], [b * s, eps**2 / (4 * s) + b**2 * s]])
    want = gm.marginal_covariance(model, w0, 2, t_end)
    assert np.allclose(got, want, atol=2e-5), (got, want)


def test_reference_w2_and_the_table_keep_their_accuracy_at_tiny_differences():
    rng = np.random.default_rng(3)
    for _ in range(5):
        a, c = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
        s1, s2 = a @ a.T + 0.1 * np.eye(2), c @ c.T + 0.1 * np.eye(2)
        assert centred_w2(s1, s2) == pytest.approx(gaussian_w2([0, 0], s1, [0, 0], s2), 1e-9)
    # first order: W2 = sqrt(tr(L S L)), L S + S L = delta (Lyapunov)
    from scipy.linalg import solve_continuous_lyapunov

    delta = 1e-7 * np.array([[1.0, 0.3], [0.3, -0.5]])
    lyap = solve_continuous_lyapunov(COV, delta)
    assert centred_w2(COV, COV + delta) == pytest.approx(
        math.sqrt(np.trace(lyap @ COV @ lyap)), rel=1e-5
    )
    # the library's table (trace formula) against the reference at N = 10^4
    for data in ("toeplitz", "coherent"):
        for eps in (0.2, 0.001):
            tab = gm.mean_field_error_table(MODEL, [eps], [10_000], 3.0, data=data, cov=COV)
            w0 = (
                gm.toeplitz_wigner_covariance(COV, eps)
                if data == "toeplitz"
                else gm.coherent_wigner_covariance(eps)
            )
            exact = gm.husimi_covariance(gm.marginal_covariance(MODEL, w0, 10_000, 3.0), eps)
            hartree = gm.husimi_covariance(gm.mean_field_covariance(MODEL, w0, 3.0), eps)
            assert tab[0, 0] == pytest.approx(centred_w2(exact, hartree), rel=1e-7), (data, eps)


def test_error_table_scales_like_one_over_n_and_coherent_data_scale_like_sqrt_eps():
    eps = [0.1, 0.01, 0.001]
    ns = [100, 1000, 10000]
    tab = gm.mean_field_error_table(MODEL, eps, ns, 2.0, cov=COV)
    nw = tab * np.array(ns)
    assert np.allclose(nw[:, 1:], nw[:, :1], rtol=2e-2)
    coh = gm.mean_field_error_table(MODEL, eps, ns, 2.0, data="coherent")
    # dilation x -> sqrt(eps) x maps the coherent problem at eps onto eps = 1
    assert np.allclose(coh / np.sqrt(eps)[:, None], coh[:1] / math.sqrt(eps[0]), rtol=1e-8)


def test_coupling_functional_against_monte_carlo():
    n, t, eps = 3, 1.7, 0.2
    m = np.array([0.3, -0.2])
    rng = np.random.default_rng(11)
    s = gm.nbody_flow(MODEL, n, t)
    rel, com = gm.harmonic_flow(MODEL.omega, t), gm.harmonic_flow(0.0, t)
    z = rng.multivariate_normal(m, COV, size=(200_000, n))  # (samples, n, 2)
    nbody = (z.reshape(len(z), -1) @ s.T).reshape(z.shape)
    meanfield = z @ rel.T + (com - rel) @ m
    cost = np.sum((meanfield - nbody) ** 2, axis=(1, 2)) + 0.5 * eps * np.trace(s @ s.T)
    mc, se = cost.mean() / n, cost.std() / n / math.sqrt(len(cost))
    exact = float(gm.coupling_functional(MODEL, COV, eps, n, t))
    assert abs(mc - exact) < 5 * se, (mc, exact, se)
    assert float(gm.coupling_functional(MODEL, COV, eps, n, 0.0)) == pytest.approx(eps)


def test_rate_is_the_derivative_and_the_proof_inequalities_hold():
    cov, eps = COV, 0.05
    ts = np.linspace(0, 5, 201)
    for n in (2, 10, 1000):
        d = gm.coupling_functional(MODEL, cov, eps, n, ts)
        rate = gm.coupling_functional_rate(MODEL, cov, eps, n, ts)
        h = 1e-6
        fd = (
            gm.coupling_functional(MODEL, cov, eps, n, ts + h)
            - gm.coupling_functional(MODEL, cov, eps, n, ts + 0)
        ) / h
        assert np.allclose(rate[1:], fd[1:], atol=1e-4)
        lln = gm.lln_term(MODEL, cov, n, ts)
        assert np.all(rate <= MODEL.gamma * d + lln + 1e-12)
        g = gm.gronwall_bound(MODEL, cov, eps, n, ts)
        assert np.all(d <= g * (1 + 1e-12))
        # the lower bound of Theorem 3.3 along the exact solution
        husimi = [
            gm.husimi_covariance(c, eps)
            for c in gm.marginal_covariance(MODEL, gm.toeplitz_wigner_covariance(cov, eps), n, ts)
        ]
        vlasov = gm.mean_field_covariance(MODEL, cov, ts)
        lower = np.array(
            [max(eps, centred_w2(a, b) ** 2 - eps) for a, b in zip(vlasov, husimi, strict=True)]
        )
        assert np.all(lower <= d * (1 + 1e-12))


def test_gronwall_bound_against_quadrature():
    n, eps = 5, 0.1
    for t in (0.5, 2.0):
        integral = quad(
            lambda s, t=t: math.exp(MODEL.gamma * (t - s)) * float(gm.lln_term(MODEL, COV, n, s)),
            0,
            t,
            epsabs=1e-13,
        )[0]
        want = math.exp(MODEL.gamma * t) * eps + integral
        assert float(gm.gronwall_bound(MODEL, COV, eps, n, t)) == pytest.approx(want, rel=1e-10)


def test_free_flow_limit_and_validation():
    assert np.allclose(gm.harmonic_flow(0.0, 2.0), [[1, 2], [0, 1]])
    assert np.allclose(gm.harmonic_flow(1e-9, 2.0), [[1, 2], [0, 1]], atol=1e-12)
    with pytest.raises(ValueError, match="kappa"):
        gm.HarmonicPairModel(kappa=-1)
    with pytest.raises(ValueError, match="eps"):
        gm.coupling_functional(MODEL, COV, 0.0, 3, 1.0)
    with pytest.raises(ValueError, match="integer"):
        gm.marginal_covariance(MODEL, COV, 2.5, 1.0)
    with pytest.raises(ValueError, match="positive definite"):
        gm.marginal_covariance(MODEL, np.zeros((2, 2)), 2, 1.0)
    with pytest.raises(ValueError, match="data"):
        gm.mean_field_error_table(MODEL, [0.1], [10], 1.0, data="wkb")
    with pytest.raises(ValueError, match="t must"):
        gm.harmonic_flow(1.0, -1.0)
