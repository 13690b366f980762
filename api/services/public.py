"""The citizen's view of a case: status, step and timeline, and nothing personal.

The staff's free text (the approved result, the reason for a rejection) is the citizen's alone: it is shown
only to the holder of the mobile the complaint was filed with, once proved by one-time code. Anyone else who
has the tracking code sees the status, the steps and the times."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.edge.errors import NotFound
from api.engine import Engine
from api.services.deadline import explain, explain_stored
from api.services.readmodel import case_events, get_case
from api.services.responses import PublicEvent, PublicStatus
from api.services.tracking import is_valid_tracking_code, normalize_tracking_code
from database.models import Case, CaseEventRow, IntakeKey
from schemas.case import CaseState
from schemas.citizen_words import CITIZEN_STATUS_FA, CITIZEN_STEP_FA
from schemas.enums import CaseStatus, EventKind, Level, Step

_HIDDEN_EVENTS = {EventKind.IGNORED_SIGNAL.value}


def _status(
    *,
    tracking_code: str,
    status: CaseStatus,
    step: Step,
    level: Level | None,
    registered_at: datetime,
    due_at: datetime,
    breached: bool,
    result_note: str | None,
    referral_note: str | None,
    result_approved: bool,
    timeline: list[PublicEvent],
    paused: bool = False,
    deadline_fa: list[str] | None = None,
) -> PublicStatus:
    return PublicStatus(
        tracking_code=tracking_code,
        status=status,
        status_fa=CITIZEN_STATUS_FA[status],
        step=step,
        step_number=step.number,
        step_fa=CITIZEN_STEP_FA[step],
        level=level,
        level_fa=level.label_fa if level else None,
        registered_at=registered_at,
        due_at=due_at,
        breached=breached,
        result_note=result_note if result_approved else None,
        referral_note=referral_note if status in (CaseStatus.REJECTED, CaseStatus.REFERRED) else None,
        feedback_due=status is CaseStatus.AWAITING_FEEDBACK,
        timeline=timeline,
        paused=paused,
        deadline_fa=deadline_fa or [],
    )


def from_read_model(case: Case, events: list[CaseEventRow], *, mobile: str | None = None) -> PublicStatus:
    """`mobile`: the one the caller proved; the staff's notes only if it is the complaint's."""
    notes = mobile is not None and mobile == case.citizen_mobile
    return _status(
        tracking_code=case.tracking_code,
        status=CaseStatus(case.status),
        step=Step(case.step),
        level=Level(case.level) if case.level else None,
        registered_at=case.registered_at,
        due_at=case.due_at,
        breached=case.breached,
        result_note=case.result_note if notes else None,
        referral_note=case.referral_note if notes else None,
        result_approved=case.result_approved_at is not None,
        timeline=[PublicEvent(kind=e.kind, at=e.at) for e in events if e.kind not in _HIDDEN_EVENTS],
        paused=case.paused_since is not None,
        deadline_fa=explained.explanation_fa if (explained := explain_stored(case.deadline)) else None,
    )


def from_state(state: CaseState, *, notes: bool = False) -> PublicStatus:
    """From the workflow's state: between intake and the first projection, when only the workflow knows the case,
    or on the citizen's own page just after an action. The state does not name the mobile: the staff's notes only
    with `notes`, for a caller who proved the case's own mobile."""
    return _status(
        tracking_code=state.tracking_code,
        status=state.status,
        step=state.step,
        level=state.level,
        registered_at=state.registered_at,
        due_at=state.due_at,
        breached=state.breached,
        result_note=state.result_note if notes else None,
        referral_note=state.referral_note if notes else None,
        result_approved=state.result_approved_at is not None,
        timeline=[PublicEvent(kind=e.kind.value, at=e.at) for e in state.events if e.kind.value not in _HIDDEN_EVENTS],
        paused=state.open_pause is not None,
        deadline_fa=explain(state.deadline).explanation_fa if state.deadline else None,
    )


async def lookup(
    session: AsyncSession, tracking_code: str, engine: Engine, *, mobile: str | None = None
) -> PublicStatus:
    """A case's public status by tracking code: from the read model, or from the workflow for a case filed a
    moment ago and not projected yet; NotFound for a code nobody filed. `mobile`: the one the caller proved."""
    try:
        case = await get_case(session, tracking_code, wait=False)  # the workflow answers for a new case
    except NotFound:
        code = normalize_tracking_code(tracking_code)
        if not is_valid_tracking_code(code) or not await session.scalar(
            select(IntakeKey.key).where(IntakeKey.tracking_code == code)
        ):
            raise
        return from_state(await engine.state(code))
    return from_read_model(case, await case_events(session, case.tracking_code), mobile=mobile)
