"""One case as a member of staff sees it, built once: the JSON API answers it (api.routers.cases) and the staff
case page renders it (api.pages.staff)."""

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.access import ensure_can_see, may_see_employee_name, may_see_personal_data
from api.deps import StaffUser, release_connection
from api.edge.errors import ApiError, engine_error
from api.engine import Engine
from api.services.access_log import record_staff_access
from api.services.deadline import DeadlineOut, explain, explain_stored
from api.services.readmodel import case_events, case_tasks, get_case
from api.services.responses import CaseDetail, CitizenOut, case_summary, event_out, task_out
from database.models import Case, CaseEventRow, Task
from schemas.case import CaseState
from schemas.text import mask_mobile, mask_name, mask_national_code

# The columns of the case's row that CaseDetail carries as they are stored.
_AS_STORED = (
    "description",
    "incident_at",
    "filed_by",
    "breached_at",
    "action_order",
    "referral_note",
    "outcome",
    "outcome_note",
    "result_note",
    "result_approved_at",
    "satisfied",
    "rating",
    "last_seq",
)


@dataclass(frozen=True)
class CaseView:
    """The read model's case with its tasks and timeline, the workflow's live state when asked for and
    reachable (else why not), and the citizen and named employee as far as the viewer may see them."""

    case: Case
    tasks: list[Task]
    events: list[CaseEventRow]
    citizen: CitizenOut
    employee_name: str | None
    live: CaseState | None
    live_error: ApiError | None

    @property
    def deadline(self) -> DeadlineOut | None:
        """How the deadline the viewer sees was computed: the workflow's when it answered, else the stored one."""
        if self.live is not None and self.live.deadline is not None:
            return explain(self.live.deadline)
        return explain_stored(self.case.deadline)

    def as_json(self) -> CaseDetail:
        """GET /cases/{code}'s answer."""
        case = self.case
        return CaseDetail(
            **case_summary(case).model_dump(),
            **{name: getattr(case, name) for name in _AS_STORED},
            citizen=self.citizen,
            employee_name=self.employee_name,
            tasks=[task_out(t) for t in self.tasks],
            events=[event_out(e) for e in self.events],
            deadline=explain_stored(case.deadline),  # of the read model's due_at, beside it
            live=self.live,
            live_error=self.live_error.message if self.live_error else None,
        )


def citizen_of(case: Case, *, full: bool) -> CitizenOut:
    national_code, mobile, name = case.citizen_national_code, case.citizen_mobile, case.citizen_name
    if not national_code:  # a national code is ten digits; blank only once erased
        return CitizenOut(national_code="", mobile="", full_name="", masked=False, erased=True)
    if not full:
        national_code, mobile, name = mask_national_code(national_code), mask_mobile(mobile), mask_name(name)
    return CitizenOut(national_code=national_code, mobile=mobile, full_name=name, masked=not full)


async def _live_state(engine: Engine, tracking_code: str) -> tuple[CaseState | None, ApiError | None]:
    try:
        return await engine.state(tracking_code), None
    except Exception as exc:  # the read model answers on its own; the live state is a bonus
        err = exc if isinstance(exc, ApiError) else engine_error(exc)
        if err is None:
            raise
        return None, err


async def case_view(
    session: AsyncSession,
    engine: Engine,
    *,
    user: StaffUser,
    tracking_code: str,
    live: bool,
    request: Request,
    seen_on: str,
) -> CaseView:
    """The case, if the user may see it. Every view is recorded in the access log as `seen_on`, masked or not:
    the description and the staff's notes are the citizen's words too.
    The read model is read first and the connection handed back before the engine is asked: a query with no
    worker polling waits up to the RPC timeout."""
    case = await get_case(session, tracking_code)
    await ensure_can_see(session, user, case)
    tasks = await case_tasks(session, case.tracking_code)
    events = await case_events(session, case.tracking_code)
    personal = may_see_personal_data(user)
    await record_staff_access(session, request, user, tracking_code=case.tracking_code, what=seen_on)
    state, live_error = None, None
    if live:
        await release_connection(session)
        state, live_error = await _live_state(engine, case.tracking_code)
    return CaseView(
        case=case,
        tasks=tasks,
        events=events,
        citizen=citizen_of(case, full=personal),
        employee_name=case.employee_name if may_see_employee_name(user, case) else None,
        live=state,
        live_error=live_error,
    )
