"""Hostile free text in every field a person types: HTML and script, SQL metacharacters, bidi overrides,
Persian at and past the length limit. Each is stored and shown back as inert text (the JSON round trip
gives exactly the normalised input), the SQL tables stay intact, and an over-long one is a 422 on its field."""

from sqlalchemy import func, select, text

from database.models import Case
from schemas.text import normalize_text
from tests.apiutil import file, http, login, make_app, open_task, projected
from tests.factories import MOBILE, complaint

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"


def hostile(tag: str) -> str:
    """Markup, SQL and bidi controls around Persian with a ZWNJ (which must survive)."""
    return (
        f"{tag} <script>alert('{tag}')</script><img src=x onerror=alert(1)> "
        f"'; DROP TABLE cases; -- \" OR 1=1 -- \u202eگزارش\u202c \u2067متن\u2069 می\u200cروم\u200f"
    )


def short_hostile(tag: str) -> str:
    return f"{tag}<b>'--\u202eنام\u202c</b>"


def persian_at(length: int, tag: str) -> str:
    base = hostile(tag)
    filler = "ش" * (length - len(normalize_text(base)) - 1)
    return f"{base} {filler}"


def inert(value: str) -> str:
    """What the API must give back: the normalised text, bidi controls gone, the markup kept as plain text."""
    normalised = normalize_text(value)
    assert not set(BIDI) & set(normalised) and "<" in normalised
    return normalised


async def _tables(session) -> list[str]:
    rows = await session.execute(text("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"))
    return [r[0] for r in rows]


async def _detail(api, code: str) -> dict:
    auditor = await login(api, "auditor")
    response = await api.get(f"/cases/{code}", headers=auditor, params={"live": False})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


async def test_hostile_text_in_every_staff_and_citizen_field_comes_back_inert(api, seeded):
    async with seeded() as session:
        tables_before = await _tables(session)
    fields = {
        "description": persian_at(2000, "description"),
        "full_name": short_hostile("name"),
        "employee_name": short_hostile("employee"),
        "action_order": hostile("order"),
        "escalate_reason": hostile("escalate"),
        "note": hostile("note"),
        "send_back_reason": hostile("sendback"),
        "note_again": hostile("again"),
        "result_note": hostile("result"),
        "close_reason": hostile("close"),
    }
    assert len(normalize_text(fields["description"])) == 2000
    body = complaint(
        description=fields["description"], full_name=fields["full_name"], employee_name=fields["employee_name"]
    )
    code = await file(api, body)
    senior = await login(api, "sso-senior")
    await open_task(api, senior, code, "review")
    accept = {"decision": "accept", "unit_id": "sso-qazvin-takestan", "action_order": fields["action_order"]}
    assert (await api.post(f"/cases/{code}/review", json=accept, headers=senior)).status_code == 200

    takestan = await login(api, "sso-takestan")
    await open_task(api, takestan, code, "handling")
    escalated = await api.post(f"/cases/{code}/escalate", json={"reason": fields["escalate_reason"]}, headers=takestan)
    assert escalated.status_code == 202, escalated.text
    qazvin = await login(api, "sso-qazvin")
    for note in ("note", "note_again"):
        task = await open_task(api, qazvin, code, "handling")
        done = {"outcome": "resolved_by_phone", "note": fields[note]}
        completed = await api.post(f"/tasks/{task['task_id']}/complete", json=done, headers=qazvin)
        assert completed.status_code == 200, completed.text
        await open_task(api, senior, code, "approval")
        if note == "note":
            sent_back = await api.post(
                f"/cases/{code}/send-back", json={"reason": fields["send_back_reason"]}, headers=senior
            )
            assert sent_back.status_code == 200, sent_back.text
    approved = await api.post(
        f"/cases/{code}/approve",
        json={"result_note": fields["result_note"], "outcome": "substitute_assigned"},
        headers=senior,
    )
    assert approved.status_code == 200, approved.text
    closed = await api.post(f"/cases/{code}/close", json={"reason": fields["close_reason"]}, headers=senior)
    assert closed.status_code == 200, closed.text
    await projected(seeded, code, status="closed")

    detail = await _detail(api, code)
    assert detail["description"] == inert(fields["description"])
    assert "می\u200cروم" in detail["description"]  # the ZWNJ Persian needs survives
    assert detail["citizen"]["full_name"] == inert(fields["full_name"])
    assert detail["employee_name"] == inert(fields["employee_name"])
    assert detail["action_order"] == inert(fields["action_order"])
    assert detail["result_note"] == inert(fields["result_note"])
    notes = {e["note"] for e in detail["events"]}
    for key in (
        "action_order",
        "escalate_reason",
        "note",
        "send_back_reason",
        "note_again",
        "result_note",
        "close_reason",
    ):
        assert inert(fields[key]) in notes, key
    public = (await api.get(f"/complaints/{code}")).json()
    assert public["result_note"] == inert(fields["result_note"])

    async with seeded() as session:
        assert await _tables(session) == tables_before
        assert await session.scalar(select(func.count()).select_from(Case)) == 1


async def test_hostile_referral_note_and_feedback_comment_come_back_inert(api, seeded):
    referral, comment = hostile("referral"), persian_at(1000, "comment")
    senior = await login(api, "sso-senior")
    rejected_code = await file(api)
    await open_task(api, senior, rejected_code, "review")
    reject = {"decision": "reject", "referral_note": referral}
    assert (await api.post(f"/cases/{rejected_code}/review", json=reject, headers=senior)).status_code == 200
    await projected(seeded, rejected_code, status="rejected")
    assert (await _detail(api, rejected_code))["referral_note"] == inert(referral)
    assert (await api.get(f"/complaints/{rejected_code}")).json()["referral_note"] == inert(referral)

    code = await file(api)
    await open_task(api, senior, code, "review")
    accept = {"decision": "accept", "unit_id": "sso-qazvin-takestan", "action_order": "با شعبه تماس بگیرید"}
    assert (await api.post(f"/cases/{code}/review", json=accept, headers=senior)).status_code == 200
    takestan = await login(api, "sso-takestan")
    task = await open_task(api, takestan, code, "handling")
    done = {"outcome": "resolved_by_phone", "note": "تماس گرفته شد"}
    assert (await api.post(f"/tasks/{task['task_id']}/complete", json=done, headers=takestan)).status_code == 200
    await open_task(api, senior, code, "approval")
    assert (
        await api.post(
            f"/cases/{code}/approve", json={"result_note": "حل شد", "outcome": "substitute_assigned"}, headers=senior
        )
    ).status_code == 200
    await projected(seeded, code, status="awaiting_feedback")
    feedback = {"mobile": MOBILE, "satisfied": True, "rating": 4, "comment": comment}
    assert (await api.post(f"/complaints/{code}/feedback", json=feedback)).status_code == 202
    await projected(seeded, code, status="closed")
    assert inert(comment) in {e["note"] for e in (await _detail(api, code))["events"]}


_REVIEW = {"decision": "accept", "unit_id": "sso-qazvin-takestan"}
_FEEDBACK = {"mobile": MOBILE, "satisfied": True, "rating": 5}
OVER_LONG = [
    ("/complaints", None, complaint(), "description", 2000),
    ("/complaints", None, complaint(), "full_name", 100),
    ("/complaints", None, complaint(), "employee_name", 100),
    ("/cases/10000000009/review", "sso-senior", _REVIEW, "action_order", 2000),
    ("/cases/10000000009/review", "sso-senior", {"decision": "reject"}, "referral_note", 2000),
    ("/cases/10000000009/approve", "sso-senior", {}, "result_note", 2000),
    ("/cases/10000000009/send-back", "sso-senior", {}, "reason", 2000),
    ("/cases/10000000009/close", "sso-senior", {}, "reason", 2000),
    ("/cases/10000000009/escalate", "sso-senior", {}, "reason", 2000),
    ("/tasks/no-such-task/complete", "sso-takestan", {"outcome": "resolved_by_phone"}, "note", 2000),
    ("/complaints/10000000009/feedback", None, _FEEDBACK, "comment", 1000),
]


async def test_persian_text_one_past_the_limit_is_a_422_naming_the_field(temporal_env, seeded):
    """Validation answers before any case is looked up, so no worker and no real case is needed."""
    async with http(make_app(sessions=seeded, client=temporal_env.client)) as api:
        tokens = {None: {}} | {name: await login(api, name) for name in ("sso-senior", "sso-takestan")}
        for path, username, body, field, limit in OVER_LONG:
            too_long = "ش" * (limit - 1) + "\u200cک"  # Persian with a ZWNJ, one character past the limit
            assert len(normalize_text(too_long)) == limit + 1
            response = await api.post(path, json=body | {field: too_long}, headers=tokens[username])
            assert response.status_code == 422, (path, field, response.text)
            assert f"body.{field}" in {d["field"] for d in response.json()["error"]["details"]}, (path, field)
