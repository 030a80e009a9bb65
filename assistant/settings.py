"""Every limit, path and tunable in one place, read from DOC_ASSISTANT_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("doc-assistant"))


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("doc-assistant"))


def _default_model_dir() -> Path:
    return _default_data_dir() / "models"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOC_ASSISTANT_", frozen=True)

    # Input limits: each one gives a clear error, never a crash.
    max_file_mb: float = 50.0
    max_pixels: int = 60_000_000  # also Pillow's decompression-bomb guard
    max_pages: int = 500  # PDF pages and TIFF frames

    # PDF rendering: 200 dpi by default, but a scan embedded at higher resolution is rendered
    # by pixel budget so that a tiny page holding a 2400 dpi scan is not blurred away.
    render_dpi: int = 200
    max_side: int = 2048

    # Decoding, rendering and OCR run in worker processes, each page under a budget (CPU seconds); a page
    # over it is stopped with a clear error (page_too_slow) and the rest go on. page_workers: how many
    # worker processes (None: one per core, at most 4; 0: in this process, without budgets).
    page_budget_s: float = Field(30.0, gt=0)
    page_workers: int | None = Field(None, ge=0)

    # OCR
    tessdata_dir: Path = Path("/usr/share/tesseract-ocr/5/tessdata")
    # Text whose median line height is below this (pixels) is upscaled before OCR.
    min_text_height: int = 20
    max_upscale: float = 4.0
    # "auto": rapidocr, or tesseract where the script needs it; "rapidocr" or "tesseract" forces one.
    ocr_engine: Literal["auto", "rapidocr", "tesseract"] = "auto"

    # The embedded language model: the packaged GGUF (assembled into model_dir), or any GGUF by path.
    llm_model: Path | None = None
    model_dir: Path = Field(default_factory=_default_model_dir)
    llm_context: int = 8192  # tokens: a whole document of context_tokens, the conversation and the answer
    llm_threads: int = 0  # 0: every core
    prompt_tokens: int = 500  # the ask prompt's budget for retrieved passages and question
    # Documents up to this many tokens go to the model whole (their part of the prompt is evaluated once and
    # kept); longer ones are answered from retrieved passages.
    context_tokens: int = 3500

    # Kept data: the chat's uploaded documents, its history database and the files it shows.
    data_dir: Path = Field(default_factory=_default_data_dir)
    # The chat history: "" is SQLite in data_dir, a postgresql:// URL is Postgres, "off" keeps none.
    chat_db: str = ""

    # The model backend: "embedded" (CPU: OCR engines + the packaged GGUF) or "openai" (a vision-language
    # model behind an OpenAI-compatible server: vLLM, transformers serve, llama.cpp). For "openai":
    # base_url may list several replicas (comma-separated); model "" takes the profile's model.
    backend: Literal["embedded", "openai"] = "embedded"
    base_url: str = ""
    model: str = ""
    profile: str = "hunyuan-ocr"
    backend_api_key: str = ""
    backend_timeout_s: float = 120.0
    backend_retries: int = 2
    max_requests: int = Field(8, ge=1)  # requests in flight to the model server
    vision_max_side: int = 2048  # page images sent to the model: long side in pixels
    max_reply_tokens: int = 0  # 0: the profile's max_tokens; lower it for a server with a short context

    # Tasks that use the model, at once per process (chat and API share them); a task waits this long
    # for a slot before it is refused as busy.
    max_model_calls: int = Field(8, ge=1)
    model_wait_s: float = 120.0

    # The REST API: bearer keys (comma-separated; none: loopback only), a token bucket per key or IP,
    # and a time limit per request.
    api_keys: str = ""
    rate_per_minute: float = 60.0
    rate_burst: int = 10
    request_timeout_s: float = 300.0

    cache_dir: Path = Field(default_factory=_default_cache_dir)
    cache_size_mb: int = 1024
    cache_enabled: bool = True
    # Shared between processes and machines: cache_url "redis://host:port/db" puts the result cache in Redis
    # ("": diskcache in cache_dir); state_url holds the API's job state and rate limits ("": cache_url when
    # that is Redis, else in the process).
    cache_url: str = ""
    state_url: str = ""

    # Batches and jobs (assistant/jobs): the engine, its worker processes (0: one per core), the Ray cluster
    # ("": RAY_ADDRESS, else a Ray of its own on this machine), pages per task of a long PDF, and API jobs'
    # limits and lifetime.
    engine: Literal["local", "ray"] = "local"
    workers: int = Field(0, ge=0)
    ray_address: str = ""
    pages_per_task: int = Field(8, ge=1)
    max_job_files: int = Field(100, ge=1)
    max_job_mb: float = 200.0
    job_ttl_s: float = 7 * 24 * 3600

    @property
    def api_key_set(self) -> frozenset[str]:
        return frozenset(key.strip() for key in self.api_keys.split(",") if key.strip())

    @property
    def base_urls(self) -> list[str]:
        return [url.strip() for url in self.base_url.split(",") if url.strip()]

    @property
    def worker_count(self) -> int:
        if self.page_workers is not None:
            return self.page_workers
        import os

        return min(4, os.cpu_count() or 1)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def shared_state_url(self) -> str:
        """Where job state and rate limits live: "" keeps them in the process."""
        if self.state_url:
            return self.state_url
        return self.cache_url if self.cache_url.startswith(("redis://", "rediss://", "unix://")) else ""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
