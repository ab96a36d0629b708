r"""Every quantity of the proof of Dobrushin's inequality, evaluated along computed solutions.

Golse's lecture notes (seed 002), §1.6, Theorem 1.5, Lemma 1.7 and Step 3 of the proof.  Two weak
solutions :math:`f(t)`, :math:`g(t)` of the Vlasov equation on
:math:`\mathbb T\times\mathbb R` (:math:`\mathbb T = \mathbb R/2\pi\mathbb Z`) are taken to be
empirical measures of two particle systems (by Klimontovich's theorem, seed 002 Theorem 1.2,
they *are* weak solutions), with :math:`N` and :math:`M` particles.  The proof

1. starts from an optimal coupling :math:`h^{in}` of :math:`f^{in}, g^{in}` for the cost
   :math:`c((x,\xi),(y,\eta)) = d_{\mathbb T}(x,y) + |\xi-\eta|`;
2. pushes it by the product of the two characteristic flows (Lemma 1.7): for discrete measures
   the support pairs :math:`(i,j)` with masses :math:`h_{ij}` stay fixed and the points move, so
   :math:`D(t) = \sum_{ij} h_{ij}\,c(z_i(t), w_j(t))` is *exact*;
3. bounds its derivative, :math:`\dot D = \sum_{ij}h_{ij}B_{ij}` with
   :math:`B = s_x(\xi-\eta) + s_\xi(F_f(x) - F_g(y))`,
   :math:`s_x = \operatorname{sgn}_{\mathbb T}(x-y)`, :math:`s_\xi = \operatorname{sgn}(\xi-\eta)`,
   :math:`F_f = -V'\star f`, through the chain

   .. math::
       \dot D \;\le\; R_1 = \textstyle\sum h_{ij}(|\xi-\eta| + |F_f(x)-F_g(y)|)
       \;\le\; R_2 = \sum h_{ij}(|\xi-\eta| + L\,d_{\mathbb T}(x,y)) + L\,W_1(f,g)
       \;\le\; R_3 = \max(1,L)\,D + L\,W_1(f,g)
       \;\le\; R_4 = \Lambda D,

   :math:`L = \operatorname{Lip}(V')`, :math:`\Lambda = \max(1,L) + L`;
4. integrates (Gronwall): :math:`W_1(f(t),g(t)) \le D(t) \le D(0)e^{\Lambda t}
   = W_1(f^{in},g^{in})e^{\Lambda t}`.

Since :math:`\log\big(D(0)e^{\Lambda t}/D(t)\big) = \int_0^t(\Lambda - \dot D/D)\,ds
= \sum_{k=0}^{3}\int_0^t (R_{k+1}-R_k)/D\,ds` (with :math:`R_0 = \dot D`), the Gronwall bound's
overshoot factors *exactly* into one factor :math:`e^{c_k(t)}` per step of the chain; the
remaining loss is :math:`D(t)/W_1(f(t),g(t))`, the price of not re-optimising the coupling.
"""

from __future__ import annotations

import numpy as np

from mfcourse import transport as tr
from mfcourse._validate import finite_array
from mfcourse.classical import newton as nw
from mfcourse.interaction import PairInteraction

__all__ = [
    "STEPS",
    "dobrushin_audit",
    "effective_exponent",
    "klimontovich_identity",
    "loss_table",
    "torus_difference",
]

TWO_PI = 2.0 * np.pi

#: The steps of the proof whose losses :func:`dobrushin_audit` measures, in order.
STEPS = (
    "Lemma 1.7: the pushed coupling is not re-optimised (D / W1)",
    "Step 3: absolute values in B (cancellations dropped)",
    "Step 3: Lip(V') and Kantorovich-Rubinstein for the force",
    "Step 3: max(1, L) for the two parts of D",
    "Step 3: W1 <= D in the force term",
)


def torus_difference(x, y, period: float = TWO_PI) -> np.ndarray:
    r"""Signed representative of :math:`x - y` on :math:`\mathbb R/L\mathbb Z` in
    :math:`[-L/2, L/2)`; its absolute value is :func:`mfcourse.transport.torus_distance` and its
    sign is the derivative of :math:`d_{\mathbb T}(x,y)` in :math:`x` (where it exists)."""
    if not period > 0:
        raise ValueError(f"period must be > 0, got {period!r}")
    if not np.isfinite(period):
        raise ValueError(f"period must be finite, got {period!r}")
    r = np.mod(finite_array(x, "x") - finite_array(y, "y"), period)  # exact in IEEE arithmetic
    # r - period is exact for r >= period/2 (Sterbenz), so |result| equals torus_distance
    # exactly, at every magnitude (shifting by period/2 first rounds for |x - y| >> period)
    return np.where(r >= period / 2, r - period, r)


# ------------------------------------------------------------------------------------------
# Klimontovich's identity at one configuration (seed 002 §1.4, Theorem 1.2)
# ------------------------------------------------------------------------------------------
#: Largest N for the direct O(N^2) pair sum of :func:`klimontovich_identity`.
PAIR_SUM_MAX_N = 4000


def klimontovich_identity(x, v, interaction: PairInteraction, phi, phi_x, phi_v) -> dict:
    r"""Both sides of Klimontovich's weak-form identity at one configuration ``(x, v)``.

    Left: the time derivative of :math:`\langle\mu_N,\varphi\rangle` along Newton's vector field
    (seed 002, system (2)), by the chain rule, with the force as the *pair sum without the self
    term*,

    .. math::
        \ell = \frac1N\sum_j\Big[\xi_j\,\partial_x\varphi(x_j,\xi_j)
            - \Big(\frac1N\sum_{k\ne j}V'(x_j-x_k)\Big)\partial_\xi\varphi(x_j,\xi_j)\Big].

    Right: the Vlasov bracket tested on the empirical measure,
    :math:`r = \langle\mu_N, \xi\,\partial_x\varphi - (V'\star\mu_N)\,\partial_\xi\varphi\rangle`,
    with :math:`V'\star\mu_N` *including* :math:`k = j`, computed independently from the Fourier
    moments (:meth:`PairInteraction.force`).  The two differ by the self term
    :math:`\frac{V'(0)}{N}\langle\mu_N,\partial_\xi\varphi\rangle`, which vanishes because
    :math:`V` is even; so :math:`\ell = r` to round-off.  Returns ``lhs``, ``rhs``,
    ``difference``, ``self_term`` and ``scale`` (:math:`\langle\mu_N, |\xi\partial_x\varphi|
    + |V'\star\mu_N\,\partial_\xi\varphi|\rangle`, the size of the terms that cancel).
    """
    x = np.asarray(x, dtype=float)
    v = np.asarray(v, dtype=float)
    if x.ndim != 1 or v.shape != x.shape or x.size < 2:
        raise ValueError(
            f"x and v must be 1D arrays of the same length >= 2, got {x.shape}, {v.shape}"
        )
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(v))):
        raise ValueError("x and v must be finite")
    N = x.size
    if N > PAIR_SUM_MAX_N:
        raise ValueError(
            f"N = {N} > {PAIR_SUM_MAX_N}: the direct pair sum needs N^2 = {N * N:.1e} doubles; "
            "use fewer particles"
        )
    diff = x[:, None] - x[None, :]
    pair = interaction.dV(diff)
    np.fill_diagonal(pair, 0.0)  # k != j: the sum in Newton's equations
    f_newton = -pair.sum(axis=1) / N
    f_vlasov = interaction.force(x)  # -(V' * mu_N)(x_j), self term included
    px, pv = np.asarray(phi_x(x, v), float), np.asarray(phi_v(x, v), float)
    lhs = float(np.mean(v * px + f_newton * pv))
    rhs = float(np.mean(v * px + f_vlasov * pv))
    self_term = float(interaction.dV(np.zeros(1))[0] / N * np.mean(pv))
    scale = float(np.mean(np.abs(v * px)) + np.mean(np.abs(f_vlasov * pv)))
    return {
        "lhs": lhs,
        "rhs": rhs,
        "difference": lhs - rhs,
        "self_term": self_term,
        "scale": scale,
        "pairing": float(np.mean(phi(x, v))),
    }


# ------------------------------------------------------------------------------------------
# the proof audit of Theorem 1.5
# ------------------------------------------------------------------------------------------
def _cumtrapz(y, t):
    out = np.zeros_like(y)
    out[1:] = np.cumsum(0.5 * (y[1:] + y[:-1]) * np.diff(t))
    return out


def dobrushin_audit(
    x0,
    v0,
    y0,
    w0,
    interaction: PairInteraction,
    t_final: float,
    *,
    h: float = 0.1,
    dt: float = 0.05,
) -> dict:
    r"""Evaluate every term of the proof of Dobrushin's inequality (seed 002, Theorem 1.5)
    between the empirical measures :math:`f` of ``(x0, v0)`` (:math:`N` particles) and :math:`g`
    of ``(y0, w0)`` (:math:`M` particles), on the time grid :math:`0, h, 2h, \dots,` ``t_final``.

    The optimal initial coupling (exact, :func:`mfcourse.transport.optimal_plan`, cost
    :math:`d_{\mathbb T}(x,y) + |\xi-\eta|`) is kept and pushed by the two Newton flows (leapfrog,
    step ``dt``; by Klimontovich's theorem these are the two Vlasov flows).  At every recorded
    time the function evaluates, from the state alone (no finite differences):

    * ``D``: the cost of the pushed coupling; ``W1``: the re-optimised distance (POT);
    * ``dD``: the exact (right) derivative
      :math:`\dot D = \sum h_{ij}[s_x(\xi-\eta) + s_\xi(F_f(x)-F_g(y))]` (where
      :math:`x = y` or :math:`\xi = \eta` the one-sided derivative of the absolute value);
    * ``R``: array ``(4, nt)`` with :math:`R_1,\dots,R_4` of the chain in the module docstring;
    * ``gronwall``: :math:`D(0)e^{\Lambda t}`; ``bound_R1``: :math:`D(0) + \int_0^t R_1`;
    * ``log_losses``: array ``(5, nt)``; row 0 is :math:`\log(D/W_1)`, rows 1–4 the
      :math:`c_k(t) = \int_0^t (R_{k}-R_{k-1})/D\,ds` (trapezoid rule), whose sum approximates
      :math:`\log(D(0)e^{\Lambda t}/D(t))`; ``consistency`` is
      :math:`\max_t|\log(D(t)/D(0)) - \int_0^t\dot D/D\,ds|` (integrator + quadrature error, which
      bounds how far that sum can be from the exact factorisation);
    * ``rate`` :math:`\Lambda`, ``L``, ``energy_drift`` (max over the two runs).
    """
    interaction = nw._check_interaction(interaction)
    x0, v0 = nw._check_state(x0, v0)
    y0, w0 = nw._check_state(y0, w0)
    if not (np.isfinite(t_final) and t_final > 0):
        raise ValueError(f"t_final must be a finite time > 0, got {t_final!r}")
    if not (np.isfinite(h) and h > 0 and np.isfinite(dt) and 0 < dt <= h):
        raise ValueError(f"need 0 < dt <= h (finite), got dt = {dt!r}, h = {h!r}")
    n = int(round(t_final / h))
    if n < 2 or abs(n * h - t_final) > 1e-9 * t_final:
        raise ValueError(f"t_final = {t_final} must be a multiple (>= 2) of h = {h}")
    N, M = x0.size, y0.size
    if N * M > 4_000_000:
        raise ValueError(f"N * M = {N * M} too large for the dense initial plan (max 4e6)")
    times = h * np.arange(n + 1)
    L = interaction.lip_grad
    rate = max(1.0, L) + L

    P0, Q0 = np.column_stack([x0, v0]), np.column_stack([y0, w0])
    _, plan = tr.optimal_plan(P0, Q0, periodic=(0,))
    ii, jj = np.nonzero(plan > 1e-15 * plan.max())
    m = plan[ii, jj]
    m = m / m.sum()

    tf = nw.simulate(x0, v0, interaction, times, dt, wrap=False)
    tg = nw.simulate(y0, w0, interaction, times, dt, wrap=False)
    Ff = np.stack([interaction.force(xk) for xk in tf.x])
    Fg = np.stack([interaction.force(yk) for yk in tg.x])

    dx = torus_difference(tf.x[:, ii], tg.x[:, jj])
    dv = tf.v[:, ii] - tg.v[:, jj]
    dF = Ff[:, ii] - Fg[:, jj]
    Dx, Dv = np.abs(dx) @ m, np.abs(dv) @ m
    D = Dx + Dv
    # right derivatives: |a|' = sgn(a) a' if a != 0 and |a'| if a = 0; d_T' = -|dv| at the
    # antipodal point (|dx| = pi), where the two ways round the circle are equally short
    ddx = np.where(dx != 0, np.sign(dx) * dv, np.abs(dv))
    ddx = np.where(np.abs(dx) >= np.pi, -np.abs(dv), ddx)
    ddv = np.where(dv != 0, np.sign(dv) * dF, np.abs(dF))
    dD = (ddx + ddv) @ m
    W1 = np.array(
        [
            tr.w1(
                np.column_stack([tf.x[k], tf.v[k]]),
                np.column_stack([tg.x[k], tg.v[k]]),
                periodic=(0,),
            )
            for k in range(times.size)
        ]
    )
    R1 = (np.abs(dv) + np.abs(dF)) @ m
    R2 = Dv + L * Dx + L * W1
    R3 = max(1.0, L) * D + L * W1
    R4 = rate * D
    R = np.stack([R1, R2, R3, R4])
    chain = np.stack([dD, R1, R2, R3, R4])
    c = np.stack([_cumtrapz((chain[k + 1] - chain[k]) / D, times) for k in range(4)])
    log_losses = np.vstack([np.log(D / W1), c])
    consistency = float(np.max(np.abs(np.log(D / D[0]) - _cumtrapz(dD / D, times))))
    return {
        "times": times,
        "N": N,
        "M": M,
        "L": L,
        "rate": rate,
        "W1": W1,
        "D": D,
        "D_x": Dx,
        "D_v": Dv,
        "dD": dD,
        "R": R,
        "gronwall": D[0] * np.exp(rate * times),
        "bound_R1": D[0] + _cumtrapz(R1, times),
        "log_losses": log_losses,
        "consistency": consistency,
        "support": int(m.size),
        "energy_drift": max(tf.energy_drift, tg.energy_drift),
    }


def loss_table(audit: dict, k: int = -1) -> list[tuple[str, float]]:
    r"""The loss factors of the proof's steps at the recorded time index ``k`` (default: the
    last), as ``(step, ratio)`` pairs, followed by their product and the measured total
    :math:`D(0)e^{\Lambda t}/W_1(t)`."""
    fac = np.exp(audit["log_losses"][:, k])
    rows = list(zip(STEPS, fac.tolist(), strict=True))
    rows.append(("product of the step factors", float(np.prod(fac))))
    rows.append(("Gronwall bound / W1(t), measured", float(audit["gronwall"][k] / audit["W1"][k])))
    return rows


def effective_exponent(audit: dict) -> float:
    r"""Least-squares slope of :math:`\log D(t)` against :math:`t` (the growth rate the proof
    would need), to compare with :math:`\Lambda`."""
    return float(np.polyfit(audit["times"], np.log(audit["D"]), 1)[0])
