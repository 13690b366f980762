"""Load reference data (provinces, counties, agencies with their unit trees, referral targets) and demo users.

    python -m cli.seed [--data-dir refdata] [--file extra.json ...] [--no-demo-users]

Every file has the shape of `SeedFile` (see refdata/). Rows are upserted by primary key, users by username: a
rerun changes nothing, a file with more units adds them, an existing user keeps its password, active flag and
memberships. Files and database are checked together before anything is written; a bad record stops the load
with a message that names it.
"""

import argparse
import asyncio
import json
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from database.models import Agency, County, Province, ReferralTargetRow, Unit, User, UserUnit
from database.sessions import create_engine, sessionmaker, transaction
from infra.passwords import hash_password
from infra.settings import get_settings
from schemas.enums import LEVELS, Level, Role

REFDATA_FILES = ("provinces.json", "counties.json", "agencies.json", "referral_targets.json")
DEMO_USERS_FILE = "demo_users.json"
TABLES = ("provinces", "counties", "agencies", "units", "users", "user_units", "referral_targets")
SECTIONS = {  # section: (what one record is called, its key)
    "provinces": ("province", "code"),
    "counties": ("county", "code"),
    "agencies": ("agency", "id"),
    "units": ("unit", "id"),
    "users": ("user", "username"),
    "referral_targets": ("referral target", "id"),
}

# Tables the centre admin edits through the API: the seed adds their missing entries and changes no existing one.
ADMIN_EDITED = frozenset({"referral_targets"})

Name = Annotated[str, Field(min_length=1, max_length=200)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
StaffRole = Literal[
    "operator", "senior_coordinator", "unit_coordinator", "inspector", "auditor", "admin", "working_group"
]


class SeedError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("reference data refused, nothing written:\n" + "\n".join(f"  - {p}" for p in problems))


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Named(_Record):
    name_fa: Name
    name_en: Name


class ProvinceIn(_Named):
    code: Annotated[str, Field(min_length=1, max_length=16)]


class CountyIn(_Named):
    code: Annotated[str, Field(min_length=1, max_length=32)]
    province_code: str


class UnitIn(_Named):
    """A unit, written inside its agency; a county unit's `province_code` may be left out (its county's)."""

    id: Slug
    level: Level
    parent_id: str | None = None
    province_code: str | None = None
    county_code: str | None = None
    village: Annotated[str, Field(max_length=100)] | None = None
    agency_id: str = ""  # taken from the enclosing agency


class AgencyIn(_Named):
    id: Annotated[Slug, Field(max_length=32)]
    units: list[UnitIn] = []


class UserIn(_Record):
    username: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=64)]
    full_name: Name
    role: StaffRole  # every Role but citizen and system, which are no accounts
    agency_id: str | None = None
    units: list[str] = []
    password: str | None = None


class ReferralTargetSeed(_Record):
    """An entry of the referral registry (schemas.referral): a phone number or an address, or both."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=32)]
    name_fa: Name
    phone: Annotated[str, Field(max_length=32)] | None = None
    address_fa: Annotated[str, Field(max_length=300)] | None = None
    handles_fa: Annotated[str, Field(max_length=300)] = ""
    position: int = 0


class SeedFile(_Record):
    """One file: any of the sections; `default_password` is for the file's users that give none."""

    about: str | None = None
    default_password: str | None = None
    provinces: list[ProvinceIn] = []
    counties: list[CountyIn] = []
    agencies: list[AgencyIn] = []
    users: list[UserIn] = []
    referral_targets: list[ReferralTargetSeed] = []


@dataclass
class _Bundle:
    """Every record of every file by section and key, and the file each came from."""

    records: dict[str, dict[str, Any]] = field(default_factory=lambda: {s: {} for s in SECTIONS})
    where: dict[tuple[str, str], str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, section: str, record: Any, source: str) -> None:
        """A record may be repeated unchanged (an agency, say, to add units to it in another file)."""
        key = getattr(record, SECTIONS[section][1])
        seen = self.records[section].get(key)
        if seen is not None and seen.model_dump(exclude={"units"}) != record.model_dump(exclude={"units"}):
            self.problems.append(f"{self.name(section, key)}: defined again, differently, in {source}")
        elif seen is None:
            self.records[section][key] = record
            self.where[section, key] = source

    def name(self, section: str, key: str) -> str:
        return f"{SECTIONS[section][0]} {key!r} ({self.where[section, key]})"


@dataclass
class SeedReport:
    added: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(+self.added or +self.updated)

    def __str__(self) -> str:
        if not self.changed:
            return "nothing changed"
        return "\n".join(f"{t}: {self.added[t]} added, {self.updated[t]} updated" for t in TABLES)


def _located(doc: Any, loc: tuple[int | str, ...]) -> str:
    """Names the innermost record an error is in by its key, then the field: "unit 'sso-x': level"."""
    label, start, node = "", 0, doc
    for i, part in enumerate(loc):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(part, int) and i > 0 and loc[i - 1] in SECTIONS:
            kind, key_field = SECTIONS[str(loc[i - 1])]
            key = node.get(key_field) if isinstance(node, dict) else None
            label, start = (f"{kind} {key!r}" if key else f"{kind} #{part + 1}"), i + 1
    place = ".".join(str(p) for p in loc[start:]) or "record"
    return f"{label}: {place}" if label else place


def _read(path: Path, bundle: _Bundle) -> None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        content = SeedFile.model_validate(doc)
    except (OSError, json.JSONDecodeError) as exc:
        bundle.problems.append(f"{path}: cannot read: {exc}")
        return
    except ValidationError as exc:
        bundle.problems += [f"{path.name}: {_located(doc, e['loc'])}: {e['msg']}" for e in exc.errors()]
        return
    units = [unit.model_copy(update={"agency_id": a.id}) for a in content.agencies for unit in a.units]
    for user in content.users:
        user.password = user.password or content.default_password
    for section in SECTIONS:
        for record in units if section == "units" else getattr(content, section):
            bundle.add(section, record, path.name)


async def _check(session: AsyncSession, b: _Bundle) -> None:
    """Every reference resolves, in the files or in the database; each parent is exactly one level up."""
    new = b.records
    provinces = set(await session.scalars(select(Province.code))) | set(new["provinces"])
    counties = {c.code: c.province_code for c in await session.scalars(select(County))}
    counties |= {code: c.province_code for code, c in new["counties"].items()}
    agencies = set(await session.scalars(select(Agency.id))) | set(new["agencies"])
    usernames = set(await session.scalars(select(User.username)))
    units: dict[str, Any] = {u.id: u for u in await session.scalars(select(Unit))} | new["units"]
    for unit in new["units"].values():
        if unit.province_code is None and unit.county_code in counties:
            unit.province_code = counties[unit.county_code]

    for code, county in new["counties"].items():
        if county.province_code not in provinces:
            b.problems.append(f"{b.name('counties', code)}: unknown province {county.province_code!r}")
    for uid, unit in new["units"].items():
        found = _unit_problems(unit, units.get(unit.parent_id or ""), counties, provinces)
        b.problems += [f"{b.name('units', uid)}: {problem}" for problem in found]
    for username, user in new["users"].items():
        found = _user_problems(user, units, agencies, is_new=username not in usernames)
        b.problems += [f"{b.name('users', username)}: {problem}" for problem in found]
    for target_id, target in new["referral_targets"].items():
        if not (target.phone or target.address_fa):
            b.problems.append(f"{b.name('referral_targets', target_id)}: needs a phone or an address_fa")


def _unit_problems(unit: UnitIn, parent: Any, counties: dict[str, str], provinces: set[str]) -> Iterator[str]:
    if unit.county_code is not None and unit.county_code not in counties:
        yield f"unknown county {unit.county_code!r}"
    elif unit.county_code is not None and counties[unit.county_code] != unit.province_code:
        yield f"county {unit.county_code!r} is not in province {unit.province_code!r}"
    if unit.province_code is not None and unit.province_code not in provinces:
        yield f"unknown province {unit.province_code!r}"
    if unit.level == Level.COUNTY and unit.county_code is None:
        yield "a county unit needs a county_code"
    if unit.level == Level.PROVINCIAL and unit.province_code is None:
        yield "a provincial unit needs a province_code"
    if unit.level == Level.NATIONAL:
        if unit.parent_id is not None:
            yield "a national unit has no parent"
        return
    above = LEVELS[unit.level.rank + 1]
    if unit.parent_id is None:
        yield f"a {unit.level} unit needs a parent at level {above}"
    elif parent is None:
        yield f"unknown parent {unit.parent_id!r}"
    elif (parent.level, parent.agency_id) != (above, unit.agency_id):
        expected = f"a {above} unit of {unit.agency_id!r}"
        yield f"parent {parent.id!r} is a {parent.level} unit of {parent.agency_id!r}, not {expected}"
    elif unit.level == Level.COUNTY and unit.province_code and parent.province_code != unit.province_code:
        yield f"parent {parent.id!r} is in province {parent.province_code!r}, not {unit.province_code!r}"


def _user_problems(user: UserIn, units: dict[str, Any], agencies: set[str], is_new: bool) -> Iterator[str]:
    if user.agency_id is not None and user.agency_id not in agencies:
        yield f"unknown agency {user.agency_id!r}"
    if user.role in (Role.SENIOR_COORDINATOR, Role.UNIT_COORDINATOR) and user.agency_id is None:
        yield f"a {user.role} needs an agency_id"
    if user.role == Role.UNIT_COORDINATOR and not user.units:
        yield "a unit_coordinator needs at least one unit"
    for unit_id in user.units:
        if unit_id not in units:
            yield f"unknown unit {unit_id!r}"
        elif user.agency_id is not None and units[unit_id].agency_id != user.agency_id:
            yield f"unit {unit_id!r} belongs to agency {units[unit_id].agency_id!r}, not {user.agency_id!r}"
    if is_new and not user.password:
        yield "a new user needs a password (or the file's default_password)"


def _apply(row: Any, values: dict[str, Any]) -> bool:
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    for k, v in changed.items():
        setattr(row, k, v)
    return bool(changed)


async def _write(session: AsyncSession, b: _Bundle) -> SeedReport:
    """Tables in dependency order, units national first; each group is flushed before the next refers to it."""
    report, records = SeedReport(), {section: list(found.values()) for section, found in b.records.items()}
    groups = [(table, model, records[table]) for table, model in (("provinces", Province), ("counties", County))]
    groups += [("agencies", Agency, records["agencies"])]
    groups += [("units", Unit, [u for u in records["units"] if u.level == level]) for level in reversed(LEVELS)]
    groups += [("referral_targets", ReferralTargetRow, records["referral_targets"])]
    for table, model, group in groups:
        for record in group:
            values = record.model_dump(mode="json", exclude={"units"})
            row = await session.get(model, values[SECTIONS[table][1]])
            if row is None:
                session.add(model(**values))
                report.added[table] += 1
            elif table in ADMIN_EDITED:
                continue  # the centre admin's changes to an entry stand
            elif _apply(row, values):
                report.updated[table] += 1
        await session.flush()

    users = records["users"]
    existing = {u.username: u for u in await session.scalars(select(User))}
    new = [u for u in users if u.username not in existing]
    hashes = await asyncio.gather(*(asyncio.to_thread(hash_password, u.password or "") for u in new))
    hash_of = dict(zip((u.username for u in new), hashes, strict=True))
    for user_in in users:
        profile = {"full_name": user_in.full_name, "role": user_in.role, "agency_id": user_in.agency_id}
        if (user := existing.get(user_in.username)) is None:
            user = existing[user_in.username] = User(
                username=user_in.username, password_hash=hash_of[user_in.username], active=True, **profile
            )
            session.add(user)
            report.added["users"] += 1
        elif _apply(user, profile):  # a new role or agency: what it was allowed before ends with its sessions
            user.session_generation = (user.session_generation or 0) + 1
            report.updated["users"] += 1
    await session.flush()
    for user_in in users:
        user_id = existing[user_in.username].id
        for unit_id in user_in.units:
            if await session.get(UserUnit, (user_id, unit_id)) is None:
                session.add(UserUnit(user_id=user_id, unit_id=unit_id))
                report.added["user_units"] += 1
                if user_in.username not in hash_of:  # an existing account's units changed
                    existing[user_in.username].session_generation += 1
    await session.flush()
    return report


async def seed(
    sessions: async_sessionmaker[AsyncSession],
    data_dir: Path,
    extra_files: Sequence[Path] = (),
    demo_users: bool = True,
) -> SeedReport:
    """Load data_dir's files (its demo users unless told not to), then extra_files, in one transaction."""
    files = [data_dir / name for name in REFDATA_FILES] + ([data_dir / DEMO_USERS_FILE] if demo_users else [])
    bundle = _Bundle()
    for path in [*files, *extra_files]:
        _read(Path(path), bundle)
    async with transaction(sessions) as session:
        if not bundle.problems:
            await _check(session, bundle)
        if bundle.problems:
            raise SeedError(bundle.problems)
        return await _write(session, bundle)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.seed", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("refdata"), help="folder of the shipped files")
    parser.add_argument("--file", type=Path, action="append", default=[], help="another file in the same shape")
    parser.add_argument("--no-demo-users", action="store_true", help=f"do not load {DEMO_USERS_FILE}")
    args = parser.parse_args(argv)

    async def run() -> SeedReport:
        engine = create_engine(get_settings().database_url)
        try:
            return await seed(sessionmaker(engine), args.data_dir, args.file, demo_users=not args.no_demo_users)
        finally:
            await engine.dispose()

    try:
        print(asyncio.run(run()))
    except SeedError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
