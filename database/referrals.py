"""The referral registry's reads: an entry by id for a referral, and the active entries for the forms."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import ReferralTargetRow
from schemas.referral import ReferralTarget, ReferralTargetOut


def target_of(row: ReferralTargetRow) -> ReferralTarget:
    return ReferralTarget(
        id=row.id, name_fa=row.name_fa, phone=row.phone, address_fa=row.address_fa, handles_fa=row.handles_fa
    )


def target_out(row: ReferralTargetRow) -> ReferralTargetOut:
    return ReferralTargetOut(**target_of(row).model_dump(), active=row.active)


async def active_target(session: AsyncSession, target_id: str) -> ReferralTarget | None:
    """The entry a case may be referred to now: it exists and the admin has not retired it."""
    row = await session.get(ReferralTargetRow, target_id)
    return target_of(row) if row is not None and row.active else None


async def list_targets(session: AsyncSession, *, include_inactive: bool = False) -> list[ReferralTargetRow]:
    query = select(ReferralTargetRow).order_by(ReferralTargetRow.position, ReferralTargetRow.id)
    if not include_inactive:
        query = query.where(ReferralTargetRow.active.is_(True))
    return list(await session.scalars(query))
