"""One logging setup for worker.py and the API (uvicorn's own loggers included): text or one JSON object a line.

Every line about a case carries `tracking_code` and `workflow_id`, found in this order: given by the caller
(`extra={"tracking_code": ...}`); the workflow id Temporal's `workflow.logger` and `activity.logger` attach;
the running activity's workflow id (for module loggers called inside an activity); the case an API request
bound (`bind_case`, from its path or from the intake). Workflow ids are `complaint-<tracking code>`
(infra.temporal); a hotspot or report workflow gets its `workflow_id` only.

Personal data: `logmask.install()` masks every record at birth, and the JSON formatter masks the whole object
once more before it is written, because `extra=` values and a re-rendered traceback reach it unmasked.
"""

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter
from temporalio import activity, workflow

from infra import logmask
from infra.settings import Settings
from workflows.visibility import WORKFLOW_ID_PREFIX, workflow_id

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Requests a probe or a scraper makes every few seconds: not worth an access-log line each.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")

# The case the current API request is about (set per asyncio task; api.edge.telemetry resets it per request).
current_case: ContextVar[str | None] = ContextVar("foad_current_case", default=None)


def bind_case(tracking_code: str) -> None:
    """Tag every later line of the current request (its asyncio task) with this case."""
    current_case.set(tracking_code)


def _from_workflow_id(wid: str | None) -> tuple[str | None, str | None]:
    if not wid:
        return None, None
    return (wid[len(WORKFLOW_ID_PREFIX) :] if wid.startswith(WORKFLOW_ID_PREFIX) else None), wid


def case_of(record: logging.LogRecord) -> tuple[str | None, str | None]:
    """(tracking_code, workflow_id) of the case the record is about, or (None, None)."""
    code = getattr(record, "tracking_code", None)
    if code:
        return code, workflow_id(code)
    for key in ("temporal_workflow", "temporal_activity"):
        details = getattr(record, key, None)
        if isinstance(details, dict) and details.get("workflow_id"):
            return _from_workflow_id(details["workflow_id"])
    if activity.in_activity():
        return _from_workflow_id(activity.info().workflow_id)
    code = current_case.get()
    if code:
        return code, workflow_id(code)
    return None, None


class CaseContext(logging.Filter):
    """Puts `tracking_code` and `workflow_id` on every record about a case (a handler filter: it runs in the
    logging call's own thread and context, so it sees the activity or request that logged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        code, wid = case_of(record)
        if wid:
            record.workflow_id = wid
            if code:
                record.tracking_code = code
        return True


class QuietProbes(logging.Filter):
    """Drops uvicorn's access line for /healthz, /readyz and /metrics."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            return args[2].split("?", 1)[0] not in QUIET_PATHS
        return True


class JsonLines(JsonFormatter):
    """`{"time", "level", "logger", "message", ...extras}`, time in UTC ISO 8601, Persian text unescaped."""

    def __init__(self) -> None:
        super().__init__(
            "{levelname}{name}{message}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger"},
            reserved_attrs=[*RESERVED_ATTRS, "taskName", "_foad_masked", "color_message"],
            json_ensure_ascii=False,
        )

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        log_data["time"] = datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")
        super().add_fields(log_data, record, message_dict)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return logmask.mask_value(log_data)


class CaseText(logging.Formatter):
    """The plain format, with ` [case <code>]` (or ` [workflow <id>]`) at the end of a line about one."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        code, wid = getattr(record, "tracking_code", None), getattr(record, "workflow_id", None)
        return f"{line} [case {code}]" if code else f"{line} [workflow {wid}]" if wid else line


class _Handler(logging.StreamHandler):
    """Ours, so that a second setup() replaces it instead of doubling every line."""


def setup(settings: Settings, *, stream: TextIO | None = None) -> logging.Handler:
    """Configure the process's logging from FOAD_LOG_FORMAT and FOAD_LOG_LEVEL; returns the handler."""
    logmask.install()
    json_lines = settings.effective_log_format() == "json"
    handler = _Handler(stream or sys.stderr)
    handler.setFormatter(JsonLines() if json_lines else CaseText())
    handler.addFilter(CaseContext())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # uvicorn configured its loggers before it imported the app: hand them to the root handler.
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # httpx logs every request's URL at INFO, and Kavenegar's URLs carry the API key.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG if settings.log_level == "DEBUG" else logging.WARNING)
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, QuietProbes) for f in access.filters):
        access.addFilter(QuietProbes())
    # The JSON fields already carry the workflow and activity; the SDK's "({...})" suffix would repeat them.
    workflow.logger.workflow_info_on_message = not json_lines
    activity.logger.activity_info_on_message = not json_lines
    return handler
