"""Drafters, registered by name: exemplar (offline) and llm (OpenAI-compatible endpoint)."""

from assistant.drafters import exemplar  # noqa: F401

try:  # the llm drafter needs langchain-openai; the offline drafter works without it
    from assistant.drafters import llm  # noqa: F401
except ImportError:  # pragma: no cover
    pass
