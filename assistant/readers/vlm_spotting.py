"""A vision-language model's text-spotting pass as a page reader (HunyuanOCR: lines with 0-1000 boxes).

Every answer on that backend is then grounded against the model's own regions. Only backends whose profile
gives coordinates have this reader; the others are grounded against the OCR engines' regions.
"""

from __future__ import annotations

from .. import prompts
from ..backends.base import Backend
from ..backends.page_images import encoded_page
from ..backends.replies import parse_spotting, to_regions
from ..cache import make_key
from ..documents.model import Page
from ..settings import Settings
from .base import PageReading

VERSION = 1


class VlmSpottingReader:
    def cacheable(self, page: Page) -> bool:
        return True

    def __init__(self, backend: Backend, settings: Settings) -> None:
        self.backend = backend
        self.settings = settings

    def accepts(self, page: Page) -> bool:
        return True

    def cache_key(self, page: Page) -> str:
        return make_key("vlm-page", VERSION, page.content_key, self.backend.identity)

    def read(self, page: Page) -> PageReading:
        image = encoded_page(page, self.settings, self.settings.vision_max_side)  # under the page budget
        profile = self.backend.profile
        messages = prompts.messages("spot", profile.prompt_variant("zh"), profile.name)
        reply = "".join(self.backend.generate(messages, images=[image]))
        regions = to_regions(parse_spotting(reply), image.size)
        return PageReading(regions=regions, size=image.size, engine="vlm")
