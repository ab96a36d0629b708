r"""An exactly solvable joint limit: bosons on the line with a harmonic pair interaction.

Lecture 3 (Golse's notes, seed 002 §3.3) asks whether the mean-field error of the quantum
N-body problem is bounded uniformly in the semiclassical parameter :math:`\varepsilon`. To test
this without truncation bias we use the one model in which both sides are known in closed form
for every :math:`N` and :math:`\varepsilon`: the scaled Hamiltonian (seed 002 (3)) on
:math:`\mathbf R` (:math:`d = 1`) with the quadratic pair potential :math:`V(x) = \kappa x^2/2`,

.. math::

    \mathcal H_N = \sum_{j=1}^N -\tfrac12\varepsilon^2\partial_{x_j}^2
        + \frac1N\sum_{j<k}\frac\kappa2(x_j-x_k)^2
    = \sum_{j=1}^N -\tfrac12\varepsilon^2\partial_{x_j}^2 + \frac\kappa2\sum_{j=1}^N(x_j-\bar x)^2,
    \qquad \bar x = \frac1N\sum_j x_j,\ \kappa > 0 .

Facts used (all elementary; derived in lecture 3, §4 and §7, and Problem 3.4):

* :math:`\mathcal H_N` is quadratic, so the Wigner function of the N-body state is transported
  *exactly* by the classical Hamiltonian flow :math:`S_t` (the Moyal bracket of a quadratic
  symbol is its Poisson bracket). The flow is linear: the centre of mass
  :math:`U = \frac1N\sum_j z_j` moves freely, :math:`U(t) = R_0(t)U`, and the relative
  coordinates oscillate with frequency :math:`\Omega = \sqrt\kappa`,
  :math:`z_j(t) - U(t) = R_\Omega(t)(z_j - U)`, where :math:`z = (x, \xi)` and

  .. math:: R_\nu(t) = \begin{pmatrix}\cos\nu t & \nu^{-1}\sin\nu t\\ -\nu\sin\nu t &
     \cos\nu t\end{pmatrix},\qquad R_0(t) = \begin{pmatrix}1 & t\\ 0 & 1\end{pmatrix}.

* The one-particle marginal of a Gaussian state is Gaussian, and its Wigner function is the
  marginal of the N-body Wigner function. For the product of :math:`N` copies of a centred
  one-body Gaussian state with Wigner covariance :math:`\widetilde\Sigma`, the marginal at time
  :math:`t` has Wigner covariance (exactly, for every :math:`N`)

  .. math:: \Sigma_N(t) = \big(1-\tfrac1N\big)R_\Omega\widetilde\Sigma R_\Omega^T
      + \tfrac1N R_0\widetilde\Sigma R_0^T,

  while Hartree (and Vlasov, which is the same linear flow) give
  :math:`\Sigma_\infty(t) = R_\Omega\widetilde\Sigma R_\Omega^T` (the mean-field force is
  :math:`-\kappa(x - \langle x\rangle_t)`). Means are transported by :math:`R_0` on both sides.

* Töplitz data :math:`\mathrm{OP}^T_\varepsilon(2\pi\varepsilon f)` of a Gaussian
  :math:`f = \mathcal N(m, \Sigma)` has Wigner covariance :math:`\Sigma + \frac\varepsilon2 I`;
  a coherent state has :math:`\frac\varepsilon2 I`; a Husimi function adds another
  :math:`\frac\varepsilon2 I` (seed 001, appendix A).

:func:`nbody_flow` builds the :math:`2N\times2N` flow by a matrix exponential: it is the
independent route the tests compare the closed forms with. :func:`coupling_functional` evaluates
the functional :math:`\mathcal D(t)` of the proof of seed 002 Theorem 3.5 for the coherent-state
coupling, and :func:`lln_term` the law-of-large-numbers integral of that proof.

The potential is not bounded-gradient, so Theorem 3.5 (which assumes :math:`\nabla V` bounded
and Lipschitz) does not apply as stated; the model tests the *mechanism*, and lecture 3 says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla

from mfcourse.transport import gaussian_w2

__all__ = [
    "HarmonicPairModel",
    "harmonic_flow",
    "flow_generator",
    "nbody_flow",
    "toeplitz_wigner_covariance",
    "coherent_wigner_covariance",
    "husimi_covariance",
    "mean_field_covariance",
    "marginal_covariance",
    "mean_field_error_table",
    "coupling_functional",
    "coupling_functional_rate",
    "lln_term",
    "gronwall_bound",
]


_ZERO = np.zeros(2)


def _check_positive(name: str, value: float) -> float:
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite positive number, got {value!r}")
    return value


def _check_cov(name: str, cov) -> np.ndarray:
    cov = np.asarray(cov, dtype=float)
    if cov.shape != (2, 2) or not np.all(np.isfinite(cov)):
        raise ValueError(f"{name} must be a finite 2x2 covariance matrix, got shape {cov.shape}")
    if not np.allclose(cov, cov.T, atol=1e-14 * max(1.0, np.abs(cov).max())):
        raise ValueError(f"{name} must be symmetric")
    if np.linalg.eigvalsh(cov).min() <= 0:
        raise ValueError(f"{name} must be positive definite")
    return 0.5 * (cov + cov.T)


def _check_times(t) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("t must be finite and >= 0")
    return t


def _check_n(n) -> int:
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n (the particle number) must be an integer >= 1, got {n!r}")
    return int(n)


@dataclass(frozen=True)
class HarmonicPairModel:
    r"""The pair potential :math:`V(x) = \kappa x^2/2` on :math:`\mathbf R`, :math:`\kappa > 0`.

    ``lip_grad`` is :math:`\mathrm{Lip}(\nabla V) = \kappa`; :math:`\|\nabla V\|_\infty = \infty`.
    ``omega`` is the relative-mode frequency :math:`\Omega = \sqrt\kappa`; ``gamma`` is
    :math:`\Gamma = 1 + 2\max(1, 2\kappa^2)` of seed 002 Theorem 3.5.
    """

    kappa: float = 1.0

    def __post_init__(self):
        _check_positive("kappa", self.kappa)

    @property
    def omega(self) -> float:
        return math.sqrt(self.kappa)

    @property
    def lip_grad(self) -> float:
        return float(self.kappa)

    @property
    def gamma(self) -> float:
        return 1 + 2 * max(1.0, 2 * self.kappa**2)


def harmonic_flow(nu: float, t) -> np.ndarray:
    r"""The flow :math:`R_\nu(t)` of :math:`\dot x = \xi`, :math:`\dot\xi = -\nu^2 x` on
    :math:`(x, \xi)`; shape ``t.shape + (2, 2)``. :math:`\nu = 0` is free motion."""
    if not (math.isfinite(nu) and nu >= 0):
        raise ValueError(f"nu must be finite and >= 0, got {nu!r}")
    t = _check_times(t)
    c, s = np.cos(nu * t), np.sin(nu * t)
    sinc = t * np.sinc(nu * t / math.pi)  # sin(nu t)/nu, = t at nu = 0
    return np.stack([np.stack([c, sinc], -1), np.stack([-nu * s, c], -1)], -2)


def flow_generator(nu: float) -> np.ndarray:
    r"""The matrix :math:`A_\nu` with :math:`\dot R_\nu = A_\nu R_\nu`."""
    return np.array([[0.0, 1.0], [-(nu**2), 0.0]])


def nbody_flow(model: HarmonicPairModel, n: int, t: float) -> np.ndarray:
    r"""The linear Hamiltonian flow of :math:`\sum_j\xi_j^2/2 + \frac\kappa{2N}\sum_{j<k}
    (x_j - x_k)^2` on :math:`(x_1,\xi_1,\dots,x_N,\xi_N)`, by a matrix exponential of the
    :math:`2N\times2N` generator built from the pair sum (not from the mode decomposition):
    the independent reference for :func:`marginal_covariance`."""
    n = _check_n(n)
    t = float(_check_times(t))
    # Hessian of the potential in x: (kappa/N) (N I - 1 1^T)
    hess = model.kappa / n * (n * np.eye(n) - np.ones((n, n)))
    gen = np.zeros((2 * n, 2 * n))
    gen[0::2, 1::2] = np.eye(n)  # dx_j/dt = xi_j
    gen[1::2, 0::2] = -hess  # dxi_j/dt = -sum_k H_jk x_k
    return sla.expm(t * gen)


def toeplitz_wigner_covariance(cov, eps: float) -> np.ndarray:
    r"""Wigner covariance of :math:`\mathrm{OP}^T_\varepsilon(2\pi\varepsilon\,\mathcal N(m,
    \Sigma))`: :math:`\Sigma + \frac\varepsilon2 I` (Wigner of a Töplitz operator is
    :math:`G_{\varepsilon/2}\star f`)."""
    return _check_cov("cov", cov) + 0.5 * _check_positive("eps", eps) * np.eye(2)


def coherent_wigner_covariance(eps: float) -> np.ndarray:
    r"""Wigner covariance :math:`\frac\varepsilon2 I` of a coherent state
    :math:`|q+ip,\varepsilon\rangle`."""
    return 0.5 * _check_positive("eps", eps) * np.eye(2)


def husimi_covariance(wigner_cov, eps: float) -> np.ndarray:
    r"""Husimi = :math:`G_{\varepsilon/2}\star` Wigner: covariance plus :math:`\frac\varepsilon2
    I`."""
    return _check_cov("wigner_cov", wigner_cov) + 0.5 * _check_positive("eps", eps) * np.eye(2)


def _sandwich(r: np.ndarray, cov: np.ndarray) -> np.ndarray:
    return np.einsum("...ij,jk,...lk->...il", r, cov, r)


def mean_field_covariance(model: HarmonicPairModel, cov0, t) -> np.ndarray:
    r"""Vlasov / Hartree: :math:`R_\Omega(t)\Sigma_0R_\Omega(t)^T` (Wigner covariance for
    Hartree, covariance of :math:`f(t)` for Vlasov)."""
    return _sandwich(harmonic_flow(model.omega, t), _check_cov("cov0", cov0))


def marginal_covariance(model: HarmonicPairModel, cov0, n: int, t) -> np.ndarray:
    r"""Exact Wigner covariance of the one-particle marginal of the N-body state evolved from
    the product of :math:`N` centred Gaussian states of Wigner covariance ``cov0``:
    :math:`(1-\frac1N)R_\Omega\Sigma_0R_\Omega^T + \frac1NR_0\Sigma_0R_0^T`. (With ``cov0`` a
    covariance of a classical density this is also the marginal of the classical Liouville
    flow: for quadratic Hamiltonians the two coincide.)"""
    n = _check_n(n)
    cov0 = _check_cov("cov0", cov0)
    rel = _sandwich(harmonic_flow(model.omega, t), cov0)
    com = _sandwich(harmonic_flow(0.0, t), cov0)
    return (1 - 1 / n) * rel + com / n


def mean_field_error_table(
    model: HarmonicPairModel,
    eps_values: Sequence[float],
    n_values: Sequence[int],
    t: float,
    *,
    data: str = "toeplitz",
    cov=None,
) -> np.ndarray:
    r"""``table[i, k]`` :math:`= W_2\big(\widetilde W_\varepsilon[R_{\varepsilon,N:1}(t)],
    \widetilde W_\varepsilon[\rho_\varepsilon(t)]\big)` for ``eps_values[i]``,
    ``n_values[k]``: the exact mean-field error of the one-particle marginal against Hartree,
    measured between Husimi functions, with no discretisation at all.

    ``data="toeplitz"``: :math:`R^{in} = \mathrm{OP}^T_\varepsilon((2\pi\varepsilon)^N
    f^{\otimes N})`, :math:`f = \mathcal N(0, \mathrm{cov})` (mixed, a fixed classical limit);
    ``data="coherent"``: :math:`|0,\varepsilon\rangle^{\otimes N}` (pure, classical limit
    :math:`\delta_0`; ``cov`` is ignored).
    """
    if data not in ("toeplitz", "coherent"):
        raise ValueError(f"data must be 'toeplitz' or 'coherent', got {data!r}")
    if data == "toeplitz":
        cov = _check_cov("cov", np.eye(2) if cov is None else cov)
    t = float(_check_times(t))
    out = np.empty((len(eps_values), len(n_values)))
    for i, eps in enumerate(eps_values):
        if data == "toeplitz":
            w0 = toeplitz_wigner_covariance(cov, eps)
        else:
            w0 = coherent_wigner_covariance(eps)
        hartree = husimi_covariance(mean_field_covariance(model, w0, t), eps)
        for k, n in enumerate(n_values):
            exact = husimi_covariance(marginal_covariance(model, w0, n, t), eps)
            out[i, k] = gaussian_w2(_ZERO, exact, _ZERO, hartree)
    return out


def coupling_functional(model: HarmonicPairModel, cov, eps: float, n: int, t) -> np.ndarray:
    r""":math:`\mathcal D(t)` of the proof of seed 002 Theorem 3.5 for the coherent-state
    coupling :math:`Q^{in}(Z) = f^{\otimes N}(Z)\,|Z,\varepsilon\rangle\langle Z,\varepsilon|`
    of :math:`f = \mathcal N(m, \mathrm{cov})` and its Töplitz quantisation, propagated by the
    hybrid equation (mean-field flow :math:`\Phi_t` on the classical variables, von Neumann on
    the operator):

    .. math::

        \mathcal D(t) = \frac1N\int f^{\otimes N}(Z)\Big(|\Phi_tZ - S_tZ|^2
            + \tfrac\varepsilon2\operatorname{tr}S_tS_t^T\Big)dZ
        = \tfrac\varepsilon2\Big[\big(1-\tfrac1N\big)\operatorname{tr}R_\Omega R_\Omega^T
            + \tfrac1N\operatorname{tr}R_0R_0^T\Big]
            + \tfrac1N\operatorname{tr}\big(D\,\mathrm{cov}\,D^T\big),

    :math:`D = R_0 - R_\Omega`. (:math:`U_t|Z\rangle` is the Gaussian pure state with Wigner
    mean :math:`S_tZ` and covariance :math:`\frac\varepsilon2S_tS_t^T`; the classical point is
    :math:`\Phi_tZ`; the two differ by :math:`D(m - \bar z)` in each slot.) At
    :math:`t = 0`, :math:`\mathcal D = \varepsilon`: Theorem 3.4's bound with equality.
    """
    n = _check_n(n)
    eps = _check_positive("eps", eps)
    cov = _check_cov("cov", cov)
    rel, com = harmonic_flow(model.omega, t), harmonic_flow(0.0, t)
    dmat = com - rel
    quantum = 0.5 * eps * ((1 - 1 / n) * _frob2(rel) + _frob2(com) / n)
    classical = np.trace(_sandwich(dmat, cov), axis1=-2, axis2=-1) / n
    return quantum + classical


def coupling_functional_rate(model: HarmonicPairModel, cov, eps: float, n: int, t) -> np.ndarray:
    r"""Exact :math:`\frac{d\mathcal D}{dt}` (differentiating the closed form of
    :func:`coupling_functional`, with :math:`\dot R_\nu = A_\nu R_\nu`)."""
    n = _check_n(n)
    eps = _check_positive("eps", eps)
    cov = _check_cov("cov", cov)
    a_rel, a_com = flow_generator(model.omega), flow_generator(0.0)
    rel, com = harmonic_flow(model.omega, t), harmonic_flow(0.0, t)
    drel, dcom = a_rel @ rel, a_com @ com
    dmat, ddmat = com - rel, dcom - drel

    def dfrob2(r, dr):
        return 2 * np.einsum("...ij,...ij->...", r, dr)

    quantum = 0.5 * eps * ((1 - 1 / n) * dfrob2(rel, drel) + dfrob2(com, dcom) / n)
    classical = 2 * np.einsum("...ij,jk,...ik->...", ddmat, cov, dmat) / n
    return quantum + classical


def _frob2(r: np.ndarray) -> np.ndarray:
    return np.einsum("...ij,...ij->...", r, r)


def lln_term(model: HarmonicPairModel, cov, n: int, t) -> np.ndarray:
    r"""The law-of-large-numbers integral of the proof of Theorem 3.5,

    .. math:: \frac1N\sum_{j=1}^N\int\Big|\nabla V_f(t,x_j) - \frac1N\sum_{k=1}^N\nabla V(x_j-x_k)
        \Big|^2\prod_k\rho_f(t,x_k)\,dx_k = \frac{\kappa^2\,\sigma_x(t)^2}{N},

    exactly, with :math:`\sigma_x(t)^2` the position variance of the Vlasov solution (here
    :math:`\nabla V_f(x) - \frac1N\sum_k\nabla V(x - x_k) = \kappa(\bar x - m)`). The seed
    bounds it by :math:`4\|\nabla V\|_\infty^2/N`, which is infinite for this potential."""
    n = _check_n(n)
    var = mean_field_covariance(model, cov, t)[..., 0, 0]
    return model.kappa**2 * var / n


def gronwall_bound(model: HarmonicPairModel, cov, eps: float, n: int, t) -> np.ndarray:
    r"""Grönwall's conclusion in the proof of Theorem 3.5 with the exact law-of-large-numbers
    term: :math:`e^{\Gamma t}\mathcal D(0) + \int_0^te^{\Gamma(t-s)}\,\mathrm{LLN}(s)\,ds`,
    :math:`\mathcal D(0) = \varepsilon` (the coherent-state coupling). The integral is done
    in closed form: :math:`\sigma_x(s)^2 = a + b\cos2\Omega s + c\sin2\Omega s`."""
    eps = _check_positive("eps", eps)
    cov = _check_cov("cov", cov)
    n = _check_n(n)
    t = _check_times(t)
    om, g = model.omega, model.gamma
    # sigma_x(s)^2 = cov_xx cos^2 + 2 cov_xv cos sin/om + cov_vv sin^2/om^2
    a = 0.5 * (cov[0, 0] + cov[1, 1] / om**2)
    b = 0.5 * (cov[0, 0] - cov[1, 1] / om**2)
    c = cov[0, 1] / om
    w = 2 * om
    # int_0^t e^{g(t-s)} [a + b cos ws + c sin ws] ds
    eg = np.exp(g * t)
    ia = a * (eg - 1) / g
    den = g**2 + w**2
    # int_0^t e^{-g s} cos ws ds and sin ws ds, times e^{g t}
    ic = (eg * g - (g * np.cos(w * t) - w * np.sin(w * t))) / den
    is_ = (eg * w - (g * np.sin(w * t) + w * np.cos(w * t))) / den
    integral = model.kappa**2 / n * (ia + b * ic + c * is_)
    return eg * eps + integral
