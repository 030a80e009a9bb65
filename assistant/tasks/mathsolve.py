"""Recognising and checking math in OCR text: equations are solved with sympy and every answer is verified.

Only polynomial (degree ≤ 4) and rational equations in one unknown, and systems of two linear equations,
are solved here; anything else (or anything too large) gives None, and the caller asks the LLM and says
the answer is not checked. `check` verifies an answer that came from elsewhere.

Input reaches `parse_expr` (which evaluates Python) only after it has been reduced to digits, single-letter
variables, `sqrt`/`pi`, `+ - * / ( )` and single-digit powers, so no names or attribute access get through,
and no power tower (9^9^9) can make sympy compute a huge number.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import sympy
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    rationalize,
    standard_transformations,
)

MAX_TEXT = 20_000  # characters of OCR text looked at; a longer text is refused
MAX_EQUATION = 200  # characters of one normalised equation
MAX_CANDIDATES = 12
MAX_DEGREE = 4
MAX_DIGITS = 15

TRANSFORMATIONS = (*standard_transformations, implicit_multiplication_application, convert_xor, rationalize)
NAMES = {"sqrt", "pi"}  # the only multi-letter names kept whole; other words are prose and end a candidate

# OCR and typographic forms of the operators; superscript digits are handled before NFKC turns ² into 2.
_CHAR_FIXES = str.maketrans(
    {"×": "*", "✕": "*", "·": "*", "⋅": "*", "∙": "*", "÷": "/", "−": "-", "–": "-", "‐": "-", "﹣": "-"}
    | {"[": "(", "]": ")", "{": " ", "}": " "}  # braces are usually the bracket of an equation system
)
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_MATH_RUN = re.compile(r"[0-9A-Za-z.+\-*/^()= ]+")
_TOKEN = re.compile(r"\d+(?:\.\d+)?|\.\d+|[A-Za-z]+|\*\*|[-+*/()=]")
_NAMED = re.compile(
    r"(?:(?i:solve\s+for|find(?:\s+the\s+value\s+of)?)\s+|(?:求出?|解出)\s*)([A-Za-z])(?![A-Za-z])"
)
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _clean(text: str) -> str:
    """Operators and digits as ASCII: ×→*, −→-, x²→x^2, full-width forms (＝, （, ３) via NFKC."""
    text = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+", lambda m: "^" + m.group().translate(_SUPERSCRIPT), text)
    return unicodedata.normalize("NFKC", text.translate(_CHAR_FIXES))


def _to_sympy(candidate: str) -> str | None:
    """`2(x - 3) = 4x + 8` → `2*(x-3)=4*x+8`: explicit multiplication, `**` powers; None if not usable."""
    s = re.sub(r"\s+", "", candidate).replace("^", "**")
    tokens = _TOKEN.findall(s)
    if "".join(tokens) != s:
        return None
    out: list[str] = []
    for token in tokens:
        parts = [token] if not token.isalpha() or token in NAMES else list(token)  # 'xy' is x·y
        for part in parts:
            prev = out[-1] if out else ""
            if prev[-1:].isalpha() and part[0].isdigit():
                return None  # 'x2' is x² read without its superscript, or a subscript: don't guess
            operand_before = prev[-1:].isalnum() or prev == ")"
            if operand_before and prev != "sqrt" and (part[0].isalnum() or part == "("):
                out.append("*")
            out.append(part)
    return "".join(out)


def _usable(eq: str) -> bool:
    if len(eq) > MAX_EQUATION or eq.count("=") != 1 or eq.count("(") != eq.count(")"):
        return False
    lhs, rhs = eq.split("=")
    letters = set(re.findall(r"[A-Za-z]+", eq)) - NAMES
    if not lhs or not rhs or not letters or re.search(r"[-+*/]$", lhs) or re.match(r"[*/]", rhs):
        return False
    # A power is one digit and never a tower: 9**9**9 would make sympy compute an enormous integer.
    if re.search(r"\*\*(?!\d(?![\d.]|\*\*))", eq):
        return False
    return not re.search(rf"\d{{{MAX_DIGITS + 1},}}", eq)


def find_equations(text: str) -> list[str]:
    """Equation candidates in OCR text (one `=`, at least one variable), normalised for sympy."""
    if len(text) > MAX_TEXT:
        return []
    found: list[str] = []
    for line in _clean(text).splitlines():
        for run in _MATH_RUN.findall(line):
            # Words of prose ('Solve', 'for') split a run; single letters are variables, 'sqrt' a function.
            for piece in re.split(r"\b(?!(?:sqrt|pi)\b)[A-Za-z]{2,}\b", run):
                piece = piece.strip(" .").lstrip("+*/^=").rstrip("+-*/^=")
                if "=" not in piece:
                    continue
                eq = _to_sympy(piece)
                if eq is not None and _usable(eq) and eq not in found:
                    found.append(eq)
    return found


# --- parsing and solving ------------------------------------------------------------------------------


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


def _parse(source: str) -> sympy.Expr:
    letters = set(re.findall(r"[A-Za-z]+", source)) - NAMES
    # Every letter is a plain symbol: otherwise E, I, N, S, O and Q would be sympy objects.
    local = {c: sympy.Symbol(c) for c in letters}
    return parse_expr(source, local_dict=local, transformations=TRANSFORMATIONS)


def parse_equation(source: str) -> Equation | None:
    """A normalised equation parsed with sympy, or None if it is not a bounded polynomial/rational one."""
    if not _usable(source):
        return None
    try:
        lhs, rhs = (_parse(side) for side in source.split("="))
    except Exception:  # malformed OCR input surfaces as many exception types: the candidate is skipped
        return None
    for side in (lhs, rhs):
        bound = _degree_bound(side)
        if bound is None or bound > MAX_DEGREE * 2:
            return None
    return Equation(source, lhs, rhs)


def _is_zero(value: sympy.Expr) -> bool:
    value = sympy.simplify(value)
    if value == 0:
        return True
    # Decimal answers (from an LLM) are compared numerically, to about machine precision.
    return bool(value.is_number and value.is_finite and abs(complex(value.evalf())) < 1e-9)


def _verifies(eq: Equation, values: dict[sympy.Symbol, sympy.Expr]) -> bool:
    """Both sides, with the values substituted, are equal (and finite: 1/x = 0 is not solved by x = 0)."""
    try:
        return _is_zero(eq.lhs.subs(values) - eq.rhs.subs(values))
    except (TypeError, ValueError, ZeroDivisionError):
        return False


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


def _named_variable(text: str) -> str | None:
    match = _NAMED.search(_clean(text[:MAX_TEXT]))
    return match.group(1) if match else None


def solve(text: str) -> MathResult | None:
    """Solve the equation(s) in OCR text and check the solutions; None if there is nothing we can solve."""
    equations = [e for s in find_equations(text)[:MAX_CANDIDATES] if (e := parse_equation(s)) is not None]
    if not equations:
        return None
    words = _WORDS["zh" if _HAN.search(text) else "en"]
    decimals = bool(re.search(r"\d\.\d", text))
    named = _named_variable(text)
    if len(equations) >= 2 and (result := _solve_system(equations, named, words, decimals)) is not None:
        return result
    for eq in equations:
        names = {s.name: s for s in eq.symbols}
        if named in names:
            var = names[named]
        elif named is not None:
            continue  # 'solve for x' and this equation has no x: a fragment of prose such as 'b = 0'
        elif len(names) == 1:
            var = next(iter(names.values()))
        else:
            continue
        if (result := _solve_one(eq, var, words, decimals)) is not None:
            return result
    return None


def _solve_one(eq: Equation, var: sympy.Symbol, words: dict[str, str], decimals: bool) -> MathResult | None:
    num, den = sympy.fraction(sympy.together(eq.expr))
    problem = pretty(eq.source)
    if not num.has(var):
        identity = _is_zero(num)
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
        roots = [r for r in sympy.solve(num, var) if not _is_zero(den.subs(var, r))]
    except NotImplementedError:
        return None
    real = [r for r in roots if r.is_real]
    complex_dropped = bool(real) and len(real) < len(roots)
    if complex_dropped:  # x³ = 8 is answered with 2, as at school; only when no root is real are others shown
        roots = real
    roots = sorted(
        set(roots), key=lambda r: (not r.is_real, r if r.is_real else 0, sympy.default_sort_key(r))
    )
    values = [_show(r, decimals) for r in roots]
    checks = [_verifies(eq, {var: r}) for r in roots]
    steps = [problem, *_steps(eq, var, poly, den, words, decimals)]
    shown = [_show(r, decimals, plain=True) for r in roots]
    steps.append(words["or"].join(f"{var.name} = {v}" for v in shown) if roots else words["none"])
    if len(roots) == 1 and poly.degree() == 2:
        steps[-1] += words["double"]
    if complex_dropped:
        steps[-1] += words["real"]
    steps = [s for i, s in enumerate(steps) if i == 0 or s != steps[i - 1]]
    explanation = " → ".join(steps)
    if roots:
        proofs = [_check_text(eq, {var: r}, ok, decimals) for r, ok in zip(roots, checks, strict=True)]
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
        return [f"{_term(a, var.name, decimals)} = {_show(-b, decimals, plain=True)}"]
    if poly.degree() != 2:
        return []
    expanded = sympy.expand(eq.expr * den)  # den is a constant here; clearing it keeps integer coefficients
    steps = [f"{_plain(expanded)} = 0"]
    factored = sympy.factor(expanded)
    if factored.is_Mul or factored.is_Pow:
        steps.append(f"{_plain(factored)} = 0")
    else:
        a, b, c = sympy.Poly(expanded, var).all_coeffs()
        delta = b**2 - 4 * a * c
        steps.append(f"Δ = b² - 4ac = {_plain(delta)}")
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
            ok = all(_verifies(eq, values) for eq in (first, second))
            problem = f"{pretty(first.source)}, {pretty(second.source)}"
            shown = [_show(values[s], decimals) for s in unknowns]
            answer = ", ".join(f"{s.name} = {v}" for s, v in zip(unknowns, shown, strict=True))
            checks = ", ".join(
                _check_text(eq, values, _verifies(eq, values), decimals) for eq in (first, second)
            )
            explanation = f"{problem} → {words['system']} → {answer}{words['sep']}{words['check']}{checks}"
            names = ", ".join(s.name for s in unknowns)
            return MathResult(problem, names, [f"({', '.join(shown)})"], ok, explanation)
    return None


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
    value = re.sub(rf"^\s*{variable}\s*=", "", _clean(value)).strip().rstrip(".")
    value_source = _to_sympy(value) if value else None
    if not candidates or value_source is None or (eq := parse_equation(candidates[0])) is None:
        return False
    # The value must be a number ('x=' only lends _usable the letter it requires) within the same limits.
    if not _usable(f"x={value_source}") or re.search(r"[A-Za-z]", value_source.replace("sqrt", "")):
        return False
    try:
        number = _parse(value_source)
    except Exception:  # as in parse_equation: an unparsable value is not an answer
        return False
    return _verifies(eq, {sympy.Symbol(variable): number})


# --- display ------------------------------------------------------------------------------------------

_SUPER_OUT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def pretty(source: str, dots: bool = False) -> str:
    """`2*(x-3)=4*x+8` → `2(x - 3) = 4x + 8`. With `dots`, every product shows as `·` (`3·5 + 5`)."""
    tokens = _TOKEN.findall(source)
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


def _plain(expr: sympy.Expr) -> str:
    """A sympy expression in the same display form: `x**2 - 5*x + 6` → `x² - 5x + 6`."""
    return pretty(re.sub(r"\bI\b", "i", str(expr).replace(" ", "")))


def _term(coeff: sympy.Expr, name: str, decimals: bool) -> str:
    if coeff == 1:
        return name
    if coeff == -1:
        return f"-{name}"
    text = _show(coeff, decimals, plain=True)
    return f"{text}{name}" if re.fullmatch(r"-?[\d.]+", text) else f"({text}){name}"


def _show(value: sympy.Expr, decimals: bool, plain: bool = False) -> str:
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
    return _plain(value) if plain else str(value).replace(" ", "")


def _check_text(eq: Equation, values: dict[sympy.Symbol, sympy.Expr], ok: bool, decimals: bool) -> str:
    """`3·5 + 5 = 20 ✓`: the equation with the values put in, and both sides' values if not plain."""
    mark = "✓" if ok else "✗"
    if not all(v.is_Rational for v in values.values()):
        return (
            ", ".join(f"{s.name} = {_show(v, decimals, plain=True)}" for s, v in values.items()) + f" {mark}"
        )
    by_name = {s.name: v for s, v in values.items()}
    source = _TOKEN.findall(eq.source)
    tokens = []
    for i, token in enumerate(source):
        if token in by_name:
            value = _show(by_name[token], decimals)
            prev, nxt = source[i - 1] if i else "", source[i + 1] if i + 1 < len(source) else ""
            # Brackets only where they matter: 4·(-7), (1/2)², but (-7 - 3) rather than ((-7) - 3).
            alone = prev in ("", "(", "=") and nxt in ("", ")", "=", "+", "-")
            token = value if alone or re.fullmatch(r"[\d.]+", value) else f"({value})"
        tokens.append(token)
    lt, rt = pretty("".join(tokens), dots=True).split(" = ")
    lv, rv = (_show(sympy.simplify(side.subs(values)), decimals) for side in (eq.lhs, eq.rhs))
    if rt == rv or lt == lv:
        return f"{lt} = {rt} {mark}" if ok else f"{lt} = {lv} ≠ {rv} {mark}"
    return f"{lt} = {rt} → {lv} {'=' if ok else '≠'} {rv} {mark}"
