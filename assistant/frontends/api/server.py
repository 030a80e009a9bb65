"""`doc-assistant api`: serve the HTTP API with uvicorn. Without API keys, only on loopback."""

from __future__ import annotations

import ipaddress
import sys

from ...cache import get_cache
from ...errors import DocAssistantError
from ...settings import get_settings


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_api(host: str, port: int, allow_unauthenticated: bool) -> int:
    import uvicorn

    from .app import create_app

    settings = get_settings()
    if not settings.api_key_set:
        if not is_loopback(host) and not allow_unauthenticated:
            print(
                "doc-assistant: error: no API keys are set (DOC_ASSISTANT_API_KEYS), so the API listens "
                f"only on loopback; refusing --host {host}. Set keys, or pass --allow-unauthenticated.",
                file=sys.stderr,
            )
            return 2
        print(f"doc-assistant API: no API keys (DOC_ASSISTANT_API_KEYS): open to anyone who reaches {host}")
    else:
        keys = len(settings.api_key_set)
        print(f"doc-assistant API: {keys} API key(s); send 'Authorization: Bearer <key>'")
    try:
        app = create_app(settings)
        if settings.cache_enabled:
            get_cache(settings)  # a shared cache (Redis) that does not answer stops the start here
    except DocAssistantError as exc:
        print(f"doc-assistant: error: {exc.message}", file=sys.stderr)
        return 3
    print(f"doc-assistant API on http://{host}:{port} (docs at /docs)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=30)
    return 0
