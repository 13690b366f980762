"""Open311 GeoReport v2, driven by the `georeport` client from PyPI (GETs, JSON and XML) and by `requests`,
its HTTP library, for the POST that georeport does not implement."""

from collections.abc import AsyncIterator

import httpx
import pytest
import requests
import xmltodict
from sqlalchemy import create_engine, delete, func, select, text

from api.services.tracking import is_valid_tracking_code
from cli import open311_clients as open311_cli
from database import open311_clients
from database.models import Case, CaseEventRow, IntakeKey, SmsOutbox, Task
from database.open311_clients import register
from infra.settings import get_settings
from tests.apiutil import PRODUCTION, http, login, make_app, projected, served
from tests.dbutil import migrate
from tests.factories import DESCRIPTION, FULL_NAME, MOBILE, NATIONAL_CODE, OFFICE
from tests.open311util import API_KEY, call, client, form
from timekeeping.tehran import TEHRAN

PERSONAL = (NATIONAL_CODE, MOBILE, FULL_NAME, FULL_NAME.split()[1], DESCRIPTION)


def post(url: str, fmt: str, data: dict[str, str], **headers: str) -> requests.Response:
    return requests.post(f"{url}/requests.{fmt}", data=data, headers=headers, timeout=30)


def errors(response: requests.Response, fmt: str) -> list[dict]:
    if fmt == "json":
        return response.json()
    parsed = xmltodict.parse(response.content)["errors"]["error"]
    return parsed if isinstance(parsed, list) else [parsed]


@pytest.fixture
async def open311(temporal_env, seeded, task_queue, worker) -> AsyncIterator[str]:
    """The root address of the Open311 endpoint, on the real test server with a worker, one client app registered."""
    await register(seeded, "test-app", "برنامه آزمایشی", api_key=API_KEY)
    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)
    async with served(app, lifespan="on") as root:
        yield f"{root}/open311/v2"


async def test_services_list_the_eight_indicators_in_json_and_xml(open311):
    as_json = await call(client(open311, "json").get_service_list)
    as_xml = await call(client(open311, "xml").get_service_list)
    assert [s["service_code"] for s in as_json] == [str(i) for i in range(1, 9)]
    assert as_json[6]["service_name"] == "عدم حضور کارمند/مدیر یا عدم پیش‌بینی نیروی جایگزین"
    assert all(s["metadata"] is True and s["type"] == "realtime" and s["description"] for s in as_json)
    assert [s["service_name"] for s in as_xml] == [s["service_name"] for s in as_json]
    assert as_xml[0]["metadata"] == "true"


async def test_service_definition_has_foads_attributes(open311):
    definition = await call(client(open311, "json").get_service_definition, "7")
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert list(attributes) == ["unit_id", "national_code", "incident_at", "employee_name"]
    assert attributes["unit_id"]["datatype"] == "singlevaluelist" and attributes["unit_id"]["required"] is True
    assert OFFICE in {v["key"] for v in attributes["unit_id"]["values"]}
    assert attributes["incident_at"]["datatype"] == "datetime"
    assert attributes["employee_name"]["required"] is False
    as_xml = await call(client(open311, "xml").get_service_definition, "7")
    xml_attributes = as_xml["attributes"]["attribute"]
    assert [a["code"] for a in xml_attributes] == list(attributes)
    assert OFFICE in {v["key"] for v in xml_attributes[0]["values"]["value"]}


async def test_post_files_a_case_through_the_same_intake(open311, seeded):
    response = await call(post, open311, "json", form())
    assert response.status_code == 201, response.text
    [created] = response.json()
    code = created["service_request_id"]
    assert is_valid_tracking_code(code) and "کد رهگیری" in created["service_notice"]
    case = await projected(seeded, code)
    assert (case.channel, case.filed_by, case.indicator, case.citizen_national_code) == (
        "app",
        "open311:test-app",
        7,
        NATIONAL_CODE,
    )

    as_xml = await call(post, open311, "xml", form(description="باجه صدور دفترچه از ساعت ۱۰ بسته بود و کسی پاسخ نداد"))
    assert as_xml.status_code == 201
    xml_code = xmltodict.parse(as_xml.content)["service_requests"]["request"]["service_request_id"]
    assert is_valid_tracking_code(xml_code) and xml_code != code


async def test_get_request_shows_status_and_times_but_nothing_personal(open311, seeded):
    code = (await call(post, open311, "json", form())).json()[0]["service_request_id"]
    case = await projected(seeded, code)
    request = await call(client(open311, "json").get_service_request, code)
    assert request["service_request_id"] == code and request["status"] == "open"
    assert request["service_code"] == "7" and request["address_id"] == OFFICE
    assert "در انتظار بررسی راهبر ارشد" in request["status_notes"]
    assert request["agency_responsible"] == "راهبر ارشد سازمان تأمین اجتماعی"
    assert request["expected_datetime"].endswith("+03:30")
    assert request["expected_datetime"] == case.due_at.astimezone(TEHRAN).isoformat(timespec="seconds")
    as_xml = await call(client(open311, "xml").get_service_request, code)
    assert {k: as_xml[k] for k in request if k != "service_code"} == {
        k: request[k] for k in request if k != "service_code"
    }
    for fmt in ("json", "xml"):
        raw = await call(requests.get, f"{open311}/requests/{code}.{fmt}", timeout=30)
        listed = await call(
            requests.get,
            f"{open311}/requests.{fmt}",
            params={"service_request_id": code, "api_key": API_KEY},
            timeout=30,
        )
        for body in (raw.text, listed.text):
            assert not [p for p in PERSONAL if p in body], body


async def test_the_same_post_twice_is_one_case(open311, seeded):
    data = form()
    first = await call(post, open311, "json", data)
    second = await call(post, open311, "json", data)
    assert second.status_code == 201 and second.headers.get("Idempotent-Replayed") == "true"
    assert second.json()[0]["service_request_id"] == first.json()[0]["service_request_id"]
    keyed = await call(post, open311, "json", form(), **{"Idempotency-Key": "app-retry-0001"})
    again = await call(
        post,
        open311,
        "json",
        form(description="متن دیگری برای همان کلید که نباید پرونده تازه بسازد"),
        **{"Idempotency-Key": "app-retry-0001"},
    )
    assert keyed.status_code == 201 and again.status_code == 409
    assert errors(again, "json")[0]["code"] == 409
    async with seeded() as session:
        assert await session.scalar(select(func.count()).select_from(IntakeKey)) == 2


async def test_post_errors_are_the_specs_error_list(open311):
    for fmt in ("json", "xml"):
        no_key = await call(post, open311, fmt, form(api_key=None))
        assert no_key.status_code == 403 and errors(no_key, fmt)[0]["description"].startswith("api_key")
        wrong_key = await call(post, open311, fmt, form(api_key="not-a-key-at-all"))
        assert wrong_key.status_code == 403
        bad = await call(
            post, open311, fmt, form(phone="0912", service_code="9", **{"attribute[national_code]": "123"})
        )
        assert bad.status_code == 400
        described = {e["description"].split(":")[0] for e in errors(bad, fmt)}
        assert described == {"phone", "service_code", "attribute[national_code]"}
        assert {str(e["code"]) for e in errors(bad, fmt)} == {"400"}
        unknown_unit = await call(post, open311, fmt, form(**{"attribute[unit_id]": "no-such-office"}))
        assert unknown_unit.status_code == 400
        assert errors(unknown_unit, fmt)[0]["description"].startswith("attribute[unit_id]:")


async def test_get_errors_are_the_specs_error_list(open311):
    missing = await call(requests.get, f"{open311}/requests/12345678903.xml", timeout=30)
    assert missing.status_code == 404 and errors(missing, "xml")[0]["code"] == "404"
    unknown_service = await call(requests.get, f"{open311}/services/42.json", timeout=30)
    assert unknown_service.status_code == 404 and errors(unknown_service, "json")[0]["code"] == 404
    too_long = await call(
        requests.get,
        f"{open311}/requests.json",
        params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z", "api_key": API_KEY},
        timeout=30,
    )
    assert too_long.status_code == 400 and "90 days" in errors(too_long, "json")[0]["description"]
    bad_status = await call(
        requests.get, f"{open311}/requests.json", params={"status": "pending", "api_key": API_KEY}, timeout=30
    )
    assert bad_status.status_code == 400
    wrong_format = await call(requests.get, f"{open311}/services.csv", timeout=30)
    assert wrong_format.status_code == 404


async def test_requests_filter_by_service_status_and_ids(open311, seeded):
    seven = (await call(post, open311, "json", form())).json()[0]["service_request_id"]
    three = (await call(post, open311, "json", form(service_code="3"))).json()[0]["service_request_id"]
    await projected(seeded, seven)
    await projected(seeded, three)
    geo = client(open311, "json")
    assert [r["service_request_id"] for r in await call(geo.get_service_requests, service_code="3")] == [three]
    both = await call(geo.get_service_requests, service_code="3,7", status="open")
    assert {r["service_request_id"] for r in both} == {seven, three}
    assert await call(geo.get_service_requests, status="closed") == []
    by_id = await call(geo.get_service_requests, service_request_id=f"{seven},12345678903", service_code="3")
    assert [r["service_request_id"] for r in by_id] == [seven]  # ids override every other filter
    old = await call(geo.get_service_requests, start_date="2025-01-01T00:00:00Z", end_date="2025-03-01T00:00:00Z")
    assert old == []
    as_xml = await call(client(open311, "xml").get_service_requests, service_code="7")
    assert as_xml["service_request_id"] == seven  # xmltodict gives one <request> as a dict


async def test_agency_responsible_is_the_unit_now_holding_the_case(open311, seeded, temporal_env, task_queue):
    code = (await call(post, open311, "json", form())).json()[0]["service_request_id"]
    await projected(seeded, code)
    async with http(make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)) as api:
        senior = await login(api, "sso-senior")
        order = {"decision": "accept", "unit_id": OFFICE, "action_order": "با شعبه تماس بگیرید و جایگزین بفرستید"}
        assert (await api.post(f"/cases/{code}/review", json=order, headers=senior)).status_code == 200
    await projected(seeded, code, status="in_handling")
    request = await call(client(open311, "xml").get_service_request, code)
    assert request["agency_responsible"] == "شعبه تأمین اجتماعی تاکستان"
    assert "سطح شهرستانی" in request["status_notes"] and request["status"] == "open"


async def test_post_answers_503_in_the_specs_format_when_temporal_is_down(seeded):
    await register(seeded, "test-app", "برنامه آزمایشی", api_key=API_KEY)
    app = make_app(sessions=seeded, temporal_address="127.0.0.1:1", temporal_rpc_timeout_seconds=1.0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test") as raw:
        response = await raw.post("/open311/v2/requests.xml", data=form())
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert xmltodict.parse(response.content)["errors"]["error"]["code"] == "503"


def test_client_apps_are_registered_listed_and_revoked_by_command(tmp_path, monkeypatch, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'foad.db'}"
    migrate(url)
    monkeypatch.setenv("FOAD_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        assert open311_cli.main(["register", "City App!", "برنامه شهر"]) == 2
        assert open311_cli.main(["register", "city-app", "برنامه شهر"]) == 0
        key = capsys.readouterr().out.strip()
        assert len(key) >= 40
        assert open311_cli.main(["list"]) == 0
        assert capsys.readouterr().out.startswith("city-app\tactive")
        assert open311_cli.main(["revoke", "city-app"]) == 0
        assert open311_cli.main(["demo"]) == 0
        assert open311_clients.DEMO_API_KEY in capsys.readouterr().out
        for name, value in PRODUCTION.items():
            monkeypatch.setenv(f"FOAD_{name.upper()}", value)
        get_settings.cache_clear()
        assert open311_cli.main(["demo"]) == 1
    finally:
        get_settings.cache_clear()
    engine = create_engine(url.replace("+aiosqlite", ""))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, active, key_hash FROM open311_clients ORDER BY id")).all()
    engine.dispose()
    assert [(r.id, bool(r.active)) for r in rows] == [("city-app", False), ("demo-app", True)]
    assert rows[0].key_hash == open311_clients.key_hash(key) and key not in str(rows)


async def test_a_request_not_yet_in_the_read_model_is_answered_from_the_workflow(open311, seeded):
    code = (await call(post, open311, "json", form(service_code="5"))).json()[0]["service_request_id"]
    await projected(seeded, code)
    # Stand in for a projection that lags behind intake: the row is not there, only the intake key.
    async with seeded() as session, session.begin():
        for model in (CaseEventRow, Task, SmsOutbox, Case):
            await session.execute(delete(model).where(model.tracking_code == code))
    request = await call(client(open311, "json").get_service_request, code)
    assert (request["service_request_id"], request["service_code"], request["status"]) == (code, "5", "open")
    assert request["agency_responsible"] == "راهبر ارشد سازمان تأمین اجتماعی"
    assert "address_id" not in request
