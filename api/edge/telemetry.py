"""The API's request metrics and case-tagged logs; its server spans come from FastAPI's own OpenTelemetry support.

Metrics are labelled by the route's template (`/api/v1/cases/{tracking_code}`), never the raw path: one
series per route, not one per tracking code. Unknown methods count as OTHER and unmatched paths as
`unmatched`, so nobody can mint series by sending odd requests. The registry is the app's own (tests build
many apps in one process), served with the product gauges by api.routers.metrics.

FastAPI's native tracing (on when FOAD_TRACING is, infra.tracing) makes the server span of each request,
named by the same template, reads an incoming `traceparent`, and is the parent of the Temporal client's
StartWorkflow span. Its own metrics and logs stay off: metrics are Prometheus here, and its logs would carry
rejected input (personal data) to an OpenTelemetry log exporter.
"""

import time
from collections.abc import MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import iter_route_contexts
from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.services.tracking import is_valid_tracking_code, normalize_tracking_code
from infra.logs import QUIET_PATHS, bind_case, current_case
from infra.settings import Settings
from reports.gauges import ProductMetrics

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

disable_created_metrics()  # no `*_created` twin beside every series: Prometheus does not need them


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "foad_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "foad_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template",
            ["method", "route"],
            registry=registry,
            buckets=BUCKETS,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route).observe(seconds)


class RouteTemplates:
    """The full template of the route that served a request. FastAPI (0.16x) puts the included route itself in
    `scope["route"]`, whose path lacks its routers' prefixes; `iter_route_contexts` knows the full one."""

    def __init__(self) -> None:
        self._full: dict[int, str] | None = None

    def of(self, scope: Scope, root_path: str) -> str:
        route = scope.get("route")
        if route is not None:
            if self._full is None:  # built on first use: every route is registered by then
                contexts = iter_route_contexts(scope["app"].routes)
                self._full = {id(c.original_route): c.path_format for c in contexts if c.path_format}
            template = self._full.get(id(route)) or getattr(route, "path_format", None)
            if template:
                return template
        mounted = scope.get("root_path", "")
        if mounted != root_path:
            return mounted[len(root_path) :] + "/{path}"  # static files under a mount
        if "endpoint" in scope and not scope.get("path_params"):
            return scope["path"]  # a plain Starlette route without parameters (/openapi.json)
        return UNMATCHED


async def bind_case_from_path(request: Request) -> None:
    """An app-wide dependency: a request with a tracking code in its path is about that case (logs.bind_case).
    A dependency rather than the middleware, because only after routing are the path parameters known."""
    code = request.path_params.get("tracking_code")
    if isinstance(code, str) and is_valid_tracking_code(code):  # not whatever a client typed there
        bind_case(normalize_tracking_code(code))


class RequestMetrics:
    """Outermost of ours: it times everything, the size limit's 413s and the error handlers' answers too."""

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app, self.metrics, self.templates = app, metrics, RouteTemplates()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        case_token = current_case.set(None)  # a request is about no case until it names one
        method = scope["method"] if scope["method"] in METHODS else "OTHER"
        root_path = scope.get("root_path", "")
        status = 500  # what the client gets if the app raises before answering
        started = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        except BaseException:
            status = 500
            raise
        finally:
            route = self.templates.of(scope, root_path)
            self.metrics.observe(method, route, status, time.perf_counter() - started)
            current_case.reset(case_token)


def is_probe(scope: MutableMapping[str, Any]) -> bool:
    """No server span for /healthz, /readyz and /metrics: they are asked every few seconds."""
    return scope.get("path") in QUIET_PATHS


def fastapi_telemetry(settings: Settings) -> dict[str, Any]:
    """FastAPI's `telemetry=` argument."""
    return {"tracing": settings.tracing, "metrics": False, "logs": False, "exclude": is_probe}


def install(app: FastAPI, settings: Settings) -> None:
    """The app's registry (HTTP metrics, product gauges, process figures) and the middleware; add it last."""
    registry = CollectorRegistry()
    for collector in (ProcessCollector, PlatformCollector, GCCollector):
        collector(registry=registry)
    app.state.metrics_registry = registry
    app.state.product_metrics = ProductMetrics(cache_seconds=settings.metrics_cache_seconds)
    registry.register(app.state.product_metrics)
    app.add_middleware(RequestMetrics, metrics=HttpMetrics(registry))
