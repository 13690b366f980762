"""No national code or mobile in the clear: in log records (message, args, traceback) and in error bodies."""

import logging

import pytest

from infra import logmask
from infra.logmask import MaskingFilter, mask_personal_data
from tests.apiutil import http, make_app
from tests.factories import NATIONAL_CODE, complaint


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("code 0499370899 given", "code 049****899 given"),
        ("code ۰۴۹۹۳۷۰۸۹۹ given", "code 049****899 given"),
        ("code ٠٤٩٩٣٧٠٨٩٩ given", "code 049****899 given"),
        ("code 049-937089-9", "code 049****899"),
        (
            "code 1234567890 (a bad check digit is still personal)",
            "code 123****890 (a bad check digit is still personal)",
        ),
        ("call 09121234567", "call 0912***4567"),
        ("call ۰۹۱۲۱۲۳۴۵۶۷", "call 0912***4567"),
        ("call ٠٩١٢١٢٣٤٥٦٧", "call 0912***4567"),
        ("call +989121234567", "call 0912***4567"),
        ("call +۹۸۹۱۲۱۲۳۴۵۶۷", "call 0912***4567"),
        ("call 00989121234567", "call 0912***4567"),
        ("call 0912 123 4567", "call 0912***4567"),
        ("call 0912-123-4567", "call 0912***4567"),
        ("call 9121234567", "call 0912***4567"),
        ("case 12345678903 is eleven digits", "case 12345678903 is eleven digits"),
        ("order 123456789012345", "order 123456789012345"),
        ("unit sso-qazvin-takestan, 3 hours", "unit sso-qazvin-takestan, 3 hours"),
    ],
)
def test_mask_personal_data(text, masked):
    assert mask_personal_data(text) == masked


def _record(msg, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("foad.test", logging.INFO, __file__, 1, msg, args, exc_info)


def test_filter_masks_message_and_args():
    record = _record("filing for %s from %s (%d)", NATIONAL_CODE, "+989121234567", 3)
    assert MaskingFilter().filter(record)
    text = logging.Formatter().format(record)
    assert text == "filing for 049****899 from 0912***4567 (3)"


def test_filter_masks_objects_in_args_for_str_and_repr():
    record = _record("input %s / %r / %d", {"mobile": "09121234567"}, ["0499370899"], 9121234567)
    MaskingFilter().filter(record)
    assert record.getMessage() == "input {'mobile': '0912***4567'} / ['049****899'] / 0912***4567"


def test_uvicorn_access_records_still_format():
    from uvicorn.logging import AccessFormatter

    record = _record('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/api/v1/complaints/09121234567", "1.1", 404)
    MaskingFilter().filter(record)
    line = AccessFormatter("%(client_addr)s %(request_line)s %(status_code)s", use_colors=False).format(record)
    assert line == "127.0.0.1:5000 GET /api/v1/complaints/0912***4567 HTTP/1.1 404 Not Found"


def test_filter_masks_the_traceback():
    try:
        raise ValueError(f"bad input {NATIONAL_CODE} and 09121234567")
    except ValueError:
        import sys

        record = _record("failed", exc_info=sys.exc_info())
    MaskingFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "ValueError: bad input 049****899 and 0912***4567" in text
    assert NATIONAL_CODE not in text and "09121234567" not in text


def test_installed_masking_covers_every_logger_and_handler(caplog):
    previous = logging.getLogRecordFactory()
    logmask._installed = None
    try:
        logmask.install()
        logmask.install()  # idempotent: not wrapped twice
        with caplog.at_level(logging.INFO):
            logging.getLogger("temporalio.worker.sub").warning("activity input %r", {"mobile": "09121234567"})
            logging.getLogger("uvicorn.error").info("nc=%s", NATIONAL_CODE)
        assert caplog.messages == ["activity input {'mobile': '0912***4567'}", "nc=049****899"]
    finally:
        logging.setLogRecordFactory(previous)
        logmask._installed = None


def _error_text(response) -> str:
    assert "error" in response.json()
    return response.text


async def test_validation_errors_keep_the_field_and_reason_but_not_the_value(sessions):
    async with http(make_app(sessions=sessions)) as client:
        response = await client.post(
            "/complaints", json=complaint(national_code="1234567890", mobile="0912123456789", unit_id="09121234567")
        )
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"body.national_code", "body.mobile"}
    assert all(d["reason"] for d in response.json()["error"]["details"])
    text = _error_text(response)
    assert "1234567890" not in text and "0912123456789" not in text and "input" not in response.json()["error"]


async def test_a_not_found_message_does_not_echo_a_mobile_or_national_code(sessions):
    async with http(make_app(sessions=sessions)) as client:
        for path in ("/complaints/09121234567", f"/complaints/{NATIONAL_CODE}"):
            response = await client.get(path)
            assert response.status_code == 404
            text = _error_text(response)
            assert "09121234567" not in text and NATIONAL_CODE not in text
            assert "0912***4567" in text or "049****899" in text
