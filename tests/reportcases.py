"""A small fixed read model for the report, ranking and hotspot tests: two agencies, three offices, and
case rows written as the projection would write them (Jalali period and time to result included). The fixture
`report_db` (tests/fixtures/database.py) is a read model of each kind with these offices in it.
"""

from datetime import UTC, datetime, timedelta

import jdatetime
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from database.models import Agency, Case, CaseEventRow, County, Province, Unit
from database.sessions import transaction
from tests.factories import FULL_NAME, MOBILE, NATIONAL_CODE
from timekeeping.jalali import jalali_period
from timekeeping.tehran import TEHRAN

VILLAGE = "روستای زیاران"


async def seed_offices(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with transaction(sessions) as session:
        session.add(Province(code="IR-26", name_fa="قزوین", name_en="Qazvin"))
        await session.flush()
        session.add_all(
            [
                County(code="IR-26-takestan", province_code="IR-26", name_fa="تاکستان", name_en="Takestan"),
                County(code="IR-26-abyek", province_code="IR-26", name_fa="آبیک", name_en="Abyek"),
                Agency(id="aa", name_fa="سازمان الف", name_en="Agency A"),
                Agency(id="bb", name_fa="سازمان ب", name_en="Agency B"),
            ]
        )
        await session.flush()
        for agency in ("aa", "bb"):
            session.add(
                Unit(
                    id=f"{agency}-hq",
                    agency_id=agency,
                    level="national",
                    name_fa=f"ستاد {agency}",
                    name_en=f"{agency} HQ",
                )
            )
        await session.flush()
        session.add_all(
            [
                Unit(
                    id="aa-takestan",
                    agency_id="aa",
                    parent_id="aa-hq",
                    level="county",
                    name_fa="شعبه تاکستان",
                    name_en="aa Takestan",
                    province_code="IR-26",
                    county_code="IR-26-takestan",
                ),
                Unit(
                    id="aa-ziaran",
                    agency_id="aa",
                    parent_id="aa-hq",
                    level="county",
                    name_fa="دفتر زیاران",
                    name_en="aa Ziaran",
                    province_code="IR-26",
                    county_code="IR-26-abyek",
                    village=VILLAGE,
                ),
                Unit(
                    id="bb-takestan",
                    agency_id="bb",
                    parent_id="bb-hq",
                    level="county",
                    name_fa="شعبه تاکستان ب",
                    name_en="bb Takestan",
                    province_code="IR-26",
                    county_code="IR-26-takestan",
                ),
            ]
        )


def tehran(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A Jalali date and Tehran wall-clock time, as UTC."""
    g = jdatetime.datetime(year, month, day, hour, minute).togregorian()
    return g.replace(tzinfo=TEHRAN).astimezone(UTC)


_COUNTIES = {"aa-takestan": "IR-26-takestan", "aa-ziaran": "IR-26-abyek", "bb-takestan": "IR-26-takestan"}


def case_row(
    code: str,
    registered_at: datetime,
    *,
    unit: str = "aa-takestan",
    indicator: int = 7,
    channel: str = "phone",
    status: str = "closed",
    result_minutes: float | None = None,
    breached: bool = False,
    satisfied: bool | None = None,
    rating: int | None = None,
    reopened: bool = False,
    level: str = "county",
    escalated_to: tuple[str, ...] = (),
) -> Case:
    year, month = jalali_period(registered_at)
    approved = registered_at + timedelta(minutes=result_minutes) if result_minutes is not None else None
    return Case(
        tracking_code=code,
        workflow_id=f"complaint-{code}",
        agency_id=unit.split("-")[0],
        office_unit_id=unit,
        province_code="IR-26",
        county_code=_COUNTIES[unit],
        indicator=indicator,
        channel=channel,
        citizen_national_code=NATIONAL_CODE,
        citizen_mobile=MOBILE,
        citizen_name=FULL_NAME,
        description="شرح",
        incident_at=registered_at,
        registered_at=registered_at,
        filed_by="operator1",
        status=status,
        step="feedback",
        level=level,
        unit_id=unit,
        due_at=registered_at + timedelta(hours=3),
        breached=breached,
        reopened=reopened,
        result_approved_at=approved,
        satisfied=satisfied,
        rating=rating,
        last_seq=1,
        updated_at=registered_at,
        jalali_year=year,
        jalali_month=month,
        result_seconds=int(result_minutes * 60) if result_minutes is not None else None,
        escalations=len(escalated_to),
        **{f"escalated_{lv}": escalated_to.count(lv) for lv in ("provincial", "subordinate", "national")},
    )


LAST_OF_ESFAND_2350 = tehran(1403, 12, 30, 23, 50)
NEW_YEAR_0005 = tehran(1404, 1, 1, 0, 5)


async def load_fixed_cases(sessions) -> None:
    """Esfand 1403 holds four cases, Bahman one, Farvardin 1404 one (five minutes into the new year):

    E1 aa-takestan  ind 7 phone  result  60 min           satisfied, 5
    E2 aa-takestan  ind 7 web    result 200 min  breached  escalated to provincial, dissatisfied 2, reopened
    E3 aa-ziaran    ind 3 phone  rejected out of scope     (the village office)
    E4 bb-takestan  ind 5 app    result 120 min            registered 23:50 on the last day of Esfand, Tehran
    """
    async with transaction(sessions) as session:
        session.add_all(
            [
                case_row("E1", tehran(1403, 12, 10), result_minutes=60, satisfied=True, rating=5),
                case_row(
                    "E2",
                    tehran(1403, 12, 15),
                    channel="web",
                    result_minutes=200,
                    breached=True,
                    satisfied=False,
                    rating=2,
                    reopened=True,
                    level="provincial",
                    escalated_to=("provincial",),
                ),
                case_row("E3", tehran(1403, 12, 20), unit="aa-ziaran", indicator=3, status="rejected"),
                case_row("E4", LAST_OF_ESFAND_2350, unit="bb-takestan", indicator=5, channel="app", result_minutes=120),
                case_row("F1", NEW_YEAR_0005, unit="bb-takestan", result_minutes=30),
                case_row("B1", tehran(1403, 11, 5), result_minutes=30, satisfied=True, rating=4),
            ]
        )


def event_row(
    code: str,
    seq: int,
    kind: str,
    at: datetime,
    *,
    level: str | None = None,
    actor: str = "system",
    role: str = "system",
) -> CaseEventRow:
    return CaseEventRow(
        tracking_code=code,
        seq=seq,
        kind=kind,
        at=at,
        step="handling",
        actor_username=actor,
        actor_role=role,
        level=level,
        data={},
    )
