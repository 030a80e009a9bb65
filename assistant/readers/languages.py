"""Which engine reads which language: rapidocr for what its bundled models know, tesseract for the rest."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from ..errors import ArgumentError

# Languages the multilingual PP-OCRv6 model in rapidocr's wheel reads (its default_models.yaml).
RAPID_LANGS = {
    "zh", "zh-cn", "zh-hans", "zh-tw", "zh-hk", "zh-hant", "ch", "chinese", "en", "ja", "jp", "japanese",
    "af", "az", "bs", "ca", "cs", "cy", "da", "de", "es", "et", "eu", "fi", "fr", "ga", "gl", "hr", "hu",
    "id", "is", "it", "ku", "la", "lb", "lt", "lv", "mi", "ms", "mt", "nl", "no", "oc", "pl", "pt", "qu",
    "rm", "ro", "sk", "sl", "sq", "sv", "sw", "tl", "tr", "uz",
}  # fmt: skip

# ISO 639-1 codes of other languages, mapped to Debian's tesseract language data.
TESSERACT_LANGS = {
    "ko": "kor", "ar": "ara", "fa": "fas", "ur": "urd", "he": "heb", "yi": "yid", "ru": "rus", "uk": "ukr",
    "be": "bel", "bg": "bul", "sr": "srp", "mk": "mkd", "kk": "kaz", "ky": "kir", "mn": "mon", "tg": "tgk",
    "hi": "hin", "mr": "mar", "ne": "nep", "sa": "san", "bn": "ben", "as": "asm", "pa": "pan", "gu": "guj",
    "or": "ori", "ta": "tam", "te": "tel", "kn": "kan", "ml": "mal", "si": "sin", "th": "tha", "lo": "lao",
    "km": "khm", "my": "mya", "bo": "bod", "el": "ell", "hy": "hye", "ka": "kat", "am": "amh", "ti": "tir",
    "dv": "div", "syr": "syr", "iu": "iku", "chr": "chr",
    # rapidocr lists Vietnamese but drops its stacked diacritics ('tiếng' reads 'ting'); tesseract keeps them.
    "vi": "vie",
}  # fmt: skip

# For a mix such as 'ko+en', which tesseract must read whole.
RAPID_TO_TESSERACT = {
    "en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "pt": "por", "nl": "nld", "vi": "vie",
    "pl": "pol", "tr": "tur", "zh": "chi_sim", "zh-hans": "chi_sim", "zh-hant": "chi_tra", "ja": "jpn",
}  # fmt: skip

# Tesseract script models (one model for every language of a script) for automatic detection.
PROBE_SCRIPTS = ("Hangul", "Cyrillic", "Arabic", "Devanagari", "Greek", "Thai", "Hebrew")
# Scripts rapidocr reads itself, as tesseract's OSD names them.
RAPID_SCRIPTS = {"Latin", "Han", "Japanese", "Katakana", "Hiragana", "HanS", "HanT"}


@dataclass(frozen=True)
class OcrPlan:
    engine: str  # "rapidocr" or "tesseract"
    tesseract_lang: str | None = None

    def describe(self) -> str:
        return self.engine if self.tesseract_lang is None else f"{self.engine}:{self.tesseract_lang}"


AUTO = None  # no --lang: detect the script per page


def plan_for(lang: str | None, installed_tesseract: AbstractSet[str], engine: str = "auto") -> OcrPlan | None:
    """The engine for a --lang value and an engine choice; None means automatic detection.

    Accepts ISO 639-1 codes ('ko'), tesseract codes ('kor', 'Hangul') and '+' joined lists ('ko+en').
    """
    plan = _plan_for_lang(lang, installed_tesseract)
    if engine == "rapidocr" and (plan is AUTO or plan.engine == "rapidocr"):
        return OcrPlan("rapidocr")  # a language rapidocr cannot read still goes to tesseract
    if engine == "tesseract" and (plan is AUTO or plan.engine == "rapidocr"):
        return OcrPlan("tesseract", _tesseract_codes(lang))
    return plan


def _tesseract_codes(lang: str | None) -> str:
    """Tesseract's codes for a language rapidocr could read too; English plus Chinese when unknown."""
    if lang is None or lang.strip().lower() in ("", "auto"):
        return "eng+chi_sim"
    parts = [p.strip().lower() for p in lang.replace(",", "+").split("+") if p.strip()]
    return "+".join(RAPID_TO_TESSERACT.get(p, "eng") for p in parts)


def _plan_for_lang(lang: str | None, installed_tesseract: AbstractSet[str]) -> OcrPlan | None:
    if lang is None or lang.strip().lower() in ("", "auto"):
        return AUTO
    parts = [p.strip() for p in lang.replace(",", "+").split("+") if p.strip()]
    if all(p.lower() in RAPID_LANGS for p in parts):
        return OcrPlan("rapidocr")
    codes = []
    for part in parts:
        low = part.lower()
        if low in TESSERACT_LANGS:
            codes.append(TESSERACT_LANGS[low])
        elif part in installed_tesseract:
            codes.append(part)
        elif low in RAPID_TO_TESSERACT:
            codes.append(RAPID_TO_TESSERACT[low])
        else:
            raise ArgumentError(
                f"unknown language {part!r}: use an ISO 639-1 code (en, zh, ja, ko, ar, ru, hi, ...) "
                "or an installed tesseract code (kor, chi_sim, ...)"
            )
    return OcrPlan("tesseract", "+".join(codes))
