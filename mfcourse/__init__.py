"""mfcourse — the library behind the course on mean-field limits.

The package is laid out along the course's diagram of four arrows::

    N-body classical (mfcourse.newton) --N->oo-->  Vlasov (mfcourse.vlasov)
            ^                                           ^
            | eps -> 0                                  | eps -> 0
    N-body quantum  (mfcourse.fock)   --N->oo-->  Hartree (mfcourse.hartree)

The shared pair interaction lives in :mod:`mfcourse.interaction`; the distances that measure
every arrow live in :mod:`mfcourse.transport` (Wasserstein) and :mod:`mfcourse.phasespace`
(Wigner/Husimi transforms, E_eps); the size of chaos lives in :mod:`mfcourse.chaos`.
Modules are imported lazily so that ``import mfcourse`` stays fast.
"""

__version__ = "0.1.0"
