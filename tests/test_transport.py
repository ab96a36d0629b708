"""Tests of mfcourse.transport against independent references: scipy, POT, closed forms."""

from __future__ import annotations

import numpy as np
import ot
import pytest
import scipy.stats

from mfcourse import transport as tr

TWO_PI = 2 * np.pi


# ----------------------------------------------------------------------------- 1D by sorting
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_1d_w1_matches_scipy_equal_and_unequal_sizes(seed):
    rng = np.random.default_rng(seed)
    u, v = rng.normal(size=137), rng.standard_t(3, size=137)
    assert tr.wasserstein_1d(u, v) == pytest.approx(
        scipy.stats.wasserstein_distance(u, v), rel=1e-12
    )
    v2 = rng.exponential(size=53)
    assert tr.wasserstein_1d(u, v2) == pytest.approx(
        scipy.stats.wasserstein_distance(u, v2), rel=1e-10
    )


def test_1d_weighted_matches_scipy_and_pot_for_p1_p2():
    rng = np.random.default_rng(3)
    u, v = rng.normal(size=40), rng.uniform(-1, 2, size=25)
    wu, wv = rng.random(40), rng.random(25)
    wu[3] = 0.0  # a zero-weight atom must not matter
    wu, wv = wu / wu.sum(), wv / wv.sum()
    ref1 = scipy.stats.wasserstein_distance(u, v, wu, wv)
    assert tr.wasserstein_1d(u, v, wu, wv) == pytest.approx(ref1, rel=1e-10)
    ref2 = np.sqrt(ot.wasserstein_1d(u, v, wu, wv, p=2))  # POT returns W_p^p
    assert tr.wasserstein_1d(u, v, wu, wv, p=2) == pytest.approx(ref2, rel=1e-10)
    # and the 1D sorting agrees with the network simplex on the line
    assert tr.wasserstein(u, v, wu, wv, p=2, periodic=()) == pytest.approx(ref2, rel=1e-9)


def test_1d_translation_and_dirac_closed_forms():
    rng = np.random.default_rng(4)
    u = rng.normal(size=100)
    for p in (1, 2, 3):
        assert tr.wasserstein_1d(u, u + 0.7, p=p) == pytest.approx(0.7, rel=1e-12)
    # W_p(delta_0, uniform sample) = (mean |u|^p)^{1/p}
    assert tr.wasserstein_1d([0.0], u, p=2) == pytest.approx(np.sqrt(np.mean(u**2)), rel=1e-12)


# ----------------------------------------------------------------------------- exact OT (POT)
def test_exact_w2_matches_pot_euclidean_in_plane():
    rng = np.random.default_rng(5)
    P, Q = rng.normal(size=(30, 2)), rng.normal(1.0, 0.5, size=(45, 2))
    a = rng.random(30)
    a /= a.sum()
    ref = np.sqrt(ot.emd2(a, np.full(45, 1 / 45), ot.dist(P, Q)))  # ot.dist: squared Euclidean
    got = tr.wasserstein(P, Q, a, p=2, metric="euclidean", periodic=())
    assert got == pytest.approx(ref, rel=1e-9)


def test_exact_w1_euclidean_matches_pot_and_l1_is_between():
    rng = np.random.default_rng(6)
    P, Q = rng.normal(size=(40, 2)), rng.normal(size=(40, 2)) + [0.3, -0.2]
    ref = ot.emd2(np.full(40, 1 / 40), np.full(40, 1 / 40), ot.dist(P, Q, metric="euclidean"))
    e = tr.w1(P, Q, metric="euclidean", periodic=())
    l1 = tr.w1(P, Q, metric="l1", periodic=())
    assert e == pytest.approx(ref, rel=1e-9)
    assert e <= l1 <= np.sqrt(2) * e + 1e-12


def test_equal_size_uniform_w1_is_an_assignment():
    # for uniform weights and equal sizes the optimum is a permutation (Birkhoff)
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(7)
    P = np.column_stack([rng.uniform(-np.pi, np.pi, 60), rng.normal(size=60)])
    Q = np.column_stack([rng.uniform(-np.pi, np.pi, 60), rng.normal(size=60)])
    C = tr.cost_matrix(P, Q, periodic=(0,))
    r, c = linear_sum_assignment(C)
    assert tr.w1(P, Q, periodic=(0,)) == pytest.approx(C[r, c].mean(), rel=1e-10)


# ----------------------------------------------------------------------------- periodic metric
def test_torus_distance_wraps():
    assert tr.torus_distance(3.0, -3.0) == pytest.approx(TWO_PI - 6.0)
    assert tr.torus_distance(0.1, 0.1 + 5 * TWO_PI) == pytest.approx(0.0, abs=1e-12)
    assert tr.torus_distance(0.0, np.pi) == pytest.approx(np.pi)
    x = np.random.default_rng(8).uniform(-20, 20, 1000)
    d = tr.torus_distance(x, 0.0)
    assert np.all((d >= 0) & (d <= np.pi + 1e-12))


def test_wraparound_diracs():
    # two Diracs near ±pi are close on the torus, far on the line
    P, Q = [[np.pi - 0.05, 0.0]], [[-np.pi + 0.05, 0.2]]
    assert tr.w1(P, Q, periodic=(0,)) == pytest.approx(0.1 + 0.2)
    assert tr.w1(P, Q, periodic=()) == pytest.approx(TWO_PI - 0.1 + 0.2)
    assert tr.w2(P, Q, metric="euclidean", periodic=(0,)) == pytest.approx(np.hypot(0.1, 0.2))


@pytest.mark.parametrize("shift", [0.3, np.pi, 2.9, -5.0])
def test_translation_invariance_on_torus(shift):
    rng = np.random.default_rng(9)
    P = np.column_stack([rng.uniform(-np.pi, np.pi, 50), rng.normal(size=50)])
    Q = np.column_stack([rng.uniform(-np.pi, np.pi, 70), rng.normal(size=70)])
    base = tr.w1(P, Q, periodic=(0,))
    s = np.array([shift, 0.0])
    wrap = np.array([TWO_PI, 0.0])
    assert tr.w1(P + s, Q + s, periodic=(0,)) == pytest.approx(base, rel=1e-10)
    # representatives of the same torus points give the same distance
    assert tr.w1(P + wrap, Q - 3 * wrap, periodic=(0,)) == pytest.approx(base, rel=1e-10)
    # wrapping the shifted points back into [-pi, pi) changes nothing on the torus
    Pw = (P + s + np.pi) % TWO_PI - np.pi
    Qw = (Q + s + np.pi) % TWO_PI - np.pi
    assert tr.w1(Pw, Qw, periodic=(0,)) == pytest.approx(base, rel=1e-10)


def test_uniform_on_circle_vs_dirac_is_pi_over_2():
    # W1(uniform on T, delta_0) = E d_T(X, 0) = pi/2 ; grid of n points approximates it exactly
    n = 400
    x = -np.pi + (np.arange(n) + 0.5) * TWO_PI / n
    got = tr.w1(x, [0.0], periodic=(0,))
    assert got == pytest.approx(np.mean(tr.torus_distance(x, 0.0)), rel=1e-12)
    assert got == pytest.approx(np.pi / 2, rel=1e-4)


# ----------------------------------------------------------------------------- plans and duality
def test_optimal_plan_is_a_coupling_and_attains_cost():
    rng = np.random.default_rng(10)
    P, Q = rng.normal(size=(8, 2)), rng.normal(size=(11, 2))
    b = rng.random(11)
    b /= b.sum()
    w, G = tr.optimal_plan(P, Q, None, b, periodic=(0,))
    assert np.allclose(G.sum(1), 1 / 8) and np.allclose(G.sum(0), b)
    assert np.all(G >= -1e-15)
    assert w == pytest.approx(tr.w1(P, Q, None, b, periodic=(0,)), rel=1e-12)
    assert w == pytest.approx(np.sum(G * tr.cost_matrix(P, Q, periodic=(0,))), rel=1e-12)


def test_kantorovich_rubinstein_dual_equals_primal_with_1_lipschitz_potential():
    rng = np.random.default_rng(11)
    P = np.column_stack([rng.uniform(-np.pi, np.pi, 25), rng.normal(size=25)])
    Q = np.column_stack([rng.uniform(-1, 1, 30), rng.normal(0.5, 0.3, size=30)])
    kr = tr.kantorovich_rubinstein(P, Q, periodic=(0,))
    assert kr["dual"] == pytest.approx(kr["primal"], rel=1e-9)
    assert kr["primal"] == pytest.approx(tr.w1(P, Q, periodic=(0,)), rel=1e-12)
    assert kr["lipschitz"] <= 1 + 1e-9


# ----------------------------------------------------------------------------- Gaussians
def test_gaussian_closed_form_1d_and_commuting():
    # 1D: W2^2 = (m1-m2)^2 + (s1-s2)^2
    assert tr.gaussian_w2(1.0, 4.0, -1.0, 1.0) == pytest.approx(np.sqrt(4 + 1))
    # diagonal covariances: sum of 1D terms
    got = tr.gaussian_w2([0, 0], np.diag([1.0, 9.0]), [3, 4], np.diag([4.0, 1.0]))
    assert got == pytest.approx(np.sqrt(25 + 1 + 4))


def test_gaussian_closed_form_matches_pot_gaussian_and_samples():
    rng = np.random.default_rng(12)
    A = rng.normal(size=(2, 2))
    S1 = A @ A.T + 0.2 * np.eye(2)
    B = rng.normal(size=(2, 2))
    S2 = B @ B.T + 0.1 * np.eye(2)
    m1, m2 = np.array([0.5, -0.2]), np.array([-0.3, 0.4])
    ref = np.sqrt(ot.gaussian.bures_wasserstein_distance(m1, m2, S1, S2) ** 2)
    assert tr.gaussian_w2(m1, S1, m2, S2) == pytest.approx(ref, rel=1e-8)
    # the optimal map between Gaussians is affine: pushing a sample by it and computing the
    # exact discrete W2 between the sample and its image gives the closed form exactly
    r1 = np.linalg.cholesky(S1)
    z = m1 + rng.normal(size=(300, 2)) @ r1.T
    # empirical moments, so that the closed form is that of the sample's own Gaussian
    me, Se = z.mean(0), np.cov(z.T, bias=True)
    s1h = tr._sqrtm_psd(Se)
    s1hi = np.linalg.inv(s1h)
    T = s1hi @ tr._sqrtm_psd(s1h @ S2 @ s1h) @ s1hi
    y = m2 + (z - me) @ T.T
    exact = tr.w2(z, y, metric="euclidean", periodic=())
    assert exact == pytest.approx(tr.gaussian_w2(me, Se, m2, S2), rel=1e-8)


# ----------------------------------------------------------------------------- grid densities
def _grid(nx=24, nv=24, vmax=5.0):
    x = -np.pi + (np.arange(nx) + 0.5) * TWO_PI / nx
    v = -vmax + (np.arange(nv) + 0.5) * 2 * vmax / nv
    X, V = np.meshgrid(x, v, indexing="ij")
    f = (1 + 0.5 * np.cos(X)) * np.exp(-(V**2) / 2) / (TWO_PI * np.sqrt(TWO_PI))
    return f, x, v


def test_grid_measure_and_w1_to_grid_against_its_own_atoms():
    f, x, v = _grid()
    Q, b = tr.grid_measure(f, x, v)
    assert b.sum() == pytest.approx(1.0) and Q.shape == (f.size, 2)
    # the grid measure against itself: 0; against the same atoms with weights, the general solver
    assert tr.wasserstein(Q, Q, b, b, periodic=(0,)) == pytest.approx(0.0, abs=1e-12)
    rng = np.random.default_rng(13)
    idx = rng.choice(len(b), size=200, p=b)
    pts = Q[idx] + rng.normal(scale=0.01, size=(200, 2))
    assert tr.w1_to_grid(pts, f, x, v) == pytest.approx(
        tr.w1(pts, Q, None, b, periodic=(0,)), rel=1e-12
    )


def test_w1_to_grid_converges_to_continuous_reference_in_1d_marginal():
    # a density depending on x only, uniform in a narrow v band: W1 to Dirac in v at 0 ...
    # use the lower bound W1 >= W1 of the x-marginals (a 1-Lipschitz projection), exact in 1D
    f, x, v = _grid(32, 32)
    rng = np.random.default_rng(14)
    pts = np.column_stack([rng.uniform(-np.pi, np.pi, 300), rng.normal(size=300)])
    w = tr.w1_to_grid(pts, f, x, v)
    Q, b = tr.grid_measure(f, x, v)
    lower_v = tr.wasserstein_1d(pts[:, 1], Q[:, 1], None, b)
    assert w >= lower_v - 1e-12
    assert tr.grid_quantization_bound(x, v) == pytest.approx((x[1] - x[0] + v[1] - v[0]) / 2)


def test_coarsen_grid_preserves_mass_and_is_close():
    f, x, v = _grid(32, 32)
    fc, xc, vc = tr.coarsen_grid(f, x, v, 4, 2)
    assert fc.shape == (8, 16)
    assert fc.sum() * (xc[1] - xc[0]) * (vc[1] - vc[0]) == pytest.approx(
        f.sum() * (x[1] - x[0]) * (v[1] - v[0])
    )
    Q, b = tr.grid_measure(f, x, v)
    Qc, bc = tr.grid_measure(fc, xc, vc)
    assert tr.w1(Q, Qc, b, bc, periodic=(0,)) <= tr.grid_quantization_bound(xc, vc)
    with pytest.raises(ValueError, match="dividing"):
        tr.coarsen_grid(f, x, v, 3, 1)


def test_drop_mass_moves_w1_by_at_most_eps_times_diameter():
    f, x, v = _grid(24, 24, vmax=6.0)
    rng = np.random.default_rng(17)
    pts = np.column_stack([rng.uniform(-np.pi, np.pi, 150), rng.normal(size=150)])
    exact = tr.w1_to_grid(pts, f, x, v)
    for eps in (1e-8, 1e-4, 1e-2):
        Q, b = tr.grid_measure(f, x, v, drop_mass=eps)
        assert len(b) < f.size and b.sum() == pytest.approx(1.0)
        approx = tr.w1_to_grid(pts, f, x, v, drop_mass=eps)
        assert abs(approx - exact) <= eps * tr.grid_diameter(x, v) + 1e-12
    with pytest.raises(ValueError, match="drop_mass"):
        tr.grid_measure(f, x, v, drop_mass=1.5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grid_flow_equals_network_simplex(seed):
    # the min-cost-flow formulation is exact: it must agree with POT's dense simplex, including
    # particles outside the velocity range, across the periodic seam, weights, empty cells and a
    # grid that does not cover the whole period
    rng = np.random.default_rng(100 + seed)
    for nx, nv, full in ((8, 6, True), (16, 12, True), (12, 10, False)):
        x = (np.arange(nx) + 0.5) * (TWO_PI if full else 5.0) / nx - (0.3 if full else 2.0)
        v = np.linspace(-3.0, 3.0, nv)
        X, V = np.meshgrid(x, v, indexing="ij")
        f = (1 + 0.5 * np.cos(X)) * np.exp(-(V**2) / 2)
        f[rng.integers(0, nx, 5), rng.integers(0, nv, 5)] = 0.0
        n = int(rng.integers(1, 60))
        pts = np.column_stack([rng.uniform(-10, 10, n), rng.normal(scale=2.5, size=n)])
        w = rng.random(n)
        w /= w.sum()
        ref = tr.w1_to_grid(pts, f, x, v, w, method="simplex")
        got = tr.w1_to_grid(pts, f, x, v, w, method="flow")
        assert got == pytest.approx(ref, rel=1e-9, abs=1e-12), (nx, nv, full)
    with pytest.raises(ValueError, match="l1"):
        tr.wasserstein_to_grid(pts, f, x, v, p=2, method="flow")


# ----------------------------------------------------------------------------- approximations
def test_sliced_is_below_exact_and_sinkhorn_above():
    rng = np.random.default_rng(15)
    P, Q = rng.normal(size=(60, 2)), rng.normal(size=(60, 2)) * [1.5, 0.5] + 0.3
    exact2 = tr.w2(P, Q, metric="euclidean", periodic=())
    assert tr.sliced_wasserstein_approx(P, Q, p=2) <= exact2 + 1e-12
    exact1 = tr.w1(P, Q, periodic=(0,))
    s = tr.sinkhorn_w_approx(P, Q, reg=0.01, periodic=(0,))
    assert exact1 - 1e-9 <= s <= 1.1 * exact1


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(a=[0.5, 0.7, -0.2]), "negative"),
        (dict(a=[0.3, 0.3, 0.3]), "sum"),
        (dict(a=[0.5, 0.5]), "shape"),
        (dict(a=[np.nan, 0.5, 0.5]), "NaN"),
        (dict(p=0.5), "p must"),
        (dict(metric="l2"), "metric"),
    ],
)
def test_bad_input_raises_value_error(kwargs, match):
    P = np.zeros((3, 2))
    Q = np.ones((4, 2))
    with pytest.raises(ValueError, match=match):
        tr.wasserstein(P, Q, periodic=(0,), **kwargs)


def test_bad_points_and_densities():
    with pytest.raises(ValueError, match="NaN"):
        tr.w1([[0.0, np.nan]], [[0.0, 0.0]], periodic=(0,))
    with pytest.raises(ValueError, match="dimension"):
        tr.w1(np.zeros((3, 2)), np.zeros((3, 3)), periodic=())
    with pytest.raises(ValueError, match="shape"):
        tr.wasserstein_1d(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="sum"):
        tr.wasserstein_1d([0.0, 1.0], [0.0], [0.2, 0.2])
    f, x, v = _grid(8, 8)
    with pytest.raises(ValueError, match="negative"):
        tr.w1_to_grid(np.zeros((2, 2)), f - 1.0, x, v)
    with pytest.raises(ValueError, match="shape"):
        tr.w1_to_grid(np.zeros((2, 2)), f[:, :5], x, v)
    with pytest.raises(ValueError, match="zero mass"):
        tr.w1_to_grid(np.zeros((2, 2)), 0 * f, x, v)
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        tr.w1_to_grid(np.zeros((2, 3)), f, x, v)
    with pytest.raises(ValueError, match="positive semi-definite"):
        tr.gaussian_w2([0, 0], np.diag([1.0, -1.0]), [0, 0], np.eye(2))


def test_non_converged_simplex_raises():
    rng = np.random.default_rng(16)
    P, Q = rng.normal(size=(50, 2)), rng.normal(size=(50, 2))
    with pytest.raises(RuntimeError, match="num_iter_max"):
        tr.w1(P, Q, periodic=(0,), num_iter_max=3)


# ----------------------------------------------------------------------------- explicit domains
def test_one_dimensional_samples_are_on_the_line_and_agree_with_sorting():
    """Issue #19: 1-D samples were measured on a circle by default (0.718 instead of 1.197)."""
    rng = np.random.default_rng(19)
    x, y = rng.normal(size=300), rng.normal(1.2, 1.0, size=200)
    assert tr.w1(x, y) == pytest.approx(tr.wasserstein_1d(x, y), rel=1e-10)
    assert tr.w2(x, y) == pytest.approx(tr.wasserstein_1d(x, y, p=2), rel=1e-10)
    assert tr.w1(x, y, periodic=(0,)) < tr.w1(x, y), "the circle is a different space"


def test_periodicity_must_be_said_in_two_dimensions():
    P, Q = np.zeros((3, 2)), np.ones((4, 2))
    for call in (tr.w1, tr.w2, tr.wasserstein, tr.optimal_plan, tr.kantorovich_rubinstein):
        with pytest.raises(ValueError, match=r"periodic=\(0,\) for phase space"):
            call(P, Q)
    with pytest.raises(ValueError, match="periodic"):
        tr.cost_matrix(P, Q)
    with pytest.raises(ValueError, match="sequence of coordinate indices"):
        tr.w1(P, Q, periodic=0)
    with pytest.raises(ValueError, match="out of range"):
        tr.w1(P, Q, periodic=(2,))


def test_oversized_problems_are_refused_before_allocating():
    big = np.zeros((20_000, 2))
    with pytest.raises(ValueError, match=r"limit is 2.5e\+07 entries"):
        tr.w2(big, big, periodic=(0,))


def test_circle_w1_weighted_against_the_simplex_and_sheets_alias():
    from mfcourse.classical import sheets

    assert sheets.circle_w1 is tr.circle_w1  # one implementation
    rng = np.random.default_rng(11)
    x, y = rng.uniform(-3, 9, 25), rng.uniform(0, 6, 40)  # positions are taken modulo L
    wx, wy = rng.dirichlet(np.ones(25)), rng.dirichlet(np.ones(40))
    L = 6.0
    P = np.column_stack([np.mod(x, L), np.zeros(25)])
    Q = np.column_stack([y, np.zeros(40)])
    exact = tr.w1(P, Q, wx, wy, periodic=(0,), period=L)
    assert tr.circle_w1(x, y, L, wy, x_weights=wx) == pytest.approx(exact, abs=1e-10)
    # a Dirac against its antipode: half the circumference
    assert tr.circle_w1([0.0], [3.0], L) == pytest.approx(3.0, abs=1e-14)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (([0.1], [0.2], 0.0), {}, "length"),
        (([0.1], [np.nan]), {}, "y contains NaN"),
        (([0.1, 0.2], [0.2]), {"x_weights": [0.5, 0.6]}, "x_weights sums"),
        ((np.zeros((2, 2)), [0.2]), {}, "1D samples"),
    ],
)
def test_circle_w1_refuses(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        tr.circle_w1(*args, **kwargs)
