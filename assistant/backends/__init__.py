"""Model backends: one protocol (base), llama.cpp in process (local), OpenAI-compatible servers (openai)."""
