"""``mfcourse grade`` end to end, on real kernels.

- One notebook per robustness case in ``tests/grading_cases/<case>/`` (a small two-part exercise
  whose solution is ``tests/grading_cases/solutions/90_grading_case.ipynb``), all graded in one
  call (one kernel per notebook, per-cell timeout 3 s); an infinite loop graded on its own to time
  the whole command.
- Every exercise of the course, discovered: its unmodified student notebook fails every graded
  test; and a copy of the demo exercise's solution whose test cells were deleted or weakened to
  ``assert True`` gets full marks, with the restorations reported.
"""

import hashlib
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest

from mfcourse.grading.build import graded_tests
from mfcourse.grading.grade import WATCHDOG

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "grading_cases"
CASE_SOLUTIONS = CASES / "solutions"
EXERCISES = ROOT / "exercises"
SOLUTIONS = sorted((EXERCISES / "solutions").glob("*.ipynb"))
TIMEOUT = 3.0
BATCH = [
    "stub",
    "kills_grader",  # early in the batch: the notebooks after it must still be graded
    "solved",
    "tests_deleted",
    "tests_edited",
    "syntax_error",
    "exception",
    "kernel_death",
    "sys_exit",
    "interrupt_ignored",
    "forged_results",
    "malformed_json",
    "no_solution",
]


def grade(*args, cwd=ROOT, env=None, timeout=600):
    cmd = [sys.executable, "-m", "mfcourse", "grade", *map(str, args)]
    full_env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    full_env.update(env or {})
    start = time.monotonic()
    r = subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)
    return r, time.monotonic() - start


def _digest(folder: Path) -> dict:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grade")
    before = _digest(CASES)
    summary = tmp / "step_summary.md"
    summary.write_text("", encoding="utf-8")
    paths = [CASES / c for c in BATCH] + [CASES / "missing" / "90_grading_case.ipynb"]
    r, seconds = grade(
        *paths,
        "--solutions",
        CASE_SOLUTIONS,
        "--timeout",
        TIMEOUT,
        "--json",
        tmp / "r.json",
        "--junit",
        tmp / "r.xml",
        "--markdown",
        tmp / "r.md",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    data = json.loads((tmp / "r.json").read_text(encoding="utf-8"))
    by_case = {Path(e["notebook"]).parent.name: e for e in data["exercises"]}
    return {
        "run": r,
        "seconds": seconds,
        "data": data,
        "case": by_case,
        "tmp": tmp,
        "summary": summary,
        "before": before,
    }


def by_test_id(entry):
    return {t["id"]: t for t in entry["tests"]}


def actions(entry):
    return {(x["id"], x["action"]) for x in entry["restorations"]}


def test_every_case_is_reported_and_the_run_fails(cases):
    assert cases["run"].returncode == 1, cases["run"].stderr
    assert set(cases["case"]) == set(BATCH) | {"missing"}
    progress = cases["run"].stderr
    for i in range(1, len(BATCH) + 2):
        assert f"[{i}/{len(BATCH) + 1}]" in progress


def test_the_student_files_are_never_modified(cases):
    assert _digest(CASES) == cases["before"]


def test_unmodified_stub_scores_zero(cases):
    e = cases["case"]["stub"]
    assert (e["points"], e["max_points"], e["passed"]) == (0, 3, False)
    for t in e["tests"]:
        assert t["status"] == "failed" and "NotImplementedError" in t["message"]


def test_solved_copy_gets_full_marks_under_another_name(cases):
    e = cases["case"]["solved"]
    assert e["notebook"].endswith("my_work.ipynb") and e["exercise"] == "90_grading_case"
    assert (e["points"], e["max_points"], e["passed"]) == (3, 3, True)
    assert e["restorations"] == [] and e["errors"] == []


def test_deleted_tests_are_reinserted_and_run(cases):
    e = cases["case"]["tests_deleted"]
    t = by_test_id(e)
    assert t["case-add"]["status"] == "passed"  # the re-inserted test really ran ...
    assert t["case-mul"]["status"] == "failed"  # ... and so did this one, on wrong code
    assert "AssertionError" in t["case-mul"]["message"]
    assert actions(e) == {("case-add", "reinserted"), ("case-mul", "reinserted")}


def test_edited_tests_are_restored_and_cannot_raise_the_score(cases):
    e = cases["case"]["tests_edited"]
    assert (e["points"], e["max_points"]) == (0, 3)  # not 100 + 100 from the student's metadata
    assert {t["status"] for t in e["tests"]} == {"failed"}
    assert actions(e) == {
        ("case-add", "updated"),
        ("case-mul", "restored"),
        ("case-add", "duplicate removed"),
        ("case-bonus", "unknown id ignored"),
    }
    assert "restored test case-mul" in cases["run"].stdout


@pytest.mark.parametrize(
    "case, broken, error",
    [
        ("syntax_error", "case-add", "SyntaxError"),
        ("exception", "case-add", "ZeroDivisionError"),
        ("sys_exit", "case-mul", "SystemExit"),
    ],
)
def test_errors_in_student_code_zero_only_what_they_affect(cases, case, broken, error):
    e = cases["case"][case]
    t = by_test_id(e)
    other = ({"case-add", "case-mul"} - {broken}).pop()
    assert t[other]["status"] == "passed"
    assert t[broken]["status"] == "failed" and t[broken]["points"] == 0
    assert error in t[broken]["message"] or any(error in m for m in e["cell_errors"])


def test_kernel_death_zeroes_what_follows(cases):
    t = by_test_id(cases["case"]["kernel_death"])
    assert t["case-add"]["status"] == "passed"
    assert t["case-mul"]["status"] == "kernel died" and "kernel died" in t["case-mul"]["message"]


def test_code_that_swallows_the_interrupt_is_stopped(cases):
    """Printing forever while catching KeyboardInterrupt: the watchdog kills the kernel."""
    e = cases["case"]["interrupt_ignored"]
    t = by_test_id(e)
    assert t["case-add"]["status"] == "passed"
    assert t["case-mul"]["status"] == "timeout" and t["case-mul"]["points"] == 0
    assert e["duration"] < TIMEOUT + WATCHDOG + 5 + 5, e["duration"]  # + nbval's output wait


def test_killing_the_grading_process_does_not_stop_the_others(cases):
    e = cases["case"]["kills_grader"]
    t = by_test_id(e)
    assert t["case-add"]["status"] == "passed" and t["case-mul"]["status"] == "not run"
    assert "the grading run ended while this notebook was running" in e["errors"][0]
    later = BATCH[BATCH.index("kills_grader") + 1 :]
    assert all(cases["case"][c]["tests"] or c == "no_solution" for c in later)
    assert cases["case"]["solved"]["passed"]


def test_forged_results_are_detected(cases):
    """A cell that appends passing records to the grader's results file gains nothing."""
    e = cases["case"]["forged_results"]
    assert (e["points"], e["passed"]) == (0, False)
    assert "tampered with" in e["errors"][0]


def test_unreadable_missing_and_unknown_notebooks(cases):
    bad = cases["case"]["malformed_json"]
    assert "not valid notebook JSON" in bad["errors"][0] and bad["max_points"] == 3
    assert bad["points"] == 0
    gone = cases["case"]["missing"]
    assert gone["errors"][0].startswith("notebook not found") and gone["max_points"] == 3
    unknown = cases["case"]["no_solution"]
    assert "no solution notebook for exercise '91_not_in_the_course'" in unknown["errors"][0]
    assert unknown["tests"] == [] and unknown["passed"] is False


def test_junit_markdown_and_step_summary(cases):
    data = cases["data"]
    root = ET.parse(cases["tmp"] / "r.xml").getroot()
    assert int(root.get("failures")) == data["tests"] - data["tests_passed"]
    assert int(root.get("errors")) == sum(1 for e in data["exercises"] if e["errors"])
    md = (cases["tmp"] / "r.md").read_text(encoding="utf-8")
    assert md.startswith(f"## ❌ Exercise grades: {data['points']}/{data['max_points']} points")
    assert cases["summary"].read_text(encoding="utf-8") == md


def test_infinite_loop_finishes_within_timeout_plus_a_few_seconds(tmp_path):
    def run(case):
        r, seconds = grade(
            CASES / case,
            "--solutions",
            CASE_SOLUTIONS,
            "--timeout",
            TIMEOUT,
            "--json",
            tmp_path / f"{case}.json",
        )
        return r, seconds, json.loads((tmp_path / f"{case}.json").read_text())["exercises"][0]

    r, seconds, e = run("infinite_loop")
    assert r.returncode == 1
    t = by_test_id(e)
    assert t["case-add"]["status"] == "passed"
    assert t["case-mul"]["status"] == "timeout"
    assert "timed out after 3 s" in t["case-mul"]["message"]
    # the notebook, from kernel start to its last cell: one timeout plus a few seconds
    assert e["duration"] < TIMEOUT + 5, e["duration"]
    # the whole command, against the same command on a notebook without a loop (the start-up
    # cost of Python, pytest and the kernel depends on the machine's load)
    _, baseline, ok = run("solved")
    assert ok["passed"]
    assert seconds < baseline + TIMEOUT + 5, (seconds, baseline)


# --------------------------------------------------------------------------- the course's exercises


DEMO = EXERCISES / "solutions" / "11_w1_by_sorting.ipynb"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """One grading run: every exercise's student notebook as built, and a copy of the demo
    exercise's solution whose test cells were alternately deleted and edited to ``assert True``
    (with their points raised to 1000). (Every solution also runs under nbval in the suite.)"""
    tmp = tmp_path_factory.mktemp("course")
    expected = {sol.stem: graded_tests(nbformat.read(sol, as_version=4)) for sol in SOLUTIONS}
    for k, sol in enumerate([DEMO]):
        nb = nbformat.read(sol, as_version=4)
        tests = graded_tests(nb)
        for j, t in enumerate(reversed(tests)):
            if j % 2 == 0:
                del nb.cells[t.index]
            else:
                nb.cells[t.index].source = "assert True"
                nb.cells[t.index].metadata["mfcourse"]["grade"]["points"] = 1000
        folder = tmp / f"copy{k}"
        folder.mkdir()
        nbformat.write(nb, folder / sol.name)
    students = [EXERCISES / sol.name for sol in SOLUTIONS]
    copies = sorted(tmp.glob("copy*/*.ipynb"))
    r, _ = grade(*students, *copies, "--json", tmp / "r.json", "--timeout", 300)
    data = json.loads((tmp / "r.json").read_text())
    n = len(SOLUTIONS)
    return {"run": r, "students": data["exercises"][:n], "copies": data["exercises"][n:]} | {
        "expected": expected
    }


def test_every_graded_test_fails_on_the_student_stubs(course):
    assert course["run"].returncode == 1
    for sol, e in zip(SOLUTIONS, course["students"], strict=True):
        assert e["exercise"] == sol.stem
        assert e["errors"] == [] and e["restorations"] == [], e
        assert [t["id"] for t in e["tests"]] == [t.id for t in course["expected"][sol.stem]]
        passing = [t["id"] for t in e["tests"] if t["status"] != "failed"]
        assert passing == [], f"{sol.stem}: these graded tests do not fail on the stub"


def test_tampered_solution_copies_get_full_marks(course):
    """The original tests are put back, run and pass, and the report says they were restored."""
    for sol, e in zip([DEMO], course["copies"], strict=True):
        tests = course["expected"][sol.stem]
        total = sum(t.points for t in tests)
        assert e["exercise"] == sol.stem
        assert (e["points"], e["max_points"], e["passed"]) == (total, total, True), e
        assert {x["id"] for x in e["restorations"]} == {t.id for t in tests}
        assert {x["action"] for x in e["restorations"]} <= {"reinserted", "restored"}
