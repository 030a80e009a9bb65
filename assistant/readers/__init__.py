"""Page readers: the PDF text layer, the OCR engines (rapidocr, tesseract), a VLM's spotting pass."""
