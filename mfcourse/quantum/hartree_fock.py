r"""The time-dependent Hartree–Fock equation in the fermionic mean-field/semiclassical scaling.

Saffirio (seed 003), after Benedikter–Porta–Saffirio–Schlein; Lecture 5 §2. With
:math:`\varepsilon = 1/N` (:math:`d = 1`) and the course's kinetic convention
:math:`-\frac{\varepsilon^2}{2}\Delta` (seed 003 writes :math:`-\varepsilon^2\Delta`; see the
lecture's Notes on the notes):

.. math::

    i\varepsilon\partial_t\omega = \big[-\tfrac{\varepsilon^2}{2}\Delta + U + V\star\rho
        - X,\ \omega\big],\qquad \rho(x) = \tfrac1N\omega(x;x),\qquad
    X(x;y) = \tfrac1N V(x-y)\,\omega(x;y),

with :math:`V(x) = \sum_k v_k\cos kx` the course's pair interaction
(:class:`mfcourse.interaction.PairInteraction`) on the torus
:math:`\mathbf T = \mathbf R/2\pi\mathbf Z`.

The exchange term through the cosine series
-------------------------------------------
:math:`V(x-y) = \sum_k \frac{v_k}{2}(e^{ikx}e^{-iky} + e^{-ikx}e^{iky})`, hence, with the unitary
multiplication :math:`A_k = e^{ikx}`,

.. math::

    X = \sum_k c_k\big(A_k\,\omega A_k^* + A_k^*\,\omega A_k\big),\qquad c_k = \frac{v_k}{2N}.

For :math:`\omega = \Phi\Lambda\Phi^*` (:math:`r` orbitals, weights :math:`\Lambda`) applying
:math:`X` costs :math:`O(K r^2 M)` on a grid of :math:`M` points (two products with the
:math:`r\times r` matrices :math:`\Phi^*A_k^{\mp}\Phi`), not the :math:`O(r M^2)` of the kernel.
Since :math:`A_k\omega A_k^*` has the eigenvectors :math:`A_k\varphi_i` and eigenvalues
:math:`\lambda_i`, its exponential is exact and cheap,

.. math::

    e^{i\beta A\omega A^*} = 1 + A\Phi\,(e^{i\beta\Lambda}-1)\,\Phi^*A^*,

a unitary operator whenever the orbitals are orthonormal.

Time stepping (:class:`HartreeFockGrid`): splitting into kinetic
:math:`T = -\frac{\varepsilon^2}{2}\Delta`, direct potential :math:`P = U + V\star\rho` and
exchange, each piece unitary — :math:`T` exactly in Fourier, :math:`P` as a phase on the grid
(it does not change :math:`\rho`), the exchange as the product of the exact exponentials of the
:math:`2K` pieces above with :math:`\omega` frozen at the start (pieces taken in alternating
order on successive kicks). The fast part is the Strang step
:math:`e^{-i\frac{dt}{2\varepsilon}T}e^{-i\frac{dt}{\varepsilon}P}e^{-i\frac{dt}{2\varepsilon}T}`,
drift–kick–drift like lecture 1's Vlasov solver so that the two splitting errors largely cancel
in a comparison (consecutive kinetic half steps fused: one FFT pair per step). The exchange
enters as *impulses* (multiple time stepping, the r-RESPA scheme of Tuckerman–Berne–Martyna
1992): with ``exchange_dt`` :math:`=\Delta`, every :math:`m = \lfloor\Delta/dt\rfloor` steps a
kick of duration :math:`m\,dt` between two blocks of fast steps (on the Fourier coefficients,
where :math:`e^{ikx}` is a cyclic shift, between two kinetic half steps), half kicks at the two
ends; ``exchange_dt=None`` kicks every step (:math:`m = 1`). This pays because in this scaling
exchange is slow and small: with :math:`W` the Wigner transform of :math:`\omega`, that of
:math:`X` is :math:`\frac1N\sum_k\frac{v_k}{2}(W(x,v-\varepsilon k) + W(x,v+\varepsilon k)) =
\frac{V(0)}{N}W + O(\varepsilon^2/N)` (formally, for smooth :math:`W`): :math:`X` is
:math:`\frac{V(0)}{N}\omega`, which commutes with :math:`\omega`, plus an operator of symbol
:math:`O(\varepsilon^2/N)` (Lecture 5 §5, where the effect of exchange on :math:`\omega_t` is
measured to scale like :math:`\varepsilon^{3.1}`). It does **not** pay for a few particles (for
:math:`N = 1` exchange cancels the direct term exactly and must be applied with it), hence the
default ``None``.

Every step is a unitary conjugation :math:`\omega \mapsto U\omega U^*`: trace, spectrum and hence
the projection property :math:`\omega^2 = \omega` are conserved to rounding; the error is
:math:`O(dt^2)` in the kinetic and direct parts and first order in the kick interval: freezing
:math:`\omega` in :math:`X[\omega]` during a kick of length :math:`\Delta` errs by
:math:`\frac{\Delta^2}{2}\frac{i}{\varepsilon}[X[\dot\omega],\omega] + O(\Delta^3)`,
:math:`\dot\omega = \frac{i}{\varepsilon}[X[\omega],\omega]` (the exchange flow alone), a local
error quadratic in the exchange term, hence in the :math:`v_k` (the product of the :math:`2K`
pieces errs quadratically too, and alternating their order cancels its leading term).

Ground states (:class:`ModeHartreeFock`): the same equation in the plane-wave basis
:math:`e^{imx}/\sqrt{2\pi}`, :math:`|m| \le M`, where :math:`U`, :math:`V\star\rho` and
:math:`X` are shifts of :math:`\omega`; self-consistent diagonalisation (aufbau, or a smooth
occupation profile for mixed states) and an accurate ODE integration used to compare with the
exact fermionic :math:`N`-body dynamics of :mod:`mfcourse.quantum.fermions` in the same modes.
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.fft as sfft
from scipy.linalg import blas as _blas

from mfcourse import phasespace as ps
from mfcourse.quantum.fermions import check_density_matrix, check_particle_number
from mfcourse.quantum.vonneumann import MixedState

TWO_PI = 2.0 * math.pi

#: the grid's phase-space box (n cells of area 2 pi eps) must hold the Fermi sea's N cells
#: this many times over (a sea filling the whole momentum window would alias)
CELLS_FACTOR = 2


def torus_grid(n: int) -> np.ndarray:
    """The periodic grid :math:`x_j = 2\\pi j/n` on :math:`[0, 2\\pi)`."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 8:
        raise ValueError(f"n must be an integer >= 8, got {n!r}")
    return TWO_PI / n * np.arange(n)


def _smooth(m: int, primes=(2, 3, 5, 7)) -> bool:
    for p in primes:
        while m % p == 0:
            m //= p
    return m == 1


def grid_points_needed(N: int, p_max: float, multiple: int = 16) -> int:
    r"""Grid size whose momentum window :math:`|\xi| < \pi\varepsilon/dx = n/(2N)` holds
    :math:`|\xi| \le p_{\max}` on :math:`\mathbf T` (:math:`\varepsilon = 1/N`), at least
    ``CELLS_FACTOR * N``: the smallest multiple of ``multiple`` above that with no prime factor
    beyond 7 (fast FFTs: 1648 = 16·103 points transform four times slower than 1680)."""
    N = check_particle_number(N)
    if not (isinstance(p_max, numbers.Real) and math.isfinite(p_max) and p_max > 0):
        raise ValueError(f"p_max must be a positive number, got {p_max!r}")
    if isinstance(multiple, bool) or not isinstance(multiple, numbers.Integral) or multiple < 1:
        raise ValueError(f"multiple must be an integer >= 1, got {multiple!r}")
    need = max(2 * p_max * N, CELLS_FACTOR * N)
    m = int(multiple * math.ceil(need / multiple - 1e-12))
    while not _smooth(m):
        m += multiple
    return m


def check_fermion_grid(n: int, N: int) -> None:
    r"""Refuse grids too coarse for :math:`N` fermions at :math:`\varepsilon = 1/N`: the grid
    represents :math:`n` phase-space cells of area :math:`2\pi\varepsilon`; the Fermi sea
    occupies :math:`N` of them, and we require :math:`n \ge` ``CELLS_FACTOR`` :math:`N`."""
    if n < CELLS_FACTOR * N:
        raise ValueError(
            f"grid too coarse for N = {N} fermions (eps = 1/N): n = {n} grid points represent "
            f"n phase-space cells of area 2*pi*eps, the Fermi sea needs N = {N}; use "
            f"n >= {CELLS_FACTOR}*N = {CELLS_FACTOR * N}"
        )


class _BlasThreads:
    """Context manager limiting the OpenBLAS builds of numpy *and* scipy (each wheel ships its
    own: ``numpy.linalg``/``@`` use one, ``scipy.linalg`` and its ``blas`` the other) to ``k``
    threads, restoring the previous counts on exit; a no-op for a library that does not expose
    the setter. Small products run faster single-threaded, and on a shared, loaded machine
    multi-threaded OpenBLAS can be slower by an order of magnitude."""

    _libs: list | None = None
    _SUFFIXES = ("64_", "")  # numpy's ILP64 build, scipy's LP64 build

    def __init__(self, k: int | None):
        self.k = k
        if _BlasThreads._libs is None:
            _BlasThreads._libs = []
            import ctypes
            import glob
            import os

            import scipy

            for pkg, folder in ((np, "numpy.libs"), (scipy, "scipy.libs")):
                here = os.path.join(os.path.dirname(pkg.__file__), "..", folder)
                for path in sorted(glob.glob(os.path.join(here, "*openblas*"))):
                    try:
                        lib = ctypes.CDLL(path)
                    except OSError:  # pragma: no cover
                        continue
                    for suffix in self._SUFFIXES:
                        get = getattr(lib, f"scipy_openblas_get_num_threads{suffix}", None)
                        put = getattr(lib, f"scipy_openblas_set_num_threads{suffix}", None)
                        if get is not None and put is not None:
                            _BlasThreads._libs.append((get, put))
                            break

    def __enter__(self):
        self.old = []
        if self.k:
            for get, put in _BlasThreads._libs:
                self.old.append(get())
                put(int(self.k))
        return self

    def __exit__(self, *exc):
        if self.k:
            for (_, put), old in zip(_BlasThreads._libs, self.old, strict=True):
                put(int(old))


def _modes(interaction):
    return [] if interaction is None else list(interaction.items())


@dataclass
class HFRun:
    """Saved times, trace, smallest/largest eigenvalue, energy per particle, projection
    defect :math:`\\|\\omega^2-\\omega\\|_{HS}/\\sqrt N` (pure states) and the states."""

    times: np.ndarray
    trace: np.ndarray
    spectrum_range: np.ndarray
    energy: np.ndarray
    density: np.ndarray
    states: list = field(default_factory=list)
    seconds: float = 0.0


class HartreeFockGrid:
    r"""Split-step Hartree–Fock solver for :math:`N` fermions on the periodic grid ``x``
    (:math:`L = 2\pi`), :math:`\varepsilon = 1/N` (module docstring).

    Parameters
    ----------
    x : the grid :func:`torus_grid` (``n >= CELLS_FACTOR * N``).
    N : number of fermions (:math:`\operatorname{tr}\omega = N`).
    interaction : :class:`~mfcourse.interaction.PairInteraction` or ``None``.
    external : optional external potential :math:`U(x_j)`.
    exchange : include :math:`-X` (``False`` gives the fermionic Hartree equation).
    exchange_dt : the time between exchange kicks (multiple time stepping, module docstring),
        rounded down to a multiple of the step ``dt`` (at least one step); ``None`` (default)
        kicks every step. Lecture 5 uses ``0.1`` for :math:`N \ge 12`.
    threads : BLAS threads and FFT workers for the stepping (default 1; see
        :meth:`blas_threads`).
    """

    def __init__(
        self,
        x,
        N: int,
        *,
        interaction=None,
        external=None,
        exchange: bool = True,
        exchange_dt: float | None = None,
        threads: int | None = 1,
    ):
        self.N = check_particle_number(N)
        self.eps = 1.0 / self.N
        self.x, self.dx, self.length = ps.grid_spacing(x)
        n = self.x.size
        check_fermion_grid(n, self.N)
        if abs(self.length - TWO_PI) > 1e-9:
            raise ValueError(f"the grid must cover the torus [0, 2 pi), got length {self.length}")
        self.interaction = interaction
        self.exchange = bool(exchange) and interaction is not None
        if external is None:
            self.external = np.zeros(n)
        else:
            self.external = np.asarray(external, dtype=float)
            if self.external.shape != (n,) or not np.all(np.isfinite(self.external)):
                raise ValueError(f"external must be finite with shape ({n},)")
        if interaction is not None:
            interaction.potential_on_grid(np.zeros(n))  # validates the grid resolution
        self.k = TWO_PI * sfft.fftfreq(n, self.dx)
        self._A = {k: np.exp(1j * k * self.x) for k, _ in _modes(interaction)}
        self._parity = 0
        if exchange_dt is not None and not (
            isinstance(exchange_dt, numbers.Real) and math.isfinite(exchange_dt) and exchange_dt > 0
        ):
            raise ValueError(
                "exchange_dt must be None (kick every step) or a positive time, "
                f"got {exchange_dt!r}"
            )
        self.exchange_dt = exchange_dt
        if threads is not None and (
            isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 1
        ):
            raise ValueError(f"threads must be None or an integer >= 1, got {threads!r}")
        self.threads = threads

    # ------------------------------------------------------------------ states
    def state(self, orbitals, weights=None) -> MixedState:
        r"""A :class:`~mfcourse.quantum.vonneumann.MixedState` in orbital form after checking
        orthonormality, :math:`0 \le \lambda \le 1` and :math:`\sum\lambda = N`."""
        phi = np.array(orbitals, dtype=complex)
        if phi.ndim != 2 or phi.shape[0] != self.x.size:
            raise ValueError(f"orbitals must have shape (n, r) with n = {self.x.size}")
        lam = np.ones(phi.shape[1]) if weights is None else np.array(weights, dtype=float)
        if lam.shape != (phi.shape[1],) or np.any(lam < -1e-12) or np.any(lam > 1 + 1e-12):
            raise ValueError("weights must be r numbers in [0, 1] (Pauli principle)")
        if abs(lam.sum() - self.N) > 1e-8 * self.N:
            raise ValueError(
                f"the weights must sum to N = {self.N} (tr omega = N), got {lam.sum()}"
            )
        gram = phi.conj().T @ phi * self.dx
        err = float(np.max(np.abs(gram - np.eye(phi.shape[1]))))
        if err > 1e-8:
            raise ValueError(f"orbitals must be orthonormal in L^2(dx); defect {err:.3g}")
        return MixedState(self.dx, weights=lam, orbitals=phi)

    def from_kernel(self, omega, rtol: float = 1e-12) -> MixedState:
        """Orbital form of a kernel after :func:`~mfcourse.quantum.fermions.check_density_matrix`
        (Hermitian, trace ``N``, ``0 <= omega <= 1``)."""
        check_density_matrix(omega, self.dx, self.N)
        lam, phi = ps.orbitals(omega, self.dx, rtol=rtol)
        lam = lam * (self.N / lam.sum())
        return MixedState(self.dx, weights=np.clip(lam, 0, 1), orbitals=phi.astype(complex))

    # ------------------------------------------------------------------ pieces
    def rho(self, st: MixedState) -> np.ndarray:
        r""":math:`\rho = \omega(x;x)/N` (a probability density)."""
        return st.density() / self.N

    def direct_potential(self, st: MixedState) -> np.ndarray:
        r""":math:`U + V\star\rho` on the grid."""
        if self.interaction is None:
            return self.external
        return self.external + self.interaction.potential_on_grid(self.rho(st))

    def apply_exchange(self, st: MixedState, phi) -> np.ndarray:
        r""":math:`X\varphi` for the columns of ``phi`` (cost :math:`O(K r^2 n)`)."""
        phi = np.asarray(phi, dtype=complex)
        out = np.zeros_like(phi)
        if self.interaction is None:
            return out
        psi, lam = st.orbitals, st.weights
        for k, v in _modes(self.interaction):
            a = self._A[k]
            c = v / (2 * self.N)
            for sgn in (a, a.conj()):
                g = (psi.conj().T @ (sgn.conj()[:, None] * phi)) * self.dx
                out += c * sgn[:, None] * (psi @ (lam[:, None] * g))
        return out

    def exchange_kernel(self, omega) -> np.ndarray:
        r"""The exchange kernel :math:`X(x;y) = \frac1N V(x-y)\omega(x;y)` directly (reference)."""
        if self.interaction is None:
            return np.zeros_like(omega)
        return self.interaction.V(self.x[:, None] - self.x[None, :]) * omega / self.N

    def energy(self, st: MixedState) -> float:
        r"""Hartree–Fock energy per particle :math:`\frac1N\big(\operatorname{tr}
        (-\frac{\varepsilon^2}{2}\Delta + U)\omega + \frac N2\int\rho V\star\rho
        - \frac12\operatorname{tr}X\omega\big)`, conserved by the exact flow."""
        phat = sfft.fft(st.orbitals, axis=0)
        kin = float((0.5 * (self.eps * self.k) ** 2) @ (np.abs(phat) ** 2 @ st.weights))
        kin *= self.dx / self.x.size
        rho = self.rho(st)
        e = kin + self.N * float(self.external @ rho) * self.dx
        if self.interaction is not None:
            e += 0.5 * self.N * float(self.interaction.potential_on_grid(rho) @ rho) * self.dx
            if self.exchange:
                xphi = self.apply_exchange(st, st.orbitals)
                xw = np.sum(st.orbitals.conj() * xphi, axis=0) * self.dx
                e -= 0.5 * float(np.real(st.weights @ xw))
        return e / self.N

    def _exchange_block(self, coef: np.ndarray, lam: np.ndarray, dt: float) -> None:
        r"""One exchange kick of duration ``dt``, in place, on orbitals given by their discrete
        Fourier coefficients as rows (``(r, n)``, ``scipy.fft.fft`` convention). There
        :math:`A_k = e^{ikx}` is the cyclic shift by :math:`k` (exact on the grid) and
        :math:`\langle\varphi,\psi\rangle
        = \frac{dx}{n}\sum_m\overline{\hat\varphi_m}\hat\psi_m`."""
        coef0 = coef.copy()
        scale = self.dx / self.x.size
        pieces = []
        for k, v in _modes(self.interaction):
            c = v / (2 * self.N)
            d = np.exp(1j * dt / self.eps * c * lam) - 1.0  # e^{+i dt X / eps}: h contains -X
            pieces += [(k, d), (-k, d)]
        if self._parity:
            pieces.reverse()
        self._parity ^= 1
        # BLAS directly on the (n, r) Fortran-ordered views: A^H B and B += A G without the
        # conjugated and transposed copies numpy's matmul would make (twice as fast at N = 256)
        out = coef.T
        for shift, d in pieces:
            a = np.roll(coef0, shift, axis=1).T  # A phi0, (n, r)
            g = _blas.zgemm(scale, a, out, trans_a=2)  # g[i, j] = <A phi0_i, phi_j>
            g *= d[:, None]
            out = _blas.zgemm(1.0, a, g, beta=1.0, c=out, overwrite_c=1)
        if not np.shares_memory(out, coef):  # pragma: no cover - BLAS made a copy
            coef[...] = out.T

    def kick_every(self, dt: float) -> int:
        """Steps between exchange kicks at time step ``dt`` (1 when ``exchange_dt`` is None)."""
        if self.exchange_dt is None:
            return 1
        return max(1, int(math.floor(self.exchange_dt / dt + 1e-9)))

    def step(self, st: MixedState, dt: float, nsteps: int = 1) -> MixedState:
        """Advance ``st`` in place by ``nsteps`` steps of ``dt`` (module docstring)."""
        if not (isinstance(dt, numbers.Real) and math.isfinite(dt) and dt > 0):
            raise ValueError(f"dt must be a positive finite number, got {dt!r}")
        if isinstance(nsteps, bool) or not isinstance(nsteps, numbers.Integral) or nsteps < 0:
            raise ValueError(f"nsteps must be an integer >= 0, got {nsteps!r}")
        if st.orbitals is None or st.orbitals.shape[0] != self.x.size:
            raise ValueError(
                f"st must be a state in orbital form on the grid of {self.x.size} points"
            )
        if nsteps == 0:
            return st
        rows = np.ascontiguousarray(st.orbitals.T, dtype=complex)  # (r, n): FFTs on rows
        with _BlasThreads(self.blas_threads(st.rank)):
            rows = self._steps(rows, st.weights, float(dt), int(nsteps))
        st.orbitals = np.ascontiguousarray(rows.T)
        return st

    def blas_threads(self, rank: int) -> int | None:
        """BLAS threads for the exchange products (and FFT workers): ``self.threads``
        (default 1). Measured on the course's 2-core machine, N = 256, kicks every 0.1: idle,
        7.4 ms a step with one thread and 7.3 ms with two; under load (six other processes) two
        threads were three times *slower* than one. ``threads = None`` leaves the libraries'
        defaults."""
        return self.threads

    def _steps(self, rows, lam, dt, nsteps):
        r"""The scheme of the module docstring, drift–kick–drift like lecture 1's Vlasov
        solver: :math:`X_{\Delta_0/2}T_{1/2}\,P\,T\,P\cdots P\,T_{1/2}
        X_{(\Delta_0+\Delta_1)/2}T_{1/2}\,P\cdots` in the order applied, left first (blocks of
        :meth:`kick_every` steps; the kicks act on the Fourier coefficients, between two
        kinetic half steps; the last kick is a half kick)."""
        kin = np.exp(-0.5j * dt * self.eps * self.k**2)  # a whole kinetic step
        kin_half = np.exp(-0.25j * dt * self.eps * self.k**2)
        phase = -1j * dt / self.eps
        workers = self.threads or None
        every = self.kick_every(dt) if self.exchange else nsteps
        blocks = [every] * (nsteps // every) + ([nsteps % every] if nsteps % every else [])

        def fft(r):
            return sfft.fft(r, axis=1, workers=workers, overwrite_x=True)

        def ifft(c):
            return sfft.ifft(c, axis=1, workers=workers, overwrite_x=True)

        coef = fft(rows)
        if self.exchange:
            self._exchange_block(coef, lam, blocks[0] * dt / 2)
        rows = ifft(coef * kin_half)
        for b, size in enumerate(blocks):
            nxt = blocks[b + 1] if b + 1 < len(blocks) else 0
            for s in range(size):
                rows *= np.exp(
                    phase * self._potential((lam @ (rows.real**2 + rows.imag**2)) / self.N)
                )
                coef = fft(rows)
                if s < size - 1:
                    coef *= kin  # two fused kinetic half steps
                else:
                    coef *= kin_half
                    if self.exchange:
                        self._exchange_block(coef, lam, (size + nxt) * dt / 2)
                    if nxt:
                        coef *= kin_half
                rows = ifft(coef)
        return rows

    def _potential(self, rho) -> np.ndarray:
        if self.interaction is None:
            return self.external
        return self.external + self.interaction.potential_on_grid(rho)

    def evolve(
        self,
        st: MixedState,
        t_final: float,
        dt: float,
        *,
        n_save: int = 11,
        keep_states: bool = True,
        progress: Callable[[str], None] | None = None,
    ) -> HFRun:
        """Evolve a copy of ``st`` to ``t_final``, saving ``n_save`` equally spaced times."""
        if not (isinstance(dt, numbers.Real) and math.isfinite(dt) and dt > 0):
            raise ValueError(f"dt must be a positive finite number, got {dt!r}")
        if not (isinstance(t_final, numbers.Real) and math.isfinite(t_final) and t_final >= 0):
            raise ValueError(f"t_final must be a finite number >= 0, got {t_final!r}")
        if not (isinstance(n_save, int) and n_save >= 2):
            raise ValueError(f"n_save must be an integer >= 2, got {n_save!r}")
        steps = round(t_final / dt)
        if abs(steps * dt - t_final) > 1e-9 * max(1.0, t_final) or steps % (n_save - 1):
            raise ValueError(
                f"t_final = {t_final} must be a whole number of steps dt = {dt}, divisible into "
                f"n_save - 1 = {n_save - 1} blocks"
            )
        per = steps // (n_save - 1)
        st = st.copy()
        n = self.x.size
        rec = HFRun(
            np.arange(n_save) * per * dt,
            np.empty(n_save),
            np.empty((n_save, 2)),
            np.empty(n_save),
            np.empty((n_save, n)),
        )
        t0 = time.perf_counter()
        for i in range(n_save):
            if i:
                self.step(st, dt, per)
            rec.trace[i] = st.trace()
            sp = st.spectrum()
            rec.spectrum_range[i] = sp[0], sp[-1]
            rec.energy[i] = self.energy(st)
            rec.density[i] = self.rho(st)
            if keep_states:
                rec.states.append(st.copy())
            if progress is not None:
                progress(
                    f"[hartree-fock N={self.N}] t = {rec.times[i]:.3g}: trace {rec.trace[i]:.10f}"
                    f", energy {rec.energy[i]:.10f} ({time.perf_counter() - t0:.1f} s)"
                )
        rec.seconds = time.perf_counter() - t0
        return rec


# ------------------------------------------------------------------------------ mode basis
def smooth_step(t):
    r"""The :math:`C^\infty` step :math:`S(t) = e^{-1/t}/(e^{-1/t}+e^{-1/(1-t)})` on
    :math:`[0,1]` (0 below, 1 above)."""
    t = np.clip(np.asarray(t, dtype=float), 0.0, 1.0)
    with np.errstate(divide="ignore", over="ignore"):
        a = np.where(t > 0, np.exp(-1.0 / np.where(t > 0, t, 1)), 0.0)
        b = np.where(t < 1, np.exp(-1.0 / np.where(t < 1, 1 - t, 1)), 0.0)
    return a / (a + b)


def occupations(energies, N: int, edge: float = 0.0) -> np.ndarray:
    r"""Occupation numbers of the one-body levels ``energies`` (ascending) with
    :math:`\sum\lambda = N`: ``edge = 0`` fills the lowest :math:`N` (the Fermi sea, a
    projection); ``edge > 0`` uses the smooth profile
    :math:`\lambda = S((\mu + \Delta - E)/2\Delta)` (:func:`smooth_step`,
    :math:`\Delta` = ``edge``) with :math:`\mu` fixed by bisection — a mixed state whose
    Wigner function stays smooth on the scale :math:`\Delta` as :math:`N\to\infty`
    (the regime of BPSS Theorems 1–2)."""
    N = check_particle_number(N)
    e = np.asarray(energies, dtype=float)
    if e.size < N:
        raise ValueError(f"only {e.size} levels for N = {N} fermions")
    if not (edge >= 0 and math.isfinite(edge)):
        raise ValueError(f"edge must be >= 0, got {edge!r}")
    if edge == 0:
        lam = np.zeros(e.size)
        lam[np.argsort(e)[:N]] = 1.0
        return lam

    def total(mu):
        return smooth_step((mu + edge - e) / (2 * edge)).sum()

    lo, hi = e.min() - 2 * edge, e.max() + 2 * edge
    if total(hi) < N:
        raise ValueError(f"the {e.size} levels cannot hold N = {N} with edge = {edge}")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if total(mid) < N else (lo, mid)
    lam = smooth_step((hi + edge - e) / (2 * edge))
    return lam * (N / lam.sum())


class ModeHartreeFock:
    r"""Hartree–Fock in the plane-wave modes :math:`e^{imx}/\sqrt{2\pi}`, ``modes`` = consecutive
    integers :math:`m` (module docstring); :math:`\omega_{ab} = \langle\varphi_a,\omega
    \varphi_b\rangle`. External potential ``external = {q: Uhat(q)}`` for
    :math:`U = \sum_q\hat U(q)e^{iqx}` (e.g. :math:`u(1+\cos x)`: ``{0: u, 1: u/2, -1: u/2}``).

    Truncation: matrix elements leaving the window are dropped, exactly as in the
    :math:`N`-body Hamiltonian :func:`mfcourse.quantum.fermions.plane_wave_model`."""

    def __init__(self, modes, N: int, *, interaction=None, external=None, eps=None):
        self.N = check_particle_number(N)
        self.eps = 1.0 / self.N if eps is None else ps.check_epsilon(eps)
        m = np.asarray(modes, dtype=int)
        if m.ndim != 1 or m.size < self.N or np.any(np.diff(m) != 1):
            raise ValueError(f"modes must be >= N = {self.N} consecutive integers")
        check_fermion_grid(m.size, self.N)
        self.modes, self.K = m, m.size
        self.h0 = np.diag(0.5 * (self.eps * m) ** 2).astype(complex)
        for q, u in (external or {}).items():
            self.h0 += u * np.eye(self.K, k=-q)
        self.vhat = {}
        for k, v in _modes(interaction):
            self.vhat[k] = self.vhat.get(k, 0.0) + v / 2
            self.vhat[-k] = self.vhat.get(-k, 0.0) + v / 2
        self.exchange = True

    def direct(self, omega) -> np.ndarray:
        r""":math:`V\star\rho` as a matrix: :math:`\sum_q \hat V(q)\sigma_q\,\delta_{a-c,q}`,
        :math:`\sigma_q = \frac1N\sum_d\omega_{d,d-q}`."""
        out = np.zeros((self.K, self.K), dtype=complex)
        for q, vq in self.vhat.items():
            sigma = np.trace(omega, offset=-q) / self.N
            out += vq * sigma * np.eye(self.K, k=-q)
        return out

    def exchange_matrix(self, omega) -> np.ndarray:
        r""":math:`X_{ac} = \frac1N\sum_q\hat V(q)\,\omega_{a-q,c-q}` (shifted copies of
        :math:`\omega`)."""
        out = np.zeros((self.K, self.K), dtype=complex)
        for q, vq in self.vhat.items():
            if abs(q) >= self.K:
                continue
            if q >= 0:
                out[q:, q:] += vq * omega[: self.K - q, : self.K - q]
            else:
                out[:q, :q] += vq * omega[-q:, -q:]
        return out / self.N

    def hamiltonian(self, omega) -> np.ndarray:
        h = self.h0 + self.direct(omega)
        if self.exchange:
            h = h - self.exchange_matrix(omega)
        return h

    def energy(self, omega) -> float:
        """Hartree–Fock energy per particle."""
        d, x = self.direct(omega), self.exchange_matrix(omega)
        e = np.trace(self.h0 @ omega) + 0.5 * np.trace(d @ omega)
        if self.exchange:
            e -= 0.5 * np.trace(x @ omega)
        return float(np.real(e)) / self.N

    def ground_state(
        self,
        edge: float = 0.0,
        *,
        tol: float = 1e-10,
        max_iter: int = 200,
        depth: int = 8,
        progress: Callable[[str], None] | None = None,
    ):
        r"""Self-consistent field :math:`\omega = f(h[\omega])`, :math:`f` the occupation rule
        :func:`occupations`, accelerated by Pulay's DIIS (direct inversion in the iterative
        subspace, Pulay 1980): the next Hamiltonian is :math:`\bar h = \sum_i c_ih_i` over the
        last ``depth`` iterates, with :math:`\sum_ic_i = 1` minimising
        :math:`\|\sum_ic_i[h_i,\omega_i]\|_{HS}` (the commutator vanishes at self-consistency),
        and :math:`\omega \leftarrow f(\bar h)`. Stops when the plain map moves :math:`\omega`
        by less than ``tol`` in Hilbert–Schmidt norm, i.e. when
        :math:`\|f(h[\omega]) - \omega\|_{HS} <` ``tol`` (so the answer is a fixed point, not
        just a point where DIIS stalls). About a dozen iterations for lecture 5's trap,
        :math:`N \le 256` (simple mixing needed hundreds). Returns ``(omega, energies,
        vectors)`` of the final :math:`h[\omega]`."""
        if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
            raise ValueError(f"max_iter must be an integer >= 1, got {max_iter!r}")
        if isinstance(depth, bool) or not isinstance(depth, numbers.Integral) or depth < 1:
            raise ValueError(f"depth must be an integer >= 1, got {depth!r}")
        if np.any(self.h0.imag):
            e, u = np.linalg.eigh(self.h0)
        else:  # a real trap: the real symmetric problem, twice as fast
            e, u = np.linalg.eigh(self.h0.real)
            u = u.astype(complex)
        omega = (u * occupations(e, self.N, edge)) @ u.conj().T
        if not self.vhat:
            return omega, e, u
        hs, errs = [], []
        res = math.inf
        t0 = time.perf_counter()
        with _BlasThreads(1):
            for it in range(int(max_iter)):
                h = self.hamiltonian(omega)
                comm = h @ omega - omega @ h
                cnorm = float(np.linalg.norm(comm))
                if cnorm < 1e3 * tol:  # near a fixed point: test the plain map itself
                    e, u = np.linalg.eigh(h)
                    res = float(
                        np.linalg.norm((u * occupations(e, self.N, edge)) @ u.conj().T - omega)
                    )
                    if res < tol:
                        return omega, e, u
                hs, errs = (hs + [h])[-depth:], (errs + [comm])[-depth:]
                m = len(hs)
                B = np.zeros((m + 1, m + 1), dtype=complex)
                B[:m, :m] = [[np.vdot(a, b) for b in errs] for a in errs]
                B[m, :m] = B[:m, m] = -1.0
                rhs = np.zeros(m + 1)
                rhs[m] = -1.0
                try:
                    c = np.linalg.solve(B, rhs)[:m]
                except np.linalg.LinAlgError:  # pragma: no cover - collinear residuals
                    c = np.eye(m)[-1]
                hbar = np.tensordot(c, np.array(hs), axes=1)
                e, u = np.linalg.eigh(0.5 * (hbar + hbar.conj().T))
                omega = (u * occupations(e, self.N, edge)) @ u.conj().T
                if progress is not None and time.perf_counter() - t0 > 2:
                    progress(
                        f"[hartree-fock SCF N={self.N}] iteration {it}: |[h, w]| = {cnorm:.2e}"
                    )
        raise RuntimeError(
            f"SCF did not converge in {max_iter} iterations (|f(h[w]) - w| = {res:.3g}, "
            f"|[h, w]| = {cnorm:.3g}); raise max_iter or smooth the occupations (edge > 0)"
        )

    def evolve(self, omega0, times, *, rtol: float = 1e-10, atol: float = 1e-12):
        r"""Solve :math:`i\varepsilon\dot\omega = [h[\omega],\omega]` (DOP853) at ``times``."""
        from scipy.integrate import solve_ivp

        omega0 = np.asarray(omega0, dtype=complex)
        check_density_matrix(omega0, 1.0, self.N)
        K = self.K

        def f(t, y):
            w = y.reshape(K, K)
            h = self.hamiltonian(w)
            return ((h @ w - w @ h) / (1j * self.eps)).ravel()

        times = np.asarray(times, dtype=float)
        sol = solve_ivp(
            f,
            (0.0, float(times[-1])),
            omega0.ravel(),
            t_eval=times,
            rtol=rtol,
            atol=atol,
            method="DOP853",
        )
        return [sol.y[:, i].reshape(K, K) for i in range(times.size)]

    def to_grid(self, omega, x) -> np.ndarray:
        r"""Kernel :math:`\omega(x_j;x_k) = \frac1{2\pi}\sum\omega_{ab}e^{i(m_ax_j - m_bx_k)}`."""
        e = np.exp(1j * np.outer(np.asarray(x), self.modes)) / math.sqrt(TWO_PI)
        return e @ omega @ e.conj().T
