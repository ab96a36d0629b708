"""Reports of ``mfcourse grade``: terminal table, JSON, JUnit XML and a Markdown summary."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from mfcourse import __version__
from mfcourse.grading.grade import ExerciseResult

_XML_BAD = re.compile(r"[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _totals(results: list[ExerciseResult]) -> tuple[int, int, int, int]:
    points = sum(r.points for r in results)
    max_points = sum(r.max_points for r in results)
    n_tests = sum(len(r.tests) for r in results)
    n_passed = sum(t.passed for r in results for t in r.tests)
    return points, max_points, n_passed, n_tests


def _restoration_lines(r: ExerciseResult) -> list[str]:
    return [f"{x.action} test {x.id}: {x.detail}" for x in r.restorations]


def _hidden_line(r: ExerciseResult) -> str | None:
    ran = sum(t.hidden for t in r.tests)
    if r.hidden_tests and not ran:
        return (
            f"the course has {r.hidden_tests} hidden test(s) for this exercise, run by the "
            "lecturer only (not included here)"
        )
    if ran:
        return f"{ran} of these tests are hidden tests (teacher mode)"
    return None


def table(results: list[ExerciseResult], notes: list[str] | None = None) -> str:
    """A plain-text table: one row per graded test (the whole message of a failure, indented),
    a total per exercise, notes, the grand total."""
    w_ex = max([len("exercise")] + [len(r.exercise) for r in results])
    w_id = max([len("test")] + [len(t.id) for r in results for t in r.tests])
    lines = [f"{'exercise':<{w_ex}}  {'test':<{w_id}}  {'points':>7}  result"]
    lines.append("-" * len(lines[0]) + "-" * 20)
    for r in results:
        condensed = bool(r.errors) and all(t.status == "not run" for t in r.tests)
        for t in [] if condensed else r.tests:  # not graded at all: one line, the total
            result = "passed" if t.passed else f"{t.status.upper()}: {t.message}"
            pts = f"{t.points}/{t.max_points}"
            first, *more = result.splitlines() or [""]
            lines.append(f"{r.exercise:<{w_ex}}  {t.id:<{w_id}}  {pts:>7}  {first}")
            pad = " " * (w_ex + w_id + 13)
            lines.extend(pad + m for m in more)
        total = f"{r.points}/{r.max_points}"
        lines.append(f"{r.exercise:<{w_ex}}  {'(total)':<{w_id}}  {total:>7}  {r.notebook}")
        for msg in r.errors:
            lines.append(f"{'':<{w_ex}}  ERROR: {msg}")
        for msg in _restoration_lines(r):
            lines.append(f"{'':<{w_ex}}  note: {msg}")
        for msg in r.cell_errors:
            lines.append(f"{'':<{w_ex}}  your code: {msg}")
        hidden = _hidden_line(r)
        if hidden:
            lines.append(f"{'':<{w_ex}}  note: {hidden}")
    for msg in notes or []:
        lines.append(f"note: {msg}")
    points, max_points, n_passed, n_tests = _totals(results)
    verdict = "all tests passed" if all(r.passed for r in results) else "NOT all tests passed"
    lines.append(
        f"TOTAL {points}/{max_points} points, {n_passed}/{n_tests} tests passed in "
        f"{len(results)} exercise(s): {verdict}"
    )
    return "\n".join(lines)


def as_dict(
    results: list[ExerciseResult], timeout: float | None = None, notes: list[str] | None = None
) -> dict:
    points, max_points, n_passed, n_tests = _totals(results)
    return {
        "notes": list(notes or []),
        "mfcourse": __version__,
        "timeout": timeout,
        "points": points,
        "max_points": max_points,
        "tests_passed": n_passed,
        "tests": n_tests,
        "passed": all(r.passed for r in results) and bool(results),
        "exercises": [r.to_dict() for r in results],
    }


def write_json(
    results: list[ExerciseResult],
    path: Path,
    timeout: float | None = None,
    notes: list[str] | None = None,
) -> None:
    Path(path).write_text(
        json.dumps(as_dict(results, timeout, notes), indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )


def write_json_students(
    by_student: dict[str, list[ExerciseResult]],
    path: Path,
    timeout: float | None = None,
    notes: dict[str, list[str]] | None = None,
) -> None:
    """Batch mode: ``{"students": {name: <the report of one student>}}``."""
    data = {"mfcourse": __version__, "timeout": timeout, "students": {}}
    for who, results in by_student.items():
        data["students"][who] = as_dict(results, timeout, (notes or {}).get(who))
    Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def gradebook_rows(by_student: dict[str, list[ExerciseResult]]) -> list[dict]:
    """One row per student and exercise of the roster, then a ``TOTAL`` row per student."""
    rows = []
    for who, results in by_student.items():
        for r in results:
            rows.append(
                {
                    "student": who,
                    "exercise": r.exercise,
                    "points": r.points,
                    "max_points": r.max_points,
                    "tests_passed": sum(t.passed for t in r.tests),
                    "tests": len(r.tests),
                    "notes": "; ".join(m.splitlines()[0] for m in r.errors),
                }
            )
        points, max_points, n_passed, n_tests = _totals(results)
        rows.append(
            {
                "student": who,
                "exercise": "TOTAL",
                "points": points,
                "max_points": max_points,
                "tests_passed": n_passed,
                "tests": n_tests,
                "notes": "",
            }
        )
    return rows


def write_gradebook(by_student: dict[str, list[ExerciseResult]], path: Path) -> None:
    """The CSV gradebook: student, exercise, points (and max_points, tests, notes)."""
    rows = gradebook_rows(by_student)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["student"])
        w.writeheader()
        w.writerows(rows)


def _x(text: str) -> str:
    return _XML_BAD.sub("", text)


def junit(results: list[ExerciseResult]) -> str:
    """JUnit XML: one test suite per notebook, one test case per graded test (points as properties);
    a notebook-level problem is an extra test case ``notebook`` with an error."""
    points, max_points, n_passed, n_tests = _totals(results)
    n_err = sum(1 for r in results if r.errors)
    root = ET.Element(
        "testsuites",
        name="mfcourse grade",
        tests=str(n_tests + n_err),
        failures=str(n_tests - n_passed),
        errors=str(n_err),
        time=f"{sum(r.duration for r in results):.3f}",
    )
    for r in results:
        failures = sum(not t.passed for t in r.tests)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=r.exercise,
            tests=str(len(r.tests) + (1 if r.errors else 0)),
            failures=str(failures),
            errors=str(1 if r.errors else 0),
            skipped="0",
            time=f"{r.duration:.3f}",
        )
        props = ET.SubElement(suite, "properties")
        for k, v in (
            ("notebook", r.notebook),
            ("solution", r.solution or ""),
            ("points", str(r.points)),
            ("max_points", str(r.max_points)),
        ):
            ET.SubElement(props, "property", name=k, value=_x(v))
        for msg in _restoration_lines(r):
            ET.SubElement(props, "property", name="restored", value=_x(msg))
        if r.errors:
            case = ET.SubElement(suite, "testcase", classname=r.exercise, name="notebook", time="0")
            err = ET.SubElement(case, "error", message=_x(r.errors[0].splitlines()[0]))
            err.text = _x("\n".join(r.errors))
        for t in r.tests:
            case = ET.SubElement(
                suite, "testcase", classname=r.exercise, name=t.id, time=f"{t.duration:.3f}"
            )
            cprops = ET.SubElement(case, "properties")
            ET.SubElement(cprops, "property", name="points", value=str(t.points))
            ET.SubElement(cprops, "property", name="max_points", value=str(t.max_points))
            if not t.passed:
                fail = ET.SubElement(
                    case, "failure", message=_x(f"{t.status}: {t.message.splitlines()[0]}")
                )
                fail.text = _x(t.message + ("\n\n" + t.details if t.details else ""))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")


def write_junit(results: list[ExerciseResult], path: Path) -> None:
    Path(path).write_text(junit(results) + "\n", encoding="utf-8")


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>").replace("`", "'")


def markdown(
    results: list[ExerciseResult], title: str = "Exercise grades", notes: list[str] | None = None
) -> str:
    """A Markdown summary (for ``$GITHUB_STEP_SUMMARY``, and the per-student feedback of batch
    mode): totals, one row per exercise, then details with the whole message of each failure."""
    points, max_points, n_passed, n_tests = _totals(results)
    ok = all(r.passed for r in results)
    icon = "✅" if ok else "❌"
    out = [
        f"## {icon} {title}: {points}/{max_points} points ({n_passed}/{n_tests} tests passed)",
        "",
        "| exercise | points | tests passed | notes |",
        "| --- | ---: | ---: | --- |",
    ]
    for r in results:
        notes = []
        if r.errors:
            notes.append("**error:** " + _md(r.errors[0].splitlines()[0]))
        if r.restorations:
            notes.append(f"{len(r.restorations)} test cell(s) restored")
        n_ok = sum(t.passed for t in r.tests)
        mark = "✅" if r.passed else "❌"
        out.append(
            f"| {mark} `{r.exercise}` | {r.points}/{r.max_points} | {n_ok}/{len(r.tests)} | "
            f"{'; '.join(notes)} |"
        )
    for r in results:
        if r.passed and not r.restorations:
            continue
        out += ["", f"<details><summary><code>{r.exercise}</code>: details</summary>", ""]
        for msg in r.errors:
            out.append(f"- **error:** {_md(msg)}")
        for msg in _restoration_lines(r):
            out.append(f"- restored: {_md(msg)}")
        for msg in r.cell_errors:
            out.append(f"- your code: {_md(msg)}")
        hidden = _hidden_line(r)
        if hidden:
            out.append(f"- {hidden}")
        out += ["", "| test | points | result |", "| --- | ---: | --- |"]
        for t in r.tests:
            res = "passed" if t.passed else f"{t.status}: {_md(t.message)}"
            out.append(f"| `{t.id}` | {t.points}/{t.max_points} | {res} |")
        out += ["", "</details>"]
    for note in notes or []:
        out += ["", f"- note: {_md(note)}"]
    return "\n".join(out)
