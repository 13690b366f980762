"""How the pages are served to a phone on a slow line: static files versioned by their content and kept for a
year, HTML and JSON compressed, and a favicon where browsers look for it."""

import re

import httpx
import pytest

from api.pages.assets import file_version
from tests.apiutil import make_app


@pytest.fixture
def app(seeded):
    return make_app(sessions=seeded)


def client_of(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test")


async def test_pages_link_static_files_by_version_and_those_are_kept_for_a_year(app):
    async with client_of(app) as client:
        home = await client.get("/")
        links = re.findall(r'(?:href|src)="(/static/[^"]+)"', home.text)
        assert {link.split("?")[0] for link in links} >= {"/static/css/app.css", "/static/js/app.js"}
        for link in links:
            path, version = link.removeprefix("/static/").split("?v=")
            assert version == file_version(path)
            response = await client.get(link)
            assert response.status_code == 200
            assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        # An old or missing version is still served, but the browser must ask again next time.
        for stale in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
            response = await client.get(stale)
            assert response.status_code == 200 and response.headers["cache-control"] == "no-cache"


async def test_html_and_json_are_compressed_for_a_browser_that_accepts_gzip(app):
    async with client_of(app) as client:
        for path in ("/", "/openapi.json"):
            response = await client.get(path, headers={"accept-encoding": "gzip"})
            assert response.status_code == 200
            assert response.headers["content-encoding"] == "gzip"
            assert int(response.headers["content-length"]) < len(response.content)  # httpx has unpacked it
        plain = await client.get("/", headers={"accept-encoding": "identity"})
        assert "content-encoding" not in plain.headers and "فواد" in plain.text


async def test_the_favicon_is_an_icon_not_a_404(app):
    async with client_of(app) as client:
        response = await client.get("/favicon.ico")
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/x-icon"
        assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
        assert 'rel="icon"' in (await client.get("/")).text
