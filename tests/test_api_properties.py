"""Property-based run of the whole OpenAPI (schemathesis): whatever a client sends, never a 500.

In process over ASGI, against the real time-skipping Temporal server with a worker and a seeded SQLite read
model, as an anonymous citizen and as several staff roles. Hypothesis drives a sync test, so it runs in a
thread and hands each request to the event loop the app and the Temporal client live on. Some examples use
the tracking code or task id of a real case, so the generated bodies reach the workflow and not only a 404.
"""

import asyncio
import math
import os
import re
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.apiutil import citizen_auth, file, http, login, make_app, open_task
from tests.factories import complaint

ROLES = (None, "citizen", "operator1", "sso-senior", "sso-takestan", "inspector1", "auditor", "admin")
EXAMPLES_PER_OPERATION = 25
# The full run: FOAD_SCHEMATHESIS_REQUESTS=5000 sends at least that many requests (more examples per operation;
# an operation with few distinct inputs ends early, so each gets half as many again as an even share).
TARGET_REQUESTS = int(os.environ.get("FOAD_SCHEMATHESIS_REQUESTS") or 0)
BASE_URL = "http://foad.test"


def _request_kwargs(case: Any, auth: dict[str, str]) -> dict[str, Any]:
    kwargs = case.as_transport_kwargs(base_url=BASE_URL)
    kwargs.pop("cookies", None)  # the API reads no cookie; httpx deprecates per-request cookies
    dropped = {"connection", "authorization"} if auth else {"connection"}  # one Authorization: the role's
    kwargs["headers"] = {k: v for k, v in (kwargs.get("headers") or {}).items() if k.lower() not in dropped} | auth
    data = kwargs.get("data")
    if isinstance(data, (bytes, str)):
        kwargs["content"] = kwargs.pop("data")
    return {k: v for k, v in kwargs.items() if k in {"method", "url", "params", "headers", "json", "data", "content"}}


async def test_no_generated_request_gets_a_500(temporal_env, seeded, task_queue, worker):
    # Limits out of the way: a 429 would stand in front of the handler a 500 could hide in.
    app = make_app(
        sessions=seeded,
        client=temporal_env.client,
        task_queue=task_queue,
        public_lookups_per_client_per_minute=10**9,
        login_per_client_per_hour=10**9,
        otp_per_client_per_hour=10**9,
        otp_verify_per_client_per_hour=10**9,
        intake_per_client_per_hour=10**9,
    )
    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"{BASE_URL}/api/v1") as api:
        tokens = {None: {}, "citizen": citizen_auth()}
        tokens |= {name: await login(api, name) for name in ROLES if name not in tokens}
        code = await file(api, headers=tokens["citizen"])
        review = await open_task(api, tokens["sso-senior"], code, "review")
        real = {"tracking_code": [code], "task_id": [review["task_id"]]}
        schema = schemathesis.openapi.from_dict(app.openapi())
        failures: list[str] = []

        async def send(kwargs: dict[str, Any]) -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as raw:
                return await raw.request(**kwargs)

        operations = [result.ok() for result in schema.get_all_operations()]
        examples = EXAMPLES_PER_OPERATION
        if TARGET_REQUESTS:
            examples = max(examples, math.ceil(1.5 * TARGET_REQUESTS / len(operations)))
        sent: dict[str | None, int] = {}

        async def relogin(role: str) -> None:
            tokens[role] = await login(api, role)

        for operation in operations:
            cases = st.one_of(
                operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
            )

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=cases, role=st.sampled_from(ROLES), use_real=st.booleans())
            def probe(case, role, use_real):
                if use_real:
                    for name in case.path_parameters or {}:
                        if name in real:
                            case.path_parameters[name] = real[name][0]
                kwargs = _request_kwargs(case, tokens[role])
                response = asyncio.run_coroutine_threadsafe(send(kwargs), loop).result(timeout=60)
                sent[role] = sent.get(role, 0) + 1
                if (
                    role not in (None, "citizen")
                    and response.status_code == 204
                    and "/auth/logout" in str(kwargs["url"])
                ):
                    asyncio.run_coroutine_threadsafe(relogin(role), loop).result(timeout=60)
                unavailable = response.status_code == 503 and "engine_unavailable" in response.text
                if response.status_code >= 500 and not unavailable:
                    answer = f"{response.status_code} {response.text[:300]}"
                    failures.append(f"{kwargs['method']} {case.operation.path} as {role}: {answer} <- {kwargs}")
                if response.status_code == 422 and not _persian_per_field(response):
                    answer = f"422 without a Persian reason per field: {response.text[:300]}"
                    failures.append(f"{kwargs['method']} {case.operation.path} as {role}: {answer} <- {kwargs}")

            await asyncio.to_thread(probe)
    total = sum(sent.values())
    print(f"schemathesis: {total} requests over {len(operations)} operations, by role {sent}, {len(failures)} 5xx")
    assert not failures, "\n".join(failures[:20])
    assert total >= TARGET_REQUESTS and set(sent) == set(ROLES), sent


def _persian_per_field(response) -> bool:
    """Every field of a 422 carries its reason in Persian (`details[].message_fa`)."""
    details = response.json()["error"]["details"]
    return bool(details) and all(re.search("[\u0600-\u06ff]", d.get("message_fa") or "") for d in details)


# Inputs that gave a 500 before they were fixed, found by probing beyond what the bounded run generates.
FOUND_500S = [
    ("GET", "/cases", {"registered_from": "0001-01-01T00:00:00+14:00"}, None, "query.registered_from"),
    ("GET", "/cases", {"registered_to": "2026-01-01T00:00:00"}, None, "query.registered_to"),
    ("GET", "/cases", {"offset": str(2**64)}, None, "query.offset"),
    ("POST", "/complaints", {}, {"incident_at": "0001-01-01T00:00:00+14:00"}, "body.incident_at"),
]


@pytest.mark.parametrize(("method", "path", "params", "body", "field"), FOUND_500S)
async def test_inputs_that_once_gave_a_500_are_422s_on_their_field(seeded, method, path, params, body, field):
    async with http(make_app(sessions=seeded)) as api:
        headers = await login(api, "auditor")
        response = await api.request(
            method, path, params=params, json=complaint(**body) if body else None, headers=headers
        )
    assert response.status_code == 422, response.text
    assert field in {d["field"] for d in response.json()["error"]["details"]}
    assert _persian_per_field(response)
