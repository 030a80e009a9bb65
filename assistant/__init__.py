"""doc-assistant: talk to photos, scans and PDFs, with cited page regions."""

__version__ = "0.1.0"
