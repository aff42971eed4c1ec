"""The Gemini engine: plan, prompt, answer, merge (pure); the network call is the caller's."""

from extraction.engines.gemini.engine import (
    AnswerStatus,
    ChunkReading,
    GeminiEngine,
    ModelReply,
    ModelRequest,
)
from extraction.engines.gemini.plan import AnswerUnusable, Chunk, ChunkQueue, chunk_plan, split_chunk

__all__ = ["AnswerStatus", "AnswerUnusable", "Chunk", "ChunkQueue", "ChunkReading", "GeminiEngine",
           "ModelReply", "ModelRequest", "chunk_plan", "split_chunk"]
