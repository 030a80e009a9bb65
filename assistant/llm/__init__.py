"""The embedded language model: a packaged GGUF run in-process through llama.cpp."""
