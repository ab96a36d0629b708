"""Small input checks shared by the library's public functions (issue #19): every message
names the argument and says what is allowed."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["finite_array", "finite_scalar"]


def finite_array(a, name: str, *, dtype=float, allow_empty: bool = True) -> np.ndarray:
    """``np.asarray(a, dtype)`` after checking that every entry is finite (not NaN, not inf)."""
    try:
        arr = np.asarray(a, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers, got {type(a).__name__}") from exc
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf entries)")
    return arr


def finite_scalar(
    value, name: str, *, lo: float | None = None, hi: float | None = None, lo_open: bool = False
) -> float:
    """``float(value)`` after checking it is a finite real number in ``[lo, hi]`` (``(lo, hi]``
    with ``lo_open``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real | np.ndarray):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if isinstance(value, np.ndarray) and value.ndim != 0:
        raise TypeError(f"{name} must be a real number, got an array of shape {value.shape}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if lo is not None and (value < lo or (lo_open and value == lo)):
        raise ValueError(f"{name} must be {'>' if lo_open else '>='} {lo:g}, got {value:g}")
    if hi is not None and value > hi:
        raise ValueError(f"{name} must be <= {hi:g}, got {value:g}")
    return value
