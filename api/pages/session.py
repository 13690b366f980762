"""The pages' session: one signed cookie (an HS256 JWT with the server's secret, with expiry) holding a
CSRF token and, once proved, the staff user's id or the citizen's verified mobile.

The cookie is HttpOnly, SameSite=Lax, and Secure in production or over https. Every form carries the
CSRF token in a hidden field; a POST without the session's token is refused with a Persian 403 page.
"""

import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import jwt
from fastapi import Request
from starlette.responses import Response

from api.edge.errors import ApiError, Forbidden
from infra.settings import Settings

COOKIE = "foad_session"
TYP = "page"
ANONYMOUS_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class PageSession:
    csrf: str
    user_id: int | None = None
    mobile: str | None = None
    generation: int = 0  # the staff account's session generation when it logged in (api.auth.tokens)


class LoginRequired(ApiError):
    """A staff page opened without a staff session: the pages answer with the login form."""

    status_code = 401
    code = "login_required"
    message_fa = "برای دیدن این صفحه وارد شوید."


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _decode(token: str, settings: Settings) -> PageSession | None:
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=["HS256"], options={"require": ["exp", "typ"]})
    except jwt.PyJWTError:
        return None
    if claims.get("typ") != TYP or not isinstance(claims.get("csrf"), str):
        return None
    generation = claims.get("gen", 0)
    return PageSession(
        csrf=claims["csrf"],
        user_id=claims.get("uid"),
        mobile=claims.get("mob"),
        generation=generation if isinstance(generation, int) else -1,
    )


def current(request: Request) -> PageSession:
    """The request's session; a new anonymous one (saved with the response) if it has none or a bad one."""
    found = getattr(request.state, "page_session", None)
    if found is not None:
        return found
    token = request.cookies.get(COOKIE)
    found = _decode(token, _settings(request)) if token else None
    if found is None:
        found = PageSession(csrf=secrets.token_urlsafe(24))
        request.state.page_session_changed = True
    request.state.page_session = found
    return found


def change(request: Request, **values: object) -> PageSession:
    """Updates the session (e.g. after login); a new CSRF token with every change of who is logged in."""
    updated = replace(current(request), csrf=secrets.token_urlsafe(24), **values)
    request.state.page_session = updated
    request.state.page_session_changed = True
    return updated


def save(request: Request, response: Response) -> Response:
    """Writes the cookie if the session changed during the request."""
    if not getattr(request.state, "page_session_changed", False):
        return response
    settings = _settings(request)
    session: PageSession = request.state.page_session
    lifetime = ANONYMOUS_LIFETIME
    if session.user_id is not None:
        lifetime = timedelta(minutes=settings.token_minutes)
    elif session.mobile is not None:
        lifetime = timedelta(minutes=settings.citizen_token_minutes)
    now = datetime.now(UTC)
    claims = {"typ": TYP, "csrf": session.csrf, "iat": now, "exp": now + lifetime}
    if session.user_id is not None:
        claims["uid"] = session.user_id
        claims["gen"] = session.generation
    if session.mobile is not None:
        claims["mob"] = session.mobile
    response.set_cookie(
        COOKIE,
        jwt.encode(claims, settings.secret_key, algorithm="HS256"),
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.environment == "production" or request.url.scheme == "https",
        path="/",
    )
    return response


def clear(request: Request) -> None:
    """Logout: a fresh anonymous session replaces the old one (the caller revokes the account's sessions on the
    server too: a copy of the old cookie must not keep working)."""
    request.state.page_session = PageSession(csrf=secrets.token_urlsafe(24))
    request.state.page_session_changed = True


async def form_with_csrf(request: Request) -> dict[str, str]:
    """The POSTed form, after checking its CSRF token against the session's."""
    form = await request.form()
    sent = form.get("csrf")
    expected = current(request).csrf
    # compared as bytes: compare_digest refuses a str with non-ASCII characters (a TypeError, once a 500)
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden(
            "missing or wrong CSRF token",
            code="csrf_failed",
            message_fa="فرم منقضی یا نامعتبر است؛ صفحه را دوباره باز کنید و دوباره بفرستید.",
        )
    return {key: value for key, value in form.items() if isinstance(value, str)}
