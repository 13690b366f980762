"""Intake and the citizen's side: validation, idempotency, the public status, feedback rules."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

import cli.seed
from api.services.tracking import is_valid_tracking_code, new_tracking_code
from database.models import IntakeKey
from database.sessions import create_engine, sessionmaker
from schemas.citizen_words import CITIZEN_STATUS_FA, CITIZEN_STEP_FA
from schemas.enums import CaseStatus, Step
from tests import REFDATA
from tests.apiutil import citizen_auth, file, http, login, make_app, projected
from tests.dbutil import migrate
from tests.factories import FULL_NAME, MOBILE, NATIONAL_CODE, complaint
from tests.polling import eventually_async
from timekeeping.persian import persian_digits
from worker import build_worker
from workflows.visibility import workflow_id


def _fields(response) -> dict[str, str]:
    return {d["field"]: d["reason"] for d in response.json()["error"]["details"]}


def test_tracking_codes_carry_a_luhn_check_digit():
    codes = {new_tracking_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 11 and is_valid_tracking_code(c) for c in codes)
    code = codes.pop()
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert not is_valid_tracking_code(wrong)
    assert is_valid_tracking_code(persian_digits(code))


async def test_intake_rejects_bad_fields_with_their_paths(api):
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    body = complaint(national_code="0499370898", mobile="0912123", incident_at=future, indicator=9)
    response = await api.post("/complaints", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(_fields(response)) == {"body.national_code", "body.mobile", "body.incident_at", "body.indicator"}
    assert "future" in _fields(response)["body.incident_at"]


async def test_every_422_field_carries_its_persian_reason_with_the_limit(api):
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    body = complaint(description="کوتاه", incident_at=future, indicator=9, national_code="123")
    response = await api.post("/complaints", json=body)
    assert response.status_code == 422
    persian = {d["field"]: d["message_fa"] for d in response.json()["error"]["details"]}
    assert persian == {
        "body.description": "دست‌کم ۱۰ نویسه بنویسید.",
        "body.incident_at": "این زمان هنوز نرسیده است؛ روز و ساعت رخداد را بررسی کنید.",
        "body.indicator": "یکی از گزینه‌ها را انتخاب کنید.",
        "body.national_code": "کد ملی باید ده رقم باشد و رقم آخرش (رقم کنترل) درست باشد.",
    }
    assert _fields(response)["body.description"] == "should have at least 10 characters"
    one = await api.post("/complaints", json=complaint(description="ا" * 2001))
    assert one.json()["error"]["message_fa"] == "حداکثر ۲۰۰۰ نویسه مجاز است (اکنون ۲۰۰۱)."
    unknown = await api.post("/complaints", json=complaint(unit_id="no-such-office"))
    assert unknown.json()["error"]["details"][0]["message_fa"] == "واحد مورد نظر پیدا نشد"


async def test_intake_rejects_an_unknown_unit_on_its_field(api):
    response = await api.post("/complaints", json=complaint(unit_id="no-such-office"))
    assert response.status_code == 422
    assert "body.unit_id" in _fields(response)


async def test_same_idempotency_key_gives_the_same_case_and_one_workflow(api, seeded, temporal_env):
    body = complaint()
    first = await api.post("/complaints", json=body, headers={"Idempotency-Key": "key-same-twice"})
    assert first.status_code == 201
    handle = temporal_env.client.get_workflow_handle(workflow_id(first.json()["tracking_code"]))
    run_id = (await handle.describe()).run_id
    # Same complaint, typed with Persian digits and a +98 mobile: still the same request.
    again = body | {"mobile": "+98 912 123 4567", "national_code": "۰۴۹۹۳۷۰۸۹۹"}
    second = await api.post("/complaints", json=again, headers={"Idempotency-Key": "key-same-twice"})
    assert second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json()["tracking_code"] == first.json()["tracking_code"]
    assert second.json()["due_at"] == first.json()["due_at"]
    assert (await handle.describe()).run_id == run_id
    async with seeded() as session:
        assert await session.scalar(select(func.count()).select_from(IntakeKey)) == 1
    history = await handle.fetch_history()
    assert sum(e.HasField("workflow_execution_started_event_attributes") for e in history.events) == 1


async def test_same_idempotency_key_with_another_body_is_a_conflict(api):
    await file(api, key="key-reused-elsewhere")
    response = await api.post(
        "/complaints", json=complaint(indicator=3), headers={"Idempotency-Key": "key-reused-elsewhere"}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"


async def test_intake_returns_a_receipt_and_registers_the_case(api, seeded):
    response = await api.post("/complaints", json=complaint())
    assert response.status_code == 201
    receipt = response.json()
    assert is_valid_tracking_code(receipt["tracking_code"])
    assert (receipt["status"], receipt["step"]) == ("in_review", "review")

    case = await projected(seeded, receipt["tracking_code"])
    assert case.filed_by == "citizen"
    assert case.agency_id == "sso" and case.province_code and case.county_code == "IR-26-takestan"


async def test_operator_with_a_token_is_recorded_as_filing(api, seeded):
    headers = await login(api, "operator1")
    response = await api.post("/complaints", json=complaint(), headers=headers)
    assert response.status_code == 201

    assert (await projected(seeded, response.json()["tracking_code"])).filed_by == "operator1"


async def test_public_status_shows_no_personal_data(api):
    code = await file(api)

    async def registered():
        response = await api.get(f"/complaints/{code}")
        return response if response.status_code == 200 and response.json()["timeline"] else None

    response = await eventually_async(registered)
    text = response.text
    for personal in (NATIONAL_CODE, MOBILE, FULL_NAME, "0912", "احمدی"):
        assert personal not in text
    body = response.json()
    assert body["status"] == "in_review" and body["status_fa"]
    assert (body["step"], body["step_number"]) == ("review", 3)
    assert body["feedback_due"] is False
    assert body["timeline"][0]["kind"] == "registered"
    assert set(body["timeline"][0]) == {"kind", "at"}


async def test_public_status_speaks_the_citizens_words_not_the_centres_internal_titles(api):
    code = await file(api)
    body = (await eventually_async(lambda: _public(api, code))).json()
    assert (body["status_fa"], body["step_fa"]) == (
        CITIZEN_STATUS_FA[CaseStatus.IN_REVIEW],
        CITIZEN_STEP_FA[Step.REVIEW],
    )
    assert "راهبر" not in body["status_fa"] + body["step_fa"], "«در انتظار بررسی راهبر ارشد» is the staff's title"
    assert set(CITIZEN_STATUS_FA) == set(CaseStatus) and set(CITIZEN_STEP_FA) == set(Step), "a word for each"


async def _public(api, code):
    response = await api.get(f"/complaints/{code}")
    return response if response.status_code == 200 else None


async def test_public_status_answers_from_the_workflow_before_the_read_model_has_the_case(
    temporal_env, seeded, task_queue, tmp_path, cases_terminated
):
    # The worker projects into another database, so the API's read model never gets the case row.
    elsewhere_url = f"sqlite+aiosqlite:///{tmp_path / 'elsewhere.db'}"
    migrate(elsewhere_url)
    elsewhere = create_engine(elsewhere_url)
    await cli.seed.seed(sessionmaker(elsewhere), REFDATA, demo_users=False)
    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)
    try:
        async with (
            build_worker(temporal_env.client, sessions=sessionmaker(elsewhere), task_queue=task_queue),
            http(app) as client,
        ):
            code = await file(client)
            response = await client.get(f"/complaints/{code}")
    finally:
        await elsewhere.dispose()
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["timeline"][0]["kind"]) == ("in_review", "registered")
    assert NATIONAL_CODE not in response.text and MOBILE not in response.text


async def test_public_status_of_an_unknown_or_malformed_code_is_404(api):
    assert (await api.get(f"/complaints/{new_tracking_code()}")).status_code == 404
    response = await api.get("/complaints/12345")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_feedback_before_the_result_is_a_conflict(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    response = await api.post(f"/complaints/{code}/feedback", json={"satisfied": True, "rating": 5})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "feedback_not_due"


async def test_feedback_from_another_verified_mobile_is_refused(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    response = await api.post(
        f"/complaints/{code}/feedback", json={"satisfied": True, "rating": 5}, headers=citizen_auth("09351112233")
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "mobile_mismatch"


async def test_feedback_without_a_citizen_token_is_401(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    response = await api.post(
        f"/complaints/{code}/feedback", json={"satisfied": True, "rating": 5}, headers={"Authorization": ""}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "citizen_token_required"
