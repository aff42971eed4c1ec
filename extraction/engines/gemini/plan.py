"""Page chunks for a model: long documents are read in overlapping chunks of pages.

Each page is *owned* by exactly one chunk (the first that contains it); overlap pages are only
context. A chunk whose answer was truncated or unusable is split (split_chunk) and asked again.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel

Answer = TypeVar("Answer")


class AnswerStatus(StrEnum):
    """What one model call's answer is, for the chunk policy (ChunkQueue.record)."""

    OK = "ok"
    TRUNCATED = "truncated"  # cut at the output limit: split the chunk
    INVALID = "invalid"  # not JSON matching the schema, or an unexpected finish: split, or ask again
    BLOCKED = "blocked"  # a safety, recitation or prompt block: the same input is refused again, so the file fails
    TOO_LARGE = "too_large"  # over the request-size limit: split; a page too large alone fails the file
    SERVER_ERROR = "server_error"  # 500 INTERNAL on every attempt: split; on one page the file fails


class Chunk(BaseModel):
    """Pages [first, last] (1-based, inclusive) are sent; [own_first, own_last] are owned."""

    first: int
    last: int
    own_first: int
    own_last: int

    @property
    def pages(self) -> list[int]:
        return list(range(self.first, self.last + 1))

    def label(self) -> str:
        return f"pages {self.first}-{self.last}" if self.last > self.first else f"page {self.first}"


def chunk_plan(page_count: int, pages_per_chunk: int, overlap: int) -> list[Chunk]:
    size = max(1, pages_per_chunk)
    overlap = max(0, min(overlap, size - 1))
    chunks, own_first = [], 1
    while own_first <= page_count:
        own_last = min(page_count, own_first + size - 1 - (overlap if own_first > 1 else 0))
        own_last = max(own_last, own_first)
        first = max(1, own_first - overlap)
        chunks.append(Chunk(first=first, last=own_last, own_first=own_first, own_last=own_last))
        own_first = own_last + 1
    return chunks


def split_chunk(chunk: Chunk) -> list[Chunk]:
    """Halves a chunk whose output was truncated or unparseable; context pages stay in front.
    Returns the chunk itself when it cannot get smaller."""
    owned = chunk.own_last - chunk.own_first + 1
    if owned <= 1:
        if chunk.first < chunk.own_first:  # drop the context pages: the smallest request left
            return [chunk.model_copy(update={"first": chunk.own_first})]
        return [chunk]
    mid = chunk.own_first + owned // 2 - 1
    return [
        Chunk(first=chunk.first, last=mid, own_first=chunk.own_first, own_last=mid),
        Chunk(first=mid, last=chunk.last, own_first=mid + 1, own_last=chunk.own_last),
    ]


# A one-page chunk whose answer is still unusable is asked again this many times, then the file fails.
INVALID_RETRIES = 2


class AnswerUnusable(Exception):
    """A chunk that cannot get smaller was answered unusably every time: the file fails with this."""


class AnswerBlocked(AnswerUnusable):
    """Gemini refused the chunk (a block is deterministic: splitting or asking again would not help)."""


# Answers a smaller request may avoid but asking the same again will not.
_SPLIT_THEN_FAIL = (AnswerStatus.TOO_LARGE, AnswerStatus.SERVER_ERROR)


def _key(chunk: Chunk) -> tuple[int, int, int, int]:
    return chunk.first, chunk.last, chunk.own_first, chunk.own_last


class ChunkQueue(Generic[Answer]):
    """The chunks a document still needs answers for: the plan, then the halves of a chunk whose
    answer was truncated or unusable, then re-asks of a one-page chunk (INVALID_RETRIES). A blocked
    answer fails the file at once; one too large, or a repeated server error, is split but never
    asked again as it was. Pure and deterministic: BatchWorkflow drives it with one activity per
    chunk, GeminiEngine.extract with direct calls, so both follow one policy.

        queue = ChunkQueue(chunk_plan(...))
        while queue.open:
            for chunk in queue.next_round():
                queue.record(chunk, answer_or_None, detail, status)
        queue.done  # [(chunk, answer)], in the order answered
    """

    def __init__(self, chunks: list[Chunk]):
        self._waiting: list[Chunk] = list(chunks)
        self._asking: list[Chunk] = []
        self._tries: dict[tuple[int, int, int, int], int] = {}
        self.done: list[tuple[Chunk, Answer]] = []

    @property
    def open(self) -> bool:
        return bool(self._waiting or self._asking)

    def next_round(self) -> list[Chunk]:
        """The chunks to ask now (all at once); record() each answer before the next round."""
        self._asking, self._waiting = self._waiting, []
        return list(self._asking)

    def record(self, chunk: Chunk, answer: Answer | None, detail: str | None = None,
               status: AnswerStatus | None = None) -> None:
        """answer None: not usable, `status` says how (None: truncated or invalid, as before the
        other statuses existed) and `detail` why. Raises AnswerBlocked for a block, AnswerUnusable
        when the chunk cannot be split and was too large, failed on the server every time, or was
        asked again INVALID_RETRIES times."""
        self._asking = [c for c in self._asking if _key(c) != _key(chunk)]
        if answer is not None:
            self.done.append((chunk, answer))
            return
        if status == AnswerStatus.BLOCKED:
            raise AnswerBlocked(f"Gemini refused to read {chunk.label()}: {detail}")
        smaller = split_chunk(chunk)
        if smaller != [chunk]:
            self._waiting += smaller
            return
        if status in _SPLIT_THEN_FAIL:
            raise AnswerUnusable(f"the model could not read {chunk.label()}: {detail}")
        tries = self._tries.get(_key(chunk), 0)
        if tries >= INVALID_RETRIES:
            raise AnswerUnusable(f"the model's output for {chunk.label()} was unusable: {detail}")
        self._tries[_key(chunk)] = tries + 1
        self._waiting.append(chunk)
