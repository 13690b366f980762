"""The Temporal SDK's runtime: its own Prometheus endpoint and its core's log lines (reports/gauges.py has the
product's figures).

The SDK's runtime (worker and client alike) serves `temporal_*` metrics on FOAD_TEMPORAL_METRICS_ADDRESS; one
runtime per process and address, since a second one could not bind the port. The same runtime forwards the
SDK core's own log lines (Rust, otherwise printed straight to stderr in a format of their own) to the Python
logger `temporalio.core`, so they too come out through infra.logs: JSON in production, masked.
"""

import logging

from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

from infra.settings import Settings

CORE_LOGGER = "temporalio.core"

log = logging.getLogger("foad.metrics")
_runtimes: dict[tuple[str | None, str], Runtime] = {}


def _core_logging(core_level: str) -> LoggingConfig:
    return LoggingConfig(
        filter=TelemetryFilter(core_level=core_level, other_level="ERROR"),
        forwarding=LogForwardingConfig(logger=logging.getLogger(CORE_LOGGER)),
    )


def sdk_runtime(settings: Settings) -> Runtime:
    """The process's Temporal runtime: the core's logs forwarded to Python logging and, when
    FOAD_TEMPORAL_METRICS_ADDRESS is set, Prometheus metrics served there. If that port is taken (a second
    process on the same address, `uvicorn --workers 4` say), the process runs on without SDK metrics rather
    than without Temporal."""
    address = settings.temporal_metrics_address
    core_level = "DEBUG" if settings.log_level == "DEBUG" else "WARN"
    key = (address, core_level)
    if key not in _runtimes:
        if address is not None:
            try:
                _runtimes[key] = Runtime(
                    telemetry=TelemetryConfig(
                        logging=_core_logging(core_level), metrics=PrometheusConfig(bind_address=address)
                    )
                )
            except ValueError as exc:  # the SDK's word for "could not bind"
                log.error("no Temporal SDK metrics in this process: %s on %s", exc, address)
        if key not in _runtimes:
            _runtimes[key] = Runtime(telemetry=TelemetryConfig(logging=_core_logging(core_level)))
    return _runtimes[key]
