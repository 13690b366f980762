"""Service requests as GETs show them: status, where the case is, its times. Nothing personal.

No national code, mobile, name or description text: only labels (indicator, status, step, level) and unit
names, which are public reference data.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.open311.formats import Open311Error, w3c
from api.services.tracking import is_valid_tracking_code, normalize_tracking_code
from database.models import Agency, Case, Unit
from schemas.case import CaseState
from schemas.enums import CaseStatus, Indicator, Level, Step
from timekeeping.persian import persian_digits

WINDOW = timedelta(days=90)
MAX_RESULTS = 1000


@dataclass(frozen=True)
class RequestView:
    tracking_code: str
    indicator: Indicator
    status: CaseStatus
    step: Step
    level: Level | None
    breached: bool
    holder_fa: str
    office_id: str | None
    office_fa: str | None
    registered_at: datetime
    updated_at: datetime
    due_at: datetime


def status_notes(view: RequestView) -> str:
    notes = f"{view.status.label_fa}؛ گام {persian_digits(view.step.number)} از ۶: {view.step.label_fa}"
    if view.level is not None and not view.status.is_final:
        notes += f"؛ سطح {view.level.label_fa}"
    if view.breached:
        notes += "؛ مهلت سه‌ساعته رسیدگی گذشت"
    return notes


def as_request(view: RequestView) -> dict[str, Any]:
    return {
        "service_request_id": view.tracking_code,
        "status": "closed" if view.status.is_final else "open",
        "status_notes": status_notes(view),
        "service_name": view.indicator.label_fa,
        "service_code": str(view.indicator.value),
        "agency_responsible": view.holder_fa,
        "service_notice": None,
        "requested_datetime": w3c(view.registered_at),
        "updated_datetime": w3c(view.updated_at),
        "expected_datetime": w3c(view.due_at),
        "address": view.office_fa,
        "address_id": view.office_id,
    }


async def _names(session: AsyncSession, unit_ids: set[str], agency_ids: set[str]) -> tuple[dict, dict]:
    units = {u.id: u.name_fa for u in await session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}
    agencies = {a.id: a.name_fa for a in await session.scalars(select(Agency).where(Agency.id.in_(agency_ids)))}
    return units, agencies


def _holder(unit_id: str | None, agency_id: str, units: dict[str, str], agencies: dict[str, str]) -> str:
    """The unit now holding the case, or the agency's senior coordinator between unit tasks."""
    if unit_id is not None and unit_id in units:
        return units[unit_id]
    return f"راهبر ارشد {agencies.get(agency_id, agency_id)}"


async def views_of(session: AsyncSession, cases: list[Case]) -> list[RequestView]:
    unit_ids = {c.office_unit_id for c in cases} | {c.unit_id for c in cases if c.unit_id}
    units, agencies = await _names(session, unit_ids, {c.agency_id for c in cases})
    return [
        RequestView(
            tracking_code=c.tracking_code,
            indicator=Indicator(c.indicator),
            status=CaseStatus(c.status),
            step=Step(c.step),
            level=Level(c.level) if c.level else None,
            breached=c.breached,
            holder_fa=_holder(c.unit_id if c.step == Step.HANDLING.value else None, c.agency_id, units, agencies),
            office_id=c.office_unit_id,
            office_fa=units.get(c.office_unit_id, c.office_unit_id),
            registered_at=c.registered_at,
            updated_at=c.updated_at,
            due_at=c.due_at,
        )
        for c in cases
    ]


async def view_of_state(session: AsyncSession, state: CaseState, indicator: Indicator) -> RequestView:
    """For the moment between intake and the first projection, when only the workflow knows the case."""
    unit_id = state.unit.id if state.unit and state.step is Step.HANDLING else None
    units, agencies = await _names(session, {unit_id} if unit_id else set(), {state.agency_id})
    return RequestView(
        tracking_code=state.tracking_code,
        indicator=indicator,
        status=state.status,
        step=state.step,
        level=state.level,
        breached=state.breached,
        holder_fa=_holder(unit_id, state.agency_id, units, agencies),
        office_id=None,
        office_fa=None,
        registered_at=state.registered_at,
        updated_at=state.events[-1].at if state.events else state.registered_at,
        due_at=state.due_at,
    )


def _w3c_param(name: str, value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        raise Open311Error(f"{name}: not a W3C datetime (e.g. 2026-11-01T00:00:00Z)", status_code=400) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _list_param(name: str, value: str | None, allowed: set[str]) -> list[str]:
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    unknown = [v for v in items if v not in allowed]
    if unknown:
        raise Open311Error(f"{name}: unknown value {', '.join(unknown)}", status_code=400)
    return items


async def search(
    session: AsyncSession,
    *,
    filed_by: str,
    service_request_id: str | None,
    service_code: str | None,
    status: str | None,
    start_date: str | None,
    end_date: str | None,
    now: datetime,
) -> list[Case]:
    """GET requests, only of the cases `filed_by` filed: ids override every other filter; otherwise a window of at
    most 90 days (the last 90 by default)."""
    if service_request_id:
        codes = [normalize_tracking_code(c) for c in service_request_id.split(",") if c.strip()]
        codes = [c for c in codes if is_valid_tracking_code(c)]
        query = select(Case).where(Case.tracking_code.in_(codes))
    else:
        start, end = _w3c_param("start_date", start_date), _w3c_param("end_date", end_date)
        end = end or (start + WINDOW if start else now)
        start = start or end - WINDOW
        if start > end:
            raise Open311Error("start_date: after end_date", status_code=400)
        if end - start > WINDOW:
            raise Open311Error("start_date, end_date: the range may not span more than 90 days", status_code=400)
        query = select(Case).where(Case.registered_at >= start, Case.registered_at <= end)
        codes = _list_param("service_code", service_code, {str(i.value) for i in Indicator})
        if codes:
            query = query.where(Case.indicator.in_([int(c) for c in codes]))
        statuses = _list_param("status", status, {"open", "closed"})
        if len(set(statuses)) == 1:
            final = [s.value for s in CaseStatus if s.is_final]
            query = query.where(Case.status.in_(final) if statuses[0] == "closed" else Case.status.not_in(final))
    query = query.where(Case.filed_by == filed_by).order_by(Case.registered_at.desc()).limit(MAX_RESULTS)
    return list(await session.scalars(query))
