"""Reading an office's calendar from the read model: its working week and the closures that apply to it.

Used by the office-calendar activity (for the workflow's deadlines) and by the API (the receipt's due time), so
both count the same calendar the same way.
"""

from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import Agency, DeclaredClosure, Unit
from schemas.clock import Deadline, DeadlineRequest, OfficeHours
from timekeeping.office_hours import Closure, office_deadline


async def office_hours_for(session: AsyncSession, agency_id: str, unit_id: str | None) -> tuple[OfficeHours, str]:
    """The unit's own week if it has one, else its agency's, else the Iranian default; and whose it is."""
    if unit_id is not None:
        unit = await session.get(Unit, unit_id)
        if unit is not None and unit.office_hours:
            return OfficeHours.model_validate(unit.office_hours), f"unit:{unit_id}"
    agency = await session.get(Agency, agency_id)
    if agency is not None and agency.office_hours:
        return OfficeHours.model_validate(agency.office_hours), f"agency:{agency_id}"
    return OfficeHours(), "default"


async def closures_for(session: AsyncSession, request: DeadlineRequest) -> list[Closure]:
    """Closures declared nationwide, for the unit's (or the case's) province, or for the agency, ending after
    the start."""
    province = request.province_code
    if request.unit_id is not None:
        unit = await session.get(Unit, request.unit_id)
        province = (unit.province_code if unit else None) or province
    rows = await session.scalars(
        select(DeclaredClosure)
        .where(
            DeclaredClosure.ends_at > request.start,
            or_(DeclaredClosure.agency_id.is_(None), DeclaredClosure.agency_id == request.agency_id),
            or_(DeclaredClosure.province_code.is_(None), DeclaredClosure.province_code == province),
        )
        .order_by(DeclaredClosure.starts_at)
    )
    return [Closure(starts_at=r.starts_at, ends_at=r.ends_at, reason=r.reason) for r in rows]


async def deadline_for(session: AsyncSession, request: DeadlineRequest) -> Deadline:
    hours, calendar = await office_hours_for(session, request.agency_id, request.unit_id)
    closures = await closures_for(session, request)
    return office_deadline(
        start=request.start,
        budget=timedelta(seconds=request.budget_seconds),
        hours=hours,
        closures=closures,
        pauses=request.pauses,
        purpose=request.purpose,
        calendar=calendar,
    )
