"""Language names in English, Chinese and as ISO codes, and the target language a translate request names
("into French", "翻译成英文", "英译中", "/translate ja")."""

from __future__ import annotations

import re
from collections.abc import Iterable

_LANG_EN = {
    "english": "en", "chinese": "zh", "simplified chinese": "zh", "mandarin": "zh",
    "traditional chinese": "zh-hant", "japanese": "ja", "korean": "ko", "french": "fr", "german": "de",
    "spanish": "es", "russian": "ru", "italian": "it", "portuguese": "pt", "vietnamese": "vi",
    "arabic": "ar", "hindi": "hi", "thai": "th", "dutch": "nl", "polish": "pl", "turkish": "tr",
    "greek": "el", "ukrainian": "uk", "indonesian": "id",
}  # fmt: skip
_LANG_ZH = {
    "英文": "en", "英语": "en", "中文": "zh", "汉语": "zh", "简体中文": "zh", "简体": "zh", "普通话": "zh",
    "繁体中文": "zh-hant", "繁体": "zh-hant", "繁體中文": "zh-hant", "日文": "ja", "日语": "ja",
    "韩文": "ko", "韩语": "ko", "朝鲜语": "ko", "法语": "fr", "法文": "fr", "德语": "de", "德文": "de",
    "西班牙语": "es", "西班牙文": "es", "西语": "es", "俄语": "ru", "俄文": "ru", "意大利语": "it",
    "意大利文": "it", "葡萄牙语": "pt", "葡萄牙文": "pt", "越南语": "vi", "越南文": "vi", "阿拉伯语": "ar",
    "阿拉伯文": "ar", "印地语": "hi", "泰语": "th", "泰文": "th", "荷兰语": "nl", "波兰语": "pl",
    "土耳其语": "tr", "希腊语": "el", "乌克兰语": "uk", "印尼语": "id", "印度尼西亚语": "id",
}  # fmt: skip
# ISO codes typed as such ("translate to ja"); not "it", "id", "uk": English words first.
_CODES = ("en", "zh", "zh-hans", "zh-hant", "zh-tw", "ja", "ko", "fr", "de", "es", "ru", "pt", "vi", "ar")
_X_TO_Y = {
    "中": "zh", "汉": "zh", "英": "en", "日": "ja", "韩": "ko", "法": "fr", "德": "de", "俄": "ru",
    "西": "es",
}  # fmt: skip


def _alternation(words: Iterable[str]) -> str:
    """Longest first, so that 简体中文 wins over 中文 and "simplified chinese" over "chinese"."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


L_EN = rf"(?:{_alternation(_LANG_EN)})\b"
L_ZH = rf"(?:{_alternation(_LANG_ZH)})"
_L_CODE = rf"(?:{_alternation(_CODES)})\b"
L_ANY = rf"(?P<lang>{L_EN}|{L_ZH})"
X_TO_Y_RE = rf"[{''.join(_X_TO_Y)}]译(?P<to>[{''.join(_X_TO_Y)}])"

# Where the target language is named, most telling first: "to/into French", "翻译成英文", "英译中";
# then "in French", "用英文"; then "French translation", "英文版"; then the language alone ("/translate ja").
_TARGETS = (
    re.compile(rf"(?:\b(?:to|into)\s+|(?:成|为|到)\s*|(?:→|->)\s*)(?:{L_ANY}|(?P<code>{_L_CODE}))", re.I),
    re.compile(X_TO_Y_RE),
    re.compile(rf"(?:\bin\s+|用\s*){L_ANY}", re.IGNORECASE),
    re.compile(rf"{L_ANY}\s*(?:translation|version|译文|版|翻译)", re.IGNORECASE),
    re.compile(rf"^\W*(?:{L_ANY}|(?P<code>{_L_CODE}))\W*$", re.IGNORECASE),
)


def target_language(text: str) -> str | None:
    for pattern in _TARGETS:
        if match := pattern.search(text):
            found = match.groupdict()
            if found.get("to"):
                return _X_TO_Y[found["to"]]
            if found.get("code"):
                return found["code"].lower()
            lang = re.sub(r"\s+", " ", found["lang"].lower())
            return _LANG_EN.get(lang) or _LANG_ZH[found["lang"]]
    return None
