"""Math as a person writes it: `2*(x-3)=4*x+8` shown as `2(x - 3) = 4x + 8`, solutions and check lines."""

from __future__ import annotations

import re

import sympy

from .equation import Equation
from .recognise import TOKEN

_SUPER_OUT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def pretty(source: str, dots: bool = False) -> str:
    """`2*(x-3)=4*x+8` → `2(x - 3) = 4x + 8`. With `dots`, every product shows as `·` (`3·5 + 5`)."""
    tokens = TOKEN.findall(source)
    out = ""
    for i, token in enumerate(tokens):
        prev = tokens[i - 1] if i else ""
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token == "**" and nxt.isdigit():
            continue
        if prev == "**" and token.isdigit():
            out += token.translate(_SUPER_OUT)
        elif token == "*":
            implicit = (prev[-1:].isalnum() or prev == ")") and (nxt[:1].isalpha() or nxt == "(")
            out += "" if implicit and not dots else "·"
        elif token in "+-" and (prev[-1:].isalnum() or prev == ")"):
            out += f" {token} "
        elif token == "=":
            out += " = "
        else:
            out += token
    return out


def display_form(expr: sympy.Expr) -> str:
    """A sympy expression in the same display form: `x**2 - 5*x + 6` → `x² - 5x + 6`."""
    return pretty(re.sub(r"\bI\b", "i", str(expr).replace(" ", "")))


def term(coeff: sympy.Expr, name: str, decimals: bool) -> str:
    if coeff == 1:
        return name
    if coeff == -1:
        return f"-{name}"
    text = show(coeff, decimals, plain=True)
    return f"{text}{name}" if re.fullmatch(r"-?[\d.]+", text) else f"({text}){name}"


def show(value: sympy.Expr, decimals: bool, plain: bool = False) -> str:
    """A solution as text: exact, but as a decimal when the problem used decimals and it terminates.

    `plain` gives the display form (`2x + 1`), else sympy's syntax (`2*x+1`).
    """
    if decimals and value.is_Rational and not value.is_Integer:
        q = int(value.q)
        while q % 2 == 0:
            q //= 2
        while q % 5 == 0:
            q //= 5
        if q == 1:
            return format(float(value), "g")
    return display_form(value) if plain else str(value).replace(" ", "")


def check_text(eq: Equation, values: dict[sympy.Symbol, sympy.Expr], ok: bool, decimals: bool) -> str:
    """`3·5 + 5 = 20 ✓`: the equation with the values put in, and both sides' values if not plain."""
    mark = "✓" if ok else "✗"
    if not all(v.is_Rational for v in values.values()):
        return (
            ", ".join(f"{s.name} = {show(v, decimals, plain=True)}" for s, v in values.items()) + f" {mark}"
        )
    by_name = {s.name: v for s, v in values.items()}
    source = TOKEN.findall(eq.source)
    tokens = []
    for i, token in enumerate(source):
        if token in by_name:
            value = show(by_name[token], decimals)
            prev, nxt = source[i - 1] if i else "", source[i + 1] if i + 1 < len(source) else ""
            # Brackets only where they matter: 4·(-7), (1/2)², but (-7 - 3) rather than ((-7) - 3).
            alone = prev in ("", "(", "=") and nxt in ("", ")", "=", "+", "-")
            token = value if alone or re.fullmatch(r"[\d.]+", value) else f"({value})"
        tokens.append(token)
    lt, rt = pretty("".join(tokens), dots=True).split(" = ")
    lv, rv = (show(sympy.simplify(side.subs(values)), decimals) for side in (eq.lhs, eq.rhs))
    if rt == rv or lt == lv:
        return f"{lt} = {rt} {mark}" if ok else f"{lt} = {lv} ≠ {rv} {mark}"
    return f"{lt} = {rt} → {lv} {'=' if ok else '≠'} {rv} {mark}"
