"""The annual evaluation as Persian pages: the league of agencies for a year, and one agency's sheet with its
people. Served by api/routers/evaluation.py for `format=html`, to a bearer token or the staff session alike."""

from fastapi import Request
from starlette.responses import Response

from api.deps import StaffUser
from api.pages.rendering import page
from reports.evaluation import AgencyLeague, AgencySheet
from reports.evaluation_exports import PERSON_COLUMNS, ROLE_TITLES_FA
from reports.evaluation_people import EVALUATED_ROLES, PeopleEvaluation
from timekeeping.persian import persian_digits


async def league_page(request: Request, league: AgencyLeague, user: StaffUser) -> Response:
    return page(
        request,
        "evaluation/league.html",
        user=user,
        title=f"ارزیابی سالانه دستگاه‌ها — سال {persian_digits(league.year)}",
        league=league,
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
