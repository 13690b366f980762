"""The annual ranking: components and weights by hand, the minimum-sample rule; staff performance.

In 1403: aa-takestan has three complaints (60 min satisfied; 200 min dissatisfied and reopened; 100 min),
aa-ziaran one perfect complaint, bb-takestan two within the SLA (one satisfied, one not). The league's mean
is two complaints per office.
"""

from datetime import timedelta

from database.models import Task
from database.sessions import transaction
from reports.ranking import ranking
from reports.staff import staff_performance
from schemas.enums import EventKind
from schemas.reports import RankingWeights
from tests.reportcases import case_row, event_row, tehran


async def load_league(sessions) -> None:
    async with transaction(sessions) as session:
        session.add_all(
            [
                case_row("T1", tehran(1403, 3, 1), result_minutes=60, satisfied=True, rating=5),
                case_row(
                    "T2",
                    tehran(1403, 3, 2),
                    result_minutes=200,
                    breached=True,
                    satisfied=False,
                    rating=1,
                    reopened=True,
                ),
                case_row("T3", tehran(1403, 4, 1), result_minutes=100),
                case_row("Z1", tehran(1403, 5, 1), unit="aa-ziaran", result_minutes=30, satisfied=True, rating=5),
                case_row("B1", tehran(1403, 6, 1), unit="bb-takestan", result_minutes=50, satisfied=True, rating=4),
                case_row("B2", tehran(1403, 6, 2), unit="bb-takestan", result_minutes=50, satisfied=False, rating=2),
                case_row("X1", tehran(1402, 6, 2), unit="bb-takestan", result_minutes=500),  # another year
            ]
        )


async def test_units_below_the_minimum_are_listed_apart_however_good(report_db):
    await load_league(report_db)
    async with report_db() as session:
        result = await ranking(session, scope="unit", year=1403, min_cases=2, weights=RankingWeights())

    assert [(e.rank, e.subject_id, e.cases, e.score) for e in result.ranked] == [
        (1, "bb-takestan", 2, 0.85),  # 0.4*1 + 0.3*0.5 + 0.15*1 + 0.15*1
        (2, "aa-takestan", 3, 0.6167),  # 0.4*2/3 + 0.3*0.5 + 0.15*2/3 + 0.15*2/3
    ]
    assert [(e.rank, e.subject_id, e.score) for e in result.unranked] == [(None, "aa-ziaran", 1.0)]
    components = {c.name: (c.weight, c.value) for c in result.ranked[1].components}
    assert components == {
        "sla": (0.4, 0.6667),
        "satisfaction": (0.3, 0.5),
        "reopen": (0.15, 0.6667),
        "volume": (0.15, 0.6667),
    }
    assert result.ranked[0].name_fa == "شعبه تاکستان ب"


async def test_at_the_minimum_a_unit_is_ranked(report_db):
    await load_league(report_db)
    async with report_db() as session:
        result = await ranking(session, scope="unit", year=1403, min_cases=1, weights=RankingWeights())
    assert [e.subject_id for e in result.ranked] == ["aa-ziaran", "bb-takestan", "aa-takestan"]
    assert result.unranked == []


async def test_weights_change_the_score(report_db):
    await load_league(report_db)
    only_sla = RankingWeights(sla=1, satisfaction=0, reopen=0, volume=0)
    async with report_db() as session:
        result = await ranking(session, scope="agency", year=1403, min_cases=2, weights=only_sla)
    assert [(e.subject_id, e.cases, e.score) for e in result.ranked] == [("bb", 2, 1.0), ("aa", 4, 0.75)]


async def test_senior_coordinators_and_inspectors_show_their_cases_times_and_breaches(report_db):
    await load_league(report_db)
    async with transaction(report_db) as session:
        for code, day, minutes in (("T1", 1, 15), ("T2", 2, 25)):
            at = tehran(1403, 3, day) + timedelta(minutes=minutes)
            session.add(
                event_row(code, 2, EventKind.REVIEW_ACCEPTED.value, at, actor="aa-senior", role="senior_coordinator")
            )
        session.add(
            event_row(
                "T2",
                3,
                EventKind.RESULT_APPROVED.value,
                tehran(1403, 3, 2, 14),
                actor="aa-senior",
                role="senior_coordinator",
            )
        )
        opened = tehran(1403, 3, 2, 11)
        session.add(
            Task(
                task_id="T2-h",
                tracking_code="T2",
                kind="handling",
                status="completed",
                agency_id="aa",
                unit_id="aa-takestan",
                level="county",
                opened_at=opened,
                closed_at=opened + timedelta(minutes=40),
                assignee="inspector1",
            )
        )
        for code, day, arrive, close, escalated in (("T1", 1, 10, 30, False), ("T2", 2, 20, 90, True)):
            ordered = tehran(1403, 3, day, 12)
            session.add(
                Task(
                    task_id=f"{code}-i",
                    tracking_code=code,
                    kind="inspection",
                    status="completed",
                    agency_id="aa",
                    opened_at=ordered,
                    due_at=ordered + timedelta(minutes=60),
                    arrived_at=ordered + timedelta(minutes=arrive),
                    escalated_at=ordered + timedelta(minutes=60) if escalated else None,
                    closed_at=ordered + timedelta(minutes=close),
                    outcome="resolved_on_site",
                    assignee="inspector2",
                )
            )

    async with report_db() as session:
        result = await staff_performance(session, year=1403, month=3)
        other_month = await staff_performance(session, year=1403, month=4)

    [senior] = result.senior_coordinators
    assert (senior.username, senior.cases, senior.median_minutes, senior.breaches) == ("aa-senior", 2, 20.0, 1)
    named, legacy = result.inspectors
    assert (legacy.username, legacy.cases, legacy.median_minutes, legacy.breaches) == ("inspector1", 1, 40.0, 1)
    assert (legacy.late, legacy.median_minutes_to_arrival) == (None, None), "a handling task has no arrival"
    # the inspection tasks: ordered to recorded in 30 and 90 minutes, arrived after 10 and 20, one late
    assert (named.username, named.cases, named.median_minutes, named.breaches) == ("inspector2", 2, 60.0, 1)
    assert (named.late, named.median_minutes_to_arrival) == (1, 15.0)
    assert other_month.senior_coordinators == [] and other_month.inspectors == []
