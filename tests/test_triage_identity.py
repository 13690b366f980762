"""Identity per channel: an Open311 app registered as "verified identity" files only with the citizen's verified
token for the complaint's mobile; any other app's filings are marked unverified and by the app that filed them."""

from collections.abc import AsyncIterator

import pytest
import requests

from database.open311_clients import register
from tests.apiutil import citizen_auth, make_app, projected, served
from tests.factories import MOBILE
from tests.open311util import API_KEY, call, form

VERIFIED_KEY = "verified-open311-key-0123456789"


def post(url: str, data: dict[str, str], **headers: str) -> requests.Response:
    return requests.post(f"{url}/requests.json", data=data, headers=headers, timeout=30)


@pytest.fixture
async def open311(temporal_env, seeded, task_queue, worker) -> AsyncIterator[str]:
    await register(seeded, "plain-app", "برنامه بدون احراز هویت", api_key=API_KEY)
    await register(seeded, "gov-app", "برنامه با احراز هویت", api_key=VERIFIED_KEY, verified_identity=True)
    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)
    async with served(app, lifespan="on") as root:
        yield f"{root}/open311/v2"


async def test_a_plain_apps_filing_is_marked_unverified_and_by_the_app(open311, seeded):
    response = await call(post, open311, form())
    assert response.status_code == 201, response.text
    case = await projected(seeded, response.json()[0]["service_request_id"])
    assert (case.identity, case.client_app) == ("unverified", "plain-app")


async def test_a_verified_identity_app_must_pass_the_citizens_token_for_the_mobile(open311, seeded):
    without = await call(post, open311, form(api_key=VERIFIED_KEY))
    assert without.status_code == 403 and "token" in without.text
    other = await call(post, open311, form(api_key=VERIFIED_KEY), **citizen_auth("09120000000"))
    assert other.status_code == 403  # a token for another mobile proves nothing about this one
    proved = await call(post, open311, form(api_key=VERIFIED_KEY), **citizen_auth(MOBILE))
    assert proved.status_code == 201, proved.text
    case = await projected(seeded, proved.json()[0]["service_request_id"])
    assert (case.identity, case.client_app) == ("open311_verified", "gov-app")
