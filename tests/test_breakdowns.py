"""Breakdowns against hand counts on the fixed cases of tests.reportcases, on SQLite and PostgreSQL: every
grouping, and the corrected "within the deadline" (the case's own deadline, office hours included; an open case
is pending until its deadline passes; the reopen component has no value without a result)."""

from datetime import timedelta

import pytest

from database.models import Case
from database.sessions import transaction
from reports.breakdowns import Grouping, breakdown
from reports.figures import compute
from reports.ranking import ranking
from schemas.reports import RankingWeights, ReportSlice
from tests.reportcases import VILLAGE, case_row, load_fixed_cases, tehran

NOW = tehran(1403, 12, 25, 11)


async def office_hours_and_open_cases(sessions) -> None:
    """O1: bb, office hours, result 300 minutes after registration (over 3 hours of wall time) but before its
    office-hours deadline, so not breached. P1: open, its deadline ahead of NOW. P2: open, deadline passed."""
    async with transaction(sessions) as session:
        o1 = case_row("O1", tehran(1403, 12, 10, 13), unit="bb-takestan", result_minutes=300)
        o1.sla_mode = "office_hours"
        o1.due_at = tehran(1403, 12, 11, 10)
        p1 = case_row("P1", tehran(1403, 12, 25, 10), status="in_handling")
        p2 = case_row("P2", tehran(1403, 12, 24, 10), status="in_handling")
        session.add_all([o1, p1, p2])


async def received_by(sessions, group_by: Grouping) -> dict[str | None, int]:
    async with sessions() as session:
        report = await breakdown(session, ReportSlice(), group_by=group_by, year=1403, month=12, now=NOW)
    return {row.subject: row.figures.received for row in report.rows}


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        (Grouping.AGENCY, {"aa": 3, "bb": 1}),
        (Grouping.PROVINCE, {"IR-26": 4}),
        (Grouping.COUNTY, {"IR-26-takestan": 3, "IR-26-abyek": 1}),
        (Grouping.VILLAGE, {VILLAGE: 1, None: 3}),
        (Grouping.UNIT, {"aa-takestan": 2, "aa-ziaran": 1, "bb-takestan": 1}),
        (Grouping.INDICATOR, {"7": 2, "3": 1, "5": 1}),
        (Grouping.CHANNEL, {"phone": 2, "web": 1, "app": 1}),
        (Grouping.LEVEL, {"county": 3, "provincial": 1}),
        (Grouping.OUTCOME, {"resolved_by_phone": 1, None: 3}),
    ],
)
async def test_every_grouping_gives_one_row_per_subject_with_its_hand_count(report_db, group_by, expected):
    await load_fixed_cases(report_db)
    async with transaction(report_db) as session:
        (await session.get(Case, "E1")).outcome = "resolved_by_phone"
    assert await received_by(report_db, group_by) == expected


async def test_rows_carry_the_same_figures_as_the_slice_report(report_db):
    await load_fixed_cases(report_db)
    async with report_db() as session:
        report = await breakdown(session, ReportSlice(), group_by=Grouping.AGENCY, year=1403, month=12, now=NOW)
        alone = await compute(session, ReportSlice(agency_id="aa"), year=1403, month=12, now=NOW)
    aa = next(r for r in report.rows if r.subject == "aa")
    assert aa.name_fa == "سازمان الف"
    assert aa.figures == alone[None]
    assert (aa.figures.within_sla, aa.figures.missed, aa.figures.decided) == (1, 1, 2)
    assert aa.figures.within_sla_share == 0.5
    assert report.total.received == 4


async def test_rows_sort_by_a_figure_with_no_share_last(report_db):
    await load_fixed_cases(report_db)
    async with report_db() as session:
        up = await breakdown(
            session, ReportSlice(), group_by=Grouping.UNIT, year=1403, month=12, sort="within_sla_share",
            descending=False, now=NOW,
        )  # fmt: skip
        down = await breakdown(
            session, ReportSlice(), group_by=Grouping.UNIT, year=1403, month=12, sort="received", now=NOW
        )
    assert [r.subject for r in up.rows] == ["aa-takestan", "bb-takestan", "aa-ziaran"]  # 0.5, 1.0, none
    assert down.rows[0].subject == "aa-takestan"


async def test_an_office_hours_case_within_its_own_deadline_counts_as_within(report_db):
    await load_fixed_cases(report_db)
    await office_hours_and_open_cases(report_db)
    async with report_db() as session:
        report = await breakdown(session, ReportSlice(), group_by=Grouping.AGENCY, year=1403, month=12, now=NOW)
    bb = next(r for r in report.rows if r.subject == "bb").figures
    assert bb.received == 2 and bb.results == 2
    assert bb.within_sla == 2 and bb.within_sla_share == 1.0  # O1 took 300 minutes of wall time


async def test_an_open_case_is_pending_until_its_deadline_passes(report_db):
    await load_fixed_cases(report_db)
    await office_hours_and_open_cases(report_db)
    async with report_db() as session:
        f = (await compute(session, ReportSlice(agency_id="aa"), year=1403, month=12, now=NOW))[None]
        later = (
            await compute(session, ReportSlice(agency_id="aa"), year=1403, month=12, now=NOW + timedelta(hours=3))
        )[None]
    # E1 within; E2 breached and P2 past its deadline: missed; P1 still has time: pending; E3 out of scope.
    assert (f.in_scope, f.within_sla, f.missed, f.pending, f.decided) == (4, 1, 2, 1, 3)
    assert f.within_sla_share == pytest.approx(0.3333)
    assert (later.missed, later.pending) == (3, 0)


async def test_ranking_uses_the_deadline_flag_and_gives_no_reopen_value_without_a_result(report_db):
    await load_fixed_cases(report_db)
    await office_hours_and_open_cases(report_db)
    async with transaction(report_db) as session:
        session.add(case_row("Z1", tehran(1403, 12, 26), unit="aa-ziaran", status="in_handling"))
    async with report_db() as session:
        result = await ranking(
            session, scope="unit", year=1403, min_cases=1, weights=RankingWeights(), now=NOW + timedelta(days=1)
        )
    entries = {e.subject_id: e for e in result.ranked}
    components = {c.name: c.value for c in entries["bb-takestan"].components}
    assert components["sla"] == 1.0  # E4, F1 (Farvardin is 1404: not here), O1: none breached
    ziaran = {c.name: c.value for c in entries["aa-ziaran"].components}
    assert ziaran["reopen"] is None  # E3 rejected, Z1 open: no result to have been reopened
    assert ziaran["sla"] == 0.0  # Z1 is past its deadline without a result


def test_the_channel_names_are_the_pages_names():
    from api.pages.labels import CHANNEL_FA as PAGES
    from reports.breakdowns import CHANNEL_FA

    assert CHANNEL_FA == PAGES
