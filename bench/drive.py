"""Driving cases through the HTTP API, as the benchmark's load: every action is an API call; waiting for the next
step reads the read model's SQLite file directly (polling the inbox endpoint would itself become the load).

Every coordinator action is done by the agency's senior coordinator, who may complete any of its agency's tasks.
"""

import asyncio
import re
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from schemas.text import latin_digits
from tests.factories import MOBILE, OFFICE, PASSWORD, complaint

SENIOR = "sso-senior"
ACCEPT = {"decision": "accept", "unit_id": OFFICE, "action_order": "با شعبه تماس بگیرید"}
DONE = {"outcome": "substitute_assigned", "note": "کارمند جایگزین اعزام شد"}
RESULT = {"result_note": "کارمند جایگزین مستقر شد", "outcome": "substitute_assigned"}


class BenchError(Exception):
    """An answer the benchmark did not expect: counted as an error, never retried."""


@dataclass
class Driver:
    """One HTTP client (with the senior coordinator's token) and the read model's file."""

    base_url: str
    database: Path
    http: httpx.AsyncClient = field(init=False)
    token: dict[str, str] = field(default_factory=dict)
    citizen: dict[str, str] = field(default_factory=dict)
    queries: int = 0  # API calls that make the API query the workflow (not in its history, billed all the same)
    filed: list[str] = field(default_factory=list)

    async def __aenter__(self) -> "Driver":
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=60, limits=limits)
        answer = await self.http.post("/auth/token", data={"username": SENIOR, "password": PASSWORD})
        answer.raise_for_status()
        self.token = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        self.citizen = await self._verify_mobile()
        return self

    async def _verify_mobile(self) -> dict[str, str]:
        """The citizen's one-time code, read from the outbox as a phone would read its SMS."""
        (await self.http.post("/citizen/otp", json={"mobile": MOBILE})).raise_for_status()
        with sqlite3.connect(self.database) as db:
            [body] = db.execute(
                "SELECT body FROM sms_outbox WHERE template = 'otp' AND mobile = ? ORDER BY id DESC LIMIT 1", (MOBILE,)
            ).fetchone()
        code = re.search(r"\d{6}", latin_digits(body)).group()
        answer = await self.http.post("/citizen/otp/verify", json={"mobile": MOBILE, "code": code})
        answer.raise_for_status()
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    async def __aexit__(self, *_exc: object) -> None:
        await self.http.aclose()

    async def call(self, method: str, path: str, expected: int, *, staff: bool = True, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {}) | (self.token if staff else self.citizen)
        answer = await self.http.request(method, path, headers=headers, **kwargs)
        if answer.status_code != expected:
            raise BenchError(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
        return answer.json()

    async def file(self) -> str:
        key = f"bench-{uuid.uuid4()}"
        headers = {"Idempotency-Key": key}
        receipt = await self.call("POST", "/complaints", 201, staff=False, json=complaint(), headers=headers)
        self.filed.append(receipt["tracking_code"])
        return receipt["tracking_code"]

    # --- the read model -------------------------------------------------------------------------------

    def _one(self, sql: str, *params: Any) -> Any:
        with sqlite3.connect(self.database, timeout=30) as connection:
            return connection.execute(sql, params).fetchone()

    async def open_task(self, code: str, kind: str, timeout: float = 180.0, level: str | None = None) -> str:
        sql = "SELECT task_id FROM tasks WHERE tracking_code = ? AND kind = ? AND status = 'open'"
        params: list[Any] = [code, kind]
        if level is not None:
            sql, params = sql + " AND level = ?", [*params, level]
        found = await self._wait(sql, params, timeout, f"an open {kind} task of {code}")
        return found[0]

    async def status(self, code: str, status: str, timeout: float = 180.0) -> None:
        sql = "SELECT status FROM cases WHERE tracking_code = ? AND status = ?"
        await self._wait(sql, [code, status], timeout, f"case {code} {status}")

    async def event(self, code: str, kind: str, timeout: float = 180.0) -> None:
        sql = "SELECT 1 FROM case_events WHERE tracking_code = ? AND kind = ?"
        await self._wait(sql, [code, kind], timeout, f"a {kind} event of {code}")

    async def _wait(self, sql: str, params: list[Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            found = await asyncio.to_thread(self._one, sql, *params)
            if found:
                return found
            if time.monotonic() > deadline:
                raise BenchError(f"not within {timeout:.0f}s: {what}")
            await asyncio.sleep(0.1)

    # --- the steps ------------------------------------------------------------------------------------

    async def review(self, code: str) -> None:
        await self.open_task(code, "review")
        await self.call("POST", f"/cases/{code}/review", 200, json=ACCEPT)

    async def handle_and_approve(self, code: str, level: str | None = None) -> None:
        task = await self.open_task(code, "handling", level=level)
        await self.call("POST", f"/tasks/{task}/complete", 200, json=DONE)
        await self.open_task(code, "approval")
        await self.call("POST", f"/cases/{code}/approve", 200, json=RESULT)
        await self.status(code, "awaiting_feedback")

    async def feedback(self, code: str, satisfied: bool) -> None:
        self.queries += 1  # the endpoint reads the live state first
        body = {"satisfied": satisfied, "rating": 5 if satisfied else 1}
        await self.call("POST", f"/complaints/{code}/feedback", 202, staff=False, json=body)

    # --- whole cases, by kind -------------------------------------------------------------------------

    async def first_level(self) -> str:
        """Filed, ordered to the county office, handled there, approved, the citizen satisfied."""
        code = await self.file()
        await self.review(code)
        await self.handle_and_approve(code)
        await self.feedback(code, True)
        await self.status(code, "closed")
        return code

    async def escalated_to_top(self, level_budget: float, finish: bool = True) -> str:
        """Nobody at the county, provincial or subordinate level answers: the national HQ handles it."""
        code = await self.file()
        await self.review(code)
        if finish:
            await self.handle_and_approve(code, level="national")
            await self.feedback(code, True)
            await self.status(code, "closed", timeout=4 * level_budget + 120)
        return code

    async def reopened(self) -> str:
        """Handled at the county, the citizen dissatisfied: reopened one level up, handled, then closed."""
        code = await self.file()
        await self.review(code)
        await self.handle_and_approve(code)
        await self.feedback(code, False)
        await self.handle_and_approve(code, level="provincial")
        await self.feedback(code, True)
        await self.status(code, "closed")
        return code
