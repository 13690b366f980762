"""The centre admin's office calendar: each agency's SLA mode and working week, a unit's own week, declared closures.

A change reaches the open office-hours cases it may move through a workflow of its own (CalendarChangeWorkflow),
started once the change is committed: its heartbeating activity signals each case `calendar_changed`, and the
case recomputes what has not fallen due (the workflow ignores it where nothing can move). An API crash after the
start, or a worker crash midway, leaves nothing half done: the workflow carries on, from the last heartbeat.
The request waits for it to finish (up to the RPC timeout) to answer how many cases it reached.
"""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import WorkflowExecutionStatus

from api.deps import EngineDep, SessionDep, StaffUser, release_connection, require_roles
from api.edge.errors import FieldInvalid, NotFound
from api.engine import Engine
from database.models import Agency, DeclaredClosure, Province, Unit
from schemas.calendar_change import CalendarChange
from schemas.clock import AgencyClockRequest, ClosureRequest, OfficeHours, SlaMode, UnitHoursRequest
from schemas.enums import Role
from workflows.calendar_change import WORKFLOW_ID_PREFIX, CalendarChangeWorkflow

router = APIRouter(prefix="/admin", tags=["office calendar (centre admin)"])

Admin = Annotated[StaffUser, Depends(require_roles(Role.ADMIN))]


class AgencyClockOut(BaseModel):
    agency_id: str
    sla_mode: SlaMode
    office_hours: OfficeHours | None
    cases_signalled: int | None
    change_workflow_id: str


class UnitHoursOut(BaseModel):
    unit_id: str
    office_hours: OfficeHours | None
    cases_signalled: int | None
    change_workflow_id: str


class ClosureOut(BaseModel):
    id: int
    starts_at: datetime
    ends_at: datetime
    reason: str
    province_code: str | None
    agency_id: str | None
    declared_by: str
    declared_at: datetime
    cases_signalled: int | None = 0
    change_workflow_id: str | None = None


async def _notify(session: AsyncSession, engine: Engine, change: CalendarChange) -> tuple[int | None, str]:
    """Commits the change the request made, then starts the workflow that carries it to its cases; the number of
    cases it reached (None if it is still at work when the RPC timeout ends the wait) and its workflow id."""
    await release_connection(session)  # committed before the cases' activity reads it
    change_id = WORKFLOW_ID_PREFIX + uuid.uuid4().hex
    client = await engine.client()
    handle = await client.start_workflow(CalendarChangeWorkflow.run, change, id=change_id, task_queue=engine.task_queue)
    # Polled by describe and read by query, not awaited with result(): waiting on a result is what lets a
    # time-skipping test server jump ahead, and an admin's request must not move every case's clock.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + engine.rpc_timeout.total_seconds()
    while loop.time() < deadline:
        if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
            return await handle.query(CalendarChangeWorkflow.reached), change_id
        await asyncio.sleep(0.1)
    return None, change_id  # it goes on: the workflow is durable


@router.put("/agencies/{agency_id}/clock", response_model=AgencyClockOut, summary="An agency's SLA mode and week")
async def set_agency_clock(
    agency_id: str,
    body: AgencyClockRequest,
    _user: Admin,
    session: SessionDep,
    engine: EngineDep,
) -> AgencyClockOut:
    """New cases of the agency count in this mode; open office-hours cases recompute with the new week."""
    agency = await session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"no agency {agency_id}", message_fa="دستگاه پیدا نشد")
    agency.sla_mode = body.sla_mode.value
    agency.office_hours = body.office_hours.model_dump(mode="json") if body.office_hours else None
    change = CalendarChange(reason="ساعات کاری دستگاه تغییر کرد", agency_id=agency_id)
    signalled, change_id = await _notify(session, engine, change)
    return AgencyClockOut(
        agency_id=agency_id,
        sla_mode=body.sla_mode,
        office_hours=body.office_hours,
        cases_signalled=signalled,
        change_workflow_id=change_id,
    )


@router.put("/units/{unit_id}/office-hours", response_model=UnitHoursOut, summary="A unit's own working week")
async def set_unit_hours(
    unit_id: str, body: UnitHoursRequest, _user: Admin, session: SessionDep, engine: EngineDep
) -> UnitHoursOut:
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"no unit {unit_id}", message_fa="واحد پیدا نشد")
    unit.office_hours = body.office_hours.model_dump(mode="json") if body.office_hours else None
    change = CalendarChange(reason="ساعات کاری واحد تغییر کرد", unit_id=unit_id)
    signalled, change_id = await _notify(session, engine, change)
    return UnitHoursOut(
        unit_id=unit_id, office_hours=body.office_hours, cases_signalled=signalled, change_workflow_id=change_id
    )


@router.post(
    "/closures",
    status_code=status.HTTP_201_CREATED,
    response_model=ClosureOut,
    summary="Declare a closure (nationwide, or for a province and/or an agency); open cases recompute",
)
async def declare_closure(body: ClosureRequest, user: Admin, session: SessionDep, engine: EngineDep) -> ClosureOut:
    # `is not None`, not truthiness: an empty code is a code like any other, unknown (once a foreign-key 500)
    if body.province_code is not None and await session.get(Province, body.province_code) is None:
        raise FieldInvalid(["body", "province_code"], "unknown province", reason_fa="استان پیدا نشد")
    if body.agency_id is not None and await session.get(Agency, body.agency_id) is None:
        raise FieldInvalid(["body", "agency_id"], "unknown agency", reason_fa="دستگاه پیدا نشد")
    row = DeclaredClosure(
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        reason=body.reason,
        province_code=body.province_code,
        agency_id=body.agency_id,
        declared_by=user.username,
        declared_at=datetime.now(UTC),
    )
    session.add(row)  # committed before the workflow starts (_notify): the cases' activity reads it
    await session.flush()
    closure = ClosureOut.model_validate(row, from_attributes=True)
    change = CalendarChange(
        reason=body.reason, agency_id=body.agency_id, province_code=body.province_code, due_after=body.starts_at
    )
    signalled, change_id = await _notify(session, engine, change)
    return closure.model_copy(update={"cases_signalled": signalled, "change_workflow_id": change_id})


@router.get("/closures", response_model=list[ClosureOut], summary="Declared closures, latest first")
async def closures(_user: Admin, session: SessionDep) -> list[ClosureOut]:
    rows = await session.scalars(select(DeclaredClosure).order_by(DeclaredClosure.starts_at.desc()).limit(200))
    return [ClosureOut.model_validate(r, from_attributes=True) for r in rows]
