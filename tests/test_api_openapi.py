"""The API's OpenAPI declares the bearer key, so that a client generated from it sends the key."""

from __future__ import annotations

import httpx
import pytest

from tests import fixtures as fx
from tests.api_server import api_server

pytestmark = pytest.mark.slow


def _bearer_header(spec: dict, operation: dict, key: str) -> dict[str, str]:
    """What a generated client does: for each security scheme the operation names, the header it asks for."""
    headers = {}
    for requirement in operation.get("security", []):
        for name in requirement:
            scheme = spec["components"]["securitySchemes"][name]
            if scheme["type"] == "http" and scheme["scheme"] == "bearer":
                headers["Authorization"] = f"Bearer {key}"
    return headers


def test_a_client_following_the_spec_sends_the_key():
    with api_server({"DOC_ASSISTANT_API_KEYS": "k1"}) as server:
        spec = httpx.get(server.url + "/openapi.json", timeout=30).json()
        operation = spec["paths"]["/v1/ocr"]["post"]
        assert operation["security"] == [{"bearerAuth": []}], operation.get("security")
        assert spec["paths"]["/ocr"]["post"]["security"] == [{"bearerAuth": []}]
        assert "security" not in spec["paths"]["/health"]["get"], "health needs no key"

        upload = {"file": ("notes.png", fx.encode(fx.text_page().image, "PNG"), "image/png")}
        refused = httpx.post(server.url + "/v1/ocr", data={"task": "read"}, files=upload, timeout=120)
        assert refused.status_code == 401, "the key is still checked as before"
        answer = httpx.post(
            server.url + "/v1/ocr",
            data={"task": "read"},
            files=upload,
            headers=_bearer_header(spec, operation, "k1"),
            timeout=120,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["citations"]


def test_without_keys_the_key_is_optional():
    with api_server() as server:
        spec = httpx.get(server.url + "/openapi.json", timeout=30).json()
        assert spec["paths"]["/v1/ocr"]["post"]["security"] == [{"bearerAuth": []}, {}]
        assert spec["components"]["securitySchemes"]["bearerAuth"] == {
            **spec["components"]["securitySchemes"]["bearerAuth"],
            "type": "http",
            "scheme": "bearer",
        }
