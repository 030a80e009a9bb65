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

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")  # kana and CJK ideographs


def language_of(text: str) -> str:
    """'zh' for text with Chinese or Japanese characters, else 'en': which prompt variant fits."""
    return "zh" if CJK.search(text) else "en"


def language_name(code: str, in_language: str = "en") -> str:
    """The name of a language code as a prompt in `in_language` ('en' or 'zh') writes it."""
    names = CHINESE_NAMES if in_language == "zh" else LANGUAGE_NAMES
    return names.get(code, LANGUAGE_NAMES.get(code, code))


_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]")


def text_language(text: str) -> str:
    """The script a text is mostly written in, as a language: 'zh', 'ja', 'ko', or 'en' for Latin and the
    rest. Rough by design: it decides whether a question must be carried over to the documents' language."""
    letters = len(_LETTER.findall(text)) or 1
    kana, hangul, han = (len(p.findall(text)) for p in (_KANA, _HANGUL, _HAN))
    if hangul / letters > 0.2:
        return "ko"
    if kana / letters > 0.1:
        return "ja"
    if han / letters > 0.2:
        return "zh"
    return "en"


_SCRIPT_OF_TARGET = {
    "zh": "han", "zh-hans": "han", "zh-hant": "han", "zh-tw": "han", "ja": "ja", "ko": "hangul",
}  # fmt: skip


def foreign_script(text: str, target: str) -> str:
    """The characters of `text` in a script the target language is not written in ('' when there are none):
    Chinese characters left in an English translation, Hangul in a Chinese one."""
    script = _SCRIPT_OF_TARGET.get(target, "latin")
    if script == "ja":
        pattern = _HANGUL
    elif script == "han":
        pattern = re.compile(f"{_KANA.pattern}|{_HANGUL.pattern}")
    elif script == "hangul":
        pattern = re.compile(f"{_KANA.pattern}|{_HAN.pattern}")
    else:
        pattern = re.compile(f"{_KANA.pattern}|{_HANGUL.pattern}|{_HAN.pattern}")
    return "".join(pattern.findall(text))


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}  # fmt: skip


def chinese_number(text: str) -> int | None:
    """'四' 4, '十二' 12, '二十' 20, '一百零五' 105, '12' 12; None for anything else."""
    if text.isdigit():
        return int(text)
    value, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in "十百":
            value += (current or 1) * (10 if ch == "十" else 100)
            current = 0
        else:
            return None
    return value + current if text else None
