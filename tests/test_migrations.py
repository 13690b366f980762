"""The Alembic migrations build exactly the schema the models describe, on SQLite and on PostgreSQL, so a model
change without its migration (or the reverse) fails here and not in production."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from database.models import Base
from tests.dbutil import create_postgres_database, drop_postgres_database, migrate

POSTGRES_URL = os.environ.get("FOAD_TEST_POSTGRES_URL")


async def _differences(url: str) -> list:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await engine.dispose()


async def test_migrated_sqlite_schema_matches_the_models(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'schema.db'}"
    migrate(url)
    assert await _differences(url) == []


@pytest.mark.skipif(not POSTGRES_URL, reason="FOAD_TEST_POSTGRES_URL unset")
async def test_migrated_postgres_schema_matches_the_models():
    url = await create_postgres_database(POSTGRES_URL)
    try:
        migrate(url)
        assert await _differences(url) == []
    finally:
        await drop_postgres_database(POSTGRES_URL, url)
