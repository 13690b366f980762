"""Security headers on every response: a strict Content-Security-Policy and its companions.

The CSP allows nothing but this origin and no inline script or style, so an injected `<script>` in a case's
free text cannot run even if a page forgot to escape it. `Referrer-Policy: no-referrer` because our own
URLs carry tracking codes (`/complaints/{tracking_code}`): a link from a case page to any other site must
not hand that code over in the Referer header, and no page of ours needs the referrer of another.
HSTS is sent only when the request came over https (or in production, where TLS ends at a proxy in front
of us): sent over plain http it would be ignored, and on a developer's localhost it would be a nuisance.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    )
)
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"

_ALWAYS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


def security_headers(*, scheme: str, hsts_always: bool = False) -> dict[str, str]:
    """The headers as a dict, for a response sent from outside the middleware (Starlette's last-resort 500)."""
    headers = {name.decode(): value.decode() for name, value in _ALWAYS}
    if hsts_always or scheme == "https":
        headers["strict-transport-security"] = STRICT_TRANSPORT_SECURITY
    return headers


class SecurityHeaders:
    """Pure ASGI middleware (no response buffering), so streamed and error responses get the headers too."""

    def __init__(self, app: ASGIApp, *, hsts_always: bool = False) -> None:
        self.app = app
        self.hsts_always = hsts_always

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(_ALWAYS)
        if self.hsts_always or scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", STRICT_TRANSPORT_SECURITY.encode()))
        names = {name for name, _ in extra}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)
