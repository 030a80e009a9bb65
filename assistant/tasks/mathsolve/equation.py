"""Equations parsed with sympy, bounded to polynomial and rational ones, and values checked by substitution.

`parse_expr` (which evaluates Python) only ever sees text that recognise.usable accepted: digits,
single-letter variables, `sqrt`/`pi`, `+ - * / ( )` and single-digit powers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    rationalize,
    standard_transformations,
)

from .recognise import NAMES, usable

MAX_DEGREE = 4
TRANSFORMATIONS = (*standard_transformations, implicit_multiplication_application, convert_xor, rationalize)


def _degree_bound(expr: sympy.Expr) -> int | None:
    """An upper bound of the polynomial degree, without expanding; None if not polynomial or rational."""
    if not expr.free_symbols:
        return 0
    if expr.is_Symbol:
        return 1
    if expr.is_Add:
        bounds = [_degree_bound(a) for a in expr.args]
        return None if None in bounds else max(bounds)  # type: ignore[type-var]
    if expr.is_Mul:
        bounds = [_degree_bound(a) for a in expr.args]
        return None if None in bounds else sum(bounds)  # type: ignore[arg-type]
    if expr.is_Pow and expr.exp.is_Integer:
        base = _degree_bound(expr.base)
        return None if base is None else abs(int(expr.exp)) * base
    return None


@dataclass
class Equation:
    source: str  # normalised, e.g. '3*x+5=20'
    lhs: sympy.Expr
    rhs: sympy.Expr

    @property
    def expr(self) -> sympy.Expr:
        return self.lhs - self.rhs

    @property
    def symbols(self) -> set[sympy.Symbol]:
        return self.lhs.free_symbols | self.rhs.free_symbols  # x + 1 = x + 2 still has the unknown x


def parse(source: str) -> sympy.Expr:
    letters = set(re.findall(r"[A-Za-z]+", source)) - NAMES
    # Every letter is a plain symbol: otherwise E, I, N, S, O and Q would be sympy objects.
    local = {c: sympy.Symbol(c) for c in letters}
    return parse_expr(source, local_dict=local, transformations=TRANSFORMATIONS)


def parse_equation(source: str) -> Equation | None:
    """A normalised equation parsed with sympy, or None if it is not a bounded polynomial/rational one."""
    if not usable(source):
        return None
    try:
        lhs, rhs = (parse(side) for side in source.split("="))
    except Exception:  # malformed OCR input surfaces as many exception types: the candidate is skipped
        return None
    for side in (lhs, rhs):
        bound = _degree_bound(side)
        if bound is None or bound > MAX_DEGREE * 2:
            return None
    return Equation(source, lhs, rhs)


def is_zero(value: sympy.Expr) -> bool:
    value = sympy.simplify(value)
    if value == 0:
        return True
    # Decimal answers (from an LLM) are compared numerically, to about machine precision.
    return bool(value.is_number and value.is_finite and abs(complex(value.evalf())) < 1e-9)


def verifies(eq: Equation, values: dict[sympy.Symbol, sympy.Expr]) -> bool:
    """Both sides, with the values substituted, are equal (and finite: 1/x = 0 is not solved by x = 0)."""
    try:
        return is_zero(eq.lhs.subs(values) - eq.rhs.subs(values))
    except (TypeError, ValueError, ZeroDivisionError):
        return False
