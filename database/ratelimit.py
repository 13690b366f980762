"""Fixed-window rate limits kept in the database, so every API process counts the same hits.

Each check is its own committed transaction: a request that fails afterwards (a wrong one-time code, say)
still counts, which is the point.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from database.models import RateCounter
from database.sessions import transaction


@dataclass(frozen=True)
class Limit:
    """At most `hits` per `window` for one key."""

    name: str
    hits: int
    window: timedelta


class RateLimited(Exception):
    def __init__(self, limit: Limit, retry_after: int) -> None:
        super().__init__(f"rate limit {limit.name}: {limit.hits} per {int(limit.window.total_seconds())} s")
        self.limit = limit
        self.retry_after = retry_after


def _window_start(now: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


async def _count(session: AsyncSession, key: str, start: datetime) -> int:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(RateCounter).values(key=key, window_start=start, hits=1)
    statement = statement.on_conflict_do_update(
        index_elements=[RateCounter.key, RateCounter.window_start], set_={"hits": RateCounter.hits + 1}
    )
    await session.execute(statement)
    hits = await session.scalar(
        select(RateCounter.hits).where(RateCounter.key == key, RateCounter.window_start == start)
    )
    return int(hits or 0)


async def hit(
    sessions: async_sessionmaker[AsyncSession], limit: Limit, subject: str, *, now: datetime | None = None
) -> None:
    """Counts one hit of `subject` against `limit`; raises RateLimited once the window's budget is spent."""
    now = now or datetime.now(UTC)
    start = _window_start(now, limit.window)
    async with transaction(sessions) as session:
        hits = await _count(session, f"{limit.name}:{subject}", start)
    if hits > limit.hits:
        retry_after = max(1, int((start + limit.window - now).total_seconds()) + 1)
        raise RateLimited(limit, retry_after)


async def forget_before(sessions: async_sessionmaker[AsyncSession], before: datetime) -> int:
    """Drops counters of windows that started before `before`; returns how many."""
    async with transaction(sessions) as session:
        result = await session.execute(delete(RateCounter).where(RateCounter.window_start < before))
    return result.rowcount or 0
