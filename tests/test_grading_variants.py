"""Every plausible wrong solution of every exercise fails at least one graded test.

The variants are discovered: each ``tests/exercise_variants/NN_name.py`` defines ``VARIANTS``
(format: the module docstrings there; one "delegates to the library" variant at least) for the
exercise ``exercises/solutions/NN_name.ipynb``. A variant replaces the k-th solution cell
(0-based, counting only the code cells that contain ``### BEGIN SOLUTION``) of the solution
notebook entirely. All variants are graded in ONE lecturer batch call (each variant is a
"student" folder), with ``--fail-fast``: a variant needs to fail one test, so its notebook stops
at the first failing test. (That the solutions pass every test is shown by nbval, which runs
every solution notebook in the suite; that the stubs fail every test, by tests/test_grading.py.)
"""

import json
import os
import runpy
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from mfcourse.grading.build import BEGIN_MARKER

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
VARIANT_DIR = ROOT / "tests" / "exercise_variants"
SOLUTIONS = ROOT / "exercises" / "solutions"
FILES = sorted(VARIANT_DIR.glob("[0-9][0-9]_*.py"))


def load(path: Path) -> dict:
    variants = runpy.run_path(str(path))["VARIANTS"]
    assert isinstance(variants, dict) and variants, f"{path.name}: VARIANTS must be a dict"
    return variants


ALL = [(f.stem, name) for f in FILES for name in load(f)]


def variant_notebook(exercise: str, cell: int, source: str):
    nb = nbformat.read(SOLUTIONS / f"{exercise}.ipynb", as_version=4)
    solution_cells = [c for c in nb.cells if c.cell_type == "code" and BEGIN_MARKER in c.source]
    assert 0 <= cell < len(solution_cells), (exercise, cell, len(solution_cells))
    solution_cells[cell].source = source
    return nb


def test_every_exercise_has_variants_with_a_delegation():
    stems = {p.stem for p in SOLUTIONS.glob("*.ipynb")}
    for f in FILES:
        assert f.stem in stems, f"{f.name}: no exercise {f.stem} in exercises/solutions"
        names = load(f)
        assert any("delegat" in n for n in names), f"{f.name}: no 'delegates to the library'"
        for name, v in names.items():
            assert set(v) == {"cell", "source"}, (f.name, name)
    missing = stems - {f.stem for f in FILES}
    assert not missing, f"exercises without a variants file in tests/exercise_variants: {missing}"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("variants")
    folders, label = [], {}
    for k, f in enumerate(FILES):
        for j, (name, v) in enumerate(load(f).items()):
            folder = tmp / f"v{k:02d}{j:02d}"
            folder.mkdir()
            nbformat.write(
                variant_notebook(f.stem, v["cell"], v["source"]), folder / f"{f.stem}.ipynb"
            )
            folders.append(folder)
            label[folder.name] = (f.stem, name)
    cmd = [sys.executable, "-m", "mfcourse", "grade", "--roster", *map(str, folders)]
    cmd += ["--solutions", str(SOLUTIONS), "--timeout", "300", "--fail-fast"]
    cmd += ["--json", str(tmp / "r.json"), "--quiet", "--no-fail"]
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    start = time.monotonic()
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    seconds = time.monotonic() - start
    assert (tmp / "r.json").exists(), r.stderr[-3000:]
    print(f"grading {len(folders)} wrong variants took {seconds:.1f} s")
    students = json.loads((tmp / "r.json").read_text(encoding="utf-8"))["students"]
    out = {}
    for who, report in students.items():
        exercise, name = label[who]
        out[(exercise, name)] = next(e for e in report["exercises"] if e["exercise"] == exercise)
    return out


@pytest.mark.parametrize("exercise, name", ALL, ids=[f"{e}: {n}" for e, n in ALL])
def test_wrong_variant_fails_a_graded_test(graded, exercise, name):
    e = graded[(exercise, name)]
    failed = [t for t in e["tests"] if t["status"] in ("failed", "timeout", "kernel died")]
    assert failed, f"{exercise}, variant {name!r}: passes every graded test"
    first = failed[0]
    print(f"{exercise} | {name} | caught by {first['id']}: {first['message'].splitlines()[0]}")
