"""Hygiene of every notebook of the course (lectures and exercises).

Enforced for each notebook: valid nbformat 4, kernelspec ``python3``, stored without outputs,
no absolute paths, a title cell, seeded random generators; lectures end with a ``## Checks``
section whose code asserts the lecture's numerical claims. Notebooks under ``tests/`` are
fixtures (some deliberately broken) and are not course material.
"""

import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
LECTURES = sorted((ROOT / "lectures").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").rglob("*.ipynb"))
NOTEBOOKS = [p for p in LECTURES + EXERCISES if ".ipynb_checkpoints" not in p.parts]

ABSOLUTE_PATH = re.compile(
    r"""(?:^|[\s'"(=])(?:/(?:home|root|Users|work|tmp|mnt|opt|var|srv)/|[A-Za-z]:\\\\?[A-Za-z])"""
)
UNSEEDED = [
    (re.compile(r"default_rng\(\s*\)"), "np.random.default_rng() without a seed"),
    (
        re.compile(
            r"\bnp\.random\.(?:rand|randn|randint|random|normal|uniform|choice|shuffle|"
            r"permutation|exponential|poisson|binomial|standard_normal|seed)\("
        ),
        "legacy global np.random draw (use np.random.default_rng(seed))",
    ),
    (
        re.compile(r"^\s*import random\b|^\s*from random import", re.M),
        "the stdlib random module (use np.random.default_rng(seed))",
    ),
]


def ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


def test_the_course_has_an_overview():
    assert (ROOT / "lectures/00_overview.ipynb") in LECTURES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_format_kernel_and_no_outputs(path):
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    assert nb.nbformat == 4, f"nbformat {nb.nbformat}, expected 4"
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", "kernelspec must be python3"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} has stored outputs (strip them)"
            assert cell.execution_count is None, f"cell {i} has an execution count"
        assert "attachments" not in cell or not cell.attachments, f"cell {i} has attachments"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_title_and_no_absolute_paths(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.lstrip().startswith("# "), (
        "the first cell must be a markdown title '# ...'"
    )
    for i, cell in enumerate(nb.cells):
        m = ABSOLUTE_PATH.search(cell.source)
        assert m is None, f"cell {i} contains an absolute path near {m.group(0)!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_random_generators_are_seeded(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for pattern, what in UNSEEDED:
            assert not pattern.search(cell.source), f"cell {i} uses {what}"


def _asserts(source: str) -> int:
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: count textual asserts
        return len(re.findall(r"^\s*assert\b", source, re.M))
    return sum(isinstance(node, ast.Assert) for node in ast.walk(tree))


@pytest.mark.parametrize("path", LECTURES, ids=ids(LECTURES))
def test_lecture_closes_with_checks(path):
    nb = nbformat.read(path, as_version=4)
    headings = [
        (i, line.strip())
        for i, c in enumerate(nb.cells)
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if re.match(r"^#{1,2}\s", line)
    ]
    checks = [i for i, h in headings if re.fullmatch(r"##\s+Checks\b.*", h)]
    assert checks, "a lecture must have a '## Checks' section"
    start = checks[-1]
    later = [h for i, h in headings if i > start]
    assert not later, f"'## Checks' must close the lecture, but {later[0]!r} follows it"
    code = [c for c in nb.cells[start + 1 :] if c.cell_type == "code"]
    n = sum(_asserts(c.source) for c in code)
    assert n >= 3, f"the Checks section asserts {n} claims; state the lecture's claims (>= 3)"
