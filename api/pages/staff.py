"""Staff pages: login and logout, the coordinators' inbox, and the case page with the actions the user
may take now (the rule book's answer, workflows/rules.py, for the user and the case's live state). Actions go
through api.services.casework, the same functions as the JSON API."""

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from api.auth.login import authenticate
from api.deps import EngineDep, SessionDep, SessionsDep, SettingsDep, StaffUser, release_connection
from api.edge.errors import ApiError, FieldInvalid, engine_error
from api.engine import Engine
from api.pages import confirm, inspection
from api.pages import session as page_session
from api.pages.clocks import Clock, case_clock, task_clock
from api.pages.following import caught_up
from api.pages.people import People
from api.pages.rendering import (
    HOME,
    error_message_fa,
    field_errors,
    page,
    redirect,
    require_staff,
    safe_next,
    staff_user,
)
from api.services import casework, claims
from api.services.access_log import client_address
from api.services.case_detail import case_view
from api.services.readmodel import inbox_query
from database.information import information_items
from database.models import Case, Erasure, ReferralTargetRow, Task, Unit
from database.referrals import list_targets
from database.users import revoke_sessions
from schemas.actions import ApproveRequest, CompleteTaskRequest, InformationRequest, ReasonRequest, ReviewRequest
from schemas.case import CaseState
from schemas.enums import HandlingOutcome, Role, TaskStatus
from workflows.rules import STAFF_ACTIONS, Action, allowed

router = APIRouter(include_in_schema=False)

INBOX_ROLES = (Role.SENIOR_COORDINATOR, Role.UNIT_COORDINATOR, Role.INSPECTOR)
CASE_ROLES = (*INBOX_ROLES, Role.AUDITOR, Role.ADMIN)
DONE_FA = {
    "review": "بررسی ثبت شد.",
    "complete": "گزارش اقدام ثبت شد.",
    "approve": "نتیجه تأیید شد و به شهروند پیامک می‌شود.",
    "send-back": "پرونده برای رسیدگی دوباره برگشت داده شد.",
    "close": "پرونده بسته شد.",
    "escalate": "پرونده به سطح بالاتر منتقل شد.",
    "request-information": "پرسش برای شهروند پیامک شد؛ مهلت تا پاسخ او متوقف است.",
    "claim": "کار را برداشتید؛ یادآوری‌های مهلت آن به شما می‌رسد.",
    "release": "کار را واگذاشتید؛ یادآوری‌ها به همه هماهنگ‌کنندگان واحد می‌رسد.",
    "reassign": "کار به هماهنگ‌کننده انتخاب‌شده سپرده شد و به او خبر داده شد.",
    "order-inspection": "دستور بازرسی حضوری ثبت شد و در کارتابل بازرس است.",
    "record-inspection": "گزارش بازرسی حضوری ثبت شد.",
}


@dataclass(frozen=True)
class FailedForm:
    """The action form that was refused for its fields: which one, what was typed, and each field's reason."""

    action: str
    form: dict[str, str]
    errors: dict[str, str]

    def value(self, action: str, field: str) -> str:
        return self.form.get(field, "") if action == self.action else ""

    def error(self, action: str, field: str) -> str:
        return self.errors.get(field, "") if action == self.action else ""


@router.get("/login")
async def login_form(request: Request, next: str = "") -> Response:
    return page(request, "staff/login.html", next=safe_next(next, ""), error=None, username="")


@router.post("/login")
async def login_submit(request: Request, sessions: SessionsDep, settings: SettingsDep) -> Response:
    form = await page_session.form_with_csrf(request)
    username = form.get("username", "").strip()
    try:
        logged_in = await authenticate(
            sessions=sessions,
            settings=settings,
            username=username,
            password=form.get("password", ""),
            client=client_address(request),
        )
    except ApiError as exc:
        if exc.status_code not in (401, 429):
            raise
        return page(
            request,
            "staff/login.html",
            exc.status_code,
            next=safe_next(form.get("next"), ""),
            error=exc.message_fa,
            username=username,
        )
    page_session.change(request, user_id=logged_in.user_id, generation=logged_in.generation, mobile=None)
    return redirect(request, safe_next(form.get("next"), HOME[logged_in.role]))


@router.post("/logout")
async def logout(request: Request, session: SessionDep) -> Response:
    """Ends the staff session, or a citizen's verified mobile. A staff logout revokes the account's sessions on
    the server: a copy of the old cookie, or a bearer token of the account, no longer opens anything."""
    await page_session.form_with_csrf(request)
    user = await staff_user(request, session)
    if user is not None:
        await revoke_sessions(session, user.id)
    staff = page_session.current(request).user_id is not None
    page_session.clear(request)
    return redirect(request, "/login" if staff else "/")


INBOX_INFORMATION = 20  # requests and suggestions shown below a senior coordinator's tasks


@router.get("/inbox")
async def inbox(request: Request, session: SessionDep) -> Response:
    user = await require_staff(request, session, *INBOX_ROLES)
    query = inbox_query(user, TaskStatus.OPEN)
    assert query is not None, "every inbox role has a query"
    rows = list(await session.execute(query))
    unit_ids = {t.unit_id for t, _ in rows if t.unit_id} | {c.office_unit_id for _, c in rows}
    names = dict((await session.execute(select(Unit.id, Unit.name_fa).where(Unit.id.in_(unit_ids)))).all())
    now = datetime.now(UTC)
    clocks = [
        (
            task_clock(kind=t.kind, status=t.status, due_at=t.due_at, paused=c.paused_since is not None, now=now),
            case_clock(
                status=c.status,
                due_at=c.due_at,
                breached=c.breached,
                paused=c.paused_since is not None,
                result_approved=c.result_approved_at is not None,
                now=now,
            ),
        )
        for t, c in rows
    ]
    information = (
        await information_items(session, agency_id=user.agency_id, limit=INBOX_INFORMATION)
        if user.role is Role.SENIOR_COORDINATOR
        else None
    )
    rows_and_clocks = list(zip(rows, clocks, strict=True))
    return page(request, "staff/inbox.html", user=user, rows=rows_and_clocks, unit_names=names, information=information)


def _actions(user: StaffUser, state: CaseState | None) -> set[str]:
    """The actions to offer: exactly what the rule book allows this user on the live state (none without it).
    The erasure of personal data is ordered through the API (POST /api/v1/cases/{code}/erasure), not offered here."""
    if state is None:
        return set()
    return {action.value for action in allowed(state, user) & STAFF_ACTIONS if action is not Action.ERASE}


async def _case_page(
    request: Request,
    session: AsyncSession,
    engine: Engine,
    user: StaffUser,
    tracking_code: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    done: str | None = None,
    failed: FailedForm | None = None,
) -> Response:
    # The live state tells which actions apply.
    view = await case_view(
        session, engine, user=user, tracking_code=tracking_code, live=True, request=request, seen_on="case_page"
    )
    case, state = view.case, view.live
    units = list(await session.scalars(select(Unit).where(Unit.agency_id == case.agency_id)))
    task_time, case_time = _clocks(case, state, view.tasks)
    named = [e.actor_username for e in view.events] + [t.closed_by for t in view.tasks]
    named += [e.data.get("holder") for e in view.events if e.data] + [t.holder for t in view.tasks]
    named += [n.get("username") for e in view.events if e.data for n in e.data.get("notified", [])]
    people = await People.of(session, named)
    return page(
        request,
        "staff/case.html",
        status_code,
        user=user,
        case=case,
        state=state,
        live_error=view.live_error.message_fa if view.live_error else None,
        tasks=view.tasks,
        events=view.events,
        units={u.id: u for u in units},
        citizen=view.citizen,
        employee_name=view.employee_name,
        actions=_actions(user, state),
        outcomes=list(HandlingOutcome),
        error=error,
        done=DONE_FA.get(done or ""),
        auditor=user.role in (Role.AUDITOR, Role.ADMIN),
        deadline=view.deadline,
        erasure=await session.get(Erasure, case.tracking_code),
        task_time=task_time,
        case_time=case_time,
        person=people,
        failed=failed or FailedForm("", {}, {}),
        reassign_to=await claims.reassign_choices(session, state, _actions(user, state)),  # staff/_claim.html
        referral_targets=await list_targets(session),
        referral_target=await session.get(ReferralTargetRow, case.referral_target_id)
        if case.referral_target_id
        else None,
        **await inspection.inspection_context(session, case, view.tasks),
    )


def _clocks(case: Case, state: CaseState | None, tasks: list[Task]) -> tuple[Clock | None, Clock]:
    """The open task's own time and the case's deadline: from the live state, else from the read model."""
    now = datetime.now(UTC)
    if state is not None:
        task = state.current_task
        paused = state.open_pause is not None
        case_time = case_clock(
            status=state.status,
            due_at=state.due_at,
            breached=state.breached,
            paused=paused,
            result_approved=state.result_approved_at is not None,
            now=now,
        )
        task_time = task and task_clock(kind=task.kind, status=task.status, due_at=task.due_at, paused=paused, now=now)
        return task_time, case_time
    paused = case.paused_since is not None
    case_time = case_clock(
        status=case.status,
        due_at=case.due_at,
        breached=case.breached,
        paused=paused,
        result_approved=case.result_approved_at is not None,
        now=now,
    )
    open_task = next((t for t in tasks if t.status == TaskStatus.OPEN), None)
    task_time = open_task and task_clock(
        kind=open_task.kind, status=open_task.status, due_at=open_task.due_at, paused=paused, now=now
    )
    return task_time, case_time


@router.get("/cases/{tracking_code}")
async def case_page(
    request: Request, tracking_code: str, session: SessionDep, engine: EngineDep, done: str | None = None
) -> Response:
    user = await require_staff(request, session, *CASE_ROLES)
    return await _case_page(request, session, engine, user, tracking_code, done=done)


async def _act(
    session: AsyncSession, engine: Engine, user: StaffUser, tracking_code: str, action: str, form: dict[str, str]
) -> CaseState:
    """Sends one action to the workflow; returns the case's state after it."""
    common = {"user": user, "session": session, "engine": engine}
    if action == "review":
        body = ReviewRequest(
            decision=form.get("decision", ""),
            unit_id=form.get("unit_id") or None,
            action_order=form.get("action_order") or None,
            referral_note=form.get("referral_note") or None,
            inspector=form.get("inspector") or None,
            referral_target_id=form.get("referral_target_id") or None,
        )
        return await casework.review(tracking_code=tracking_code, body=body, **common)
    if action == "complete":
        body = CompleteTaskRequest(outcome=form.get("outcome", ""), note=form.get("note", ""))
        return await casework.complete_task(task_id=form.get("task_id", ""), body=body, **common)
    if action == Action.ESCALATE:
        reason = ReasonRequest(reason=form.get("reason", "")).reason
        task_id = form.get("task_id") or None
        return await casework.escalate(tracking_code=tracking_code, reason=reason, task_id=task_id, **common)
    if action == Action.REQUEST_INFORMATION:
        question = InformationRequest(what_is_needed=form.get("what_is_needed", ""))
        return await casework.request_information(tracking_code=tracking_code, body=question, **common)
    if action in (Action.ORDER_INSPECTION, Action.RECORD_INSPECTION):
        return await inspection.act(action, tracking_code=tracking_code, form=form, **common)
    if action not in casework.SENIOR_ACTIONS:
        raise ApiError(
            f"unknown action {action}", code="not_found", status_code=404, message_fa="این اقدام وجود ندارد."
        )
    if action == "approve":
        body = ApproveRequest(result_note=form.get("result_note", ""), outcome=form.get("outcome", ""))
    else:
        body = ReasonRequest(reason=form.get("reason", ""))
    return await casework.senior_coordinator_action(action, tracking_code=tracking_code, body=body, **common)


@router.post("/cases/{tracking_code}/{action}")
async def case_action(
    request: Request, tracking_code: str, action: str, session: SessionDep, sessions: SessionsDep, engine: EngineDep
) -> Response:
    user = await require_staff(request, session, *CASE_ROLES)
    form = await page_session.form_with_csrf(request)
    try:
        if confirm.needed(action, form):  # an irreversible action: first the page that asks "are you sure?"
            await release_connection(session)  # its check asks the workflow, which may wait for a worker
            return await confirm.confirmation_page(request, engine, user, tracking_code, action, form)
        state = await _act(session, engine, user, tracking_code, action, form)
    except ValidationError as exc:
        # The reason at its field, and everything typed kept, in the form that was sent.
        return await _case_page(
            request,
            session,
            engine,
            user,
            tracking_code,
            status_code=422,
            failed=FailedForm(action, form, field_errors(exc)),
        )
    except Exception as exc:
        err = exc if isinstance(exc, ApiError) else engine_error(exc)
        if err is None or err.status_code in (401, 403, 404) or err.status_code >= 500 and err.status_code != 503:
            raise
        # A refused action (409, 422) or an engine that did not answer (503): the coordinator stays on the case,
        # with the reason above its forms, and may press again (the action's update id makes a retry safe).
        # A field only the server could judge (an arrival before the order): its reason beside it too, the form kept.
        failed = None
        if isinstance(err, FieldInvalid):
            failed = FailedForm(action, form, {str(err.details[0]["loc"][-1]): err.details[0]["message_fa"]})
        response = await _case_page(
            request,
            session,
            engine,
            user,
            tracking_code,
            status_code=err.status_code,
            error=error_message_fa(err),
            failed=failed,
        )
        response.headers.update(err.headers or {})
        return response
    # The case page (its timeline, its tasks) and the inbox read the read model: they show the new state once
    # the projection has it.
    await release_connection(session)
    await caught_up(sessions, state)
    return redirect(request, f"/cases/{state.tracking_code}?done={action}")
