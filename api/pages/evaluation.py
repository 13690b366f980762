"""The annual evaluation as Persian pages: the league of agencies for a year (/evaluation), and one agency's sheet
with its people (/evaluation/{agency}); the same pages answer the API's `format=html`. The centre (admin,
auditor) sees every agency; a senior coordinator is taken to its own agency's sheet, and another's is a 403."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.deps import SessionDep, SettingsDep, StaffUser
from api.pages.rendering import page, redirect, require_staff
from api.services import evaluation
from reports.evaluation import AgencyLeague, AgencySheet, data_years
from reports.evaluation_exports import PERSON_COLUMNS, ROLE_TITLES_FA
from reports.evaluation_people import EVALUATED_ROLES, PeopleEvaluation
from schemas.enums import Role
from timekeeping.persian import persian_digits

router = APIRouter(include_in_schema=False)

READERS = (Role.ADMIN, Role.AUDITOR, Role.SENIOR_COORDINATOR)
PageYear = Annotated[int | None, Query(ge=1300, le=1500)]


async def _year(session, year: int | None) -> int:
    """The year asked for, else the latest year holding complaints (the API refuses a year outside the data)."""
    if year is not None:
        return year
    years = await data_years(session)
    return years[-1] if years else 0


@router.get("/evaluation")
async def league(request: Request, session: SessionDep, settings: SettingsDep, year: PageYear = None) -> Response:
    user = await require_staff(request, session, *READERS)
    year = await _year(session, year)
    if user.role is Role.SENIOR_COORDINATOR:
        return redirect(request, f"/evaluation/{user.agency_id}?year={year}")
    result = await evaluation.league(session, settings, user, year)
    return await league_page(request, result, user, await data_years(session))


@router.get("/evaluation/{agency_id}")
async def agency(
    request: Request, agency_id: str, session: SessionDep, settings: SettingsDep, year: PageYear = None
) -> Response:
    user = await require_staff(request, session, *READERS)
    sheet, people = await evaluation.agency_sheet(session, settings, user, agency_id, await _year(session, year))
    return await evaluation_page(request, sheet, people, user)


async def league_page(request: Request, league: AgencyLeague, user: StaffUser, years: list[int]) -> Response:
    return page(
        request,
        "evaluation/league.html",
        user=user,
        title=f"ارزیابی سالانه دستگاه‌ها — سال {persian_digits(league.year)}",
        league=league,
        years=years,
    )


async def evaluation_page(request: Request, sheet: AgencySheet, people: PeopleEvaluation, user: StaffUser) -> Response:
    return page(
        request,
        "evaluation/sheet.html",
        user=user,
        title=f"ارزیابی سالانه {sheet.name_fa} — سال {persian_digits(sheet.year)}",
        sheet=sheet,
        people=people,
        roles=[(ROLE_TITLES_FA[role], people.people.get(role, [])) for role in EVALUATED_ROLES],
        person_columns=PERSON_COLUMNS,
    )
