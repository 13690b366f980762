"""The synthetic history generator: every case lands in one of the asked months, with mixes that look like
life, and the report figures over it add up; on SQLite (batched inserts) and PostgreSQL (COPY)."""

from collections import Counter

from sqlalchemy import func, select

from cli.generate import generate
from database.models import Case, CaseEventRow
from reports.service import annual_report
from schemas.reports import ReportSlice


async def test_generated_history_fills_the_asked_months_with_plausible_mixes(report_db):
    engine = report_db.kw["bind"]
    written = await generate(engine, cases=600, months=3, end=(1403, 12), seed=3, batch=250, progress=lambda _: None)
    assert written == 600

    async with report_db() as session:
        periods = Counter((y, m) for y, m in await session.execute(select(Case.jalali_year, Case.jalali_month)))
        report = await annual_report(session, ReportSlice(), year=1403)
        events = await session.scalar(select(func.count()).select_from(CaseEventRow))
        no_period = await session.scalar(select(func.count()).where(Case.jalali_month.is_(None)))

    assert set(periods) == {(1403, 10), (1403, 11), (1403, 12)} and no_period == 0
    f = report.period.figures
    assert f.received == 600 and sum(m.figures.received for m in report.months) == 600
    assert f.by_indicator[7] == max(f.by_indicator.values())  # staff absence is the commonest complaint
    assert 0.02 < f.rejected_out_of_scope / f.received < 0.15
    assert 0.6 < f.within_sla_share < 0.98 and f.breaches > 0
    assert f.escalations_by_level["provincial"] > f.escalations_by_level["national"] > 0
    assert 0.5 < f.satisfaction.response_rate < 0.85 and f.median_minutes_to_result < 180
    assert events >= 600 * 3 - f.rejected_out_of_scope
