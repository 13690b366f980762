"""Alembic environment: the URL comes from FOAD_DATABASE_URL (or the caller's config), never from the ini."""

import asyncio

from alembic import context
from sqlalchemy.ext.asyncio import AsyncEngine

from database.models import Base
from database.sessions import create_engine
from infra.settings import get_settings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async(create_engine(_url())))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
