"""Pages that follow the case: after an action, the page the person lands on (the case, the tracking page, the
inbox) is read from the read model, which the workflow's projection activity writes a moment later. So the
action's answer waits, for a bounded time, until the read model holds the workflow's latest event."""

import asyncio
import time

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from database.models import CaseEventRow
from schemas.case import CaseState

CATCH_UP_SECONDS = 3.0


async def caught_up(
    sessions: async_sessionmaker[AsyncSession], state: CaseState, *, timeout: float = CATCH_UP_SECONDS
) -> bool:
    """True once the read model has the case's events up to the state's last one; False if it is still behind
    after `timeout` seconds (the page then shows the live state where it has it, and the rest a moment late)."""
    if not state.events:
        return True
    last = state.events[-1].seq
    deadline = time.monotonic() + timeout
    while True:
        async with sessions() as session:
            stored = await session.scalar(
                select(func.max(CaseEventRow.seq)).where(CaseEventRow.tracking_code == state.tracking_code)
            )
        if stored is not None and stored >= last:
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.1)
