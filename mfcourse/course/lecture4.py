r"""Experiment helpers for lecture 4 (the size of chaos).

:func:`hmf_coupling` measures the quantity that drives the proof of seed 001, Theorem 3.1, on HMF
particles: the exchangeable coupling between the :math:`N`-particle Newton flow and :math:`N`
independent copies of the mean-field (Vlasov) characteristics started at the *same* points,

.. math::
    D_N(t) = \mathbb E\big[d_{\mathbb T}(x_1(t), y_1(t))^2 + |\xi_1(t)-\eta_1(t)|^2\big],
    \qquad W_2\big(F_N^n(t), f(t)^{\otimes n}\big)^2 \le n\,D_N(t),

the inequality being the last step of seed 001 §3.4 (the coupling's :math:`n`-marginal is a
coupling of the two :math:`n`-marginals, and exchangeability turns the sum over :math:`n`
particles into :math:`n` times one). The mean-field force along the characteristics is that of
the law :math:`f(t)`, which we represent by a large reference ensemble of ``n_ref`` independent
characteristics (its magnetisation error is :math:`O(n_{\rm ref}^{-1/2})`, reported).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mfcourse.classical import newton as nw
from mfcourse.interaction import PairInteraction
from mfcourse.transport import torus_distance

__all__ = ["hmf_coupling"]


def _moments(x, modes):
    """C_k + i S_k = mean of exp(i k x) for the given modes."""
    return np.array([np.mean(np.exp(1j * k * x)) for k in modes])


def _force(y, interaction, mom):
    r"""Force on points ``y`` of the measure with moments ``mom``:
    :math:`\sum_k k v_k[\sin(ky)C_k - \cos(ky)S_k]`."""
    out = np.zeros_like(y)
    for k, vk, m in zip(interaction.modes, interaction.coeffs, mom, strict=True):
        out += k * vk * (np.sin(k * y) * m.real - np.cos(k * y) * m.imag)
    return out


def hmf_coupling(
    density: nw.PhaseSpaceDensity,
    interaction: PairInteraction,
    Ns: Sequence[int],
    replicates: int,
    times,
    *,
    dt: float = 0.02,
    n_ref: int = 400_000,
    seed: int = 0,
) -> dict:
    r"""Coupling distance :math:`D_N(t)` (mean over particles and ``replicates``), with its standard
    error over replicates, for each ``N`` in ``Ns`` at ``times`` (a grid of multiples of ``dt``
    starting at 0). Both flows use the same velocity-Verlet step: the Newton flow with the
    empirical force, the characteristics with the force of the reference ensemble (itself moved
    by its own force, i.e. the :math:`n_{\rm ref}`-particle approximation of Vlasov).

    Returns ``{"times", "D" (len(Ns), len(times)), "stderr", "ref_error"}``, ``ref_error`` being
    the standard error :math:`n_{\rm ref}^{-1/2}` of the reference magnetisation."""
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or times[0] != 0 or np.any(np.diff(times) <= 0):
        raise ValueError("times must be increasing and start at 0")
    steps = np.rint(times / dt).astype(int)
    if not np.allclose(steps * dt, times):
        raise ValueError(f"times must be multiples of dt = {dt}")
    if not isinstance(replicates, int) or replicates < 2:
        raise ValueError(f"replicates must be an integer >= 2, got {replicates!r}")
    if any(int(N) < 2 for N in Ns):
        raise ValueError(f"every N must be >= 2, got {list(Ns)}")
    if n_ref * 8 * 6 > 2e9:
        raise ValueError(f"n_ref = {n_ref} needs more than 2 GB of work arrays")
    modes = interaction.modes
    rng = np.random.default_rng(seed)
    # reference characteristics: record the moments at every step (they drive all couplings)
    xr, vr = nw.sample_iid(density, int(n_ref), rng)
    n_steps = int(steps[-1])
    mom_ref = np.empty((n_steps + 1, len(modes)), dtype=complex)
    mom_ref[0] = _moments(xr, modes)
    Fr = _force(xr, interaction, mom_ref[0])
    for s in range(n_steps):
        vr += 0.5 * dt * Fr
        xr += dt * vr
        mom_ref[s + 1] = _moments(xr, modes)
        Fr = _force(xr, interaction, mom_ref[s + 1])
        vr += 0.5 * dt * Fr
    D = np.zeros((len(Ns), times.size, replicates))
    for a, N in enumerate(Ns):
        for r in range(replicates):
            x, v = nw.sample_iid(density, int(N), rng)
            y, w = x.copy(), v.copy()
            Fx = _force(x, interaction, _moments(x, modes))
            Fy = _force(y, interaction, mom_ref[0])
            out = 0
            for s in range(n_steps + 1):
                if s == steps[out]:
                    D[a, out, r] = np.mean(torus_distance(x, y) ** 2 + (v - w) ** 2)
                    out += 1
                    if out == times.size:
                        break
                v += 0.5 * dt * Fx
                x += dt * v
                Fx = _force(x, interaction, _moments(x, modes))
                v += 0.5 * dt * Fx
                w += 0.5 * dt * Fy
                y += dt * w
                Fy = _force(y, interaction, mom_ref[s + 1])
                w += 0.5 * dt * Fy
    return {
        "times": times,
        "D": D.mean(2),
        "stderr": D.std(2, ddof=1) / np.sqrt(replicates),
        "ref_error": 1 / np.sqrt(n_ref),
    }
