"""Grading fixtures, several broken on purpose: never collected by nbval in the test suite.

``tests/test_grading*.py`` grades them through ``mfcourse grade``.
"""

collect_ignore_glob = ["*.ipynb", "*/*.ipynb"]
