"""The public performance page, /performance: no login, no personal data. Each Jalali month of a year, by agency
and by province, the complaints received, the share handled within the deadline, and the satisfied share, from
reports/public.py (cells under FOAD_PUBLIC_MIN_CASES suppressed, figures cached FOAD_PUBLIC_CACHE_SECONDS)."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.deps import SessionsDep, SettingsDep
from api.pages.rendering import page
from reports.public import PublicCache
from timekeeping.jalali import jalali_period
from timekeeping.persian import month_label_fa, persian_digits

router = APIRouter(include_in_schema=False)


def _cache(request: Request, ttl: float) -> PublicCache:
    """One cache per app (so per process), made on first use."""
    cache = getattr(request.app.state, "public_cache", None)
    if cache is None:
        cache = request.app.state.public_cache = PublicCache(ttl=ttl)
    return cache


@router.get("/performance")
async def performance(
    request: Request,
    sessions: SessionsDep,
    settings: SettingsDep,
    year: Annotated[int | None, Query(ge=1390, le=1500)] = None,
) -> Response:
    now = datetime.now(UTC)
    this_year = jalali_period(now)[0]
    year = year or this_year
    figures = await _cache(request, settings.public_cache_seconds).get(
        sessions, year=year, min_cases=settings.public_min_cases, now=now
    )
    return page(
        request,
        "citizen/performance.html",
        user=None,
        figures=figures,
        year_fa=persian_digits(year),
        least_fa=persian_digits(settings.public_min_cases),
        month_label=month_label_fa,
        years=[(y, persian_digits(y)) for y in range(this_year, this_year - 3, -1)],
        year=year,
    )
