"""The classical side of the diagram: N-body Newton and the Vlasov equation.

- :mod:`mfcourse.classical.newton`: N particles in the mean-field scaling (lecture 1);
- :mod:`mfcourse.classical.vlasov`: the Vlasov equation, semi-Lagrangian (lectures 1, 3);
- :mod:`mfcourse.classical.dispersion`: linearised Vlasov, dispersion relations (lecture 1);
- :mod:`mfcourse.classical.dobrushin`: every term of Dobrushin's proof along computed solutions
  (lecture 1's proof audit);
- :mod:`mfcourse.classical.hamiltonian_vlasov`: the Hamiltonian Vlasov system, its velocity
  Fourier transform and Pickl's functional for the N-body flow (lecture 6);
- :mod:`mfcourse.classical.sheets`: the exactly solvable 1D Coulomb (sheet) model, cold
  Euler–Poisson and the modulated energy (lecture 7).
"""
