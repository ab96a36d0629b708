r"""Student notebooks from solution notebooks: ``mfcourse exercises build`` and ``check``.

An exercise is authored once, as ``exercises/solutions/NN_name.ipynb`` (see DEVELOPING.md,
"Exercises"). The student notebook ``exercises/NN_name.ipynb`` is derived from it by a pure function
of the solution notebook's content:

- in every code cell, each region between a line ``### BEGIN SOLUTION`` and a line
  ``### END SOLUTION`` (markers included) becomes one line, indented like the ``BEGIN`` marker,
  ``raise NotImplementedError("...")`` with a message naming the exercise;
- graded test cells (cell metadata ``{"mfcourse": {"grade": {"id": ..., "points": ...}}}``) keep
  their source and gain ``"checksum": "sha256:<hex of the source>"`` in that metadata, plus
  Jupyter's ``"editable": false, "deletable": false`` so that the interface discourages edits;
- the notebook metadata gains ``{"mfcourse": {"exercise": "NN_name", ...}}``; outputs and execution
  counts are cleared; everything else (cell ids included) is copied unchanged.

The serialisation is nbformat's (one-space indent, sorted keys, trailing newline), so a build is
deterministic and idempotent: re-running it on unchanged solutions rewrites nothing.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

BEGIN_MARKER = "### BEGIN SOLUTION"
END_MARKER = "### END SOLUTION"
#: An exercise's file stem: two digits (lecture digit + index), an underscore, a name.
EXERCISE_NAME = re.compile(r"^\d{2}_[A-Za-z0-9_]+$")
#: A graded test's stable id.
TEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_MARKER_LIKE = re.compile(r"^\s*#+\s*(BEGIN|END)\s+SOLUTION\b", re.IGNORECASE)
_NBVAL_MARKER = re.compile(r"^\s*#+\s*(NBVAL_\w+|PYTEST_VALIDATE_IGNORE_OUTPUT)\s*$", re.MULTILINE)
_MAX_LINE = 100


class ExerciseFormatError(ValueError):
    """A solution notebook breaks the exercise format (the message names the file and the cell)."""


@dataclass(frozen=True)
class GradedTest:
    """One graded test cell of a solution notebook."""

    id: str
    points: int
    index: int  # position among all cells of the notebook
    cell_id: str | None
    source: str
    hidden: bool = False  # kept only in the solution; run in teacher mode
    previous: tuple[str, ...] = ()  # checksums of earlier versions of this test (the course's)

    @property
    def checksum(self) -> str:
        return source_checksum(self.source)


def source_checksum(source: str) -> str:
    """``"sha256:<hex>"`` of a cell source (UTF-8); stored in the student's graded test cells."""
    return "sha256:" + hashlib.sha256(source.encode("utf-8")).hexdigest()


def grade_metadata(cell) -> dict | None:
    """The ``mfcourse.grade`` metadata of a cell, or ``None`` (tolerates malformed metadata)."""
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    if not isinstance(meta, dict):
        return None
    mf = meta.get("mfcourse")
    if not isinstance(mf, dict):
        return None
    grade = mf.get("grade")
    return grade if isinstance(grade, dict) else None


def _cell_source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def graded_tests(nb, where: str = "notebook") -> list[GradedTest]:
    """The graded test cells of a solution notebook, validated.

    Raises :class:`ExerciseFormatError` if an id is missing, malformed or repeated, if points are
    not a positive integer, if a graded cell is not a code cell, contains solution markers, or
    carries nbval markers (which would let nbval skip the test or accept its failure).
    """
    tests: list[GradedTest] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        grade = grade_metadata(cell)
        if grade is None:
            continue
        here = f"{where}, cell {index}"
        if cell.get("cell_type") != "code":
            raise ExerciseFormatError(
                f"{here}: graded test metadata on a {cell.get('cell_type')!r} cell; "
                "only code cells can be graded tests"
            )
        test_id = grade.get("id")
        if not isinstance(test_id, str) or not TEST_ID.match(test_id):
            raise ExerciseFormatError(
                f"{here}: graded test id {test_id!r} is not allowed; use a non-empty string of "
                "letters, digits, '-', '_' or '.' (e.g. '11-w1-sorting-a')"
            )
        if test_id in seen:
            raise ExerciseFormatError(
                f"{here}: graded test id {test_id!r} already used by cell {seen[test_id]}; "
                "ids must be unique"
            )
        points = grade.get("points")
        if isinstance(points, bool) or not isinstance(points, int) or points < 1:
            raise ExerciseFormatError(
                f"{here}: points {points!r} of test {test_id!r} must be a positive integer"
            )
        source = _cell_source(cell)
        if any(_MARKER_LIKE.match(line) for line in source.splitlines()):
            raise ExerciseFormatError(
                f"{here}: graded test {test_id!r} contains a solution marker; "
                "keep solutions and tests in separate cells"
            )
        tags = cell.get("metadata", {}).get("tags", [])
        if _NBVAL_MARKER.search(source) or any(
            isinstance(t, str) and (t.startswith("nbval") or t == "raises-exception") for t in tags
        ):
            raise ExerciseFormatError(
                f"{here}: graded test {test_id!r} carries an nbval marker or tag; graded tests "
                "must run and pass plainly"
            )
        hidden = grade.get("hidden", False)
        if not isinstance(hidden, bool):
            raise ExerciseFormatError(f"{here}: 'hidden' of test {test_id!r} must be true or false")
        previous = grade.get("previous", [])
        if not isinstance(previous, list) or not all(
            isinstance(c, str) and c.startswith("sha256:") for c in previous
        ):
            raise ExerciseFormatError(
                f"{here}: 'previous' of test {test_id!r} must be a list of 'sha256:...' checksums"
            )
        seen[test_id] = index
        tests.append(
            GradedTest(test_id, points, index, cell.get("id"), source, hidden, tuple(previous))
        )
    return tests


def stub_line(exercise: str, indent: str) -> str:
    """The line that replaces a solution region (kept within the 100-character line length)."""
    for message in (
        f"Exercise {exercise}: write your solution here (and delete this line).",
        f"Exercise {exercise}: write your solution here.",
        "Write your solution here.",
    ):
        line = f'{indent}raise NotImplementedError("{message}")'
        if len(line) <= _MAX_LINE:
            return line
    return f'{indent}raise NotImplementedError("Write your solution here.")'


def strip_solutions(source: str, exercise: str, where: str = "cell") -> tuple[str, int]:
    """Replace each solution region of a code cell's source by a stub; return (source, #regions).

    Raises :class:`ExerciseFormatError` on a misspelt, nested or unbalanced marker.
    """
    out: list[str] = []
    regions = 0
    inside = False
    for lineno, line in enumerate(source.split("\n"), start=1):
        stripped = line.strip()
        if _MARKER_LIKE.match(line) and stripped not in (BEGIN_MARKER, END_MARKER):
            raise ExerciseFormatError(
                f"{where}, line {lineno}: {stripped!r} looks like a solution marker; write "
                f"exactly {BEGIN_MARKER!r} or {END_MARKER!r} on a line of its own"
            )
        if stripped == BEGIN_MARKER:
            if inside:
                raise ExerciseFormatError(
                    f"{where}, line {lineno}: {BEGIN_MARKER!r} inside a solution region"
                )
            inside = True
            regions += 1
            out.append(stub_line(exercise, line[: len(line) - len(line.lstrip())]))
        elif stripped == END_MARKER:
            if not inside:
                raise ExerciseFormatError(
                    f"{where}, line {lineno}: {END_MARKER!r} without a {BEGIN_MARKER!r} before it"
                )
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ExerciseFormatError(f"{where}: {BEGIN_MARKER!r} is never closed by {END_MARKER!r}")
    return "\n".join(out), regions


def check_note(exercise: str) -> str:
    """The paragraph that the build appends to the first cell of every student notebook."""
    short = exercise.split("_", 1)[0]
    return (
        "> **Check as you go.** In a code cell of this notebook, run\n"
        f'> `from mfcourse.grading import check; check("{short}")` (or one test:\n'
        f'> `check("<test id>")`). It runs the course\'s own graded tests of exercise {short} on\n'
        "> your current code, read from the course's solution notebook (so an edit to the test\n"
        "> cells here changes nothing), and prints for each test the verdict and message that\n"
        "> `mfcourse grade` would give."
    )


def build_student_notebook(
    solution_nb, exercise: str, where: str | None = None, keep_hidden: bool = False
):
    """The student notebook of a solution notebook (a new object; the input is not modified).

    Hidden tests (``"hidden": true``) are removed unless ``keep_hidden`` (the grader keeps them,
    so that every test sits at its index of the solution notebook)."""
    where = where or exercise
    if not EXERCISE_NAME.match(exercise):
        raise ExerciseFormatError(
            f"{where}: exercise name {exercise!r} must look like 'NN_name' (two digits: lecture "
            "digit and index, then an underscore and letters, digits or underscores)"
        )
    tests = graded_tests(solution_nb, where)
    if not tests:
        raise ExerciseFormatError(
            f"{where}: no graded test cell; mark at least one code cell with metadata "
            '{"mfcourse": {"grade": {"id": "<stable id>", "points": <int>}}}'
        )
    by_index = {t.index: t for t in tests}
    nb = copy.deepcopy(solution_nb)
    regions = 0
    for index, cell in enumerate(nb.cells):
        source = _cell_source(cell)
        if cell.cell_type != "code":
            if any(_MARKER_LIKE.match(line) for line in source.splitlines()):
                raise ExerciseFormatError(
                    f"{where}, cell {index}: solution markers in a {cell.cell_type} cell; "
                    "solution regions live in code cells"
                )
            continue
        cell.outputs = []
        cell.execution_count = None
        if index in by_index:
            test = by_index[index]
            grade = cell.metadata["mfcourse"]["grade"]
            grade.pop("previous", None)
            grade["checksum"] = test.checksum
            cell.metadata["editable"] = False
            cell.metadata["deletable"] = False
            continue
        cell.source, n = strip_solutions(source, exercise, f"{where}, cell {index}")
        regions += n
    if regions == 0:
        raise ExerciseFormatError(
            f"{where}: no solution region; mark the solution with lines {BEGIN_MARKER!r} and "
            f"{END_MARKER!r} in a code cell"
        )
    if nb.cells and nb.cells[0].cell_type == "markdown":
        nb.cells[0].source = nb.cells[0].source.rstrip("\n") + "\n\n" + check_note(exercise)
    else:
        raise ExerciseFormatError(
            f"{where}: the first cell must be a markdown cell (title and statement); the build "
            "adds the check-as-you-go note to it"
        )
    if not keep_hidden:
        hidden = {t.index for t in tests if t.hidden}
        nb.cells = [c for i, c in enumerate(nb.cells) if i not in hidden]
    nb.metadata["mfcourse"] = {
        "exercise": exercise,
        "generated_from": f"solutions/{exercise}.ipynb",
        "note": "Generated by `mfcourse exercises build`; authors edit the solution notebook.",
    }
    return nb


def render(nb) -> str:
    """The exact text written for a notebook (nbformat's serialisation plus a final newline)."""
    return nbformat.writes(nb, version=4) + "\n"


def default_exercises_dir() -> Path:
    """``./exercises`` if it exists, else the course checkout's ``exercises/``."""
    here = Path.cwd() / "exercises"
    if here.is_dir():
        return here
    from mfcourse.info import course_root

    return course_root() / "exercises"


def _defined_names(tree) -> set[str]:
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                out.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
    return out


def _used_names(tree) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def tests_blind_to_the_stub(solution_nb, where: str = "notebook") -> list[str]:
    """Graded tests that cannot fail on the stub, found without a kernel.

    The student writes the names defined in the code cells holding solution regions (functions,
    classes, variables). A graded test that uses none of them -- directly or through a helper
    function of the notebook that uses one -- does not exercise the student's code, so it passes
    on the stub. Returns one message per such test.
    """
    student_names: set[str] = set()
    helpers: dict[str, set[str]] = {}
    for cell in solution_nb.cells:
        if cell.get("cell_type") != "code" or grade_metadata(cell) is not None:
            continue
        source = _cell_source(cell)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        if BEGIN_MARKER in source:
            student_names |= _defined_names(tree)
        else:
            for node in tree.body:
                if isinstance(node, ast.FunctionDef | ast.ClassDef):
                    helpers[node.name] = _used_names(node)
    reach = set(student_names)
    for _ in range(3):  # helpers that call the student's code, transitively
        reach |= {h for h, used in helpers.items() if used & reach}
    problems = []
    for test in graded_tests(solution_nb, where):
        try:
            used = _used_names(ast.parse(test.source))
        except SyntaxError as exc:
            problems.append(f"{where}: graded test {test.id!r} is not valid Python: {exc}")
            continue
        if not used & reach:
            problems.append(
                f"{where}: graded test {test.id!r} uses none of the names the student writes "
                f"({', '.join(sorted(student_names)) or 'none'}): it passes on the stub"
            )
    return problems


@dataclass
class BuildReport:
    """What a build (or a check) found: files written / out of sync, and problems."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    out_of_sync: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.out_of_sync


def solution_notebooks(exercises_dir: Path) -> list[Path]:
    """The solution notebooks of an exercises folder, sorted by name."""
    return sorted((Path(exercises_dir) / "solutions").glob("*.ipynb"))


def expected_student_text(solution_path: Path) -> str:
    """The text ``mfcourse exercises build`` writes for one solution notebook."""
    solution_path = Path(solution_path)
    try:
        nb = nbformat.read(solution_path, as_version=4)
    except Exception as exc:  # malformed JSON, unreadable file, ...
        raise ExerciseFormatError(f"{solution_path}: cannot read the notebook: {exc}") from exc
    return render(build_student_notebook(nb, solution_path.stem, where=str(solution_path)))


def build_all(
    exercises_dir: Path | None = None,
    check: bool = False,
    out: Callable[[str], None] | None = print,
) -> BuildReport:
    """Build (or, with ``check=True``, only compare) every student notebook of an exercises folder.

    Also reports graded test ids used by two exercises and student notebooks without a solution.
    """
    exercises_dir = Path(exercises_dir) if exercises_dir is not None else default_exercises_dir()
    say = out or (lambda _msg: None)
    report = BuildReport()
    owners: dict[str, str] = {}
    solutions = solution_notebooks(exercises_dir)
    for sol in solutions:
        target = exercises_dir / sol.name
        try:
            text = expected_student_text(sol)
            for problem in tests_blind_to_the_stub(nbformat.read(sol, as_version=4), str(sol)):
                raise ExerciseFormatError(problem)
            for test in graded_tests(nbformat.reads(text, as_version=4), str(sol)):
                if test.id in owners:
                    raise ExerciseFormatError(
                        f"{sol}: graded test id {test.id!r} is also used by {owners[test.id]}; "
                        "ids must be unique across the course (prefix them with NN)"
                    )
                owners[test.id] = sol.stem
        except ExerciseFormatError as exc:
            report.problems.append(str(exc))
            say(f"error: {exc}")
            continue
        current = target.read_bytes().decode("utf-8", "replace") if target.exists() else None
        if current == text:
            report.unchanged.append(target)
            say(f"up to date  {display_path(target)}")
        elif check:
            report.out_of_sync.append(target)
            state = "missing" if current is None else "out of sync"
            say(f"{state:<11} {display_path(target)} (run `mfcourse exercises build`)")
        else:
            target.write_text(text, encoding="utf-8")
            report.written.append(target)
            say(f"wrote       {display_path(target)}")
    names = {s.stem for s in solutions}
    for student in sorted(exercises_dir.glob("*.ipynb")):
        if student.stem not in names and re.search(r"(-Copy\d+$)|(^Untitled)", student.stem):
            say(f"skipped     {display_path(student)} (a JupyterLab copy or untitled notebook)")
            continue
        if student.stem not in names:
            msg = (
                f"{display_path(student)} has no solution notebook solutions/{student.name}; "
                "author exercises as solution notebooks (then build), or delete it"
            )
            report.problems.append(msg)
            say(f"error: {msg}")
    if not solutions:
        say(f"no solution notebooks in {display_path(exercises_dir / 'solutions')}")
    return report


def check_all(exercises_dir: Path | None = None, out=print) -> BuildReport:
    """Compare the student notebooks with what the build would write (nothing is written)."""
    return build_all(exercises_dir, check=True, out=out)


def display_path(path: Path) -> str:
    """``path`` relative to the current folder when it lies inside it, else as given."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
