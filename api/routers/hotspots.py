"""Hotspot reviews for the centre's working group: list them, read one, note on one, close one with a decision.

The decision is a Workflow Update on the review's own workflow: a second decision is refused (409) by its
validator, and the read model follows the workflow. Who sees and acts: api/auth/access.py (working group).
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.auth.access import HOTSPOT_READERS, WORKING_GROUP_ROLES, hotspot_scope
from api.deps import EngineDep, SessionDep, SettingsDep, StaffUser, require_roles
from api.services import working_group
from database.models import HotspotReview
from schemas.hotspot import HotspotDecisionRequest, HotspotState, HotspotStatus

router = APIRouter(prefix="/hotspots", tags=["hotspots (centre)"])

CentreReader = Annotated[StaffUser, Depends(require_roles(*HOTSPOT_READERS))]
WorkingGroup = Annotated[StaffUser, Depends(require_roles(*WORKING_GROUP_ROLES))]


class NoteIn(BaseModel):
    note: str = Field(min_length=3, max_length=working_group.NOTE_MAX)


class NoteOut(BaseModel):
    model_config = {"from_attributes": True}

    review_id: str
    username: str
    full_name: str
    agency_id: str | None
    note: str
    updated_at: datetime


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
    statement = select(HotspotReview).where(hotspot_scope(user)).order_by(HotspotReview.opened_at.desc())
    if status is not None:
        statement = statement.where(HotspotReview.status == status.value)
    return [HotspotOut.model_validate(row) for row in await session.scalars(statement)]


@router.get("/{review_id}", response_model=HotspotOut, summary="One hotspot review")
async def hotspot(review_id: str, user: CentreReader, session: SessionDep) -> HotspotOut:
    return HotspotOut.model_validate(await working_group.review_in_view(session, user, review_id))


@router.put("/{review_id}/note", response_model=NoteOut, summary="The caller's own discussion note on a review")
async def note(review_id: str, body: NoteIn, user: WorkingGroup, session: SessionDep) -> NoteOut:
    return NoteOut.model_validate(await working_group.save_note(session, user, review_id, body.note))


@router.post(
    "/{review_id}/decision", response_model=HotspotState, summary="Close a review with the working group's decision"
)
async def decide(
    review_id: str,
    body: HotspotDecisionRequest,
    user: WorkingGroup,
    session: SessionDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> HotspotState:
    return await working_group.decide(session, user, review_id, body, engine=engine, settings=settings)
