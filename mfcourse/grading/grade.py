r"""``mfcourse grade``: grade student notebooks against the course's pristine graded tests.

For each exercise of the course (the *roster*: every ``NN_name.ipynb`` of the solutions folder,
so that a new exercise joins automatically):

1. **Find the student's notebook.** An exercise is identified by the notebook's *file stem*
   ``NN_name``; the notebook's ``metadata.mfcourse.exercise`` (written by ``mfcourse exercises
   build``) may only confirm it: a notebook that says it is another exercise is reported and scores
   0 (a copy of exercise 41 saved as ``11_w1_by_sorting.ipynb`` does not count as 11 or as 41).
   Two notebooks for one exercise are both rejected (0 points, reported); an exercise without a
   notebook is listed with 0 points; so the report always shows the full roster and its maximum.
   JupyterLab's ``*-Copy1.ipynb`` duplicates and ``Untitled*.ipynb`` are skipped with a note.
2. **Restore the tests.** The graded tests (id, points, source) are read from the solution
   notebook; every cell carrying a known test id is replaced by the pristine cell (an edited source
   is *restored*; it is *updated* only if its checksum is one the course's solution lists as an
   earlier version of that test -- a checksum stored in the student's file proves nothing); a
   deleted test is *re-inserted* after the nearest preceding pristine cell still present;
   duplicates are dropped and unknown ids lose their grade. Outputs and cell metadata of the
   student's own cells are dropped. In teacher mode (``--teacher``, implied by ``--roster``) the
   *hidden tests* of the solution (``"hidden": true``, never in student notebooks) are added too.
3. **Run it** in a temporary copy of the student's folder (data files, sub-folders included; the
   student's files are never modified) on a fresh kernel, through the worker
   :mod:`mfcourse.grading.runner`, which sends each code cell to the kernel and *observes* the
   kernel's execute reply to it. The worker's observations come back over a signed channel; the
   kernel has no file, path or object through which it could report a result.
4. **Score it.** A test scores its points if its cell was observed to run without an exception,
   0 otherwise (failure, timeout, dead kernel, not run, or a run that ended early: whatever was not
   positively observed scores 0).

Anything that prevents grading one notebook (missing file, malformed JSON, no solution notebook,
kernel that does not start or dies) is reported with a clear message, scores 0 for what it
affects, and grading continues with the other notebooks.
"""

from __future__ import annotations

import copy
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from mfcourse.grading.build import (
    EXERCISE_NAME,
    GradedTest,
    build_student_notebook,
    default_exercises_dir,
    display_path,
    grade_metadata,
    graded_tests,
    source_checksum,
)
from mfcourse.grading.feedback import cell_line_from_traceback, failure_message, strip_ansi
from mfcourse.grading.runner import make_undumpable, sign

#: Seconds allowed for starting the worker and a kernel, on top of the per-cell timeouts.
STARTUP_BUDGET = 90.0
#: Seconds after a cell's timeout at which its kernel is killed if the interrupt did not stop it.
WATCHDOG = 5.0
#: Extra seconds per cell on top of ``timeout`` in the hard budget of a notebook.
PER_CELL_SLACK = WATCHDOG + 5.0
_CELL_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")
_MAX_COPIED_FILE = 10 * 1024 * 1024
_MAX_COPIED_TOTAL = 100 * 1024 * 1024
_MAX_COPIED_FILES = 2000
_NOT_COPIED = {"__pycache__", "venv", "env", "node_modules", "site-packages", "solutions"}
#: JupyterLab's "Duplicate" copies and new notebooks: never exercises, skipped with a note.
_DUPLICATE = re.compile(r"(-Copy\d+$)|(^Untitled\d*(-Copy\d+)?$)")


@dataclass
class TestResult:
    """The score of one graded test."""

    id: str
    max_points: int
    points: int = 0
    status: str = "not run"  # passed | failed | timeout | kernel died | not run
    message: str = ""
    details: str = ""
    duration: float = 0.0
    hidden: bool = False

    __test__ = False  # not a pytest test class

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass
class Restoration:
    """A change made to the student's notebook before running it."""

    id: str
    action: str  # restored | updated | reinserted | duplicate removed | unknown id ignored
    detail: str


@dataclass
class ExerciseResult:
    """The grading of one exercise (one student notebook, or none)."""

    notebook: str
    exercise: str
    solution: str | None = None
    tests: list[TestResult] = field(default_factory=list)
    restorations: list[Restoration] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)
    duration: float = 0.0
    hidden_tests: int = 0  # hidden tests of the course for this exercise (not run for students)

    @property
    def points(self) -> int:
        return sum(t.points for t in self.tests)

    @property
    def max_points(self) -> int:
        return sum(t.max_points for t in self.tests)

    @property
    def passed(self) -> bool:
        return bool(self.tests) and not self.errors and all(t.passed for t in self.tests)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(points=self.points, max_points=self.max_points, passed=self.passed)
        for t, td in zip(self.tests, d["tests"], strict=True):
            td["passed"] = t.passed
        return d


# --------------------------------------------------------------------------- discovery


def roster(solutions_dir: Path) -> list[str]:
    """The course's exercises: the stems ``NN_name`` of the solution notebooks, sorted."""
    return sorted(
        p.stem for p in Path(solutions_dir).glob("*.ipynb") if EXERCISE_NAME.match(p.stem)
    )


def is_duplicate_name(path: Path) -> bool:
    """JupyterLab's ``X-Copy1.ipynb`` or ``Untitled*.ipynb``: not an exercise, skipped."""
    return bool(_DUPLICATE.search(Path(path).stem))


def discover(
    paths: Sequence[Path],
    exercises_dir: Path | None = None,
    solutions_dir: Path | None = None,
    notes: list[str] | None = None,
) -> list[Path]:
    """Student notebooks to grade: the given files, the ``*.ipynb`` of given folders, or (no paths)
    every notebook of ``exercises_dir``. JupyterLab copies and ``Untitled`` notebooks found in
    folders are skipped (a note is appended to ``notes``)."""
    if not paths:
        exercises_dir = Path(exercises_dir) if exercises_dir else default_exercises_dir()
        paths = [exercises_dir]
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for q in sorted(q for q in p.glob("*.ipynb") if q.is_file()):
                if is_duplicate_name(q):
                    if notes is not None:
                        notes.append(
                            f"skipped {display_path(q)}: a JupyterLab copy or an untitled "
                            "notebook, not an exercise (rename it NN_name.ipynb to grade it)"
                        )
                    continue
                out.append(q)
        else:
            out.append(p)
    return out


# --------------------------------------------------------------------------- restoration


def _text(source) -> str:
    if isinstance(source, list):
        return "".join(str(s) for s in source)
    return source if isinstance(source, str) else ""


def read_student_json(path: Path) -> dict:
    """The raw JSON of a student notebook; ``ValueError`` with a readable message if not one."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ValueError(f"notebook not found: {path}") from None
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{path} is not valid notebook JSON: {exc.msg} at line {exc.lineno}, column "
            f"{exc.colno} (a merge conflict or a hand edit?). Restore it from git, or rebuild it "
            "and copy your solutions back in."
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ValueError(f"{path} is JSON but not a Jupyter notebook (no list of cells)")
    return data


def claimed_exercise(data: dict | None) -> str | None:
    """The exercise named by ``metadata.mfcourse.exercise`` (``None`` if absent or malformed)."""
    if isinstance(data, dict):
        meta = data.get("metadata")
        mf = meta.get("mfcourse") if isinstance(meta, dict) else None
        name = mf.get("exercise") if isinstance(mf, dict) else None
        if isinstance(name, str) and name:
            return name[:80]
    return None


def _first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            s = line.strip()
            return s if len(s) <= 60 else s[:57] + "..."
    return "(empty)"


@dataclass
class Restored:
    """The notebook to run, what was changed, and how to name its code cells to the student."""

    nb: object
    restorations: list[Restoration]
    test_of_code_cell: dict[int, str]
    labels: list[str]  # per code cell: "cell 5 (`def mul(a, b):`)" as the student sees it

    def __iter__(self):  # (nb, restorations, test_of_code_cell), as before
        return iter((self.nb, self.restorations, self.test_of_code_cell))


def restore(data: dict, pristine_nb, tests: list[GradedTest]) -> Restored:
    """The notebook to run: the student's cells with the pristine graded tests put back.

    ``tests`` are the tests to run (in teacher mode the hidden ones too); ``pristine_nb`` has every
    test at its index in the solution notebook. ``test_of_code_cell`` maps the index of a code cell
    to the id of the graded test it holds.
    """
    by_id = {t.id: t for t in tests}
    by_source = {t.source: t for t in tests if not t.hidden}
    restorations: list[Restoration] = []
    cells: list = []
    holds: list[str | None] = []  # test id held by each output cell
    origin: list[int | None] = []  # position (from 1) of the cell in the student's notebook
    seen: set[str] = set()
    for position, raw in enumerate(data["cells"], start=1):
        if not isinstance(raw, dict):
            continue
        ctype, source = raw.get("cell_type"), _text(raw.get("source", ""))
        grade = grade_metadata(raw)
        gid = grade.get("id") if grade else None
        gid = gid if isinstance(gid, str) else None
        test = by_id.get(gid) if gid else None
        if test is not None and test.hidden:
            test = None  # a student cannot carry a hidden test
        if test is None and gid is None and ctype == "code" and source in by_source:
            test = by_source[source]
            if test.id in seen:
                test = None
            else:
                restorations.append(
                    Restoration(test.id, "restored", "its grade metadata had been removed")
                )
        if test is not None:
            if test.id in seen:
                restorations.append(
                    Restoration(test.id, "duplicate removed", "a second cell carried this id")
                )
                continue
            seen.add(test.id)
            if ctype != "code" or source != test.source:
                if ctype == "code" and source_checksum(source) in test.previous:
                    restorations.append(
                        Restoration(
                            test.id,
                            "updated",
                            "the course changed this test since your copy was built; the current "
                            "version was run",
                        )
                    )
                else:
                    what = "edited" if ctype == "code" else f"turned into a {ctype} cell"
                    restorations.append(
                        Restoration(
                            test.id, "restored", f"the test cell was {what}; the original ran"
                        )
                    )
            cells.append(copy.deepcopy(pristine_nb.cells[test.index]))
            holds.append(test.id)
            origin.append(position)
            continue
        if gid is not None:
            restorations.append(
                Restoration(
                    gid,
                    "unknown id ignored",
                    "not a graded test of this exercise; run as your code",
                )
            )
        if ctype == "code":
            cell = new_code_cell(source)
        elif ctype == "markdown":
            cell = new_markdown_cell(source)
        elif ctype == "raw":
            cell = new_raw_cell(source)
        else:
            continue
        cid = raw.get("id")
        if isinstance(cid, str) and _CELL_ID.match(cid):
            cell["id"] = cid
        cells.append(cell)
        holds.append(None)
        origin.append(position)

    # re-insert deleted tests (and, in teacher mode, add the hidden ones) after the nearest
    # preceding pristine cell still present
    for test in tests:
        if test.id in seen:
            continue
        position, anchor = len(cells), "at the end of the notebook"
        for j in range(test.index - 1, -1, -1):
            ref = pristine_nb.cells[j]
            k = _find(cells, ref)
            if k is not None:
                position, anchor = k + 1, f"after pristine cell {j}"
                break
        cells.insert(position, copy.deepcopy(pristine_nb.cells[test.index]))
        holds.insert(position, test.id)
        origin.insert(position, None)
        seen.add(test.id)
        if test.hidden:
            restorations.append(Restoration(test.id, "hidden test added", f"run {anchor}"))
        else:
            restorations.append(
                Restoration(
                    test.id, "reinserted", f"the test cell was deleted; re-inserted {anchor}"
                )
            )

    used: set[str] = set()
    for i, cell in enumerate(cells):
        cid = cell.get("id")
        if not cid or cid in used:
            cid = f"mfcourse-grade-{i}"
            cell["id"] = cid
        used.add(cid)
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    nb.metadata["language_info"] = {"name": "python"}
    test_of_code_cell: dict[int, str] = {}
    labels: list[str] = []
    for cell, tid, pos in zip(cells, holds, origin, strict=True):
        if cell.cell_type == "code":
            if tid is not None:
                test_of_code_cell[len(labels)] = tid
            where = f"cell {pos}" if pos else "a re-inserted cell"
            labels.append(f"{where} (`{_first_line(cell.source)}`)")
    return Restored(nb, restorations, test_of_code_cell, labels)


def _find(cells, ref) -> int | None:
    """Index of the cell matching a pristine cell: same cell id, else same non-empty source."""
    rid = ref.get("id")
    if rid:
        for k, cell in enumerate(cells):
            if cell.get("id") == rid:
                return k
    if ref.source.strip():
        for k, cell in enumerate(cells):
            if cell.cell_type == ref.cell_type and cell.source == ref.source:
                return k
    return None


# --------------------------------------------------------------------------- execution


def _copy_folder(src_dir: Path, dst: Path) -> list[str]:
    """Copy the student's data files next to the graded copy: sub-folders included (three levels
    deep), notebooks, links, hidden folders, virtual environments and ``solutions/`` excluded, at
    most 10 MB a file, 100 MB and 2000 files in all. Returns notes on what was left out."""
    notes: list[str] = []
    skipped: list[str] = []
    total = count = 0
    src_dir = Path(src_dir).resolve()
    for root, dirs, files in os.walk(src_dir):  # top-down: the pruning below applies
        rel = Path(root).relative_to(src_dir)
        dirs[:] = (
            []
            if len(rel.parts) >= 3
            else [d for d in dirs if d not in _NOT_COPIED and not d.startswith(".")]
        )
        for name in files:
            p = Path(root) / name
            if p.suffix == ".ipynb" or name.startswith(".") or p.is_symlink():
                continue
            try:
                size = p.stat().st_size
                if (
                    size > _MAX_COPIED_FILE
                    or total + size > _MAX_COPIED_TOTAL
                    or count >= (_MAX_COPIED_FILES)
                ):
                    skipped.append(str(rel / name))
                    continue
                (dst / rel).mkdir(parents=True, exist_ok=True)
                shutil.copy2(p, dst / rel / name)
                total += size
                count += 1
            except OSError:
                continue
    if skipped:
        notes.append(
            f"{len(skipped)} data file(s) not copied to the grading folder (over 10 MB, or past "
            f"100 MB or 2000 files in all): {', '.join(skipped[:5])}"
            + (", ..." if len(skipped) > 5 else "")
        )
    return notes


@dataclass
class _Job:
    """A prepared notebook: what to run and how to read the results back."""

    result: ExerciseResult
    path: Path | None
    nb: object = None
    test_of_cell: dict = field(default_factory=dict)
    labels: list = field(default_factory=list)
    sources: dict = field(default_factory=dict)  # test id -> pristine source
    workdir: Path | None = None
    records: list = field(default_factory=list)
    stopped: str = ""
    forged: bool = False
    finished: bool = False
    label: str = ""  # student name in a batch

    @property
    def code(self) -> list[str]:
        return [c.source for c in self.nb.cells if c.cell_type == "code"]


class _Worker:
    """One ``python -m mfcourse.grading.runner`` process and its signed channel."""

    def __init__(self, jobs: list[_Job], scratch: Path, timeout: float, fail_fast: bool = False):
        import queue

        self.key = secrets.token_bytes(32)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env.update(
            MPLBACKEND="Agg",
            IPYTHONDIR=str(scratch / "ipython"),
            JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
            PYTHONDONTWRITEBYTECODE="1",
        )
        self.log = open(scratch / "worker.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mfcourse.grading.runner"],
            cwd=str(scratch),
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            start_new_session=True,
        )
        spec = {
            "timeout": timeout,
            "watchdog": WATCHDOG,
            "jobs": [
                {
                    "dir": str(j.workdir),
                    "cells": j.code,
                    "tests": sorted(j.test_of_cell),
                    "fail_fast": fail_fast,
                }
                for j in jobs
            ],
        }
        try:
            self.proc.stdin.write(self.key.hex().encode() + b"\n")
            self.proc.stdin.write(json.dumps(spec).encode() + b"\n")
            self.proc.stdin.close()
        except OSError:
            pass
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def verify(self, line: bytes, last_seq: int) -> dict | None:
        """The record of a line signed by this worker with a later number, else ``None``."""
        try:
            mac, payload = line.rstrip(b"\n").split(b" ", 1)
            if not hmac.compare_digest(mac.decode(), sign(self.key, payload)):
                return None
            rec = json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(rec, dict) or not isinstance(rec.get("seq"), int):
            return None
        return rec if rec["seq"] > last_seq else None

    def kill(self, kernel_pids: list[int]) -> None:
        _kill(self.proc.pid, group=True)
        for pid in kernel_pids:
            _kill(pid, group=True)
            _kill(pid, group=False)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.log.close()


def _kill(pid: int, group: bool) -> None:
    try:
        if group:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def run_jobs(
    jobs: list[_Job],
    scratch: Path,
    timeout: float,
    on_start: Callable[[_Job], None] | None = None,
    on_end: Callable[[_Job], None] | None = None,
    fail_fast: bool = False,
) -> None:
    """Run the prepared notebooks, one fresh kernel each, and store in each job what the worker
    observed (``job.records``), whether its run was stopped early (``job.stopped``) and whether
    forged lines reached the channel while it ran (``job.forged``).

    One worker runs the notebooks in turn; if it ends before a notebook is finished (the graded
    code killed it, or the notebook's time budget ran out), that notebook keeps only what had been
    observed and a new worker runs the rest.
    """
    import queue

    make_undumpable()
    pending = list(jobs)
    while pending:
        worker = _Worker(pending, scratch, timeout, fail_fast)
        current: _Job | None = None
        last: _Job | None = None  # the notebook that ran last (its kernel may still be there)
        deadline = time.monotonic() + STARTUP_BUDGET
        last_seq = 0
        kernels: list[int] = []
        ended: set[int] = set()
        why = ""
        while True:
            try:
                line = worker.lines.get(timeout=0.2)
            except queue.Empty:
                if time.monotonic() > deadline:
                    why = "grading stopped after this notebook's time budget"
                    break
                continue
            if line is None:
                break
            rec = worker.verify(line, last_seq)
            if rec is None:  # not signed by the worker: written by a kernel
                _mark_forged(current or last or pending[0])
                continue
            last_seq = rec["seq"]
            k = rec.get("job")
            job = pending[k] if isinstance(k, int) and 0 <= k < len(pending) else None
            event = rec.get("event")
            if event == "done":
                break
            if job is None:
                continue
            if event == "start":
                current = last = job
                n_code = len(job.code)
                deadline = time.monotonic() + STARTUP_BUDGET + n_code * (timeout + PER_CELL_SLACK)
                if on_start:
                    on_start(job)
            elif event == "kernel" and isinstance(rec.get("pid"), int):
                kernels.append(rec["pid"])
            elif event == "end":
                ended.add(k)
                job.records.append(rec)
                if on_end:
                    on_end(job)
                current = None
                deadline = time.monotonic() + STARTUP_BUDGET
                continue
            job.records.append(rec)
        worker.kill(kernels)
        started = [j for j in pending if any(r.get("event") == "start" for r in j.records)]
        if current is not None:
            current.stopped = why or (
                "the grading run ended while this notebook was running (did the graded code kill "
                "the grading process?)"
            )
            if on_end:
                on_end(current)
        done_upto = max((pending.index(j) for j in started), default=-1)
        if done_upto < 0:  # the worker did not even start: do not retry forever
            pending[0].stopped = why or "the grading worker could not start"
            tail = _log_tail(scratch / "worker.log")
            if tail:
                pending[0].stopped += f"; last lines of its log:\n{tail}"
            if on_end:
                on_end(pending[0])
            done_upto = 0
        pending = pending[done_upto + 1 :]


def _mark_forged(job: _Job) -> None:
    """Forged lines reached the channel while ``job`` ran (or just after): it scores 0."""
    if job.forged:
        return
    job.forged = True
    if job.finished:  # already scored: take the points back
        _forged_zero(job.result)


def _forged_zero(result: ExerciseResult) -> None:
    result.errors.append(
        "forged lines reached the grading channel while this notebook ran: the channel was "
        "tampered with, so this notebook scores 0"
    )
    for t in result.tests:
        if t.status == "passed":
            t.status, t.message = "failed", "not counted: the grading channel was tampered with"
        t.points = 0


def _log_tail(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-1500:].strip()
    except OSError:
        return ""


# --------------------------------------------------------------------------- grading


def prepare(
    path: Path | None,
    exercise: str,
    solutions_dir: Path,
    teacher: bool = False,
) -> _Job:
    """Read a student notebook and its exercise's solution and restore the tests (no kernel yet).

    ``exercise`` is the notebook's file stem (the caller checked it); a notebook whose metadata
    names another exercise is not run (0 points, reported). Problems are recorded in the result's
    ``errors``; then ``job.nb`` is ``None``.
    """
    result = ExerciseResult(
        notebook=display_path(path) if path is not None else "(missing)", exercise=exercise
    )
    job = _Job(result=result, path=path)
    solution = Path(solutions_dir) / f"{exercise}.ipynb"
    if not solution.is_file():
        result.errors.append(
            f"no solution notebook for exercise {exercise!r}: looked for "
            f"{display_path(solution)}. Grading needs the course's solution notebooks (they hold "
            "the pristine tests): is the notebook named like the course's exercise "
            "(NN_name.ipynb), and is --solutions right?"
        )
        return job
    result.solution = display_path(solution)
    try:
        sol_nb = nbformat.read(solution, as_version=4)
        all_tests = graded_tests(sol_nb, str(solution))
        pristine = build_student_notebook(sol_nb, exercise, where=str(solution), keep_hidden=True)
    except Exception as exc:  # malformed solution JSON, format errors, ...
        result.errors.append(f"the solution notebook {solution} cannot be used: {exc}")
        return job
    tests = [t for t in all_tests if teacher or not t.hidden]
    result.hidden_tests = sum(t.hidden for t in all_tests)
    result.tests = [TestResult(id=t.id, max_points=t.points, hidden=t.hidden) for t in tests]
    job.sources = {t.id: t.source for t in tests}
    if path is None:
        result.errors.append(
            f"no notebook for exercise {exercise}: 0 points (expected {exercise}.ipynb)"
        )
        for t in result.tests:
            t.message = "not graded: the notebook is missing"
        return job
    try:
        data = read_student_json(Path(path))
    except ValueError as exc:
        result.errors.append(str(exc))
        for t in result.tests:
            t.message = "not graded: the notebook could not be read"
        return job
    claimed = claimed_exercise(data)
    if claimed is not None and claimed != exercise:
        result.errors.append(
            f"{display_path(path)} says it is exercise {claimed!r} (its metadata) but is named "
            f"{exercise}: a notebook counts only for the exercise of its file name, and this one "
            "is another exercise's notebook, so it scores 0 here. Put your work for "
            f"{exercise} in {exercise}.ipynb (rebuilt from the course if needed)."
        )
        for t in result.tests:
            t.message = "not graded: this notebook belongs to another exercise"
        return job
    restored = restore(data, pristine, tests)
    job.nb, result.restorations, job.test_of_cell = (
        restored.nb,
        restored.restorations,
        (restored.test_of_code_cell),
    )
    job.labels = restored.labels
    return job


def _timeout_text(timeout: float) -> str:
    return f"{timeout:.3g}"


def _finish(job: _Job, timeout: float) -> None:
    """Score a job from what the worker observed: a test passes only if its cell was observed to
    run without an exception; everything not observed scores 0."""
    if job.finished:
        return
    result = job.result
    by_id = {t.id: t for t in result.tests}
    observed: dict[int, dict] = {}
    for rec in job.records:
        n = rec.get("cell")
        if rec.get("event") == "cell" and isinstance(n, int) and n not in observed:
            observed[n] = rec
    starts = [r["t"] for r in job.records if r.get("event") == "start" and "t" in r]
    ends = [r["t"] for r in job.records if "t" in r]
    result.duration = max(0.0, max(ends) - min(starts)) if starts and ends else 0.0
    for rec in job.records:
        if rec.get("event") == "error":
            result.errors.append(str(rec.get("message", "the notebook could not be run")))
    if job.stopped:
        result.errors.append(job.stopped)
    for n, source in enumerate(job.code):
        rec = observed.get(n)
        tid = job.test_of_cell.get(n)
        label = job.labels[n] if n < len(job.labels) else f"code cell {n + 1}"
        if tid is None:
            if rec and rec.get("status") not in ("passed", "not run"):
                if len(result.cell_errors) < 5:
                    msg = _describe(rec, source, timeout, test=False).splitlines()[0]
                    result.cell_errors.append(f"{label}: {msg}")
            continue
        t = by_id[tid]
        if rec is None:
            t.status, t.points = "not run", 0
            t.message = "not run: grading of this notebook stopped before this test"
            continue
        t.duration = float(rec.get("duration", 0.0) or 0.0)
        status = rec.get("status")
        if status == "passed":
            t.status, t.points, t.message = "passed", t.max_points, ""
            continue
        t.points = 0
        if status in ("failed", "timeout", "kernel died", "not run"):
            t.status = status
            t.message = _describe(rec, source, timeout, test=True)
            t.details = "\n".join(strip_ansi(x) for x in rec.get("traceback", []))[-4000:]
        else:
            t.status, t.message = "failed", "no outcome observed"
    for t in result.tests:
        if t.status == "not run" and not t.message:
            t.message = "not run: grading of this notebook stopped before this test"
    if job.forged:
        _forged_zero(result)
    job.finished = True


def _describe(rec: dict, source: str, timeout: float, test: bool) -> str:
    status = rec.get("status")
    if status == "timeout":
        text = f"timed out after {_timeout_text(timeout)} s (an infinite loop? too slow?)"
        if rec.get("killed"):
            text += (
                "; the code ignored the interrupt, so the grader stopped its kernel "
                "(later cells did not run)"
            )
        return text
    if status == "kernel died":
        return "the kernel died while running this cell (os._exit, exit(), a crash, or killed)"
    if status == "not run":
        return f"not run: {rec.get('why', 'an earlier cell stopped the kernel')}"
    lineno = cell_line_from_traceback(rec.get("traceback", []))
    return failure_message(
        str(rec.get("ename", "Error")),
        strip_ansi(str(rec.get("evalue", ""))),
        source if test else "",
        lineno,
    )


def _summary_line(i: int, n: int, res: ExerciseResult, who: str = "") -> str:
    head = f"[{i}/{n}] {who + ': ' if who else ''}{res.notebook} ({res.exercise}): "
    if res.tests:
        n_ok = sum(t.passed for t in res.tests)
        head += f"{res.points}/{res.max_points} points, {n_ok}/{len(res.tests)} tests passed"
    else:
        head += "not graded"
    if res.restorations:
        head += f", {len(res.restorations)} test cell(s) restored"
    if res.errors:
        head += f" -- {res.errors[0].splitlines()[0]}"
    return head + f" ({res.duration:.1f} s)"


def plan(
    notebooks: Sequence[Path], solutions_dir: Path, teacher: bool = False
) -> tuple[list[_Job], list[str]]:
    """One job per exercise of the roster (missing ones included) plus one per notebook that is
    not an exercise of the course; duplicates rejected. Returns (jobs, notes)."""
    notes: list[str] = []
    course = roster(solutions_dir)
    by_stem: dict[str, list[Path]] = {}
    for p in notebooks:
        by_stem.setdefault(Path(p).stem, []).append(Path(p))
    jobs: list[_Job] = []
    for name in course + sorted(set(by_stem) - set(course)):
        found = by_stem.get(name, [])
        if len(found) > 1:
            job = prepare(None, name, solutions_dir, teacher)
            job.result.notebook = ", ".join(display_path(p) for p in found)
            job.result.errors = [
                f"{len(found)} notebooks for exercise {name}: "
                + ", ".join(display_path(p) for p in found)
                + ". Each exercise is graded from exactly one notebook: keep one, so this "
                "exercise scores 0"
            ]
            for t in job.result.tests:
                t.message = "not graded: several notebooks for this exercise"
            jobs.append(job)
            continue
        jobs.append(prepare(found[0] if found else None, name, solutions_dir, teacher))
    return jobs, notes


def grade_students(
    students: dict[str, Sequence[Path]],
    solutions_dir: Path | None = None,
    timeout: float = 60.0,
    progress: Callable[[str], None] | None = None,
    teacher: bool = False,
    notes: list[str] | None = None,
    fail_fast: bool = False,
    notes_by_student: dict[str, list[str]] | None = None,
) -> dict[str, list[ExerciseResult]]:
    """Grade several students at once (one run for all): ``students`` maps a name to its
    notebooks or folders. Returns, per student, one result per exercise of the roster (plus
    notebooks that are not exercises of the course). ``fail_fast``: stop each notebook at its
    first failing graded test (the later tests score 0, "not run")."""
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    solutions_dir = Path(solutions_dir) if solutions_dir else default_exercises_dir() / "solutions"
    say = progress or (lambda _m: None)
    notes = notes if notes is not None else []
    own: dict[str, list[str]] = notes_by_student if notes_by_student is not None else {}
    plans: dict[str, list[_Job]] = {}
    for who, paths in students.items():
        mine = own.setdefault(who, [])
        found = discover(paths, None, solutions_dir, mine)
        if not found:
            where = ", ".join(display_path(Path(p)) for p in paths)
            mine.append(f"no student notebooks found in {where}: every exercise scores 0")
        jobs, more = plan(found, solutions_dir, teacher)
        mine.extend(more)
        for j in jobs:
            j.label = who
        plans[who] = jobs
    every = [j for jobs in plans.values() for j in jobs]
    n = len(every)
    runnable = [j for j in every if j.nb is not None]
    index = {id(j): i for i, j in enumerate(every, start=1)}
    multi = len(students) > 1
    for j in every:
        if j.nb is None:
            say(_summary_line(index[id(j)], n, j.result, j.label if multi else ""))
    if runnable:
        scratch = Path(tempfile.mkdtemp(prefix="mfcourse-grade-"))
        try:
            for k, job in enumerate(runnable):
                job.workdir = scratch / f"nb{k:03d}"
                job.workdir.mkdir()
                for note in _copy_folder(job.path.parent, job.workdir):
                    own[job.label].append(f"{display_path(job.path)}: {note}")
                nbformat.write(job.nb, job.workdir / f"{job.result.exercise}.ipynb")

            def on_start(job: _Job) -> None:
                who = job.label + ": " if multi else ""
                say(f"[{index[id(job)]}/{n}] grading {who}{job.result.notebook} ...")

            def on_end(job: _Job) -> None:
                _finish(job, timeout)
                say(_summary_line(index[id(job)], n, job.result, job.label if multi else ""))

            run_jobs(runnable, scratch, timeout, on_start, on_end, fail_fast)
            for job in runnable:  # never started (cannot happen unless a run broke down)
                if not job.records and not job.stopped:
                    job.stopped = "not run: the grading run ended before this notebook"
                    _finish(job, timeout)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    for who in students:
        notes.extend(f"{who}: {n}" if multi else n for n in own.get(who, []))
    return {who: [j.result for j in jobs] for who, jobs in plans.items()}


def grade_notebooks(
    paths: Sequence[Path] = (),
    solutions_dir: Path | None = None,
    timeout: float = 60.0,
    progress: Callable[[str], None] | None = None,
    teacher: bool = False,
    notes: list[str] | None = None,
) -> list[ExerciseResult]:
    """Grade one student's notebooks (see the module docstring); one :class:`ExerciseResult` per
    exercise of the roster. ``paths``: notebooks or folders (default: ``exercises/``)."""
    if not paths:
        paths = [default_exercises_dir()]
    return grade_students({"": list(paths)}, solutions_dir, timeout, progress, teacher, notes)[""]


def _check_output(path: Path | None, what: str, is_dir: bool = False) -> str | None:
    """Why ``path`` cannot be written (checked before any notebook runs), or ``None``."""
    if path is None:
        return None
    path = Path(path)
    if is_dir:
        if path.exists() and not path.is_dir():
            return f"{what} {path} exists and is not a folder"
        parent = path if path.exists() else path.parent
    else:
        if path.is_dir():
            return f"{what} {path} is a folder; give a file name"
        parent = path.parent
    parent = parent if str(parent) else Path(".")
    if not parent.is_dir():
        return f"{what} {path}: the folder {parent} does not exist"
    if not os.access(parent, os.W_OK):
        return f"{what} {path}: the folder {parent} is not writable"
    if not is_dir and path.exists() and not os.access(path, os.W_OK):
        return f"{what} {path} is not writable"
    return None


def run_cli(args) -> int:
    """The ``mfcourse grade`` command (arguments: see :mod:`mfcourse.grading.cli`)."""
    from mfcourse.grading import report

    if not args.timeout > 0 or args.timeout != args.timeout or args.timeout == float("inf"):
        print(f"mfcourse grade: --timeout must be > 0 seconds, got {args.timeout}", file=sys.stderr)
        return 2
    roster_mode = bool(getattr(args, "roster", False))
    gradebook = getattr(args, "gradebook", None)
    feedback = getattr(args, "feedback", None)
    problems = [
        _check_output(args.json, "--json"),
        _check_output(args.junit, "--junit"),
        _check_output(args.markdown, "--markdown"),
        _check_output(gradebook, "--gradebook"),
        _check_output(feedback, "--feedback", is_dir=True),
    ]
    if (gradebook or feedback) and not roster_mode:
        problems.append("--gradebook and --feedback need --roster (one folder per student)")
    if args.solutions is not None and not Path(args.solutions).is_dir():
        problems.append(f"--solutions {args.solutions} is not a folder")
    problems = [p for p in problems if p]
    if problems:
        for p in problems:
            print(f"mfcourse grade: {p}", file=sys.stderr)
        return 2
    progress = None if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    notes: list[str] = []
    per_student: dict[str, list[str]] = {}
    teacher = bool(getattr(args, "teacher", False)) or roster_mode
    if roster_mode:
        folders = [Path(p) for p in args.paths]
        bad = [str(p) for p in folders if not p.is_dir()]
        if not folders or bad:
            print(
                "mfcourse grade --roster: give one folder per student"
                + (f" (not folders: {', '.join(bad)})" if bad else ""),
                file=sys.stderr,
            )
            return 2
        names = [p.resolve().name for p in folders]
        if len(set(names)) != len(names):
            print("mfcourse grade --roster: two student folders share a name", file=sys.stderr)
            return 2
        by_student = grade_students(
            {name: [p] for name, p in zip(names, folders, strict=True)},
            args.solutions,
            args.timeout,
            progress,
            teacher=True,
            notes=notes,
            fail_fast=bool(getattr(args, "fail_fast", False)),
            notes_by_student=per_student,
        )
        results = [r for rs in by_student.values() for r in rs]
    else:
        results = grade_students(
            {"": list(args.paths) or [default_exercises_dir()]},
            args.solutions,
            args.timeout,
            progress,
            teacher,
            notes,
            fail_fast=bool(getattr(args, "fail_fast", False)),
        )[""]
        by_student = {"": results}
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if not results:
        print("mfcourse grade: no student notebooks found to grade", file=sys.stderr)
        return 0 if args.no_fail else 1
    if roster_mode:
        for who, rs in by_student.items():
            print(f"== {who}")
            print(report.table(rs))
    else:
        print(report.table(results, notes))
    if args.json:
        if roster_mode:
            report.write_json_students(by_student, args.json, args.timeout, per_student)
        else:
            report.write_json(results, args.json, timeout=args.timeout, notes=notes)
    if args.junit:
        report.write_junit(results, args.junit)
    if gradebook:
        report.write_gradebook(by_student, gradebook)
    if feedback:
        Path(feedback).mkdir(parents=True, exist_ok=True)
        for who, rs in by_student.items():
            md_who = report.markdown(rs, f"Feedback for {who}", per_student.get(who))
            (Path(feedback) / f"{who}.md").write_text(md_who + "\n", encoding="utf-8")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    md = report.markdown(results, notes=notes)
    if summary:
        with open(summary, "a", encoding="utf-8") as f:
            f.write(md + "\n")
    if args.markdown and not (summary and _same_file(args.markdown, Path(summary))):
        Path(args.markdown).write_text(md + "\n", encoding="utf-8")
    ok = all(r.passed for r in results)
    return 0 if ok or args.no_fail else 1


def _same_file(a: Path, b: Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False
