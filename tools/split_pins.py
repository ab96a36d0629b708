"""Write binder/requirements.txt and tests/requirements.txt from a freshly resolved venv.

Used by ``make pins``: the venv given as argument has ``.[test]`` installed; everything that only
the test extra needs goes to tests/requirements.txt, the rest (the course's runtime) to binder/.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_ONLY = {"ruff", "pytest-timeout", "playwright", "greenlet", "pyee"}
TEST_ONLY |= {"hypothesis", "sortedcontainers"}  # property-based tests (issue #19)
# The website (issue #20): Sphinx, MyST-NB, the book theme, MathJax, and what they pull in.
TEST_ONLY |= {
    "accessible-pygments",
    "alabaster",
    "click",
    "django-static-mathjax",
    "docutils",
    "imagesize",
    "importlib-metadata",
    "jupyter-cache",
    "lazy-importer",
    "markdown-it-py",
    "mdit-py-plugins",
    "mdurl",
    "myst-nb",
    "myst-parser",
    "pydata-sphinx-theme",
    "roman-numerals",
    "snowballstemmer",
    "sphinx",
    "sphinx-book-theme",
    "sphinxcontrib-applehelp",
    "sphinxcontrib-devhelp",
    "sphinxcontrib-htmlhelp",
    "sphinxcontrib-jsmath",
    "sphinxcontrib-qthelp",
    "sphinxcontrib-serializinghtml",
    "sqlalchemy",
    "tabulate",
    "zipp",
}

HEADER_BINDER = """\
# Exact pins of the course environment (Python 3.11). Binder builds from this file and
# CI installs the very same pins, so what passes CI is what a Binder user gets.
# Regenerate with `make pins` after changing pyproject.toml's dependencies.
"""
HEADER_TESTS = "# Exact pins of the test tools, installed on top of binder/requirements.txt.\n"


def main(venv: str) -> None:
    freeze = subprocess.run(
        [f"{venv}/bin/python", "-m", "pip", "freeze", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    runtime, tests = [], []
    for line in freeze:
        if "==" not in line or line.lower().startswith("mfcourse=="):
            continue
        name = line.split("==")[0].lower().replace("_", "-")
        (tests if name in TEST_ONLY else runtime).append(line)
    for path, header, lines in [
        ("binder/requirements.txt", HEADER_BINDER, runtime),
        ("tests/requirements.txt", HEADER_TESTS, tests),
    ]:
        (ROOT / path).write_text(header + "\n".join(sorted(lines, key=str.lower)) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
