"""For auditors (and admins): a case's history from the workflow's own event history, and its replay."""

from fastapi import APIRouter, Request

from api.deps import Auditor, EngineDep, SessionDep
from api.services.access_log import record_staff_access
from api.services.history import CaseHistory, case_history
from api.services.readmodel import get_case
from api.services.replay import ReplayReport, check_case

router = APIRouter(prefix="/cases", tags=["audit"])


@router.get(
    "/{tracking_code}/history",
    response_model=CaseHistory,
    summary="Who did what and when, from the workflow's Temporal event history (or its archived copy)",
    description=(
        "`source` is `temporal` while Temporal holds the case, `archive` once it has forgotten it. An erased "
        "case's archived payloads no longer open: `erased` says why, and `events` is empty."
    ),
)
async def history(
    tracking_code: str, request: Request, user: Auditor, session: SessionDep, engine: EngineDep
) -> CaseHistory:
    case = await get_case(session, tracking_code)
    history = await case_history(engine, session, case.tracking_code)
    await record_staff_access(session, request, user, tracking_code=case.tracking_code, what="workflow_history")
    return history


@router.post(
    "/{tracking_code}/replay",
    response_model=ReplayReport,
    summary="Replay the recorded history against today's code and compare the read model with the workflow",
    description=(
        "`replayed` is false (with `error`) if today's workflow code no longer reproduces the history. The "
        "comparison uses the workflow's `state` query; for a finished case whose workers are gone, the state "
        "the workflow returned when it completed."
    ),
)
async def replay_case(tracking_code: str, user: Auditor, session: SessionDep, engine: EngineDep) -> ReplayReport:
    case = await get_case(session, tracking_code)
    return await check_case(session, engine, case)
