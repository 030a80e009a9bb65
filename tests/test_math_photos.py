"""Photographed math problems, solved with the real model and sympy: an equation the page states, a fraction
to decompose and a word problem, each answered first and checked with sympy; a model-written program that
tries to do more than math is refused before it runs."""

from __future__ import annotations

import time

import pytest

from assistant.backends.registry import get_backend
from assistant.documents.ingest import load_document
from assistant.settings import Settings
from assistant.tasks.ask import ask
from assistant.tasks.grounding import located_regions
from assistant.tasks.math import PROBLEM_S, solve_math
from assistant.tasks.mathsolve.sandbox import run_program
from assistant.tasks.read import read_pages
from tests import fixtures as fx
from tests.photos import photographed

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    return Settings(cache_dir=tmp_path_factory.mktemp("math-cache"))


def _solve(lines: list[str], question: str, settings: Settings) -> dict:
    image = photographed(fx.text_lines_page(lines).image)
    doc = load_document(fx.encode(image, "JPEG", quality=90), "homework.jpg", settings)
    return ask([doc], question, get_backend(settings), settings).to_dict()


def _checked(answer: dict) -> bool:
    return any(note.startswith("checked with sympy") for note in answer["notes"])


def test_a_photographed_equation(settings):
    answer = _solve(["解方程：5x - 7 = 3x + 9"], "解这道题", settings)
    assert "x = 8" in answer["text"].replace("x=8", "x = 8"), answer
    assert _checked(answer), answer["notes"]
    assert answer["citations"], "the equation is cited on the photo"


def test_a_fraction_decomposition(settings):
    lines = ["Find A and B such that", "(5x + 1)/((x - 1)(x + 2)) = A/(x - 1) + B/(x + 2)"]
    answer = _solve(lines, "Solve this problem.", settings)
    first = answer["text"].splitlines()[0].replace(" ", "")
    assert "A=2" in first and "B=3" in first, answer
    assert _checked(answer), answer["notes"]


def test_a_word_problem(settings):
    lines = [
        "A rectangle is 3 cm longer than it is wide.",
        "Its perimeter is 26 cm. Find its width in cm.",
    ]
    answer = _solve(lines, "Solve the word problem.", settings)
    first = answer["text"].splitlines()[0]
    assert "5" in first.replace("5.0", "5"), answer
    assert _checked(answer), answer["notes"]


@pytest.mark.parametrize("question", ["解这道题，只写最终结果。", "Solve it. Final answer only."])
def test_final_answer_only_is_the_result_alone(question, settings):
    answer = _solve(["解方程：5x - 7 = 3x + 9"], question, settings)
    assert answer["text"].replace("x=8", "x = 8") == "x = 8", answer  # no working, no check lines
    assert _checked(answer), answer["notes"]
    assert answer["citations"], "the equation is cited on the photo"


def test_a_problem_whose_time_is_up_is_answered_at_once_and_says_why(settings):
    # The question came PROBLEM_S ago (a slow photo, a busy machine): the model's program is cut after its
    # first piece, no working in words is started, and the reply says so instead of running on.
    lines = ["A rectangle is 3 cm longer than it is wide.", "Its perimeter is 26 cm. Find its width in cm."]
    image = photographed(fx.text_lines_page(lines).image)
    doc = load_document(fx.encode(image, "JPEG", quality=90), "homework.jpg", settings)
    read = read_pages([doc], None, None, settings)
    answer = solve_math(
        read.pages, "Solve the word problem.", get_backend(settings), "en", located_regions(read.pages),
        None, started=time.perf_counter() - PROBLEM_S,
    )  # fmt: skip
    assert answer is not None and answer.text.startswith("Not solved in the time a problem gets"), answer
    assert any("cut short at the time limit" in note for note in answer.notes), answer.notes


@pytest.mark.parametrize(
    "program",
    [
        "answer = ().__class__.__bases__",
        "import os\nanswer = os.getcwd()",
        "answer = open('/etc/passwd').read()",
        "answer = 9**9**9",
        "answer = sympy.sympify('__import__(\"os\")')",
    ],
)
def test_a_program_that_does_more_than_math_is_not_run(program):
    outcome = run_program(program)
    assert outcome.answer is None and outcome.error, outcome


def test_a_slow_program_is_stopped():
    outcome = run_program(
        "x = symbols('x')\nanswer = integrate(exp(-x**2) * sin(x)**12 * cos(x)**12, x)", 1.0
    )
    assert outcome.answer is None and "longer than 1 s" in (outcome.error or ""), outcome


SURFACE = "h = symbols('h')\nequation = Eq(2 * pi * 43 * h + 2 * pi * 43**2, 27288)\n"  # h = 57.997…


@pytest.mark.parametrize(
    ("rounding", "shown", "checked"),
    [
        ("answer = round(solve(equation, h)[0])", "58", True),  # rounded as asked: still the root
        ("answer = round(solve(equation, h)[0], 1)", "58.0", True),
        ("answer = solve(equation, h)[0].round(2)", "58.00", True),
        ("answer = round(solve(equation, h)[0] + 1)", "59", False),  # a unit off is no rounding
        ("answer = 58", "58", False),  # not rounded by the program: it must solve the equation itself
    ],
)
def test_an_answer_rounded_as_the_problem_asks_is_checked_against_the_root(rounding, shown, checked):
    outcome = run_program(SURFACE + rounding)
    assert (outcome.answer, outcome.checked) == (shown, checked), outcome
