"""The archive on the real dev server: a closed case's history archived once by the sweeper, read and replayed
from the archive once Temporal has forgotten the case; a hotspot review archived the same way."""

import re
import uuid
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, func, select, update
from temporalio.api.history.v1 import History

from archive.reconcile import reconcile
from archive.store import open_row, payloads_of
from archive.sweep import sweep
from cli.check import check_archive
from database.models import (
    AccessRecord,
    ArchivedHistory,
    ArchiveKey,
    ArchiveSweep,
    Case,
    CaseEventRow,
    Erasure,
    HotspotReview,
    SmsOutbox,
)
from infra.codec import ENCODING, PayloadErased
from infra.settings import Settings
from schemas.archive import ErasureInput
from schemas.case import Actor
from schemas.enums import Role
from schemas.hotspot import HotspotDecision, HotspotDecisionInput, HotspotFinding, HotspotOpen, HotspotScope
from tests.apiutil import file, http, login, make_app
from tests.archiveutil import ACCEPT, case_workflow, closed_case, dev_server, forget
from tests.factories import DESCRIPTION, FULL_NAME, MOBILE, NATIONAL_CODE, PASSWORD
from tests.polling import eventually_async
from worker import build_worker
from workflows.archive import ErasureWorkflow
from workflows.hotspot import HotspotReviewWorkflow

OVERLAP = timedelta(minutes=60)


@pytest.fixture(scope="module")
async def dev_client(tmp_path_factory):
    async with dev_server(tmp_path_factory.mktemp("archive-dev")) as client:
        yield client


@pytest.fixture
async def dev_app(dev_client, seeded) -> AsyncIterator[FastAPI]:
    queue = f"archive-{uuid.uuid4().hex[:8]}"
    async with build_worker(dev_client, sessions=seeded, task_queue=queue):
        yield make_app(sessions=seeded, client=dev_client, task_queue=queue)


@pytest.fixture
async def dev_api(dev_app) -> AsyncIterator[httpx.AsyncClient]:
    async with http(dev_app) as client:
        yield client


async def _review_projected(sessions, review_id: str) -> bool:
    async with sessions() as session:
        return await session.get(HotspotReview, review_id) is not None


async def _rows(sessions, workflow: str) -> list[ArchivedHistory]:
    async with sessions() as session:
        return list(await session.scalars(select(ArchivedHistory).where(ArchivedHistory.workflow_id == workflow)))


async def _until_archived(dev_client, sessions, workflow: str) -> ArchivedHistory:
    """Sweeps until visibility lists the closed run and the sweeper has archived it (visibility lags a little)."""
    for _ in range(60):
        await sweep(dev_client, sessions, overlap=OVERLAP)
        if rows := await _rows(sessions, workflow):
            return rows[0]
    raise AssertionError(f"{workflow} never archived")


async def test_a_closed_case_is_archived_once_then_read_and_replayed_from_the_archive(dev_client, dev_api, seeded):
    code = await closed_case(dev_api, seeded)
    auditor = await login(dev_api, "auditor")
    from_temporal = (await dev_api.get(f"/cases/{code}/history", headers=auditor)).json()
    assert from_temporal["source"] == "temporal"

    row = await _until_archived(dev_client, seeded, case_workflow(code))
    assert row.tracking_code == code and row.workflow_type == "ComplaintWorkflow" and row.status == "COMPLETED"
    raw = zlib.decompress(row.history)
    assert len(raw) > len(row.history)  # compressed
    events = History.FromString(raw).events
    assert len(events) == row.events == from_temporal["total_events"]
    marker = "marker_recorded_event_attributes"
    payloads = [p for event in events for p in payloads_of(event) if not event.HasField(marker)]
    assert payloads and all(p.metadata["encoding"] == ENCODING for p in payloads)
    assert all(p.metadata["encryption-key-id"].decode() == row.key_id for p in payloads)
    markers = [p for event in events if event.HasField(marker) for p in payloads_of(event)]
    assert markers and all(p.metadata["encoding"] == b"json/plain" for p in markers), "patch markers stay readable"
    assert NATIONAL_CODE.encode() not in raw

    again = await sweep(dev_client, seeded, overlap=OVERLAP)  # a rerun: nothing written twice
    assert f"{row.workflow_id}/{row.run_id}" not in again.archived and again.already >= 1
    assert len(await _rows(seeded, case_workflow(code))) == 1

    await forget(dev_client, case_workflow(code))
    from_archive = await dev_api.get(f"/cases/{code}/history", headers=auditor)
    assert from_archive.status_code == 200, from_archive.text
    body = from_archive.json()
    assert body["source"] == "archive" and body["erased"] is None
    assert body["events"] == from_temporal["events"] and body["run_id"] == row.run_id

    replay = await dev_api.post(f"/cases/{code}/replay", headers=auditor)
    assert replay.status_code == 200, replay.text
    report = replay.json()
    assert report["source"] == "archive" and report["replayed"] is True and report["error"] is None
    assert report["matches_read_model"] is True and report["events"] == row.events


async def test_a_case_neither_in_temporal_nor_in_the_archive_is_a_404(dev_client, dev_api, seeded):
    code = await closed_case(dev_api, seeded)
    await forget(dev_client, case_workflow(code))
    response = await dev_api.get(f"/cases/{code}/history", headers=await login(dev_api, "auditor"))
    assert response.status_code == 404 and response.json()["error"]["code"] == "history_not_found"


async def test_a_sweep_that_died_half_way_is_done_again_from_the_last_finished_one(dev_client, dev_api, seeded):
    code = await closed_case(dev_api, seeded)
    await _until_archived(dev_client, seeded, case_workflow(code))
    async with seeded() as session, session.begin():
        finished = await session.scalar(select(func.max(ArchiveSweep.started_at)))
        # a sweep that started later and died: it must not move the next sweep's starting point
        session.add(ArchiveSweep(started_at=datetime.now(UTC) + timedelta(hours=5), seen=0, archived=0))
    await sweep(dev_client, seeded, overlap=OVERLAP)
    async with seeded() as session:
        last = await session.scalar(
            select(ArchiveSweep).where(ArchiveSweep.finished_at.is_not(None)).order_by(ArchiveSweep.id.desc())
        )
    assert last.closed_since is not None and last.closed_since <= finished - OVERLAP + timedelta(seconds=1)


async def test_a_decided_hotspot_review_is_archived_too(dev_client, seeded):
    queue = f"archive-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    finding = HotspotFinding(
        scope=HotspotScope.UNIT,
        subject_id="sso-qazvin-takestan",
        agency_id="sso",
        window_start=now - timedelta(days=30),
        window_end=now,
        complaints=12,
        baseline=3.0,
        top_indicator=7,
        top_indicator_count=8,
    )
    review_id = finding.review_id
    async with build_worker(dev_client, sessions=seeded, task_queue=queue):
        handle = await dev_client.start_workflow(
            HotspotReviewWorkflow.run,
            HotspotOpen(review_id=review_id, finding=finding, review_period=timedelta(days=14)),
            id=review_id,
            task_queue=queue,
        )
        await eventually_async(lambda: _review_projected(seeded, review_id), timeout=60, what=f"{review_id} opened")
        actor = Actor(username="admin", role=Role.ADMIN, user_id=1)
        decision = HotspotDecisionInput(actor=actor, decision=HotspotDecision.NO_ACTION, note="بدون اقدام")
        await handle.execute_update(HotspotReviewWorkflow.decide, decision)
        await handle.result()
    row = await _until_archived(dev_client, seeded, review_id)
    assert row.workflow_type == "HotspotReviewWorkflow" and row.tracking_code is None


async def test_reconciliation_reports_a_timeline_row_altered_by_hand(dev_client, dev_api, seeded):
    code = await closed_case(dev_api, seeded)
    await _until_archived(dev_client, seeded, case_workflow(code))
    async with seeded() as session:
        clean = await reconcile(session, dev_client.data_converter)
    assert [m for m in clean.mismatches if m.tracking_code == code] == []
    assert code not in clean.not_archived

    async with seeded() as session, session.begin():
        await session.execute(
            update(CaseEventRow)
            .where(CaseEventRow.tracking_code == code, CaseEventRow.seq == 2)
            .values(note="یادداشتی که کسی دستی عوض کرد", actor_username="someone-else")
        )
        await session.execute(delete(CaseEventRow).where(CaseEventRow.tracking_code == code, CaseEventRow.seq == 3))
    async with seeded() as session:
        found = await reconcile(session, dev_client.data_converter)
    mine = sorted((m.seq, m.field) for m in found.mismatches if m.tracking_code == code)
    assert mine == [(2, "actor_username"), (2, "note"), (3, "row")]
    note = next(m for m in found.mismatches if m.tracking_code == code and m.field == "note")
    assert note.read_model == "یادداشتی که کسی دستی عوض کرد" and note.archive == ACCEPT["action_order"]


async def test_check_fails_when_the_archive_lags_behind_longer_than_the_retention(sessions, tmp_path):
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'foad.db'}")
    day = timedelta(days=1)
    [fresh] = await check_archive(settings, day)
    assert fresh.ok and "no sweep has finished yet, and no case has closed" in fresh.what
    async with sessions() as session, session.begin():
        started = datetime.now(UTC) - timedelta(hours=30)
        session.add(ArchiveSweep(started_at=started, finished_at=started, seen=0, archived=0))
    [late] = await check_archive(settings, day)
    assert not late.ok and "30 hours behind" in late.what and "retention of 1 day" in late.what
    [fine] = await check_archive(settings, timedelta(days=2))
    assert fine.ok and "within the retention of 2 days" in fine.what


async def test_an_admin_erases_a_closed_case_with_a_reason_and_its_archive_no_longer_opens(
    dev_client, dev_app, dev_api, seeded
):
    code = await closed_case(dev_api, seeded)
    running = await file(dev_api)
    row = await _until_archived(dev_client, seeded, case_workflow(code))
    admin, senior = await login(dev_api, "admin"), await login(dev_api, "sso-senior")
    async with seeded() as session:
        before = await session.get(Case, code)

    no_reason = await dev_api.post(f"/cases/{code}/erasure", json={}, headers=admin)
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    blank = await dev_api.post(f"/cases/{code}/erasure", json={"reason": " "}, headers=admin)
    assert blank.status_code == 422
    refused = await dev_api.post(f"/cases/{running}/erasure", json={"reason": "درخواست شهروند"}, headers=admin)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "case_running"
    assert refused.json()["error"]["message_fa"].startswith("پرونده هنوز باز است")
    forbidden = await dev_api.post(f"/cases/{code}/erasure", json={"reason": "درخواست شهروند"}, headers=senior)
    assert forbidden.status_code == 403
    async with seeded() as session:
        assert (await session.get(Case, code)).citizen_national_code == NATIONAL_CODE  # nothing changed
        assert await session.get(Erasure, code) is None

    reason = "درخواست کتبی شهروند برای پاک شدن داده‌ها"
    erased = await dev_api.post(f"/cases/{code}/erasure", json={"reason": reason}, headers=admin)
    assert erased.status_code == 200, erased.text
    assert erased.json()["by"] == "admin" and erased.json()["reason"] == reason
    assert erased.json()["already_erased"] is False
    again = await dev_api.post(f"/cases/{code}/erasure", json={"reason": reason}, headers=admin)
    assert again.status_code == 200 and again.json()["already_erased"] is True

    async with seeded() as session:
        case = await session.get(Case, code)
        notes = list(await session.scalars(select(CaseEventRow.note).where(CaseEventRow.tracking_code == code)))
        sms = list(await session.scalars(select(SmsOutbox).where(SmsOutbox.tracking_code == code)))
        logged = list(
            await session.scalars(
                select(AccessRecord).where(
                    AccessRecord.tracking_code == code, AccessRecord.what == "personal_data_erased"
                )
            )
        )
        archived_row = await session.get(ArchivedHistory, row.id)
    personal = (case.citizen_national_code, case.citizen_mobile, case.citizen_name, case.description)
    assert personal == ("", "", "", "") and case.employee_name is None and case.result_note is None
    assert notes and all(note is None for note in notes)
    assert sms and all(m.mobile == "" and m.body == "" for m in sms)
    kept = ("status", "indicator", "office_unit_id", "registered_at", "closed_at", "result_seconds", "rating")
    assert all(getattr(case, name) == getattr(before, name) for name in kept)
    assert [(r.username, r.role) for r in logged] == [("admin", "admin")]
    assert archived_row.sealed_key is None

    async with seeded() as session:
        opened = await open_row(session, archived_row, dev_client.data_converter)
    sealed = [p for event in opened.history.events for p in payloads_of(event)]
    with pytest.raises(PayloadErased, match="erased"):
        await opened.converter.decode(sealed[:1])

    await forget(dev_client, case_workflow(code))
    auditor = await login(dev_api, "auditor")
    history = await dev_api.get(f"/cases/{code}/history", headers=auditor)
    assert history.status_code == 200, history.text
    assert history.json()["source"] == "archive" and history.json()["events"] == []
    assert "destroyed" in history.json()["erased"]
    replay = await dev_api.post(f"/cases/{code}/replay", headers=auditor)
    assert replay.status_code == 200 and replay.json()["erased"] and replay.json()["replayed"] is False

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=dev_app), base_url="http://foad.test") as pages:
        login_page = await pages.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', login_page.text).group(1)
        await pages.post("/login", data={"csrf": csrf, "username": "auditor", "password": PASSWORD})
        audit = await pages.get(f"/audit/{code}")
        case_page = await pages.get(f"/cases/{code}")
    assert audit.status_code == 200 and 'id="history-erased"' in audit.text and 'data-source="archive"' in audit.text
    assert case_page.status_code == 200 and 'id="case-erased"' in case_page.text and reason in case_page.text
    detail = await dev_api.get(f"/cases/{code}", headers=auditor)
    assert detail.status_code == 200 and detail.json()["citizen"]["erased"] is True
    for text in (NATIONAL_CODE, MOBILE, FULL_NAME, DESCRIPTION):
        assert text not in audit.text and text not in case_page.text


async def test_the_schedule_erases_cases_closed_longer_ago_than_the_policy_and_destroys_their_period_key(
    dev_client, dev_app, dev_api, seeded
):
    code = await closed_case(dev_api, seeded)
    row = await _until_archived(dev_client, seeded, case_workflow(code))
    queue = f"erasure-{uuid.uuid4().hex[:8]}"
    years = Settings().personal_data_years
    later = datetime.now(UTC) + timedelta(days=365.25 * years + 40)
    async with build_worker(dev_client, sessions=seeded, task_queue=queue):
        result = await dev_client.execute_workflow(
            ErasureWorkflow.run, ErasureInput(now=later), id=f"erasure-{uuid.uuid4().hex[:8]}", task_queue=queue
        )
    assert code in result.cases and row.closed_at.strftime("%Y-%m") in result.periods
    async with seeded() as session:
        erasure = await session.get(Erasure, code)
        key = await session.get(ArchiveKey, row.period_key_id)
        case = await session.get(Case, code)
        opened = await open_row(session, await session.get(ArchivedHistory, row.id), dev_client.data_converter)
    assert erasure.by == "erasure-schedule" and "FOAD_PERSONAL_DATA_YEARS" in erasure.reason
    assert key.sealed_key is None and key.destroyed_at == later
    assert case.citizen_mobile == "" and case.status == "closed"
    assert opened.erased is not None and "destroyed" in opened.erased
