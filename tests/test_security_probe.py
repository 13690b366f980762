"""The holes a black-box probe found (issue 19), each shut at its root: the citizen's name hidden from unit
coordinators and every view logged, Open311 handing out no tracking codes, public look-ups rate-limited, no
500 from a non-ASCII CSRF field or an empty province code, one answer for a wrong code, no-store on personal
data, well-formed XML whatever the input, the outbox only from this machine."""

import re
import xml.etree.ElementTree as ET

import httpx
import pytest
from sqlalchemy import select

from api.open311.formats import render, xml_text
from database.models import AccessRecord, DeclaredClosure
from database.open311_clients import register
from tests.apiutil import file, http, login, make_app, open_task, projected
from tests.factories import FULL_NAME, MOBILE, PASSWORD, complaint
from tests.open311util import API_KEY
from tests.test_pages_access import browser_like, csrf_of, log_in

OFFICE = "sso-qazvin-takestan"
ANONYMOUS = {"Authorization": ""}


async def _in_handling(api, seeded) -> str:
    code = await file(api)
    await projected(seeded, code)
    senior = await login(api, "sso-senior")
    accept = {"decision": "accept", "unit_id": OFFICE, "action_order": "با شعبه تماس بگیرید"}
    assert (await api.post(f"/cases/{code}/review", json=accept, headers=senior)).status_code == 200
    await open_task(api, await login(api, "sso-takestan"), code, "handling")
    return code


# 1. the citizen's name


async def test_a_unit_coordinator_sees_no_name_and_every_view_is_logged(api, seeded, temporal_env, task_queue):
    code = await _in_handling(api, seeded)
    detail = await api.get(f"/cases/{code}", headers=await login(api, "sso-takestan"))
    assert detail.status_code == 200
    assert detail.json()["citizen"]["masked"] is True and FULL_NAME not in detail.text
    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)
    async with browser_like(app) as browser:
        await log_in(browser, "sso-takestan")
        page = await browser.get(f"/cases/{code}")
    assert page.status_code == 200 and FULL_NAME not in page.text and FULL_NAME.split()[1] not in page.text
    async with seeded() as session:
        seen = await session.execute(
            select(AccessRecord.username, AccessRecord.what).where(AccessRecord.tracking_code == code)
        )
    assert {("sso-takestan", "case_detail"), ("sso-takestan", "case_page")} <= set(seen)


# 2. tracking codes and public look-ups


@pytest.fixture
async def open311_app(seeded, temporal_env, task_queue, worker):
    await register(seeded, "test-app", "برنامه آزمایشی", api_key=API_KEY)
    return make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)


async def test_open311_lists_no_tracking_codes_to_the_anonymous_public(open311_app, api, seeded):
    code = await file(api)  # filed through the API, not by the app
    await projected(seeded, code)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=open311_app), base_url="http://foad.test") as c:
        anonymous = await c.get("/open311/v2/requests.json")
        assert anonymous.status_code == 403 and code not in anonymous.text
        keyed = await c.get("/open311/v2/requests.json", params={"api_key": API_KEY})
        assert keyed.status_code == 200 and code not in keyed.text  # only the app's own filings
        by_id = await c.get("/open311/v2/requests.json", params={"api_key": API_KEY, "service_request_id": code})
        assert by_id.status_code == 200 and by_id.json() == []


async def test_the_staff_notes_are_only_for_the_proved_mobile(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    senior = await login(api, "sso-senior")
    reject = {"decision": "reject", "referral_note": "به دادگستری شهرستان تاکستان مراجعه شود"}
    assert (await api.post(f"/cases/{code}/review", json=reject, headers=senior)).status_code == 200
    await projected(seeded, code, status="rejected")
    mine = (await api.get(f"/complaints/{code}")).json()  # the default client proved MOBILE
    assert mine["referral_note"] == reject["referral_note"]
    stranger = await api.get(f"/complaints/{code}", headers=ANONYMOUS)
    assert stranger.status_code == 200 and stranger.json()["referral_note"] is None
    assert "دادگستری" not in stranger.text


async def test_public_look_ups_are_limited_per_address(seeded):
    app = make_app(sessions=seeded, public_lookups_per_client_per_minute=5)
    async with http(app, citizen=None) as client:
        answers = [(await client.get("/complaints/12345678903")).status_code for _ in range(6)]
        assert answers == [404] * 5 + [429]
        refused = await client.get("/complaints/12345678903")
        assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
        open311 = await client.get("http://foad.test/open311/v2/requests/12345678903.json")
        assert open311.status_code == 429 and "Retry-After" in open311.headers
        # a proved citizen or a logged-in member of staff is not counted against the address
        assert (await client.get("/complaints/12345678903", headers=_citizen())).status_code == 404
    async with browser_like(app) as browser:
        assert (await browser.get("/track/12345678903")).status_code == 429


def _citizen() -> dict[str, str]:
    from tests.apiutil import citizen_auth

    return citizen_auth(MOBILE)


# 5. the outbox from this machine only


async def test_the_outbox_opens_only_from_loopback(seeded):
    app = make_app(sessions=seeded, environment="development")
    local = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    remote = httpx.ASGITransport(app=app, client=("192.168.1.20", 50000))
    async with httpx.AsyncClient(transport=local, base_url="http://foad.test") as here:
        assert (await here.get("/dev/outbox")).status_code == 200
    async with httpx.AsyncClient(transport=remote, base_url="http://foad.test") as there:
        assert (await there.get("/dev/outbox")).status_code == 404


def test_make_run_listens_on_loopback_unless_told_otherwise():
    from pathlib import Path

    from cli.devstack import main  # noqa: F401 - the module the Makefile runs
    from infra.settings import Settings

    makefile = Path(__file__).resolve().parent.parent.joinpath("Makefile").read_text()
    assert re.search(r"^FOAD_API_HOST \?= 127\.0\.0\.1$", makefile, re.M)
    assert Settings(environment="test").api_host == "127.0.0.1"
    source = Path(__file__).resolve().parent.parent.joinpath("cli/devstack.py").read_text()
    assert '"0.0.0.0"' not in source


# 6. no 500 from input


async def test_a_non_ascii_csrf_field_is_a_403_not_a_500(seeded):
    app = make_app(sessions=seeded)
    async with browser_like(app) as client:
        await csrf_of(client)
        for forged in ("é", "کد", "\x01", "a\u0000b"):
            response = await client.post("/login", data={"csrf": forged, "username": "admin", "password": PASSWORD})
            assert response.status_code == 403, (forged, response.status_code)


async def test_a_closure_with_an_empty_province_code_is_a_422_naming_it(api, seeded):
    admin = await login(api, "admin")
    body = {"starts_at": "2026-12-01T08:00:00", "ends_at": "2026-12-01T12:00:00", "reason": "برف سنگین"}
    for field in ("province_code", "agency_id"):
        response = await api.post("/admin/closures", json=body | {field: ""}, headers=admin)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["details"][0]["field"] == f"body.{field}"
    async with seeded() as session:
        assert list(await session.scalars(select(DeclaredClosure))) == []


# 8. no caching of personal data


async def test_personal_data_is_never_cached(api, seeded, temporal_env, task_queue):
    code = await _in_handling(api, seeded)
    senior = await login(api, "sso-senior")
    for path, headers in (
        (f"/cases/{code}", senior),
        (f"/citizen/cases/{code}", {}),
        (f"/complaints/{code}", {}),
        ("/access-log", await login(api, "auditor")),
    ):
        response = await api.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)
        assert response.headers["cache-control"] == "no-store", path
    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)
    async with browser_like(app) as browser:
        await log_in(browser, "sso-senior")
        page = await browser.get(f"/cases/{code}")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        css = await browser.get("/static/css/app.css")
        assert css.headers.get("cache-control") != "no-store"  # public files are not personal


# 9. well-formed XML


def test_open311_xml_is_well_formed_whatever_the_text():
    nasty = "a\x01b\x00c\ufffe\uffffd\x1f\ud800e\tf\ng"
    body = render("xml", [{"code": 400, "description": nasty}], root="errors", item="error").body
    parsed = ET.fromstring(body)
    assert parsed.find("error/description").text == "a\ufffdb\ufffdc\ufffd\ufffdd\ufffd\ufffde\tf\ng"
    assert xml_text("سلام") == "سلام"


async def test_an_open311_error_quoting_control_characters_parses(open311_app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=open311_app), base_url="http://foad.test") as c:
        for bad in ("%01", "%EF%BF%BE", "%00"):
            response = await c.get(f"/open311/v2/requests.xml?api_key={API_KEY}&status=x{bad}y")
            assert response.status_code == 400
            ET.fromstring(response.content)  # raises on a document an XML client cannot read
        response = await c.get("/open311/v2/services/%01.xml")
        assert response.status_code == 404
        ET.fromstring(response.content)


# 3. sessions end on the server


def _from(app, address: str, base: str = "http://foad.test") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 50000)), base_url=base)


async def test_logout_ends_the_session_and_its_copies(seeded):
    app = make_app(sessions=seeded)
    async with browser_like(app) as browser:
        await log_in(browser, "sso-takestan")
        copy = dict(browser.cookies)
        assert (await browser.get("/inbox")).status_code == 200
        await browser.post("/logout", data={"csrf": await csrf_of(browser, "/inbox")})
    async with browser_like(app) as thief:
        thief.cookies.update(copy)
        stale = await thief.get("/inbox")
        assert stale.status_code in (303, 401), stale.status_code  # the login page, not the inbox
        assert "/login" in stale.headers.get("location", "") or "ورود" in stale.text


async def test_api_logout_and_a_password_reset_revoke_tokens_and_cookies(seeded):
    app = make_app(sessions=seeded)
    async with http(app, citizen=None) as api, browser_like(app) as browser:
        token = await login(api, "operator1")
        await log_in(browser, "operator1")
        assert (await browser.get("/operator/intake")).status_code == 200
        assert (await api.post("/auth/logout", headers=token)).status_code == 204
        assert (await api.get("/auth/me", headers=token)).status_code == 401
        assert (await browser.get("/operator/intake")).status_code != 200  # the same account's cookie too

        fresh = await login(api, "operator1")
        admin = await login(api, "admin")
        reset = await api.post("/users/operator1/reset-password", json={"password": "another-one-1234"}, headers=admin)
        assert reset.status_code == 200
        assert (await api.get("/auth/me", headers=fresh)).status_code == 401

        again = await login(api, "operator1", "another-one-1234")
        assert (await api.post("/users/operator1/disable", headers=admin)).status_code == 200
        assert (await api.post("/users/operator1/enable", headers=admin)).status_code == 200
        assert (await api.get("/auth/me", headers=again)).status_code == 401  # enabling does not revive it
        assert (await api.get("/auth/me", headers=await login(api, "operator1", "another-one-1234"))).status_code == 200


async def test_a_change_of_role_or_units_by_the_seed_revokes_the_sessions(seeded):
    from sqlalchemy import delete, update

    from cli.seed import seed
    from database.models import User, UserUnit
    from tests.dbutil import REFDATA

    app = make_app(sessions=seeded)
    async with http(app, citizen=None) as api:
        token = await login(api, "sso-takestan")
        async with seeded() as session, session.begin():  # as if the account had been moved elsewhere
            user_id = await session.scalar(select(User.id).where(User.username == "sso-takestan"))
            await session.execute(delete(UserUnit).where(UserUnit.user_id == user_id))
            await session.execute(update(User).where(User.id == user_id).values(role="inspector"))
        await seed(seeded, REFDATA)  # the seed puts the role and the unit back: a change like any other
        assert (await api.get("/auth/me", headers=token)).status_code == 401


# 4. the lockout


async def test_wrong_logins_say_nothing_about_which_usernames_exist(seeded):
    import time

    app = make_app(sessions=seeded, login_max_failures=5)
    answers: dict[str, list] = {}
    timings: dict[str, float] = {}
    for username in ("sso-senior", "no-such-user-at-all"):
        async with _from(app, "10.0.0.7", "http://foad.test/api/v1") as api:
            start = time.monotonic()
            seen = []
            for _ in range(6):
                response = await api.post("/auth/token", data={"username": username, "password": "guess-123456"})
                body = response.json()["error"]
                seen.append((response.status_code, body["code"], body["message"], response.headers.get("retry-after")))
            timings[username] = time.monotonic() - start
            answers[username] = [(s, c, m, bool(r)) for s, c, m, r in seen]
    assert answers["sso-senior"] == answers["no-such-user-at-all"]
    assert [a[0] for a in answers["sso-senior"]] == [401] * 5 + [429]
    # the unknown name's password is hashed too: comparable time (once 7 ms against 254 ms)
    assert timings["no-such-user-at-all"] > 0.4 * timings["sso-senior"], timings


async def test_anonymous_guesses_do_not_lock_the_real_user_out(seeded):
    app = make_app(sessions=seeded, login_max_failures=5)
    async with _from(app, "10.0.0.66", "http://foad.test/api/v1") as stranger:
        for _ in range(8):
            await stranger.post("/auth/token", data={"username": "sso-senior", "password": "guess-123456"})
        assert (
            await stranger.post("/auth/token", data={"username": "sso-senior", "password": PASSWORD})
        ).status_code == 429
    async with _from(app, "10.0.0.5", "http://foad.test/api/v1") as owner:
        assert (
            await owner.post("/auth/token", data={"username": "sso-senior", "password": PASSWORD})
        ).status_code == 200


# 10. read-your-writes


async def test_a_staff_view_and_action_right_after_filing_find_the_case(
    seeded, temporal_env, task_queue, cases_terminated
):
    """The projection lags the 201: here the worker starts only a second after the filing, the longest lag a
    restarting worker gives. The senior's view and review, sent at once, wait for the row, not a 404."""
    import asyncio

    from worker import build_worker

    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)
    async with http(app) as api:
        senior = await login(api, "sso-senior")
        code = await file(api)
        async with seeded() as session:
            from database.models import Case

            assert await session.get(Case, code) is None  # nothing projected: no worker yet

        async def late_worker():
            await asyncio.sleep(1.0)
            async with build_worker(temporal_env.client, sessions=seeded, task_queue=task_queue):
                await asyncio.sleep(8)

        starting = asyncio.create_task(late_worker())
        try:
            detail = await api.get(f"/cases/{code}", headers=senior)
            assert detail.status_code == 200, detail.text
            accept = {"decision": "accept", "unit_id": OFFICE, "action_order": "با شعبه تماس بگیرید"}
            assert (await api.post(f"/cases/{code}/review", json=accept, headers=senior)).status_code == 200
        finally:
            starting.cancel()


async def test_a_case_still_unprojected_is_a_503_to_retry_not_a_404(
    seeded, temporal_env, task_queue, monkeypatch, cases_terminated
):
    from api.services import readmodel

    monkeypatch.setattr(readmodel, "PROJECTION_WAIT_SECONDS", 0.3)
    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)
    async with http(app) as api:
        code = await file(api)  # no worker: never projected
        response = await api.get(f"/cases/{code}", headers=await login(api, "sso-senior"))
        assert response.status_code == 503 and response.json()["error"]["code"] == "case_registering"
        assert response.headers["Retry-After"] == "2"
        assert (await api.get("/cases/12345678903", headers=await login(api, "sso-senior"))).status_code == 404


# 11. a calendar change reaches every case durably


async def _office_hours_cases(api, seeded, count: int) -> list:
    import uuid

    admin = await login(api, "admin")
    hours = {"sla_mode": "office_hours", "office_hours": None}
    assert (await api.put("/admin/agencies/sso/clock", json=hours, headers=admin)).status_code == 200
    cases = []
    for _ in range(count):
        filed = await api.post("/complaints", json=complaint(), headers={"Idempotency-Key": f"cal-{uuid.uuid4()}"})
        assert filed.status_code == 201, filed.text
        cases.append(await projected(seeded, filed.json()["tracking_code"], sla_mode="office_hours"))
    return cases


def _closure_over(case, reason: str):
    from datetime import timedelta

    from schemas.calendar_change import CalendarChange

    return CalendarChange(reason=reason, province_code="IR-26", due_after=case.due_at - timedelta(minutes=30))


async def _declare(seeded, case, reason: str) -> None:
    from datetime import UTC, datetime, timedelta

    async with seeded() as session, session.begin():
        session.add(
            DeclaredClosure(
                starts_at=case.due_at - timedelta(minutes=30),
                ends_at=case.due_at + timedelta(days=1),
                reason=reason,
                province_code="IR-26",
                agency_id=None,
                declared_by="admin",
                declared_at=datetime.now(UTC),
            )
        )


async def test_a_calendar_change_goes_on_without_the_api(api, seeded, temporal_env, task_queue):
    """The API is gone right after it started the change's workflow: the worker alone carries it to the case."""
    from workflows.calendar_change import CalendarChangeWorkflow

    [case] = await _office_hours_cases(api, seeded, 1)
    reason = "تعطیلی ادارات استان قزوین؛ آزمون ماندگاری"
    await _declare(seeded, case, reason)
    handle = await temporal_env.client.start_workflow(
        CalendarChangeWorkflow.run, _closure_over(case, reason), id="calendar-change-test-1", task_queue=task_queue
    )
    moved = await projected(seeded, case.tracking_code, last_seq=2)
    assert moved.due_at > case.due_at
    assert await handle.query(CalendarChangeWorkflow.reached) == 1


async def test_the_change_activity_resumes_after_its_last_heartbeat(api, seeded, temporal_env):
    """Retried after a worker crash, the activity goes on from its heartbeat: the cases done before are not
    signalled again."""
    import dataclasses

    from temporalio.testing import ActivityEnvironment

    from activities.calendar_change import CalendarChangeActivities
    from workflows.visibility import workflow_id

    cases = sorted(await _office_hours_cases(api, seeded, 2), key=lambda c: c.tracking_code)
    reason = "تعطیلی ادارات استان قزوین؛ آزمون ادامه"
    await _declare(seeded, cases[0], reason)
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, heartbeat_details=[1, 1])  # the first case was done before a crash
    beats: list = []
    env.on_heartbeat = lambda *details: beats.append(details)
    activities = CalendarChangeActivities(seeded, temporal_env.client)
    change = _closure_over(min(cases, key=lambda c: c.due_at), reason)
    assert await env.run(activities.signal_calendar_change, change) == 2
    assert beats[-1] == (2, 2)

    async def signals(code: str) -> int:
        history = await temporal_env.client.get_workflow_handle(workflow_id(code)).fetch_history()
        return sum(1 for e in history.events if e.HasField("workflow_execution_signaled_event_attributes"))

    assert (await signals(cases[0].tracking_code), await signals(cases[1].tracking_code)) == (0, 1)


# 12. the dev supervisor heals the stack


def test_the_supervisor_restarts_a_crashed_worker_with_backoff_and_keeps_the_others(tmp_path):
    import subprocess
    import sys
    import time

    from cli.devstack import Supervisor

    lines: list[str] = []
    supervisor = Supervisor(backoff_initial=0.2, backoff_max=5, log=lines.append)
    runs = tmp_path / "runs"
    crashing = (
        "import pathlib, sys, time\n"
        f"p = pathlib.Path({str(runs)!r})\n"
        "n = int(p.read_text()) if p.exists() else 0\n"
        "p.write_text(str(n + 1))\n"
        "time.sleep(0.1 if n < 2 else 60)\n"
        "sys.exit(3)\n"
    )
    try:
        steady = supervisor.spawn("api", [sys.executable, "-c", "import time; time.sleep(60)"])
        supervisor.spawn("worker", [sys.executable, "-c", crashing])
        deadline = time.monotonic() + 30
        while supervisor.restarts.get("worker", 0) < 2:
            assert time.monotonic() < deadline, lines
            supervisor.poll()
            time.sleep(0.05)
        assert supervisor.children["api"] is steady and steady.poll() is None  # the others keep running
        crashes = [line for line in lines if line.startswith("worker exited with code 3")]
        assert [line.split("restarting it in ")[1].split("s,")[0] for line in crashes] == ["0.2", "0.4"]
        assert "worker restarted (restart 2)" in lines
        supervisor.children["temporal"] = subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"])
        supervisor.children["temporal"].wait()
        with pytest.raises(RuntimeError, match="temporal exited with code 1"):
            supervisor.poll()  # not restartable: the stack stops
    finally:
        supervisor.stop_all()
    assert all(process.poll() is not None for process in supervisor.children.values())
