"""Rate limits at the API's edge: a spent budget is a 429 with Retry-After."""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.edge.errors import TooManyRequests
from database.ratelimit import Limit, RateLimited, hit

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


async def enforce(sessions: async_sessionmaker[AsyncSession], limit: Limit, subject: str) -> None:
    try:
        await hit(sessions, limit, subject)
    except RateLimited as exc:
        raise TooManyRequests(
            f"too many requests ({limit.name}); try again in {exc.retry_after} s", retry_after=exc.retry_after
        ) from None


def per_hour(name: str, hits: int) -> Limit:
    return Limit(name, hits, HOUR)


def per_minute(name: str, hits: int) -> Limit:
    return Limit(name, hits, MINUTE)


async def limit_public_lookup(sessions: async_sessionmaker[AsyncSession], settings, client: str) -> None:
    """An anonymous look-up of a case by its tracking code (the public status, the tracking page, Open311's
    GETs): limited per address, so nobody walks the space of codes."""
    await enforce(sessions, per_minute("public-lookup", settings.public_lookups_per_client_per_minute), client)
