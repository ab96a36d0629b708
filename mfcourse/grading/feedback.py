"""What a failing graded test tells the student: one text for ``mfcourse grade`` and ``check``.

Both the grader (which reads the error of the kernel's execute reply) and :func:`check` (which runs
the pristine test in the student's own kernel) describe a failure with :func:`failure_message`:
the exception with its *whole* message (multi-line messages are kept), then the statement of the
test that failed (its first line number counted from 1 within the test cell). No heavy imports
here: the module is imported inside the student's kernel by :func:`check`.
"""

from __future__ import annotations

import ast
import re

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
#: IPython's name for the frame of the executed cell in a traceback ("Cell In[3], line 7").
_CELL_FRAME = re.compile(r"Cell In\s*\[\d*\]\s*,\s*line (\d+)")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def failing_statement(source: str, lineno: int | None) -> str:
    """The statement of ``source`` that contains line ``lineno`` (1-based), as written (at most
    six lines), or ``""``."""
    if not lineno:
        return ""
    lines = source.splitlines()
    if not 1 <= lineno <= len(lines):
        return ""
    best = None
    best_node = None
    try:
        tree = ast.parse(source)
    except SyntaxError:
        tree = None
    if tree is not None:
        for node in ast.walk(tree):
            if not isinstance(node, ast.stmt):
                continue
            end = getattr(node, "end_lineno", node.lineno) or node.lineno
            if node.lineno <= lineno <= end and not isinstance(
                node, ast.For | ast.While | ast.If | ast.With | ast.Try | ast.FunctionDef
            ):
                if best is None or (end - node.lineno) < (best[1] - best[0]):
                    best, best_node = (node.lineno, end), node
    if isinstance(best_node, ast.Assert) and best_node.msg is not None:
        # the message is shown anyway: the condition is what failed
        cond = ast.get_source_segment(source, best_node.test) or ast.unparse(best_node.test)
        cond = " ".join(part.strip() for part in cond.splitlines())
        return f"assert {cond}"
    first, last = best if best else (lineno, lineno)
    text = [ln.rstrip() for ln in lines[first - 1 : min(last, first + 5)]]
    indent = min((len(t) - len(t.lstrip()) for t in text if t.strip()), default=0)
    return "\n".join(t[indent:] for t in text)


def cell_line_from_traceback(traceback: list[str] | str) -> int | None:
    """The line of the executed cell in an IPython traceback (its first, outermost frame)."""
    text = strip_ansi("\n".join(traceback) if isinstance(traceback, list) else traceback)
    m = _CELL_FRAME.search(text)
    return int(m.group(1)) if m else None


def failure_message(ename: str, evalue: str, source: str = "", lineno: int | None = None) -> str:
    """``"AssertionError: <the whole message>"`` then ``"failing line N of the test: <code>"``."""
    head = f"{ename}: {evalue}" if str(evalue).strip() else f"{ename} (no message)"
    stmt = failing_statement(source, lineno) if source else ""
    if stmt:
        shown = stmt if "\n" not in stmt else "\n    " + stmt.replace("\n", "\n    ")
        head += f"\nfailing line {lineno} of the test: {shown}"
    return head
