"""Erasure of personal data: after FOAD_PERSONAL_DATA_YEARS, by the schedule, or for one case on an admin's order.

In the read model the personal fields of the case are cleared: the citizen's national code, mobile and name, the
description, the employee named, every note and free text a coordinator wrote (on the case, its timeline and its
tasks), and its SMS texts and number. What the statistics need stays: the office, agency, indicator, channel, the
times, the levels, breaches, escalations, the outcome and the citizen's satisfaction. In the archive the case's
row key is destroyed, and the schedule also destroys each month's period key once the whole month is past the
limit, so the archived payloads can never be opened again (crypto-shredding). Each erasure is a row in
`erasures` (when, by whom, why) and in the access log.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import AccessRecord, ArchivedHistory, ArchiveKey, Case, CaseEventRow, Erasure, SmsOutbox, Task
from schemas.archive import ErasureResult
from schemas.enums import CaseStatus

ERASED_CASE_FIELDS = {
    "citizen_national_code": "",
    "citizen_mobile": "",
    "citizen_name": "",
    "description": "",
    "employee_name": None,
    "action_order": None,
    "referral_note": None,
    "outcome_note": None,
    "result_note": None,
}
SCHEDULE = "erasure-schedule"


class NotClosed(Exception):
    """The case still runs: its personal data is needed to handle it."""


async def erase_case(
    session: AsyncSession, case: Case, *, by: str, role: str, reason: str, client: str, now: datetime
) -> bool:
    """Erase one final case in `session`; False if it was erased already."""
    if not CaseStatus(case.status).is_final:
        raise NotClosed(case.tracking_code)
    if await session.get(Erasure, case.tracking_code) is not None:
        return False
    code = case.tracking_code
    for name, value in ERASED_CASE_FIELDS.items():
        setattr(case, name, value)
    await session.execute(update(CaseEventRow).where(CaseEventRow.tracking_code == code).values(note=None))
    await session.execute(update(Task).where(Task.tracking_code == code).values(note=None))
    await session.execute(update(SmsOutbox).where(SmsOutbox.tracking_code == code).values(mobile="", body=""))
    await session.execute(update(ArchivedHistory).where(ArchivedHistory.tracking_code == code).values(sealed_key=None))
    session.add(Erasure(tracking_code=code, at=now, by=by, reason=reason))
    session.add(
        AccessRecord(at=now, username=by, role=role, tracking_code=code, what="personal_data_erased", client=client)
    )
    return True


def cutoff_for(now: datetime, years: float) -> datetime:
    return now - timedelta(days=365.25 * years)


def _period_end(period: str) -> datetime:
    year, month = (int(part) for part in period.split("-"))
    return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)


async def erase_expired(session: AsyncSession, *, now: datetime, years: float) -> ErasureResult:
    """Every final case closed before the limit, and every period key whose whole month is before it."""
    cutoff = cutoff_for(now, years)
    result = ErasureResult(cutoff=cutoff)
    reason = (
        f"personal data kept {years:g} years after closing (FOAD_PERSONAL_DATA_YEARS); closed before {cutoff:%Y-%m-%d}"
    )
    erased = select(Erasure.tracking_code)
    final = [status.value for status in CaseStatus if status.is_final]
    due = await session.scalars(
        select(Case).where(Case.status.in_(final), Case.closed_at < cutoff, Case.tracking_code.not_in(erased))
    )
    for case in list(due):
        if await erase_case(session, case, by=SCHEDULE, role="system", reason=reason, client=SCHEDULE, now=now):
            result.cases.append(case.tracking_code)
    for key in list(await session.scalars(select(ArchiveKey).where(ArchiveKey.sealed_key.is_not(None)))):
        if _period_end(key.period) <= cutoff:
            key.sealed_key, key.destroyed_at, key.destroyed_reason = None, now, reason
            result.periods.append(key.period)
    return result
