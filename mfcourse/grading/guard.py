"""Graded tests that refuse delegation: the student writes the routine, not the library.

Every exercise asks for something the library already implements (it is the reference the tests
compare with). A graded test therefore runs the student's function inside :func:`forbid`, which
replaces the library's routine by a tripwire for the duration of the call; the test then compares
the student's answer with the (restored) routine::

    from mfcourse.grading.guard import forbid
    with forbid("mfcourse.transport.wasserstein_1d", "scipy.stats.wasserstein_distance"):
        ours = w_p(x, y)                      # a call to either routine raises here
    ref = wasserstein_distance(x, y)          # the reference, after the block

A name is ``"package.module.attribute"`` (``"mfcourse.quantum.fock.FockSpace.gamma1"`` for a
method). Aliases are covered too: every module in :data:`sys.modules` — the student's notebook
``__main__`` included — that holds the *same object* under any name gets the tripwire, so
``from scipy.stats import wasserstein_distance`` in the student's cell does not escape it.
"""

from __future__ import annotations

import contextlib
import importlib
import sys

__all__ = ["DelegationError", "forbid"]


class DelegationError(AssertionError):
    """The student's code called the library routine the exercise asks them to write."""


def _resolve(name: str):
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:-1]:
            owner = getattr(owner, attr)
        return owner, parts[-1]
    raise ValueError(f"forbid: cannot import the owner of {name!r} (give 'module.attribute')")


def _tripwire(name: str):
    def call(*args, **kwargs):
        raise DelegationError(
            f"your code called {name}, the library's version of what this exercise asks you to "
            "write: write it yourself (the test compares your result with that routine)"
        )

    call.__name__ = name.rsplit(".", 1)[-1]
    call.__qualname__ = call.__name__
    return call


@contextlib.contextmanager
def forbid(*names: str):
    """Within the block, calling any of ``names`` raises :class:`DelegationError`.

    The originals are restored on exit, also when the block raises.
    """
    if not names:
        raise ValueError("forbid: name at least one routine ('module.attribute')")
    saved = []  # (owner, attribute, original)
    try:
        for name in names:
            owner, attr = _resolve(name)
            original = getattr(owner, attr)
            wire = _tripwire(name)
            saved.append((owner, attr, original))
            setattr(owner, attr, wire)
            # the same object bound under other names (``from x import f``, notebook globals)
            for module in list(sys.modules.values()):
                namespace = getattr(module, "__dict__", None)
                if not isinstance(namespace, dict) or module is owner:
                    continue
                for key, value in list(namespace.items()):
                    if value is original:
                        saved.append((module, key, original))
                        namespace[key] = wire
        yield
    finally:
        for owner, attr, original in reversed(saved):
            setattr(owner, attr, original)
