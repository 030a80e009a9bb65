"""Prompt templates live in prompts/<profile>/<task>.yaml, one per task with language variants.

They are loaded into langchain-core chat templates; no prompt is an inline string in the code. A profile
that has no template for a task (HunyuanOCR has no math prompt) uses the embedded model's.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from langchain_core.prompts import ChatPromptTemplate

from .errors import ArgumentError
from .resources import prompts_dir

PROMPTS_DIR = prompts_dir()
DEFAULT_PROFILE = "local-llm"

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def _task_file(task: str, profile: str) -> Path:
    path = PROMPTS_DIR / profile / f"{task}.yaml"
    return path if path.is_file() else PROMPTS_DIR / DEFAULT_PROFILE / f"{task}.yaml"


@lru_cache(maxsize=64)
def _variants(task: str, profile: str) -> dict:
    return yaml.safe_load(_task_file(task, profile).read_text(encoding="utf-8"))


@lru_cache(maxsize=64)
def template(task: str, lang: str, profile: str = DEFAULT_PROFILE) -> ChatPromptTemplate:
    variants = _variants(task, profile)
    variant = variants.get(lang) or variants["en"]
    turns = [("system", variant["system"])] if variant.get("system") else []
    return ChatPromptTemplate.from_messages([*turns, ("human", variant["user"])])


def hints(task: str, lang: str, profile: str = DEFAULT_PROFILE) -> dict[str, str]:
    """Optional per-kind hints a task's file carries under `hints` (extract's field descriptions)."""
    return _section(task, "hints", lang, profile)


def parts(task: str, lang: str, profile: str = DEFAULT_PROFILE) -> dict[str, str]:
    """Pieces of a prompt a task's file carries under `parts`, which the task puts together itself."""
    return _section(task, "parts", lang, profile)


def _section(task: str, key: str, lang: str, profile: str) -> dict[str, str]:
    table = _variants(task, profile).get(key) or _variants(task, DEFAULT_PROFILE).get(key) or {}
    return table.get(lang) or table.get("en") or {}


def messages(task: str, lang: str, profile: str = DEFAULT_PROFILE, **values: str) -> list[dict[str, str]]:
    """The chat messages for a task, as the OpenAI-style dicts that llama.cpp and servers take.

    A template uses the values it names and ignores the rest, so every profile gets the same values.
    """
    prompt = template(task, lang, profile).format_messages(**values)
    return [{"role": _ROLES[m.type], "content": str(m.content)} for m in prompt]


@lru_cache(maxsize=8)
def profile(name: str) -> dict:
    """A model profile's settings (prompts/<name>/profile.yaml): capabilities, sampling, max_tokens."""
    path = PROMPTS_DIR / name / "profile.yaml"
    if not path.is_file():
        known = sorted(p.parent.name for p in PROMPTS_DIR.glob("*/profile.yaml"))
        raise ArgumentError(f"unknown model profile {name!r}: use one of {', '.join(known)}")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=8)
def glossary(profile: str = DEFAULT_PROFILE) -> dict[str, dict[str, dict[str, str]]]:
    """Terms by source language, each with its usual wording per target (prompts/<profile>/glossary.yaml)."""
    path = _task_file("glossary", profile)
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
