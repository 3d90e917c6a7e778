"""Chat model backends behind the :class:`ChatModel` seam.

base.py holds the protocol and value types; embedded.py runs a GGUF in-process via llama.cpp;
openai_compat.py talks to any OpenAI-compatible server. Only the engine (and the few pure
helpers in os1.mind / os1.memory that take a ChatModel argument) may call a model.
"""

from os1.brain.base import ChatModel, Chunk, Message, ToolCall, ToolSpec, complete, complete_json

__all__ = ["ChatModel", "Chunk", "Message", "ToolCall", "ToolSpec", "complete", "complete_json"]
