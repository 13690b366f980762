"""Staff reading cases: the list with filters, and one case with its tasks, events and live state."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.deps import EngineDep, SessionDep, StaffReader
from api.services.case_detail import case_view
from api.services.readmodel import CaseFilters, list_cases
from api.services.responses import CaseDetail, CaseList, case_summary
from schemas.enums import CaseStatus, Level, Step
from schemas.moments import UtcDateTime

router = APIRouter(prefix="/cases", tags=["cases (staff)"])

MAX_OFFSET = 10_000_000
"""Far beyond any real page, well within a database integer (a larger one overflowed SQLite: a 500)."""


@router.get("", response_model=CaseList, summary="Cases the caller may see, newest first")
async def cases(
    user: StaffReader,
    session: SessionDep,
    status: CaseStatus | None = None,
    step: Step | None = None,
    level: Level | None = None,
    agency_id: str | None = None,
    province_code: str | None = None,
    county_code: str | None = None,
    indicator: Annotated[int | None, Query(ge=1, le=8)] = None,
    breached: bool | None = None,
    registered_from: UtcDateTime | None = None,
    registered_to: UtcDateTime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> CaseList:
    filters = CaseFilters(
        status=status,
        step=step,
        level=level,
        agency_id=agency_id,
        province_code=province_code,
        county_code=county_code,
        indicator=indicator,
        breached=breached,
        registered_from=registered_from,
        registered_to=registered_to,
    )
    rows, total = await list_cases(session, user=user, filters=filters, limit=limit, offset=offset)
    return CaseList(items=[case_summary(c) for c in rows], total=total, limit=limit, offset=offset)


@router.get(
    "/{tracking_code}",
    response_model=CaseDetail,
    summary="One case: the read model's row, tasks and events, and the workflow's live state when reachable",
)
async def case_detail(
    tracking_code: str,
    request: Request,
    user: StaffReader,
    session: SessionDep,
    engine: EngineDep,
    live: Annotated[bool, Query(description="Also ask the workflow for its live state")] = True,
) -> CaseDetail:
    view = await case_view(
        session, engine, user=user, tracking_code=tracking_code, live=live, request=request, seen_on="case_detail"
    )
    return view.as_json()
