"""The stack's read model, read directly: synchronous reads for test code that polls it, on SQLite or PostgreSQL,
and a case's events, tasks and SMS as rows."""

import asyncio
import json
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import create_async_engine

if TYPE_CHECKING:
    from tests.e2e.stack import Stack


class ReadModel:
    """Reads of the read model at `url` (the URL the stack's processes get), and the SQLite engine for a write.

    asyncpg is the only PostgreSQL driver installed, so PostgreSQL is read on an async engine kept on an event
    loop of its own, in a thread: the same code reads it from a plain test and from inside another event loop."""

    def __init__(self, url: str) -> None:
        self.engine: Engine | None = None
        if make_url(url).get_backend_name() == "postgresql":
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="postgres-reader", daemon=True)
            self._thread.start()
            self._postgres = create_async_engine(url, pool_size=2)
        else:
            self.engine = create_engine(make_url(url).set(drivername="sqlite"), connect_args={"timeout": 30})

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        if self.engine is not None:
            with self.engine.connect() as connection:
                return [dict(row._mapping) for row in connection.execute(text(sql), params)]

        async def read() -> list[dict[str, Any]]:
            async with self._postgres.connect() as connection:
                return [dict(row._mapping) for row in await connection.execute(text(sql), params)]

        return asyncio.run_coroutine_threadsafe(read(), self._loop).result(60)

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
            return
        asyncio.run_coroutine_threadsafe(self._postgres.dispose(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def utc(value: str | datetime) -> datetime:
    """A datetime read back raw from SQLite (naive text, in UTC) or from JSON, as an aware UTC datetime."""
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def events(stack: "Stack", code: str) -> list[dict[str, Any]]:
    """The case's timeline in seq order, its `data` parsed and `at` in UTC."""
    rows = stack.rows("SELECT * FROM case_events WHERE tracking_code = :code ORDER BY seq, id", code=code)
    for row in rows:
        if isinstance(row["data"], str):
            row["data"] = json.loads(row["data"])
        row["at"] = utc(row["at"])
    return rows


def tasks(stack: "Stack", code: str) -> list[dict[str, Any]]:
    """The case's tasks, T1 first."""
    rows = stack.rows("SELECT * FROM tasks WHERE tracking_code = :code", code=code)
    return sorted(rows, key=lambda t: int(t["task_id"].rsplit("-T", 1)[1]))


def sms(stack: "Stack", code: str) -> list[dict[str, Any]]:
    """The case's SMS in the outbox, in the order they were queued."""
    return stack.rows("SELECT * FROM sms_outbox WHERE tracking_code = :code ORDER BY id", code=code)
