"""Database helpers for tests: migrate a URL with Alembic, and throwaway PostgreSQL databases."""

import threading
import uuid
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def _upgrade(url: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "head")


def migrate(url: str) -> None:
    """Upgrade the database at `url` to head.

    migrations/env.py calls asyncio.run, which refuses to run inside an event loop, so the upgrade runs in a
    thread of its own: callable the same way from sync code and from async fixtures. `sqlalchemy.url` is
    stored in a ConfigParser, which treats '%' as interpolation, so it is escaped.
    """
    failure: list[BaseException] = []

    def run() -> None:
        try:
            _upgrade(url.replace("%", "%%"))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="alembic-upgrade")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


async def create_postgres_database(server_url: str) -> str:
    """Create a fresh database `foad_test_<random>` on the server of `server_url`; returns its SQLAlchemy URL."""
    import asyncpg

    url = make_url(server_url)
    name = f"foad_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(_asyncpg_dsn(server_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return url.set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(server_url: str, database_url: str) -> None:
    import asyncpg

    name = make_url(database_url).database
    conn = await asyncpg.connect(_asyncpg_dsn(server_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _asyncpg_dsn(server_url: str) -> str:
    """asyncpg speaks plain postgresql:// URLs; connect to the maintenance database `postgres`."""
    url = make_url(server_url).set(drivername="postgresql", database="postgres")
    return url.render_as_string(hide_password=False)
