"""The case page's irreversible actions ask first, without JavaScript: approving, closing, rejecting at review and
escalating lead to a page that says what will happen; only its button acts. The live workflow on the test
server decides, as ever, what is offered and allowed."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from database.models import Case
from tests.apiutil import file, http, login, make_app, open_task, projected
from tests.factories import PASSWORD

ACCEPT = {"decision": "accept", "unit_id": "sso-qazvin-takestan", "action_order": "با شعبه تماس بگیرید"}
DONE = {"outcome": "substitute_assigned", "note": "کارمند جایگزین به باجه اعزام شد"}


@pytest.fixture
def app(temporal_env, seeded, task_queue, worker):
    return make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@asynccontextmanager
async def staff(app, username: str) -> AsyncIterator[httpx.AsyncClient]:
    """A staff member logged in on the pages."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test") as client:
        token = csrf((await client.get("/login")).text)
        await client.post("/login", data={"csrf": token, "username": username, "password": PASSWORD})
        yield client


def hidden(html: str) -> dict[str, str]:
    form = re.search(r'<form method="post" action="[^"]+" id="form-confirm">(.*?)</form>', html, re.S).group(1)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))


async def _awaiting_approval(api: httpx.AsyncClient, seeded) -> str:
    code = await file(api)
    senior = await login(api, "sso-senior")
    await open_task(api, senior, code, "review")
    assert (await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)).status_code == 200
    takestan = await login(api, "sso-takestan")
    task = await open_task(api, takestan, code, "handling")
    assert (await api.post(f"/tasks/{task['task_id']}/complete", json=DONE, headers=takestan)).status_code == 200
    await projected(seeded, code, status="awaiting_approval")
    return code


async def test_approving_asks_first_and_only_the_confirmation_acts(app, seeded):
    async with http(app) as api:
        code = await _awaiting_approval(api, seeded)
    async with staff(app, "sso-senior") as senior:
        token = csrf((await senior.get(f"/cases/{code}")).text)
        note = "کارمند جایگزین در باجه حاضر شد"
        asked = await senior.post(
            f"/cases/{code}/approve", data={"csrf": token, "result_note": note, "outcome": "substitute_assigned"}
        )
        assert asked.status_code == 200 and 'id="form-confirm"' in asked.text
        assert "برای شهروند پیامک می‌شود" in asked.text and note in asked.text
        assert f'href="/cases/{code}" id="confirm-cancel"' in asked.text
        assert (await senior.get(f"/cases/{code}")).text.count('id="form-approve"') == 1, "nothing done yet"
        fields = hidden(asked.text)
        assert fields["confirmed"] == "yes" and fields["result_note"] == note
        done = await senior.post(f"/cases/{code}/approve", data=fields)
        assert done.status_code == 303 and done.headers["location"] == f"/cases/{code}?done=approve"
    await projected(seeded, code, status="awaiting_feedback")


async def test_closing_asks_first_says_it_is_not_approving_and_a_bad_form_never_reaches_the_question(app, seeded):
    async with http(app) as api:
        code = await _awaiting_approval(api, seeded)
        senior = await login(api, "sso-senior")
        approved = await api.post(
            f"/cases/{code}/approve",
            json={"result_note": "جایگزین آمد", "outcome": "substitute_assigned"},
            headers=senior,
        )
        assert approved.status_code == 200
    await projected(seeded, code, status="awaiting_feedback")
    async with staff(app, "sso-senior") as senior:
        token = csrf((await senior.get(f"/cases/{code}")).text)
        empty = await senior.post(f"/cases/{code}/close", data={"csrf": token, "reason": ""})
        assert empty.status_code == 422 and 'id="form-confirm"' not in empty.text
        asked = await senior.post(f"/cases/{code}/close", data={"csrf": token, "reason": "شهروند شکایت را پس گرفت"})
        assert asked.status_code == 200 and "بستن، تأیید نتیجه نیست" in asked.text
        # Cancelled: the case is as it was, closing still offered.
        assert 'id="form-close"' in (await senior.get(f"/cases/{code}")).text
    async with seeded() as session:
        assert (await session.get(Case, code)).status == "awaiting_feedback"


async def test_a_unit_escalates_with_a_reason_after_confirming(app, seeded):
    async with http(app) as api:
        code = await file(api)
        senior = await login(api, "sso-senior")
        await open_task(api, senior, code, "review")
        assert (await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)).status_code == 200
    await projected(seeded, code, status="in_handling", level="county")
    async with staff(app, "sso-takestan") as unit:
        page = (await unit.get(f"/cases/{code}")).text
        assert 'id="form-escalate"' in page and 'id="escalate-reason"' in page
        task_id = re.search(r'id="form-escalate" novalidate>.*?name="task_id" value="([^"]+)"', page, re.S).group(1)
        reason = "این مورد در اختیار اداره کل استان است"
        asked = await unit.post(
            f"/cases/{code}/escalate", data={"csrf": csrf(page), "task_id": task_id, "reason": reason}
        )
        assert asked.status_code == 200 and "به سطح بالاتر می‌رود" in asked.text and reason in asked.text
        done = await unit.post(f"/cases/{code}/escalate", data=hidden(asked.text))
        assert done.status_code == 303, done.text
    case = await projected(seeded, code, level="provincial")
    assert case.escalations == 1


async def test_rejecting_at_review_asks_first_but_accepting_does_not(app, seeded):
    async with http(app) as api:
        rejected, accepted = await file(api), await file(api)
    await projected(seeded, rejected)
    await projected(seeded, accepted)
    async with staff(app, "sso-senior") as senior:
        token = csrf((await senior.get(f"/cases/{rejected}")).text)
        referral = "به دیوان عدالت اداری مراجعه کنید"
        asked = await senior.post(
            f"/cases/{rejected}/review", data={"csrf": token, "decision": "reject", "referral_note": referral}
        )
        assert asked.status_code == 200 and 'id="form-confirm"' in asked.text and referral in asked.text
        assert (await senior.post(f"/cases/{rejected}/review", data=hidden(asked.text))).status_code == 303
        straight = await senior.post(
            f"/cases/{accepted}/review",
            data={"csrf": token, "decision": "accept", "unit_id": "sso-qazvin-takestan", "action_order": "پیگیری"},
        )
        assert straight.status_code == 303
    await projected(seeded, rejected, status="rejected")
    await projected(seeded, accepted, status="in_handling")


async def test_an_action_the_case_no_longer_allows_is_refused_before_the_question(app, seeded):
    async with http(app) as api:
        code = await file(api)
    await projected(seeded, code)
    async with staff(app, "sso-senior") as senior:
        token = csrf((await senior.get(f"/cases/{code}")).text)
        refused = await senior.post(
            f"/cases/{code}/approve",
            data={"csrf": token, "result_note": "نتیجه خوب بود", "outcome": "substitute_assigned"},
        )
        assert refused.status_code == 409 and 'id="form-confirm"' not in refused.text
        assert re.search(r'id="action-error">([^<]+)<', refused.text)
