"""The notebooks here are grading fixtures (several are broken on purpose): never run them with
nbval as part of the test suite; ``tests/test_grading*.py`` grades them through ``mfcourse grade``."""

collect_ignore_glob = ["*.ipynb", "*/*.ipynb"]
