"""Retrieval for the ask task: hybrid BM25 + e5 search over a session's pages, passage by passage."""

from .search import Hit, Passage, build_passages, estimate_tokens, is_relevant, retrieve

__all__ = ["Hit", "Passage", "build_passages", "estimate_tokens", "is_relevant", "retrieve"]
