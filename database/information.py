"""Information items: requests and suggestions forwarded to an agency's senior coordinator (no 3-hour case).

They are the read model's cases whose status is `forwarded` (recorded by the workflow's FORWARDED event,
workflows/triage.py); this is the one query the senior's inbox and the API read them with.
"""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import Case
from schemas.enums import CaseStatus

INFORMATION_LIMIT = 50


async def information_items(
    session: AsyncSession, *, agency_id: str | None, limit: int = INFORMATION_LIMIT
) -> list[Case]:
    """The latest forwarded contacts of one agency (None: every agency, for the centre), newest first."""
    query = select(Case).where(Case.status == CaseStatus.FORWARDED.value)
    if agency_id is not None:
        query = query.where(Case.agency_id == agency_id)
    return list(await session.scalars(query.order_by(Case.registered_at.desc()).limit(limit)))
