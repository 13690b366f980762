"""Staff reading cases: the list with filters, and one case with its tasks, events and live state."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.auth.access import ensure_can_see, may_see_employee_name, may_see_personal_data
from api.deps import SessionDep, StaffReader, get_engine
from api.edge.errors import ApiError, engine_error
from api.services.access_log import record_access
from api.services.deadline import explain_stored
from api.services.readmodel import CaseFilters, case_events, case_tasks, get_case, list_cases
from api.services.responses import CaseDetail, CaseList, CitizenOut, case_summary, event_out, task_out
from database.models import Case
from schemas.case import CaseState
from schemas.enums import CaseStatus, Level, Step
from schemas.moments import UtcDateTime
from schemas.text import mask_mobile, mask_national_code

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


def _citizen(case: Case, *, full: bool) -> CitizenOut:
    if full:
        return CitizenOut(
            national_code=case.citizen_national_code,
            mobile=case.citizen_mobile,
            full_name=case.citizen_name,
            masked=False,
        )
    return CitizenOut(
        national_code=mask_national_code(case.citizen_national_code),
        mobile=mask_mobile(case.citizen_mobile),
        full_name=case.citizen_name,
        masked=True,
    )


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
    live: Annotated[bool, Query(description="Also ask the workflow for its live state")] = True,
) -> CaseDetail:
    case = await get_case(session, tracking_code)
    await ensure_can_see(session, user, case)
    state: CaseState | None = None
    live_error: str | None = None
    if live:
        try:
            state = await (await get_engine(request)).state(case.tracking_code)
        except Exception as exc:  # the read model answers on its own; the live state is a bonus
            err = exc if isinstance(exc, ApiError) else engine_error(exc)
            if err is None:
                raise
            live_error = err.message
    summary = case_summary(case).model_dump()
    personal = may_see_personal_data(user)
    if personal:
        await record_access(
            session,
            username=user.username,
            role=user.role.value,
            tracking_code=case.tracking_code,
            what="case_detail",
            request=request,
        )
    return CaseDetail(
        **summary,
        citizen=_citizen(case, full=personal),
        description=case.description,
        employee_name=case.employee_name if may_see_employee_name(user, case) else None,
        incident_at=case.incident_at,
        filed_by=case.filed_by,
        breached_at=case.breached_at,
        action_order=case.action_order,
        referral_note=case.referral_note,
        outcome=case.outcome,
        outcome_note=case.outcome_note,
        result_note=case.result_note,
        result_approved_at=case.result_approved_at,
        satisfied=case.satisfied,
        rating=case.rating,
        last_seq=case.last_seq,
        tasks=[task_out(t) for t in await case_tasks(session, case.tracking_code)],
        events=[event_out(e) for e in await case_events(session, case.tracking_code)],
        deadline=explain_stored(case.deadline),
        live=state,
        live_error=live_error,
    )
