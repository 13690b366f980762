"""The API's one error type, and the one place that turns every failure into `{"error": {...}}`.

Temporal's own exceptions are translated here too, so routers simply let them propagate: a rejected
Workflow Update becomes a 409 carrying the validator's reason, an unreachable engine (or no worker
answering within the RPC timeout) a 503.
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import (
    RPCTimeoutOrCancelledError,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
)
from temporalio.exceptions import ApplicationError, FailureError
from temporalio.service import RPCError, RPCStatusCode

from api.edge.headers import security_headers
from infra.logmask import mask_value
from schemas import reasons

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error the client is meant to read: an HTTP status, a stable code, English and Persian messages."""

    status_code = 400
    code = "bad_request"
    message_fa = "درخواست نادرست است."

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        message_fa: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code or self.status_code
        self.message = message
        self.code = code or self.code
        self.message_fa = message_fa or self.message_fa
        self.details = details
        self.headers = headers


class Unauthorized(ApiError):
    status_code = 401
    code = "unauthorized"
    message_fa = "ورود لازم است یا اعتبار ورود نادرست است."

    def __init__(self, message: str = "authentication required", **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kwargs)


class Forbidden(ApiError):
    status_code = 403
    code = "forbidden"
    message_fa = "شما اجازه این کار را ندارید."


class NotFound(ApiError):
    status_code = 404
    code = "not_found"
    message_fa = "پیدا نشد."


class Conflict(ApiError):
    """The action does not fit the case's current state (or an idempotency key was reused)."""

    status_code = 409
    code = "invalid_action"
    message_fa = "این اقدام در وضعیت فعلی پرونده مجاز نیست."


class FieldInvalid(ApiError):
    """A 422 about one field that only the server can judge (e.g. a unit that does not exist)."""

    status_code = 422
    code = "validation_error"
    message_fa = "برخی از مقادیر نادرست است."

    def __init__(self, loc: list[str | int], reason: str, *, reason_fa: str | None = None) -> None:
        detail = {
            "loc": loc,
            "field": ".".join(str(p) for p in loc),
            "reason": reason,
            "message_fa": reason_fa or "مقدار این بخش پذیرفتنی نیست.",
        }
        super().__init__(f"{detail['field']}: {reason}", message_fa=reason_fa, details=[detail])


class PayloadTooLarge(ApiError):
    status_code = 413
    code = "payload_too_large"
    message_fa = "حجم درخواست بیش از حد مجاز است."

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"the request body is larger than {max_bytes} bytes", details={"max_bytes": max_bytes})


class EngineUnavailable(ApiError):
    status_code = 503
    code = "engine_unavailable"
    message_fa = "سامانه گردش کار در دسترس نیست؛ کمی بعد دوباره تلاش کنید."

    def __init__(self, message: str = "the workflow engine is unreachable or no worker answered in time") -> None:
        super().__init__(message, headers={"Retry-After": "5"})


class TooManyRequests(ApiError):
    """A rate limit or a locked account: the client may try again after `retry_after` seconds."""

    status_code = 429
    code = "rate_limited"
    message_fa = "تعداد درخواست‌ها بیش از حد مجاز است؛ کمی بعد دوباره تلاش کنید."

    def __init__(self, message: str, *, retry_after: int, **kwargs: Any) -> None:
        kwargs.setdefault("details", {"retry_after": retry_after})
        super().__init__(message, headers={"Retry-After": str(retry_after)}, **kwargs)


class DatabaseUnavailable(ApiError):
    """The read model cannot be reached or stays locked (a SQLite writer holding it past the lock timeout)."""

    status_code = 503
    code = "database_unavailable"
    message_fa = "پایگاه داده در دسترس نیست؛ کمی بعد دوباره تلاش کنید."

    def __init__(self, message: str = "the read-model database is unavailable") -> None:
        super().__init__(message, headers={"Retry-After": "5"})


class EngineError(ApiError):
    status_code = 502
    code = "engine_error"
    message_fa = "سامانه گردش کار پاسخ نادرستی داد."


_UNAVAILABLE = {
    RPCStatusCode.UNAVAILABLE,
    RPCStatusCode.DEADLINE_EXCEEDED,
    RPCStatusCode.CANCELLED,
    RPCStatusCode.RESOURCE_EXHAUSTED,
}


def engine_error(exc: BaseException) -> ApiError | None:
    """The ApiError a Temporal exception means, or None if it is not one of Temporal's."""
    if isinstance(exc, WorkflowUpdateFailedError):
        cause = exc.cause
        reason = cause.message if isinstance(cause, FailureError) else str(cause)
        details: dict[str, Any] = {"reason": reason}
        reason_fa = None
        if isinstance(cause, ApplicationError):
            details["type"] = cause.type
            if cause.details and isinstance(cause.details[0], str):
                reason_fa = cause.details[0]
                details["reason_fa"] = reason_fa
        return Conflict(reason, message_fa=reason_fa, details=details)
    if isinstance(exc, RPCTimeoutOrCancelledError):
        return EngineUnavailable()
    if isinstance(exc, RPCError):
        if exc.status in _UNAVAILABLE:
            return EngineUnavailable()
        if exc.status == RPCStatusCode.FAILED_PRECONDITION and "no poller" in exc.message:
            return EngineUnavailable("no worker is polling for this case's task queue")
        if exc.status == RPCStatusCode.FAILED_PRECONDITION and "Workflow Task in failed state" in exc.message:
            # WorkflowNotReady: the case's last workflow task timed out or failed (a worker killed mid-task) and
            # is being retried; the server refuses updates and queries until it completes. Transient: retry.
            return EngineUnavailable("the case's workflow is resuming after a worker failure; try again shortly")
        if exc.status == RPCStatusCode.NOT_FOUND:
            return Conflict(
                "the case's workflow is not running any more",
                code="case_not_active",
                message_fa="گردش کار این پرونده دیگر فعال نیست.",
                details={"reason": exc.message},
            )
        return EngineError(f"workflow engine error: {exc.message}")
    if isinstance(exc, (WorkflowQueryFailedError, WorkflowQueryRejectedError)):
        return EngineError(f"the case's state could not be read: {exc}")
    return None


def _body(err: ApiError) -> dict[str, Any]:
    """The error as JSON, every string in it masked: a message or a field path may quote what was typed."""
    body = {"code": err.code, "message": err.message, "message_fa": err.message_fa, "details": err.details}
    return {"error": mask_value(body)}


def _render(request: Request, err: ApiError) -> Response:
    """JSON under /api; elsewhere the pages' Persian error page, when the pages are mounted."""
    render_page = getattr(request.app.state, "render_error_page", None)
    if render_page is not None and not request.url.path.startswith(
        ("/api/", "/codec/", "/open311/", "/docs", "/openapi")
    ):
        return render_page(request, err)
    return JSONResponse(_body(err), status_code=err.status_code, headers=err.headers)


def error_response(err: ApiError) -> JSONResponse:
    """The JSON response for an error, for middleware that answers before the app does."""
    return JSONResponse(_body(err), status_code=err.status_code, headers=err.headers)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return _render(request, exc)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    details = []
    for error in exc.errors():
        loc = list(error.get("loc", ()))
        details.append(
            {
                "loc": loc,
                "field": ".".join(str(part) for part in loc),
                "reason": reasons.reason_en(error),
                "message_fa": reasons.reason_fa(error),
                "type": error.get("type", ""),
            }
        )
    fields = ", ".join(d["field"] for d in details)
    err = ApiError(
        f"invalid request: {fields}",
        code="validation_error",
        message_fa=details[0]["message_fa"] if len(details) == 1 else "برخی از مقادیر نادرست است.",
        details=details,
        status_code=422,
    )
    return _render(request, err)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    codes = {
        404: "not_found",
        405: "method_not_allowed",
        401: "unauthorized",
        403: "forbidden",
        413: "payload_too_large",
    }
    err = ApiError(
        str(exc.detail),
        code=codes.get(exc.status_code, "http_error"),
        message_fa="صفحه یا موردی که خواستید پیدا نشد." if exc.status_code == 404 else "درخواست انجام نشد.",
        headers=exc.headers,
        status_code=exc.status_code,
    )
    return _render(request, err)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    err = ApiError("internal error", code="internal_error", message_fa="خطای داخلی سامانه.", status_code=500)
    response = _render(request, err)
    # Starlette sends this from outside every middleware, so the security headers are added here.
    settings = getattr(request.app.state, "settings", None)
    production = settings is not None and settings.environment == "production"
    response.headers.update(security_headers(scheme=request.url.scheme, hsts_always=production))
    return response


def _carries_nul(params: Any) -> bool:
    if isinstance(params, str):
        return "\x00" in params
    if isinstance(params, dict):
        return any(_carries_nul(v) for v in params.values())
    if isinstance(params, (list, tuple)):
        return any(_carries_nul(v) for v in params)
    return False


async def _database_error(request: Request, exc: Exception) -> Response:
    """A NUL character that reached a query (PostgreSQL refuses it in text) is the client's mistake: a 422.

    Free text has its NULs stripped by the schema; this catches identifiers (a unit id, a username, a
    tracking code in the path), wherever they come from, without a check in every router.
    """
    assert isinstance(exc, DBAPIError)
    if not _carries_nul(exc.params):
        return await _unexpected_error(request, exc)
    reason = "contains a NUL character, which no field accepts"
    err = ApiError(
        f"invalid request: {reason}",
        code="validation_error",
        message_fa="درخواست نویسه نامعتبر (NUL) دارد.",
        details=[
            {
                "loc": ["request"],
                "field": "request",
                "reason": reason,
                "message_fa": "نویسه نامعتبر (NUL) را پاک کنید.",
                "type": "nul_character",
            }
        ],
        status_code=422,
    )
    return _render(request, err)


async def _engine_error(request: Request, exc: Exception) -> Response:
    err = engine_error(exc)
    if err is None:  # pragma: no cover - only Temporal exceptions are registered here
        raise exc
    if err.status_code >= 500:
        log.warning("workflow engine call failed: %r", exc)
    return _render(request, err)


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    if isinstance(exc, DBAPIError) and _carries_nul(exc.params):
        return await _database_error(request, exc)
    log.warning("read-model database unavailable: %r", exc)
    return _render(request, DatabaseUnavailable())


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(PoolTimeoutError, _database_unavailable)
    for exc_type in (
        WorkflowUpdateFailedError,
        RPCTimeoutOrCancelledError,
        RPCError,
        WorkflowQueryFailedError,
        WorkflowQueryRejectedError,
    ):
        app.add_exception_handler(exc_type, _engine_error)
