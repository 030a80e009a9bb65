"""Run a short sympy program the model wrote for a problem, in a separate process that can be stopped.

The program may only use arithmetic, names it defines, sympy's mathematical functions and a few methods of
their results (no imports of its own, no attributes beyond those, no dunder names, no loops over data it
was not given): what a problem's setup needs and nothing a document's text could abuse. It runs under a
time and memory limit in a child process (`python -m assistant.tasks.mathsolve.sandbox`, the program on
stdin, a JSON result on stdout). It sets `answer`; where it also sets `equation` (an Eq or a list of them),
the answer is substituted back and the check's outcome reported.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from dataclasses import dataclass

TIME_LIMIT_S = 10.0
MEMORY_BYTES = 1024 * 1024 * 1024
MAX_PROGRAM_CHARS = 4000
MAX_NUMBER = 10**15
MAX_EXPONENT = 12

# sympy's mathematical vocabulary, and the few methods a setup calls on its results.
FUNCTIONS = {
    "symbols", "Symbol", "Eq", "solve", "solveset", "nsolve", "linsolve", "simplify", "expand", "factor",
    "apart", "together", "cancel", "diff", "integrate", "limit", "series", "summation", "product", "sqrt",
    "cbrt", "root", "exp", "log", "ln", "sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan",
    "atan2", "sinh", "cosh", "tanh", "pi", "E", "I", "oo", "Rational", "Integer", "Float", "N", "nsimplify",
    "Abs", "floor", "ceiling", "factorial", "binomial", "gcd", "lcm", "Matrix", "rad", "deg", "Min", "Max",
    "Piecewise", "Sum", "Interval", "S", "round", "abs", "min", "max", "float", "int", "list", "len", "sum",
    "range", "dict", "tuple", "sorted",
}  # fmt: skip
METHODS = {
    "subs", "evalf", "n", "simplify", "expand", "factor", "rhs", "lhs", "args", "doit", "as_numer_denom",
    "coeff", "is_real", "is_positive", "free_symbols", "items", "keys", "values", "round", "rewrite",
}  # fmt: skip
_ALLOWED_NODES = (
    ast.Module, ast.Assign, ast.AugAssign, ast.Expr, ast.Name, ast.Load, ast.Store, ast.Constant, ast.BinOp,
    ast.UnaryOp, ast.Call, ast.keyword, ast.Tuple, ast.List, ast.Dict, ast.Subscript, ast.Slice,
    ast.Compare, ast.Attribute, ast.operator, ast.unaryop, ast.cmpop, ast.ListComp, ast.comprehension,
    ast.IfExp, ast.BoolOp, ast.boolop, ast.Starred,
)  # fmt: skip
_MODULE_ALIASES = {"sympy", "sp", "sym", "math", "np"}  # `sp.sqrt(2)` is read as `sqrt(2)`


class UnsafeProgram(ValueError):
    pass


@dataclass(frozen=True)
class Outcome:
    answer: str | None  # sympy's printing of `answer`
    solved_for: list[str]  # the unknowns of `equation`, where one was set
    checked: bool | None  # the answer satisfies `equation` (None: no equation to check against)
    decimal: str | None  # the answer as a decimal, when it is a number that is not an integer
    error: str | None = None


def clean_program(code: str) -> str:
    """The program without fences, imports and prints, and with `sp.` prefixes dropped; checked for safety."""
    lines = []
    for line in code.replace("\r", "").splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "import ", "from ", "print(")):
            continue
        lines.append(line.rstrip())
    program = "\n".join(lines).strip()
    if len(program) > MAX_PROGRAM_CHARS:
        raise UnsafeProgram("the program is too long")
    tree = ast.parse(program)
    _check(tree)
    return program


def _check(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise UnsafeProgram(f"{type(node).__name__} is not allowed")
        if isinstance(node, ast.Name) and (node.id.startswith("_") or node.id in {"eval", "exec", "open"}):
            raise UnsafeProgram(f"the name {node.id!r} is not allowed")
        if isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                raise UnsafeProgram(f"the attribute {node.attr!r} is not allowed")
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in _MODULE_ALIASES:
                if node.attr not in FUNCTIONS:
                    raise UnsafeProgram(f"{owner.id}.{node.attr} is not allowed")
            elif node.attr not in METHODS:
                raise UnsafeProgram(f"the method {node.attr!r} is not allowed")
        if isinstance(node, ast.Constant) and _number(node) and abs(node.value) > MAX_NUMBER:
            raise UnsafeProgram("a number that large is not a school problem")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and not _small_exponent(node.right):
            raise UnsafeProgram("a power must be a small number or a name")


def _number(node: ast.Constant) -> bool:
    return isinstance(node.value, int | float) and not isinstance(node.value, bool)


def _small_exponent(node: ast.expr) -> bool:
    """2, -1, 0.5 or a name: never a tower such as 9**9**9, which would take sympy forever."""
    if isinstance(node, ast.UnaryOp):
        node = node.operand
    if isinstance(node, ast.Constant) and _number(node):
        return abs(node.value) <= MAX_EXPONENT
    return isinstance(node, ast.Name)


def run_program(code: str, timeout_s: float = TIME_LIMIT_S) -> Outcome:
    """Run the program in a child process; an unsafe, failing or slow program gives an Outcome with error."""
    try:
        program = clean_program(code)
    except (SyntaxError, UnsafeProgram) as exc:
        return Outcome(None, [], None, None, f"the program was not run: {exc}")
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "assistant.tasks.mathsolve.sandbox"],
            input=program,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env={**os.environ, "PYTHONHASHSEED": "0"},
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Outcome(None, [], None, None, f"the program ran longer than {timeout_s:g} s")
    try:
        data = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return Outcome(None, [], None, None, f"the program failed: {last}")
    return Outcome(**data)


# --- the child process -----------------------------------------------------------------------------


def _namespace() -> dict:
    import math

    import sympy

    names = {name: getattr(sympy, name) for name in FUNCTIONS if hasattr(sympy, name)}
    names.update(ln=sympy.log, round=round, abs=abs, min=min, max=max, float=float, int=int, list=list,
                 len=len, sum=sum, range=range, dict=dict, tuple=tuple, sorted=sorted)  # fmt: skip
    for alias in _MODULE_ALIASES:
        names[alias] = _Module(names, math)
    return {"__builtins__": {}, **names}


class _Module:
    """`sp.sqrt` / `math.pi` in a program: the same whitelisted names."""

    def __init__(self, names: dict, math_module: object) -> None:
        self._names = names
        self._math = math_module

    def __getattr__(self, name: str) -> object:
        if name in self._names:
            return self._names[name]
        raise AttributeError(name)


def _limit_resources() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (int(TIME_LIMIT_S) + 1, int(TIME_LIMIT_S) + 1))


def _evaluate(program: str) -> dict:
    import sympy

    scope = _namespace()
    exec(compile(program, "<program>", "exec"), scope)  # checked by clean_program before it got here
    if "answer" not in scope:
        return {"answer": None, "solved_for": [], "checked": None, "decimal": None,
                "error": "the program sets no answer"}  # fmt: skip
    answer = scope["answer"]
    if isinstance(answer, list | tuple) and len(answer) == 1:
        answer = answer[0]
    equations = scope["equation"] if "equation" in scope else scope.get("equations")
    if equations is not None and not isinstance(equations, list | tuple):
        equations = [equations]
    checked, solved_for, places = None, [], rounding_places(program)
    if equations is not None and len(equations):
        unknowns = sorted({s for eq in equations for s in getattr(eq, "free_symbols", set())}, key=str)
        solved_for = [str(s) for s in (answer if isinstance(answer, dict) else unknowns)]
        checked = _satisfies(equations, unknowns, answer, places)
    decimal, shown = None, str(answer)
    try:
        value = sympy.sympify(answer)
        if value.is_number and not value.is_Integer:
            decimal = str(sympy.N(value, 6))
        if value.is_Float and places is not None:  # rounded by the program: 58.0000000000000 is 58
            shown = f"{float(value):.{places}f}" if places > 0 else str(round(float(value)))
    except (sympy.SympifyError, TypeError, AttributeError, ValueError, OverflowError):
        pass
    return {"answer": shown, "solved_for": solved_for, "checked": checked, "decimal": decimal,
            "error": None}  # fmt: skip


def rounding_places(program: str) -> int | None:
    """The fewest decimal places the program rounds to (`round(x, 2)`, `x.round(2)`; `round(x)`: 0), or
    None where it does not round."""
    places = []
    for node in ast.walk(ast.parse(program)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "round":
            digits = node.args[1:2]
        elif isinstance(func, ast.Attribute) and func.attr == "round":
            digits = node.args[:1]
        else:
            continue
        if not digits:
            places.append(0)
        elif isinstance(digits[0], ast.Constant) and isinstance(digits[0].value, int):
            places.append(digits[0].value)
    return min(places) if places else None


def _satisfies(equations: list, unknowns: list, answer: object, places: int | None = None) -> bool | None:
    """The answer solves every equation. An answer rounded to `places` decimals (as the problem asked)
    solves one when a root of it lies within half a unit of its last place: rounded, 58 solves
    2π·43·h + 2π·43² = 27288 (h = 57.997…), though substituting it leaves a residual."""
    import sympy

    if isinstance(answer, dict):
        values = answer
    elif len(unknowns) == 1 and not isinstance(answer, list | tuple | dict):
        values = {unknowns[0]: answer}
    else:
        return None
    try:
        for eq in equations:
            difference = sympy.sympify((eq.lhs - eq.rhs) if isinstance(eq, sympy.Eq) else eq)
            residual = sympy.simplify(difference.subs(values))
            if residual == 0 or (residual.is_number and abs(complex(sympy.N(residual))) < 1e-6):
                continue
            if places is None or len(values) != 1:
                return False
            ((unknown, value),) = values.items()
            if not _root_within(difference, unknown, sympy.N(value), 0.5 * 10.0**-places):
                return False
        return True
    except (TypeError, ValueError, AttributeError, sympy.SympifyError):
        return None


def _root_within(difference: object, unknown: object, value: object, distance: float) -> bool:
    """`difference` changes sign (or is zero) between value ± distance: it has a real root there."""
    import sympy

    ends = [complex(sympy.N(difference.subs(unknown, value + step))) for step in (-distance, distance)]
    if any(abs(end.imag) > 1e-9 for end in ends):
        return False
    low, high = (end.real for end in ends)
    return low == 0 or high == 0 or (low < 0) != (high < 0)


def main() -> None:
    _limit_resources()
    program = sys.stdin.read()
    try:
        clean_program(program)  # the child checks again: it must never run an unchecked program
        result = _evaluate(program)
    except Exception as exc:  # the program's own failure, reported as such
        result = {"answer": None, "solved_for": [], "checked": None, "decimal": None,
                  "error": f"{type(exc).__name__}: {exc}"}  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
