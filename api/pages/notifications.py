"""Staff notifications on the pages: the logged-in staff member's list (opening it marks them read) and the
unread count in the header; and the claim, release and reassign buttons of the case page
(api/templates/staff/_claim.html), which go through api.services.claims like the JSON API."""

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from sqlalchemy import select, update
from starlette.responses import Response

from api.deps import EngineDep, SessionDep, StaffUser
from api.edge.errors import ApiError, NotFound, engine_error
from api.pages import session as page_session
from api.pages.rendering import error_message_fa, page, redirect, require_staff
from api.pages.staff import CASE_ROLES, _case_page
from api.services import claims
from database.models import Notification, User
from workflows.rules import Action

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 100


@router.get("/notifications")
async def notifications(request: Request, session: SessionDep) -> Response:
    user = await require_staff(request, session)
    rows = list(
        await session.scalars(
            select(Notification)
            .where(Notification.username == user.username)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(PAGE_SIZE)
        )
    )
    unread = {row.id for row in rows if row.read_at is None}
    if unread:
        now = datetime.now(UTC)
        await session.execute(update(Notification).where(Notification.id.in_(unread)).values(read_at=now))
        request.state.unread = 0
    account = await session.get(User, user.id)
    return page(
        request,
        "staff/notifications.html",
        user=user,
        rows=rows,
        new_ids=unread,
        user_mobile=account.mobile if account else None,
    )


@router.post("/cases/{tracking_code}/tasks/{task_id}/{action}")
async def holder_action(
    request: Request, tracking_code: str, task_id: str, action: str, session: SessionDep, engine: EngineDep
) -> Response:
    user: StaffUser = await require_staff(request, session, *CASE_ROLES)
    form = await page_session.form_with_csrf(request)
    if action not in (Action.CLAIM, Action.RELEASE, Action.REASSIGN):
        raise NotFound(f"unknown action {action}", message_fa="این اقدام وجود ندارد.")
    try:
        await claims.change_holder(
            Action(action),
            tracking_code=tracking_code,
            task_id=task_id,
            to_username=form.get("to_username") or None,
            user=user,
            session=session,
            engine=engine,
        )
    except Exception as exc:
        err = exc if isinstance(exc, ApiError) else engine_error(exc)
        if err is None or err.status_code in (401, 403, 404) or err.status_code >= 500 and err.status_code != 503:
            raise
        response = await _case_page(
            request, session, engine, user, tracking_code, status_code=err.status_code, error=error_message_fa(err)
        )
        response.headers.update(err.headers or {})
        return response
    return redirect(request, f"/cases/{tracking_code}?done={action}")
