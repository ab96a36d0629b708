"""Exercises pipeline without a kernel: the build of student notebooks (in sync, deterministic,
idempotent), the exercise format's validation, the restoration of graded tests, the reports.

The grading runs themselves (kernels) are in ``tests/test_grading.py``.
"""

import ast
import copy
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from mfcourse.cli import main
from mfcourse.grading import report
from mfcourse.grading.build import (
    BEGIN_MARKER,
    END_MARKER,
    ExerciseFormatError,
    build_all,
    build_student_notebook,
    check_all,
    expected_student_text,
    graded_tests,
    source_checksum,
    strip_solutions,
)
from mfcourse.grading.grade import (
    ExerciseResult,
    Restoration,
    TestResult,
    _describe,
    discover,
    plan,
    prepare,
    read_student_json,
    restore,
)

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "exercises"
SOLUTIONS = sorted((EXERCISES / "solutions").glob("*.ipynb"))
CASES = ROOT / "tests" / "grading_cases"
CASE_SOLUTION = CASES / "solutions" / "90_grading_case.ipynb"


def ids(paths):
    return [p.stem for p in paths]


# --------------------------------------------------------------------------- the course's exercises


def test_the_course_has_exercises():
    assert SOLUTIONS, "no solution notebook in exercises/solutions"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=ids(SOLUTIONS))
def test_student_notebook_is_exactly_the_build(solution):
    student = EXERCISES / solution.name
    assert student.exists(), f"{student.name} is missing: run `mfcourse exercises build`"
    assert student.read_text(encoding="utf-8") == expected_student_text(solution), (
        f"{student.name} is out of sync with its solution: run `mfcourse exercises build`"
    )


def test_every_student_notebook_has_a_solution_and_ids_are_unique():
    report_ = check_all(EXERCISES, out=None)
    assert report_.problems == []
    assert report_.out_of_sync == []


@pytest.mark.parametrize("solution", SOLUTIONS, ids=ids(SOLUTIONS))
def test_exercise_has_graded_tests_that_can_fail(solution):
    nb = nbformat.read(solution, as_version=4)
    tests = graded_tests(nb, str(solution))
    assert tests, "every exercise needs at least one graded test"
    for t in tests:
        tree = ast.parse(t.source)
        checks = [n for n in ast.walk(tree) if isinstance(n, ast.Assert | ast.Raise)]
        assert checks, f"graded test {t.id} contains no assert/raise: it cannot fail"
        for node in checks:
            if isinstance(node, ast.Assert):
                assert not (isinstance(node.test, ast.Constant) and node.test.value), (
                    f"graded test {t.id} asserts a constant"
                )
    student = nbformat.reads(expected_student_text(solution), as_version=4)
    stubs = sum("raise NotImplementedError(" in c.source for c in student.cells)
    assert stubs >= 1
    for c in student.cells:
        assert BEGIN_MARKER not in c.source and END_MARKER not in c.source


# --------------------------------------------------------------------------- build


def test_build_is_deterministic_idempotent_and_checked(tmp_path, capsys):
    ex = tmp_path / "exercises"
    shutil.copytree(EXERCISES / "solutions", ex / "solutions")
    assert main(["exercises", "check", "--dir", str(ex)]) == 1  # nothing built yet
    first = build_all(ex, out=None)
    assert first.ok and len(first.written) == len(SOLUTIONS)
    texts = {p.name: p.read_bytes() for p in ex.glob("*.ipynb")}
    second = build_all(ex, out=None)
    assert second.written == [] and len(second.unchanged) == len(SOLUTIONS)
    assert {p.name: p.read_bytes() for p in ex.glob("*.ipynb")} == texts
    for name, text in texts.items():  # what the committed student notebooks must be
        assert text == expected_student_text(EXERCISES / "solutions" / name).encode("utf-8")
    assert main(["exercises", "check", "--dir", str(ex)]) == 0
    assert main(["exercises", "build", "--check", "--dir", str(ex)]) == 0
    # a change to a solution makes the check fail until the next build
    sol = ex / "solutions" / SOLUTIONS[0].name
    nb = nbformat.read(sol, as_version=4)
    nb.cells[0].source += "\n\nOne more sentence."
    nbformat.write(nb, sol)
    assert main(["exercises", "check", "--dir", str(ex)]) == 1
    assert "out of sync" in capsys.readouterr().out
    assert main(["exercises", "build", "--dir", str(ex)]) == 0
    assert main(["exercises", "check", "--dir", str(ex)]) == 0
    # a student notebook without a solution is reported
    (ex / "99_orphan.ipynb").write_text(nbformat.writes(new_notebook()), encoding="utf-8")
    assert main(["exercises", "check", "--dir", str(ex)]) == 1
    assert "99_orphan.ipynb has no solution notebook" in capsys.readouterr().out


def test_stub_keeps_indentation_and_everything_else():
    src = "\n".join(
        [
            "def f(x):",
            '    """doc"""',
            "    y = 1",
            f"    {BEGIN_MARKER}",
            "    return x + y",
            f"    {END_MARKER}",
            "",
            BEGIN_MARKER,
            "z = f(2)",
            END_MARKER,
            "print('kept')",
        ]
    )
    out, n = strip_solutions(src, "12_demo")
    assert n == 2
    assert out.splitlines() == [
        "def f(x):",
        '    """doc"""',
        "    y = 1",
        '    raise NotImplementedError("Exercise 12_demo: write your solution here (and delete '
        'this line).")',
        "",
        'raise NotImplementedError("Exercise 12_demo: write your solution here (and delete this '
        'line).")',
        "print('kept')",
    ]
    deep, _ = strip_solutions(
        f"{' ' * 40}{BEGIN_MARKER}\n{' ' * 40}pass\n{' ' * 40}{END_MARKER}", "x"
    )
    assert len(deep) <= 100 and "NotImplementedError" in deep


@pytest.mark.parametrize(
    "src, match",
    [
        (f"{BEGIN_MARKER}\n{BEGIN_MARKER}\n{END_MARKER}", "inside a solution region"),
        (f"x = 1\n{END_MARKER}", "without"),
        (f"{BEGIN_MARKER}\nx = 1", "never closed"),
        ("## BEGIN SOLUTION\nx = 1\n### END SOLUTION", "looks like a solution marker"),
        ("### begin solution", "looks like a solution marker"),
    ],
)
def test_malformed_markers_are_rejected(src, match):
    with pytest.raises(ExerciseFormatError, match=match):
        strip_solutions(src, "12_demo", "cell 3")


def _exercise(test_meta=None, test_src="assert f(1) == 2", sol=True, tags=None):
    cells = [
        new_markdown_cell("# Demo"),
        new_code_cell(f"def f(x):\n    {BEGIN_MARKER}\n    return 2 * x\n    {END_MARKER}")
        if sol
        else new_code_cell("def f(x):\n    return 2 * x"),
        new_code_cell(test_src),
    ]
    if test_meta is not None:
        cells[2].metadata["mfcourse"] = {"grade": test_meta}
    if tags:
        cells[2].metadata["tags"] = tags
    return new_notebook(cells=cells)


@pytest.mark.parametrize(
    "nb, match",
    [
        (_exercise(None), "no graded test"),
        (_exercise({"id": "a", "points": 1}, sol=False), "no solution region"),
        (_exercise({"id": "a", "points": 0}), "points 0"),
        (_exercise({"id": "a", "points": True}), "points True"),
        (_exercise({"id": "a", "points": "2"}), "points '2'"),
        (_exercise({"id": "has space", "points": 1}), "id 'has space'"),
        (_exercise({"points": 1}), "id None"),
        (_exercise({"id": "a", "points": 1}, test_src="# NBVAL_SKIP\nassert 0"), "nbval"),
        (_exercise({"id": "a", "points": 1}, tags=["nbval-raises-exception"]), "nbval"),
        (
            _exercise({"id": "a", "points": 1}, test_src=f"{BEGIN_MARKER}\n{END_MARKER}"),
            "solution marker",
        ),
    ],
)
def test_invalid_exercises_are_rejected(nb, match):
    with pytest.raises(ExerciseFormatError, match=match):
        build_student_notebook(nb, "12_demo")


def test_duplicate_ids_and_bad_names_are_rejected():
    nb = _exercise({"id": "a", "points": 1})
    nb.cells.append(copy.deepcopy(nb.cells[2]))
    with pytest.raises(ExerciseFormatError, match="already used"):
        build_student_notebook(nb, "12_demo")
    with pytest.raises(ExerciseFormatError, match="must look like 'NN_name'"):
        build_student_notebook(_exercise({"id": "a", "points": 1}), "demo")
    md = _exercise({"id": "a", "points": 1})
    md.cells[0].metadata["mfcourse"] = {"grade": {"id": "b", "points": 1}}
    with pytest.raises(ExerciseFormatError, match="only code cells"):
        build_student_notebook(md, "12_demo")


def test_student_test_cells_carry_checksum_and_lock():
    nb = build_student_notebook(_exercise({"id": "a", "points": 3}), "12_demo")
    cell = nb.cells[2]
    assert cell.metadata["mfcourse"]["grade"] == {
        "id": "a",
        "points": 3,
        "checksum": source_checksum("assert f(1) == 2"),
    }
    assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False
    assert nb.metadata["mfcourse"]["exercise"] == "12_demo"


# --------------------------------------------------------------------------- restoration


def _case(name):
    sol = nbformat.read(CASE_SOLUTION, as_version=4)
    pristine = build_student_notebook(sol, "90_grading_case", keep_hidden=True)
    tests = [t for t in graded_tests(sol) if not t.hidden]  # student mode
    data = read_student_json(next((CASES / name).glob("*.ipynb")))
    return restore(data, pristine, tests), pristine, tests


def test_restore_reinserts_deleted_tests_in_place():
    (nb, restorations, test_of_cell), pristine, tests = _case("tests_deleted")
    assert nb.cells[0].id == pristine.cells[0].id
    for t in tests:  # each test sits right after the solution cell that precedes it
        k = next(i for i, c in enumerate(nb.cells) if c.source == t.source)
        assert nb.cells[k - 1].id == pristine.cells[t.index - 1].id
        assert nb.cells[k].metadata["mfcourse"]["grade"]["id"] == t.id
    assert {(r.id, r.action) for r in restorations} == {(t.id, "reinserted") for t in tests}
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert {code[i].source for i in test_of_cell} == {t.source for t in tests}


def test_restore_undoes_every_edit():
    (nb, restorations, test_of_cell), _, tests = _case("tests_edited")
    actions = {(r.id, r.action) for r in restorations}
    assert actions == {
        ("case-add", "updated"),
        ("case-mul", "restored"),
        ("case-add", "duplicate removed"),
        ("case-bonus", "unknown id ignored"),
    }
    code = [c for c in nb.cells if c.cell_type == "code"]
    graded = [c for c in code if "mfcourse" in c.metadata]
    assert [c.source for c in graded] == [t.source for t in tests]
    for c, t in zip(graded, tests, strict=True):
        assert c.metadata["mfcourse"]["grade"]["points"] == t.points  # not the student's 100
        assert "tags" not in c.metadata  # the student's nbval-skip tag is gone
    assert sorted(test_of_cell.values()) == sorted(t.id for t in tests)
    bonus = [c for c in code if c.source == "assert True"]
    assert len(bonus) == 1 and bonus[0].metadata == {}  # run as plain code, never graded


def test_restore_recognises_a_test_whose_metadata_was_removed():
    sol = nbformat.read(CASE_SOLUTION, as_version=4)
    pristine = build_student_notebook(sol, "90_grading_case", keep_hidden=True)
    student = build_student_notebook(sol, "90_grading_case")
    data = json.loads(nbformat.writes(student))
    for cell in data["cells"]:
        cell["metadata"] = {}
    visible = [t for t in graded_tests(sol) if not t.hidden]
    nb, restorations, test_of_cell = restore(data, pristine, visible)
    assert len(nb.cells) == len(student.cells)
    assert {r.action for r in restorations} == {"restored"}
    assert len(test_of_cell) == 2


def test_read_student_json_messages(tmp_path):
    with pytest.raises(ValueError, match="notebook not found"):
        read_student_json(tmp_path / "nope.ipynb")
    bad = tmp_path / "bad.ipynb"
    bad.write_text('{"cells": [', encoding="utf-8")
    with pytest.raises(ValueError, match="not valid notebook JSON.*line 1"):
        read_student_json(bad)
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match="not a Jupyter notebook"):
        read_student_json(bad)


def test_discover_skips_jupyter_copies_and_plan_lists_the_whole_roster(tmp_path):
    ex = tmp_path / "exercises"
    (ex / "solutions").mkdir(parents=True)
    for name in ("11_a", "12_b"):
        shutil.copy(CASE_SOLUTION, ex / "solutions" / f"{name}.ipynb")
    for name in ("11_a", "11_a-Copy1", "Untitled", "Untitled1", "99_stray"):
        (ex / f"{name}.ipynb").write_text("{}", encoding="utf-8")
    notes: list[str] = []
    found = discover([ex], ex, notes=notes)
    assert [p.name for p in found] == ["11_a.ipynb", "99_stray.ipynb"]
    assert len(notes) == 3 and all("skipped" in n for n in notes)
    jobs, _ = plan(found, ex / "solutions")
    assert [j.result.exercise for j in jobs] == ["11_a", "12_b", "99_stray"]
    assert jobs[1].result.notebook == "(missing)" and jobs[1].result.max_points == 3
    assert "no solution notebook" in jobs[2].result.errors[0]
    # two notebooks for one exercise: both rejected, 0 points, the exercise still listed
    other = tmp_path / "other"
    other.mkdir()
    (other / "11_a.ipynb").write_text("{}", encoding="utf-8")
    jobs, _ = plan([ex / "11_a.ipynb", other / "11_a.ipynb"], ex / "solutions")
    assert jobs[0].nb is None and "2 notebooks for exercise 11_a" in jobs[0].result.errors[0]
    assert jobs[0].result.max_points == 3 and jobs[0].result.points == 0


def test_exercises_are_named_by_file_stem_and_metadata_may_only_confirm(tmp_path):
    """A notebook whose metadata claims another exercise is not graded as either."""
    nb = nbformat.read(CASES / "solved" / "90_grading_case.ipynb", as_version=4)
    path = tmp_path / "90_grading_case.ipynb"
    nbformat.write(nb, path)
    assert prepare(path, "90_grading_case", CASES / "solutions").nb is not None
    nb.metadata["mfcourse"]["exercise"] = "11_w1_by_sorting"
    nbformat.write(nb, path)
    job = prepare(path, "90_grading_case", CASES / "solutions")
    assert job.nb is None and job.result.points == 0 and job.result.max_points == 3
    assert "says it is exercise '11_w1_by_sorting'" in job.result.errors[0]


def test_teacher_mode_adds_the_hidden_tests(tmp_path):
    path = CASES / "solved" / "90_grading_case.ipynb"
    student = prepare(path, "90_grading_case", CASES / "solutions")
    teacher = prepare(path, "90_grading_case", CASES / "solutions", teacher=True)
    assert [t.id for t in student.result.tests] == ["case-add", "case-mul"]
    assert student.result.hidden_tests == 1
    assert [t.id for t in teacher.result.tests] == ["case-add", "case-mul", "case-hidden"]
    assert ("case-hidden", "hidden test added") in {
        (r.id, r.action) for r in teacher.result.restorations
    }
    # hidden tests never reach a student notebook
    sol = nbformat.read(CASE_SOLUTION, as_version=4)
    built = build_student_notebook(sol, "90_grading_case")
    assert "case-hidden" not in nbformat.writes(built)


def test_failure_messages_are_whole_and_name_the_line():
    rec = {
        "status": "failed",
        "ename": "AssertionError",
        "evalue": "expected 5\ngot 4\nfor a=2, b=3",
        "traceback": ["\x1b[31mCell In[7], line 2\x1b[0m", "..."],
    }
    msg = _describe(rec, "x = 1\nassert add(2, 3) == 5, (\n    'long'\n)\n", 3.0, test=True)
    assert msg.splitlines()[:3] == ["AssertionError: expected 5", "got 4", "for a=2, b=3"]
    assert msg.splitlines()[3] == "failing line 2 of the test: assert add(2, 3) == 5"
    assert _describe({"status": "timeout"}, "", 1e-9, True).startswith("timed out after 1e-09 s")
    killed = _describe({"status": "timeout", "killed": True}, "", 2.0, True)
    assert "ignored the interrupt" in killed and "died" not in killed


# --------------------------------------------------------------------------- reports and CLI


def _results():
    ok = ExerciseResult("exercises/11_a.ipynb", "11_a", "exercises/solutions/11_a.ipynb")
    ok.tests = [TestResult("a-1", 2, 2, "passed"), TestResult("a-2", 1, 1, "passed")]
    bad = ExerciseResult("exercises/12_b.ipynb", "12_b", "exercises/solutions/12_b.ipynb")
    bad.tests = [
        TestResult("b-1", 3, 0, "timeout", "timed out after 2 s", "\x1b[31mred\x1b[0m | pipe"),
        TestResult("b-2", 1, 1, "passed"),
    ]
    bad.restorations = [Restoration("b-1", "reinserted", "the test cell was deleted")]
    gone = ExerciseResult("exercises/13_c.ipynb", "13_c")
    gone.errors = ["notebook not found: exercises/13_c.ipynb"]
    return [ok, bad, gone]


def test_reports_agree_on_the_scores(tmp_path):
    results = _results()
    text = report.table(results)
    assert "TOTAL 4/7 points, 3/4 tests passed in 3 exercise(s)" in text
    assert "TIMEOUT: timed out after 2 s" in text and "reinserted test b-1" in text
    d = report.as_dict(results, timeout=2)
    assert (d["points"], d["max_points"], d["passed"]) == (4, 7, False)
    assert [e["passed"] for e in d["exercises"]] == [True, False, False]
    report.write_json(results, tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text())["tests"] == 4
    report.write_junit(results, tmp_path / "r.xml")
    root = ET.parse(tmp_path / "r.xml").getroot()  # parses: control characters were removed
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "1", "1")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["b-1"].find("failure") is not None and cases["a-1"].find("failure") is None
    assert cases["notebook"].find("error").get("message").startswith("notebook not found")
    md = report.markdown(results)
    assert md.startswith("## ❌ Exercise grades: 4/7 points (3/4 tests passed)")
    assert "| ✅ `11_a` | 3/3 | 2/2 |" in md and "red \\| pipe" not in md
    assert "timeout: timed out after 2 s" in md


def test_grade_cli_without_kernels(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    (tmp_path / "empty").mkdir()
    assert main(["grade", str(tmp_path / "empty")]) == 1
    assert "no student notebooks found" in capsys.readouterr().err
    assert main(["grade", str(tmp_path / "empty"), "--no-fail"]) == 0
    assert main(["grade", "--timeout", "0", "x.ipynb"]) == 2
    missing = tmp_path / "90_grading_case.ipynb"
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    summary.write_text("earlier step\n", encoding="utf-8")
    code = main(["grade", str(missing), "--solutions", str(CASES / "solutions"), "--quiet"])
    assert code == 1
    out = capsys.readouterr().out
    assert "notebook not found" in out and "0/3" in out
    assert summary.read_text().startswith("earlier step\n## ❌ Exercise grades: 0/4 points")
    assert main(["grade", str(missing), "--solutions", str(CASES), "--no-fail", "--quiet"]) == 0
    assert "no solution notebook for exercise '90_grading_case'" in capsys.readouterr().out


def test_grade_workflow_installs_the_pins_and_grades_with_valid_options():
    import shlex

    import yaml

    from mfcourse.cli import build_parser

    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "grade.yml").read_text(encoding="utf-8"))
    steps = wf["jobs"]["grade"]["steps"]
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["python-version"] == "3.11"
    install = next(s["run"] for s in steps if "pip install" in s.get("run", ""))
    assert "pip install -r binder/requirements.txt" in install
    assert "pip install --no-deps -e ." in install
    run = next(s["run"] for s in steps if "mfcourse grade" in s.get("run", ""))
    command = run[run.index("mfcourse grade") :].replace("\\\n", " ").splitlines()[0]
    argv = shlex.split(command)[1:]
    assert "--junit" in argv and argv[argv.index("--markdown") + 1] == "$GITHUB_STEP_SUMMARY"
    args = build_parser().parse_args(argv)  # every option the workflow uses exists
    assert args.func is not None and args.timeout > 0


def test_output_paths_are_checked_before_any_notebook_runs(tmp_path, capsys):
    missing = tmp_path / "90_grading_case.ipynb"
    for opt in ("--json", "--junit", "--markdown"):
        code = main(["grade", str(missing), opt, str(tmp_path / "no" / "such" / "r.out")])
        assert code == 2
        assert f"{opt} " in capsys.readouterr().err
    assert main(["grade", str(missing), "--json", str(tmp_path)]) == 2  # a folder
    assert main(["grade", str(missing), "--gradebook", str(tmp_path / "g.csv")]) == 2  # no roster
    assert "need --roster" in capsys.readouterr().err


def test_usage_errors_show_the_subcommand_usage_and_ports_are_checked(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["grade", "--bogus"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: mfcourse grade") and "unrecognized arguments: --bogus" in err
    for bad in ("99999", "0", "http"):
        with pytest.raises(SystemExit):
            main(["lab", "--port", bad])
        assert "--port" in capsys.readouterr().err
    from mfcourse.launch import lab_command

    with pytest.raises(ValueError, match="port"):
        lab_command(port=70000)


def test_every_student_notebook_starts_with_the_check_as_you_go_note():
    for solution in SOLUTIONS:
        student = nbformat.read(EXERCISES / solution.name, as_version=4)
        number = solution.stem.split("_", 1)[0]
        assert f'check("{number}")' in student.cells[0].source, solution.name
        assert 'check("' not in nbformat.read(solution, as_version=4).cells[0].source


def test_exercises_check_catches_a_test_that_passes_on_the_stub(tmp_path, capsys):
    ex = tmp_path / "exercises"
    (ex / "solutions").mkdir(parents=True)
    nb = _exercise({"id": "a", "points": 1}, test_src="import math\nassert math.pi > 3")
    nbformat.write(nb, ex / "solutions" / "12_demo.ipynb")
    assert main(["exercises", "build", "--dir", str(ex)]) == 1
    assert "uses none of the names the student writes (f): it passes on the stub" in (
        capsys.readouterr().out
    )
    # through a helper of the notebook that calls the student's function: fine
    nb.cells.insert(2, new_code_cell("def twice(x):\n    return f(x)"))
    nb.cells[3].source = "assert twice(1) == 2"
    nbformat.write(nb, ex / "solutions" / "12_demo.ipynb")
    assert main(["exercises", "build", "--dir", str(ex)]) == 0
    # JupyterLab copies in exercises/ are skipped, not errors
    (ex / "12_demo-Copy1.ipynb").write_text("{}", encoding="utf-8")
    (ex / "Untitled.ipynb").write_text("{}", encoding="utf-8")
    assert main(["exercises", "check", "--dir", str(ex)]) == 0
    assert "skipped" in capsys.readouterr().out


def test_check_runs_the_pristine_tests_on_the_callers_code():
    from mfcourse.grading import check

    ns = {"add": lambda a, b: a + b, "mul": lambda a, b: a + b}
    lines: list[str] = []
    result = check("90_grading_case", solutions=CASES / "solutions", namespace=ns, out=lines.append)
    assert result.tests["case-add"][0] is True and result.tests["case-mul"][0] is False
    assert result.tests["case-mul"][3].startswith("AssertionError")
    assert "failing line 1 of the test: assert mul(2, 3) == 6" in result.tests["case-mul"][3]
    assert (result.points, result.max_points, result.hidden) == (1, 3, 1)
    one = check("case-mul", solutions=CASES / "solutions", namespace=ns, out=lines.append)
    assert list(one.tests) == ["case-mul"]
    with pytest.raises(ValueError, match="no exercise or graded test"):
        check("77", solutions=CASES / "solutions", namespace=ns)


def test_gradebook_rows():
    rows = report.gradebook_rows({"ann": _results(), "bob": _results()[:1]})
    assert [(r["student"], r["exercise"], r["points"]) for r in rows] == [
        ("ann", "11_a", 3),
        ("ann", "12_b", 1),
        ("ann", "13_c", 0),
        ("ann", "TOTAL", 4),
        ("bob", "11_a", 3),
        ("bob", "TOTAL", 3),
    ]
