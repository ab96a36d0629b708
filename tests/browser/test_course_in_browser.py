"""The course in a real browser: every lecture (and one exercise) in JupyterLab, driven like a
student drives it — Run All, read the outputs, move each dashboard's primary slider.

Notebooks are discovered (``lectures/*.ipynb`` and the first ``exercises/solutions/*.ipynb``)
and dashboards are found by their CSS classes, so a new lecture is covered without editing this
file. ``MFCOURSE_BROWSER_NOTEBOOKS="lectures/02_*.ipynb"`` restricts a run to some notebooks.
"""

from __future__ import annotations

import json

import lab_driver as ld
import pytest

pytestmark = pytest.mark.browser


def _params():
    requested = ld.requested_notebooks()
    if requested is not None:
        return [pytest.param(p, id=p.relative_to(ld.ROOT).as_posix()) for p in requested]
    params = [pytest.param(p, id=p.relative_to(ld.ROOT).as_posix()) for p in ld.lecture_notebooks()]
    if not params:
        params.append(pytest.param(None, id="lectures", marks=pytest.mark.skip(
            reason="no notebook in lectures/ yet")))  # fmt: skip
    exercise = ld.exercise_notebook()
    if exercise is None:
        params.append(pytest.param(None, id="exercise", marks=pytest.mark.skip(
            reason="no solution notebook in exercises/solutions/ yet")))  # fmt: skip
    else:
        params.append(pytest.param(exercise, id=exercise.relative_to(ld.ROOT).as_posix()))
    return params


def test_widget_extension_is_served(lab_server):
    """The server (temporary data dir and all) still offers the widget manager to the page;
    without it every slider would be a line of text ("model not found")."""
    config = lab_server.page_config()
    names = [e.get("name") for e in config.get("federated_extensions", [])]
    assert ld.WIDGET_EXTENSION in names, (
        f"JupyterLab does not serve {ld.WIDGET_EXTENSION} (found {names}): install "
        "jupyterlab_widgets into the environment that runs the server (binder/requirements.txt)"
    )


def test_checks_catch_a_broken_environment(chromium, tmp_path):
    """Negative control: on a server *without* the widget extension, a notebook with a slider,
    a warning and an error is reported as it should be (slider as text, one error, and the
    warning only as a warning) — so the checks above can fail. Long outputs in between put
    either end off screen, where JupyterLab skips rendering: the checks must read it anyway."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Broken on purpose"),
        nbformat.v4.new_code_cell("import ipywidgets as widgets\nwidgets.IntSlider(value=3)"),
        nbformat.v4.new_code_cell("import warnings\nwarnings.warn('only a warning')"),
        *[nbformat.v4.new_code_cell(f"print('filler\\n' * 40)  # {i}") for i in range(20)],
        nbformat.v4.new_code_cell("1 / 0"),
    ]
    root = tmp_path / "root"
    root.mkdir()
    nbformat.write(nb, root / "broken.ipynb")
    server = ld.LabServer(root, tmp_path, extra_args=["--LabApp.labextensions_path=[]"])
    context = None
    try:
        server.start()
        names = [e.get("name") for e in server.page_config().get("federated_extensions", [])]
        assert ld.WIDGET_EXTENSION not in names
        context = chromium.new_context()
        page = ld.NotebookPage(context, server, root / "broken.ipynb").open()
        page.run_all()
        found = []
        for top in (True, False):
            page.scroll_notebook(top)
            outputs = page.outputs()
            found.append((page.errors(outputs), page.widget_fallbacks(outputs),
                          page.warnings(outputs)))  # fmt: skip
    finally:
        if context is not None:
            context.close()
        server.stop()
    for errors, fallbacks, warnings in found:
        assert len(errors) == 1 and "ZeroDivisionError" in errors[0], errors
        assert len(fallbacks) == 1 and "IntSlider(value=3)" in fallbacks[0], fallbacks
        assert len(warnings) == 1 and "only a warning" in warnings[0], warnings


def _has_outputs(path) -> bool:
    return any(c.get("outputs") for c in json.loads(path.read_text())["cells"])


@pytest.mark.parametrize("path", _params())
def test_notebook_in_browser(path, notebook_page, lab_server, artifacts):
    """Run All without errors, widgets rendered as widgets, every dashboard answers its slider
    (keyboard and typed readout) with a new figure within TOLERANCE x its kind's budget."""
    rel = path.relative_to(ld.ROOT).as_posix()
    stem = path.stem
    outputs_before = _has_outputs(path)
    result = ld.RESULTS["notebooks"].setdefault(rel, {})
    nb = notebook_page(path)
    try:
        result["run_all_s"] = round(nb.run_all(), 2)
    finally:
        nb.screenshot(artifacts / f"{stem}-page.png")
    outputs = nb.outputs()
    problems = nb.errors(outputs) + nb.widget_fallbacks(outputs)
    warnings = nb.warnings(outputs)
    if warnings:
        result["stderr"] = warnings
        print(f"{rel}: stderr output (not an error):\n  " + "\n  ".join(warnings))
    assert not problems, f"{rel} after Run All:\n" + "\n".join(problems)

    dashboards = nb.dashboards()
    if "dashboard(" in path.read_text():
        assert dashboards, f"{rel} calls dashboard(...) but no .mfcourse-dashboard rendered"
    result["dashboards"] = []
    failures = []  # every dashboard is tried and timed, then all failures are reported
    for d in dashboards:
        where = f"{rel}, dashboard {d.index} ({d.kind}, primary {d.label or '?'})"
        limit_s = ld.TOLERANCE * d.budget_s
        entry = {
            "index": d.index, "kind": d.kind, "primary": d.label,
            "budget_ms": d.budget_s * 1e3, "limit_ms": limit_s * 1e3, "moves": [],
        }  # fmt: skip
        result["dashboards"].append(entry)
        if d.kind not in ld.BUDGETS:
            failures.append(f"{where}: unknown kind {d.kind!r}")
        if not d.has_figure():
            failures.append(f"{where}: no figure after Run All ({d.figure_text()[:300]!r})")
            continue
        d.screenshot(artifacts / f"{stem}-dashboard{d.index}-before.png")
        moves = [d.move_keyboard()]
        d.screenshot(artifacts / f"{stem}-dashboard{d.index}-after-keyboard.png")
        typed = d.move_typed()
        if typed is not None:
            moves.append(typed)
            d.screenshot(artifacts / f"{stem}-dashboard{d.index}-after-typed.png")
        else:
            entry["typed"] = f"not tested: {d.untypable}"
            print(f"{where}: typed readout not tested: {d.untypable}")
        entry["moves"] = [
            {"how": m.how, "latency_ms": None if m.latency_ms is None else round(m.latency_ms),
             "kernel_ms": m.kernel_ms, "redraws": m.redraws, "changed": m.changed,
             "showed_progress": m.showed_progress}
            for m in moves
        ]  # fmt: skip
        ld.write_results()
        if ld.REDRAW_FAILED in d.figure_text():
            failures.append(f"{where}: {d.figure_text()[:1500]}")
        for m in moves:
            print(f"{where}: {m.how}: latency {m.latency_ms} ms (kernel {m.kernel_ms} ms)")
            if m.error:
                failures.append(f"{where}: after {m.how} the redraw failed:\n{m.error}")
                continue
            if not m.changed:
                failures.append(f"{where}: {m.how} did not change the figure: {m.detail}")
                continue
            if d.kind == "recompute" and m.latency_ms > ld.PROGRESS_AFTER_S * 1e3:
                if not m.showed_progress:
                    failures.append(f"{where}: {m.how} took {m.latency_ms:.0f} ms "
                                    "without showing progress")  # fmt: skip
            if m.latency_ms > limit_s * 1e3:
                failures.append(
                    f"{where}: {m.how} took {m.latency_ms:.0f} ms to a settled figure, more "
                    f"than {ld.TOLERANCE:g} x the {d.budget_s * 1e3:.0f} ms budget of a "
                    f"{d.kind} slider"
                )
    failures += [f"after moving the sliders: {e}" for e in nb.errors()]
    assert not failures, "\n".join(failures)
    assert not lab_server.saved(rel), f"JupyterLab saved {rel} during the browser run"
    assert outputs_before or not _has_outputs(path), f"{rel} has outputs on disk after the run"
