"""Database helpers for tests: migrate a URL with Alembic, a migrated database to use and dispose of, throwaway
PostgreSQL databases, and the shipped reference data seeded quickly."""

import functools
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import cli.seed
from database.sessions import create_engine, sessionmaker
from infra.passwords import hash_password
from tests import REFDATA, ROOT


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


@asynccontextmanager
async def migrated(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The database at `url` migrated to head; its sessions, and the engine disposed of on the way out."""
    migrate(url)
    engine = create_engine(url)
    try:
        yield sessionmaker(engine)
    finally:
        await engine.dispose()


@asynccontextmanager
async def postgres_database(server_url: str) -> AsyncIterator[str]:
    """A fresh, empty database on the server of `server_url` (its SQLAlchemy URL), dropped on the way out."""
    url = await create_postgres_database(server_url)
    try:
        yield url
    finally:
        await drop_postgres_database(server_url, url)


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


@functools.cache
def _hash_once(password: str) -> str:
    return hash_password(password)


async def seed_demo(sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped reference data and demo users; argon2 runs once per password, not once per user and test."""
    monkeypatch.setattr(cli.seed, "hash_password", _hash_once)
    await cli.seed.seed(sessions, REFDATA)
