"""The HTTP edge: security headers on every response, /docs served locally under the strict CSP, and the
request-body ceiling, whether the body declares its length or streams in chunks."""

import re

import httpx

from api.edge.headers import CONTENT_SECURITY_POLICY
from tests.apiutil import PRODUCTION, make_app
from tests.factories import complaint

BASE = "http://foad.test"


def _client(app, base: str = BASE) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)


async def test_every_response_carries_the_security_headers(sessions):
    async with _client(make_app(sessions=sessions)) as client:
        for response in (
            await client.get("/api/v1/indicators"),
            await client.get("/api/v1/no-such-thing"),
            await client.post("/api/v1/complaints", json={}),
            await client.get("/docs"),
        ):
            headers = response.headers
            assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, response.url
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["x-frame-options"] == "DENY"
            assert headers["referrer-policy"] == "no-referrer"
            assert "strict-transport-security" not in headers  # plain http, not production


async def test_an_unexpected_500_carries_the_security_headers_too(sessions):
    app = make_app(sessions=sessions)

    async def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/broken", broken)  # under /api: the JSON error (elsewhere, the Persian page)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        response = await client.get("/api/v1/broken")
    assert response.status_code == 500 and response.json()["error"]["code"] == "internal_error"
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-frame-options"] == "DENY"


def test_the_csp_allows_no_inline_script_and_no_other_origin():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY and "http" not in CONTENT_SECURITY_POLICY


async def test_hsts_is_sent_over_https_and_always_in_production(sessions):
    async with _client(make_app(sessions=sessions), "https://foad.test") as client:
        response = await client.get("/api/v1/indicators")
        assert response.headers["strict-transport-security"].startswith("max-age=31536000")
    production = make_app(sessions=sessions, **PRODUCTION)
    async with _client(production) as client:
        assert "strict-transport-security" in (await client.get("/api/v1/indicators")).headers


async def test_docs_page_loads_only_local_assets_and_no_inline_script(sessions):
    async with _client(make_app(sessions=sessions)) as client:
        page = await client.get("/docs")
        assert page.status_code == 200
        html = page.text
        assert "http://" not in html and "https://" not in html and "//cdn" not in html
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        assert scripts and all('src="/' in attrs and body.strip() == "" for attrs, body in scripts)
        urls = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert any(u.endswith("swagger-ui-bundle.js") for u in urls)
        for url in urls:
            asset = await client.get(url)
            assert asset.status_code == 200, url
            assert asset.content, url
        init = await client.get(next(u for u in urls if u.endswith("docs.js")))
        assert "SwaggerUIBundle" in init.text and "validatorUrl: null" in init.text
        assert 'data-openapi-url="/openapi.json"' in html
        assert (await client.get("/openapi.json")).status_code == 200
        assert (await client.get("/redoc")).status_code == 404  # ReDoc would load from a CDN


async def test_a_body_declared_over_the_limit_is_refused_with_413(sessions):
    async with _client(make_app(sessions=sessions, max_body_bytes=1024)) as client:
        body = complaint(description="ش" * 2000)
        response = await client.post("/api/v1/complaints", json=body)
        assert response.status_code == 413
        error = response.json()["error"]
        assert error["code"] == "payload_too_large" and error["details"] == {"max_bytes": 1024}
        assert error["message_fa"]
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_chunked_body_growing_past_the_limit_is_refused_with_413(sessions):
    async def chunks():
        for _ in range(64):
            yield b'{"description": "' + b"x" * 100 + b'",'

    async with _client(make_app(sessions=sessions, max_body_bytes=1024)) as client:
        response = await client.post(
            "/api/v1/complaints", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert "content-length" not in response.request.headers
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "payload_too_large"


async def test_a_chunked_login_form_past_the_limit_is_refused_with_413(sessions):
    async def chunks():
        yield b"username=operator1&password="
        for _ in range(40):
            yield b"p" * 100

    async with _client(make_app(sessions=sessions, max_body_bytes=1024)) as client:
        response = await client.post(
            "/api/v1/auth/token", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert response.status_code == 413, response.text


async def test_a_body_within_the_limit_goes_through(sessions):
    async with _client(make_app(sessions=sessions, max_body_bytes=4096)) as client:
        response = await client.post("/api/v1/complaints", json=complaint(national_code="1"))
        assert response.status_code == 422  # read and validated, not refused for its size
