"""The written answer's PDF: real fpdf2 with HarfBuzz shaping, read back with pypdf, in correct Persian."""

import io
import re
import unicodedata
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader

from api.services.written_answer import FONTS
from reports.written_answer import StepTime, WrittenAnswer, render_pdf
from schemas.enums import STEP_LABELS_FA, Step
from timekeeping.persian import moment_fa

BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
# pypdf turns a right-to-left line back into reading order character by character, so a run of digits (with its
# / and : separators) comes out reversed; turn each run around again. A PDF that drew the digits reversed would
# then read reversed here, and fail.
DIGIT_RUN = re.compile(r"[۰-۹0-9](?:[۰-۹0-9/:]*[۰-۹0-9])?")


def pdf_text(body: bytes) -> str:
    """The PDF's text as a person reads it: presentation forms back to letters (NFKC), bidi controls dropped,
    digit runs in reading order, spaces collapsed."""
    raw = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    text = unicodedata.normalize("NFKC", raw).translate(BIDI_CONTROLS)
    text = DIGIT_RUN.sub(lambda m: m.group()[::-1], text)
    return re.sub(r"[ \t]+", " ", text)


def answer(**overrides) -> WrittenAnswer:
    registered = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)  # 10:00 on 2 Azar 1405 in Tehran
    times = [registered, registered, registered + timedelta(minutes=12), registered + timedelta(minutes=80)]
    times += [registered + timedelta(minutes=95), None]
    fields = {
        "tracking_code": "14050902137",
        "agency_fa": "سازمان تأمین اجتماعی",
        "office_fa": "شعبه تاکستان",
        "status_fa": "در انتظار بازخورد شهروند",
        "steps": [StepTime(label_fa=STEP_LABELS_FA[s], at=t) for s, t in zip(Step, times, strict=True)],
        "outcome_fa": "رفع مشکل با بازرسی حضوری",
        "result_fa": "کارمند جایگزین در باجه مستمری مستقر شد و مدیر شعبه تذکر کتبی گرفت.",
        "senior_name": "راهبر ارشد تأمین اجتماعی",
        "senior_unit_fa": "سازمان تأمین اجتماعی",
        "breached": False,
        "issued_at": registered + timedelta(hours=2),
    }
    return WrittenAnswer(**(fields | overrides))


def test_the_pdf_reads_back_in_correct_persian():
    body = render_pdf(answer(), fonts=FONTS)
    assert body.startswith(b"%PDF-")
    text = pdf_text(body)
    assert "کد رهگیری: ۱۴۰۵۰۹۰۲۱۳۷" in text
    assert "واحد مورد شکایت: شعبه تاکستان" in text
    assert "دستگاه: سازمان تأمین اجتماعی" in text
    assert "نوع اقدام: رفع مشکل با بازرسی حضوری" in text
    assert "کارمند جایگزین در باجه مستمری مستقر شد" in text
    assert "راهبر ارشد: راهبر ارشد تأمین اجتماعی" in text


def test_the_six_steps_carry_their_jalali_times_and_a_step_not_reached_says_so():
    text = pdf_text(render_pdf(answer(), fonts=FONTS))
    assert "۱۴۰۵/۰۹/۰۲ ساعت ۱۰:۰۰" == moment_fa(datetime(2026, 11, 23, 6, 30, tzinfo=UTC))
    assert "۱. تماس: ۱۴۰۵/۰۹/۰۲ ساعت ۱۰:۰۰" in text
    assert "۳. بررسی راهبر ارشد: ۱۴۰۵/۰۹/۰۲ ساعت ۱۰:۱۲" in text
    assert "۵. ثبت نتیجه: ۱۴۰۵/۰۹/۰۲ ساعت ۱۱:۳۵" in text
    assert "۶. بازخورد شهروند: —" in text


def test_the_font_embedded_is_the_apps_own_and_its_licence_allows_it():
    assert "SIL Open Font License" in (FONTS / "OFL.txt").read_text()
    reader = PdfReader(io.BytesIO(render_pdf(answer(breached=True), fonts=FONTS)))
    fonts = {str(f["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("Vazirmatn" in name for name in fonts), fonts
    assert "مهلت سه‌ساعته رسیدگی به این شکایت رعایت نشد" in pdf_text(render_pdf(answer(breached=True), fonts=FONTS))
