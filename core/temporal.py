"""Temporal connection and the names shared by the API, the worker and the workflows."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime

from core.config import Settings

EXTRACTION_ID = SearchAttributeKey.for_keyword("ExtractionId")
BATCH_STATUS = SearchAttributeKey.for_keyword("BatchStatus")


def batch_workflow_id(batch_id: str) -> str:
    return f"batch-{batch_id}"


async def connect(settings: Settings, runtime: Runtime | None = None) -> Client:
    """runtime: a Temporal runtime of one's own (the worker's serves SDK metrics); default: the
    SDK's default runtime."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        api_key=settings.temporal_api_key,
        tls=settings.temporal_tls,
        data_converter=pydantic_data_converter,
        runtime=runtime,
    )


async def ensure_search_attributes(client: Client, namespace: str) -> None:
    """Registers our search attributes where the server lacks them (a fresh cluster)."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import (
        AddSearchAttributesRequest,
        ListSearchAttributesRequest,
    )

    wanted = {key.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for key in (EXTRACTION_ID, BATCH_STATUS)}
    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    missing = {k: v for k, v in wanted.items() if k not in existing.custom_attributes}
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(search_attributes=missing, namespace=namespace)
        )
