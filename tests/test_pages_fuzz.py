"""Every HTML form, every field: non-ASCII and control characters in each one give a page (a 4xx at worst),
never a 500. The forms are read from the pages themselves, so a form or field added later is fuzzed too."""

import re
from html.parser import HTMLParser

import httpx
from sqlalchemy import select

from database.models import SmsOutbox
from schemas.text import latin_digits
from tests.apiutil import file, login, make_app, open_task, projected
from tests.factories import MOBILE
from tests.test_pages_access import log_in

NASTY = (
    "é",
    "\x00",
    "\x01\x1f",
    "\u202e‮کد",
    "۱۲۳۴۵۶۷۸۹۰",
    "\ufffe\uffff",
    "' OR 1=1 --",
    "<script>x</script>",
    "ا" * 3000,
)


class _Forms(HTMLParser):
    """The page's POST forms: action and the fields with their default values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._current: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._current = {}
            self.forms.append((a.get("action", ""), self._current))
        elif self._current is not None and tag in ("input", "select", "textarea") and a.get("name"):
            if a.get("type") in ("radio", "checkbox") and "checked" not in a and a["name"] in self._current:
                return
            self._current.setdefault(a["name"], a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def forms_of(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


async def _fuzz(client: httpx.AsyncClient, path: str, failures: list[str]) -> int:
    """Every field of every POST form on the page, one at a time; the number of requests sent."""
    page = await client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    sent = 0
    for action, fields in forms_of(page.text):
        if action.endswith("/logout"):
            continue  # fuzzed last, on its own: it ends the session the other forms need
        for name in fields:
            for value in NASTY:
                fresh = forms_of((await client.get(path)).text)  # a new CSRF token after any session change
                defaults = next((f for a, f in fresh if a == action), fields)
                response = await client.post(action or path, data=defaults | {name: value})
                sent += 1
                if response.status_code >= 500:
                    failures.append(f"{path} -> {action} {name}={value[:20]!r}: {response.status_code}")
    return sent


async def _verified_citizen(client: httpx.AsyncClient, seeded) -> None:
    page = await client.get("/verify")
    [(action, fields)] = [f for f in forms_of(page.text) if "mobile" in f[1]]
    sent = await client.post(action, data=fields | {"mobile": MOBILE}, follow_redirects=True)
    async with seeded() as session:
        body = await session.scalar(select(SmsOutbox.body).order_by(SmsOutbox.id.desc()).limit(1))
    code = re.search(r"\d{6}", latin_digits(body)).group()
    action, fields = next(f for f in forms_of(sent.text) if "code" in f[1])
    assert (await client.post(action, data=fields | {"code": code})).status_code == 303


async def test_every_form_field_takes_any_characters_without_a_500(api, seeded, temporal_env, task_queue):
    code = await file(api)
    await projected(seeded, code)
    handled = await file(api)  # a second case, in handling at the Takestan branch, for the unit's forms
    await projected(seeded, handled)
    senior_token = await login(api, "sso-senior")
    accept = {"decision": "accept", "unit_id": "sso-qazvin-takestan", "action_order": "با شعبه تماس بگیرید"}
    assert (await api.post(f"/cases/{handled}/review", json=accept, headers=senior_token)).status_code == 200
    await open_task(api, await login(api, "sso-takestan"), handled, "handling")
    app = make_app(
        sessions=seeded,
        client=temporal_env.client,
        task_queue=task_queue,
        environment="development",
        login_per_client_per_hour=10**6,
        otp_per_client_per_hour=10**6,
        otp_per_mobile_per_hour=10**6,
        otp_verify_per_client_per_hour=10**6,
        otp_verify_per_mobile_per_hour=10**6,
        intake_per_client_per_hour=10**6,
        public_lookups_per_client_per_minute=10**6,
    )
    failures: list[str] = []
    sent = 0
    browser = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=browser, base_url="http://foad.test") as anonymous:
        for path in ("/login", "/verify", "/track"):
            sent += await _fuzz(anonymous, path, failures)
    async with httpx.AsyncClient(transport=browser, base_url="http://foad.test") as citizen:
        await _verified_citizen(citizen, seeded)
        for path in ("/complaint", f"/track/{code}"):
            sent += await _fuzz(citizen, path, failures)
    async with httpx.AsyncClient(transport=browser, base_url="http://foad.test") as operator:
        await log_in(operator, "operator1")
        sent += await _fuzz(operator, "/operator/intake", failures)
    async with httpx.AsyncClient(transport=browser, base_url="http://foad.test") as senior:
        await log_in(senior, "sso-senior")
        sent += await _fuzz(senior, f"/cases/{code}", failures)  # the review form
    async with httpx.AsyncClient(transport=browser, base_url="http://foad.test") as unit:
        await log_in(unit, "sso-takestan")
        sent += await _fuzz(unit, f"/cases/{handled}", failures)  # complete, escalate, ask the citizen
    async with httpx.AsyncClient(transport=browser, base_url="http://foad.test") as auditor:
        await log_in(auditor, "auditor")
        sent += await _fuzz(auditor, f"/audit/{code}", failures)
        for value in NASTY:  # the logout form last: its csrf field
            response = await auditor.post("/logout", data={"csrf": value})
            sent += 1
            if response.status_code >= 500:
                failures.append(f"/logout csrf={value[:20]!r}: {response.status_code}")
    assert not failures, "\n".join(failures[:20])
    assert sent > 300, sent  # every page above had its forms found and fuzzed
