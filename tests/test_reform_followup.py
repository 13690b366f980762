"""A process reform's follow-up on the time-skipping server: a durable timer to its deadline, then the scope's
in-scope complaints after the decision against as long a window before; not fallen, the review opens again."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from api.auth.tokens import create_token
from database.models import HotspotFollowup, HotspotReview, User
from database.sessions import transaction
from infra.settings import Settings
from schemas.case import Actor
from schemas.enums import Role
from schemas.hotspot import HotspotDecision, HotspotDecisionInput, HotspotFinding, HotspotOpen, HotspotScope
from tests.apiutil import api_settings, http, make_app
from tests.reportcases import case_row, seed_offices
from worker import build_worker
from workflows.hotspot import HotspotReviewWorkflow

MEMBER = Actor(username="wg-centre", role=Role.WORKING_GROUP, user_id=7)
FOLLOWUP = timedelta(days=30)


@pytest.fixture
async def worker(temporal_env, sessions, task_queue):
    await seed_offices(sessions)
    async with build_worker(temporal_env.client, sessions=sessions, task_queue=task_queue, settings=Settings()):
        yield


async def open_review(temporal_env, task_queue):
    end = datetime.now(UTC).replace(microsecond=0)
    finding = HotspotFinding(
        scope=HotspotScope.UNIT,
        subject_id="aa-takestan",
        agency_id="aa",
        window_start=end - timedelta(days=30),
        window_end=end,
        complaints=3,
        baseline=0,
        top_indicator=7,
        top_indicator_count=3,
    )
    review_id = f"{finding.review_id}-{uuid.uuid4().hex[:6]}"
    start = HotspotOpen(review_id=review_id, finding=finding, review_period=timedelta(days=14))
    handle = await temporal_env.client.start_workflow(
        HotspotReviewWorkflow.run, start, id=review_id, task_queue=task_queue
    )
    while await handle.query(HotspotReviewWorkflow.state) is None:  # a decision while opening is refused
        await asyncio.sleep(0.02)
    return handle


async def add(sessions, at: datetime, count: int, **fields) -> None:
    async with transaction(sessions) as session:
        for i in range(count):
            session.add(case_row(f"R{uuid.uuid4().hex[:10]}", at + timedelta(minutes=i), **fields))


async def reform(handle) -> datetime:
    state = await handle.execute_update(
        HotspotReviewWorkflow.decide,
        HotspotDecisionInput(
            actor=MEMBER,
            decision=HotspotDecision.PROCESS_REFORM,
            note="نوبت‌دهی باجه بازطراحی شود",
            followup_period=FOLLOWUP,
        ),
    )
    return state.decided_at


async def followup_row(sessions, review_id: str, **expected) -> HotspotFollowup:
    for _ in range(400):
        async with sessions() as session:
            row = await session.get(HotspotFollowup, (review_id, 1))
        if row is not None and all(getattr(row, k) == v for k, v in expected.items()):
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"follow-up of {review_id} never reached {expected}")


async def test_a_reform_whose_complaints_did_not_fall_reopens_its_review(temporal_env, sessions, task_queue, worker):
    handle = await open_review(temporal_env, task_queue)
    decided_at = await reform(handle)
    await add(sessions, decided_at - timedelta(days=10), 3)  # the window before: three complaints
    await add(sessions, decided_at - timedelta(days=9), 2, status="rejected")  # out of scope: not counted
    await add(sessions, decided_at + timedelta(days=10), 3)  # the window after: as many
    row = await followup_row(sessions, handle.id, checked_at=None)
    assert (row.owner_agency_id, row.due_at) == ("aa", decided_at + FOLLOWUP)
    assert (await handle.query(HotspotReviewWorkflow.state)).status.value == "closed"

    await temporal_env.sleep(FOLLOWUP + timedelta(minutes=1))

    row = await followup_row(sessions, handle.id, fell=False)
    assert (row.complaints_before, row.complaints_after, row.decided_by) == (3, 3, "wg-centre")
    state = await handle.query(HotspotReviewWorkflow.state)
    assert state.status.value == "open" and state.decision is None and not state.overdue
    async with sessions() as session:
        review = await session.get(HotspotReview, handle.id)
    assert review.status == "open" and review.decision is None

    final = await handle.execute_update(
        HotspotReviewWorkflow.decide,
        HotspotDecisionInput(actor=MEMBER, decision=HotspotDecision.INSPECTION, note="بازرسی سرزده از شعبه"),
    )
    assert final.decision is HotspotDecision.INSPECTION
    result = await handle.result()
    assert [f.fell for f in result.followups] == [False]


async def test_a_reform_whose_complaints_fell_stays_closed_with_the_result_on_record(
    temporal_env, sessions, task_queue, worker
):
    handle = await open_review(temporal_env, task_queue)
    decided_at = await reform(handle)
    await add(sessions, decided_at - timedelta(days=10), 3)
    await add(sessions, decided_at + timedelta(days=10), 1)

    await temporal_env.sleep(FOLLOWUP + timedelta(minutes=1))

    result = await handle.result()
    assert result.status.value == "closed" and result.decision is HotspotDecision.PROCESS_REFORM
    [followup] = result.followups
    assert (followup.complaints_before, followup.complaints_after, followup.fell) == (3, 1, True)
    await followup_row(sessions, handle.id, fell=True, complaints_after=1)


async def test_a_centre_member_decides_a_reform_through_the_api_with_the_followup_period_of_the_settings(
    temporal_env, sessions, task_queue, worker
):
    async with transaction(sessions) as session:
        session.add(User(id=7, username="wg-centre", full_name="عضو ستادی", role="working_group", password_hash="-"))
    handle = await open_review(temporal_env, task_queue)
    await followup_review_row(sessions, handle.id)
    app = make_app(sessions=sessions, client=temporal_env.client, task_queue=task_queue, reform_followup_days=30)
    token = create_token(user_id=7, role="working_group", settings=api_settings())[0]
    async with http(app, citizen=None) as client:
        decided = await client.post(
            f"/hotspots/{handle.id}/decision",
            json={"decision": "process_reform", "note": "بازطراحی نوبت‌دهی"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert decided.status_code == 200, decided.text
    decided_at = datetime.fromisoformat(decided.json()["decided_at"])
    row = await followup_row(sessions, handle.id)
    assert (row.due_at, row.decided_by, row.owner_agency_id) == (decided_at + timedelta(days=30), "wg-centre", "aa")

    await temporal_env.sleep(timedelta(days=30, minutes=1))  # no complaints before or after: not fallen
    await followup_row(sessions, handle.id, fell=False)
    await handle.execute_update(
        HotspotReviewWorkflow.decide,
        HotspotDecisionInput(actor=MEMBER, decision=HotspotDecision.NO_ACTION, note="پایان آزمون"),
    )
    await handle.result()


async def followup_review_row(sessions, review_id: str) -> None:
    for _ in range(400):
        async with sessions() as session:
            if await session.get(HotspotReview, review_id) is not None:
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"review {review_id} never projected")
