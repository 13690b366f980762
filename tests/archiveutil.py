"""Helpers of the archive tests: a dev server for a module, a case driven to closed through the API, and
Temporal made to forget a workflow."""

import asyncio
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from cli.devstack import dev_server_command, free_port, stop, wait_for_temporal
from infra.temporal import ensure_search_attributes
from tests.apiutil import file, login, open_task, projected
from workflows.visibility import workflow_id

ACCEPT = {"decision": "accept", "unit_id": "sso-qazvin-takestan", "action_order": "با شعبه تماس بگیرید"}
DONE = {"outcome": "resolved_by_phone", "note": "با رئیس شعبه تماس گرفته شد"}


@asynccontextmanager
async def dev_server(folder) -> AsyncIterator[Client]:
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen(
        dev_server_command(folder, port, ui_port=None),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = await wait_for_temporal(f"127.0.0.1:{port}", 60, process=process)
        await ensure_search_attributes(client)
        yield client
    finally:
        stop(process)


async def closed_case(api: httpx.AsyncClient, sessions) -> str:
    """A complaint filed, reviewed, handled, approved and rated by the citizen: closed, its workflow completed."""
    code = await file(api)
    await projected(sessions, code)
    senior, takestan = await login(api, "sso-senior"), await login(api, "sso-takestan")
    assert (await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)).status_code == 200
    task = await open_task(api, takestan, code, "handling")
    assert (await api.post(f"/tasks/{task['task_id']}/complete", json=DONE, headers=takestan)).status_code == 200
    await projected(sessions, code, status="awaiting_approval")
    approved = await api.post(
        f"/cases/{code}/approve",
        json={"result_note": "کارمند جایگزین مستقر شد", "outcome": "substitute_assigned"},
        headers=senior,
    )
    assert approved.status_code == 200, approved.text
    await projected(sessions, code, status="awaiting_feedback")
    feedback = await api.post(f"/complaints/{code}/feedback", json={"satisfied": True, "rating": 5})
    assert feedback.status_code == 202, feedback.text
    await projected(sessions, code, status="closed")
    return code


async def forget(client: Client, workflow: str, timeout: float = 60.0) -> None:
    """Delete the workflow's execution (as retention would) and wait until Temporal answers NOT_FOUND."""
    handle = client.get_workflow_handle(workflow)
    run_id = (await handle.describe()).run_id
    await handle.result()
    await client.workflow_service.delete_workflow_execution(
        DeleteWorkflowExecutionRequest(
            namespace=client.namespace, workflow_execution=WorkflowExecution(workflow_id=workflow, run_id=run_id)
        )
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        try:
            await handle.describe()
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                return
            raise
        await asyncio.sleep(0.2)
    raise AssertionError(f"Temporal still holds {workflow} after {timeout}s")


def case_workflow(code: str) -> str:
    return workflow_id(code)
