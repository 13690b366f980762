"""`Cache-Control: no-store` on every answer the application makes, unless it chose its own caching.

Case JSON, case pages, the citizen's own case, the outbox and the access log carry personal data; a
browser's disk cache or a proxy in between must not keep a copy. Rather than remember it route by route
(and forget one), every response gets `no-store`, except the public files under STATIC_PREFIXES (the
pages' CSS, font and script, the docs' assets: nothing personal) and a response that already says how it may
be cached.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_STORE = b"no-store"
STATIC_PREFIXES = ("/static/", "/docs/assets/", "/docs/static/")


class NoStore:
    """Pure ASGI middleware: adds `Cache-Control: no-store` (and `Pragma: no-cache` for HTTP/1.0 caches)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(STATIC_PREFIXES):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers += [(b"cache-control", NO_STORE), (b"pragma", b"no-cache")]
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_no_store)
