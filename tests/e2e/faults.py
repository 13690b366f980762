"""Helpers for the fault tests: a client that retries 503s as a real one would, the end-of-test audit that every
case is accounted for (in the read model and in Temporal), a second senior coordinator, and the read model locked."""

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus

from infra.passwords import hash_password
from tests.e2e.api import Api
from tests.e2e.checks import check_no_step_lost_or_doubled
from tests.e2e.stack import Stack
from tests.factories import PASSWORD
from workflows.visibility import workflow_id

PATH_KINDS = ["registered", "review_accepted", "task_completed", "result_approved", "feedback"]
PATH_SMS = ["accepted", "feedback_received", "registered", "result"]
PATH_TASKS = [("review", "completed"), ("handling", "completed"), ("approval", "completed")]


@dataclass
class Retries:
    """Every 503 a driver met and retried, and every answer that was not the one expected."""

    unavailable: int = 0
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def until_answered(self, call: Callable[[], httpx.Response], expected: int, timeout: float = 120.0) -> Any:
        """Repeat the call while it answers 503 (the engine or the database is away), as a client would."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                response = call()
            except httpx.TransportError:  # the API itself answered nothing in time: the same as a 503
                response = None
            if response is not None and response.status_code != 503:
                break
            with self.lock:
                self.unavailable += 1
            assert time.monotonic() < deadline, f"still 503 after {timeout:.0f}s"
            time.sleep(0.5)
        if response.status_code != expected:
            with self.lock:
                self.unexpected.append(f"{response.request.method} {response.request.url.path}: {response.text}")
        return response.json()


def drive_to_closed(api: Api, retries: Retries, code: str, unit: str, holder: str) -> None:
    """One case through every step by HTTP, each action retried on a 503 with the same update id."""
    accept = {"decision": "accept", "unit_id": unit, "action_order": "با واحد تماس بگیرید"}
    api.open_task("sso-senior", code, "review", timeout=120)
    retries.until_answered(lambda: api.post(f"/cases/{code}/review", "sso-senior", json=accept), 200)
    task = api.open_task(holder, code, "handling", timeout=120)
    done = {"outcome": "substitute_assigned", "note": "کارمند جایگزین اعزام شد"}
    retries.until_answered(lambda: api.post(f"/tasks/{task['task_id']}/complete", holder, json=done), 200)
    api.open_task("sso-senior", code, "approval", timeout=120)
    result = {"result_note": "کارمند جایگزین مستقر شد", "outcome": "substitute_assigned"}
    retries.until_answered(lambda: api.post(f"/cases/{code}/approve", "sso-senior", json=result), 200)
    api.wait_public(code, timeout=120, feedback_due=True)
    feedback = {"satisfied": True, "rating": 5}  # with the citizen token of the api client
    retries.until_answered(lambda: api.post(f"/complaints/{code}/feedback", json=feedback), 202)
    api.wait_public(code, timeout=120, status="closed")


def check_closed_on_the_usual_path(stack: Stack, code: str) -> None:
    timeline = check_no_step_lost_or_doubled(stack, code)
    assert [e["kind"] for e in timeline] == PATH_KINDS, code
    texts = stack.rows("SELECT template FROM sms_outbox WHERE tracking_code = :c", c=code)
    assert sorted(m["template"] for m in texts) == PATH_SMS, code
    found = stack.rows("SELECT task_id, kind, status FROM tasks WHERE tracking_code = :c ORDER BY task_id", c=code)
    assert [(t["kind"], t["status"]) for t in found] == PATH_TASKS, code


def check_projected_in_order(stack: Stack, code: str) -> None:
    """The events reached the read model in the workflow's order: insertion order (the row id) is seq order."""
    rows = stack.rows("SELECT seq FROM case_events WHERE tracking_code = :c ORDER BY id", c=code)
    inserted = [r["seq"] for r in rows]
    assert inserted == sorted(inserted), f"{code}: projected out of order: {inserted}"


def workflow_states(stack: Stack, codes: list[str]) -> dict[str, WorkflowExecutionStatus | None]:
    """What Temporal itself says of each case's workflow (None: it does not know the workflow)."""

    async def describe() -> dict[str, WorkflowExecutionStatus | None]:
        client = await stack.temporal_client()
        found: dict[str, WorkflowExecutionStatus | None] = {}
        for code in codes:
            try:
                found[code] = (await client.get_workflow_handle(workflow_id(code)).describe()).status
            except Exception:  # noqa: BLE001 - RPCError NOT_FOUND: the case is unknown to Temporal
                found[code] = None
        return found

    return asyncio.run(describe())


def listed_by_visibility(stack: Stack, codes: list[str]) -> set[str]:
    """The cases Temporal's list (visibility) finds, as the Web UI and search-attribute filters would."""

    async def listed() -> set[str]:
        client = await stack.temporal_client()
        wanted = {workflow_id(code): code for code in codes}
        listing = client.list_workflows("WorkflowType = 'ComplaintWorkflow'")
        return {wanted[w.id] async for w in listing if w.id in wanted}

    return asyncio.run(listed())


def projection_attempts(stack: Stack, code: str) -> int:
    """The highest attempt of any record_transition activity in the case's history (1 if none was retried)."""

    async def attempts() -> int:
        client = await stack.temporal_client()
        history = await client.get_workflow_handle(workflow_id(code)).fetch_history()
        scheduled = {
            e.event_id: e.activity_task_scheduled_event_attributes.activity_type.name
            for e in history.events
            if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        }
        return max(
            (
                e.activity_task_started_event_attributes.attempt
                for e in history.events
                if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
                and scheduled[e.activity_task_started_event_attributes.scheduled_event_id] == "record_transition"
            ),
            default=0,
        )

    return asyncio.run(attempts())


def add_senior_coordinator(stack: Stack, username: str, agency_id: str) -> None:
    """A second senior coordinator for the agency, as an admin would add one."""
    assert stack.db is not None
    with stack.db.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO users (username, full_name, role, password_hash, agency_id, active) VALUES (?, ?, ?, ?, ?, 1)",
            (username, "راهبر ارشد دوم", "senior_coordinator", hash_password(PASSWORD), agency_id),
        )


class ExclusiveLock:
    """Another connection holding the read model's SQLite file under `BEGIN EXCLUSIVE`: every writer waits."""

    def __init__(self, stack: Stack) -> None:
        self._connection = sqlite3.connect(stack.database_path, isolation_level=None, timeout=30)

    def __enter__(self) -> "ExclusiveLock":
        self._connection.execute("BEGIN EXCLUSIVE")
        return self

    def __exit__(self, *_exc: object) -> None:
        self._connection.execute("COMMIT")
        self._connection.close()
