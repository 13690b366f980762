"""For auditors (and admins): a case's history from the workflow's own event history, and its replay; for the
centre admin: the erasure of a closed case's personal data."""

from datetime import UTC, datetime

from fastapi import APIRouter, Request

from api.deps import Admin, Auditor, EngineDep, SessionDep
from api.edge.errors import Conflict, Forbidden
from api.services.access_log import client_address, record_staff_access
from api.services.history import CaseHistory, case_history
from api.services.readmodel import get_case
from api.services.replay import ReplayReport, check_case
from archive.erasure import erase_case
from database.models import Erasure
from schemas.archive import ErasureOut, ErasureRequest
from schemas.enums import CaseStatus
from workflows.rules import Action, actor_refusal, erase_refusal

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


@router.post(
    "/{tracking_code}/erasure",
    response_model=ErasureOut,
    summary="Erase a closed case's personal data now, with the reason on record (centre admin)",
    description=(
        "Clears the citizen's details, the description and every note in the read model (the statistics stay) "
        "and destroys the case's archive key, so its archived payloads never open again. A running case is a "
        "409 `case_running`; a missing or too short reason a 422. Repeated: 200 with `already_erased`."
    ),
)
async def erase(
    tracking_code: str, body: ErasureRequest, request: Request, user: Admin, session: SessionDep
) -> ErasureOut:
    case = await get_case(session, tracking_code)
    if (who := actor_refusal(Action.ERASE, user, agency_id=case.agency_id, task=None)) is not None:
        raise Forbidden(who.message, message_fa=who.message_fa)
    if (now := erase_refusal(CaseStatus(case.status))) is not None:
        raise Conflict(now.message, code=now.code, message_fa=now.message_fa, details={"status": case.status})
    erased = await erase_case(
        session,
        case,
        by=user.username,
        role=user.role.value,
        reason=body.reason,
        client=client_address(request)[:64],
        now=datetime.now(UTC),
    )
    await session.commit()
    record = await session.get(Erasure, case.tracking_code)
    return ErasureOut(
        tracking_code=case.tracking_code,
        erased_at=record.at,
        by=record.by,
        reason=record.reason,
        already_erased=not erased,
    )
