"""For auditors (and admins): a case's history from the workflow's own event history, and its replay."""

from fastapi import APIRouter, Request
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory

from api.access_log import record_access
from api.deps import Auditor, EngineDep, SessionDep
from api.errors import engine_error
from api.history import CaseHistory, read_history
from api.readmodel import get_case
from api.replay import ReplayReport, compare, replay
from schemas.case import CaseState

router = APIRouter(prefix="/cases", tags=["audit"])


@router.get(
    "/{tracking_code}/history",
    response_model=CaseHistory,
    summary="Who did what and when, from the workflow's Temporal event history",
)
async def history(
    tracking_code: str, request: Request, user: Auditor, session: SessionDep, engine: EngineDep
) -> CaseHistory:
    case = await get_case(session, tracking_code)
    recorded = await engine.history(case.tracking_code)
    await record_access(
        session, username=user.username, role=user.role.value, tracking_code=case.tracking_code,
        what="workflow_history", request=request,
    )
    return await read_history(recorded, tracking_code=case.tracking_code, converter=engine.client.data_converter)


async def _final_state(history: WorkflowHistory, engine: EngineDep) -> CaseState | None:
    last = history.events[-1] if history.events else None
    if last is None or last.event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
        return None
    payloads = last.workflow_execution_completed_event_attributes.result.payloads
    [state] = await engine.client.data_converter.decode(payloads, [CaseState])
    return state


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
    recorded = await engine.history(case.tracking_code)
    error = await replay(recorded, engine.client.data_converter)
    try:
        state = await engine.state(case.tracking_code)
    except Exception as exc:
        state = await _final_state(recorded, engine) if engine_error(exc) is not None else None
        if state is None:
            raise
    mismatches = await compare(session, case, state)
    return ReplayReport(
        tracking_code=case.tracking_code,
        replayed=error is None,
        error=error,
        events=len(recorded.events),
        matches_read_model=not mismatches,
        mismatches=mismatches,
    )
