"""Personal data in Temporal: the raw history holds only ciphertext, and /codec opens it for auditors alone."""

import base64
import json
import re

import httpx
import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from cli.devstack import dev_server_command
from infra.codec import ENCODING, KEY_ID
from schemas.case import CaseStart
from tests.apiutil import file, http, login, make_app, projected
from tests.factories import FULL_NAME, NATIONAL_CODE, PASSWORD, complaint
from workflows.visibility import workflow_id

DECODE, ENCODE = "http://foad.test/codec/decode", "http://foad.test/codec/encode"
UI_ORIGIN = "http://localhost:8233"
DESCRIPTION = "کارمند باجه مستمری ساعت ۱۱ در محل نبود؛ نام کارمند: علی رضایی"
ACTION_ORDER = "با آقای علی رضایی تماس بگیرید"


def wire(payloads: list[Payload]) -> dict:
    return {
        "payloads": [
            {
                "metadata": {k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
                "data": base64.b64encode(p.data).decode(),
            }
            for p in payloads
        ]
    }


def unwire(body: dict) -> list[Payload]:
    return [
        Payload(metadata={k: base64.b64decode(v) for k, v in p["metadata"].items()}, data=base64.b64decode(p["data"]))
        for p in body["payloads"]
    ]


def plain(value) -> Payload:
    return pydantic_data_converter.payload_converter.to_payloads([value])[0]


@pytest.fixture
async def codec_api(seeded):
    """The API alone: the codec needs no Temporal, only the key ring and the user table."""
    async with http(make_app(sessions=seeded)) as client:
        yield client


async def test_raw_history_holds_no_personal_data_and_the_codec_endpoint_opens_it(api, seeded, temporal_env):
    code = await file(api, complaint(description=DESCRIPTION, mobile="+989121234567"))
    await projected(seeded, code)
    senior = await login(api, "sso-senior")
    review = {"decision": "accept", "unit_id": "sso-qazvin-takestan", "action_order": ACTION_ORDER}
    assert (await api.post(f"/cases/{code}/review", json=review, headers=senior)).status_code == 200

    # The server's own bytes, read by a client that holds no key
    raw_client = Client(temporal_env.client.service_client, namespace=temporal_env.client.namespace)
    history = await raw_client.get_workflow_handle(workflow_id(code)).fetch_history()
    raw = b"".join(event.SerializeToString() for event in history.events)
    for secret in (NATIONAL_CODE, "9121234567", FULL_NAME, "علی رضایی", "در محل نبود"):
        assert secret.encode() not in raw, f"{secret!r} is in the clear in the Temporal history"
    started = history.events[0].workflow_execution_started_event_attributes.input.payloads
    assert [p.metadata["encoding"] for p in started] == [ENCODING]

    # The production converter opens it ...
    [start] = await temporal_env.client.data_converter.decode(started, [CaseStart])
    assert (start.citizen.national_code, start.citizen.full_name) == (NATIONAL_CODE, FULL_NAME)
    assert start.description == DESCRIPTION

    # ... and so does the codec endpoint, for an auditor, as the Temporal UI would ask it
    auditor = await login(api, "auditor")
    response = await api.post(DECODE, json=wire(list(started)), headers=auditor | {"X-Namespace": "default"})
    assert response.status_code == 200, response.text
    [opened] = unwire(response.json())
    assert opened.metadata["encoding"] == b"json/plain"
    assert json.loads(opened.data)["citizen"]["national_code"] == NATIONAL_CODE


async def test_codec_endpoint_seals_and_opens_for_an_auditor(codec_api):
    auditor = await login(codec_api, "auditor")
    original = plain({"national_code": NATIONAL_CODE})
    sealed = await codec_api.post(ENCODE, json=wire([original]), headers=auditor)
    assert sealed.status_code == 200, sealed.text
    [payload] = unwire(sealed.json())
    assert payload.metadata["encoding"] == ENCODING and payload.metadata[KEY_ID] == b"dev"
    assert NATIONAL_CODE.encode() not in payload.data
    opened = await codec_api.post(DECODE, json=sealed.json(), headers=auditor)
    assert opened.status_code == 200, opened.text
    assert unwire(opened.json()) == [original]


async def test_codec_endpoint_passes_unsealed_payloads_through(codec_api):
    auditor = await login(codec_api, "auditor")
    original = plain("closed")
    response = await codec_api.post(DECODE, json=wire([original]), headers=auditor)
    assert response.status_code == 200 and unwire(response.json()) == [original]


async def test_each_decode_is_recorded_as_an_access_to_personal_data(codec_api):
    headers = await login(codec_api, "auditor") | {"X-Namespace": "default"}
    response = await codec_api.post(DECODE, json=wire([plain(1), plain(2)]), headers=headers)
    assert response.status_code == 200
    log = await codec_api.get("/access-log", headers=headers)
    assert [(r["what"], r["username"], r["role"]) for r in log.json()] == [
        ("codec.decode:default:2", "auditor", "auditor")
    ]


async def test_codec_endpoint_needs_a_token(codec_api):
    for url in (DECODE, ENCODE):
        response = await codec_api.post(url, json=wire([plain(1)]))
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("username", ["operator1", "admin", "sso-senior", "sso-takestan", "inspector1"])
async def test_codec_endpoint_is_for_auditors_only(codec_api, username):
    headers = await login(codec_api, username)
    for url in (DECODE, ENCODE):
        response = await codec_api.post(url, json=wire([plain(1)]), headers=headers)
        assert response.status_code == 403, (username, url, response.text)


async def test_a_payload_sealed_with_an_unknown_key_is_a_422_naming_it(codec_api):
    auditor = await login(codec_api, "auditor")
    foreign = Payload(metadata={"encoding": ENCODING, KEY_ID: b"retired-2024"}, data=b"\0" * 40)
    response = await codec_api.post(DECODE, json=wire([plain(1), foreign]), headers=auditor)
    assert response.status_code == 422
    [detail] = response.json()["error"]["details"]
    assert detail["loc"] == ["body", "payloads", 1] and "retired-2024" in detail["reason"]


@pytest.mark.parametrize(
    "body",
    [
        {"payloads": [{"metadata": {"encoding": "not*base64"}, "data": ""}]},
        {"payloads": [{"metadata": {}, "data": "a"}]},
        {"payloads": "nope"},
        {"payloads": [{"metadata": {"encoding": 5}, "data": []}]},
    ],
)
async def test_malformed_codec_requests_are_422(codec_api, body):
    response = await codec_api.post(DECODE, json=body, headers=await login(codec_api, "auditor"))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"


async def test_the_temporal_ui_origin_may_call_the_codec_from_a_browser(codec_api):
    preflight = {
        "Origin": UI_ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }
    response = await codec_api.options(DECODE, headers=preflight)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == UI_ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"

    elsewhere = await codec_api.options(DECODE, headers=preflight | {"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in elsewhere.headers
    api_path = await codec_api.get("/units", headers={"Origin": UI_ORIGIN})
    assert "access-control-allow-origin" not in api_path.headers


def test_the_local_temporal_ui_is_pointed_at_the_api_codec_endpoint(tmp_path):
    command = dev_server_command(tmp_path, 7233, 8233, codec_endpoint="http://localhost:8000/codec")
    assert command[command.index("--ui-codec-endpoint") + 1] == "http://localhost:8000/codec"
    assert "--ui-codec-endpoint" not in dev_server_command(tmp_path, 7233, None, codec_endpoint="http://x/codec")


@pytest.mark.parametrize(("username", "status"), [("auditor", 200), ("sso-senior", 403)])
async def test_the_temporal_ui_may_decode_with_an_auditors_page_session(seeded, username, status):
    """The UI, with "Include cross-origin credentials" on, sends the cookie of FOAD's pages, not a token."""
    app = make_app(sessions=seeded)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test") as browser:
        form = await browser.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        await browser.post("/login", data={"csrf": csrf, "username": username, "password": PASSWORD})
        response = await browser.post(DECODE, json=wire([plain(1)]), headers={"Origin": "http://localhost:8233"})
    assert response.status_code == status, response.text
    if status == 200:
        assert response.headers["access-control-allow-credentials"] == "true"
