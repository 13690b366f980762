"""A breakdown as a Persian page: a form to choose the grouping and the period, one row per subject with the
report's main figures (each share with its denominator), column headers that sort (plain links, no script),
and the CSV and XLSX exports of the same rows. Served by api/routers/reports.py for `format=html`."""

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from api.deps import StaffUser
from api.pages.charts import number_fa, percent_fa
from api.pages.rendering import page
from api.pages.reports import slice_fa
from reports.breakdowns import GROUPING_LABELS_FA, BreakdownOut, Grouping
from schemas.reports import Figures
from timekeeping.jalali import MONTH_NAMES_FA
from timekeeping.persian import persian_digits

# (sort key, header): the columns of the page; the export has every figure.
PAGE_COLUMNS = [
    ("received", "شکایات دریافتی"),
    ("within_sla_share", "در مهلت، از در مهلت و مهلت‌گذشته"),
    ("missed", "مهلت‌گذشته"),
    ("pending", "باز، در مهلت"),
    ("median_minutes_to_result", "میانه زمان تا نتیجه (دقیقه)"),
    ("breaches", "نقض مهلت"),
    ("share_satisfied", "راضی، از پاسخ‌دهندگان"),
    ("mean_rating", "میانگین امتیاز از ۵"),
    ("response_rate", "پاسخ به نظرسنجی، از دارای نتیجه"),
    ("reopen_rate", "بازگشایی، از دارای نتیجه"),
]


@dataclass(frozen=True)
class Header:
    key: str
    label: str
    url: str
    sorted: str | None  # "ascending" / "descending" for aria-sort, None when not the sort column


def _of(part: int, whole: int) -> str:
    return f"{number_fa(part)} از {number_fa(whole)}" if whole else ""


def cells(f: Figures) -> list[tuple[str, str]]:
    """The page's figures of one row: the value, and under a share the counts it is made of."""
    s = f.satisfaction
    return [
        (number_fa(f.received), ""),
        (percent_fa(f.within_sla_share), _of(f.within_sla, f.decided)),
        (number_fa(f.missed), ""),
        (number_fa(f.pending), ""),
        (number_fa(f.median_minutes_to_result, 1), ""),
        (number_fa(f.breaches), ""),
        (percent_fa(s.share_satisfied), _of(s.satisfied, s.responses)),
        (number_fa(s.mean_rating, 2), ""),
        (percent_fa(s.response_rate), _of(s.responses, f.results)),
        (percent_fa(f.reopen_rate), _of(f.reopened, f.results)),
    ]


async def breakdown_page(
    request: Request, session: AsyncSession, report: BreakdownOut, user: StaffUser, *, query: dict[str, str]
) -> Response:
    base = {k: v for k, v in query.items() if k not in ("sort", "order", "format")}

    def url(**params: str) -> str:
        return "/api/v1/reports/breakdown?" + urlencode(base | params)

    headers = []
    for key, label in [("subject", GROUPING_LABELS_FA[report.group_by]), *PAGE_COLUMNS]:
        current = key == report.sort
        order = "asc" if current and report.descending else "desc"
        state = ("descending" if report.descending else "ascending") if current else None
        headers.append(Header(key, label, url(sort=key, order=order, format="html"), state))
    sort_params = {"sort": report.sort, "order": "desc" if report.descending else "asc"}
    return page(
        request,
        "reports/breakdown.html",
        user=user,
        title=f"گزارش فواد ۱۲۸ — {report.label_fa} به تفکیک {GROUPING_LABELS_FA[report.group_by]}",
        report=report,
        slice=await slice_fa(session, report.slice.model_dump(exclude_none=True)),
        headers=headers,
        rows=[(row.name_fa, cells(row.figures)) for row in report.rows],
        total=cells(report.total),
        groupings=[(g.value, GROUPING_LABELS_FA[g]) for g in Grouping],
        months=[(m, MONTH_NAMES_FA[m - 1]) for m in range(1, 13)],
        year_fa=persian_digits(report.year),
        csv_url=url(**sort_params, format="csv"),
        xlsx_url=url(**sort_params, format="xlsx"),
    )
