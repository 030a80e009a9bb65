"""Documents and their pages: loading files, validating them, and the page model."""
