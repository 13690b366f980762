"""The reference data and demo users load completely, idempotently, and refuse bad records by name.

Runs on a migrated SQLite file; also on PostgreSQL (a throwaway database per test) when
FOAD_TEST_POSTGRES_URL names a server, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/postgres.
"""

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cli.seed import SeedError, seed
from database.models import Agency, County, Province, Unit, User, UserUnit
from database.refdata import unit_chain
from database.sessions import transaction
from infra.passwords import hash_password, verify_password
from schemas.enums import LEVELS, Level, Role
from tests import REFDATA, ROOT
from tests.dbutil import migrate
from tests.factories import PASSWORD

PILOT_PROVINCES = {"IR-26": 6, "IR-30": 7, "IR-23": 16}  # Qazvin, Alborz, Tehran: their number of counties


async def _counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with transaction(sessions) as session:
        return {
            model.__tablename__: await session.scalar(select(func.count()).select_from(model))
            for model in (Province, County, Agency, Unit, User, UserUnit)
        }


def _extra(tmp_path: Path, content: dict) -> Path:
    path = tmp_path / "extra.json"
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return path


async def test_seed_loads_all_provinces_and_every_pilot_county(db):
    await seed(db, REFDATA, demo_users=False)

    async with transaction(db) as session:
        provinces = {p.code: p for p in await session.scalars(select(Province))}
        counties = list(await session.scalars(select(County)))
    assert len(provinces) == 31
    assert provinces["IR-26"].name_en == "Qazvin" and provinces["IR-30"].name_fa == "البرز"
    for code, number in PILOT_PROVINCES.items():
        assert len([c for c in counties if c.province_code == code]) == number
    names = {c.name_fa for c in counties}
    assert {"بوئین\u200cزهرا", "رباط\u200cکریم", "ساوجبلاغ", "شمیرانات", "فیروزکوه"} <= names


async def test_every_county_unit_reaches_a_national_unit_through_each_level(db):
    await seed(db, REFDATA, demo_users=False)

    async with transaction(db) as session:
        county_units = list(await session.scalars(select(Unit).where(Unit.level == Level.COUNTY)))
        agencies = list(await session.scalars(select(Agency.id)))
        for unit in county_units:
            chain = await unit_chain(session, unit.id)
            assert [Level(u.level) for u in chain] == list(LEVELS), unit.id
            assert {u.agency_id for u in chain} == {unit.agency_id}, unit.id
            assert unit.county_code is not None and unit.province_code == chain[1].province_code, unit.id
    assert len(agencies) >= 3
    for agency in agencies:
        for province in PILOT_PROVINCES:
            offices = [u for u in county_units if u.agency_id == agency and u.province_code == province]
            assert len(offices) >= 3, (agency, province)
    assert any(u.village for u in county_units)


async def test_rerun_changes_nothing_and_keeps_changed_passwords(db):
    first = await seed(db, REFDATA)
    assert first.changed and first.added["units"] > 0
    before = await _counts(db)
    async with transaction(db) as session:
        await session.execute(
            update(User).where(User.username == "operator1").values(password_hash=hash_password("changed-by-her"))
        )

    again = await seed(db, REFDATA)

    assert not again.changed and str(again) == "nothing changed"
    assert await _counts(db) == before
    async with transaction(db) as session:
        operator = await session.scalar(select(User).where(User.username == "operator1"))
    assert verify_password("changed-by-her", operator.password_hash)


async def test_a_row_edited_in_the_database_is_updated_from_the_files(db):
    await seed(db, REFDATA, demo_users=False)
    async with transaction(db) as session:
        await session.execute(update(Unit).where(Unit.id == "sso-qazvin").values(name_en="Renamed"))

    report = await seed(db, REFDATA, demo_users=False)

    assert dict(+report.updated) == {"units": 1} and not +report.added
    async with transaction(db) as session:
        assert (await session.get(Unit, "sso-qazvin")).name_en.startswith("Qazvin")


async def test_an_extra_file_adds_units_to_an_existing_agency(db, tmp_path):
    await seed(db, REFDATA, demo_users=False)
    sso = next(a for a in json.loads((REFDATA / "agencies.json").read_text("utf-8"))["agencies"] if a["id"] == "sso")
    office = {
        "id": "sso-qazvin-avaj",
        "level": "county",
        "parent_id": "sso-qazvin",
        "county_code": "IR-26-avaj",
        "name_fa": "شعبه تأمین اجتماعی آوج",
        "name_en": "Avaj Social Security Branch",
    }
    extra = _extra(tmp_path, {"agencies": [{**sso, "units": [office]}]})

    report = await seed(db, REFDATA, [extra], demo_users=False)

    assert dict(+report.added) == {"units": 1} and not +report.updated
    async with transaction(db) as session:
        added = await session.get(Unit, "sso-qazvin-avaj")
    assert added is not None and added.province_code == "IR-26" and added.agency_id == "sso"
    assert not (await seed(db, REFDATA, [extra], demo_users=False)).changed


def _tree() -> list[dict]:
    names = {"name_fa": "واحد آزمایشی", "name_en": "Test unit"}
    return [
        {"id": "t-national", "level": "national", **names},
        {"id": "t-sub", "level": "subordinate", "parent_id": "t-national", **names},
        {"id": "t-qazvin", "level": "provincial", "parent_id": "t-sub", "province_code": "IR-26", **names},
        {"id": "t-qazvin-avaj", "level": "county", "parent_id": "t-qazvin", "county_code": "IR-26-avaj", **names},
    ]


def _with(index: int, **changes) -> list[dict]:
    tree = copy.deepcopy(_tree())
    tree[index].update(changes)
    return [{k: v for k, v in unit.items() if v is not None} for unit in tree]


BAD_UNITS = {
    "unknown parent": (_with(3, parent_id="t-nowhere"), "unit 't-qazvin-avaj'", "unknown parent 't-nowhere'"),
    "parent two levels up": (_with(3, parent_id="t-sub"), "unit 't-qazvin-avaj'", "not a provincial unit"),
    "county unit without county": (_with(3, county_code=None), "unit 't-qazvin-avaj'", "needs a county_code"),
    "unknown province": (_with(2, province_code="IR-99"), "unit 't-qazvin'", "unknown province 'IR-99'"),
    "unknown county": (_with(3, county_code="IR-26-nowhere"), "unit 't-qazvin-avaj'", "unknown county"),
    "duplicate id": (_tree() + [_with(3, name_en="Other")[3]], "unit 't-qazvin-avaj'", "defined again"),
    "bad level": (_with(1, level="regional"), "unit 't-sub'", "level"),
}


@pytest.mark.parametrize("case", BAD_UNITS)
async def test_a_bad_unit_is_refused_by_name_and_nothing_is_written(db, tmp_path, case):
    units, record, reason = BAD_UNITS[case]
    extra = _extra(tmp_path, {"agencies": [{"id": "t", "name_fa": "آزمون", "name_en": "Test", "units": units}]})

    with pytest.raises(SeedError) as refused:
        await seed(db, REFDATA, [extra])

    assert any(record in problem and reason in problem for problem in refused.value.problems), refused.value
    assert set((await _counts(db)).values()) == {0}


@pytest.mark.parametrize(
    ("content", "record", "reason"),
    [
        (
            {"users": [{"username": "bob", "full_name": "B", "role": "superuser", "password": "p"}]},
            "user 'bob'",
            "role",
        ),
        ({"users": [{"username": "bob", "full_name": "B", "role": "operator"}]}, "user 'bob'", "needs a password"),
        (
            {
                "users": [
                    {
                        "username": "bob",
                        "full_name": "B",
                        "role": "unit_coordinator",
                        "agency_id": "sso",
                        "units": ["nigc-qazvin"],
                        "password": "p",
                    }
                ]
            },
            "user 'bob'",
            "belongs to agency 'nigc'",
        ),
        (
            {"counties": [{"code": "IR-99-x", "province_code": "IR-99", "name_fa": "ایکس", "name_en": "X"}]},
            "county 'IR-99-x'",
            "unknown province 'IR-99'",
        ),
        (
            {"provinces": [{"code": "IR-26", "name_fa": "قزوین", "name_en": "Kazvin"}]},
            "province 'IR-26'",
            "differently",
        ),
    ],
)
async def test_other_bad_records_are_refused_by_name(db, tmp_path, content, record, reason):
    with pytest.raises(SeedError) as refused:
        await seed(db, REFDATA, [_extra(tmp_path, content)])

    assert any(record in problem and reason in problem for problem in refused.value.problems), refused.value


async def test_demo_users_cover_every_role_with_the_documented_password(db):
    await seed(db, REFDATA)

    async with transaction(db) as session:
        users = {u.username: u for u in await session.scalars(select(User))}
        memberships = {(m.user_id, m.unit_id) for m in await session.scalars(select(UserUnit))}
        chain = await unit_chain(session, "sso-qazvin-takestan")
        tehran_county = await session.get(Unit, "sso-tehran-eslamshahr")
    assert {u.role for u in users.values()} == set(Role) - {Role.CITIZEN, Role.SYSTEM}
    assert all(verify_password(PASSWORD, u.password_hash) and u.active for u in users.values())
    assert {"operator1", "admin", "auditor", "sso-senior"} <= set(users)
    assert users["sso-senior"].role == Role.SENIOR_COORDINATOR and users["sso-senior"].agency_id == "sso"
    coordinated = {unit_id for _, unit_id in memberships}
    assert [u.id for u in chain if u.id in coordinated] == [u.id for u in chain]  # one at each of the four levels
    assert tehran_county is not None and tehran_county.id in coordinated


async def test_without_demo_users_no_user_is_created(db):
    report = await seed(db, REFDATA, demo_users=False)

    assert report.added["users"] == 0 and (await _counts(db))["users"] == 0


def test_the_command_seeds_then_reports_nothing_changed(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    migrate(url)
    env = os.environ | {"FOAD_DATABASE_URL": url}
    command = [sys.executable, "-m", "cli.seed", "--data-dir", str(REFDATA)]

    first = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    second = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=True)

    assert "provinces: 31 added" in first.stdout
    assert second.stdout.strip() == "nothing changed"
