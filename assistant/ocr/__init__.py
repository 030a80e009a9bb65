"""Embedded OCR: rapidocr for CJK and Latin scripts, tesseract for the scripts it lacks."""
