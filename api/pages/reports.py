"""The report as a Persian page: right to left, Persian digits, charts drawn as SVG on the server (no
script, no CDN). A standalone template until the pages of issue 4 give it a layout."""

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from schemas.enums import INDICATOR_LABELS_FA, LEVEL_LABELS_FA, ContactKind, HandlingOutcome, Indicator
from schemas.reports import ESCALATION_TARGETS, AnnualReportOut, Figures, MonthlyReportOut, PeriodFigures
from timekeeping.jalali import MONTH_NAMES_FA
from timekeeping.persian import persian_number

_env = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


def _fa(value: object, digits: int | None = None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and digits is not None:
        value = f"{value:.{digits}f}"
    return persian_number(value)


def _percent(share: float | None) -> str:
    return "—" if share is None else persian_number(f"{share * 100:.1f}") + "٪"


_env.filters["fa"] = _fa
_env.filters["percent"] = _percent

CHART_WIDTH, BAR_AREA = 640, 180


def bars(values: list[tuple[str, int]], *, width: int = CHART_WIDTH, height: int = BAR_AREA) -> list[dict]:
    """Bar geometry for an SVG chart: one bar per value, scaled to the largest, right to left."""
    top = max((v for _, v in values), default=0) or 1
    slot = width / max(len(values), 1)
    out = []
    for i, (label, value) in enumerate(values):
        h = round(value / top * height, 1)
        x = round(width - (i + 1) * slot + slot * 0.15, 1)  # the first bar on the right, as Persian reads
        out.append(
            {
                "x": x,
                "y": round(height - h, 1),
                "w": round(slot * 0.7, 1),
                "h": h,
                "label": label,
                "value": value,
                "cx": round(x + slot * 0.35, 1),
            }
        )
    return out


def _rows(f: Figures) -> list[tuple[str, str]]:
    s = f.satisfaction
    return [
        ("شکایات دریافتی", _fa(f.received)),
        ("در حیطه فواد", _fa(f.in_scope)),
        ("سهم تأیید نتیجه در مهلت ۳ ساعته", _percent(f.within_sla_share)),
        ("میانه زمان تا نتیجه (دقیقه)", _fa(f.median_minutes_to_result, 1)),
        ("صدک ۹۰ زمان تا نتیجه (دقیقه)", _fa(f.p90_minutes_to_result, 1)),
        ("نقض مهلت", _fa(f.breaches)),
        ("رد به‌عنوان خارج از حیطه", _fa(f.rejected_out_of_scope)),
        *[
            (f"ارجاع به سطح {LEVEL_LABELS_FA[level]}", _fa(f.escalations_by_level[level.value]))
            for level in ESCALATION_TARGETS
        ],
        ("سهم شهروندان راضی", _percent(s.share_satisfied)),
        ("میانگین امتیاز", _fa(s.mean_rating, 2)),
        ("نرخ پاسخ به نظرسنجی", _percent(s.response_rate)),
        ("نرخ بازگشایی", _percent(f.reopen_rate)),
        ("حل در همان سطح نخست (بی ارجاع به سطح بالاتر و بازگشت)", _percent(f.solved_at_once_rate)),
        *[(f"سرانجام: {o.label_fa}", _percent(f.outcome_shares.get(o.value))) for o in HandlingOutcome],
        *[
            (f"تماس‌ها: {k.label_fa}", _fa(f.contacts.get(k.value, 0)))
            for k in ContactKind
            if k is not ContactKind.COMPLAINT
        ],
    ]


def render_report(report: MonthlyReportOut | AnnualReportOut) -> str:
    period = report.period
    if isinstance(report, MonthlyReportOut):
        trend: list[PeriodFigures] = [report.previous, report.period]
    else:
        trend = report.months
    indicator_bars = bars([(f"شاخص {_fa(i.value)}", period.figures.by_indicator[i.value]) for i in Indicator])
    trend_bars = bars([(MONTH_NAMES_FA[p.month - 1], p.figures.received) for p in trend])  # short axis labels
    return _env.get_template("reports/report.html").render(
        title=f"گزارش فواد ۱۲۸ — {period.label_fa}",
        period=period,
        slice=report.slice.model_dump(exclude_none=True),
        rows=_rows(period.figures),
        indicator_bars=indicator_bars,
        indicator_labels={f"شاخص {_fa(i.value)}": INDICATOR_LABELS_FA[i] for i in Indicator},
        trend_bars=trend_bars,
        chart_width=CHART_WIDTH,
        bar_area=BAR_AREA,
    )
