"""The API's side of the workflow engine: the Temporal client (connected on first need) and typed calls.

Every call carries the RPC timeout from settings, so an update that no worker picks up fails fast
(mapped to a 503 by api.edge.errors) instead of hanging the request. An `Engine` connects only when a call
needs the client: a request that turns out not to need the engine (a case the read model answers) does not
fail because Temporal is down, and intake reserves its key before the connection is tried.
"""

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from temporalio.client import Client, WorkflowExecutionDescription, WorkflowHandle, WorkflowHistory
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.edge.errors import EngineUnavailable
from infra.logs import bind_case
from infra.settings import Settings
from infra.temporal import connect
from schemas.case import CaseStart, CaseState
from schemas.enums import CaseStatus, Step
from workflows.complaint import ComplaintWorkflow
from workflows.visibility import SearchAttributes, workflow_id


async def temporal_client(app: FastAPI) -> Client:
    """The app's client; connects on first use so the API starts (and answers 503) while Temporal is down."""
    client: Client | None = app.state.temporal_client
    if client is not None:
        return client
    settings: Settings = app.state.settings
    async with app.state.temporal_lock:
        if app.state.temporal_client is None:
            try:
                app.state.temporal_client = await asyncio.wait_for(
                    connect(settings), timeout=settings.temporal_rpc_timeout_seconds
                )
            except (RuntimeError, OSError, TimeoutError) as exc:
                raise EngineUnavailable(
                    f"cannot connect to the workflow engine at {settings.temporal_address}"
                ) from exc
    return app.state.temporal_client


def initial_search_attributes(start: CaseStart) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [
            SearchAttributePair(SearchAttributes.STEP, Step.REVIEW.value),
            SearchAttributePair(SearchAttributes.STATUS, CaseStatus.IN_REVIEW.value),
            SearchAttributePair(SearchAttributes.AGENCY, start.agency_id),
            SearchAttributePair(SearchAttributes.PROVINCE, start.province_code),
            SearchAttributePair(SearchAttributes.COUNTY, start.county_code),
            SearchAttributePair(SearchAttributes.INDICATOR, int(start.indicator)),
            SearchAttributePair(SearchAttributes.BREACHED, False),
        ]
    )


@dataclass(frozen=True)
class Engine:
    connect: Callable[[], Awaitable[Client]]
    task_queue: str
    rpc_timeout: timedelta

    @classmethod
    def of(cls, app: FastAPI) -> "Engine":
        """The app's engine: its one client (connected on first need), task queue and RPC timeout."""
        settings: Settings = app.state.settings
        return cls(
            connect=functools.partial(temporal_client, app),
            task_queue=app.state.task_queue,
            rpc_timeout=timedelta(seconds=settings.temporal_rpc_timeout_seconds),
        )

    async def client(self) -> Client:
        """The connected client; EngineUnavailable (a 503) if Temporal does not answer."""
        return await self.connect()

    async def handle(self, tracking_code: str) -> WorkflowHandle[Any, CaseState]:
        bind_case(tracking_code)  # the request's later log lines (its access line too) name the case
        client = await self.client()
        return client.get_workflow_handle_for(ComplaintWorkflow.run, workflow_id(tracking_code))

    async def start_case(self, start: CaseStart) -> None:
        """Starts the case's workflow once: a second call for the same code attaches to the first.

        Returns only once Temporal has the workflow, so a 2xx at intake always means the case exists; an
        engine that does not confirm in time is a 503 (the reserved key lets the client retry)."""
        bind_case(start.tracking_code)
        client = await self.client()
        try:
            async with self._deadline():
                await client.start_workflow(
                    ComplaintWorkflow.run,
                    start,
                    id=workflow_id(start.tracking_code),
                    task_queue=self.task_queue,
                    id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    search_attributes=initial_search_attributes(start),
                    rpc_timeout=self.rpc_timeout,
                )
        except WorkflowAlreadyStartedError:
            pass  # the case ran and closed already: the same receipt stands

    async def update(
        self, tracking_code: str, update: Callable[..., Any], arg: Any, *, update_id: str | None = None
    ) -> CaseState:
        """One Workflow Update. With an update_id, a retry (after a 503, say) attaches to the first attempt
        that Temporal accepted and gets its outcome, instead of being validated afresh and refused."""
        handle = await self.handle(tracking_code)
        async with self._deadline():
            return await handle.execute_update(update, arg, id=update_id, rpc_timeout=self.rpc_timeout)

    async def signal(self, tracking_code: str, signal: Callable[..., Any], arg: Any) -> None:
        handle = await self.handle(tracking_code)
        await handle.signal(signal, arg, rpc_timeout=self.rpc_timeout)

    async def state(self, tracking_code: str) -> CaseState:
        handle = await self.handle(tracking_code)
        async with self._deadline():
            return await handle.query(ComplaintWorkflow.state, rpc_timeout=self.rpc_timeout)

    @asynccontextmanager
    async def _deadline(self) -> AsyncIterator[None]:
        """One deadline for the whole call: the SDK repeats an RPC, so rpc_timeout alone bounds each attempt."""
        try:
            async with asyncio.timeout(self.rpc_timeout.total_seconds() * 1.5):
                yield
        except TimeoutError as exc:
            raise EngineUnavailable() from exc

    async def history(self, tracking_code: str) -> WorkflowHistory:
        handle = await self.handle(tracking_code)
        return await handle.fetch_history(rpc_timeout=self.rpc_timeout)

    async def describe(self, tracking_code: str) -> WorkflowExecutionDescription:
        handle = await self.handle(tracking_code)
        return await handle.describe(rpc_timeout=self.rpc_timeout)
