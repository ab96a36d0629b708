"""The quantum side of the diagram: N-body Schrödinger in Fock space and the Hartree equation.

- :mod:`mfcourse.quantum.fock`: bosonic Fock space, N-body Hamiltonians, reduced density
  matrices and their norms (lecture 2);
- :mod:`mfcourse.quantum.hartree`: the Hartree equation in a mode basis and on a grid (lecture 2);
- :mod:`mfcourse.quantum.vonneumann`: mixed-state Hartree (von Neumann) in the semiclassical
  scaling (lecture 3);
- :mod:`mfcourse.quantum.gaussian`: the exactly solvable harmonic-pair model on the line (N-body
  marginal, Hartree, the functional of the proof of Theorem 3.5) behind lecture 3's
  ε-uniformity test.
"""
