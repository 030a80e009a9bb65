"""The CLI at a terminal: rich progress bars on stderr while pages are read, `extract --format table`."""

from __future__ import annotations

import os
import pty
import re
import subprocess

import pytest

from tests import fixtures as fx
from tests.conftest import REPO, cli_command, iou, run_cli

pytestmark = pytest.mark.slow


def _run_on_terminal(*args) -> tuple[int, str, str]:
    """The CLI with stderr on a pseudo-terminal (as in a shell) and stdout piped: (exit code, out, err)."""
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    proc = subprocess.Popen(
        [*cli_command(), *map(str, args)], stdout=subprocess.PIPE, stderr=slave, env=env, cwd=REPO
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    out = proc.stdout.read().decode()
    proc.wait(timeout=180)
    os.close(master)
    return proc.returncode, out, b"".join(chunks).decode(errors="replace")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("terminal")
    tiff = folder / "report.tiff"
    tiff.write_bytes(fx.save_multipage_tiff([page.image for page in fx.tiff_pages()]))
    png = folder / "notes.png"
    png.write_bytes(fx.encode(fx.text_page().image, "PNG"))
    invoice = folder / "invoice.png"
    invoice.write_bytes(fx.encode(fx.invoice_page().image, "PNG"))
    return {"tiff": tiff, "png": png, "invoice": invoice}


def test_progress_bars_on_a_terminal_for_pages_and_files(files):
    code, out, err = _run_on_terminal("read", files["tiff"], files["png"], "--json")
    assert code == 0, err
    assert "reading report.tiff" in err and "3/3" in err, err
    assert "reading notes.png" in err and "files" in err and "2/2" in err, err
    # stdout is the JSON alone: the bars never reach it.
    assert out.count("\n") == 1 and out.startswith('{"task": "read"'), out


def test_no_bars_with_quiet_or_without_a_terminal(files):
    code, _, err = _run_on_terminal("read", files["tiff"], "--quiet")
    assert code == 0 and "reading" not in err and "━" not in err, err
    piped = run_cli("read", files["tiff"])
    assert piped.returncode == 0 and "reading" not in piped.stderr, piped.stderr


def test_extract_as_a_table_on_the_terminal(files):
    result = run_cli(
        "extract", files["invoice"], "--fields", "金额,税号", "--format", "table", env={"COLUMNS": "160"}
    )
    assert result.returncode == 0, result.stderr
    header = next(line for line in result.stdout.splitlines() if "┃" in line)
    assert re.search(r"field\s*┃\s*value\s*┃\s*page\s*┃\s*box", header), result.stdout
    row = next(line for line in result.stdout.splitlines() if "税号" in line)
    assert fx.TAX_ID in row and "invoice.png p1" in row, result.stdout
    box = [float(v) for v in re.search(r"(\d+),(\d+),(\d+),(\d+)", row).groups()]
    truth = next(line.box for line in fx.invoice_page().lines if line.text == fx.TAX_ID)
    assert iou(box, truth) >= 0.5, (box, truth)
