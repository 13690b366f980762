"""The agency's evaluation sheet as XLSX (plain numbers, one sheet for the agency, one for its people) and as a
printable Persian PDF, drawn as reports/written_answer.py draws the written answer (fpdf2 with HarfBuzz shaping,
right to left, in the app's Vazirmatn)."""

import io
from pathlib import Path

from openpyxl import Workbook

from reports.evaluation import AgencySheet
from reports.evaluation_people import EVALUATED_ROLES, PeopleEvaluation, PersonFigures
from reports.written_answer import _AnswerPdf
from schemas.enums import Role
from timekeeping.persian import persian_digits, persian_number

ROLE_TITLES_FA = {
    Role.SENIOR_COORDINATOR: "راهبران ارشد",
    Role.UNIT_COORDINATOR: "هماهنگ‌کنندگان واحد",
    Role.INSPECTOR: "بازرسان",
}
PERSON_COLUMNS: list[tuple[str, str]] = [
    ("rank", "رتبه"),
    ("full_name", "نام"),
    ("username", "نام کاربری"),
    ("cases", "پرونده‌ها"),
    ("median_minutes", "میانه زمان (دقیقه)"),
    ("p90_minutes", "صدک ۹۰ زمان (دقیقه)"),
    ("breaches", "نقض مهلت"),
    ("feedback_responses", "پاسخ‌های نظرسنجی"),
    ("satisfied_share", "سهم رضایت، از پاسخ‌ها"),
    ("results", "پرونده‌های دارای نتیجه"),
    ("reopen_rate", "نرخ بازگشایی، از پرونده‌های دارای نتیجه"),
    ("score", "امتیاز"),
]


def sheet_to_xlsx(sheet: AgencySheet, people: PeopleEvaluation) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = "ارزیابی دستگاه"
    summary.sheet_view.rightToLeft = True
    summary.append(["دستگاه", sheet.name_fa])
    summary.append(["سال", sheet.year])
    summary.append(["شکایات", sheet.complaints])
    summary.append(["شکایات در حیطه", sheet.in_scope])
    summary.append([])
    summary.append(["مؤلفه", "مبنا", "وزن", "صورت", "مخرج", "مقدار"])
    for c in sheet.components:
        summary.append([c.label_fa, c.basis_fa, c.weight, c.numerator, c.denominator, c.value])
    summary.append([])
    summary.append(["امتیاز", sheet.score])
    summary.append(["رتبه", sheet.rank, "از", sheet.ranked_agencies])
    summary.append(["کمینه شکایات برای رتبه", sheet.min_cases])
    summary.append(["امتیاز سال پیش", sheet.last_year_score])
    summary.append(["تغییر از سال پیش", sheet.change])
    staff = book.create_sheet("ارزیابی افراد")
    staff.sheet_view.rightToLeft = True
    staff.append(["نقش", *(label for _, label in PERSON_COLUMNS)])
    for role in EVALUATED_ROLES:
        for person in people.people.get(role, []):
            staff.append([ROLE_TITLES_FA[role], *(getattr(person, key) for key, _ in PERSON_COLUMNS)])
    staff.append([])
    staff.append(["کمینه پرونده برای رتبه", people.min_cases])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fa(value: float | int | None, *, percent: bool = False) -> str:
    if value is None:
        return "—"
    if percent:
        return persian_number(f"{value * 100:.1f}") + "٪"
    return persian_number(f"{value:g}")


def _person_line(person: PersonFigures) -> str:
    rank = f"رتبه {_fa(person.rank)}" if person.rank is not None else "بی رتبه (نمونه کم)"
    return (
        f"{person.full_name} — {rank}؛ پرونده {_fa(person.cases)}؛ میانه {_fa(person.median_minutes)} و صدک ۹۰ "
        f"{_fa(person.p90_minutes)} دقیقه؛ نقض مهلت {_fa(person.breaches)}؛ رضایت "
        f"{_fa(person.satisfied_share, percent=True)}؛ بازگشایی {_fa(person.reopen_rate, percent=True)}"
    )


def sheet_to_pdf(sheet: AgencySheet, people: PeopleEvaluation, *, fonts: Path) -> bytes:
    pdf = _AnswerPdf(fonts)
    pdf.set_title(f"FOAD 128 annual evaluation {sheet.agency_id} {sheet.year}")
    pdf.add_page()
    pdf.paragraph("سامانه فوریت‌های اداری ۱۲۸ — فواد", size=16, bold=True, height=9)
    pdf.paragraph(f"ارزیابی سالانه {sheet.name_fa} — سال {persian_digits(sheet.year)}", size=13, bold=True, height=8)
    pdf.rule()
    pdf.field("شکایات", _fa(sheet.complaints))
    pdf.field("شکایات در حیطه", _fa(sheet.in_scope))
    pdf.rule()
    pdf.paragraph("مؤلفه‌ها", size=12, bold=True, height=8)
    for c in sheet.components:
        pdf.field(
            c.label_fa,
            f"وزن {_fa(c.weight)}؛ مقدار {_fa(c.value)} ({_fa(c.numerator)} از {_fa(c.denominator)}، {c.basis_fa})",
        )
    pdf.rule()
    pdf.field("امتیاز", _fa(sheet.score))
    if sheet.rank is not None:
        pdf.field("رتبه", f"{_fa(sheet.rank)} از {_fa(sheet.ranked_agencies)} دستگاه")
    else:
        pdf.field("رتبه", f"بی رتبه: کمتر از {_fa(sheet.min_cases)} شکایت در حیطه")
    pdf.field("تغییر از سال پیش", _fa(sheet.change) if sheet.change is not None else "سال پیش امتیازی نبود")
    for role in EVALUATED_ROLES:
        rows = people.people.get(role, [])
        pdf.rule()
        pdf.paragraph(ROLE_TITLES_FA[role], size=12, bold=True, height=8)
        if not rows:
            pdf.paragraph("کسی در این سال پرونده‌ای نداشت.")
        for person in rows:
            pdf.paragraph(_person_line(person), size=10, height=6)
    pdf.rule()
    pdf.paragraph(f"کمینه پرونده برای رتبه‌بندی افراد: {_fa(people.min_cases)}", size=10, height=6)
    return bytes(pdf.output())
