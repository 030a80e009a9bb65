"""Where the data folders of doc-assistant are: the prompt templates and the chat's Chainlit configuration.

The repository keeps them at its top level (prompts/, .chainlit/); a wheel installs them inside the
package as assistant/_prompts and assistant/_chainlit (pyproject.toml maps them there). Both are real folders
on disk: the package is never run from a zip, and Chainlit needs a folder path.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def prompts_dir() -> Path:
    return _folder("_prompts", "prompts")


def chainlit_dir() -> Path:
    """The folder Chainlit reads as .chainlit: config.toml, translations/*.json, chainlit.md."""
    return _folder("_chainlit", ".chainlit")


def _folder(installed: str, in_checkout: str) -> Path:
    package = Path(str(files("assistant")))
    shipped = package / installed
    # An installed wheel has the folder inside the package; a source checkout (or an editable install of
    # one) has it beside the package.
    return shipped if shipped.is_dir() else package.parent / in_checkout
