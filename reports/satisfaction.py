"""Citizens' satisfaction in real time, for the dashboard: per agency or per province, over the complaints
registered since a moment (Tehran's midnight, the first of the Jalali month or of the Jalali year), the share
of satisfied answers (of those who answered), the mean rating (of 5) and the response rate (answers of the
complaints with an approved result). Read from the read model's rows when the page is drawn."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import Agency, Case, Province
from schemas.enums import ContactKind


@dataclass(frozen=True)
class SatisfactionRow:
    name: str
    results: int
    responses: int
    satisfied: int
    mean_rating: float | None

    @property
    def share(self) -> float | None:
        return self.satisfied / self.responses if self.responses else None

    @property
    def response_rate(self) -> float | None:
        return self.responses / self.results if self.results else None


async def satisfaction_by(session: AsyncSession, scope: str, since: datetime) -> list[SatisfactionRow]:
    """One row per agency (scope "agency") or province ("province") with a result since `since`, by name."""
    if scope == "agency":
        column, name, key = Case.agency_id, Agency.name_fa, Agency.id
    else:
        column, name, key = Case.province_code, Province.name_fa, Province.code
    rows = await session.execute(
        select(
            name,
            func.count(Case.result_approved_at),
            func.count(Case.satisfied),
            func.sum(case((Case.satisfied.is_(True), 1), else_=0)),
            func.avg(Case.rating),
        )
        .join(name.class_, key == column)
        .where(Case.registered_at >= since, Case.contact_kind == ContactKind.COMPLAINT.value)
        .group_by(name)
        .having(func.count(Case.result_approved_at) > 0)
        .order_by(name)
    )
    return [
        SatisfactionRow(n, int(results), int(responses), int(satisfied or 0), float(m) if m is not None else None)
        for n, results, responses, satisfied, m in rows
    ]
