"""The model-server backend: an OCR vision-language model (HunyuanOCR by default) behind an OpenAI API.

Each page image goes to the model with the profile's prompt. A profile with coordinates (hunyuan-ocr)
reads pages by its spotting pass, cached per page like OCR, and those regions are what answers are
grounded against; a profile without (generic-vlm) is grounded against the embedded OCR's regions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from PIL import Image

from .. import prompts
from ..settings import Settings
from .openai_client import OpenAIClient, image_part
from .replies import parse_spotting, to_regions, unwrap_json

# Target names for the Chinese prompt variant ("翻译为英文"); the English variant uses translate's names.
CHINESE_NAMES = {"en": "英文", "zh": "中文", "ja": "日文", "ko": "韩文", "fr": "法文", "de": "德文",
                 "es": "西班牙文", "ru": "俄文"}  # fmt: skip


class VisionModel:
    def __init__(self, settings: Settings) -> None:
        self.profile_name = settings.profile
        self.profile = prompts.profile(settings.profile)
        self.coordinates = bool(self.profile.get("coordinates"))
        self.sampling: dict[str, Any] = dict(self.profile.get("sampling") or {})
        self.max_tokens = settings.max_reply_tokens or int(self.profile.get("max_tokens", 2048))
        self.max_side = settings.vision_max_side
        self.client = OpenAIClient(
            settings.base_urls,
            settings.model or self.profile["model"],
            api_key=settings.backend_api_key,
            timeout_s=settings.backend_timeout_s,
            retries=settings.backend_retries,
            max_in_flight=settings.max_requests,
        )

    @property
    def identity(self) -> str:
        """What a cached reading depends on: the model and its prompts."""
        return f"{self.client.model}|{self.profile_name}"

    def _messages(self, task: str, images: list[Image.Image], lang: str = "zh", **values: str) -> list[dict]:
        parts = [image_part(image, self.max_side) for image in images]
        return prompts.vision_messages(task, lang, self.profile_name, parts, **values)

    def _sampling(self) -> dict[str, Any]:
        return {**self.sampling, "max_tokens": self.max_tokens}

    def spot(self, image: Image.Image, page_size: tuple[int, int]):
        """The page's lines with boxes in page pixels (profiles with coordinates only)."""
        reply = self.client.complete(self._messages("spot", [image]), **self._sampling())
        return to_regions(parse_spotting(reply), page_size)

    def stream_answer(self, images: list[Image.Image], question: str) -> Iterator[str]:
        lang = prompts.language_of(question)
        return self.client.stream(self._messages("ask", images, lang, question=question), **self._sampling())

    def extract(self, image: Image.Image, fields: list[str]) -> dict[str, Any]:
        lang = prompts.language_of("".join(fields))
        reply = self.client.complete(
            self._messages("extract", [image], lang, fields=str(fields)), **self._sampling()
        )
        try:
            value = unwrap_json(reply)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def translate(self, image: Image.Image, target: str) -> str:
        from ..tasks.translate import LANGUAGE_NAMES

        # HunyuanOCR's official translation prompt is Chinese; other profiles are asked in English.
        lang = "zh" if self.profile_name == "hunyuan-ocr" and target in CHINESE_NAMES else "en"
        names = CHINESE_NAMES if lang == "zh" else LANGUAGE_NAMES
        name = names.get(target, target)
        return self.client.complete(
            self._messages("translate", [image], lang, target=name), **self._sampling()
        )


@lru_cache(maxsize=4)
def _model(settings: Settings) -> VisionModel:
    return VisionModel(settings)


def get_vision_model(settings: Settings) -> VisionModel:
    """One client per configuration, so that its bound on requests in flight holds process-wide."""
    return _model(settings)


def map_pages(work: Callable[[Any], Any], items: list[Any], settings: Settings) -> list[Any]:
    """`work` over the pages concurrently, up to the request bound, results in page order."""
    from concurrent.futures import ThreadPoolExecutor

    if len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(settings.max_requests, len(items))) as pool:
        return list(pool.map(work, items))
