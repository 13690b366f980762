"""The product's figures for /metrics: what the centre watches (open cases by step and level, breaches, the SMS
outbox backlog). They are read from the database when /metrics is scraped and reused for
FOAD_METRICS_CACHE_SECONDS, so that many scrapers (or many replicas' scrapes) do not turn into many queries.
"""

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from database.models import Case, SmsOutbox
from schemas.enums import LEVELS, CaseStatus, Step

FINAL_STATUSES = tuple(s.value for s in CaseStatus if s.is_final)
NO_LEVEL = "none"  # a case in review has no level yet
# Every outbox status but `sent` (the rows that are done): the backlog and the rows that need a person.
SMS_BACKLOG_STATUSES = ("pending", "sending", "checking", "unknown", "unconfirmed", "failed")


@dataclass
class ProductSnapshot:
    open_cases: dict[tuple[str, str], int] = field(default_factory=dict)  # (step, level) -> count
    open_breached: int = 0
    breaches: int = 0
    sms_backlog: dict[str, int] = field(default_factory=dict)
    oldest_pending_sms_seconds: float = 0.0
    read_at: float = 0.0


async def read_snapshot(session: AsyncSession, *, now: datetime | None = None) -> ProductSnapshot:
    now = now or datetime.now(UTC)
    snapshot = ProductSnapshot()
    is_open = Case.status.not_in(FINAL_STATUSES)
    rows = await session.execute(
        select(Case.step, Case.level, Case.breached, func.count())
        .where(is_open)
        .group_by(Case.step, Case.level, Case.breached)
    )
    for step, level, breached, count in rows:
        key = (step, level or NO_LEVEL)
        snapshot.open_cases[key] = snapshot.open_cases.get(key, 0) + count
        if breached:
            snapshot.open_breached += count
    snapshot.breaches = await session.scalar(select(func.count()).where(Case.breached.is_(True))) or 0
    rows = await session.execute(
        select(SmsOutbox.status, func.count()).where(SmsOutbox.status != "sent").group_by(SmsOutbox.status)
    )
    snapshot.sms_backlog = {status: count for status, count in rows}
    oldest = await session.scalar(select(func.min(SmsOutbox.created_at)).where(SmsOutbox.status == "pending"))
    if oldest is not None:
        snapshot.oldest_pending_sms_seconds = max(0.0, (now - oldest).total_seconds())
    return snapshot


class ProductMetrics(Collector):
    """A prometheus_client collector over the latest snapshot; `refresh()` (async) reads a new one when the
    cached one is older than `cache_seconds`. Every step x level and every backlog status is always
    exported, at 0 when empty, so a series does not vanish when its count falls to nothing."""

    def __init__(self, *, cache_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.cache_seconds = cache_seconds
        self._clock = clock
        self._snapshot: ProductSnapshot | None = None
        self._lock = asyncio.Lock()

    async def refresh(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        async with self._lock:  # concurrent scrapes share one read
            if self._snapshot is not None and self._clock() - self._snapshot.read_at < self.cache_seconds:
                return
            async with sessions() as session:
                snapshot = await read_snapshot(session)
            snapshot.read_at = self._clock()
            self._snapshot = snapshot

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        snapshot = self._snapshot
        if snapshot is None:
            return
        open_cases = GaugeMetricFamily(
            "foad_open_cases", "Cases not closed or rejected, by step and level (read model)", labels=["step", "level"]
        )
        for step in Step:
            for level in (NO_LEVEL, *LEVELS):
                open_cases.add_metric([step.value, str(level)], snapshot.open_cases.get((step.value, str(level)), 0))
        yield open_cases
        yield GaugeMetricFamily(
            "foad_open_breached_cases", "Open cases past their 3-hour deadline", value=snapshot.open_breached
        )
        yield CounterMetricFamily(
            "foad_case_breaches",
            "Cases that ever breached their deadline (every breach ever recorded)",
            value=snapshot.breaches,
        )
        backlog = GaugeMetricFamily("foad_sms_outbox", "SMS outbox rows not sent, by status", labels=["status"])
        for status in SMS_BACKLOG_STATUSES:
            backlog.add_metric([status], snapshot.sms_backlog.get(status, 0))
        yield backlog
        yield GaugeMetricFamily(
            "foad_product_metrics_age_seconds",
            "Seconds since the foad_* product figures were read from the database (grows while it is unreachable)",
            value=self._clock() - snapshot.read_at,
        )
        yield GaugeMetricFamily(
            "foad_sms_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending SMS (0 when none is pending)",
            value=snapshot.oldest_pending_sms_seconds,
        )
