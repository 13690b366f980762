"""The compiled monthly report: the figures of one finished Jalali month nationwide, per agency and per
province, stored once in `monthly_reports`, and a `report_ready` notification to each agency's senior
coordinators and to the centre (every active admin), with an SMS through the outbox when the account has a
mobile. The notification's `tracking_code` is the month, "1403-12" (there is no case), its seq 0, so the row is
unique per month, recipient and kind like any other; it links to the month's report page.
"""

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activities.notifications import national_centre, seniors
from database.models import Agency, MonthlyReport, Notification, SmsOutbox, User
from reports.breakdowns import COLUMN_OF, Grouping
from reports.figures import compute
from schemas.notifications import NotificationKind
from schemas.reports import Figures, ReportSlice
from schemas.text import mask_mobile
from sms import segments
from sms.staff import render_staff
from timekeeping.persian import month_label_fa

log = logging.getLogger("foad.reports")


def report_code(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


async def compile_month(session: AsyncSession, *, year: int, month: int, now: datetime) -> MonthlyReport | None:
    """The month's report row, made once (None when it is there already). `figures` holds the nationwide
    figures, and under `by_agency` and `by_province` the same figures per subject with a complaint that month."""
    if await session.get(MonthlyReport, (year, month)) is not None:
        return None
    figures = (await compute(session, ReportSlice(), year=year, month=month, now=now)).get(None, Figures())
    body = figures.model_dump(mode="json")
    for name, grouping in (("by_agency", Grouping.AGENCY), ("by_province", Grouping.PROVINCE)):
        found = await compute(session, ReportSlice(), year=year, month=month, group_by=COLUMN_OF[grouping], now=now)
        body[name] = {str(subject): f.model_dump(mode="json") for subject, f in found.items()}
    row = MonthlyReport(jalali_year=year, jalali_month=month, compiled_at=now, figures=body)
    session.add(row)
    await session.flush()
    return row


async def notify_ready(
    session: AsyncSession, *, year: int, month: int, now: datetime, off: Iterable[NotificationKind] = ()
) -> list[str]:
    """Tell the centre and every agency's senior coordinators; the usernames told, each once."""
    kind = NotificationKind.REPORT_READY
    if kind in set(off):
        return []
    code = report_code(year, month)
    recipients: dict[str, User] = {u.username: u for u in await national_centre(session)}
    for agency_id in await session.scalars(select(Agency.id).order_by(Agency.id)):
        recipients |= {u.username: u for u in await seniors(session, agency_id)}
    body = render_staff(kind, tracking_code=code, unit=month_label_fa(year, month), now=now)
    for user in recipients.values():
        row = Notification(tracking_code=code, seq=0, username=user.username, kind=kind.value, body=body)
        row.created_at = now
        session.add(row)
        if user.mobile:
            sms = SmsOutbox(
                key=f"staff:{code}:0:{kind.value}:{user.id}",
                tracking_code=code,
                mobile=user.mobile,
                template=f"staff_{kind.value}",
                body=body,
                status="pending",
                created_at=now,
                segments=segments.count(body).segments,
            )
            session.add(sms)
            await session.flush()
            row.sms_id = sms.id
        log.info(
            "report_ready %s to %s%s",
            code,
            user.username,
            f" by sms to {mask_mobile(user.mobile)}" if user.mobile else "",
        )
    return sorted(recipients)
