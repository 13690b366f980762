"""OpenTelemetry tracing, off unless FOAD_TRACING is true.

One trace crosses the whole path of a request: the API's server span (FastAPI's own, api.edge.telemetry), then
Temporal's TracingInterceptor on the client, which carries the context in the workflow's headers: StartWorkflow ->
RunWorkflow -> StartActivity -> RunActivity in the worker, which inherits the client's interceptors. The
interceptor's workflow spans are emitted as they happen (with no duration) and never during replay, so a case
that runs for days shows up at once and replaying it adds nothing.

Where spans go is the standard OpenTelemetry configuration, not ours: OTEL_EXPORTER_OTLP_ENDPOINT (or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER and
its argument, OTEL_RESOURCE_ATTRIBUTES; the exporter speaks OTLP over HTTP (protobuf, port 4318).
"""

import os

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from temporalio.client import Interceptor
from temporalio.contrib.opentelemetry import TracingInterceptor

from infra.logmask import mask_personal_data
from infra.settings import Settings


class MaskingSpanProcessor(SpanProcessor):
    """Masks national codes and mobile numbers in the string attributes a span starts with: FastAPI's server
    span records the URL's query string, and a client may put anything there."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        for key, value in list((span.attributes or {}).items()):
            if isinstance(value, str) and (masked := mask_personal_data(value)) != value:
                span.set_attribute(key, masked)


def tracer_provider(service_name: str, exporter: SpanExporter, *, batch: bool = True) -> TracerProvider:
    """A provider that masks, then exports; `service_name` unless OTEL_SERVICE_NAME says otherwise."""
    resource = Resource.create({} if os.environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: service_name})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(MaskingSpanProcessor())
    provider.add_span_processor(BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter))
    return provider


def install(settings: Settings, *, service_name: str) -> TracerProvider | None:
    """When tracing is on, make the process's tracer provider export by OTLP. Call once, at process start
    (worker.py, api/main.py)."""
    if not settings.tracing:
        return None
    # Imported here: the exporter pulls in requests and protobuf, which a process without tracing never needs.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = tracer_provider(service_name, OTLPSpanExporter())
    trace.set_tracer_provider(provider)
    return provider


def client_interceptors(settings: Settings) -> list[Interceptor]:
    """The Temporal client's interceptors: the tracing one when tracing is on (the worker inherits it)."""
    return [TracingInterceptor()] if settings.tracing else []
