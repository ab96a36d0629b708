r"""``mfcourse grade``: grade student notebooks against the course's pristine graded tests.

For each student notebook ``NN_name.ipynb``:

1. **Find the pristine tests.** The exercise name is the file stem when grading the default
   ``exercises/`` (each exercise once), else the notebook's ``metadata.mfcourse.exercise`` (written
   by ``mfcourse exercises build``, so a renamed copy is still recognised) or its stem. The graded
   tests (id, points, source) are read from the solution notebook ``<solutions>/NN_name.ipynb``.
   Points always come from there, never from the student's copy.
2. **Restore them.** Every cell carrying a known test id is replaced by the pristine cell (an edited
   source is *restored*; a source that matches the checksum stored by an older build but not the
   current test is *updated*); a test whose cell was deleted is *re-inserted* after the nearest
   preceding cell of the pristine notebook that is still present; duplicates are dropped and
   unknown ids lose their grade. Outputs, execution counts and cell metadata of the student's own
   cells are dropped (so nbval markers in metadata cannot skip anything), the kernel is always
   ``python3`` of the running environment.
3. **Run it** from a copy in a temporary folder (the student's file is never modified) on a fresh
   kernel, through nbval (``--nbval-lax``) with a per-cell timeout. All notebooks of one call run
   in one pytest subprocess (one kernel each), with the plugin :mod:`mfcourse.grading._nbval_plugin`
   recording each cell's result; a cell still running ``WATCHDOG`` seconds after its timeout (the
   interrupt was swallowed) gets its kernel killed, and the whole run has a hard time budget. If
   the run ends early, the notebooks that had not started get a new run.
4. **Score it.** A test scores its points if its cell ran without an exception, 0 otherwise
   (failure, timeout, dead kernel, not run).

Anything that prevents grading one notebook (missing file, malformed JSON, no solution notebook,
kernel that does not start or dies) is reported with a clear message, scores 0 for what it
affects, and grading continues with the other notebooks.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
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

#: Seconds allowed for starting pytest and the kernel, on top of the per-cell timeouts.
STARTUP_BUDGET = 90.0
#: Seconds after a cell's timeout at which its kernel is killed if the interrupt did not stop it.
WATCHDOG = 5.0
#: Extra seconds per cell on top of ``timeout`` (watchdog, then nbval waits 5 s for output).
PER_CELL_SLACK = WATCHDOG + 10.0
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_CELL_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")
_MAX_COPIED_FILE = 10 * 1024 * 1024


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
    """The grading of one student notebook."""

    notebook: str
    exercise: str
    solution: str | None = None
    tests: list[TestResult] = field(default_factory=list)
    restorations: list[Restoration] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)
    duration: float = 0.0

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


def discover(
    paths: Sequence[Path], exercises_dir: Path | None = None, solutions_dir: Path | None = None
) -> list[Path]:
    """Student notebooks to grade: the given files, the ``*.ipynb`` of given folders, or (no paths)
    every notebook of ``exercises_dir`` plus every exercise of ``solutions_dir`` (default
    ``exercises_dir/solutions``) whose student notebook is missing."""
    if not paths:
        exercises_dir = Path(exercises_dir) if exercises_dir else default_exercises_dir()
        solutions_dir = Path(solutions_dir) if solutions_dir else exercises_dir / "solutions"
        found = {p.name: p for p in exercises_dir.glob("*.ipynb")}
        for sol in solutions_dir.glob("*.ipynb"):
            found.setdefault(sol.name, exercises_dir / sol.name)
        return [found[k] for k in sorted(found)]
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(q for q in p.glob("*.ipynb") if q.is_file()))
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


def exercise_name(data: dict | None, path: Path) -> str:
    """``metadata.mfcourse.exercise`` if it is a valid exercise name, else the file stem."""
    if isinstance(data, dict):
        meta = data.get("metadata")
        mf = meta.get("mfcourse") if isinstance(meta, dict) else None
        name = mf.get("exercise") if isinstance(mf, dict) else None
        if isinstance(name, str) and EXERCISE_NAME.match(name):
            return name
    return path.stem


def restore(data: dict, pristine_nb, tests: list[GradedTest]):
    """The notebook to run: the student's cells with the pristine graded tests put back.

    Returns ``(notebook, restorations, test_of_code_cell)`` where ``test_of_code_cell`` maps the
    index of a code cell (as nbval counts them) to the id of the graded test it holds.
    """
    by_id = {t.id: t for t in tests}
    by_source = {t.source: t for t in tests}
    restorations: list[Restoration] = []
    cells: list = []
    holds: list[str | None] = []  # test id held by each output cell
    seen: set[str] = set()
    for raw in data["cells"]:
        if not isinstance(raw, dict):
            continue
        ctype, source = raw.get("cell_type"), _text(raw.get("source", ""))
        grade = grade_metadata(raw)
        gid = grade.get("id") if grade else None
        gid = gid if isinstance(gid, str) else None
        test = by_id.get(gid) if gid else None
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
                stored = grade.get("checksum") if grade else None
                if (
                    ctype == "code"
                    and isinstance(stored, str)
                    and stored != test.checksum
                    and source_checksum(source) == stored
                ):
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

    # re-insert deleted tests after the nearest preceding pristine cell still present
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
        seen.add(test.id)
        restorations.append(
            Restoration(test.id, "reinserted", f"the test cell was deleted; re-inserted {anchor}")
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
    n_code = 0
    for cell, tid in zip(cells, holds, strict=True):
        if cell.cell_type == "code":
            if tid is not None:
                test_of_code_cell[n_code] = tid
            n_code += 1
    return nb, restorations, test_of_code_cell


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


def _short(message: str) -> str:
    """One line saying why a cell failed, from nbval's failure report."""
    text = _ANSI.sub("", message)
    if "Timeout of" in text:
        m = re.search(r"Timeout of ([\d.]+) seconds exceeded", text)
        return f"timed out after {m.group(1) if m else '?'} s (an infinite loop? too slow?)"
    if "KernelDied" in text or "kernel died" in text or "Kernel dead" in text:
        return "the kernel died (os._exit, exit(), a crash) before or while running this cell"
    tail = text.split("Traceback:", 1)[-1]
    lines = [ln.strip() for ln in tail.strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "failed"


def _details(message: str) -> str:
    text = _ANSI.sub("", message)
    if "Traceback:" in text:
        text = "Traceback:" + text.split("Traceback:", 1)[1]
    return text[-4000:].strip()


def _status(message: str) -> str:
    text = _ANSI.sub("", message)
    if "Timeout of" in text:
        return "timeout"
    if "KernelDied" in text or "kernel died" in text or "Kernel dead" in text:
        return "kernel died"
    return "failed"


def _copy_siblings(src_dir: Path, dst: Path) -> None:
    """Copy the data files next to the student's notebook (not notebooks, not folders)."""
    try:
        entries = list(src_dir.iterdir())
    except OSError:
        return
    for p in entries:
        try:
            if p.is_file() and p.suffix != ".ipynb" and p.stat().st_size <= _MAX_COPIED_FILE:
                shutil.copy2(p, dst / p.name)
        except OSError:
            continue


@dataclass
class _Job:
    """A prepared notebook: what to run and how to read the results back."""

    result: ExerciseResult
    path: Path
    nb: object = None
    test_of_cell: dict = field(default_factory=dict)
    workdir: Path | None = None


def _batch_command(notebooks: list[Path], rootdir: Path, ini: Path, timeout: float) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        *map(str, notebooks),
        "-c",
        str(ini),
        "--rootdir",
        str(rootdir),
        "-p",
        "nbval.plugin",
        "-p",
        "mfcourse.grading._nbval_plugin",
        "-p",
        "no:cacheprovider",
        "--nbval-lax",
        "--nbval-current-env",
        f"--nbval-cell-timeout={timeout:g}",
        "--nbval-kernel-startup-timeout=60",
        "--color=no",
        "--noconftest",
        "-q",
    ]


def _read_records(path: Path) -> list[dict]:
    records = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:  # a line being written
                continue
    return records


def run_batch(
    jobs: list[_Job],
    scratch: Path,
    timeout: float,
    on_progress: Callable[[list[dict]], None] | None = None,
) -> tuple[list[dict], str]:
    """Run the prepared notebooks through nbval in one subprocess (one fresh kernel each).

    Returns the event records of :mod:`mfcourse.grading._nbval_plugin` and the end of the log.
    The whole run has a hard budget (``STARTUP_BUDGET`` plus, per notebook, 30 s and
    ``timeout + PER_CELL_SLACK`` per code cell); past it the process group and the kernels are
    killed and the notebooks not finished are reported as such.
    """
    results = Path(tempfile.mkdtemp(prefix="mfcourse-results-")) / "results.jsonl"
    ini = scratch / "pytest.ini"
    ini.write_text("[pytest]\n", encoding="utf-8")
    log = scratch / "pytest.log"
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    env.update(
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        MFCOURSE_GRADE_RESULTS=str(results),
        MFCOURSE_GRADE_WATCHDOG=str(WATCHDOG),
        MPLBACKEND="Agg",
        IPYTHONDIR=str(scratch / "ipython"),
        JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    notebooks = [j.workdir / f"{j.result.exercise}.ipynb" for j in jobs]
    n_code = sum(sum(c.cell_type == "code" for c in j.nb.cells) for j in jobs)
    budget = STARTUP_BUDGET + 30.0 * len(jobs) + n_code * (timeout + PER_CELL_SLACK)
    cmd = _batch_command(notebooks, scratch, ini, timeout)
    stopped = ""
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=str(scratch),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + budget
        while proc.poll() is None:
            if time.monotonic() > deadline:
                stopped = f"grading stopped after its time budget of {budget:.0f} s"
                _kill(proc.pid, group=True)
                proc.wait()
                break
            if on_progress is not None:
                on_progress(_read_records(results))
            time.sleep(0.2)
    records = _read_records(results)
    if stopped:
        for rec in records:  # kernels left behind by the killed run
            if rec.get("event") == "kernel" and rec.get("pid"):
                _kill(int(rec["pid"]), group=False)
        records.append({"event": "stopped", "message": stopped, "t": time.time()})
    tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log.exists() else ""
    shutil.rmtree(results.parent, ignore_errors=True)
    return records, (stopped + "\n" + tail).strip()


def _kill(pid: int, group: bool) -> None:
    try:
        if group:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


# --------------------------------------------------------------------------- grading


def prepare(path: Path, solutions_dir: Path, by_metadata: bool = True) -> _Job:
    """Read a student notebook and its solution and restore the tests (no kernel yet).

    The exercise is named by the notebook's metadata (``by_metadata``, so that a renamed copy is
    still graded) or by its file stem. Problems (missing or malformed notebook, no or unusable
    solution) are recorded in the result's ``errors``; then ``job.nb`` is ``None``.
    """
    path = Path(path)
    data, read_error = None, None
    try:
        data = read_student_json(path)
    except ValueError as exc:
        read_error = str(exc)
    name = exercise_name(data, path) if by_metadata else path.stem
    result = ExerciseResult(notebook=display_path(path), exercise=name)
    job = _Job(result=result, path=path)
    solution = Path(solutions_dir) / f"{name}.ipynb"
    if not solution.is_file():
        result.errors.append(
            f"no solution notebook for exercise {name!r}: looked for {display_path(solution)}. "
            "Grading needs the course's solution notebooks (they hold the pristine tests): is the "
            "notebook named like the course's exercise, and is --solutions right?"
        )
        if read_error:
            result.errors.append(read_error)
        return job
    result.solution = display_path(solution)
    try:
        sol_nb = nbformat.read(solution, as_version=4)
        tests = graded_tests(sol_nb, str(solution))
        pristine = build_student_notebook(sol_nb, name, where=str(solution))
    except Exception as exc:  # malformed solution JSON, format errors, ...
        result.errors.append(f"the solution notebook {solution} cannot be used: {exc}")
        return job
    result.tests = [TestResult(id=t.id, max_points=t.points) for t in tests]
    if read_error:
        result.errors.append(read_error)
        for t in result.tests:
            t.message = "not graded: the notebook could not be read"
        return job
    job.nb, result.restorations, job.test_of_cell = restore(data, pristine, tests)
    return job


def _finish(job: _Job, records: list[dict], log_tail: str) -> None:
    """Score a job from the records of its notebook."""
    result = job.result
    by_id = {t.id: t for t in result.tests}
    cells = [r for r in records if r.get("event") == "cell"]
    counts = Counter(r.get("cell") for r in cells)
    forged = {c for c, k in counts.items() if k > 1}
    if forged:  # one record per cell is written; more means the graded code wrote some
        result.errors.append(
            "the grading records of this notebook were tampered with (several results for code "
            f"cell(s) {sorted(forged)}); those cells score 0"
        )
    n_code = sum(c.cell_type == "code" for c in job.nb.cells)
    final = {}
    for rec in cells:
        if rec.get("cell") in forged:
            rec = {**rec, "passed": False, "skipped": False, "message": "tampered results"}
        if isinstance(rec.get("cell"), int) and 0 <= rec["cell"] < n_code:
            final[rec["cell"]] = rec
    for _, rec in sorted(final.items()):
        tid = job.test_of_cell.get(rec.get("cell"))
        if tid is None:
            if not rec["passed"] and not rec.get("skipped") and len(result.cell_errors) < 5:
                result.cell_errors.append(
                    f"code cell {rec['cell']} (yours): {_short(rec.get('message', ''))}"
                )
            continue
        t = by_id[tid]
        t.duration = rec.get("duration", 0.0)
        if rec["passed"]:
            t.status, t.points, t.message = "passed", t.max_points, ""
        else:
            msg = rec.get("message", "")
            t.status = _status(msg)
            t.message = _short(msg) if msg else "failed"
            t.details = _details(msg)
            t.points = 0
    stopped = [r["message"] for r in records if r.get("event") == "stopped"]
    if stopped or not cells:
        why = stopped[0] if stopped else "the notebook could not be run"
        tail = log_tail.strip()[-1500:]
        result.errors.append(why + (f"; last lines of the run:\n{tail}" if tail else ""))
    for t in result.tests:
        if t.status == "not run" and not t.message:
            t.message = "not run: grading of this notebook stopped before this test"


def _summary_line(i: int, n: int, res: ExerciseResult) -> str:
    head = f"[{i}/{n}] {res.notebook}: "
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


def grade_notebooks(
    paths: Sequence[Path] = (),
    solutions_dir: Path | None = None,
    timeout: float = 60.0,
    progress: Callable[[str], None] | None = None,
) -> list[ExerciseResult]:
    """Grade student notebooks (see the module docstring); one :class:`ExerciseResult` each.

    ``paths``: notebooks or folders (default: every exercise of ``exercises/``); ``solutions_dir``:
    where the solution notebooks are (default ``exercises/solutions``); ``timeout``: seconds per
    cell; ``progress``: called with one line per notebook started and finished.
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    exercises_dir = default_exercises_dir()
    solutions_dir = Path(solutions_dir) if solutions_dir else exercises_dir / "solutions"
    say = progress or (lambda _m: None)
    # Without paths every exercise is graded once, named by its file: a notebook cannot claim to
    # be another exercise and leave its own ungraded.
    notebooks = discover(paths, exercises_dir, solutions_dir)
    jobs = [prepare(p, solutions_dir, by_metadata=bool(paths)) for p in notebooks]
    n = len(jobs)
    runnable = [j for j in jobs if j.nb is not None]
    if not runnable:
        for i, job in enumerate(jobs, start=1):
            say(_summary_line(i, n, job.result))
        return [j.result for j in jobs]

    scratch = Path(tempfile.mkdtemp(prefix="mfcourse-grade-"))
    by_dir: dict[str, _Job] = {}
    try:
        for k, job in enumerate(runnable):
            job.workdir = scratch / f"nb{k:03d}"
            job.workdir.mkdir()
            _copy_siblings(job.path.parent, job.workdir)
            nbformat.write(job.nb, job.workdir / f"{job.result.exercise}.ipynb")
            by_dir[str(job.workdir.resolve())] = job

        reported = 0  # jobs[:reported] have had their final line printed
        started: set[int] = set()

        def job_of(rec) -> _Job | None:
            d = rec.get("dir")
            return by_dir.get(str(Path(d).resolve())) if d else None

        def on_progress(records: list[dict]) -> None:
            nonlocal reported
            current = None
            for rec in records:
                job = job_of(rec)
                if job is not None and rec.get("event") == "start":
                    current = jobs.index(job)
            if current is None:
                return
            # everything before the notebook now running is finished
            while reported < current:
                job = jobs[reported]
                if job.nb is not None:
                    _finish(job, [r for r in records if job_of(r) is job], "")
                    job.result.duration = _elapsed(job, records)
                say(_summary_line(reported + 1, n, job.result))
                reported += 1
            if current not in started:
                started.add(current)
                say(f"[{current + 1}/{n}] grading {jobs[current].result.notebook} ...")

        # One run for all notebooks; if it ends early (the graded code killed it, or the budget
        # ran out), the notebooks that had not started get a new run.
        records: list[dict] = []
        pending = list(runnable)
        log_tail = ""
        while pending:
            base = list(records)
            new, log_tail = run_batch(
                pending, scratch, timeout, lambda r, b=base: on_progress(b + r)
            )
            began = [
                j for j in pending if any(r.get("event") == "start" for r in new if job_of(r) is j)
            ]
            records += [r for r in new if r.get("event") != "stopped"]
            if not began:
                break
            last = began[-1]
            rest = pending[pending.index(last) + 1 :]
            n_cells = len(
                {r.get("cell") for r in new if job_of(r) is last and r.get("event") == "cell"}
            )
            complete = n_cells >= sum(c.cell_type == "code" for c in last.nb.cells)
            why = [r["message"] for r in new if r.get("event") == "stopped"]
            if why or (rest and not complete):
                message = (
                    why[0]
                    if why
                    else (
                        "the grading run ended while this notebook was running (did the graded "
                        "code kill it?)"
                    )
                )
                records.append(
                    {
                        "event": "stopped",
                        "dir": str(last.workdir),
                        "message": message,
                        "t": time.time(),
                    }
                )
            pending = rest
        on_progress(records)
        for i in range(reported, n):
            job = jobs[i]
            if job.nb is not None:
                own = [r for r in records if job_of(r) is job]
                _finish(job, own, log_tail)
                job.result.duration = _elapsed(job, records)
            say(_summary_line(i + 1, n, job.result))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return [j.result for j in jobs]


def _elapsed(job: _Job, records: list[dict]) -> float:
    """Seconds from this notebook's kernel start to the next notebook's (or its last cell)."""
    here = str(job.workdir.resolve())
    mine = [
        r["t"] for r in records if "t" in r and "dir" in r and str(Path(r["dir"]).resolve()) == here
    ]
    if not mine:
        return 0.0
    later = [r["t"] for r in records if "t" in r and r["t"] > max(mine)]
    return max(0.0, (min(later) if later else max(mine)) - min(mine))


def run_cli(args) -> int:
    """The ``mfcourse grade`` command (arguments: see :mod:`mfcourse.grading.cli`)."""
    from mfcourse.grading import report

    if not args.timeout > 0:
        print(f"mfcourse grade: --timeout must be > 0 seconds, got {args.timeout}", file=sys.stderr)
        return 2
    progress = None if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    results = grade_notebooks(args.paths, args.solutions, args.timeout, progress)
    if not results:
        print("mfcourse grade: no student notebooks found to grade", file=sys.stderr)
        return 0 if args.no_fail else 1
    print(report.table(results))
    if args.json:
        report.write_json(results, args.json, timeout=args.timeout)
    if args.junit:
        report.write_junit(results, args.junit)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    md = report.markdown(results)
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
