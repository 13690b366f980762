"""CSV and XLSX exports of a report: one row per period, the same numbers as the JSON, plain digits."""

import csv
import io

from openpyxl import Workbook

from schemas.enums import INDICATOR_LABELS_FA, LEVEL_LABELS_FA, ContactKind, HandlingOutcome, Indicator
from schemas.reports import ESCALATION_TARGETS, AnnualReportOut, Figures, MonthlyReportOut, PeriodFigures

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

COLUMNS: list[tuple[str, str]] = [
    ("year", "سال"),
    ("month", "ماه"),
    ("period", "دوره"),
    ("received", "شکایات دریافتی"),
    *[(f"indicator_{i.value}", f"شاخص {i.value}: {INDICATOR_LABELS_FA[i]}") for i in Indicator],
    ("in_scope", "در حیطه فواد"),
    ("results", "نتیجه تأییدشده"),
    ("within_sla", "نتیجه در مهلت خود پرونده، بی نقض مهلت"),
    ("missed", "مهلت‌گذشته (نقض مهلت، یا بی نتیجه پس از مهلت)"),
    ("decided", "در مهلت یا مهلت‌گذشته: مخرج سهم در مهلت"),
    ("pending", "باز، با مهلتی که هنوز نگذشته"),
    ("within_sla_share", "سهم در مهلت، از در مهلت و مهلت‌گذشته"),
    ("median_minutes_to_result", "میانه زمان تا نتیجه (دقیقه)"),
    ("p90_minutes_to_result", "صدک ۹۰ زمان تا نتیجه (دقیقه)"),
    *[(f"escalations_{level.value}", f"ارجاع به سطح {LEVEL_LABELS_FA[level]}") for level in ESCALATION_TARGETS],
    ("breaches", "نقض مهلت"),
    ("rejected_out_of_scope", "رد به‌عنوان خارج از حیطه"),
    ("feedback_responses", "بازخوردهای دریافتی"),
    ("satisfied", "راضی"),
    ("share_satisfied", "سهم رضایت"),
    ("mean_rating", "میانگین امتیاز"),
    ("response_rate", "نرخ پاسخ به نظرسنجی"),
    ("reopened", "بازگشایی‌شده"),
    ("reopen_rate", "نرخ بازگشایی"),
    ("solved_at_once", "حل در همان سطح نخست"),
    ("solved_at_once_rate", "نرخ حل در همان سطح نخست"),
    *[(f"outcome_share_{o.value}", f"سهم سرانجام: {o.label_fa}") for o in HandlingOutcome],
    *[(f"contacts_{k.value}", f"تماس‌ها: {k.label_fa}") for k in ContactKind],
]


def period_row(period: PeriodFigures) -> dict[str, object]:
    return {"year": period.year, "month": period.month, "period": period.label_fa} | figures_row(period.figures)


def figures_row(f: Figures) -> dict[str, object]:
    row: dict[str, object] = {
        "received": f.received,
        "in_scope": f.in_scope,
        "results": f.results,
        "within_sla": f.within_sla,
        "missed": f.missed,
        "decided": f.decided,
        "pending": f.pending,
        "within_sla_share": f.within_sla_share,
        "median_minutes_to_result": f.median_minutes_to_result,
        "p90_minutes_to_result": f.p90_minutes_to_result,
        "breaches": f.breaches,
        "rejected_out_of_scope": f.rejected_out_of_scope,
        "feedback_responses": f.satisfaction.responses,
        "satisfied": f.satisfaction.satisfied,
        "share_satisfied": f.satisfaction.share_satisfied,
        "mean_rating": f.satisfaction.mean_rating,
        "response_rate": f.satisfaction.response_rate,
        "reopened": f.reopened,
        "reopen_rate": f.reopen_rate,
        "solved_at_once": f.solved_at_once,
        "solved_at_once_rate": f.solved_at_once_rate,
    }
    row |= {f"outcome_share_{o.value}": f.outcome_shares.get(o.value, 0.0) for o in HandlingOutcome}
    row |= {f"contacts_{k.value}": f.contacts.get(k.value, 0) for k in ContactKind}
    row |= {f"indicator_{i}": count for i, count in f.by_indicator.items()}
    row |= {f"escalations_{level}": count for level, count in f.escalations_by_level.items()}
    return row


def report_rows(report: MonthlyReportOut | AnnualReportOut) -> list[dict[str, object]]:
    """The periods as rows: a monthly report's month and the one before; an annual's year and its months."""
    if isinstance(report, MonthlyReportOut):
        return [period_row(report.period), period_row(report.previous)]
    return [period_row(report.period), *(period_row(month) for month in report.months)]


# A breakdown's columns: the subject, then the period's figures (the same keys as a report's).
BREAKDOWN_COLUMNS: list[tuple[str, str]] = [
    ("group_by", "دسته‌بندی"),
    ("subject", "شناسه"),
    ("name", "نام"),
    ("year", "سال"),
    ("month", "ماه"),
    *COLUMNS[3:],
]


def breakdown_rows(report) -> list[dict[str, object]]:
    """One row per subject of a breakdown (reports.breakdowns.BreakdownOut), in its order, then the total."""
    head = {"group_by": report.group_by.value, "year": report.year, "month": report.month}
    rows = [head | {"subject": r.subject, "name": r.name_fa} | figures_row(r.figures) for r in report.rows]
    return [*rows, head | {"subject": "", "name": "جمع"} | figures_row(report.total)]


def to_csv(rows: list[dict[str, object]], columns: list[tuple[str, str]] = COLUMNS) -> str:
    """English column keys in the header, so a spreadsheet or a script reads it the same way."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[key for key, _ in columns])
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if row.get(key) is None else row[key] for key, _ in columns})
    return buffer.getvalue()


def to_xlsx(rows: list[dict[str, object]], *, title: str, columns: list[tuple[str, str]] = COLUMNS) -> bytes:
    """A right-to-left sheet: Persian labels in row 1, the keys in row 2, one period per row below."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "report"
    sheet.sheet_view.rightToLeft = True
    sheet.append([label for _, label in columns])
    sheet.append([key for key, _ in columns])
    for row in rows:
        sheet.append([row.get(key) for key, _ in columns])
    workbook.properties.title = title
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
