"""One complaint driven to the end over HTTP, as deploy/smoke.sh runs it against the API container.

    python3 deploy/smoke_case.py API_URL DATABASE_URL

A citizen proves the mobile (the one-time code is read from the SMS outbox with psql, as the phone would read
the SMS), files the complaint; the senior coordinator sso-senior reviews it and orders the Takestan branch to
act; that branch's coordinator sso-takestan completes the task; sso-senior approves the result; the citizen
says it is satisfied. Each step waits until the worker has projected the last one into the read model (the
inbox or the case row, read through the API). Prints the tracking code and the case's final row; exits 1 if any
answer is not the expected one or a step does not arrive within its time.

Standard library only (and psql): it runs on the host, outside the image, as any client of the API would.
"""

import json
import re
import subprocess
import sys
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

PASSWORD = "foad-demo-128"  # every demo user's (refdata/demo_users.json)
MOBILE = "09121234567"
OFFICE = "sso-qazvin-takestan"
STEP_TIMEOUT = 60.0
T = TypeVar("T")


class SmokeError(Exception):
    pass


class Api:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def call(
        self,
        method: str,
        path: str,
        expected: int,
        *,
        token: str | None = None,
        json_body: object = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        sent = {"Accept": "application/json"} | (headers or {})
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            data = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.base_url + path, data=data, headers=sent, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, text = answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        if status != expected:
            raise SmokeError(f"{method} {path}: {status} (expected {expected}) {text[:400]}")
        return json.loads(text) if text else {}

    def login(self, username: str) -> str:
        answer = self.call("POST", "/api/v1/auth/token", 200, form={"username": username, "password": PASSWORD})
        return answer["access_token"]


def otp_from_outbox(database_url: str) -> str:
    sql = f"SELECT body FROM sms_outbox WHERE template = 'otp' AND mobile = '{MOBILE}' ORDER BY id DESC LIMIT 1"
    body = subprocess.run(["psql", database_url, "-XAt", "-c", sql], check=True, capture_output=True, text=True).stdout
    found = re.search(r"\d{6}", body)  # Persian digits in a Persian text; \d takes any decimal digit
    if found is None:
        raise SmokeError(f"no one-time code in the outbox (last SMS: {body!r})")
    return "".join(str(unicodedata.digit(char)) for char in found.group())


def eventually(what: str, probe: Callable[[], T]) -> T:
    deadline = time.monotonic() + STEP_TIMEOUT
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise SmokeError(f"not within {STEP_TIMEOUT:.0f}s: {what}")
        time.sleep(0.3)


def open_task(api: Api, token: str, code: str, kind: str) -> str:
    def probe() -> str | None:
        for task in api.call("GET", "/api/v1/tasks", 200, token=token):
            if task["tracking_code"] == code and task["kind"] == kind and task["status"] == "open":
                return task["task_id"]
        return None

    return eventually(f"an open {kind} task of {code}", probe)


def case_row(api: Api, token: str, code: str) -> dict[str, Any]:
    return api.call("GET", f"/api/v1/cases/{code}?live=false", 200, token=token)


def drive(api_url: str, database_url: str) -> dict[str, Any]:
    api = Api(api_url)
    started = time.monotonic()

    def say(what: str) -> None:
        print(f"  {time.monotonic() - started:5.1f}s  {what}", flush=True)

    api.call("POST", "/api/v1/citizen/otp", 202, json_body={"mobile": MOBILE})
    verified = api.call(
        "POST", "/api/v1/citizen/otp/verify", 200, json_body={"mobile": MOBILE, "code": otp_from_outbox(database_url)}
    )
    citizen = verified["access_token"]
    say(f"citizen {MOBILE} verified by the one-time code from the outbox")
    complaint = {
        "national_code": "0499370899",
        "mobile": MOBILE,
        "full_name": "مریم احمدی",
        "channel": "web",
        "indicator": 7,
        "unit_id": OFFICE,
        "description": "کارمند باجه مستمری ساعت ۱۱ در محل نبود و جایگزینی هم نداشت",
        "incident_at": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(),
    }
    headers = {"Idempotency-Key": f"smoke-{uuid.uuid4()}"}
    receipt = api.call("POST", "/api/v1/complaints", 201, token=citizen, json_body=complaint, headers=headers)
    code = receipt["tracking_code"]
    say(f"filed: tracking code {code}")

    senior = api.login("sso-senior")
    order = {"decision": "accept", "unit_id": OFFICE, "action_order": "با شعبه تماس بگیرید و جایگزین بفرستید"}
    open_task(api, senior, code, "review")
    api.call("POST", f"/api/v1/cases/{code}/review", 200, token=senior, json_body=order)
    say("reviewed by sso-senior: accepted, ordered to sso-qazvin-takestan")

    unit = api.login("sso-takestan")
    task = open_task(api, unit, code, "handling")
    done = {"outcome": "substitute_assigned", "note": "کارمند جایگزین به باجه اعزام شد"}
    api.call("POST", f"/api/v1/tasks/{task}/complete", 200, token=unit, json_body=done)
    say("handled by sso-takestan: substitute assigned")

    open_task(api, senior, code, "approval")
    result = {"result_note": "کارمند جایگزین مستقر شد", "outcome": "substitute_assigned"}
    api.call("POST", f"/api/v1/cases/{code}/approve", 200, token=senior, json_body=result)
    eventually("awaiting feedback", lambda: case_row(api, senior, code)["status"] == "awaiting_feedback")
    say("result approved by sso-senior; the citizen is asked for feedback")

    feedback = {"satisfied": True, "rating": 5}
    api.call("POST", f"/api/v1/complaints/{code}/feedback", 202, token=citizen, json_body=feedback)
    row = eventually("closed", lambda: (r := case_row(api, senior, code))["status"] == "closed" and r)
    say(f"feedback: satisfied; read model: status {row['status']}, step {row['step']}")
    return row


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python3 deploy/smoke_case.py API_URL DATABASE_URL", file=sys.stderr)
        return 2
    try:
        row = drive(*argv)
    except (SmokeError, subprocess.CalledProcessError, OSError) as error:
        print(f"smoke_case: {error}", file=sys.stderr)
        return 1
    print(f"tracking_code={row['tracking_code']} status={row['status']} step={row['step']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
