"""Hotspot reviews for the centre's working group: list them, read one, close one with a decision.

The decision is a Workflow Update on the review's own workflow: a second decision is refused (409) by its
validator, and the read model follows the workflow.
"""

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import select
from temporalio.service import RPCError, RPCStatusCode

from api.deps import EngineDep, SessionDep, StaffUser, require_roles
from api.edge.errors import Conflict, EngineUnavailable, NotFound
from database.models import HotspotReview
from schemas.enums import Role
from schemas.hotspot import HotspotDecisionInput, HotspotDecisionRequest, HotspotState, HotspotStatus
from workflows.hotspot import HotspotReviewWorkflow

router = APIRouter(prefix="/hotspots", tags=["hotspots (centre)"])

CentreReader = Annotated[StaffUser, Depends(require_roles(Role.ADMIN, Role.AUDITOR))]
WorkingGroup = Annotated[StaffUser, Depends(require_roles(Role.ADMIN))]


class HotspotOut(BaseModel):
    model_config = {"from_attributes": True}

    review_id: str
    scope: str
    subject_id: str
    agency_id: str
    window_start: datetime
    window_end: datetime
    complaints: int
    baseline: float
    top_indicator: int | None
    top_indicator_count: int
    status: str
    opened_at: datetime
    due_at: datetime
    overdue: bool
    decision: str | None
    decision_note: str | None
    decided_by: str | None
    decided_at: datetime | None


@router.get("", response_model=list[HotspotOut], summary="Hotspot reviews, newest first")
async def hotspots(user: CentreReader, session: SessionDep, status: HotspotStatus | None = None) -> list[HotspotOut]:
    statement = select(HotspotReview).order_by(HotspotReview.opened_at.desc())
    if status is not None:
        statement = statement.where(HotspotReview.status == status.value)
    return [HotspotOut.model_validate(row) for row in await session.scalars(statement)]


async def _review(session, review_id: str) -> HotspotReview:
    row = await session.get(HotspotReview, review_id)
    if row is None:
        raise NotFound(f"no hotspot review {review_id}", message_fa="بررسی کانون شکایتی با این شناسه نیست.")
    return row


@router.get("/{review_id}", response_model=HotspotOut, summary="One hotspot review")
async def hotspot(review_id: str, user: CentreReader, session: SessionDep) -> HotspotOut:
    return HotspotOut.model_validate(await _review(session, review_id))


@router.post(
    "/{review_id}/decision", response_model=HotspotState, summary="Close a review with the working group's decision"
)
async def decide(
    review_id: str, body: HotspotDecisionRequest, user: WorkingGroup, session: SessionDep, engine: EngineDep
) -> HotspotState:
    await _review(session, review_id)
    handle = (await engine.client()).get_workflow_handle_for(HotspotReviewWorkflow.run, review_id)
    request = HotspotDecisionInput(actor=user.actor, decision=body.decision, note=body.note)
    try:
        async with asyncio.timeout(engine.rpc_timeout.total_seconds() * 1.5):
            return await handle.execute_update(HotspotReviewWorkflow.decide, request, rpc_timeout=engine.rpc_timeout)
    except TimeoutError as exc:
        raise EngineUnavailable() from exc
    except RPCError as exc:
        # A decided review's workflow ends right after the decision: a second one finds it gone, not refused.
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise Conflict(
                f"hotspot review {review_id} is already closed with a decision",
                message_fa="این بررسی پیش‌تر با تصمیم بسته شده است",
            ) from exc
        raise
