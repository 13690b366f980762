"""Rate limits at the API's edge: a spent budget is a 429 with Retry-After."""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.edge.errors import TooManyRequests
from database.ratelimit import Limit, RateLimited, hit

HOUR = timedelta(hours=1)


async def enforce(sessions: async_sessionmaker[AsyncSession], limit: Limit, subject: str) -> None:
    try:
        await hit(sessions, limit, subject)
    except RateLimited as exc:
        raise TooManyRequests(
            f"too many requests ({limit.name}); try again in {exc.retry_after} s", retry_after=exc.retry_after
        ) from None


def per_hour(name: str, hits: int) -> Limit:
    return Limit(name, hits, HOUR)
