"""The Gemini engine: plan, prompt, answer, merge (pure); the network call is the caller's."""

from extraction.engines.gemini.engine import (
    Blob,
    ChunkReading,
    GeminiEngine,
    ModelReply,
    ModelRequest,
)
from extraction.engines.gemini.generation import GenerationOptions, generation_options
from extraction.engines.gemini.plan import (
    AnswerBlocked,
    AnswerStatus,
    AnswerUnusable,
    Chunk,
    ChunkQueue,
    chunk_plan,
    split_chunk,
)

__all__ = ["AnswerBlocked", "AnswerStatus", "AnswerUnusable", "Blob", "Chunk", "ChunkQueue", "ChunkReading",
           "GeminiEngine", "GenerationOptions", "ModelReply", "ModelRequest", "chunk_plan", "generation_options",
           "split_chunk"]
