"""The bearer key in the OpenAPI document, so that generated clients send it.

The Guard middleware checks the key (before the body is read), so the scheme is only declared here: the task
routes name it, as required when the server has keys (DOC_ASSISTANT_API_KEYS) and as optional when not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

SCHEME = "bearerAuth"


def declare_bearer(app: FastAPI, guarded: Callable[[str], bool], keys_required: bool) -> None:
    """`guarded(path)`: the spec's paths (templates such as /v1/jobs/{job_id}) the guard checks."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = build()
        spec.setdefault("components", {}).setdefault("securitySchemes", {})[SCHEME] = {
            "type": "http",
            "scheme": "bearer",
            "description": "an API key of DOC_ASSISTANT_API_KEYS: 'Authorization: Bearer <key>'",
        }
        # {} is "no credentials": a server without keys accepts calls without one.
        security = [{SCHEME: []}] if keys_required else [{SCHEME: []}, {}]
        for path, operations in spec["paths"].items():
            if guarded(path):
                for operation in operations.values():
                    operation["security"] = security
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
