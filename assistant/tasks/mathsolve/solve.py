"""Solving the equations found in OCR text (one unknown, or two linear equations together) and checking
every solution by substitution; `check` verifies an answer that came from elsewhere (the LLM).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy

from .display import check_text, display_form, pretty, show, term
from .equation import MAX_DEGREE, Equation, is_zero, parse, parse_equation, verifies
from .recognise import HAN, MAX_EQUATION, MAX_TEXT, clean, find_equations, named_variable, to_sympy, usable

MAX_CANDIDATES = 12


@dataclass
class MathResult:
    problem: str  # the equation(s) as solved, in display form
    variable: str | None  # 'x', or 'x, y' for a system (then each solution is a tuple '(2, 3)')
    solutions: list[str]
    checked: bool  # every solution was substituted back and verified
    explanation: str

    @property
    def answer(self) -> str:
        """The solutions as one line, e.g. 'x = 2 or x = 3', 'x = 2, y = 3'."""
        if self.variable is None or not self.solutions:
            return ""
        names = [v.strip() for v in self.variable.split(",")]
        if len(names) == 1:
            return " or ".join(f"{names[0]} = {s}" for s in self.solutions)
        values = [s.strip("()").split(", ") for s in self.solutions]
        return " or ".join(", ".join(f"{n} = {v}" for n, v in zip(names, vs, strict=False)) for vs in values)


_WORDS = {
    "en": {"check": "check: ", "or": " or ", "sep": "; ", "none": "no solution", "all": "true for every {v}",
           "no_real": "Δ < 0: no real solution", "double": " (double root)", "real": " (real solutions only)",
           "system": "solve together"},
    "zh": {"check": "检验：", "or": " 或 ", "sep": "；", "none": "无解", "all": "对任意 {v} 都成立",
           "no_real": "Δ < 0，无实数解", "double": "（重根）", "real": "（只取实数解）",
           "system": "联立求解"},
}  # fmt: skip


def solve(text: str) -> MathResult | None:
    """Solve the equation(s) in OCR text and check the solutions; None if there is nothing we can solve."""
    equations = [e for s in find_equations(text)[:MAX_CANDIDATES] if (e := parse_equation(s)) is not None]
    if not equations:
        return None
    words = _WORDS["zh" if HAN.search(text) else "en"]
    decimals = bool(re.search(r"\d\.\d", text))
    named = named_variable(text)
    if len(equations) >= 2 and (result := _solve_system(equations, named, words, decimals)) is not None:
        return result
    for eq in equations:
        if (result := _solve_identity(eq, words, decimals)) is not None:
            return result
    for eq in equations:
        if _given(eq):
            continue  # "S = 27288" states a value the problem gives; there is nothing to solve in it
        names = {s.name: s for s in eq.symbols}
        if named in names:
            var = names[named]
        elif named is not None:
            continue  # 'solve for x' and this equation has no x: a fragment of prose such as 'b = 0'
        elif len(names) == 1:
            var = next(iter(names.values()))
        else:
            continue
        if (result := _solve_one(eq, var, words, decimals, symbolic=var.name == named)) is not None:
            return result
    return None


def _solve_one(
    eq: Equation, var: sympy.Symbol, words: dict[str, str], decimals: bool, symbolic: bool = False
) -> MathResult | None:
    """`symbolic`: the problem names the unknown ('求y'): an answer in the other letters is what it asks."""
    num, den = sympy.fraction(sympy.together(eq.expr))
    problem = pretty(eq.source)
    if not num.has(var):
        identity = is_zero(num)
        text = words["all"].format(v=var.name) if identity else words["none"]
        return MathResult(problem, var.name, [], False, f"{problem} → {text}")
    try:
        poly = sympy.Poly(sympy.expand(num), var)
    except sympy.PolynomialError:
        return None
    # Cubic and quartic formulas give huge radicals that sympy can take minutes to simplify in the check:
    # higher degrees are solved only when they factor into linear and quadratic pieces.
    if poly.degree() > MAX_DEGREE or any(f.degree() > 2 for f, _ in poly.factor_list()[1]):
        return None
    try:
        roots = [r for r in sympy.solve(num, var) if not is_zero(den.subs(var, r))]
    except NotImplementedError:
        return None
    if not symbolic and any(r.free_symbols for r in roots):
        return None  # x in terms of other unknowns (an identity in x, or too few equations): not a solution
    real = [r for r in roots if r.is_real]
    complex_dropped = bool(real) and len(real) < len(roots)
    if complex_dropped:  # x³ = 8 is answered with 2, as at school; only when no root is real are others shown
        roots = real
    roots = sorted(
        set(roots), key=lambda r: (not r.is_real, r if r.is_real else 0, sympy.default_sort_key(r))
    )
    values = [show(r, decimals) for r in roots]
    checks = [verifies(eq, {var: r}) for r in roots]
    steps = [problem, *_steps(eq, var, poly, den, words, decimals)]
    shown = [show(r, decimals, plain=True) for r in roots]
    steps.append(words["or"].join(f"{var.name} = {v}" for v in shown) if roots else words["none"])
    if len(roots) == 1 and poly.degree() == 2:
        steps[-1] += words["double"]
    if complex_dropped:
        steps[-1] += words["real"]
    steps = [s for i, s in enumerate(steps) if i == 0 or s != steps[i - 1]]
    explanation = " → ".join(steps)
    if roots:
        proofs = [check_text(eq, {var: r}, ok, decimals) for r, ok in zip(roots, checks, strict=True)]
        explanation += words["sep"] + words["check"] + ", ".join(proofs)
    return MathResult(problem, var.name, values, bool(roots) and all(checks), explanation)


def _steps(
    eq: Equation, var: sympy.Symbol, poly: sympy.Poly, den: sympy.Expr, words: dict[str, str], decimals: bool
) -> list[str]:
    """Middle steps: `3x = 15` for a linear equation; a factorisation or the discriminant for a quadratic."""
    if den.has(var):
        return []
    if poly.degree() == 1:
        a, b = sympy.Poly(sympy.expand(eq.expr), var).all_coeffs()  # as written: 0.5x = 0.75, not 2x = 3
        return [f"{term(a, var.name, decimals)} = {show(-b, decimals, plain=True)}"]
    if poly.degree() != 2:
        return []
    expanded = sympy.expand(eq.expr * den)  # den is a constant here; clearing it keeps integer coefficients
    steps = [f"{display_form(expanded)} = 0"]
    factored = sympy.factor(expanded)
    if factored.is_Mul or factored.is_Pow:
        steps.append(f"{display_form(factored)} = 0")
    else:
        a, b, c = sympy.Poly(expanded, var).all_coeffs()
        delta = b**2 - 4 * a * c
        steps.append(f"Δ = b² - 4ac = {display_form(delta)}")
        if delta.is_number and delta < 0:
            steps.append(words["no_real"])
    return steps


def _solve_system(
    equations: list[Equation], named: str | None, words: dict[str, str], decimals: bool
) -> MathResult | None:
    """Two linear equations that share two unknowns, solved together and checked in both."""
    for i, first in enumerate(equations):
        for second in equations[i + 1 :]:
            unknowns = sorted(first.symbols | second.symbols, key=lambda s: s.name)
            if len(unknowns) != 2 or not first.symbols or not second.symbols:
                continue
            if named is not None and named not in {s.name for s in unknowns}:
                continue
            if not all(_is_linear(eq, unknowns) for eq in (first, second)):
                continue
            found = sympy.solve([first.expr, second.expr], unknowns, dict=True)
            if len(found) != 1 or set(found[0]) != set(unknowns):
                continue  # no solution or infinitely many: not the problem we recognise
            values = found[0]
            ok = all(verifies(eq, values) for eq in (first, second))
            problem = f"{pretty(first.source)}, {pretty(second.source)}"
            shown = [show(values[s], decimals) for s in unknowns]
            answer = ", ".join(f"{s.name} = {v}" for s, v in zip(unknowns, shown, strict=True))
            checks = ", ".join(
                check_text(eq, values, verifies(eq, values), decimals) for eq in (first, second)
            )
            explanation = f"{problem} → {words['system']} → {answer}{words['sep']}{words['check']}{checks}"
            names = ", ".join(s.name for s in unknowns)
            return MathResult(problem, names, [f"({', '.join(shown)})"], ok, explanation)
    return None


def _solve_identity(eq: Equation, words: dict[str, str], decimals: bool) -> MathResult | None:
    """Coefficients that make an identity hold for every x: (5x+1)/((x-1)(x+2)) = A/(x-1) + B/(x+2).

    The unknowns are the capital letters, the variable the one lower-case letter; equal coefficients of
    each power of x give a linear system, and the answer is checked by putting it back in.
    """
    capitals = sorted((s for s in eq.symbols if s.name.isupper()), key=lambda s: s.name)
    variables = [s for s in eq.symbols if not s.name.isupper()]
    if not capitals or len(capitals) > 4 or len(variables) != 1:
        return None
    var = variables[0]
    num = sympy.fraction(sympy.together(eq.expr))[0]
    try:
        found = sympy.solve_undetermined_coeffs(sympy.expand(num), capitals, var, dict=True)
    except (NotImplementedError, ValueError, TypeError):
        return None
    found = found if isinstance(found, list) else [found]
    if len(found) != 1 or set(found[0]) != set(capitals):
        return None
    values = found[0]
    if any(v.free_symbols for v in values.values()):
        return None
    ok = verifies(eq, values)
    problem = pretty(eq.source)
    shown = [show(values[s], decimals) for s in capitals]
    answer = ", ".join(f"{s.name} = {v}" for s, v in zip(capitals, shown, strict=True))
    plain_values = ", ".join(f"{s.name} = {show(values[s], decimals, plain=True)}" for s in capitals)
    coefficients = sympy.Poly(sympy.expand(num), var).all_coeffs()  # each power of x: its coefficient is 0
    cleared = ", ".join(f"{display_form(c)} = 0" for c in coefficients if c.free_symbols)
    mark = "✓" if ok else "✗"
    explanation = f"{problem} → {cleared} → {answer}{words['sep']}{words['check']}{plain_values} {mark}"
    names = ", ".join(s.name for s in capitals)
    return MathResult(problem, names, [f"({', '.join(shown)})"], ok, explanation)


def _is_linear(eq: Equation, unknowns: list[sympy.Symbol]) -> bool:
    num, den = sympy.fraction(sympy.together(eq.expr))
    if den.has(*unknowns):
        return False
    try:
        return sympy.Poly(sympy.expand(num), *unknowns).total_degree() <= 1
    except sympy.PolynomialError:
        return False


def check(equation: str, variable: str, value: str) -> bool:
    """Whether `variable = value` satisfies `equation` (both as written, e.g. by the LLM: '3x+5=20', '5')."""
    if not re.fullmatch(r"[A-Za-z]", variable) or len(equation) > MAX_TEXT or len(value) > MAX_EQUATION:
        return False
    candidates = find_equations(equation)
    value = re.sub(rf"^\s*{variable}\s*=", "", clean(value)).strip().rstrip(".")
    value_source = to_sympy(value) if value else None
    if not candidates or value_source is None or (eq := parse_equation(candidates[0])) is None:
        return False
    # The value must be a number ('x=' only lends usable the letter it requires) within the same limits.
    if not usable(f"x={value_source}") or re.search(r"[A-Za-z]", value_source.replace("sqrt", "")):
        return False
    try:
        number = parse(value_source)
    except Exception:  # as in parse_equation: an unparsable value is not an answer
        return False
    return verifies(eq, {sympy.Symbol(variable): number})


def _given(eq: Equation) -> bool:
    """A lone unknown set to a number (x = 5): a given, or an answer already, never the problem."""
    return (eq.lhs.is_Symbol and eq.rhs.is_number) or (eq.rhs.is_Symbol and eq.lhs.is_number)
