"""Open311 tests' plumbing: `georeport`, a synchronous Open311 client from PyPI, talking from a thread to the API
served over real HTTP in the test's event loop (the `open311` fixture of tests/test_open311.py)."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import requests
import xmltodict
from georeport import GeoReport

from tests.factories import DESCRIPTION, FULL_NAME, MOBILE, NATIONAL_CODE, OFFICE

T = TypeVar("T")

API_KEY = "test-open311-key-0123456789"


def form(**overrides: Any) -> dict[str, str]:
    """An Open311 POST as a client app sends it (first/last name, phone, attributes)."""
    first, last = FULL_NAME.split(" ", 1)
    body = {
        "api_key": API_KEY,
        "service_code": "7",
        "attribute[unit_id]": OFFICE,
        "attribute[national_code]": NATIONAL_CODE,
        "attribute[incident_at]": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(timespec="seconds"),
        "first_name": first,
        "last_name": last,
        "phone": MOBILE,
        "description": DESCRIPTION,
    }
    return {k: v for k, v in (body | overrides).items() if v is not None}


async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Runs a blocking client call in a thread, so the server in this event loop can answer it."""
    return await asyncio.to_thread(fn, *args, **kwargs)


class KeyedGeoReport(GeoReport):
    """georeport sends no api_key on GETs; FOAD's list of requests wants it (it names the app's own requests)."""

    def get_service_requests(self, **filters: Any) -> Any:
        params = {k: v for k, v in filters.items() if v is not None} | {"api_key": self.api_key}
        response = requests.get(f"{self.root_address}/requests.{self.output_format}", params=params, timeout=30)
        response.raise_for_status()
        if self.output_format == "json":
            return response.json()
        return xmltodict.parse(response.content)["service_requests"]["request"]


def client(url: str, fmt: str) -> GeoReport:
    return KeyedGeoReport(url, api_key=API_KEY, output_format=fmt)
