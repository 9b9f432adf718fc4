"""How APPS outputs are judged.

Standard-input problems (``stdout_matches``), in order:
  1. Line endings are unified, trailing whitespace of every line and trailing blank lines are
     dropped; equal texts match.
  2. Otherwise both are split into whitespace-separated tokens; they match if there are as
     many tokens and each pair is equal as text or, when both parse as numbers, equal within
     a relative tolerance of 1e-5 or an absolute one of 1e-8 (numpy.allclose's defaults, which
     the original APPS evaluation uses).  Case matters.

Call-based problems (``value_matches``): tuples count as lists (JSON has no tuples); a value
matches if it equals the expected one as Python's == has it (so True equals 1, as in the APPS
evaluation), numbers within the same tolerance, element by element,
or if the expected value is a one-element list holding it — the APPS data wraps some single
return values in a list.
"""

from __future__ import annotations

import math

REL_TOL, ABS_TOL = 1e-5, 1e-8


def as_text(value) -> str:
    """APPS stores inputs and outputs as a string or as a list of lines."""
    return "\n".join(map(str, value)) if isinstance(value, list) else str(value)


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _number(token: str) -> float | None:
    try:
        value = float(token)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= ABS_TOL + REL_TOL * abs(b)


def stdout_matches(actual: str, expected) -> bool:
    expected = as_text(expected)
    if _lines(actual) == _lines(expected):
        return True
    got, want = actual.split(), expected.split()
    if len(got) != len(want):
        return False
    for a, b in zip(got, want):
        if a == b:
            continue
        x, y = _number(a), _number(b)
        if x is None or y is None or not _close(x, y):
            return False
    return True


def _equal(value, expected) -> bool:
    if isinstance(value, (int, float)) and isinstance(expected, (int, float)):
        return value == expected or _close(float(value), float(expected))
    if isinstance(value, list) and isinstance(expected, list):
        return len(value) == len(expected) and all(_equal(a, b) for a, b in zip(value, expected))
    if isinstance(value, dict) and isinstance(expected, dict):
        return value.keys() == expected.keys() and all(_equal(value[k], expected[k]) for k in value)
    return value == expected


def value_matches(value, expected) -> bool:
    if _equal(value, expected):
        return True
    return isinstance(expected, list) and len(expected) == 1 and _equal(value, expected[0])
