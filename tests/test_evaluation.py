"""The annual evaluation sheets, counted by hand, on SQLite and PostgreSQL (`report_db`).

1403, agency aa:
  A1 aa-takestan  result after 300 min of wall time, deadline not breached (an office-hours case), satisfied
  A2 aa-takestan  result 200 min, breached, dissatisfied, reopened
  A3 aa-ziaran    result 100 min, no answer
  A4 aa-takestan  open, its deadline (12:00) still ahead at the sheet's moment (10:00)
  A5 aa-ziaran    rejected as out of scope: not counted
  A6 aa-takestan  a request, not a complaint: not counted
1403, agency bb: B1 and B2, results in 50 min, one satisfied and one not.
1402, agency bb: X1, result 500 min, breached, no answer.
"""

from datetime import timedelta

from database.models import Task, User
from database.sessions import transaction
from reports.evaluation import agency_league, data_years
from reports.evaluation_people import people_evaluation
from schemas.enums import EventKind, Role
from schemas.reports import RankingWeights
from tests.reportcases import case_row, event_row, tehran

SHEET_MOMENT = tehran(1403, 12, 1, 10)


async def load_year(sessions) -> None:
    async with transaction(sessions) as session:
        request = case_row("A6", tehran(1403, 5, 1))
        request.contact_kind = "request"
        session.add_all(
            [
                case_row("A1", tehran(1403, 3, 1), result_minutes=300, satisfied=True, rating=5),
                case_row(
                    "A2",
                    tehran(1403, 3, 2),
                    result_minutes=200,
                    breached=True,
                    satisfied=False,
                    rating=1,
                    reopened=True,
                ),
                case_row("A3", tehran(1403, 4, 1), unit="aa-ziaran", result_minutes=100),
                case_row("A4", tehran(1403, 12, 1, 9), status="in_handling"),
                case_row("A5", tehran(1403, 4, 2), unit="aa-ziaran", status="rejected"),
                request,
                case_row("B1", tehran(1403, 6, 1), unit="bb-takestan", result_minutes=50, satisfied=True, rating=4),
                case_row("B2", tehran(1403, 6, 2), unit="bb-takestan", result_minutes=50, satisfied=False, rating=2),
                case_row("X1", tehran(1402, 6, 2), unit="bb-takestan", result_minutes=500, breached=True),
            ]
        )


def _components(sheet) -> dict[str, tuple]:
    return {c.name: (c.weight, c.numerator, c.denominator, c.value) for c in sheet.components}


async def test_agency_sheet_counts_the_deadline_satisfaction_reopen_and_volume_by_hand(report_db):
    await load_year(report_db)
    async with report_db() as session:
        league = await agency_league(session, year=1403, weights=RankingWeights(), min_cases=2, now=SHEET_MOMENT)

    bb, aa = league.sheets
    assert (aa.agency_id, aa.complaints, aa.in_scope, aa.rank, aa.ranked_agencies) == ("aa", 5, 4, 2, 2)
    assert _components(aa) == {
        "sla": (0.4, 2, 3, 0.6667),  # A1 (office hours, not breached) and A3 met, A2 missed, A4 not yet due
        "satisfaction": (0.3, 1, 2, 0.5),
        "reopen": (0.15, 1, 3, 0.6667),
        "volume": (0.15, 3.0, 4, 0.75),  # the league's mean is (4 + 2) / 2
    }
    assert aa.score == 0.6292  # (0.4 * 0.6667 + 0.3 * 0.5 + 0.15 * 0.6667 + 0.15 * 0.75) / 1
    assert (aa.last_year_score, aa.change) == (None, None), "aa had no complaints in 1402"
    assert (bb.agency_id, bb.rank, bb.score) == ("bb", 1, 0.85)  # 0.4 + 0.3 * 0.5 + 0.15 + 0.15
    assert (bb.last_year_score, bb.change) == (0.45, 0.4)  # 1402: 0 + 0.15 + 0.15 + 0.15
    assert aa.name_fa == "سازمان الف" and aa.weights == RankingWeights()


async def test_an_open_complaint_is_a_miss_once_its_deadline_has_passed(report_db):
    await load_year(report_db)
    async with report_db() as session:
        league = await agency_league(
            session, year=1403, weights=RankingWeights(), min_cases=2, now=SHEET_MOMENT + timedelta(hours=3)
        )
    aa = next(s for s in league.sheets if s.agency_id == "aa")
    assert _components(aa)["sla"] == (0.4, 2, 4, 0.5)


async def test_an_agency_under_the_minimum_sample_is_listed_unranked(report_db):
    await load_year(report_db)
    async with report_db() as session:
        league = await agency_league(session, year=1403, weights=RankingWeights(), min_cases=3, now=SHEET_MOMENT)
    assert [(s.agency_id, s.rank, s.ranked_agencies) for s in league.sheets] == [("aa", 1, 1), ("bb", None, 1)]


async def test_data_years_are_the_years_holding_complaints(report_db):
    await load_year(report_db)
    async with report_db() as session:
        assert await data_years(session) == [1402, 1403]


async def _load_people(sessions) -> None:
    async with transaction(sessions) as session:
        for username, role in (
            ("aa-senior", Role.SENIOR_COORDINATOR),
            ("aa-unit", Role.UNIT_COORDINATOR),
            ("aa-inspector", Role.INSPECTOR),
        ):
            session.add(User(username=username, full_name=f"نام {username}", role=role.value, password_hash="-"))
        for code, day, minutes in (("A1", 1, 15), ("A2", 2, 25), ("A3", 1, 35)):
            month = 4 if code == "A3" else 3
            at = tehran(1403, month, day) + timedelta(minutes=minutes)
            session.add(
                event_row(code, 2, EventKind.REVIEW_ACCEPTED.value, at, actor="aa-senior", role="senior_coordinator")
            )

        def task(task_id, code, kind, status, opened, minutes=None, **people) -> Task:
            closed = opened + timedelta(minutes=minutes) if minutes is not None else None
            unit = "aa-ziaran" if code == "A3" else "aa-takestan"
            return Task(
                task_id=task_id,
                tracking_code=code,
                kind=kind,
                status=status,
                agency_id="aa",
                unit_id=unit,
                opened_at=opened,
                closed_at=closed,
                **people,
            )

        session.add_all(
            [
                task("A1-h", "A1", "handling", "completed", tehran(1403, 3, 1, 11), 40, closed_by="aa-unit"),
                task("A2-h", "A2", "handling", "completed", tehran(1403, 3, 2, 11), 80, closed_by="aa-unit"),
                task("A4-h", "A4", "handling", "open", tehran(1403, 12, 1, 9, 30), holder="aa-unit"),
                task("A3-i", "A3", "inspection", "completed", tehran(1403, 4, 1, 11), 30, assignee="aa-inspector"),
                task("A5-h", "A5", "handling", "completed", tehran(1403, 4, 2, 11), 5, closed_by="aa-unit"),
            ]
        )


async def test_people_get_cases_times_breaches_satisfaction_and_reopen_rate_by_hand(report_db):
    await load_year(report_db)
    await _load_people(report_db)
    async with report_db() as session:
        result = await people_evaluation(session, year=1403, agency_id="aa", min_cases=2, weights=RankingWeights())

    def figures(row):
        return (
            row.username,
            row.cases,
            row.median_minutes,
            row.p90_minutes,
            row.breaches,
            row.feedback_responses,
            row.satisfied_share,
            row.results,
            row.reopen_rate,
            row.score,
            row.rank,
        )

    [senior] = result.people[Role.SENIOR_COORDINATOR]
    # reviews after 15, 25 and 35 minutes: median 25, p90 25 + 0.8 * 10; score (0.4*2/3 + 0.3*0.5 + 0.15*2/3) / 0.85
    assert figures(senior) == ("aa-senior", 3, 25.0, 33.0, 1, 2, 0.5, 3, 0.3333, 0.6078, 1)
    [unit] = result.people[Role.UNIT_COORDINATOR]
    # A1 and A2 completed in 40 and 80 minutes, A4 held open, A5 (rejected) not counted
    assert figures(unit) == ("aa-unit", 3, 60.0, 76.0, 1, 2, 0.5, 2, 0.5, 0.5784, 1)
    [inspector] = result.people[Role.INSPECTOR]
    assert figures(inspector)[:3] == ("aa-inspector", 1, 30.0)
    assert inspector.rank is None, "one case is under the minimum sample of two"
    assert senior.full_name == "نام aa-senior"
