"""Recognising and checking math in OCR text: equations are solved with sympy and every answer is verified.

Only polynomial (degree ≤ 4) and rational equations in one unknown, and systems of two linear equations,
are solved here; anything else (or anything too large) gives None, and the caller asks the LLM and says
the answer is not checked. `check` verifies an answer that came from elsewhere.

Input reaches `parse_expr` (which evaluates Python) only after it has been reduced to digits, single-letter
variables, `sqrt`/`pi`, `+ - * / ( )` and single-digit powers, so no names or attribute access get through,
and no power tower (9^9^9) can make sympy compute a huge number.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Names and the module that holds them: imported on first use, so that a task that never meets math
# (a translation, an extraction, most questions) does not pay for importing sympy (about 0.5 s).
_WHERE = {
    "pretty": "display",
    "MAX_DEGREE": "equation",
    "Equation": "equation",
    "parse_equation": "equation",
    "MAX_DIGITS": "recognise",
    "MAX_EQUATION": "recognise",
    "MAX_TEXT": "recognise",
    "find_equations": "recognise",
    "MAX_CANDIDATES": "solve",
    "MathResult": "solve",
    "check": "solve",
    "solve": "solve",
}
__all__ = list(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # Every name at once: importing the submodule `solve` sets this package's `solve` to the module,
    # which the function of that name must then replace.
    for each, module in _WHERE.items():
        globals()[each] = getattr(import_module(f".{module}", __name__), each)
    return globals()[name]
