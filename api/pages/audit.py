"""The auditor's pages: any case's timeline from the workflow's own Temporal history, and the replay check.
The same functions as the JSON API (api.services.history, api.services.replay)."""

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from api.deps import EngineDep, SessionDep
from api.engine import Engine
from api.pages import session as page_session
from api.pages.history_fa import Names, history_rows, usernames
from api.pages.people import People
from api.pages.rendering import page, redirect, require_staff
from api.services.access_log import record_staff_access
from api.services.history import case_history
from api.services.readmodel import get_case
from api.services.replay import check_case
from api.services.tracking import is_valid_tracking_code, normalize_tracking_code
from database.models import Case
from schemas.enums import Role

router = APIRouter(include_in_schema=False)

AUDIT_ROLES = (Role.AUDITOR, Role.ADMIN)


@router.get("/audit")
async def audit_home(request: Request, session: SessionDep, code: str | None = None) -> Response:
    user = await require_staff(request, session, *AUDIT_ROLES)
    if code and is_valid_tracking_code(normalize_tracking_code(code)):
        return redirect(request, f"/audit/{normalize_tracking_code(code)}")
    recent = list(await session.scalars(select(Case).order_by(Case.registered_at.desc()).limit(30)))
    error = "کد رهگیری نادرست است." if code else None
    return page(request, "staff/audit_home.html", user=user, recent=recent, error=error, code=code or "")


async def _audit_page(request: Request, session: AsyncSession, engine: Engine, tracking_code: str) -> Response:
    user = await require_staff(request, session, *AUDIT_ROLES)
    case = await get_case(session, tracking_code)
    history = await case_history(engine, session, case.tracking_code)
    report = await check_case(session, engine, case) if request.method == "POST" else None
    await record_staff_access(session, request, user, tracking_code=case.tracking_code, what="workflow_history_page")
    rows = history_rows(history, await Names.load(session), await People.of(session, usernames(history)))
    return page(request, "staff/audit_case.html", user=user, case=case, history=history, report=report, rows=rows)


@router.get("/audit/{tracking_code}")
async def audit_case(request: Request, tracking_code: str, session: SessionDep, engine: EngineDep) -> Response:
    return await _audit_page(request, session, engine, tracking_code)


@router.post("/audit/{tracking_code}/replay")
async def audit_replay(request: Request, tracking_code: str, session: SessionDep, engine: EngineDep) -> Response:
    await require_staff(request, session, *AUDIT_ROLES)
    await page_session.form_with_csrf(request)
    return await _audit_page(request, session, engine, tracking_code)
