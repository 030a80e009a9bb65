"""The math path of ask: a problem on the page is solved with sympy and checked by substitution; one sympy
cannot parse is solved by the model and marked "not checked"."""

from __future__ import annotations

from collections.abc import Sequence

from .. import prompts
from ..answer import Answer
from ..backends.base import Backend
from ..documents.model import Page
from . import mathsolve
from .grounding import Located, locate
from .read import page_text
from .replies import reply_text
from .request import TokenSink

MATH_WORDS = ("solve", "equation", "calculate", "math", "解", "方程", "计算", "这道题")
MODEL_ANSWER_TOKENS = 320
PROBLEM_CHARS = 1200  # of the page's text, in the model's prompt


def is_math_question(question: str) -> bool:
    low = question.casefold()
    return any(word in low for word in MATH_WORDS)


def solve_math(
    pages: Sequence[tuple[str, Page]],
    question: str,
    backend: Backend,
    variant: str,
    regions: Sequence[Located],
    on_token: TokenSink | None,
) -> Answer | None:
    """Solve a problem on the page with sympy (checked); failing that, with the model (not checked).
    None when the page holds no problem ("how is the dispute 解决"): then ask answers from the document."""
    text = "\n".join(page_text(page.regions) for _, page in pages)
    result = mathsolve.solve(text)
    if result is not None:
        if result.checked:
            note = "checked with sympy: the solution satisfies the equation"
        elif not result.solutions:
            note = "solved with sympy: the equation has no single solution (see the answer)"
        else:
            note = "not checked: sympy could not confirm the solution"
        if on_token:
            on_token(result.explanation)
        return Answer("ask", result.explanation, locate(result.problem, regions), [note])
    if not mathsolve.find_equations(text):
        return None
    profile = backend.profile
    messages = prompts.messages(
        "math", profile.prompt_variant(variant), profile.name, problem=text[:PROBLEM_CHARS], question=question
    )
    pieces = []
    for piece in backend.generate(messages, max_tokens=MODEL_ANSWER_TOKENS):
        pieces.append(piece)
        if on_token:
            on_token(piece)
    note = "not checked: sympy could not parse the problem, the model solved it"
    return Answer("ask", reply_text(pieces), [], [note])
