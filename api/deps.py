"""Request dependencies: the app's long-lived clients, the calling account, and the objects a path
names, resolved against that account (Owned*: 404 for another account's, existence never revealed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from starlette.requests import HTTPConnection

from api.domain_errors import Invalid
from api.services import accounts, batches, extractions, files, idempotency
from api.services.accounts import Caller
from api.services.gemini import GeminiCheck
from api.state import AppState, ModelCheck, Temporal
from api.status_views import StatusViews
from core.config import Settings
from core.limits import MAX_PAGE_SIZE
from core.models import Account, ApiKey, Batch, Extraction, FileRecord
from core.storage import ObjectStore
from core.text import refused_character
from documents.service import DocumentService

# Every dependency is `async def`: FastAPI runs a plain `def` dependency in its thread pool, and on
# a busy machine each such hop cost more than the work itself. Their database calls are short
# index lookups, each its own unit of work on the event loop (api/data/session.py).


async def get_state(conn: HTTPConnection) -> AppState:
    return conn.app.state.docparse


StateDep = Annotated[AppState, Depends(get_state)]


async def get_db(state: StateDep) -> Engine:
    return state.db


async def get_settings(state: StateDep) -> Settings:
    return state.settings


async def get_store(state: StateDep) -> ObjectStore:
    return state.store


async def get_documents(state: StateDep) -> DocumentService:
    return state.documents


async def get_status_views(state: StateDep) -> StatusViews:
    return state.status_views


async def get_temporal(state: StateDep) -> Temporal:
    return state.temporal


async def get_gemini_check(state: StateDep) -> ModelCheck:
    if state.gemini is None:  # one per app, built on first use (it asks Gemini only when needed)
        state.gemini = GeminiCheck(state.settings)
    return state.gemini


DbDep = Annotated[Engine, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[ObjectStore, Depends(get_store)]
DocumentsDep = Annotated[DocumentService, Depends(get_documents)]
StatusViewsDep = Annotated[StatusViews, Depends(get_status_views)]
TemporalDep = Annotated[Temporal, Depends(get_temporal)]
GeminiCheckDep = Annotated[ModelCheck, Depends(get_gemini_check)]


# Declared for the OpenAPI document (the docs page gets an "Authorize" button); we raise our
# own JSON errors, so auto_error is off.
bearer_scheme = HTTPBearer(auto_error=False, description="an API key from `docparse keys create`")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


async def current_caller(credentials: BearerDep, state: StateDep) -> Caller:
    caller = accounts.authenticate(db=state.db, known_keys=state.known_keys,
                                   plaintext=credentials.credentials if credentials else None)
    accounts.check_rate(limiter=state.limiter, limits=state.limits, key_id=caller.key.id)
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]


async def current_account(caller: CallerDep) -> Account:
    return caller.account


async def current_key(caller: CallerDep) -> ApiKey:
    return caller.key


AccountDep = Annotated[Account, Depends(current_account)]
KeyDep = Annotated[ApiKey, Depends(current_key)]


def _path_ids(**ids: str) -> None:
    """A path id no database can hold is a bad request, not a lookup (PostgreSQL refuses NUL)."""
    for name, value in ids.items():
        why = refused_character(value)
        if why:
            raise Invalid("invalid_request", f"invalid request: {name} contains {why}")


async def owned_extraction(extraction_id: str, account: AccountDep, db: DbDep) -> Extraction:
    _path_ids(extraction_id=extraction_id)
    return extractions.owned(db=db, account=account, extraction_id=extraction_id)


async def owned_batch(extraction_id: str, batch_id: str, account: AccountDep, state: StateDep) -> Batch:
    _path_ids(extraction_id=extraction_id, batch_id=batch_id)
    return batches.owned(db=state.db, known_batches=state.known_batches, account=account,
                         extraction_id=extraction_id, batch_id=batch_id)


async def owned_file(extraction_id: str, file_id: str, account: AccountDep, db: DbDep) -> FileRecord:
    _path_ids(extraction_id=extraction_id, file_id=file_id)
    return files.owned(db=db, account=account, extraction_id=extraction_id, file_id=file_id)


OwnedExtraction = Annotated[Extraction, Depends(owned_extraction)]
OwnedBatch = Annotated[Batch, Depends(owned_batch)]
OwnedFile = Annotated[FileRecord, Depends(owned_file)]


async def idempotency_key(
    account: AccountDep,  # the key is checked after the caller is (401/403/429 first)
    idempotency_key: Annotated[str | None, Header(
        description="Send the same value when retrying an upload: within 24 h the same key with the same "
        "extraction, name and files returns the batch it made (no second batch, no second charge); with a "
        "different request it is refused with 409 idempotency_key_reused.")] = None,
) -> str | None:
    return idempotency.checked_key(idempotency_key)


IdempotencyKeyDep = Annotated[str | None, Depends(idempotency_key)]

# A listing's page: newest first, `before` a next_before cursor (or an ISO timestamp).
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"at most {MAX_PAGE_SIZE}")]
Cursor = Annotated[str | None, Query(max_length=200, description="next_before of the previous page, or an ISO "
                                     "8601 timestamp: only what was created before it")]
