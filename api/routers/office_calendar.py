"""The centre admin's office calendar: each agency's SLA mode and working week, a unit's own week, declared closures.

A change reaches the open office-hours cases it may move: each gets a `calendar_changed` signal and
recomputes what has not fallen due (the workflow ignores it where nothing can move). The signals go out
SIGNAL_CONCURRENCY at a time: a closure of a whole province reaches its thousands of open cases in a few
round trips' time, not one after another.
"""

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.service import RPCError, RPCStatusCode

from api.deps import EngineDep, SessionDep, StaffUser, release_connection, require_roles
from api.edge.errors import FieldInvalid, NotFound
from api.engine import Engine
from database.models import Agency, Case, DeclaredClosure, Province, Unit
from schemas.actions import CalendarChangedInput
from schemas.clock import AgencyClockRequest, ClosureRequest, OfficeHours, SlaMode, UnitHoursRequest
from schemas.enums import CaseStatus, Role
from workflows.complaint import ComplaintWorkflow

router = APIRouter(prefix="/admin", tags=["office calendar (centre admin)"])

Admin = Annotated[StaffUser, Depends(require_roles(Role.ADMIN))]
_OPEN = [CaseStatus.IN_REVIEW.value, CaseStatus.IN_HANDLING.value, CaseStatus.AWAITING_APPROVAL.value]
SIGNAL_CONCURRENCY = 16


class AgencyClockOut(BaseModel):
    agency_id: str
    sla_mode: SlaMode
    office_hours: OfficeHours | None
    cases_signalled: int


class UnitHoursOut(BaseModel):
    unit_id: str
    office_hours: OfficeHours | None
    cases_signalled: int


class ClosureOut(BaseModel):
    id: int
    starts_at: datetime
    ends_at: datetime
    reason: str
    province_code: str | None
    agency_id: str | None
    declared_by: str
    declared_at: datetime
    cases_signalled: int = 0


async def _notify(session: AsyncSession, engine: Engine, reason: str, *conditions) -> int:
    """Commits the change the request made, then signals every open office-hours case matching the conditions
    (the cases' activity reads the change); the number signalled.

    A case whose workflow ended since the read model last saw it open has nothing left to recompute: it is
    skipped, not a reason to fail the change for the cases after it."""
    codes = list(
        await session.scalars(
            select(Case.tracking_code).where(
                Case.status.in_(_OPEN),
                Case.sla_mode == SlaMode.OFFICE_HOURS.value,
                Case.breached.is_(False),
                *conditions,
            )
        )
    )
    await release_connection(session)  # the signals take a while: the connection goes back meanwhile
    gate = asyncio.Semaphore(SIGNAL_CONCURRENCY)
    change = CalendarChangedInput(reason=reason)

    async def signal(code: str) -> bool:
        async with gate:
            try:
                await engine.signal(code, ComplaintWorkflow.calendar_changed, change)
            except RPCError as exc:
                if exc.status == RPCStatusCode.NOT_FOUND:
                    return False
                raise
            return True

    return sum(await asyncio.gather(*(signal(code) for code in codes)))


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
    signalled = await _notify(session, engine, "ساعات کاری دستگاه تغییر کرد", Case.agency_id == agency_id)
    return AgencyClockOut(
        agency_id=agency_id, sla_mode=body.sla_mode, office_hours=body.office_hours, cases_signalled=signalled
    )


@router.put("/units/{unit_id}/office-hours", response_model=UnitHoursOut, summary="A unit's own working week")
async def set_unit_hours(
    unit_id: str, body: UnitHoursRequest, _user: Admin, session: SessionDep, engine: EngineDep
) -> UnitHoursOut:
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"no unit {unit_id}", message_fa="واحد پیدا نشد")
    unit.office_hours = body.office_hours.model_dump(mode="json") if body.office_hours else None
    signalled = await _notify(
        session, engine, "ساعات کاری واحد تغییر کرد", or_(Case.office_unit_id == unit_id, Case.unit_id == unit_id)
    )
    return UnitHoursOut(unit_id=unit_id, office_hours=body.office_hours, cases_signalled=signalled)


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
    session.add(row)  # committed before the signals (_notify): the cases' activity reads it
    conditions = [Case.due_at > body.starts_at]
    if body.agency_id:
        conditions.append(Case.agency_id == body.agency_id)
    if body.province_code:
        in_province = select(Unit.id).where(Unit.province_code == body.province_code)
        conditions.append(or_(Case.province_code == body.province_code, Case.unit_id.in_(in_province)))
    signalled = await _notify(session, engine, body.reason, *conditions)
    return ClosureOut.model_validate(row, from_attributes=True).model_copy(update={"cases_signalled": signalled})


@router.get("/closures", response_model=list[ClosureOut], summary="Declared closures, latest first")
async def closures(_user: Admin, session: SessionDep) -> list[ClosureOut]:
    rows = await session.scalars(select(DeclaredClosure).order_by(DeclaredClosure.starts_at.desc()).limit(200))
    return [ClosureOut.model_validate(r, from_attributes=True) for r in rows]
