"""Drains the SMS outbox through a gateway: retries with backoff, and never the same row sent twice.

A row's life: `pending` -> `sending` (claimed) -> `sent` (the gateway's message id recorded, its delivery
status polled until final) or back to `pending` after a retryable failure, or `failed` (refused, or out of
attempts). A send whose answer never came (a timeout once the request was written, or a dispatcher that died
mid-send and left a stale claim) becomes `unknown`: the gateway may have accepted it. An `unknown` row is
only looked up (`checking`), never blindly resent: if the gateway knows its local id, the row is `sent`; if
it does not and the gateway refuses duplicate local ids itself, it is safe to send again; otherwise it ends
`unconfirmed`, for a person to decide.

Claims are single conditional UPDATEs (`... WHERE status = 'pending'`), so any number of dispatchers (one
per worker process) can share the table: a row goes to exactly one of them.
"""

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from database.models import SmsOutbox
from database.sessions import transaction
from infra.settings import Settings
from schemas.text import mask_mobile
from sms import segments as sms_segments
from sms.gateways import (
    FINAL_DELIVERY,
    GatewayError,
    GatewayReceipt,
    GatewayUnsure,
    GenericHttpGateway,
    KavenegarGateway,
    OutgoingSms,
    SmsGateway,
)

log = logging.getLogger("foad.sms.dispatch")

KAVENEGAR_URL = "https://api.kavenegar.com/v1"


@dataclass
class DispatchRound:
    """What one round did, by row id: for the log and the tests."""

    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)
    unconfirmed: list[int] = field(default_factory=list)
    delivery_updates: int = 0


def build_gateway(settings: Settings) -> SmsGateway | None:
    """The configured gateway, or None in the default set-up, where nothing leaves the machine."""
    timeout = settings.sms_gateway_timeout_seconds
    if settings.sms_gateway == "kavenegar":
        assert settings.sms_gateway_api_key, "checked by Settings"
        return KavenegarGateway(
            api_key=settings.sms_gateway_api_key,
            base_url=settings.sms_gateway_url or KAVENEGAR_URL,
            sender=settings.sms_sender,
            timeout=timeout,
        )
    if settings.sms_gateway == "generic":
        assert settings.sms_gateway_url, "checked by Settings"
        return GenericHttpGateway(
            url=settings.sms_gateway_url,
            api_key=settings.sms_gateway_api_key,
            sender=settings.sms_sender,
            timeout=timeout,
            body_format=settings.sms_generic_format,
            to_field=settings.sms_generic_to_field,
            text_field=settings.sms_generic_text_field,
            sender_field=settings.sms_generic_sender_field,
            id_field=settings.sms_generic_id_field,
            status_field=settings.sms_generic_status_field,
            dedupes=settings.sms_generic_dedupes,
        )
    return None


class SmsDispatcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        gateway: SmsGateway,
        settings: Settings,
        *,
        batch_size: int = 20,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._gateway = gateway
        self._settings = settings
        self._batch = batch_size
        self._now = clock

    def backoff(self, attempts: int) -> timedelta:
        """Exponential: base, 2x base, 4x base ... capped."""
        seconds = self._settings.sms_backoff_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self._settings.sms_backoff_max_seconds))

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:  # a database hiccup must not end the loop; the rows wait for the next round
                log.exception("sms dispatch round failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=self._settings.sms_dispatch_interval_seconds)
            except TimeoutError:
                pass

    async def run_once(self) -> DispatchRound:
        report = DispatchRound()
        await self._expire_stale_claims()
        for row in await self._claim("unknown", "checking", count_attempt=False):
            await self._check(row, report)
        for row in await self._claim("pending", "sending", count_attempt=True):
            await self._send(row, report)
        report.delivery_updates = await self._poll_delivery()
        return report

    # --- claims -------------------------------------------------------------------------------

    async def _claim(self, status: str, claimed_as: str, *, count_attempt: bool) -> list[SmsOutbox]:
        now, token = self._now(), uuid.uuid4().hex
        values: dict[str, Any] = {"status": claimed_as, "claim_token": token, "claimed_at": now}
        if count_attempt:
            values["attempts"] = SmsOutbox.attempts + 1
        due = (
            select(SmsOutbox.id)
            .where(SmsOutbox.status == status)
            .where(or_(SmsOutbox.next_attempt_at.is_(None), SmsOutbox.next_attempt_at <= now))
            .order_by(SmsOutbox.id)
            .limit(self._batch)
        )
        # One statement, so SQLite takes its write lock at once; the status test is repeated outside the
        # subquery so that on PostgreSQL a row another dispatcher took meanwhile is skipped on re-check.
        async with transaction(self._sessions) as session:
            await session.execute(
                update(SmsOutbox)
                .where(SmsOutbox.id.in_(due), SmsOutbox.status == status)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        async with self._sessions() as session:
            return list(await session.scalars(select(SmsOutbox).where(SmsOutbox.claim_token == token)))

    async def _expire_stale_claims(self) -> None:
        """A claim older than the timeout belongs to a dispatcher that died: its send may have gone out."""
        cutoff = self._now() - timedelta(seconds=self._settings.sms_claim_timeout_seconds)
        async with transaction(self._sessions) as session:
            await session.execute(
                update(SmsOutbox)
                .where(SmsOutbox.status.in_(("sending", "checking")), SmsOutbox.claimed_at < cutoff)
                .values(status="unknown", claim_token=None, next_attempt_at=None, last_error="claim expired")
                .execution_options(synchronize_session=False)
            )

    async def _settle(self, row: SmsOutbox, **values: Any) -> bool:
        """Writes the outcome only if the row is still this claim's (not expired and taken over meanwhile)."""
        async with transaction(self._sessions) as session:
            result = await session.execute(
                update(SmsOutbox)
                .where(SmsOutbox.id == row.id, SmsOutbox.claim_token == row.claim_token)
                .values(claim_token=None, **values)
                .execution_options(synchronize_session=False)
            )
        return result.rowcount == 1

    # --- outcomes -----------------------------------------------------------------------------

    async def _send(self, row: SmsOutbox, report: DispatchRound) -> None:
        message = OutgoingSms(local_id=str(row.id), mobile=row.mobile, body=row.body)
        try:
            receipt = await self._gateway.send(message)
        except GatewayUnsure as exc:
            await self._unsure(row, str(exc), report)
        except GatewayError as exc:
            await self._failed_attempt(row, exc, report)
        else:
            await self._accepted(row, receipt, report)

    async def _check(self, row: SmsOutbox, report: DispatchRound) -> None:
        try:
            receipt = await self._gateway.find(str(row.id))
        except GatewayUnsure as exc:
            # A failed look-up spends an attempt too: a gateway that never answers it leaves the row to a person
            # once the attempts are spent, instead of asking for ever.
            attempts = row.attempts + 1
            if attempts >= self._settings.sms_max_attempts:
                await self._give_up(row, f"look-up failed and the attempts are spent: {exc}", report, attempts=attempts)
            else:
                await self._unsure(row, f"look-up failed: {exc}", report, attempts=attempts)
            return
        if receipt is not None:
            await self._accepted(row, receipt, report)
        elif self._gateway.dedupes and row.attempts < self._settings.sms_max_attempts:
            # The gateway never saw it, and would refuse a duplicate anyway: send again.
            await self._settle(row, status="pending", next_attempt_at=None)
            report.retrying.append(row.id)
        else:
            await self._give_up(
                row, f"{row.last_error}; the gateway cannot say whether it was sent, so it is not resent", report
            )

    async def _give_up(self, row: SmsOutbox, reason: str, report: DispatchRound, **values: Any) -> None:
        """Resending could text the citizen twice: the row is left `unconfirmed`, to a person (README: SMS)."""
        await self._settle(row, status="unconfirmed", gateway=self._gateway.name, last_error=reason, **values)
        report.unconfirmed.append(row.id)
        log.warning("sms %d: unconfirmed (%s)", row.id, reason)

    async def _accepted(self, row: SmsOutbox, receipt: GatewayReceipt, report: DispatchRound) -> None:
        now = self._now()
        if await self._settle(
            row,
            status="sent",
            gateway=self._gateway.name,
            gateway_message_id=receipt.message_id,
            delivery_status=receipt.delivery_status,
            sent_at=now,
            next_attempt_at=now + timedelta(seconds=self._settings.sms_delivery_poll_seconds),
            last_error=None,
            segments=sms_segments.count(row.body).segments,
        ):
            report.sent.append(row.id)
            log.info("sms %d to %s sent as %s", row.id, mask_mobile(row.mobile), receipt.message_id)

    async def _failed_attempt(self, row: SmsOutbox, exc: GatewayError, report: DispatchRound) -> None:
        if not exc.retryable or row.attempts >= self._settings.sms_max_attempts:
            await self._settle(row, status="failed", gateway=self._gateway.name, last_error=str(exc))
            report.failed.append(row.id)
            log.warning("sms %d failed after %d attempts: %s", row.id, row.attempts, exc)
            return
        wait = self.backoff(row.attempts)
        if exc.retry_after is not None:
            wait = max(wait, timedelta(seconds=exc.retry_after))
        await self._settle(row, status="pending", next_attempt_at=self._now() + wait, last_error=str(exc))
        report.retrying.append(row.id)

    async def _unsure(self, row: SmsOutbox, reason: str, report: DispatchRound, *, attempts: int | None = None) -> None:
        attempts = row.attempts if attempts is None else attempts
        await self._settle(
            row,
            status="unknown",
            next_attempt_at=self._now() + self.backoff(attempts),
            last_error=reason,
            attempts=attempts,
        )
        report.unknown.append(row.id)
        log.warning("sms %d: outcome unknown (%s)", row.id, reason)

    # --- delivery reports ---------------------------------------------------------------------

    async def _poll_delivery(self) -> int:
        now = self._now()
        async with self._sessions() as session:
            rows = list(
                await session.scalars(
                    select(SmsOutbox)
                    .where(SmsOutbox.status == "sent", SmsOutbox.delivery_status.not_in(FINAL_DELIVERY))
                    .where(SmsOutbox.next_attempt_at <= now, SmsOutbox.sent_at > now - timedelta(days=2))
                    .order_by(SmsOutbox.id)
                    .limit(self._batch)
                )
            )
        updated = 0
        for row in rows:
            assert row.gateway_message_id is not None, "a sent row has the gateway's id"
            try:
                status = await self._gateway.delivery(row.gateway_message_id)
            except (GatewayError, GatewayUnsure) as exc:
                log.info("delivery status of sms %d not read: %s", row.id, exc)
                status = None
            values: dict[str, Any] = {
                "next_attempt_at": now + timedelta(seconds=self._settings.sms_delivery_poll_seconds)
            }
            if status is not None and status != row.delivery_status:
                values["delivery_status"] = status
                updated += 1
            async with transaction(self._sessions) as session:
                await session.execute(
                    update(SmsOutbox)
                    .where(SmsOutbox.id == row.id, SmsOutbox.status == "sent")
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
        return updated
