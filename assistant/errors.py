"""Errors a user can act on. Each has a stable machine-readable code and a one-line message."""

from __future__ import annotations


class DocAssistantError(Exception):
    """Base of every error that is reported to the user rather than crashing."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class InputError(DocAssistantError):
    """The file cannot be used as given (the user must change the input)."""

    code = "invalid_input"


class UnsupportedTypeError(InputError):
    code = "unsupported_type"


class FileTooLargeError(InputError):
    code = "file_too_large"


class TooManyPixelsError(InputError):
    code = "too_many_pixels"


class TooManyPagesError(InputError):
    code = "too_many_pages"


class EncryptedPdfError(InputError):
    code = "encrypted_pdf"


class CorruptFileError(InputError):
    code = "corrupt_file"


class PageTooSlowError(InputError):
    """Decoding, rendering or reading one page took longer than the per-page budget (a render bomb, say)."""

    code = "page_too_slow"


class ArgumentError(InputError):
    """An option has a value we cannot use (a page range, a language code)."""

    code = "bad_argument"


class OcrEngineError(DocAssistantError):
    """An OCR engine is missing or failed (the installation must change)."""

    code = "ocr_engine_error"
