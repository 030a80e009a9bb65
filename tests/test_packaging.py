"""doc-assistant as a wheel: built from the checkout, installed in a fresh venv, run outside the checkout.

The wheel must carry the prompt templates and the chat's Chainlit configuration (kept at the repository's
top level as prompts/ and .chainlit/). The fresh venv gets the third-party packages of the running venv
through a .pth line only: a folder added by a .pth line has no .pth files of its own processed, so the
editable install of the checkout is not active there and `assistant` can only come from the wheel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

from tests import fixtures as fx
from tests.conftest import REPO, norm

pytestmark = pytest.mark.slow

MIN_SETUPTOOLS = 77  # PEP 639 license strings in pyproject.toml


def _run(cmd: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 240) -> str:
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    return proc.stdout


def _source_copy(dest: Path) -> Path:
    """The checkout's files (tracked, and new ones not ignored) copied, so the build litters only tmp."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():  # a file deleted in the work tree is still listed until committed
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            (dest / name).write_bytes(source.read_bytes())
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if int(version("setuptools").split(".")[0]) < MIN_SETUPTOOLS:
        pytest.fail(f"setuptools {version('setuptools')} < {MIN_SETUPTOOLS}: pip install -e '.[test]'")
    tmp = tmp_path_factory.mktemp("wheel")
    source = _source_copy(tmp / "src")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            tmp / "dist",
            source,
        ],
        cwd=tmp,
        env=dict(os.environ),
    )
    (built,) = (tmp / "dist").glob("doc_assistant-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheel) -> dict[str, Path]:
    """A new venv with the wheel installed, then the running venv's packages added by a .pth line."""
    root = tmp_path_factory.mktemp("venv") / "venv"
    env = _clean_env()
    _run([sys.executable, "-m", "venv", "--without-pip", root], cwd=root.parent, env=env)
    python = root / "bin" / "python"
    # Installed before the .pth exists: pip then sees an empty venv and cannot touch the running one's.
    _run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel],
        root.parent,
        env,
    )
    site_packages = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              root.parent, env).strip())  # fmt: skip
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site_packages / "third-party.pth").write_text("".join(f"{path}\n" for path in sorted(ours)))
    return {"python": python, "cli": root / "bin" / "doc-assistant", "site_packages": site_packages}


def _clean_env() -> dict[str, str]:
    """The test's environment without what would let the checkout's code in (PYTHONPATH) or confuse pip."""
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}


def test_the_wheel_ships_the_prompts_and_the_chainlit_configuration(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    prompts = sorted((REPO / "prompts").rglob("*.yaml"))
    chainlit = sorted(p for p in (REPO / ".chainlit").rglob("*") if p.is_file())
    assert len(prompts) >= 15 and (REPO / ".chainlit" / "config.toml") in chainlit
    expected = [f"assistant/_prompts/{p.relative_to(REPO / 'prompts').as_posix()}" for p in prompts]
    expected += [f"assistant/_chainlit/{p.relative_to(REPO / '.chainlit').as_posix()}" for p in chainlit]
    missing = [name for name in expected if name not in names]
    assert not missing, f"not in {wheel.name}: {missing}"
    modules = [p.relative_to(REPO).as_posix() for p in (REPO / "assistant").rglob("*.py")]
    assert not [m for m in modules if m not in names], "modules missing from the wheel"


def test_the_installed_package_is_the_wheel_and_finds_its_data(venv: dict[str, Path], tmp_path: Path) -> None:
    script = (
        "import json, assistant, assistant.prompts as p, assistant.frontends.chat.launcher as l;"
        "print(json.dumps([assistant.__file__, str(p.PROMPTS_DIR), str(l.CONFIG_DIR)]))"
    )
    package, prompts, chainlit = map(
        Path, json.loads(_run([venv["python"], "-c", script], tmp_path, _clean_env()))
    )
    site_packages = venv["site_packages"].resolve()
    assert package.resolve().is_relative_to(site_packages), package
    assert prompts.resolve() == site_packages / "assistant" / "_prompts"
    assert (prompts / "local-llm" / "ask.yaml").is_file()
    assert (chainlit / "config.toml").is_file() and (chainlit / "translations" / "zh-CN.json").is_file()
    assert chainlit.resolve().is_relative_to(site_packages)


def test_read_and_ask_from_the_installed_cli(venv: dict[str, Path], tmp_path: Path) -> None:
    """Run from a folder outside the checkout, on an invoice rendered here."""
    invoice = tmp_path / "invoice.png"
    fx.invoice_page().image.save(invoice)
    env = _clean_env()

    read = json.loads(_run([venv["cli"], "read", invoice.name, "--json"], tmp_path, env))
    assert read["task"] == "read"
    assert fx.TAX_ID in norm(read["text"]), read["text"]

    ask = json.loads(_run([venv["cli"], "ask", invoice.name, "价税合计是多少？", "--json"], tmp_path, env))
    assert ask["task"] == "ask"
    assert "1,446.40" in ask["text"] or "1446.40" in ask["text"], ask
    assert ask["citations"], ask
    assert any("1,446.40" in norm(c["text"]) for c in ask["citations"]), ask["citations"]
