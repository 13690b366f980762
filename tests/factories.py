"""What tests are made of: the demo office and citizen of the shipped reference data, the intake body they file,
a small four-level unit tree of a test agency, and CaseStart inputs for workflows started directly."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from database.models import Agency, County, Province, Unit
from database.sessions import transaction
from infra.settings import Settings
from schemas.actions import ReviewInput
from schemas.case import Actor, CaseStart, Citizen, UnitRef
from schemas.enums import Channel, Indicator, Level, ReviewDecision, Role
from schemas.policy import Policy

# A county office of the Social Security Organization in Takestan (Qazvin), its parent, and the citizen; the
# demo users (refdata/demo_users.json) all have PASSWORD.
OFFICE = "sso-qazvin-takestan"
PROVINCIAL = "sso-qazvin"
NATIONAL_CODE = "0499370899"
MOBILE = "09121234567"
FULL_NAME = "مریم احمدی"
DESCRIPTION = "کارمند باجه مستمری ساعت ۱۱ در محل نبود و جایگزینی هم نداشت"
PASSWORD = "foad-demo-128"


def complaint(**overrides: Any) -> dict[str, Any]:
    """The body of POST /complaints: the citizen above, about the office above, an incident half an hour ago."""
    body = {
        "national_code": NATIONAL_CODE,
        "mobile": MOBILE,
        "full_name": FULL_NAME,
        "channel": "phone",
        "indicator": 7,
        "unit_id": OFFICE,
        "description": DESCRIPTION,
        "incident_at": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(),
    }
    return body | overrides


AGENCY = "tst"
CHAIN = [
    UnitRef(id="tst-county", name_fa="شعبه آزمایشی تاکستان", level=Level.COUNTY),
    UnitRef(id="tst-province", name_fa="اداره کل آزمایشی قزوین", level=Level.PROVINCIAL),
    UnitRef(id="tst-org", name_fa="سازمان آزمایشی", level=Level.SUBORDINATE),
    UnitRef(id="tst-hq", name_fa="ستاد آزمایشی", level=Level.NATIONAL),
]
OPERATOR = Actor(username="operator1", role=Role.OPERATOR, user_id=1)
SENIOR = Actor(username="tst-senior", role=Role.SENIOR_COORDINATOR, user_id=2)
UNIT_COORDINATOR = Actor(username="tst-county-coord", role=Role.UNIT_COORDINATOR, user_id=3)


def default_policy(**overrides) -> Policy:
    policy = Settings().policy()
    return policy.model_copy(update=overrides)


async def seed_test_units(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with transaction(sessions) as session:
        for row in (
            Province(code="IR-26", name_fa="قزوین", name_en="Qazvin"),
            County(code="IR-26-takestan", province_code="IR-26", name_fa="تاکستان", name_en="Takestan"),
            Agency(id=AGENCY, name_fa="دستگاه آزمایشی", name_en="Test agency"),
        ):
            session.add(row)
            await session.flush()
        parent = None
        for ref in reversed(CHAIN):
            session.add(
                Unit(
                    id=ref.id,
                    agency_id=AGENCY,
                    parent_id=parent,
                    level=ref.level.value,
                    name_fa=ref.name_fa,
                    name_en=ref.id,
                    province_code="IR-26",
                    county_code="IR-26-takestan" if ref.level is Level.COUNTY else None,
                )
            )
            await session.flush()
            parent = ref.id


def new_tracking_code() -> str:
    return str(uuid.uuid4().int)[:11]


def case_start(
    policy: Policy | None = None,
    *,
    tracking_code: str | None = None,
    registered_at: datetime | None = None,
    **fields: Any,
) -> CaseStart:
    """registered_at should come from the server's clock: the time-skipping server's runs far ahead. `fields` set
    more of CaseStart (the contact's triage, say)."""
    registered_at = registered_at or datetime.now(UTC)
    return CaseStart(
        tracking_code=tracking_code or new_tracking_code(),
        registered_at=registered_at,
        channel=Channel.PHONE,
        indicator=Indicator.STAFF_ABSENCE,
        agency_id=AGENCY,
        agency_name_fa="دستگاه آزمایشی",
        office=CHAIN[0],
        office_chain=CHAIN,
        province_code="IR-26",
        county_code="IR-26-takestan",
        citizen=Citizen(national_code=NATIONAL_CODE, mobile=MOBILE, full_name=FULL_NAME),
        description="کارمند باجه ساعت ۱۱ در محل نبود و جایگزینی هم نداشت",
        incident_at=registered_at - timedelta(minutes=30),
        filed_by=OPERATOR,
        policy=policy or default_policy(),
        **fields,
    )


def accept(chain: list[UnitRef] = CHAIN, order: str = "با واحد تماس بگیرید و کارمند جایگزین بفرستید") -> ReviewInput:
    return ReviewInput(actor=SENIOR, decision=ReviewDecision.ACCEPT, action_order=order, chain=chain)
