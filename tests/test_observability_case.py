"""One real case observed three ways: JSON log lines, one OpenTelemetry trace, the Temporal SDK's metrics.

The stack is the production wiring: `infra.temporal.connect` with tracing and the Prometheus runtime on, the
worker built on that client (so it inherits both), the API served by uvicorn (its access log included), JSON
logging by `infra.logs.setup`. The case is filed once for the module; each test reads what it left behind.
"""

import io
import json
import logging
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio import activity, workflow
from temporalio.common import MetricMeter

from cli.devstack import free_port
from infra import logs
from infra.runtime import sdk_runtime
from infra.temporal import connect
from infra.tracing import tracer_provider
from schemas.actions import FeedbackInput
from tests.apiutil import api_settings, citizen_auth, make_app, projected, served
from tests.dbutil import migrated, seed_demo
from tests.factories import MOBILE, NATIONAL_CODE, complaint
from tests.polling import eventually_async
from worker import build_worker
from workflows.complaint import ComplaintWorkflow
from workflows.visibility import workflow_id

SPAN_PATH = [
    "StartWorkflow:ComplaintWorkflow",
    "RunWorkflow:ComplaintWorkflow",
    "StartActivity:record_transition",
    "RunActivity:record_transition",
    "RunActivity:send_sms",
]


@dataclass
class Observed:
    code: str
    lines: list[dict[str, Any]]
    spans: list[ReadableSpan]
    sdk_metrics: str


def _span_exporter() -> InMemorySpanExporter:
    """infra.tracing's provider, exporting to memory, as the process's (which can be set only once)."""
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        trace.set_tracer_provider(tracer_provider("foad-test", exporter, batch=False))
    return exporter


@contextmanager
def _logs_to_stream(settings):
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = logs.setup(settings, stream=stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        workflow.logger.workflow_info_on_message = activity.logger.activity_info_on_message = True


@pytest.fixture(scope="module")
async def observed(temporal_env, tmp_path_factory) -> AsyncIterator[Observed]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('observed') / 'foad.db'}"
    async with migrated(url) as sessions:
        with pytest.MonkeyPatch.context() as patch:
            await seed_demo(sessions, patch)
        metrics_port, task_queue = free_port(), f"test-{uuid.uuid4()}"
        overrides = {
            "tracing": True,
            "log_format": "json",
            "temporal_metrics_address": f"127.0.0.1:{metrics_port}",
            "temporal_address": temporal_env.client.service_client.config.target_host,
        }
        settings = api_settings(**overrides)
        exporter = _span_exporter()
        with _logs_to_stream(settings) as stream:
            client = await connect(settings)
            app = make_app(sessions=sessions, client=client, task_queue=task_queue, **overrides)
            # log_config=None: uvicorn keeps the logging infra.logs set up, as under `uvicorn api.main:app`.
            async with served(app, log_config=None, log_level="info") as base:
                worker = build_worker(client, sessions=sessions, task_queue=task_queue)
                async with worker, httpx.AsyncClient(base_url=base) as http:
                    filed = await http.post(
                        "/api/v1/complaints", json=complaint(), headers={"Idempotency-Key": "observed"} | citizen_auth()
                    )
                    assert filed.status_code == 201, filed.text
                    code = filed.json()["tracking_code"]
                    await projected(sessions, code)
                    await http.get(f"/api/v1/complaints/{code}", params={"mobile": MOBILE})
                    await http.get("/healthz")
                    # A feedback signal before the result: the workflow logs that it ignores it.
                    await client.get_workflow_handle(workflow_id(code)).signal(
                        ComplaintWorkflow.feedback, FeedbackInput(satisfied=True, rating=5)
                    )

                    async def logged_and_traced() -> bool:
                        spans = {s.name for s in exporter.get_finished_spans()}
                        return "feedback ignored" in stream.getvalue() and spans >= set(SPAN_PATH)

                    await eventually_async(logged_and_traced)
                    sdk_metrics = (await http.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
                    await client.get_workflow_handle(workflow_id(code)).terminate(reason="test over")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    yield Observed(code, lines, list(exporter.get_finished_spans()), sdk_metrics)


def test_every_log_line_about_the_case_names_it_and_hides_personal_data(observed):
    code, lines = observed.code, observed.lines
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    about = [line for line in lines if line.get("tracking_code") == code or code in line["message"]]
    assert all(line.get("tracking_code") == code for line in about), [
        line for line in about if "tracking_code" not in line
    ]
    assert all(line.get("workflow_id") == workflow_id(code) for line in about)
    loggers = {line["logger"] for line in about}
    # the API's access log, an activity (Temporal's logger and a module logger inside it), and the workflow
    assert {"uvicorn.access", "temporalio.activity", "foad.sms", "temporalio.workflow"} <= loggers, loggers
    text = json.dumps(lines, ensure_ascii=False)
    assert MOBILE not in text and NATIONAL_CODE not in text
    assert any("0912***4567" in line["message"] for line in about if line["logger"] == "uvicorn.access")
    assert not any("/healthz" in line["message"] for line in lines)


def test_the_sdk_cores_own_warnings_come_out_as_json_lines_too(observed):
    """The core warns when a worker starts on a server without a capability it wants (the test server lacks
    one); that line reaches the JSON handler instead of stderr in the core's own format."""
    core = [line for line in observed.lines if line["logger"].startswith("temporalio.core")]
    assert core and all(line["level"] in {"WARNING", "ERROR"} for line in core), core


def test_one_trace_runs_from_the_http_request_to_the_activities(observed):
    server = [s for s in observed.spans if s.attributes.get("http.route") == "/api/v1/complaints"]
    assert len(server) == 1, [s.name for s in observed.spans]
    trace_id = server[0].context.trace_id
    in_trace = {s.name for s in observed.spans if s.context.trace_id == trace_id}
    assert set(SPAN_PATH) <= in_trace, in_trace
    queried = [s for s in observed.spans if "mobile=" in str(s.attributes.get("url.query", ""))]
    assert queried and all(MOBILE not in str(dict(s.attributes)) for s in observed.spans)


def test_the_sdk_runtime_serves_worker_and_client_metrics(observed):
    text = observed.sdk_metrics
    assert 'operation="StartWorkflowExecution"' in text  # the client's calls
    assert "temporal_workflow_task_execution_latency" in text  # the worker's workflow tasks
    assert "temporal_activity_execution_latency" in text  # and its activities


def test_a_taken_metrics_port_costs_the_sdk_metrics_not_the_connection():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        without_metrics = sdk_runtime(api_settings(temporal_metrics_address=address))
        assert without_metrics is sdk_runtime(api_settings(temporal_metrics_address=address))  # one per process
        assert without_metrics is not sdk_runtime(api_settings(temporal_metrics_address=None))
        assert without_metrics.metric_meter is MetricMeter.noop  # a runtime all the same: the client connects


def test_text_logs_end_a_line_about_a_case_with_its_code():
    with _logs_to_stream(api_settings(log_format="text")) as stream:
        logging.getLogger("foad.test").info("reviewed", extra={"tracking_code": "12345678903"})
        logging.getLogger("foad.test").info("no case here")
    about, other = stream.getvalue().splitlines()
    assert about.endswith("INFO foad.test reviewed [case 12345678903]")
    assert other.endswith("INFO foad.test no case here")
