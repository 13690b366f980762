"""Hotspots: the finder's thresholds (exactly at them, and one below) on SQLite and PostgreSQL; the review
workflow on the time-skipping server: opened by the scan once per window, overdue at its deadline, closed
only by one decision that stays on record."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from api.auth.tokens import create_token
from database.models import HotspotReview, User
from database.sessions import transaction
from infra.settings import Settings
from reports.hotspots import find_hotspots
from schemas.case import Actor
from schemas.enums import Role
from schemas.hotspot import HotspotDecision, HotspotDecisionInput, HotspotRule, HotspotScope, ScanInput
from tests.apiutil import api_settings, http, make_app
from tests.reportcases import case_row, seed_offices
from worker import build_worker
from workflows.hotspot import HotspotReviewWorkflow, HotspotScanWorkflow

NOW = datetime(2025, 6, 15, 9, 0, tzinfo=UTC)  # 12:30 in Tehran
RULE = HotspotRule(window_days=30, min_complaints=3, relative_factor=2.0, history_windows=6)
ADMIN = Actor(username="admin", role=Role.ADMIN, user_id=1)


async def add_cases(sessions, unit: str, count: int, *, days_ago: float = 2, indicators=(7,)) -> None:
    async with transaction(sessions) as session:
        for i in range(count):
            registered_at = NOW - timedelta(days=days_ago, minutes=i)
            session.add(
                case_row(
                    f"{unit}-{days_ago}-{i}-{uuid.uuid4().hex[:6]}",
                    registered_at,
                    unit=unit,
                    indicator=indicators[i % len(indicators)],
                )
            )


async def findings(sessions, rule: HotspotRule = RULE) -> dict[tuple[str, str], object]:
    async with sessions() as session:
        found = await find_hotspots(session, now=NOW, rule=rule)
    return {(f.scope.value, f.subject_id): f for f in found}


async def test_a_unit_exactly_at_the_threshold_is_a_hotspot_with_its_repeated_indicator(report_db):
    await add_cases(report_db, "aa-takestan", 3, indicators=(7, 7, 3))
    found = await findings(report_db)
    unit = found[("unit", "aa-takestan")]
    assert (unit.complaints, unit.baseline, unit.top_indicator, unit.top_indicator_count) == (3, 0.0, 7, 2)
    assert ("agency", "aa") in found
    assert unit.window_end == datetime(2025, 6, 14, 20, 30, tzinfo=UTC)  # Tehran midnight of the scan day
    assert unit.review_id == "hotspot-unit-aa-takestan-20250614"


async def test_one_below_the_absolute_threshold_is_not(report_db):
    await add_cases(report_db, "aa-takestan", 2)
    await add_cases(report_db, "aa-takestan", 5, days_ago=40)  # before the window: history, not the window
    assert await findings(report_db) == {}


async def test_relative_threshold_counts_against_the_subjects_own_history(report_db):
    await add_cases(report_db, "bb-takestan", 12, days_ago=100)  # six windows of history: a mean of 2 per window
    await add_cases(report_db, "bb-takestan", 3)
    assert ("unit", "bb-takestan") not in await findings(report_db)  # 3 < 2 x 2
    await add_cases(report_db, "bb-takestan", 1)
    found = await findings(report_db)
    assert found[("unit", "bb-takestan")].complaints == 4 and found[("unit", "bb-takestan")].baseline == 2.0


async def test_a_subject_with_an_open_review_is_not_found_again(report_db):
    await add_cases(report_db, "aa-takestan", 3)
    async with transaction(report_db) as session:
        session.add(
            HotspotReview(
                review_id="hotspot-unit-aa-takestan-20250601",
                scope="unit",
                subject_id="aa-takestan",
                agency_id="aa",
                window_start=NOW - timedelta(days=44),
                window_end=NOW - timedelta(days=14),
                complaints=9,
                baseline=0,
                top_indicator=7,
                top_indicator_count=9,
                status="open",
                opened_at=NOW - timedelta(days=14),
                due_at=NOW,
                overdue=False,
            )
        )
    assert set(await findings(report_db)) == {("agency", "aa")}


# --- the review workflow on the time-skipping server ------------------------------------------------------


@pytest.fixture
async def review_worker(temporal_env, sessions, task_queue):
    """A worker whose rule makes three complaints a hotspot; every review left open is decided after.

    Decided while the worker runs, not terminated: a review terminated while its workflow task was due left the
    time-skipping server's clock locked, and the next test's `sleep` then waited in real time until it failed."""
    await seed_offices(sessions)
    settings = Settings(hotspot_min_complaints=3, hotspot_review_days=14)
    started: list[str] = []
    async with build_worker(temporal_env.client, sessions=sessions, task_queue=task_queue, settings=settings):
        yield started
        for review_id in started:
            handle = temporal_env.client.get_workflow_handle_for(HotspotReviewWorkflow.run, review_id)
            if (await handle.describe()).status.name == "RUNNING":
                await handle.execute_update(
                    HotspotReviewWorkflow.decide,
                    HotspotDecisionInput(
                        actor=ADMIN, decision=HotspotDecision.NO_ACTION, note="پایان آزمون؛ بدون اقدام"
                    ),
                )
                await handle.result()


async def review_row(sessions, review_id: str, **expected) -> HotspotReview:
    for _ in range(400):
        async with sessions() as session:
            row = await session.get(HotspotReview, review_id)
        if row is not None and all(getattr(row, k) == v for k, v in expected.items()):
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"review {review_id} never reached {expected}")


async def scan(temporal_env, task_queue):
    return await temporal_env.client.execute_workflow(
        HotspotScanWorkflow.run, ScanInput(now=NOW), id=f"scan-{uuid.uuid4()}", task_queue=task_queue
    )


async def test_scan_opens_one_review_per_subject_and_window_and_a_decision_closes_it(
    temporal_env, sessions, task_queue, review_worker
):
    await add_cases(sessions, "aa-takestan", 3)
    first = await scan(temporal_env, task_queue)
    review_worker.extend(first.opened)
    assert first.found == 2 and set(first.opened) == {"hotspot-unit-aa-takestan-20250614", "hotspot-agency-aa-20250614"}
    review_id = "hotspot-unit-aa-takestan-20250614"
    row = await review_row(sessions, review_id, status="open")
    assert row.scope == HotspotScope.UNIT and row.complaints == 3 and row.top_indicator == 7

    again = await scan(temporal_env, task_queue)
    assert again.opened == []

    handle = temporal_env.client.get_workflow_handle_for(HotspotReviewWorkflow.run, review_id)
    decision = HotspotDecisionInput(
        actor=ADMIN, decision=HotspotDecision.PROCESS_REFORM, note="نوبت‌دهی باجه مستمری بازطراحی شود"
    )
    state = await handle.execute_update(HotspotReviewWorkflow.decide, decision)
    assert state.status.value == "closed" and state.decision is HotspotDecision.PROCESS_REFORM
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(HotspotReviewWorkflow.decide, decision)
    assert "already closed" in str(refused.value.cause)
    await handle.result()

    row = await review_row(sessions, review_id, status="closed")
    assert (row.decision, row.decided_by, row.decision_note) == (
        "process_reform",
        "admin",
        "نوبت‌دهی باجه مستمری بازطراحی شود",
    )
    assert (await scan(temporal_env, task_queue)).opened == []  # decided for this window: not reopened


async def test_a_review_past_its_deadline_is_overdue_and_still_awaits_a_decision(
    temporal_env, sessions, task_queue, review_worker
):
    await add_cases(sessions, "bb-takestan", 3)
    opened = (await scan(temporal_env, task_queue)).opened
    review_worker.extend(opened)
    review_id = "hotspot-unit-bb-takestan-20250614"
    await review_row(sessions, review_id, status="open", overdue=False)

    await temporal_env.sleep(timedelta(days=14, minutes=1))

    row = await review_row(sessions, review_id, status="open", overdue=True)
    assert row.decision is None
    handle = temporal_env.client.get_workflow_handle_for(HotspotReviewWorkflow.run, review_id)
    await handle.execute_update(
        HotspotReviewWorkflow.decide,
        HotspotDecisionInput(actor=ADMIN, decision=HotspotDecision.NO_ACTION, note="افزایش فصلی؛ اقدامی لازم نیست"),
    )
    final = await handle.result()
    assert final.overdue and final.decision is HotspotDecision.NO_ACTION


async def test_the_working_group_decides_through_the_api_once(temporal_env, sessions, task_queue, review_worker):
    async with transaction(sessions) as session:
        session.add_all(
            [
                User(id=1, username="admin", full_name="مدیر مرکز", role="admin", password_hash="-"),
                User(id=2, username="auditor", full_name="حسابرس", role="auditor", password_hash="-"),
            ]
        )
    await add_cases(sessions, "aa-ziaran", 3)
    review_worker.extend((await scan(temporal_env, task_queue)).opened)
    review_id = "hotspot-unit-aa-ziaran-20250614"
    await review_row(sessions, review_id, status="open")
    app = make_app(sessions=sessions, client=temporal_env.client, task_queue=task_queue)
    admin = {"Authorization": f"Bearer {create_token(user_id=1, role='admin', settings=api_settings())[0]}"}
    auditor = {"Authorization": f"Bearer {create_token(user_id=2, role='auditor', settings=api_settings())[0]}"}
    body = {"decision": "inspection", "note": "بازرسی سرزده از دفتر زیاران"}

    async with http(app, citizen=None) as client:
        listed = await client.get("/hotspots", params={"status": "open"}, headers=auditor)
        assert review_id in [r["review_id"] for r in listed.json()]
        assert (await client.post(f"/hotspots/{review_id}/decision", json=body, headers=auditor)).status_code == 403
        short = await client.post(
            f"/hotspots/{review_id}/decision", json={"decision": "inspection", "note": ""}, headers=admin
        )
        assert short.status_code == 422 and "note" in str(short.json()["error"]["details"])
        assert (await client.post("/hotspots/nope/decision", json=body, headers=admin)).status_code == 404

        decided = await client.post(f"/hotspots/{review_id}/decision", json=body, headers=admin)
        assert decided.status_code == 200, decided.text
        assert decided.json()["decision"] == "inspection" and decided.json()["decided_by"] == "admin"
        again = await client.post(f"/hotspots/{review_id}/decision", json=body, headers=admin)
        assert again.status_code == 409
        assert again.json()["error"]["message_fa"] == "این بررسی پیش‌تر با تصمیم بسته شده است"

        await review_row(sessions, review_id, status="closed", decision="inspection")
        shown = await client.get(f"/hotspots/{review_id}", headers=auditor)
        assert shown.json()["decision_note"] == "بازرسی سرزده از دفتر زیاران"
