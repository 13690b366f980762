"""Report figures against hand-computed expectations on the small fixed data set of tests.reportcases
(load_fixed_cases), on SQLite and PostgreSQL, the Esfand/Farvardin boundary in Tehran time included."""

from datetime import timedelta

import pytest

from activities.case import CaseActivities
from database.models import Agency, Case, Unit
from database.sessions import transaction
from reports.service import annual_report, monthly_report
from schemas.case import CaseEvent, CaseSnapshot, Transition
from schemas.enums import CaseStatus, EventKind, Level, Step
from schemas.reports import ReportSlice
from sms.sender import OutboxSmsSender
from tests.factories import AGENCY, CHAIN, OPERATOR, case_start
from tests.reportcases import LAST_OF_ESFAND_2350, NEW_YEAR_0005, VILLAGE, load_fixed_cases
from timekeeping.jalali import jalali_period, month_bounds


def test_a_case_at_2350_on_the_last_day_of_esfand_belongs_to_esfand():
    assert LAST_OF_ESFAND_2350.utcoffset() == timedelta(0)
    assert (LAST_OF_ESFAND_2350.hour, LAST_OF_ESFAND_2350.minute) == (20, 20)  # UTC: Tehran is +03:30
    assert jalali_period(LAST_OF_ESFAND_2350) == (1403, 12)
    assert jalali_period(NEW_YEAR_0005) == (1404, 1)
    start, end = month_bounds(1403, 12)
    assert start <= LAST_OF_ESFAND_2350 < end <= NEW_YEAR_0005


async def test_monthly_report_nationwide_matches_the_hand_count(report_db):
    await load_fixed_cases(report_db)
    async with report_db() as session:
        report = await monthly_report(session, ReportSlice(), year=1403, month=12)

    f = report.period.figures
    assert report.period.label_fa == "اسفند ۱۴۰۳"
    assert f.received == 4 and f.in_scope == 3 and f.results == 3
    assert f.by_indicator == {1: 0, 2: 0, 3: 1, 4: 0, 5: 1, 6: 0, 7: 2, 8: 0}
    assert f.within_sla == 2 and f.within_sla_share == pytest.approx(0.6667)
    assert f.median_minutes_to_result == 120.0
    assert f.p90_minutes_to_result == 184.0  # 120 + (200 - 120) * 0.8
    assert f.escalations_by_level == {"provincial": 1, "subordinate": 0, "national": 0}
    assert f.breaches == 1 and f.rejected_out_of_scope == 1
    s = f.satisfaction
    assert (s.responses, s.satisfied, s.share_satisfied, s.mean_rating) == (2, 1, 0.5, 3.5)
    assert s.response_rate == pytest.approx(0.6667)
    assert f.reopened == 1 and f.reopen_rate == pytest.approx(0.3333)
    assert report.previous.month == 11 and report.previous.figures.received == 1
    assert report.change_received == 3


@pytest.mark.parametrize(
    ("report_slice", "received"),
    [
        (ReportSlice(agency_id="bb"), 1),
        (ReportSlice(agency_id="aa"), 3),
        (ReportSlice(village=VILLAGE), 1),
        (ReportSlice(county_code="IR-26-takestan"), 3),
        (ReportSlice(unit_id="aa-takestan", indicator=7), 2),
        (ReportSlice(channel="web"), 1),
        (ReportSlice(level="provincial"), 1),
        (ReportSlice(province_code="IR-30"), 0),
    ],
)
async def test_each_slice_counts_only_its_cases(report_db, report_slice, received):
    await load_fixed_cases(report_db)
    async with report_db() as session:
        report = await monthly_report(session, report_slice, year=1403, month=12)
    assert report.period.figures.received == received


async def test_village_slice_shows_its_rejection_and_no_times(report_db):
    await load_fixed_cases(report_db)
    async with report_db() as session:
        report = await monthly_report(session, ReportSlice(village=VILLAGE), year=1403, month=12)
    f = report.period.figures
    assert f.rejected_out_of_scope == 1 and f.in_scope == 0 and f.within_sla_share is None
    assert f.median_minutes_to_result is None and f.satisfaction.response_rate is None


async def test_annual_report_totals_the_year_and_trends_each_month(report_db):
    await load_fixed_cases(report_db)
    async with report_db() as session:
        report = await annual_report(session, ReportSlice(), year=1403)
    assert report.period.figures.received == 5
    assert [m.figures.received for m in report.months] == [0] * 10 + [1, 4]
    assert report.period.figures.median_minutes_to_result == 90.0  # of 30, 60, 120, 200
    assert report.months[11].figures.p90_minutes_to_result == 184.0
    assert report.months[0].label_fa == "فروردین ۱۴۰۳"


async def test_projection_stores_the_tehran_jalali_month_and_counts_escalations_once(report_db):
    async with transaction(report_db) as session:
        session.add(Agency(id=AGENCY, name_fa="دستگاه آزمایشی", name_en="Test agency"))
        await session.flush()
        session.add(Unit(id=CHAIN[0].id, agency_id=AGENCY, level="county", name_fa="شعبه", name_en="office"))
    start = case_start(registered_at=LAST_OF_ESFAND_2350)
    transition = Transition(
        tracking_code=start.tracking_code,
        event=CaseEvent(
            seq=1, kind=EventKind.REGISTERED, at=LAST_OF_ESFAND_2350, step=Step.REGISTRATION, actor=OPERATOR
        ),
        snapshot=CaseSnapshot(
            status=CaseStatus.CLOSED,
            step=Step.FEEDBACK,
            level=None,
            unit_id=None,
            due_at=LAST_OF_ESFAND_2350 + timedelta(hours=3),
            breached=False,
            breached_at=None,
            escalations=0,
            reopened=False,
            action_order=None,
            referral_note=None,
            outcome=None,
            outcome_note=None,
            result_note=None,
            result_approved_at=LAST_OF_ESFAND_2350 + timedelta(minutes=95),
            satisfied=None,
            rating=None,
            closed_at=None,
        ),
        start=start,
    )
    activities = CaseActivities(report_db, OutboxSmsSender(report_db))
    await activities.record_transition(transition)
    escalated = transition.model_copy(
        update={
            "start": None,
            "event": transition.event.model_copy(
                update={"seq": 2, "kind": EventKind.ESCALATED, "level": Level.NATIONAL}
            ),
        }
    )
    await activities.record_transition(escalated)
    await activities.record_transition(escalated)  # a retried activity: applied once

    async with report_db() as session:
        case = await session.get(Case, start.tracking_code)
    assert (case.jalali_year, case.jalali_month, case.result_seconds) == (1403, 12, 95 * 60)
    assert (case.escalated_provincial, case.escalated_national) == (0, 1)
