"""Bearer tokens for staff: HS256 JWTs whose subject is the user's id."""

from datetime import UTC, datetime, timedelta

import jwt

from foad.settings import Settings

ALGORITHM = "HS256"


def create_token(*, user_id: int, role: str, settings: Settings, now: datetime | None = None) -> tuple[str, int]:
    """The token and its lifetime in seconds."""
    issued = now or datetime.now(UTC)
    lifetime = timedelta(minutes=settings.token_minutes)
    claims = {"sub": str(user_id), "role": role, "iat": issued, "exp": issued + lifetime}
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM), int(lifetime.total_seconds())


def user_id_from_token(token: str, *, settings: Settings) -> int | None:
    """The user id the token was issued to, or None if it is forged, expired or malformed."""
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]})
        return int(claims["sub"])
    except (jwt.PyJWTError, ValueError):
        return None
