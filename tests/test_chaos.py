"""Tests of the exact finite-state hierarchy (mfcourse.chaos), seed 000 §2 made concrete."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pytest

from mfcourse import chaos
from mfcourse.fock import FockSpace

ENERGIES = np.array([0.0, 1.0, 2.0])
W_KAC = chaos.discrete_kac_kernel(ENERGIES)
F0 = np.array([0.6, 0.1, 0.3])


# ---------------------------------------------------------------------------------- occupations
@pytest.mark.parametrize("N,q", [(0, 3), (5, 1), (7, 2), (9, 3), (6, 4), (4, 5)])
def test_occupation_enumeration_and_ranking(N, q):
    states = chaos.occupation_states(N, q)
    assert len(states) == chaos.n_occupation_states(N, q) == math.comb(N + q - 1, q - 1)
    assert np.all(states.sum(1) == N) and np.all(states >= 0)
    assert len({tuple(s) for s in states}) == len(states)
    # the Fock basis of mfcourse.fock (descending lexicographic), and the rank inverts it
    assert [tuple(s) for s in states] == sorted((tuple(s) for s in states), reverse=True)
    assert np.array_equal(states, FockSpace(N, q).occupations)
    assert np.array_equal(chaos.occupation_rank(states, N), np.arange(len(states)))


def test_multiplicities_count_configurations():
    for j, q in [(4, 3), (6, 2), (3, 4)]:
        types, mult = chaos.multiplicity_types(j, q)
        assert mult.sum() == q**j
        # brute force over all configurations
        counts = {}
        for x in itertools.product(range(q), repeat=j):
            m = tuple(np.bincount(x, minlength=q))
            counts[m] = counts.get(m, 0) + 1
        assert {tuple(t): w for t, w in zip(types, mult, strict=True)} == counts


# ---------------------------------------------------------------------------------- kernels
def test_kernel_validation_rejects_asymmetry_and_broken_invariants():
    W = W_KAC.copy()
    W[0, 2, 1, 1] += 0.1  # no longer equal to W[2, 0, 1, 1]
    with pytest.raises(ValueError, match=r"not exchange-symmetric: W\[0,2,1,1\]"):
        chaos.validate_kernel(W)
    W = np.zeros((3, 3, 3, 3))
    W[0, 1, 2, 2] = W[1, 0, 2, 2] = 1.0  # 0 + 1 -> 2 + 2 does not conserve energy
    chaos.validate_kernel(W)  # fine without a claimed invariant
    with pytest.raises(ValueError, match="does not conserve 'energy'.*1 != .*4"):
        chaos.validate_kernel(W, {"energy": ENERGIES})
    with pytest.raises(ValueError, match="must be >= 0"):
        chaos.validate_kernel(-W)
    with pytest.raises(ValueError, match=r"shape \(q, q, q, q\)"):
        chaos.validate_kernel(np.zeros((3, 3, 3)))
    with pytest.raises(ValueError, match="does not conserve"):
        chaos.MasterEquation(W, 10, conserved={"energy": ENERGIES})


def test_kinetic_operator_conserves_and_has_gibbs_equilibria():
    W = chaos.random_kernel(4, seed=3, energies=[0, 1, 2, 3])
    rng = np.random.default_rng(0)
    f = rng.random(4)
    f /= f.sum()
    Q = chaos.collision_operator(W, f)
    assert abs(Q.sum()) < 1e-14
    assert abs(Q @ np.arange(4)) < 1e-14
    # discrete Kac kernel: detailed balance, so every Gibbs state is an equilibrium
    gibbs = np.exp(-0.7 * ENERGIES)
    gibbs /= gibbs.sum()
    assert np.abs(chaos.collision_operator(W_KAC, gibbs)).max() < 1e-16
    # and the kinetic solution relaxes to the Gibbs state with the same energy
    f_inf = chaos.kinetic_solution(W_KAC, F0, [0.0, 60.0])[-1]
    assert abs(f_inf @ ENERGIES - F0 @ ENERGIES) < 1e-12
    assert f_inf[1] ** 2 == pytest.approx(f_inf[0] * f_inf[2], rel=1e-8)


# ---------------------------------------------------------------------------------- generator
@pytest.mark.parametrize(
    "W,energies",
    [
        (W_KAC, ENERGIES),
        (chaos.random_kernel(4, 7, [0, 1, 1, 2]), [0, 1, 1, 2]),
        (chaos.random_kernel(3, 1), None),
    ],
)
def test_generator_conserves_probability_and_invariants(W, energies):
    me = chaos.MasterEquation(W, 12)
    L = me.generator
    assert np.abs(np.asarray(L.sum(axis=0))).max() < 1e-12  # columns sum to zero
    off = L - __import__("scipy.sparse", fromlist=["diags"]).diags(L.diagonal())
    assert off.min() >= 0
    if energies is not None:
        total_energy = me.states @ np.asarray(energies, float)
        # d/dt E[Phi] = (L^T Phi) . p = 0 for every p: each column moves within an energy shell
        assert np.abs(L.T @ total_energy).max() < 1e-10
        for col in range(0, me.size, 7):
            rows = L[:, col].nonzero()[0]
            assert np.allclose(total_energy[rows], total_energy[col])
    p = me.evolve(me.iid(np.full(W.shape[0], 1 / W.shape[0])), [0.0, 0.5, 1.0])
    assert np.allclose(p.sum(1), 1, atol=1e-13) and p.min() > -1e-16


def test_generator_rates_match_brute_force_labelled_process():
    """The occupation-number generator equals the lumped labelled-particle generator."""
    W = chaos.random_kernel(3, seed=11)
    N, q = 4, 3
    me = chaos.MasterEquation(W, N)
    L = me.generator.toarray()
    configs = list(itertools.product(range(q), repeat=N))
    index = {c: k for k, c in enumerate(configs)}
    G = np.zeros((len(configs), len(configs)))
    for c in configs:
        for i, j in itertools.combinations(range(N), 2):
            for x, y in itertools.product(range(q), repeat=2):
                new = list(c)
                new[i], new[j] = x, y
                G[index[tuple(new)], index[c]] += W[c[i], c[j], x, y] / N
    np.fill_diagonal(G, 0)
    np.fill_diagonal(G, -G.sum(0))
    # lump: rate from occupation n to n' = sum over labelled targets of one representative
    occ = [tuple(np.bincount(c, minlength=q)) for c in configs]
    rank = {tuple(s): k for k, s in enumerate(me.states)}
    lumped = np.zeros_like(L)
    seen = set()
    for a in range(len(configs)):
        if occ[a] in seen:
            continue
        seen.add(occ[a])
        for b in range(len(configs)):
            lumped[rank[occ[b]], rank[occ[a]]] += G[b, a]
    assert np.allclose(L, lumped, atol=1e-14)


def test_restriction_to_invariant_blocks_changes_nothing_visible():
    me = chaos.MasterEquation(W_KAC, 60, conserved={"energy": ENERGIES})
    p0 = me.iid(F0)
    sub, q0 = me.restrict(p0, cutoff=1e-9)  # a coarse cutoff, so that blocks are dropped
    assert sub.size < 0.9 * me.size and 0 < sub.dropped_mass < 1e-9 * me.size
    t = [0.0, 0.8]
    full = me.factorial_moments(me.evolve(p0, t)[-1], 6)
    part = sub.factorial_moments(sub.evolve(q0, t)[-1], 6)
    # every marginal moves by at most the dropped mass
    assert np.nanmax(np.abs(full - part)) <= sub.dropped_mass + 1e-14
    assert np.abs(np.asarray(sub.generator.sum(axis=0))).max() < 1e-12


def test_long_time_limit_is_microcanonical():
    """Detailed balance makes the labelled chain symmetric, so on each energy shell (an
    irreducible class for the 0 + 2 <-> 1 + 1 reaction) it relaxes to the uniform law on labelled
    configurations: p_inf(n) = P0(shell) * multinomial(N; n) / sum over the shell."""
    from scipy.special import gammaln

    N = 24
    me = chaos.MasterEquation(W_KAC, N)
    p0 = me.iid(F0)
    p_late = me.evolve(p0, [0.0, 150.0])[-1]
    shell = me.states @ ENERGIES.astype(int)
    count = np.exp(gammaln(N + 1) - gammaln(me.states + 1).sum(1))
    p_inf = np.zeros_like(p0)
    for E in np.unique(shell):
        on = shell == E
        p_inf[on] = p0[on].sum() * count[on] / count[on].sum()
    assert np.abs(p_late - p_inf).sum() < 1e-10
    assert np.abs(p0 - p_inf).sum() > 0.1  # the data did not start there


def test_uniformization_agrees_with_expm_multiply():
    me = chaos.MasterEquation(chaos.random_kernel(3, 5), 25)
    p0 = me.iid([0.2, 0.5, 0.3])
    t = np.linspace(0, 1.5, 4)
    a = me.evolve(p0, t)
    b = me.evolve(p0, t, method="expm")
    assert np.abs(a - b).sum(1).max() < 1e-12


# ---------------------------------------------------------------------------------- marginals
def test_iid_data_have_product_marginals_and_zero_correlation_errors():
    N = 30
    me = chaos.MasterEquation(W_KAC, N)
    F = me.factorial_moments(me.iid(F0), 8)
    for j in range(1, 9):
        types, values = chaos.marginal(F, j)
        assert np.allclose(values, np.prod(F0**types, axis=1), rtol=1e-12, atol=0)
        assert chaos.chaos_distance(F, F0, j) < 1e-13
        norm, floor = chaos.correlation_error_norm(F, F0, j)
        assert norm < max(10 * floor, 1e-15)


def test_marginals_are_consistent_and_match_brute_force():
    """f_j^N from occupation numbers = direct sum over labelled configurations."""
    N, q = 5, 3
    me = chaos.MasterEquation(chaos.random_kernel(q, 2), N)
    p = me.evolve(me.iid([0.5, 0.2, 0.3]), [0.0, 0.7])[-1]
    F = me.factorial_moments(p, N)
    rank = {tuple(s): k for k, s in enumerate(me.states)}
    full = np.zeros((q,) * N)  # symmetric labelled law: uniform given the occupation
    for x in itertools.product(range(q), repeat=N):
        n = tuple(np.bincount(x, minlength=q))
        full[x] = p[rank[n]] / math.factorial(N) * np.prod([math.factorial(k) for k in n])
    assert full.sum() == pytest.approx(1, abs=1e-13)
    for j in range(1, N + 1):
        fj = full.sum(axis=tuple(range(j, N)))
        types, values = chaos.marginal(F, j)
        for m, val in zip(types, values, strict=True):
            x = sum(([a] * k for a, k in enumerate(m)), [])
            assert fj[tuple(x)] == pytest.approx(val, rel=1e-12, abs=1e-15)


def test_first_marginal_obeys_first_hierarchy_equation_at_time_zero():
    r"""d/dt f_1^N = (N-1)/N C_2 f_2^N = (N-1)/N Q(f0, f0) for chaotic data.

    Seed 000 eqs. (10) and (21)."""
    N = 40
    me = chaos.MasterEquation(W_KAC, N)
    p0 = me.iid(F0)
    dF = me.factorial_moments(me.generator @ p0, 1, cutoff=0.0)
    types, values = chaos.marginal(dF, 1)
    d_f1 = np.empty(3)
    d_f1[np.argmax(types, 1)] = values
    assert np.allclose(d_f1, (N - 1) / N * chaos.collision_operator(W_KAC, F0), atol=1e-14)


def test_inversion_formula_and_first_two_errors():
    ex = chaos.ChaosExperiment(W_KAC, 20, F0, [0.0, 1.0], jmax=5).run()
    F, f = ex.tables[1], ex.f[1]
    f1 = ex.one_particle(1)
    types, E1 = chaos.correlation_error(F, f, 1)
    assert np.allclose(E1, f1[np.argmax(types, 1)] - f[np.argmax(types, 1)], atol=1e-15)
    # E_2(x, y) = f_2 - f_1 f - f f_1 + f f, written out for x = 0, y = 2
    types2, E2 = chaos.correlation_error(F, f, 2)
    t2, f2 = chaos.marginal(F, 2)
    k = [tuple(t) for t in types2].index((1, 0, 1))
    expect = f2[k] - f1[0] * f[2] - f[0] * f1[2] + f[0] * f[2]
    assert E2[k] == pytest.approx(expect, abs=1e-15)
    for j in range(1, 6):  # seed 000 eq. (2)
        _, fj = chaos.marginal(F, j)
        assert np.allclose(chaos.reconstruct_marginal(F, f, j), fj, rtol=1e-10, atol=1e-15)


def test_one_particle_error_is_order_one_over_N():
    errs = []
    for N in (20, 40, 80):
        ex = chaos.ChaosExperiment(W_KAC, N, F0, [0.0, 1.0], jmax=2).run()
        errs.append(ex.distance[1, 1] * N)
    # N * ||f_1^N - f||_1 converges: successive differences shrink by ~2 (O(1/N^2) corrections)
    assert errs[0] > 1e-3
    assert abs(errs[2] - errs[1]) < 0.6 * abs(errs[1] - errs[0])


def test_distance_is_below_the_triangle_bound_of_corollary_2_3():
    ex = chaos.ChaosExperiment(W_KAC, 30, F0, [0.0, 1.0], jmax=6).run()
    norms = [0.0] + [ex.error_norm(1, k)[0] for k in range(1, 7)]
    for j in range(1, 7):
        bound = sum(math.comb(j, k) * norms[k] for k in range(1, j + 1))
        assert ex.distance[1, j] <= bound * (1 + 1e-9)


# ---------------------------------------------------------------------------------- bad input
def test_bad_input_is_rejected_before_allocation():
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"N = 100000 particles in q = 3 .*5,000,150,001"):
        chaos.MasterEquation(W_KAC, 100_000)
    assert time.perf_counter() - t0 < 1.0
    with pytest.raises(ValueError, match="j = 12 exceeds the particle number N = 10"):
        chaos.ChaosExperiment(W_KAC, 10, F0, [0.0, 1.0], jmax=12)
    me = chaos.MasterEquation(W_KAC, 10)
    with pytest.raises(ValueError, match="0 <= j <= N = 10"):
        me.factorial_moments(me.iid(F0), 11)
    with pytest.raises(ValueError, match="sum to 1"):
        me.iid([0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="N must be an integer >= 2"):
        chaos.MasterEquation(W_KAC, 1)
    with pytest.raises(ValueError, match="start at 0"):
        me.evolve(me.iid(F0), [0.5, 1.0])


# ---------------------------------------------------------------------------------- quantum
def test_quantum_distances_vanish_for_product_dynamics_and_decay_like_one_over_N():
    fock = pytest.importorskip("mfcourse.fock")  # lecture 2 (#5)
    psi0 = np.array([np.sqrt(0.8), np.sqrt(0.2)], dtype=complex)
    times = np.array([0.0, 0.7, 1.5])
    # U = 0: the N-body dynamics is a tensor power of the one-body one, so gamma^(j) stays a
    # product and the Hartree equation is the linear Schrödinger equation
    free = chaos.quantum_chaos_distances(fock.josephson(J=1.0, U=0.0), 30, psi0, times, jmax=5)
    assert np.abs(free).max() < 1e-9
    model = fock.josephson(J=1.0, U=2.0)
    d = {N: chaos.quantum_chaos_distances(model, N, psi0, times, jmax=4) for N in (50, 100, 200)}
    assert np.abs(d[50][0]).max() < 1e-10  # chaotic data at t = 0
    assert d[50][1, 1] > 1e-3
    # N * Tr|gamma^(j) - psi^{⊗j}| converges as N doubles (rate 1/N), for every j <= 4
    a, b, c = (N * d[N][2, 1:] for N in (50, 100, 200))
    assert np.all(np.abs(c - b) < 0.5 * np.abs(b - a) + 1e-3 * b)
    assert np.all(d[200] <= 2 + 1e-12)
    with pytest.raises(ValueError, match="1 <= j <= N = 10"):
        chaos.quantum_chaos_distances(model, 10, psi0, times, jmax=11)


def test_nan_inputs_are_refused():
    """Issue #19: MasterEquation.iid accepted NaN and returned NaN arrays."""
    W = chaos.discrete_kac_kernel([0.0, 1.0, 2.0])
    me = chaos.MasterEquation(W, 6)
    with pytest.raises(ValueError, match="finite"):
        me.iid([np.nan, 0.5, 0.5])
    with pytest.raises(ValueError, match="finite"):
        me.evolve(me.iid([0.2, 0.3, 0.5]), [0.0, np.nan])
    with pytest.raises(ValueError, match="finite"):
        chaos.kinetic_solution(W, [0.2, 0.3, 0.5], [0.0, np.inf])


# ---------------------------------------------------------------------------------- lecture 4 §5-9
def _small_run(N=12, t=0.7):
    me = chaos.MasterEquation(W_KAC, N)
    p = me.evolve(me.iid(F0), [0.0, t])[-1]
    F = me.factorial_moments(p, 4)
    f = chaos.kinetic_solution(W_KAC, F0, [0.0, t])[-1]
    return me, p, F, f


def test_first_order_norms_by_enumeration():
    _, _, F, f = _small_run()
    psi1, psi2 = chaos.normalised_correlations(F, f)
    assert abs(f @ psi1) < 1e-14 and np.allclose(psi2 @ f, 0, atol=1e-14)  # centred
    for j in (2, 3):
        # brute force over all configurations from the correlation errors themselves
        E1 = dict(
            zip(
                map(tuple, chaos.correlation_error(F, f, 1)[0]),
                chaos.correlation_error(F, f, 1)[1],
                strict=True,
            )
        )
        t2, v2 = chaos.correlation_error(F, f, 2)
        E2 = dict(zip(map(tuple, t2), v2, strict=True))
        one = pair = both = 0.0
        for x in itertools.product(range(3), repeat=j):
            prod = np.prod(f[list(x)])
            s1 = sum(E1[tuple(np.bincount([a], minlength=3))] * prod / f[a] for a in x)
            s2 = sum(
                E2[tuple(np.bincount([x[i], x[k]], minlength=3))] * prod / (f[x[i]] * f[x[k]])
                for i in range(j)
                for k in range(i + 1, j)
            )
            one, pair, both = one + abs(s1), pair + abs(s2), both + abs(s1 + s2)
        assert np.allclose(chaos.first_order_norms(F, f, j), (one, pair, both), rtol=1e-12)


def test_cumulants_vanish_for_chaotic_data_and_match_covariance():
    me = chaos.MasterEquation(W_KAC, 10)
    F = me.factorial_moments(me.iid(F0), 4)
    for j in (2, 3, 4):
        norm, floor = chaos.cumulant_norm(F, j)
        assert norm < 10 * floor + 1e-15, (j, norm)
    _, _, F, _ = _small_run()
    eye = np.eye(3, dtype=int)
    f1 = np.array([F[tuple(eye[a])] for a in range(3)])
    types, f2 = chaos.marginal(F, 2)
    _, mult = chaos.multiplicity_types(2, 3)
    cov = [f2[r] - np.prod(f1**row) for r, row in enumerate(types)]
    assert abs(chaos.cumulant_norm(F, 2)[0] - np.sum(mult * np.abs(cov))) < 1e-14


def test_microcanonical_law_is_the_long_time_limit():
    me = chaos.MasterEquation(W_KAC, 10, {"energy": ENERGIES})
    p0 = me.iid(F0)
    p_long = me.evolve(p0, [0.0, 200.0])[-1]
    assert np.abs(chaos.microcanonical_law(me, p0) - p_long).max() < 1e-9
    with pytest.raises(ValueError, match="no conserved"):
        chaos.microcanonical_law(chaos.MasterEquation(W_KAC, 10), p0)


def test_corollary_constants_and_pair_norm():
    c = chaos.corollary_constants()
    assert abs(c["C2"] - 16 * (2 * math.e) ** (1 + 1 / (12 * math.e))) < 1e-9
    assert c["D2"] == max(c["B2"], 8 * (math.e * c["C2"]) ** 2) and c["D1"] == 2 * c["C1"]
    # ||V||_{1->1} brute force: apply V to each unit pair state
    q = 3
    best = 0.0
    for a, b in itertools.product(range(q), repeat=2):
        g = np.zeros((q, q))
        g[a, b] = 1.0
        Vg = np.einsum("abcd,ab->cd", W_KAC, g) - g * W_KAC.sum(axis=(2, 3))
        best = max(best, np.abs(Vg).sum())
    assert abs(chaos.pair_operator_norm(W_KAC) - best) < 1e-14
