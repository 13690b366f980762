"""Engine and sessions for the read model. Callers commit at the edge; nothing below them commits."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

if TYPE_CHECKING:
    from infra.settings import Settings


def _sqlite_pragmas(lock_timeout: float):
    def on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return on_connect


def create_engine(url: str, *, lock_timeout: float = 30.0, pool_size: int = 10, max_overflow: int = 20) -> AsyncEngine:
    """The read model's engine. On SQLite, a write waits up to lock_timeout seconds for another writer's lock,
    then fails (an activity is then retried by Temporal, a request answers 503). On PostgreSQL, a process holds
    at most pool_size + max_overflow connections."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": lock_timeout})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(lock_timeout))
        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow)


def engine_for(settings: "Settings") -> AsyncEngine:
    """The engine a long-running process (API, worker, migrate) builds from its settings."""
    return create_engine(
        settings.database_url,
        lock_timeout=settings.database_lock_timeout_seconds,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commits if the block ends normally, rolls back if it raises."""
    async with sessions() as session, session.begin():
        yield session
