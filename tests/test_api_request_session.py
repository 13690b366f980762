"""The request's database session, for the JSON API and the pages alike: what a handler wrote is committed
before the response goes out, an error rolls all of it back, and no connection is left checked out."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select

from api.deps import SessionDep
from api.edge.errors import Conflict
from database.models import AccessRecord
from tests.apiutil import make_app
from tests.factories import MOBILE, PASSWORD
from tests.test_pages_access import _a_case, _as_citizen


class AtResponseStart:
    """Runs `probe` when the app starts its response (before the client can read a byte) and keeps what it saw."""

    def __init__(self, app, probe: Callable[[], Awaitable[int]]) -> None:
        self.app = app
        self.probe = probe
        self.seen: dict[str, int] = {}

    async def __call__(self, scope, receive, send) -> None:
        async def spy(message) -> None:
            if message["type"] == "http.response.start":
                self.seen[scope["path"]] = await self.probe()
            await send(message)

        await self.app(scope, receive, spy)


def _records(sessions, what: str) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        async with sessions() as session:  # a connection of its own: it sees only what was committed
            return await session.scalar(select(func.count()).where(AccessRecord.what == what)) or 0

    return count


async def test_the_tracking_pages_access_record_is_committed_before_its_response_is_sent(seeded):
    code = await _a_case(seeded)
    app = make_app(sessions=seeded)
    spy = AtResponseStart(app, _records(seeded, "citizen_case_page"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=spy), base_url="http://foad.test") as client:
        _as_citizen(client, app, MOBILE)
        response = await client.get(f"/track/{code}")
    assert response.status_code == 200 and "شرح خصوصی شکایت شهروند" in response.text  # the owner's own page
    assert spy.seen[f"/track/{code}"] == 1
    assert seeded.kw["bind"].pool.checkedout() == 0


async def test_the_json_case_details_access_record_is_committed_before_its_response_is_sent(seeded):
    code = await _a_case(seeded)
    spy = AtResponseStart(make_app(sessions=seeded), _records(seeded, "case_detail"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=spy), base_url="http://foad.test/api/v1") as api:
        token = (await api.post("/auth/token", data={"username": "sso-senior", "password": PASSWORD})).json()
        response = await api.get(
            f"/cases/{code}", params={"live": "false"}, headers={"Authorization": f"Bearer {token['access_token']}"}
        )
    assert response.status_code == 200 and response.json()["citizen"]["masked"] is False
    assert spy.seen[f"/api/v1/cases/{code}"] == 1
    assert seeded.kw["bind"].pool.checkedout() == 0


def _writes_then_refuses(app, path: str) -> None:
    """A handler that writes a row through the request's session, then fails the way a refused action does."""

    async def handler(session: SessionDep) -> dict:
        session.add(
            AccessRecord(at=datetime.now(UTC), username="edge", role="admin", tracking_code=None, what=path, client="-")
        )
        await session.flush()  # the row is in the request's transaction now
        raise Conflict("refused after a write", message_fa="این کار اکنون شدنی نیست.")

    app.add_api_route(path, handler, methods=["POST"])


@pytest.mark.parametrize(
    ("path", "shown_as"),
    [("/api/v1/edge-test/write-then-refuse", "json"), ("/edge-test/write-then-refuse", "page")],
)
async def test_an_error_in_the_middle_of_a_handler_rolls_back_what_it_wrote(seeded, path, shown_as):
    app = make_app(sessions=seeded)
    _writes_then_refuses(app, path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test") as client:
        response = await client.post(path)
    assert response.status_code == 409
    if shown_as == "json":
        assert response.json()["error"]["code"] == "invalid_action"
    else:
        assert 'dir="rtl"' in response.text and "این کار اکنون شدنی نیست." in response.text
    assert await _records(seeded, path)() == 0
    assert seeded.kw["bind"].pool.checkedout() == 0
