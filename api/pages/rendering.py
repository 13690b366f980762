"""Rendering the pages: one jinja2 environment (autoescape on), the session cookie saved with every
response, staff pages gated by role, and every error shown as a Persian page instead of JSON."""

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from api.deps import StaffUser, load_staff_user
from api.edge.errors import ApiError, Forbidden
from api.pages import session as page_session
from api.pages.assets import static_url
from api.pages.charts import number_fa, percent_fa
from api.pages.jalali import FILTERS
from api.pages.labels import LABEL_FILTERS
from database.models import Notification
from schemas.enums import Role
from schemas.reasons import reason_fa

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

ROLE_LABELS_FA = {
    Role.OPERATOR: "کارشناس مرکز تماس ۱۲۸",
    Role.SENIOR_COORDINATOR: "راهبر ارشد",
    Role.UNIT_COORDINATOR: "هماهنگ‌کننده واحد",
    Role.INSPECTOR: "بازرس",
    Role.AUDITOR: "حسابرس",
    Role.ADMIN: "مدیر مرکز",
    Role.WORKING_GROUP: "عضو کارگروه صدای بی‌صدایان",
}

# Where each role starts, and the pages of its menu.
HOME = {
    Role.OPERATOR: "/operator/intake",
    Role.SENIOR_COORDINATOR: "/inbox",
    Role.UNIT_COORDINATOR: "/inbox",
    Role.INSPECTOR: "/inbox",
    Role.AUDITOR: "/audit",
    Role.ADMIN: "/dashboard",
    Role.WORKING_GROUP: "/working-group",
}


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    env.filters.update(LABEL_FILTERS)
    env.globals["role_fa"] = lambda role: ROLE_LABELS_FA.get(role, role)
    env.globals["static_url"] = static_url
    env.filters["percent"] = percent_fa
    env.filters["decimal"] = lambda value, digits=None: number_fa(value, digits)
    return env


ENVIRONMENT = build_environment()


async def staff_user(request: Request, session: AsyncSession) -> StaffUser | None:
    """The staff user the page session names, read with the request's session (api.deps.SessionDep)."""
    current = page_session.current(request)
    if current.user_id is None:
        return None
    return await load_staff_user(session, current.user_id, current.generation)


async def require_staff(request: Request, session: AsyncSession, *roles: Role) -> StaffUser:
    """The logged-in staff user, if its role is one of `roles`; else the login page or a Persian 403."""
    user = await staff_user(request, session)
    if user is None:
        raise page_session.LoginRequired("log in first")
    request.state.page_user = user  # so an error page still shows the user's own menu
    request.state.unread = await unread_notifications(session, user.username)  # the header's count
    if roles and user.role not in roles:
        raise Forbidden(f"this page is for: {', '.join(roles)}", message_fa="این صفحه برای نقش شما نیست.")
    return user


async def unread_notifications(session: AsyncSession, username: str) -> int:
    """The staff member's notifications not yet seen on /notifications (api/pages/notifications.py)."""
    query = select(func.count()).select_from(Notification)
    return await session.scalar(query.where(Notification.username == username, Notification.read_at.is_(None))) or 0


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    session = page_session.current(request)
    user = context.setdefault("user", getattr(request.state, "page_user", None))
    context |= {
        "request": request,
        "csrf": session.csrf,
        "citizen_mobile": session.mobile,
        "home": HOME.get(user.role) if user is not None else None,
        "development": request.app.state.settings.environment == "development",
        "unread": getattr(request.state, "unread", None),
    }
    html = ENVIRONMENT.get_template(template).render(context)
    return page_session.save(request, HTMLResponse(html, status_code=status_code))


def redirect(request: Request, url: str) -> Response:
    return page_session.save(request, RedirectResponse(url, status_code=303))


def safe_next(value: str | None, default: str = "/") -> str:
    """Only a path on this site: never `//host` or an absolute URL."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


# Refusals of a whole body (a model validator), shown at the field a person fills to fix them.
WHOLE_BODY_FIELD = {"review_accept_needs": "action_order", "review_reject_needs": "referral_note"}


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Each invalid field with its Persian reason (schemas.reasons, the same words as the JSON API's
    `details[].message_fa`), keyed by the field's name on the page."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else WHOLE_BODY_FIELD.get(error["type"], "__all__")
        empty = error.get("input") in ("", None)
        errors.setdefault(field, PICK_FA[field] if field in PICK_FA and empty else reason_fa(error))
    return errors


# The pages' lists: nothing picked is said as "pick one", not as a length.
PICK_FA = {
    "unit_id": "اداره یا واحد را از فهرست انتخاب کنید.",
    "indicator": "موضوع شکایت را انتخاب کنید.",
    "satisfied": "بگویید از نتیجه راضی هستید یا نه.",
    "rating": "امتیازی از ۱ تا ۵ انتخاب کنید.",
}


def error_message_fa(err: ApiError) -> str:
    """The Persian reason to show: for a 422 about one field, that field's Persian reason if it has one."""
    if err.status_code == 422 and isinstance(err.details, list):
        reasons = [d.get("message_fa") for d in err.details if isinstance(d, dict) and d.get("message_fa")]
        if reasons:
            return "؛ ".join(reasons)
    return err.message_fa


def field_of(err: ApiError, default: str) -> str:
    """The form field a 422 is about (its detail's last loc part), else `default`."""
    if isinstance(err.details, list):
        for detail in err.details:
            if isinstance(detail, dict) and detail.get("loc"):
                return str(detail["loc"][-1])
    return default


def render_error_page(request: Request, err: ApiError) -> Response:
    """The pages' face of every ApiError (installed on app.state, called by api.edge.errors for non-API paths)."""
    if isinstance(err, page_session.LoginRequired):
        return redirect(request, f"/login?next={quote(request.url.path)}")
    response = page(request, "error.html", status_code=err.status_code, error=err, message=error_message_fa(err))
    for name, value in (err.headers or {}).items():
        if name.lower() == "retry-after":
            response.headers[name] = value
    return response
