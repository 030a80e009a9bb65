"""Recognising and checking math in OCR text: equations are solved with sympy and every answer is verified.

Only polynomial (degree ≤ 4) and rational equations in one unknown, and systems of two linear equations,
are solved here; anything else (or anything too large) gives None, and the caller asks the LLM and says
the answer is not checked. `check` verifies an answer that came from elsewhere.

Input reaches `parse_expr` (which evaluates Python) only after it has been reduced to digits, single-letter
variables, `sqrt`/`pi`, `+ - * / ( )` and single-digit powers, so no names or attribute access get through,
and no power tower (9^9^9) can make sympy compute a huge number.
"""

from .display import pretty
from .equation import MAX_DEGREE, Equation, parse_equation
from .recognise import MAX_DIGITS, MAX_EQUATION, MAX_TEXT, find_equations
from .solve import MAX_CANDIDATES, MathResult, check, solve

__all__ = [
    "MAX_CANDIDATES",
    "MAX_DEGREE",
    "MAX_DIGITS",
    "MAX_EQUATION",
    "MAX_TEXT",
    "Equation",
    "MathResult",
    "check",
    "find_equations",
    "parse_equation",
    "pretty",
    "solve",
]
