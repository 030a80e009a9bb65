"""Language tables every side shares: names of target languages (in English and in Chinese), and which
prompt variant a text calls for. The readers' engine codes (tesseract, rapidocr) live with the readers."""

from __future__ import annotations

import re

LANGUAGE_NAMES = {
    "en": "English", "zh": "Simplified Chinese", "zh-hans": "Simplified Chinese",
    "zh-hant": "Traditional Chinese", "zh-tw": "Traditional Chinese", "ja": "Japanese", "ko": "Korean",
    "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "ru": "Russian",
    "ar": "Arabic", "hi": "Hindi", "vi": "Vietnamese", "th": "Thai", "nl": "Dutch", "pl": "Polish",
    "tr": "Turkish", "el": "Greek", "uk": "Ukrainian", "id": "Indonesian",
}  # fmt: skip

# The same languages named in Chinese, for prompts written in Chinese ("翻译为英文").
CHINESE_NAMES = {
    "en": "英文", "zh": "中文", "zh-hans": "简体中文", "zh-hant": "繁体中文", "zh-tw": "繁体中文",
    "ja": "日文", "ko": "韩文", "fr": "法文", "de": "德文", "es": "西班牙文", "it": "意大利文",
    "pt": "葡萄牙文", "ru": "俄文", "ar": "阿拉伯文", "hi": "印地文", "vi": "越南文", "th": "泰文",
    "nl": "荷兰文", "pl": "波兰文", "tr": "土耳其文", "el": "希腊文", "uk": "乌克兰文", "id": "印尼文",
}  # fmt: skip

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def language_of(text: str) -> str:
    """'zh' for text with Chinese or Japanese characters, else 'en': which prompt variant fits."""
    return "zh" if _CJK.search(text) else "en"


def language_name(code: str, in_language: str = "en") -> str:
    """The name of a language code as a prompt in `in_language` ('en' or 'zh') writes it."""
    names = CHINESE_NAMES if in_language == "zh" else LANGUAGE_NAMES
    return names.get(code, LANGUAGE_NAMES.get(code, code))
