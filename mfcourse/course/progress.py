"""Progress feedback for long computations, one way for the whole library.

Slow solvers accept ``progress=True`` and then report through :func:`time_printer`: a line
``[label] t = ... / ...`` at most every ``every`` seconds of wall time, and always at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def time_printer(label: str, every: float = 2.0) -> Callable[[float, float], None]:
    """A ``report(t, t_final)`` callback printing the simulated time, throttled to ``every`` s."""
    last = [time.perf_counter()]

    def report(t: float, t_final: float) -> None:
        now = time.perf_counter()
        if now - last[0] > every or t == t_final:
            print(f"[{label}] t = {t:.4g} / {t_final:.4g}", flush=True)
            last[0] = now

    return report
