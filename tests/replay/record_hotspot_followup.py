"""Record a hotspot review's process-reform follow-up for the replay set: decided with a reform, checked at its
deadline with no fall in complaints, so reopened, then decided again (an inspection).

    .venv/bin/python -m tests.replay.record_hotspot_followup

Like tests.replay.record: run it only to ADD a history, never to re-record one that no longer replays.
"""

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta

from database.sessions import create_engine, sessionmaker
from infra.settings import Settings
from schemas.case import Actor
from schemas.enums import Role
from schemas.hotspot import HotspotDecision, HotspotDecisionInput, HotspotFinding, HotspotOpen, HotspotScope
from tests.dbutil import migrate
from tests.replay.record import HISTORIES
from tests.testserver import start_test_server
from worker import build_worker
from workflows.hotspot import HotspotReviewWorkflow

NAME = "hotspot_reform_not_fallen_reopened_then_decided"
MEMBER = Actor(username="wg-centre", role=Role.WORKING_GROUP, user_id=7)


async def record() -> None:
    target = HISTORIES / f"{NAME}.json"
    if target.exists():
        print(f"kept     {target.name}")
        return
    env = await start_test_server()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/foad.db"
        migrate(url)
        engine = create_engine(url)
        end = datetime(2025, 6, 14, 20, 30, tzinfo=UTC)
        finding = HotspotFinding(
            scope=HotspotScope.UNIT,
            subject_id="sso-qazvin-takestan",
            agency_id="sso",
            window_start=end - timedelta(days=30),
            window_end=end,
            complaints=14,
            baseline=3.5,
            top_indicator=7,
            top_indicator_count=9,
        )
        start = HotspotOpen(review_id=finding.review_id, finding=finding, review_period=timedelta(days=14))
        async with build_worker(
            env.client, sessions=sessionmaker(engine), task_queue="replay-recorder", settings=Settings()
        ):
            handle = await env.client.start_workflow(
                HotspotReviewWorkflow.run, start, id=finding.review_id, task_queue="replay-recorder"
            )
            while await handle.query(HotspotReviewWorkflow.state) is None:
                await asyncio.sleep(0.05)
            await handle.execute_update(
                HotspotReviewWorkflow.decide,
                HotspotDecisionInput(
                    actor=MEMBER,
                    decision=HotspotDecision.PROCESS_REFORM,
                    note="نوبت‌دهی باجه مستمری بازطراحی شود",
                    followup_period=timedelta(days=30),
                ),
            )
            await env.sleep(timedelta(days=30, minutes=5))  # no complaints before or after: not fallen, reopened
            while (await handle.query(HotspotReviewWorkflow.state)).status.value != "open":
                await asyncio.sleep(0.05)
            await handle.execute_update(
                HotspotReviewWorkflow.decide,
                HotspotDecisionInput(actor=MEMBER, decision=HotspotDecision.INSPECTION, note="بازرسی سرزده از شعبه"),
            )
            await handle.result()
            history = await handle.fetch_history()
        target.write_text(history.to_json())
        print(f"recorded {target.name}: {len(history.events)} events")
        await engine.dispose()
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record())
