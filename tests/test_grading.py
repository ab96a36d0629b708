"""``mfcourse grade`` end to end, on real kernels.

- One notebook (or folder) per case in ``tests/grading_cases/<case>/``: a small exercise
  ``90_grading_case`` (two tests and a hidden one; solution in ``tests/grading_cases/solutions``)
  and a one-test exercise ``91_second_case``. All cases are graded in ONE call in lecturer batch
  mode (``--roster``: each case folder is a "student", so hidden tests run), per-cell timeout 3 s;
  the same call writes the JSON, JUnit, Markdown, CSV gradebook and feedback files. An infinite
  loop is graded on its own in student mode, to time the whole command.
- Every exercise of the course, discovered: its unmodified student notebook fails every graded
  test; and a copy of the demo exercise's solution whose test cells were deleted or weakened to
  ``assert True`` gets full marks, with the restorations reported (one batch call for both).
- The wrong variants of every exercise are in ``tests/test_grading_variants.py``.
"""

import csv
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
from mfcourse.grading.checking import check
from mfcourse.grading.grade import WATCHDOG

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "grading_cases"
CASE_SOLUTIONS = CASES / "solutions"
EXERCISES = ROOT / "exercises"
SOLUTIONS = sorted((EXERCISES / "solutions").glob("*.ipynb"))
TIMEOUT = 3.0
EX, EX2 = "90_grading_case", "91_second_case"
BATCH = [
    "stub",
    "kills_grader",  # early in the batch: the notebooks after it must still be graded
    "solved",
    "tests_deleted",
    "tests_edited",
    "forged_checksum",
    "syntax_error",
    "exception",
    "kernel_death",
    "sys_exit",
    "interrupt_ignored",
    "forged_results",
    "forged_environ",
    "forged_inplace",
    "forged_then_kill",
    "metadata_swap",
    "jupyter_copies",
    "data_subfolder",
    "malformed_json",
    "no_solution",
]


def grade(*args, cwd=ROOT, env=None, timeout=900):
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
    r, seconds = grade(
        "--roster",
        *[CASES / c for c in BATCH],
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
        "--gradebook",
        tmp / "grades.csv",
        "--feedback",
        tmp / "feedback",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert (tmp / "r.json").exists(), r.stderr[-3000:]
    data = json.loads((tmp / "r.json").read_text(encoding="utf-8"))
    print(f"grading {len(BATCH)} case folders took {seconds:.1f} s")
    return {
        "run": r,
        "seconds": seconds,
        "data": data,
        "students": data["students"],
        "tmp": tmp,
        "summary": summary,
        "before": before,
    }


def entry(cases, case, exercise=EX):
    return next(e for e in cases["students"][case]["exercises"] if e["exercise"] == exercise)


def by_test_id(e):
    return {t["id"]: t for t in e["tests"]}


def actions(e):
    return {(x["id"], x["action"]) for x in e["restorations"]}


def test_every_case_is_reported_with_the_full_roster_and_the_run_fails(cases):
    assert cases["run"].returncode == 1, cases["run"].stderr[-2000:]
    assert list(cases["students"]) == BATCH
    for case, report in cases["students"].items():
        names = [e["exercise"] for e in report["exercises"]]
        assert names[:2] == [EX, EX2], (case, names)  # the roster, always, in order
        assert [e["max_points"] for e in report["exercises"][:2]] == [4, 1], case
    n = len(BATCH) * 2 + 1  # + 91_not_in_the_course
    progress = cases["run"].stderr
    assert all(f"[{i}/{n}]" in progress for i in range(1, n + 1))


def test_the_student_files_are_never_modified(cases):
    assert _digest(CASES) == cases["before"]


def test_unmodified_stub_scores_zero_and_says_where(cases):
    e = entry(cases, "stub")
    assert (e["points"], e["max_points"], e["passed"]) == (0, 4, False)
    for t in e["tests"]:
        assert t["status"] == "failed" and "NotImplementedError" in t["message"], t
        assert "failing line 1 of the test: assert " in t["message"], t["message"]
    missing = entry(cases, "stub", EX2)
    assert missing["points"] == 0 and missing["errors"][0].startswith("no notebook for exercise")


def test_solved_copy_gets_full_marks_hidden_test_included(cases):
    e = entry(cases, "solved")
    assert (e["points"], e["max_points"], e["passed"]) == (4, 4, True)
    assert by_test_id(e)["case-hidden"]["hidden"] is True
    assert e["errors"] == [] and actions(e) == {("case-hidden", "hidden test added")}


def test_deleted_tests_are_reinserted_and_run(cases):
    e = entry(cases, "tests_deleted")
    t = by_test_id(e)
    assert t["case-add"]["status"] == "passed"  # the re-inserted test really ran ...
    assert t["case-mul"]["status"] == "failed"  # ... and so did this one, on wrong code
    assert "AssertionError" in t["case-mul"]["message"]
    assert {("case-add", "reinserted"), ("case-mul", "reinserted")} <= actions(e)


def test_edited_tests_are_restored_and_cannot_raise_the_score(cases):
    e = entry(cases, "tests_edited")
    assert (e["points"], e["max_points"]) == (0, 4)  # not 100 + 100 from the student's metadata
    assert {t["status"] for t in e["tests"]} == {"failed"}
    assert actions(e) == {
        ("case-add", "updated"),  # its checksum is an earlier version listed by the course
        ("case-mul", "restored"),
        ("case-add", "duplicate removed"),
        ("case-bonus", "unknown id ignored"),
        ("case-hidden", "hidden test added"),
    }
    assert "restored test case-mul" in cases["run"].stdout


def test_a_forged_checksum_does_not_make_an_edit_an_update(cases):
    e = entry(cases, "forged_checksum")
    assert ("case-add", "restored") in actions(e) and ("case-add", "updated") not in actions(e)
    assert e["points"] == 0


@pytest.mark.parametrize(
    "case, broken, error",
    [
        ("syntax_error", "case-add", "SyntaxError"),
        ("exception", "case-add", "ZeroDivisionError"),
        ("sys_exit", "case-mul", "SystemExit"),
    ],
)
def test_errors_in_student_code_zero_only_what_they_affect(cases, case, broken, error):
    e = entry(cases, case)
    t = by_test_id(e)
    other = ({"case-add", "case-mul"} - {broken}).pop()
    assert t[other]["status"] == "passed"
    assert t[broken]["status"] == "failed" and t[broken]["points"] == 0
    assert error in t[broken]["message"] or any(error in m for m in e["cell_errors"])


def test_student_cells_are_named_as_the_student_sees_them(cases):
    """The position of the cell in the notebook (from 1) and its first line, not an index."""
    (msg,) = entry(cases, "exception")["cell_errors"]
    assert msg.startswith("cell 5 (`raise RuntimeError('a cell of mine that crashes')`)"), msg


def test_kernel_death_zeroes_what_follows(cases):
    e = entry(cases, "kernel_death")
    t = by_test_id(e)
    assert t["case-add"]["status"] == "passed"
    assert t["case-mul"]["status"] == "not run" and "kernel had died" in t["case-mul"]["message"]
    assert any("the kernel died" in m for m in e["cell_errors"])


def test_code_that_swallows_the_interrupt_is_stopped(cases):
    """Printing forever while catching KeyboardInterrupt: the watchdog kills the kernel, and the
    report says so (not "the kernel died")."""
    e = entry(cases, "interrupt_ignored")
    t = by_test_id(e)
    assert t["case-add"]["status"] == "passed"
    assert t["case-mul"]["status"] == "timeout" and t["case-mul"]["points"] == 0
    assert "ignored the interrupt, so the grader stopped its kernel" in t["case-mul"]["message"]
    assert e["duration"] < TIMEOUT + WATCHDOG + 10, e["duration"]


def test_killing_the_grading_process_does_not_stop_the_others(cases):
    e = entry(cases, "kills_grader")
    t = by_test_id(e)
    assert t["case-add"]["status"] == "passed" and t["case-mul"]["status"] == "not run"
    assert "the grading run ended while this notebook was running" in e["errors"][0]
    later = BATCH[BATCH.index("kills_grader") + 1 :]
    assert all(entry(cases, c)["tests"] for c in later)
    assert entry(cases, "solved")["passed"]


@pytest.mark.parametrize(
    "case", ["forged_results", "forged_environ", "forged_inplace", "forged_then_kill"]
)
def test_the_results_channel_cannot_be_forged(cases, case):
    """Wrong code plus an attempt to report passing results: through the old results file, a path
    found in the parent's environment, the parent's open file descriptors (written in place), or
    forged lines followed by killing the parent. Nothing the kernel writes counts."""
    e = entry(cases, case)
    assert (e["points"], e["passed"]) == (0, False), e
    assert all(t["status"] != "passed" for t in e["tests"])
    if case == "forged_then_kill":
        assert any("ended while this notebook was running" in m for m in e["errors"]), e["errors"]


def test_forged_lines_that_reach_the_channel_are_reported(cases):
    """Where the kernel can write into the grader's pipe (it runs as root here, or with
    ptrace rights), the unsigned lines are detected and the notebook scores 0."""
    e = entry(cases, "forged_inplace")
    if os.geteuid() == 0:
        assert any("forged lines reached the grading channel" in m for m in e["errors"]), e


def test_metadata_swap_counts_only_the_file_name(cases):
    """Exercise 91 solved, saved as 90 (its metadata still says 91), next to the real 91: 91 is
    counted once, 90 scores 0 with the reason, the total is out of the full roster."""
    swapped, real = entry(cases, "metadata_swap"), entry(cases, "metadata_swap", EX2)
    assert swapped["points"] == 0 and "says it is exercise '91_second_case'" in swapped["errors"][0]
    assert (real["points"], real["max_points"], real["passed"]) == (1, 1, True)
    report = cases["students"]["metadata_swap"]
    assert (report["points"], report["max_points"]) == (1, 5)


def test_jupyter_copies_and_untitled_notebooks_are_skipped_with_a_note(cases):
    notes = cases["students"]["jupyter_copies"]["notes"]
    assert any("90_grading_case-Copy1.ipynb" in n for n in notes), notes
    assert any("Untitled.ipynb" in n for n in notes), notes
    assert entry(cases, "jupyter_copies")["passed"]


def test_data_files_in_sub_folders_are_copied(cases):
    assert by_test_id(entry(cases, "data_subfolder"))["case-add"]["status"] == "passed"


def test_unreadable_and_unknown_notebooks(cases):
    bad = entry(cases, "malformed_json")
    assert "not valid notebook JSON" in bad["errors"][0] and bad["max_points"] == 4
    assert bad["points"] == 0
    unknown = entry(cases, "no_solution", "91_not_in_the_course")
    assert "no solution notebook for exercise '91_not_in_the_course'" in unknown["errors"][0]
    assert unknown["tests"] == [] and unknown["passed"] is False


def test_check_in_the_notebook_gives_the_graders_verdict_and_message(cases):
    """``check("90")`` on the code of the tests_deleted notebook: same verdicts, same messages."""
    nb = nbformat.read(CASES / "tests_deleted" / f"{EX}.ipynb", as_version=4)
    ns: dict = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and "mfcourse" not in cell.metadata:
            exec(cell.source, ns)  # noqa: S102 - the fixture's own code
    lines: list[str] = []
    result = check("90", solutions=CASE_SOLUTIONS, namespace=ns, out=lines.append)
    graded = by_test_id(entry(cases, "tests_deleted"))
    for tid in ("case-add", "case-mul"):
        passed, _, _, message = result.tests[tid]
        assert passed == (graded[tid]["status"] == "passed")
        assert message == graded[tid]["message"]
    assert "case-hidden" not in result.tests and result.hidden == 1
    assert any("1 hidden test" in line for line in lines)


def test_reports_gradebook_and_feedback(cases):
    tmp, data = cases["tmp"], cases["students"]
    root = ET.parse(tmp / "r.xml").getroot()
    n_tests = sum(r["tests"] for r in data.values())
    n_passed = sum(r["tests_passed"] for r in data.values())
    assert int(root.get("failures")) == n_tests - n_passed
    fail = next(c for c in root.iter("testcase") if c.get("name") == "case-add").find("failure")
    assert "failing line 1 of the test" in fail.text  # the whole message, not its last line
    md = (tmp / "r.md").read_text(encoding="utf-8")
    total = sum(r["points"] for r in data.values())
    assert md.startswith(f"## ❌ Exercise grades: {total}/")
    assert cases["summary"].read_text(encoding="utf-8") == md
    with open(tmp / "grades.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {(r["student"], r["exercise"]) for r in rows} >= {(c, EX) for c in BATCH}
    for r in rows:
        if r["exercise"] == EX:
            assert int(r["points"]) == entry(cases, r["student"])["points"]
    assert [r["points"] for r in rows if r["exercise"] == "TOTAL" and r["student"] == "solved"] == [
        "4"
    ]
    for c in BATCH:
        text = (tmp / "feedback" / f"{c}.md").read_text(encoding="utf-8")
        assert text.startswith(f"## {'✅' if data[c]['passed'] else '❌'} Feedback for {c}:")


def test_infinite_loop_finishes_within_timeout_plus_a_few_seconds(tmp_path):
    """Student mode (no --roster): the hidden test is not run, but the report says it exists."""

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
        data = json.loads((tmp_path / f"{case}.json").read_text())
        return r, seconds, next(e for e in data["exercises"] if e["exercise"] == EX)

    r, seconds, e = run("infinite_loop")
    assert r.returncode == 1
    t = by_test_id(e)
    assert t["case-add"]["status"] == "passed"
    assert t["case-mul"]["status"] == "timeout"
    assert "timed out after 3 s" in t["case-mul"]["message"]
    assert "case-hidden" not in t and e["hidden_tests"] == 1 and e["max_points"] == 3
    assert "1 hidden test(s)" in r.stdout
    # the notebook, from kernel start to its last cell: one timeout plus a few seconds
    assert e["duration"] < TIMEOUT + 8, e["duration"]
    # the whole command, against the same command on a notebook without a loop (the start-up
    # cost of Python and the kernel depends on the machine's load)
    _, baseline, ok = run("solved")
    assert ok["passed"]
    # (generous: on a loaded machine two identical commands differ by many seconds)
    assert seconds < baseline + TIMEOUT + WATCHDOG + 20, (seconds, baseline)


# --------------------------------------------------------------------------- the course's exercises


DEMO = EXERCISES / "solutions" / "11_w1_by_sorting.ipynb"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """One batch run: "stubs" = every exercise's student notebook as built; "tampered" = a copy of
    the demo exercise's solution whose test cells were alternately deleted and edited to
    ``assert True`` (with their points raised to 1000). (Every solution also runs under nbval
    in the suite, which shows that the solutions pass their tests.)"""
    tmp = tmp_path_factory.mktemp("course")
    expected = {sol.stem: graded_tests(nbformat.read(sol, as_version=4)) for sol in SOLUTIONS}
    nb = nbformat.read(DEMO, as_version=4)
    tests = graded_tests(nb)
    for j, t in enumerate(reversed(tests)):
        if j % 2 == 0:
            del nb.cells[t.index]
        else:
            nb.cells[t.index].source = "assert True"
            nb.cells[t.index].metadata["mfcourse"]["grade"]["points"] = 1000
    (tmp / "tampered").mkdir()
    nbformat.write(nb, tmp / "tampered" / DEMO.name)
    r, seconds = grade(
        "--roster", EXERCISES, tmp / "tampered", "--json", tmp / "r.json", "--timeout", 300
    )
    print(f"grading the course's stubs and one solution copy took {seconds:.1f} s")
    data = json.loads((tmp / "r.json").read_text())["students"]
    return {"run": r, "stubs": data["exercises"], "tampered": data["tampered"]} | {
        "expected": expected
    }


def test_every_graded_test_fails_on_the_student_stubs(course):
    assert course["run"].returncode == 1
    results = course["stubs"]["exercises"]
    assert [e["exercise"] for e in results] == [s.stem for s in SOLUTIONS]
    for sol, e in zip(SOLUTIONS, results, strict=True):
        assert e["errors"] == [] and e["restorations"] == [], e
        assert [t["id"] for t in e["tests"]] == [t.id for t in course["expected"][sol.stem]]
        passing = [t["id"] for t in e["tests"] if t["status"] != "failed"]
        assert passing == [], f"{sol.stem}: these graded tests do not fail on the stub"
        for t in e["tests"]:  # the stub raises, or leaves None where a number is expected
            assert t["message"].split(":")[0] in ("NotImplementedError", "TypeError"), t


def test_tampered_solution_copy_gets_full_marks_and_the_roster_is_complete(course):
    """The original tests are put back, run and pass, and the report says they were restored;
    the exercises this "student" did not hand in are listed with 0 points."""
    report = course["tampered"]
    assert [e["exercise"] for e in report["exercises"]] == [s.stem for s in SOLUTIONS]
    e = report["exercises"][0]
    tests = course["expected"][DEMO.stem]
    total = sum(t.points for t in tests)
    assert (e["points"], e["max_points"], e["passed"]) == (total, total, True), e
    assert {x["id"] for x in e["restorations"]} == {t.id for t in tests}
    assert {x["action"] for x in e["restorations"]} <= {"reinserted", "restored"}
    for other in report["exercises"][1:]:
        assert other["points"] == 0 and other["errors"][0].startswith("no notebook for exercise")
    assert report["max_points"] == sum(
        t.points for tests in course["expected"].values() for t in tests
    )
