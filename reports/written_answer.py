"""The citizen's written answer: a printable Persian PDF of the case's result, to keep.

It holds the tracking code, the office, the six steps with their Jalali times, the outcome and the result, and
the senior coordinator who approved it (name and unit). Drawn with fpdf2, whose text shaping (HarfBuzz, through
uharfbuzz) joins the Persian letters and lays them out right to left, in the app's own font (Vazirmatn, SIL OFL
1.1, which allows embedding; the caller passes its folder). The PDF keeps the text, so it can be searched,
copied and read back (tests/test_written_answer.py does).
"""

from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import Agency, Case, CaseEventRow, Unit, User, UserUnit
from schemas.enums import OUTCOME_LABELS_FA, STATUS_LABELS_FA, STEP_LABELS_FA, CaseStatus, EventKind, Step
from timekeeping.persian import moment_fa, persian_digits

MEDIA_TYPE = "application/pdf"
NOT_YET_FA = "—"


class StepTime(BaseModel):
    label_fa: str
    at: datetime | None


class WrittenAnswer(BaseModel):
    tracking_code: str
    agency_fa: str
    office_fa: str
    status_fa: str
    steps: list[StepTime]
    outcome_fa: str | None
    result_fa: str | None
    senior_name: str | None
    senior_unit_fa: str | None
    breached: bool
    issued_at: datetime


def has_written_answer(case: Case) -> bool:
    """A result was approved, or the case was referred as out of scope: there is an answer to write."""
    return case.result_approved_at is not None or case.status == CaseStatus.REJECTED.value


def _last(events: list[CaseEventRow], *kinds: EventKind) -> CaseEventRow | None:
    wanted = {kind.value for kind in kinds}
    return next((e for e in reversed(events) if e.kind in wanted), None)


async def written_answer(session: AsyncSession, case: Case, *, now: datetime | None = None) -> WrittenAnswer:
    """The answer's content from the read model (the caller has checked `has_written_answer`)."""
    events = list(
        await session.scalars(
            select(CaseEventRow).where(CaseEventRow.tracking_code == case.tracking_code).order_by(CaseEventRow.seq)
        )
    )
    agency = await session.get(Agency, case.agency_id)
    office = await session.get(Unit, case.office_unit_id)
    registered = _last(events, EventKind.REGISTERED)
    review = next((e for e in events if e.kind in (EventKind.REVIEW_ACCEPTED.value, EventKind.REJECTED.value)), None)
    handled = _last(events, EventKind.TASK_COMPLETED)
    result = _last(events, EventKind.RESULT_APPROVED, EventKind.REJECTED)
    final = _last(events, EventKind.FEEDBACK, EventKind.CLOSED) if case.status == CaseStatus.CLOSED.value else None
    times = {
        Step.CONTACT: case.registered_at,
        Step.REGISTRATION: registered.at if registered else case.registered_at,
        Step.REVIEW: review.at if review else None,
        Step.HANDLING: handled.at if handled else None,
        Step.RESULT: result.at if result else None,
        Step.FEEDBACK: final.at if final else None,
    }
    senior_name, senior_unit = await _approver(session, result, agency)
    rejected = case.status == CaseStatus.REJECTED.value
    return WrittenAnswer(
        tracking_code=case.tracking_code,
        agency_fa=agency.name_fa if agency else case.agency_id,
        office_fa=office.name_fa if office else case.office_unit_id,
        status_fa=STATUS_LABELS_FA[CaseStatus(case.status)],
        steps=[StepTime(label_fa=STEP_LABELS_FA[step], at=times[step]) for step in Step],
        outcome_fa=OUTCOME_LABELS_FA.get(case.outcome) if case.outcome and not rejected else None,
        result_fa=case.referral_note if rejected else case.result_note,
        senior_name=senior_name,
        senior_unit_fa=senior_unit,
        breached=case.breached,
        issued_at=now or datetime.now(UTC),
    )


async def _approver(
    session: AsyncSession, result: CaseEventRow | None, agency: Agency | None
) -> tuple[str | None, str | None]:
    """The senior coordinator who approved the result (or referred the case): name, and unit (else the agency)."""
    if result is None:
        return None, None
    user = await session.scalar(select(User).where(User.username == result.actor_username))
    if user is None:
        return result.actor_username, agency.name_fa if agency else None
    unit = await session.scalar(
        select(Unit.name_fa).join(UserUnit, UserUnit.unit_id == Unit.id).where(UserUnit.user_id == user.id).limit(1)
    )
    return user.full_name, unit or (agency.name_fa if agency else None)


# --- the PDF ------------------------------------------------------------------------------------------------


class _AnswerPdf(FPDF):
    def __init__(self, fonts: Path) -> None:
        super().__init__(format="A4")
        self.add_font("Vazirmatn", "", str(fonts / "Vazirmatn-Regular.woff2"))
        self.add_font("Vazirmatn", "B", str(fonts / "Vazirmatn-Bold.woff2"))
        self.set_text_shaping(True, direction="rtl", script="arab", language="fas")
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=18)

    def paragraph(self, text: str, *, size: float = 11, bold: bool = False, height: float = 7) -> None:
        self.set_font("Vazirmatn", "B" if bold else "", size)
        self.multi_cell(0, height, text, align="R", new_x="LMARGIN", new_y="NEXT")

    def field(self, label: str, value: str) -> None:
        """`label: value` on one line (or more, for a long value), right-aligned."""
        self.paragraph(f"{label}: {value}")

    def rule(self) -> None:
        self.ln(2)
        self.set_draw_color(160, 160, 160)
        y = self.get_y()
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.ln(3)


def render_pdf(answer: WrittenAnswer, *, fonts: Path) -> bytes:
    """The written answer as PDF bytes; `fonts` is the folder holding Vazirmatn-Regular/Bold.woff2."""
    pdf = _AnswerPdf(fonts)
    pdf.set_title(f"FOAD 128 written answer {answer.tracking_code}")
    pdf.add_page()
    pdf.paragraph("سامانه فوریت‌های اداری ۱۲۸ — فواد", size=16, bold=True, height=9)
    pdf.paragraph("پاسخ مکتوب به شکایت", size=13, bold=True, height=8)
    pdf.rule()
    pdf.field("کد رهگیری", persian_digits(answer.tracking_code))
    pdf.field("دستگاه", answer.agency_fa)
    pdf.field("واحد مورد شکایت", answer.office_fa)
    pdf.field("وضعیت", answer.status_fa)
    if answer.breached:
        pdf.paragraph("مهلت سه‌ساعته رسیدگی به این شکایت رعایت نشد و این تأخیر در پرونده ثبت است.")
    pdf.rule()
    pdf.paragraph("گام‌های رسیدگی", size=12, bold=True, height=8)
    for number, step in enumerate(answer.steps, start=1):
        when = moment_fa(step.at) if step.at else NOT_YET_FA
        pdf.field(f"{persian_digits(number)}. {step.label_fa}", when)
    pdf.rule()
    pdf.paragraph("نتیجه", size=12, bold=True, height=8)
    if answer.outcome_fa:
        pdf.field("نوع اقدام", answer.outcome_fa)
    if answer.result_fa:
        pdf.paragraph(persian_digits(answer.result_fa))
    pdf.rule()
    if answer.senior_name:
        pdf.field("راهبر ارشد", answer.senior_name)
    if answer.senior_unit_fa:
        pdf.field("واحد راهبر ارشد", answer.senior_unit_fa)
    pdf.field("تاریخ صدور", moment_fa(answer.issued_at))
    return bytes(pdf.output())
