"""Bearer tokens: HS256 JWTs for staff (subject: the user's id) and for citizens who proved a mobile number.

The `typ` claim keeps the two apart: a citizen's token never opens a staff endpoint, nor the reverse.
A staff token also carries its account's session generation (`gen`, `users.session_generation`): logout,
a password reset, a change of role or units and disabling the account bump it, and every token and page
session issued before stops working with its next request (api.deps.load_staff_user checks it).
"""

from datetime import UTC, datetime, timedelta

import jwt

from infra.settings import Settings

ALGORITHM = "HS256"
STAFF = "staff"
CITIZEN = "citizen"


def _encode(claims: dict, *, lifetime: timedelta, settings: Settings, now: datetime | None) -> tuple[str, int]:
    issued = now or datetime.now(UTC)
    claims = claims | {"iat": issued, "exp": issued + lifetime}
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM), int(lifetime.total_seconds())


def _decode(token: str, *, typ: str, settings: Settings) -> dict | None:
    try:
        claims = jwt.decode(
            token, settings.secret_key, algorithms=[ALGORITHM], options={"require": ["sub", "exp", "typ"]}
        )
    except jwt.PyJWTError:
        return None
    return claims if claims.get("typ") == typ else None


def create_token(
    *, user_id: int, role: str, settings: Settings, generation: int = 0, now: datetime | None = None
) -> tuple[str, int]:
    """A staff token of the account's current session `generation`, and its lifetime in seconds."""
    claims = {"sub": str(user_id), "role": role, "typ": STAFF, "gen": generation}
    return _encode(claims, lifetime=timedelta(minutes=settings.token_minutes), settings=settings, now=now)


def staff_from_token(token: str, *, settings: Settings) -> tuple[int, int] | None:
    """The staff user id the token was issued to and its session generation, or None if it is forged, expired,
    malformed or a citizen's."""
    claims = _decode(token, typ=STAFF, settings=settings)
    if not claims:
        return None
    try:
        return int(claims["sub"]), int(claims.get("gen", 0))
    except (TypeError, ValueError):
        return None


def create_citizen_token(*, mobile: str, settings: Settings, now: datetime | None = None) -> tuple[str, int]:
    """A token proving the holder received a one-time code on `mobile`."""
    claims = {"sub": mobile, "typ": CITIZEN}
    return _encode(claims, lifetime=timedelta(minutes=settings.citizen_token_minutes), settings=settings, now=now)


def mobile_from_token(token: str, *, settings: Settings) -> str | None:
    claims = _decode(token, typ=CITIZEN, settings=settings)
    return str(claims["sub"]) if claims else None
