"""Static files served to last: every URL a page writes carries the file's content hash (`?v=...`), so a
browser may keep it for a year (`Cache-Control: immutable`) and a new release is fetched at once. A request
without the current hash (an old page, a hand-typed URL) is served too, but revalidated every time."""

import hashlib
from functools import cache
from pathlib import Path

from fastapi.staticfiles import StaticFiles
from starlette.responses import FileResponse, Response
from starlette.types import Scope

STATIC = Path(__file__).resolve().parent.parent / "static"
STATIC_PREFIX = "/static/"
LONG_LIVED = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
FAVICON = STATIC / "favicon.ico"


@cache
def file_version(path: str) -> str:
    """The first 12 hex digits of the file's SHA-256; read once per process (a release restarts it)."""
    return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:12]


def static_url(path: str) -> str:
    """/static/css/app.css?v=3f2a..., for templates (a jinja2 global)."""
    return f"{STATIC_PREFIX}{path}?v={file_version(path)}"


class VersionedStaticFiles(StaticFiles):
    """StaticFiles whose answers say how long to keep them: a year for the current version, else revalidate."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            asked = dict(_query(scope)).get("v")
            try:
                current = file_version(path)
            except (OSError, ValueError):
                current = None
            response.headers["cache-control"] = LONG_LIVED if asked and asked == current else REVALIDATE
        return response


def _query(scope: Scope) -> list[tuple[str, str]]:
    raw = scope.get("query_string", b"").decode("latin-1")
    return [tuple(part.split("=", 1)) for part in raw.split("&") if "=" in part]  # type: ignore[misc]


def favicon() -> Response:
    """/favicon.ico, which browsers ask for on every site whatever the page links."""
    return FileResponse(FAVICON, media_type="image/x-icon", headers={"cache-control": "public, max-age=86400"})
