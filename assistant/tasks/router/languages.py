"""Language names in English, Chinese and as ISO codes (and a few in Japanese, Korean, French and German),
the target language a translate request names ("into French", "翻译成英文", "英译中", "/translate ja"),
and the user's own language, the target of "what does this Korean label mean?"."""

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
# Requests in Japanese, Korean, French and German name the target their own way: 英語に, 영어로, en anglais,
# ins Deutsche.
# (Kanji as the rules read them, in simplified form: 英語 is 英语.)
_LANG_JA = {
    "英语": "en", "日本语": "ja", "中国语": "zh", "韩国语": "ko", "フランス语": "fr", "ドイツ语": "de",
    "スペイン语": "es",
}  # fmt: skip
_LANG_KO = {
    "영어": "en", "한국어": "ko", "중국어": "zh", "일본어": "ja", "프랑스어": "fr", "독일어": "de",
    "스페인어": "es",
}  # fmt: skip
_LANG_FR = {
    "anglais": "en", "français": "fr", "francais": "fr", "allemand": "de", "chinois": "zh", "japonais": "ja",
    "coréen": "ko", "espagnol": "es",
}  # fmt: skip
_LANG_DE = {
    "englische": "en", "englisch": "en", "deutsche": "de", "deutsch": "de", "chinesische": "zh",
    "chinesisch": "zh", "japanische": "ja", "japanisch": "ja", "französische": "fr", "französisch": "fr",
    "spanische": "es", "spanisch": "es",
}  # fmt: skip
_NAMES = {**_LANG_EN, **_LANG_ZH, **_LANG_JA, **_LANG_KO, **_LANG_FR, **_LANG_DE}
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
# 日文翻中文, 英文译成中文: the source language, then the target
ZH_FROM_TO = rf"{L_ZH}\s*(?:翻译?|译)\s*(?:成|为|到)?\s*{L_ANY}"
_L_JA = rf"(?P<lang>{_alternation(_LANG_JA)})"
_L_KO = rf"(?P<lang>{_alternation(_LANG_KO)})"
_L_FR = rf"(?P<lang>{_alternation(_LANG_FR)})\b"
_L_DE = rf"(?P<lang>{_alternation(_LANG_DE)})\b"

# Where the target language is named, most telling first: "to/into French", "翻译成英文", "英译中";
# then "in French", "用英文"; then "French translation", "英文版"; then the language alone ("/translate ja").
_TARGETS = (
    re.compile(rf"(?:\b(?:to|into)\s+|(?:成|为|到)\s*|(?:→|->)\s*)(?:{L_ANY}|(?P<code>{_L_CODE}))", re.I),
    re.compile(X_TO_Y_RE),
    re.compile(ZH_FROM_TO, re.IGNORECASE),
    re.compile(rf"{_L_JA}\s*に"),
    re.compile(rf"{_L_KO}\s*로"),
    re.compile(rf"\ben\s+{_L_FR}", re.IGNORECASE),
    re.compile(rf"\b(?:ins|auf)\s+{_L_DE}", re.IGNORECASE),
    re.compile(rf"(?:\bin\s+|用\s*){L_ANY}", re.IGNORECASE),
    re.compile(rf"{L_ANY}\s*(?:translation|version|译文|版|翻译)", re.IGNORECASE),
    re.compile(rf"^\W*(?:{L_ANY}|(?P<code>{_L_CODE}))(?:\s+(?:please|pls|plz))?\W*$", re.IGNORECASE),
)


def target_language(text: str) -> str | None:
    for pattern in _TARGETS:
        if match := pattern.search(text):
            found = match.groupdict()
            if found.get("to"):
                return _X_TO_Y[found["to"]]
            if found.get("code"):
                return found["code"].lower()
            return _NAMES[re.sub(r"\s+", " ", found["lang"].lower())]
    return None


def user_language(text: str) -> str:
    """The language to answer a message in when it names none: Chinese if it has Chinese characters."""
    return "zh" if re.search(r"[\u3400-\u9fff]", text) else "en"
