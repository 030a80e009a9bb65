"""The math path of ask: a problem on the page is solved with sympy and checked.

First an equation the page states outright ("解方程：3x + 5 = 20") is solved and checked by substitution
(mathsolve). Otherwise the model writes the problem as a short sympy program (the formula of a word
problem, a fraction to decompose, a limit) and sympy runs it in a sandbox; where the program states an
equation, the answer is substituted back into it. The answer comes first ("h = 58"), then how. A problem no
program solves is answered by the model in words and marked "not checked".
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence

from .. import prompts
from ..answer import Answer, Citation
from ..backends.base import Backend
from ..documents.model import Page
from . import mathsolve
from .grounding import Located, ground_answer, locate
from .mathsolve.sandbox import Outcome, run_program
from .read import page_text
from .replies import reply_text
from .request import TokenSink

MATH_WORDS = ("solve", "equation", "calculate", "math", "解", "方程", "计算", "这道题")
# What a page holding a problem says: an instruction to find, round or express something. (Contracts say
# "计算" and "要求" too: those alone are no problem.)
_PROBLEM_CUES = re.compile(
    r"\b(?:find|solve|simplify|calculate|work out|round (?:your|the) answer|to the nearest|decimal places?"
    r"|exact (?:value|area|expression)|in terms of π)\b"
    r"|\bwhat is the (?:slope|midline|area|volume|perimeter|radius|length|distance|value|angle|height)\b"
    r"|解方程|化简|保留.{1,3}小数|如图"
    r"|求(?:出|解)?(?:[A-Za-z∠△]|.{0,4}(?:的值|长度|面积|体积|半径|周长|度数|距离|概率))",
    re.IGNORECASE,
)
# A question that asks outright for a solution: the page is a problem even when it states no cue of its own.
_ASKS_TO_SOLVE = re.compile(
    r"^\s*(?:solve|calculate|work (?:it|this) out)\b|\b(?:word|math|geometry) problem\b"
    r"|这道题|解题|解答|求解|应用题|算一下",
    re.IGNORECASE,
)
# "Final answer only", "只写最终结果": the answer is the result alone, without the working.
_RESULT_ONLY = re.compile(
    r"\b(?:(?:give |write )?only the (?:final )?(?:answer|result)|(?:final )?answer only|just the (?:final )?"
    r"(?:answer|result)|the (?:equation|result|number) only)\b"
    r"|只(?:写|给出?|要|需要?|输出)(?:最终|最后)?(?:的)?(?:结果|答案)",
    re.IGNORECASE,
)
_FINAL_LINE = re.compile(
    r"^\s*(?:\*\*)?(?:final answer|answer|答案|最终答案)(?:\*\*)?\s*[:：]\s*(.+)$", re.I | re.M
)
PROGRAM_TOKENS = 240
MODEL_ANSWER_TOKENS = 200  # a few short steps and the answer: more only runs the clock on a CPU
RESULT_TOKENS = 96  # "final answer only": a short working and the answer line
# A problem's time in seconds, from the question (reading the photo included): the program, and the
# working in words after it (the fallback when no program solved it), still being written then are cut
# short; no working is started with less than MIN_WORKING_S left. A photographed problem is so answered in
# about 20 s on two CPU cores, the CLI's start-up included.
PROBLEM_S = 16.0
MIN_WORKING_S = 4.0
PROBLEM_CHARS = 1200  # of the page's text, in the model's prompt
_ROUNDING = [
    (re.compile(r"nearest (?:whole number|integer|unit)|保留整数|取整|精确到个位", re.I), 0),
    (re.compile(r"(?:one|1) decimal place|nearest tenth|保留一位小数|精确到0?\.1|精确到十分位", re.I), 1),
    (
        re.compile(
            r"(?:two|2) decimal places|nearest hundredth|保留两位小数|精确到0?\.01|精确到百分位", re.I
        ),
        2,
    ),
    (re.compile(r"(?:three|3) decimal places|保留三位小数", re.I), 3),
]


def is_math_question(question: str, page: str = "") -> bool:
    """The question asks to solve something, or the page holds a problem and the question wants its answer."""
    low = question.casefold()
    return any(word in low for word in MATH_WORDS) or bool(page and _PROBLEM_CUES.search(page))


def solve_math(
    pages: Sequence[tuple[str, Page]],
    question: str,
    backend: Backend,
    variant: str,
    regions: Sequence[Located],
    on_token: TokenSink | None,
    started: float | None = None,
) -> Answer | None:
    """None when the page holds no problem ("how is the dispute 解决"): then ask answers from the document.
    `started`: when the question came (`time.perf_counter()`), before its pages were read."""
    deadline = (time.perf_counter() if started is None else started) + PROBLEM_S
    text = "\n".join(page_text(page.regions) for _, page in pages)
    if not text.strip():
        return None
    result = mathsolve.solve(text)
    result_only = bool(_RESULT_ONLY.search(question))
    if result is not None:
        if result.checked:
            note = "checked with sympy: the solution satisfies the equation"
        elif not result.solutions:
            note = "solved with sympy: the equation has no single solution (see the answer)"
        else:
            note = "not checked: sympy could not confirm the solution"
        shown = (result.answer or result.explanation) if result_only else result.explanation
        if on_token:
            on_token(shown)
        return Answer("ask", shown, locate(result.problem, regions), [note])
    if not (mathsolve.find_equations(text) or _PROBLEM_CUES.search(text) or _ASKS_TO_SOLVE.search(question)):
        return None
    profile = backend.profile
    values = {"problem": text[:PROBLEM_CHARS], "question": question}
    messages = prompts.messages("math", variant, profile.name, **values)
    pieces, cut = _until(backend.generate(messages, max_tokens=PROGRAM_TOKENS), deadline)
    program = reply_text(pieces)
    outcome = Outcome(None, [], None, None, "cut short at the time limit") if cut else run_program(program)
    if outcome.answer is not None and outcome.checked is not False:
        wording = text + "\n" + question
        return _program_answer(outcome, program, wording, variant, regions, on_token, result_only)
    failure = outcome.error or "it did not check"
    notes = [f"the program the model wrote gave no answer ({failure})"]
    if deadline - time.perf_counter() < MIN_WORKING_S:
        reply = prompts.parts("math", variant)["unsolved"].format(error=failure)
        if on_token:
            on_token(reply)
        return Answer("ask", reply, _problem_citations(program, regions), notes)
    messages = prompts.messages("math_free", variant, profile.name, **values)
    budget = RESULT_TOKENS if result_only else MODEL_ANSWER_TOKENS
    # The working streams; a result alone comes at the end.
    pieces, cut = _until(
        backend.generate(messages, max_tokens=budget),
        deadline,
        None if result_only else on_token,
    )
    if cut:
        notes.append(f"the working was cut short at {PROBLEM_S:g} s: it may be unfinished")
    notes.append("not checked: sympy could not solve the problem, the model answered it")
    worked = reply_text(pieces)
    reply = _result_of(worked, cut, variant) if result_only else worked
    if on_token and result_only:
        on_token(reply)
    return Answer("ask", reply, _problem_citations(worked, regions), notes)


def _until(
    pieces: Iterable[str], deadline: float, on_token: TokenSink | None = None
) -> tuple[list[str], bool]:
    """The reply's pieces (each passed on to `on_token`) until `deadline` (`time.perf_counter()`), and
    whether it was cut short there; the generation is then stopped."""
    reply = iter(pieces)
    taken: list[str] = []
    try:
        for piece in reply:
            taken.append(piece)
            if on_token:
                on_token(piece)
            if time.perf_counter() > deadline:
                return taken, True
        return taken, False
    finally:
        stop = getattr(reply, "close", None)  # a generator: the model stops generating now
        if stop is not None:
            stop()


# What stands left of "=" when a result names its unknown: x, BD, h_1, f(x), ∠ABC (not "π(3^2)", "2x").
_UNKNOWN = re.compile(r"[A-Za-zα-ωΑ-Ω∠△][A-Za-z0-9_′']*(?:\([A-Za-z]\))?")


def _result_of(worked: str, cut: bool, variant: str) -> str:
    """The result alone of a working in words; a working cut short before its answer line has none (its
    last line is half a sentence), and the reply says so."""
    if cut and not _FINAL_LINE.search(worked):
        return prompts.parts("math", variant)["cut"]
    return _result(worked)


def _result(worked: str) -> str:
    """The result of a working: its answer line, else its last line; of a chain of equal signs, the last
    side, after the unknown it is the value of ("d = 10.7 / cos 25° = 11.8" → "d = 11.8")."""
    final = _FINAL_LINE.findall(worked)
    lines = [line.strip() for line in worked.splitlines() if line.strip()]
    result = final[-1].strip() if final else (lines[-1] if lines else worked.strip())
    sides = [side.strip() for side in result.split("=")]
    if len(sides) > 1 and not _UNKNOWN.fullmatch(sides[0]):  # "π · (3 cm)^2 = 9π cm^2": a computation
        return sides[-1]
    if len(sides) > 2:  # "d = 10.7 / cos(25°) = 11.8 km": the unknown and its value
        return f"{sides[0]} = {sides[-1]}"
    return result


def _program_answer(
    outcome: Outcome, program: str, wording: str, variant: str, regions: Sequence[Located],
    on_token: TokenSink | None, result_only: bool = False,
) -> Answer:  # fmt: skip
    """The result first, then how the program got it; `result_only`: the result alone, as asked."""
    parts = prompts.parts("math", variant)
    value = _as_asked(outcome, wording)
    names = outcome.solved_for
    answer = f"{names[0]} = {value}" if len(names) == 1 and not value.startswith("{") else value.strip("{}")
    answer = answer.replace(": ", " = ") if outcome.answer and outcome.answer.startswith("{") else answer
    steps = "; ".join(line.strip() for line in program.splitlines() if line.strip() and "```" not in line)
    if result_only:
        text = answer
    else:
        text = parts["answer"].format(answer=answer) + "\n" + parts["steps"].format(steps=steps)
    if on_token:
        on_token(text)
    note = parts["checked"] if outcome.checked else parts["computed"]
    return Answer("ask", text, _problem_citations(program, regions), [note])


MAX_PROBLEM_LINES = 4


def _problem_citations(worked: str, regions: Sequence[Located]) -> list[Citation]:
    """Where the problem stands on the page: the lines holding the numbers the working took from it, else
    the lines that pose it (an instruction such as "Find the area", an equation)."""
    found = ground_answer(" ".join(re.findall(r"\d+(?:\.\d+)?", worked)), regions)
    if found:
        return found
    posing = [
        (file, page, size, region)
        for file, page, size, region in regions
        if _PROBLEM_CUES.search(region.text) or mathsolve.find_equations(region.text)
    ]
    return [Citation(file, page, region, size) for file, page, size, region in posing[:MAX_PROBLEM_LINES]]


def _as_asked(outcome: Outcome, wording: str) -> str:
    """The answer rounded as the problem asks, else exact, with its decimal value beside an irrational one."""
    exact = (outcome.answer or "").replace("**", "^").replace("*", "·").replace("pi", "π")
    if outcome.decimal is None:
        return exact
    for pattern, places in _ROUNDING:
        if pattern.search(wording):
            rounded = round(float(outcome.decimal), places)
            return str(int(rounded)) if places == 0 else f"{rounded:.{places}f}"
    if re.search(r"exact|in terms of|精确值|用π表示", wording, re.I):
        return exact
    return f"{exact} ≈ {outcome.decimal}" if exact != outcome.decimal else exact
