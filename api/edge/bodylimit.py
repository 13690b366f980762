"""A ceiling on request bodies (FOAD_MAX_BODY_BYTES), enforced before and while the body is read.

A declared Content-Length over the limit is refused at once, without reading a byte. A body that arrives
chunked (or lies about its length) is counted as it streams in; the moment it passes the limit, reading
stops and the client gets the same 413, whatever the endpoint would have answered.
"""

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.edge.errors import PayloadTooLarge, error_response


class _BodyOverLimit(HTTPException):
    """Raised from receive(); an HTTPException so FastAPI's body parsing lets it through untouched."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="request body too large")


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _refusal(self) -> PayloadTooLarge:
        return PayloadTooLarge(self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await error_response(self._refusal())(scope, receive, send)
            return

        received = 0
        over = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, over
            if over:
                raise _BodyOverLimit()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    over = True
                    raise _BodyOverLimit()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:  # whatever the app answers to a cut-off body, the client hears the 413
                if not started:
                    started = True
                    await error_response(self._refusal())(scope, receive, send)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _BodyOverLimit:
            if not started:
                started = True
                await error_response(self._refusal())(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
