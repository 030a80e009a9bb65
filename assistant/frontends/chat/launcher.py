"""`doc-assistant ui`: run the Chainlit chat headless, with the project's .chainlit/ configuration.

Chainlit treats its working directory as the app root: it reads .chainlit/ and chainlit.md there and
writes its upload folder (.files/) there. A runtime folder in the data folder links back to the
project's .chainlit/ (inside the installed package for a wheel: assistant.resources), so the chat starts the
same from any directory and writes nothing into the project.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ...resources import chainlit_dir
from ...settings import get_settings

CONFIG_DIR = chainlit_dir()
APP_FILE = Path(__file__).with_name("app.py")


def prepare_app_root(data_dir: Path) -> Path:
    root = data_dir / "chat-app"
    root.mkdir(parents=True, exist_ok=True)
    _link(root / ".chainlit", CONFIG_DIR)
    # Chainlit serves the logo, the favicon and the assistant's avatar from the app root's public/.
    _link(root / "public", CONFIG_DIR / "public")
    # Chainlit writes a default chainlit.md when there is none: give it ours.
    shutil.copyfile(CONFIG_DIR / "chainlit.md", root / "chainlit.md")
    return root


def _link(link: Path, target: Path) -> None:
    if link.is_symlink() and link.resolve() == target.resolve():
        return
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.exists():
        shutil.rmtree(link)
    link.symlink_to(target, target_is_directory=True)


def run_ui(host: str, port: int) -> None:
    """Serve the chat until interrupted. Blocks."""
    settings = get_settings()
    os.environ["CHAINLIT_APP_ROOT"] = str(prepare_app_root(settings.data_dir))
    os.environ["CHAINLIT_HOST"] = host
    os.environ["CHAINLIT_PORT"] = str(port)
    # Imported only now: chainlit reads CHAINLIT_APP_ROOT when it is first imported.
    from chainlit.cli import run_chainlit
    from chainlit.config import config

    config.run.headless = True
    print(f"doc-assistant chat on http://{host}:{port} (Ctrl+C stops it)", flush=True)
    run_chainlit(str(APP_FILE))
