"""The annual evaluation for the API and the pages alike: the league of a year that holds data (else a 422 naming
the years that do), and one agency's sheet with its people, in the caller's view (a senior coordinator: its own
agency only, another's a 403)."""

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import StaffUser
from api.edge.errors import FieldInvalid, Forbidden, NotFound
from database.models import Agency
from infra.settings import Settings
from reports.evaluation import AgencyLeague, AgencySheet, agency_league, data_years
from reports.evaluation_people import PeopleEvaluation, people_evaluation
from schemas.enums import Role
from timekeeping.persian import persian_digits


def own_agency(user: StaffUser, agency_id: str | None) -> str | None:
    """A senior coordinator is held to its own agency; asking for another one is refused."""
    if user.role is not Role.SENIOR_COORDINATOR:
        return agency_id
    if agency_id not in (None, user.agency_id):
        raise Forbidden(
            "a senior coordinator sees only its own agency's evaluation",
            message_fa="راهبر ارشد فقط ارزیابی دستگاه خود را می‌بیند.",
        )
    return user.agency_id


async def league(session: AsyncSession, settings: Settings, user: StaffUser, year: int) -> AgencyLeague:
    years = await data_years(session)
    if year not in years:
        held = "، ".join(persian_digits(y) for y in years) or "هیچ سالی"
        raise FieldInvalid(
            ["query", "year"],
            f"no complaints in {year}; the data holds {', '.join(map(str, years)) or 'no year'}",
            reason_fa=f"در سال {persian_digits(year)} شکایتی نیست؛ سال‌های دارای داده: {held}",
        )
    result = await agency_league(
        session,
        year=year,
        weights=settings.ranking_weights,
        min_cases=settings.ranking_min_cases,
        now=datetime.now(UTC),
    )
    own = own_agency(user, None)
    if own is not None:
        result.sheets = [sheet for sheet in result.sheets if sheet.agency_id == own]
    return result


async def agency_sheet(
    session: AsyncSession, settings: Settings, user: StaffUser, agency_id: str, year: int
) -> tuple[AgencySheet, PeopleEvaluation]:
    own_agency(user, agency_id)
    if await session.get(Agency, agency_id) is None:
        raise NotFound(f"no agency {agency_id}", message_fa="دستگاهی با این شناسه نیست.")
    result = await league(session, settings, user, year)
    sheet = next((s for s in result.sheets if s.agency_id == agency_id), None)
    if sheet is None:
        raise FieldInvalid(
            ["query", "year"],
            f"agency {agency_id} has no complaints in {year}",
            reason_fa=f"این دستگاه در سال {persian_digits(year)} شکایتی ندارد.",
        )
    people = await people_evaluation(
        session,
        year=year,
        agency_id=agency_id,
        min_cases=settings.evaluation_min_person_cases,
        weights=settings.ranking_weights,
    )
    return sheet, people
