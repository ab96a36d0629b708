"""The size of chaos (lecture 4, seed 000).

- :mod:`mfcourse.chaos.hierarchy`: an exact finite-state mean-field jump process, its marginals,
  correlation errors :math:`E_j` and the quantum counterpart; its names are re-exported here, so
  ``mfcourse.chaos.MasterEquation`` keeps working;
- :mod:`mfcourse.chaos.kac`: Kac's model (particles, Boltzmann–Kac solver, BKW solution).
"""

from mfcourse.chaos.hierarchy import *  # noqa: F401,F403
