"""The pages' sessions and gates, without a browser: CSRF on every form, each role on its own pages, the
cookie's flags, the login lockout shared with the API, the development-only outbox, and personal data on the
tracking page only for the mobile that filed the case."""

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from api.auth.tokens import create_citizen_token
from api.pages.session import COOKIE
from api.services.tracking import new_tracking_code
from database.models import Case
from tests.apiutil import PRODUCTION, file, http, make_app, projected
from tests.factories import MOBILE, PASSWORD
from timekeeping.persian import persian_digits
from workflows.clock import wall_deadline

OTHER_MOBILE = "09351112233"


def browser_like(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test")


async def csrf_of(client: httpx.AsyncClient, path: str = "/login") -> str:
    response = await client.get(path)
    return re.search(r'name="csrf" value="([^"]+)"', response.text).group(1)


async def log_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/login", data={"csrf": await csrf_of(client), "username": username, "password": password})


@pytest.fixture
def app(seeded):
    return make_app(sessions=seeded)


async def test_a_form_without_the_sessions_csrf_token_is_a_persian_403(app):
    async with browser_like(app) as client:
        await client.get("/login")
        for data in ({}, {"csrf": "forged"}):
            response = await client.post("/login", data=data | {"username": "admin", "password": PASSWORD})
            assert response.status_code == 403
            assert 'lang="fa" dir="rtl"' in response.text
            assert "فرم منقضی یا نامعتبر است" in response.text


async def test_logging_in_sets_an_httponly_samesite_cookie_and_starts_at_the_roles_page(app):
    async with browser_like(app) as client:
        response = await log_in(client, "sso-takestan")
        assert response.status_code == 303 and response.headers["location"] == "/inbox"
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


async def test_the_cookie_is_secure_in_production(seeded):
    app = make_app(sessions=seeded, **PRODUCTION)
    async with browser_like(app) as client:
        response = await client.get("/login")
        assert "secure" in response.headers["set-cookie"].lower()


@pytest.mark.parametrize(
    ("username", "allowed", "refused"),
    [
        ("sso-takestan", ["/inbox"], ["/dashboard", "/audit", "/operator/intake"]),
        ("operator1", ["/operator/intake"], ["/inbox", "/dashboard", "/audit"]),
        ("auditor", ["/audit"], ["/inbox", "/dashboard", "/operator/intake"]),
        ("admin", ["/dashboard", "/audit", "/operator/intake"], ["/inbox"]),
    ],
)
async def test_each_role_sees_only_its_own_pages(app, username, allowed, refused):
    async with browser_like(app) as client:
        await log_in(client, username)
        for path in allowed:
            assert (await client.get(path)).status_code == 200, path
        for path in refused:
            response = await client.get(path)
            assert response.status_code == 403, path
            assert "این صفحه برای نقش شما نیست" in response.text
            assert "خروج" in response.text  # the refusal keeps the user's own menu


async def test_a_staff_page_without_a_login_sends_to_the_login_form(app):
    async with browser_like(app) as client:
        response = await client.get("/inbox")
        assert response.status_code == 303 and response.headers["location"] == "/login?next=/inbox"


async def test_logout_ends_the_staff_session(app):
    async with browser_like(app) as client:
        await log_in(client, "admin")
        response = await client.post("/logout", data={"csrf": await csrf_of(client, "/dashboard")})
        assert response.headers["location"] == "/login"
        assert (await client.get("/dashboard")).status_code == 303


async def test_the_login_page_shares_the_apis_lockout(app):
    async with browser_like(app) as client:
        for _ in range(app.state.settings.login_max_failures):
            await log_in(client, "sso-qazvin", "wrong-password")
        response = await log_in(client, "sso-qazvin")
        assert response.status_code == 429
        assert "صبر کنید" in response.text
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test/api/v1") as api:
        token = await api.post("/auth/token", data={"username": "sso-qazvin", "password": PASSWORD})
        assert token.json()["error"]["code"] == "login_delayed"


async def test_the_sms_outbox_page_exists_only_in_development(seeded):
    async with browser_like(make_app(sessions=seeded)) as client:
        response = await client.get("/dev/outbox")
        assert response.status_code == 404 and "پیدا نشد" in response.text
    async with browser_like(make_app(sessions=seeded, environment="development")) as client:
        assert (await client.get("/dev/outbox")).status_code == 200


async def test_the_json_api_still_answers_json_errors(app):
    async with browser_like(app) as client:
        response = await client.get("/api/v1/tasks")
        assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"


async def _a_case(sessions) -> str:
    code = new_tracking_code()
    now = datetime.now(UTC)
    async with sessions() as session:
        session.add(
            Case(
                tracking_code=code,
                workflow_id=f"case-{code}",
                agency_id="sso",
                office_unit_id="sso-qazvin-takestan",
                province_code="IR-26",
                county_code="IR-26-takestan",
                indicator=7,
                channel="web",
                citizen_national_code="0499370899",
                citizen_mobile=MOBILE,
                citizen_name="مریم احمدی",
                description="شرح خصوصی شکایت شهروند",
                incident_at=now - timedelta(hours=1),
                registered_at=now,
                filed_by="citizen",
                status="in_review",
                step="review",
                due_at=now + timedelta(hours=3),
                updated_at=now,
            )
        )
        await session.commit()
    return code


def _as_citizen(client: httpx.AsyncClient, app, mobile: str) -> None:
    """A session cookie for a citizen who proved `mobile` (the OTP pages themselves run in the browser test)."""
    import jwt

    now = datetime.now(UTC)
    claims = {"typ": "page", "csrf": "c", "mob": mobile, "iat": now, "exp": now + timedelta(minutes=5)}
    client.cookies.set(COOKIE, jwt.encode(claims, app.state.settings.secret_key, algorithm="HS256"))


@pytest.mark.parametrize(("mobile", "shown"), [(None, False), (OTHER_MOBILE, False), (MOBILE, True)])
async def test_the_tracking_page_shows_personal_data_only_to_the_verified_owner(app, seeded, mobile, shown):
    code = await _a_case(seeded)
    async with browser_like(app) as client:
        if mobile:
            _as_citizen(client, app, mobile)
        response = await client.get(f"/track/{code}")
    assert response.status_code == 200
    assert "در حال بررسی در دستگاه" in response.text and "راهبر ارشد" not in response.text
    assert ("مریم احمدی" in response.text) is shown
    assert ("شرح خصوصی شکایت شهروند" in response.text) is shown


def test_a_citizen_api_token_is_not_a_page_session(app):
    token, _ = create_citizen_token(mobile=MOBILE, settings=app.state.settings)
    from api.pages.session import _decode

    assert _decode(token, app.state.settings) is None


async def test_a_citizen_can_end_its_verified_session(app):
    async with browser_like(app) as client:
        _as_citizen(client, app, MOBILE)
        home = await client.get("/")
        assert "خروج" in home.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', home.text).group(1)
        response = await client.post("/logout", data={"csrf": csrf})
        assert response.headers["location"] == "/"
        assert (await client.get("/complaint")).headers["location"] == "/verify?next=/complaint"


async def test_the_case_page_explains_how_the_deadline_was_computed(app, seeded):
    code = await _a_case(seeded)
    async with seeded() as session:
        case = await session.get(Case, code)
        deadline = wall_deadline(start=case.registered_at, budget=timedelta(hours=3), pauses=[], purpose="sla")
        case.deadline = deadline.model_dump(mode="json")
        await session.commit()
    async with browser_like(app) as client:
        await log_in(client, "sso-senior")
        response = await client.get(f"/cases/{code}?live=false")
    assert response.status_code == 200
    explanation = re.search(r'id="deadline-explanation">(.*?)</dd>', response.text, re.S)
    assert explanation is not None and "<li>" in explanation.group(1)


async def test_an_action_the_engine_cannot_take_now_keeps_the_coordinator_on_the_case_page(seeded):
    """Temporal unreachable: a Persian notice above the case's forms, a 503 with Retry-After, nothing lost."""
    from cli.devstack import free_port

    app = make_app(sessions=seeded, temporal_address=f"127.0.0.1:{free_port()}", temporal_rpc_timeout_seconds=1)
    code = await _a_case(seeded)
    async with browser_like(app) as client:
        await log_in(client, "sso-senior")
        form = {
            "csrf": await csrf_of(client, f"/cases/{code}"),
            "decision": "reject",
            "referral_note": "به دفتر پیشخوان دولت مراجعه کنید",
        }
        response = await client.post(f"/cases/{code}/review", data=form)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert 'dir="rtl"' in response.text and persian_digits(code) in response.text  # the case's own page
    notice = re.search(r'id="action-error">([^<]+)<', response.text)
    assert notice and "سامانه گردش کار در دسترس نیست" in notice.group(1)


async def test_the_operators_intake_page_lists_its_own_latest_filings_only(app, seeded):
    mine, theirs = await _a_case(seeded), await _a_case(seeded)
    async with seeded() as session:
        (await session.get(Case, mine)).filed_by = "operator1"
        (await session.get(Case, theirs)).filed_by = "operator2"
        await session.commit()
    async with browser_like(app) as client:
        await log_in(client, "operator1")
        response = await client.get("/operator/intake")
    filings = re.search(r'id="my-filings">(.*?)</section>', response.text, re.S).group(1)
    assert persian_digits(mine) in filings and persian_digits(theirs) not in filings
    assert "در انتظار بررسی راهبر ارشد" in filings  # the status, in Persian


async def test_the_pages_offer_what_the_rule_book_allows_and_show_a_refusals_reason(
    seeded, temporal_env, task_queue, worker
):
    """A case in review, live on the test server: the senior coordinator is offered review and a question only;
    the citizen no form. A refused escalation, feedback or reply keeps each on its page with the Persian reason."""
    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)
    async with http(app) as api:
        code = await file(api)
    await projected(seeded, code)
    async with browser_like(app) as client:
        await log_in(client, "sso-senior")
        case_page = await client.get(f"/cases/{code}")
        forms = set(re.findall(r'id="form-([a-z-]+)"', case_page.text))
        assert forms == {"review", "request-information"}
        csrf = re.search(r'name="csrf" value="([^"]+)"', case_page.text).group(1)
        refused = await client.post(f"/cases/{code}/escalate", data={"csrf": csrf, "reason": "فوری است"})
        assert refused.status_code == 409 and persian_digits(code) in refused.text  # still the case's page
        reason = re.search(r'id="action-error">([^<]+)<', refused.text).group(1)
        assert reason == "فقط پرونده‌ای که در مرحله رسیدگی است به سطح بالاتر منتقل می‌شود"
    async with browser_like(app) as client:
        _as_citizen(client, app, MOBILE)
        track = await client.get(f"/track/{code}")
        assert "مریم احمدی" in track.text, "the owner's own page"
        assert (
            f'action="/track/{code}/feedback"' not in track.text and f'action="/track/{code}/reply"' not in track.text
        )
        for action, data, reason in (
            ("feedback", {"satisfied": "yes", "rating": "5"}, "این پرونده در انتظار بازخورد نیست"),
            ("reply", {"answer": "باجه ۴"}, "پرسشی از شما در این پرونده باز نیست"),
        ):
            response = await client.post(f"/track/{code}/{action}", data={"csrf": "c"} | data)
            assert response.status_code == 409, (action, response.text[:300])
            assert re.search(r'id="action-error">([^<]+)<', response.text).group(1) == reason
