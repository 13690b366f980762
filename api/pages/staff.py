"""Staff pages: login and logout, the coordinators' inbox, and the case page with the actions the user
may take now (the rule book's answer, workflows/rules.py, for the user and the case's live state). Actions go
through api.services.casework, the same functions as the JSON API."""

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from api.auth.login import authenticate
from api.deps import EngineDep, SessionDep, SessionsDep, SettingsDep, StaffUser
from api.edge.errors import ApiError, engine_error
from api.engine import Engine
from api.pages import inspection
from api.pages import session as page_session
from api.pages.rendering import HOME, error_message_fa, page, redirect, require_staff, safe_next
from api.services import casework
from api.services.access_log import client_address
from api.services.case_detail import case_view
from api.services.readmodel import inbox_query
from database.models import Unit
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
    "escalate": "پرونده به سطح بالاتر ارجاع شد.",
    "request-information": "پرسش برای شهروند پیامک شد؛ مهلت تا پاسخ او متوقف است.",
    "order-inspection": "دستور بازرسی حضوری ثبت شد و در کارتابل بازرس است.",
    "record-inspection": "گزارش بازرسی حضوری ثبت شد.",
}


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
    page_session.change(request, user_id=logged_in.user_id, mobile=None)
    return redirect(request, safe_next(form.get("next"), HOME[logged_in.role]))


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Ends the staff session, or a citizen's verified mobile."""
    await page_session.form_with_csrf(request)
    staff = page_session.current(request).user_id is not None
    page_session.clear(request)
    return redirect(request, "/login" if staff else "/")


@router.get("/inbox")
async def inbox(request: Request, session: SessionDep) -> Response:
    user = await require_staff(request, session, *INBOX_ROLES)
    query = inbox_query(user, TaskStatus.OPEN)
    assert query is not None, "every inbox role has a query"
    rows = list(await session.execute(query))
    unit_ids = {t.unit_id for t, _ in rows if t.unit_id} | {c.office_unit_id for _, c in rows}
    names = dict((await session.execute(select(Unit.id, Unit.name_fa).where(Unit.id.in_(unit_ids)))).all())
    return page(request, "staff/inbox.html", user=user, rows=rows, unit_names=names)


def _actions(user: StaffUser, state: CaseState | None) -> set[str]:
    """The actions to offer: exactly what the rule book allows this user on the live state (none without it)."""
    if state is None:
        return set()
    return {action.value for action in allowed(state, user) & STAFF_ACTIONS}


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
) -> Response:
    # The live state tells which actions apply.
    view = await case_view(
        session, engine, user=user, tracking_code=tracking_code, live=True, request=request, seen_on="case_page"
    )
    case, state = view.case, view.live
    units = list(await session.scalars(select(Unit).where(Unit.agency_id == case.agency_id)))
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
        **await inspection.inspection_context(session, case, view.tasks),
    )


@router.get("/cases/{tracking_code}")
async def case_page(
    request: Request, tracking_code: str, session: SessionDep, engine: EngineDep, done: str | None = None
) -> Response:
    user = await require_staff(request, session, *CASE_ROLES)
    return await _case_page(request, session, engine, user, tracking_code, done=done)


async def _act(
    session: AsyncSession, engine: Engine, user: StaffUser, tracking_code: str, action: str, form: dict[str, str]
) -> str:
    """Sends one action to the workflow; returns the case's tracking code."""
    common = {"user": user, "session": session, "engine": engine}
    if action == "review":
        body = ReviewRequest(
            decision=form.get("decision", ""),
            unit_id=form.get("unit_id") or None,
            action_order=form.get("action_order") or None,
            referral_note=form.get("referral_note") or None,
            inspector=form.get("inspector") or None,
        )
        return (await casework.review(tracking_code=tracking_code, body=body, **common)).tracking_code
    if action == "complete":
        body = CompleteTaskRequest(outcome=form.get("outcome", ""), note=form.get("note", ""))
        return (await casework.complete_task(task_id=form.get("task_id", ""), body=body, **common)).tracking_code
    if action == Action.ESCALATE:
        reason = ReasonRequest(reason=form.get("reason", "")).reason
        task_id = form.get("task_id") or None
        state = await casework.escalate(tracking_code=tracking_code, reason=reason, task_id=task_id, **common)
        return state.tracking_code
    if action == Action.REQUEST_INFORMATION:
        question = InformationRequest(what_is_needed=form.get("what_is_needed", ""))
        state = await casework.request_information(tracking_code=tracking_code, body=question, **common)
        return state.tracking_code
    if action in (Action.ORDER_INSPECTION, Action.RECORD_INSPECTION):
        state = await inspection.act(action, tracking_code=tracking_code, form=form, **common)
        return state.tracking_code
    if action not in casework.SENIOR_ACTIONS:
        raise ApiError(
            f"unknown action {action}", code="not_found", status_code=404, message_fa="این اقدام وجود ندارد."
        )
    if action == "approve":
        body = ApproveRequest(result_note=form.get("result_note", ""))
    else:
        body = ReasonRequest(reason=form.get("reason", ""))
    state = await casework.senior_coordinator_action(action, tracking_code=tracking_code, body=body, **common)
    return state.tracking_code


@router.post("/cases/{tracking_code}/{action}")
async def case_action(
    request: Request, tracking_code: str, action: str, session: SessionDep, engine: EngineDep
) -> Response:
    user = await require_staff(request, session, *CASE_ROLES)
    form = await page_session.form_with_csrf(request)
    try:
        code = await _act(session, engine, user, tracking_code, action, form)
    except ValidationError:
        return await _case_page(
            request,
            session,
            engine,
            user,
            tracking_code,
            status_code=422,
            error="بخش‌های لازم فرم را کامل کنید (هر یادداشت دست‌کم سه حرف).",
        )
    except Exception as exc:
        err = exc if isinstance(exc, ApiError) else engine_error(exc)
        if err is None or err.status_code in (401, 403, 404) or err.status_code >= 500 and err.status_code != 503:
            raise
        # A refused action (409, 422) or an engine that did not answer (503): the coordinator stays on the case,
        # with the reason above its forms, and may press again (the action's update id makes a retry safe).
        response = await _case_page(
            request, session, engine, user, tracking_code, status_code=err.status_code, error=error_message_fa(err)
        )
        response.headers.update(err.headers or {})
        return response
    return redirect(request, f"/cases/{code}?done={action}")
