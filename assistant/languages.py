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


# Numerals, everyday and financial (大写: 壹贰叁, 拾佰仟, as on invoices and contracts' amounts).
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "貳": 2, "三": 3, "叁": 3,
              "參": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "陸": 6, "七": 7, "柒": 7,
              "八": 8, "捌": 8, "九": 9, "玖": 9}  # fmt: skip
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_MYRIADS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_NUMERALS = "".join([*_CN_DIGITS, *_CN_UNITS, *_CN_MYRIADS])
# A run of numerals, with a rate's lead (百分之五 5%) and a decimal part (零点五 0.5).
_NUMERAL_RUN = re.compile(f"(百分之|千分之)?([{_NUMERALS}]+(?:点[{''.join(_CN_DIGITS)}]+)?)")
# What a lone numeral counts when it is a number (二月, 三天, 一个月, 第五条), not a word (一方, 一切).
_COUNTERS = frozenset("月日号天年条个次期周岁项款倍页章节位件份元人")


def chinese_numeral(text: str) -> int | float | None:
    """'四' 4, '十二' 12, '一百零五' 105, '百四十九' 149, '两千零五' 2005, '伍万' 50000, '二〇一九' 2019
    (digit by digit), '零点五' 0.5, '12' 12; None for anything else."""
    whole, dot, fraction = text.partition("点")
    if not whole or (dot and not fraction) or not all(ch in _CN_DIGITS for ch in fraction):
        return None
    if whole.isdigit():
        value: int | None = int(whole)
    elif all(ch in _CN_DIGITS for ch in whole):
        value = int("".join(str(_CN_DIGITS[ch]) for ch in whole))
    else:
        value = _with_units(whole)
    if value is None or not fraction:
        return value
    return float(f"{value}.{''.join(str(_CN_DIGITS[ch]) for ch in fraction)}")


def _with_units(text: str) -> int | None:
    """一百零五 105, 百四十九 149, 一万五千 15000, 三亿五千万 350000000: each digit before its unit,
    零 marking a gap."""
    hundred_millions = myriads = section = current = 0
    after_digit = False
    for ch in text:
        if ch in _CN_DIGITS:
            if after_digit and current:  # 三四十 ("thirty or forty") is no one number
                return None
            current, after_digit = _CN_DIGITS[ch], True
            continue
        if ch in _CN_UNITS:
            section += (current or 1) * _CN_UNITS[ch]
        elif _CN_MYRIADS.get(ch) == 10_000:
            myriads = ((section + current) or 1) * 10_000
            section = 0
        elif ch in _CN_MYRIADS:
            hundred_millions = ((myriads + section + current) or 1) * 100_000_000
            myriads = section = 0
        else:
            return None
        current, after_digit = 0, False
    return hundred_millions + myriads + section + current


def chinese_number(text: str) -> int | None:
    """A whole number in digits or numerals ('四' 4, '十二' 12, '一百零五' 105); None for anything else."""
    value = chinese_numeral(text)
    return value if isinstance(value, int) else None


def arabic_numerals(text: str) -> str:
    """Numbers written in numerals given in digits, so that an answer's "30天" or "5%" is found in the
    clause that says 三十日 or 百分之五: 第百四十九号 → 第149号, 二〇一九年九月十五日 → 2019年9月15日.
    A lone numeral stays a word unless it counts or orders something (一方 and 一切 stay; 一个月 and 第一条
    change)."""

    def digits(match: re.Match[str]) -> str:
        lead, run = match.group(1), match.group(2)
        if not lead and not _counts(run, text, match.start(2), match.end(2)):
            return match.group(0)
        value = chinese_numeral(run)
        if value is None:
            return match.group(0)
        number = f"{value:g}" if isinstance(value, float) else str(value)
        return number + {"百分之": "%", "千分之": "‰"}.get(lead or "", "")

    return _NUMERAL_RUN.sub(digits, text)


def _counts(run: str, text: str, start: int, end: int) -> bool:
    """The run is a number here: numerals that read as one (三十, 二〇一九, 百四十九), or one that counts
    (三天) or orders (第三). 千万 ("by all means") and 万一 ("in case") lead with a unit: words."""
    head = run.split("点")[0]
    if any(ch not in _CN_DIGITS for ch in head):
        leads = head[0] in _CN_DIGITS or head[0] in "十拾"
        return leads or (head[0] in "百佰千仟" and len(head) > 1 and head[1] in _CN_DIGITS)
    if len(head) > 1 or "点" in run:
        return True
    return (start > 0 and text[start - 1] == "第") or (end < len(text) and text[end] in _COUNTERS)
