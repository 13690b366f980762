"""Fill the read model with a synthetic history: N closed cases over M Jalali months across the seeded units.

    python -m cli.generate --cases 20000 --months 12 [--seed 7] [--end 1404-08]

Needs the reference data (python -m cli.seed). The mixes look like life, not like a uniform die: complaints
come in office hours, a few offices collect many more than the rest (some hotspots), staff absence and
postponement are the commonest indicators, most cases are handled at the county level within the 3 hours,
some escalate and a few breach, about two in three citizens answer the feedback question. Each case gets
the events reports read (registration, review, escalations, result). Rows go in with COPY on PostgreSQL and
in batches on SQLite. Tracking codes are `G<seed><number>`: rerun with another --seed to add more.
"""

import argparse
import asyncio
import random
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from database.models import Case, CaseEventRow, Unit
from database.sessions import create_engine
from infra.settings import get_settings
from schemas.enums import LEVELS
from timekeeping.jalali import jalali_period, month_bounds, previous_month

INDICATOR_WEIGHTS = [7, 6, 10, 13, 12, 17, 29, 6]  # 1..8: staff absence (7) and postponement (6) lead
CHANNELS = (("phone", 70), ("web", 20), ("app", 10))
ESCALATIONS = ((0, 76), (1, 14), (2, 6), (3, 4))
HOUR_WEIGHTS = {7: 4, 8: 12, 9: 16, 10: 16, 11: 15, 12: 12, 13: 10, 14: 6, 15: 3, 16: 2, 17: 1, 20: 1, 22: 1}
CASE_COLUMNS = [c.name for c in Case.__table__.columns]
# What COPY writes for a column the generator leaves out (the triage columns added since): its scalar default.
CASE_DEFAULTS = {
    c.name: c.default.arg if c.default is not None and c.default.is_scalar else None for c in Case.__table__.columns
}
EVENT_COLUMNS = [c.name for c in CaseEventRow.__table__.columns if c.name != "id"]


def _pick(rng: random.Random, pairs) -> object:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def _registered_at(rng: random.Random, start: datetime, end: datetime) -> datetime:
    day = start + timedelta(days=rng.randrange(max(1, (end - start).days)))
    hour = _pick(rng, HOUR_WEIGHTS.items())
    return day + timedelta(hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))


def _case(rng: random.Random, code: str, unit: dict, registered_at: datetime) -> tuple[dict, list[dict]]:
    """One closed (or rejected) case and its events, with plausible times and feedback."""
    event = lambda seq, kind, at, level=None, actor="system", role="system": {  # noqa: E731
        "tracking_code": code,
        "seq": seq,
        "kind": kind,
        "at": at,
        "step": "handling",
        "actor_username": actor,
        "actor_role": role,
        "level": level,
        "unit_id": unit["id"],
        "task_id": None,
        "note": None,
        "data": {},
    }
    senior = f"{unit['agency_id']}-senior"
    review_at = registered_at + timedelta(minutes=rng.lognormvariate(2.3, 0.6))
    events = [event(1, "registered", registered_at, actor="operator1", role="operator")]
    row = {
        "tracking_code": code,
        "workflow_id": f"complaint-{code}",
        "agency_id": unit["agency_id"],
        "office_unit_id": unit["id"],
        "province_code": unit["province_code"],
        "county_code": unit["county_code"],
        "indicator": rng.choices(range(1, 9), INDICATOR_WEIGHTS)[0],
        "channel": _pick(rng, CHANNELS),
        "citizen_national_code": "0000000000",
        "citizen_mobile": "09120000000",
        "citizen_name": "شهروند نمونه",
        "description": "داده ساختگی برای آزمون گزارش‌ها",
        "employee_name": None,
        "incident_at": registered_at - timedelta(minutes=rng.randrange(10, 90)),
        "registered_at": registered_at,
        "filed_by": "operator1",
        "step": "feedback",
        "due_at": registered_at + timedelta(hours=3),
        "breached": False,
        "breached_at": None,
        "escalations": 0,
        "reopened": False,
        "action_order": None,
        "referral_note": None,
        "outcome": None,
        "outcome_note": None,
        "result_note": None,
        "result_approved_at": None,
        "satisfied": None,
        "rating": None,
        "level": "county",
        "unit_id": unit["id"],
        "result_seconds": None,
        "escalated_provincial": 0,
        "escalated_subordinate": 0,
        "escalated_national": 0,
        "sla_mode": "wall_clock",
        "paused_since": None,
        "deadline": None,
    }
    if rng.random() < 0.07:
        events.append(event(2, "rejected", review_at, actor=senior, role="senior_coordinator"))
        row |= {"status": "rejected", "step": "review", "level": None, "closed_at": review_at}
    else:
        events.append(event(2, "review_accepted", review_at, level="county", actor=senior, role="senior_coordinator"))
        escalations = _pick(rng, ESCALATIONS)
        at = review_at
        for n in range(escalations):
            at += timedelta(minutes=rng.uniform(30, 60))
            events.append(event(3 + n, "escalated", at, level=LEVELS[n + 1].value))
        approved = at + timedelta(minutes=rng.lognormvariate(3.9 + 0.25 * escalations, 0.55))
        seconds = int((approved - registered_at).total_seconds())
        breached = seconds > 3 * 3600
        events.append(
            event(
                3 + escalations,
                "result_approved",
                approved,
                level=LEVELS[escalations].value,
                actor=senior,
                role="senior_coordinator",
            )
        )
        answered = rng.random() < 0.68
        satisfied = answered and rng.random() < (0.85 if not breached else 0.45)
        rating = (rng.choice((4, 5, 5)) if satisfied else rng.choice((1, 2, 2, 3))) if answered else None
        row |= {f"escalated_{level.value}": 1 for level in LEVELS[1 : escalations + 1]}
        row |= {
            "status": "closed",
            "level": LEVELS[escalations].value,
            "escalations": escalations,
            "breached": breached,
            "breached_at": registered_at + timedelta(hours=3) if breached else None,
            "result_approved_at": approved,
            "result_seconds": seconds,
            "satisfied": satisfied if answered else None,
            "rating": rating,
            "reopened": answered and not satisfied and rng.random() < 0.3,
            "closed_at": approved + timedelta(days=1),
        }
    row["jalali_year"], row["jalali_month"] = jalali_period(registered_at)
    row["last_seq"], row["updated_at"] = len(events), row["closed_at"]
    return row, events


def synthetic_cases(
    units: list[dict], *, cases: int, months: int, end: tuple[int, int], seed: int
) -> Iterator[tuple[dict, list[dict]]]:
    """Month by month, oldest first, in time order within a month: rows land on disk as a live system
    writes them, so a month's cases sit together (what the report queries' plans rely on)."""
    rng = random.Random(seed)
    weights = [rng.paretovariate(1.2) for _ in units]  # a few offices collect far more than the rest
    periods = [end]
    while len(periods) < months:
        periods.append(previous_month(*periods[-1]))
    periods.reverse()
    growth = [1 + 0.5 * i / max(months - 1, 1) for i in range(months)]  # the system grows as it spreads
    shares = [cases * g / sum(growth) for g in growth]
    number = 0
    for index, period in enumerate(periods):
        count = cases - number if index == months - 1 else round(sum(shares[: index + 1])) - number
        start, stop = month_bounds(*period)
        moments = sorted(_registered_at(rng, start, stop) for _ in range(count))
        for registered_at in moments:
            unit = rng.choices(units, weights)[0]
            yield _case(rng, f"G{seed}{number:09d}", unit, registered_at)
            number += 1


async def county_units(engine: AsyncEngine) -> list[dict]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(Unit.id, Unit.agency_id, Unit.province_code, Unit.county_code).where(Unit.level == "county")
        )
        return [dict(row._mapping) for row in rows]


async def _write(engine: AsyncEngine, case_rows: list[dict], event_rows: list[dict]) -> None:
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            raw = (await connection.get_raw_connection()).driver_connection
            await raw.copy_records_to_table(
                "cases",
                columns=CASE_COLUMNS,
                records=[tuple(r.get(c, CASE_DEFAULTS[c]) for c in CASE_COLUMNS) for r in case_rows],
            )
            records = [tuple("{}" if c == "data" else r[c] for c in EVENT_COLUMNS) for r in event_rows]
            await raw.copy_records_to_table("case_events", columns=EVENT_COLUMNS, records=records)
        else:
            await connection.execute(insert(Case), case_rows)
            await connection.execute(insert(CaseEventRow), event_rows)


async def generate(
    engine: AsyncEngine,
    *,
    cases: int,
    months: int,
    end: tuple[int, int],
    seed: int,
    batch: int = 20_000,
    progress=print,
) -> int:
    units = await county_units(engine)
    if not units:
        raise SystemExit("no county units: load the reference data first (python -m cli.seed)")
    case_rows: list[dict] = []
    event_rows: list[dict] = []
    written = 0
    for row, events in synthetic_cases(units, cases=cases, months=months, end=end, seed=seed):
        case_rows.append(row)
        event_rows.extend(events)
        if len(case_rows) >= batch:
            await _write(engine, case_rows, event_rows)
            written += len(case_rows)
            progress(f"  {written:,} cases")
            case_rows, event_rows = [], []
    if case_rows:
        await _write(engine, case_rows, event_rows)
        written += len(case_rows)
    return written


def _month(text: str) -> tuple[int, int]:
    year, month = text.split("-")
    return int(year), int(month)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--end", type=_month, help="last Jalali month, YYYY-MM (default: the month before this)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None, help="default: FOAD_DATABASE_URL")
    args = parser.parse_args(argv)
    end = args.end or previous_month(*jalali_period(datetime.now().astimezone()))

    async def run() -> int:
        engine = create_engine(args.database_url or get_settings().database_url)
        try:
            return await generate(engine, cases=args.cases, months=args.months, end=end, seed=args.seed)
        finally:
            await engine.dispose()

    written = asyncio.run(run())
    print(f"{written:,} cases over {args.months} months ending {end[0]}-{end[1]:02d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
