"""Multipart forms whose values and file names must be UTF-8 (400 otherwise).

Starlette decodes a form value or file name that is not UTF-8 as Latin-1, silently: field names typed in
GBK ('金额,税号') arrive as '½ð¶î,Ë°ºÅ' and extract fills fields of those names with whatever the model
picks. The raw bytes are gone by the time an endpoint sees the string, so the check is made while parsing.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser


def _require_utf8(raw: bytes | bytearray, what: str) -> None:
    try:
        bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MultiPartException(f"{what} is not UTF-8 text (byte {exc.start}); send UTF-8") from None


class _Utf8MultiPartParser(MultiPartParser):
    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._current_part.content_disposition)
        if b"filename" in options:
            _require_utf8(options[b"filename"], "the file name")
        super().on_headers_finished()

    def on_part_end(self) -> None:
        part = self._current_part
        if part.file is None:
            _require_utf8(part.data, f"the form field '{part.field_name}'")
        super().on_part_end()


class _Utf8FormRequest(Request):
    async def _get_form(self, **limits: Any) -> FormData:
        content_type, _ = parse_options_header(self.headers.get("Content-Type"))
        if self._form is None and content_type == b"multipart/form-data":
            try:
                self._form = await _Utf8MultiPartParser(self.headers, self.stream(), **limits).parse()
            except MultiPartException as exc:
                raise HTTPException(status_code=400, detail=exc.message) from None
        return await super()._get_form(**limits)


class Utf8FormRoute(APIRoute):
    """An APIRoute whose requests parse multipart forms strictly as UTF-8."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(_Utf8FormRequest(request.scope, request.receive))

        return strict_handler
