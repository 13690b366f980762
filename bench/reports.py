"""Benchmark of the report queries on PostgreSQL, run by hand (not a timed test):

    .venv/bin/python -m bench.reports --cases 1000000 --months 24
    .venv/bin/python -m bench.reports --no-load          # time the queries of a database loaded before

It creates the database (default foad_bench on the local server) if missing, migrates it, loads the
reference data and the synthetic history (cli.generate), runs ANALYZE, then times every monthly report for
each kind of slice (each report is two months of figures: the month and the one before), every breakdown
(reports/breakdowns.py: one row per agency, province, county, village, office, indicator, channel, level or
outcome) of the month and of the year, the public page's figures of the year, the annual report, the ranking
and the hotspot scan, and prints the plans (EXPLAIN ANALYZE) of the national monthly report's
queries. A monthly report over one second is marked SLOW.

Measured on the shared 2-core machine (other test runs going), 200,000 cases over 24 months: load 134 s;
every monthly report 47-96 ms (nationwide the slowest), the annual report 430 ms, the unit ranking 112 ms,
the hotspot scan 212 ms. Each month is one index range scan on (jalali_year, jalali_month, ...) feeding one
aggregate. The first run, with escalations counted by a join to case_events and cases written in random
month order, took 1.2 s for the nationwide month. 1,000,000 cases take about 11 minutes to load and some
2 GB of disk; a month then holds about 50,000 cases, five times the rows of the run above.
"""

import argparse
import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url

from cli.generate import generate
from cli.seed import seed
from database.models import Case, Unit
from database.sessions import create_engine, sessionmaker
from reports.breakdowns import Grouping, breakdown
from reports.hotspots import find_hotspots
from reports.public import public_figures
from reports.ranking import ranking
from reports.service import annual_report, monthly_report
from schemas.hotspot import HotspotRule
from schemas.reports import RankingWeights, ReportSlice
from timekeeping.jalali import month_bounds

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/foad_bench"


async def prepare(url: str, *, cases: int, months: int, end: tuple[int, int]) -> None:
    parsed = make_url(url)
    admin = await asyncpg.connect(parsed.set(drivername="postgresql", database="postgres").render_as_string(False))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await admin.close()
    env = os.environ | {"FOAD_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True)
    engine = create_engine(url)
    try:
        await seed(sessionmaker(engine), ROOT / "refdata", demo_users=False)
        started = time.perf_counter()
        await generate(engine, cases=cases, months=months, end=end, seed=1, batch=50_000)
        print(f"loaded {cases:,} cases in {time.perf_counter() - started:.0f} s")
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()


async def slices(session) -> dict[str, ReportSlice]:
    """One slice of every kind, each its busiest value, so the timings are the heavy cases."""

    async def busiest(column, *where):
        statement = select(column).where(*where).group_by(column).order_by(func.count().desc()).limit(1)
        return await session.scalar(statement)

    village = await session.scalar(select(Unit.village).where(Unit.village.is_not(None)).limit(1))
    return {
        "nationwide": ReportSlice(),
        "agency": ReportSlice(agency_id=await busiest(Case.agency_id)),
        "province": ReportSlice(province_code=await busiest(Case.province_code)),
        "county": ReportSlice(county_code=await busiest(Case.county_code)),
        "village": ReportSlice(village=village),
        "unit": ReportSlice(unit_id=await busiest(Case.office_unit_id)),
        "indicator": ReportSlice(indicator=7),
        "channel": ReportSlice(channel="phone"),
        "level": ReportSlice(level="provincial"),
        "agency+county+indicator": ReportSlice(
            agency_id=await busiest(Case.agency_id), county_code=await busiest(Case.county_code), indicator=6
        ),
    }


async def timed(label: str, call, limit: float | None = None):
    started = time.perf_counter()
    result = await call()
    elapsed = time.perf_counter() - started
    flag = "  SLOW" if limit is not None and elapsed > limit else ""
    print(f"  {label:<42} {elapsed * 1000:8.1f} ms{flag}")
    return result, elapsed


async def explain(engine, session_call) -> None:
    """Capture the SQL a report runs, then print EXPLAIN ANALYZE of each statement."""
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        await session_call()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    async with engine.connect() as connection:
        for statement, parameters in captured:
            rows = await connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            print("\n" + statement.strip().splitlines()[0][:100] + " ...")
            for (line,) in rows:
                print("    " + line)


async def measure(url: str, year: int, month: int) -> None:
    engine = create_engine(url)
    sessions = sessionmaker(engine)
    try:
        async with sessions() as session:
            total = await session.scalar(select(func.count()).select_from(Case))
            print(f"\n{total:,} cases; monthly reports of {year}-{month:02d} (with the month before):")
            worst = 0.0
            for name, report_slice in (await slices(session)).items():
                _, elapsed = await timed(
                    f"monthly / {name}",
                    lambda s=report_slice: monthly_report(session, s, year=year, month=month),
                    limit=1.0,
                )
                worst = max(worst, elapsed)
            print(f"  worst monthly report: {worst * 1000:.0f} ms ({'under' if worst < 1 else 'OVER'} 1 s)")
            print("breakdowns (one row per subject), the month and the year:")
            for grouping in Grouping:
                for period, chosen in (("month", month), ("year", None)):
                    result, _ = await timed(
                        f"breakdown / {grouping.value} / {period}",
                        lambda g=grouping, m=chosen: breakdown(session, ReportSlice(), group_by=g, year=year, month=m),
                    )
                    print(f"  {'':<42} {len(result.rows):8,} rows")
            await timed(
                "public page / the year, by agency and province",
                lambda: public_figures(session, year=year, min_cases=10, now=datetime.now(UTC)),
            )
            print("other queries:")
            await timed(
                "annual / nationwide (12 months)",
                lambda: annual_report(session, ReportSlice(), year=year),
            )
            await timed(
                "ranking / units, the year",
                lambda: ranking(session, scope="unit", year=year, min_cases=30, weights=RankingWeights()),
            )
            now = month_bounds(year, month)[1]
            await timed(
                "hotspot scan (30-day window, 6 before)", lambda: find_hotspots(session, now=now, rule=HotspotRule())
            )
        async with sessions() as session:
            print("\nplans of the nationwide monthly report:")
            await explain(engine, lambda: monthly_report(session, ReportSlice(), year=year, month=month))
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--end", default="1404-06", help="last Jalali month of the history, YYYY-MM")
    parser.add_argument("--no-load", action="store_true", help="measure the database as it is")
    args = parser.parse_args(argv)
    end = tuple(int(part) for part in args.end.split("-"))
    if not args.no_load:
        asyncio.run(prepare(args.database_url, cases=args.cases, months=args.months, end=end))
    asyncio.run(measure(args.database_url, *end))
    print(f"\nmeasured at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    return 0


if __name__ == "__main__":
    sys.exit(main())
