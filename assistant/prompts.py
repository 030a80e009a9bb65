"""Prompt templates live in prompts/<profile>/<task>.yaml, one per task with language variants.

They are loaded into langchain-core chat templates; no prompt is an inline string in the code.
"""

from __future__ import annotations

import re
from functools import lru_cache

import yaml
from langchain_core.prompts import ChatPromptTemplate

from .resources import prompts_dir

PROMPTS_DIR = prompts_dir()
DEFAULT_PROFILE = "local-llm"

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def language_of(text: str) -> str:
    """'zh' for text with Chinese or Japanese characters, else 'en': which prompt variant fits."""
    return "zh" if _CJK.search(text) else "en"


@lru_cache(maxsize=64)
def template(task: str, lang: str, profile: str = DEFAULT_PROFILE) -> ChatPromptTemplate:
    path = PROMPTS_DIR / profile / f"{task}.yaml"
    variants = yaml.safe_load(path.read_text(encoding="utf-8"))
    variant = variants.get(lang) or variants["en"]
    return ChatPromptTemplate.from_messages([("system", variant["system"]), ("human", variant["user"])])


def hints(task: str, lang: str, profile: str = DEFAULT_PROFILE) -> dict[str, str]:
    """Optional per-kind hints a task's file carries under `hints` (extract's field descriptions)."""
    path = PROMPTS_DIR / profile / f"{task}.yaml"
    table = yaml.safe_load(path.read_text(encoding="utf-8")).get("hints") or {}
    return table.get(lang) or table.get("en") or {}


def messages(task: str, lang: str, profile: str = DEFAULT_PROFILE, **values: str) -> list[dict[str, str]]:
    """The chat messages for a task, as the OpenAI-style dicts that llama.cpp and servers take."""
    prompt = template(task, lang, profile).format_messages(**values)
    return [{"role": _ROLES[m.type], "content": str(m.content)} for m in prompt]


@lru_cache(maxsize=8)
def profile(name: str) -> dict:
    """A model profile's settings (prompts/<name>/profile.yaml): coordinates, sampling, max_tokens."""
    path = PROMPTS_DIR / name / "profile.yaml"
    if not path.is_file():
        known = sorted(p.parent.name for p in PROMPTS_DIR.glob("*/profile.yaml"))
        raise ValueError(f"unknown model profile {name!r}: use one of {', '.join(known)}")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def vision_messages(task: str, lang: str, profile_name: str, images: list[dict], **values: str) -> list[dict]:
    """One user turn for a vision-language model: the page images, then the task's prompt."""
    from langchain_core.prompts import PromptTemplate

    path = PROMPTS_DIR / profile_name / f"{task}.yaml"
    variants = yaml.safe_load(path.read_text(encoding="utf-8"))
    variant = variants.get(lang) or variants["en"]
    text = PromptTemplate.from_template(variant["user"]).format(**values)
    return [{"role": "user", "content": [*images, {"type": "text", "text": text}]}]
