"""Recognising math in OCR text: operators and digits cleaned up, equation candidates found, each one
rewritten in sympy's syntax and bounded (see `usable`) before anything parses it.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TEXT = 20_000  # characters of OCR text looked at; a longer text is refused
MAX_EQUATION = 200  # characters of one normalised equation
MAX_DIGITS = 15

NAMES = {"sqrt", "pi"}  # the only multi-letter names kept whole; other words are prose and end a candidate

# OCR and typographic forms of the operators; superscript digits are handled before NFKC turns ² into 2.
_CHAR_FIXES = str.maketrans(
    {"×": "*", "✕": "*", "·": "*", "⋅": "*", "∙": "*", "÷": "/", "−": "-", "–": "-", "‐": "-", "﹣": "-"}
    | {"[": "(", "]": ")", "{": " ", "}": " "}  # braces are usually the bracket of an equation system
)
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_MATH_RUN = re.compile(r"[0-9A-Za-z.+\-*/^()= ]+")
TOKEN = re.compile(r"\d+(?:\.\d+)?|\.\d+|[A-Za-z]+|\*\*|[-+*/()=]")
_NAMED = re.compile(
    r"(?:(?i:solve\s+for|find(?:\s+the\s+value\s+of)?)\s+|(?:求出?|解出)\s*)([A-Za-z])(?![A-Za-z])"
)
HAN = re.compile(r"[\u4e00-\u9fff]")


def clean(text: str) -> str:
    """Operators and digits as ASCII: ×→*, −→-, x²→x^2, full-width forms (＝, （, ３) via NFKC."""
    text = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+", lambda m: "^" + m.group().translate(_SUPERSCRIPT), text)
    return unicodedata.normalize("NFKC", text.translate(_CHAR_FIXES))


def to_sympy(candidate: str) -> str | None:
    """`2(x - 3) = 4x + 8` → `2*(x-3)=4*x+8`: explicit multiplication, `**` powers; None if not usable."""
    s = re.sub(r"\s+", "", candidate).replace("^", "**")
    tokens = TOKEN.findall(s)
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


def usable(eq: str) -> bool:
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
    for line in clean(text).splitlines():
        for run in _MATH_RUN.findall(line):
            # Words of prose ('Solve', 'for') split a run; single letters are variables, 'sqrt' a function.
            for piece in re.split(r"\b(?!(?:sqrt|pi)\b)[A-Za-z]{2,}\b", run):
                piece = piece.strip(" .").lstrip("+*/^=").rstrip("+-*/^=")
                if "=" not in piece:
                    continue
                eq = to_sympy(piece)
                if eq is not None and usable(eq) and eq not in found:
                    found.append(eq)
    return found


def named_variable(text: str) -> str | None:
    match = _NAMED.search(clean(text[:MAX_TEXT]))
    return match.group(1) if match else None
