"""The REST API (FastAPI): the same tasks and JSON as the CLI, for systems integration."""
