"""Writing and reading the archive: one row per closed run, its whole Temporal event history compressed, every
payload sealed again with a key of the row's own.

Keys, from the bottom: each payload of the archived history is sealed by the codec (infra.codec) with the row's
key (`key_id`, named in each payload's metadata as usual). The row's key is kept sealed by its period's key
(`archive_keys`, one per month of closings), and the period's key is kept sealed by the operational payload codec
(FOAD_PAYLOAD_KEYS), so the database alone opens nothing. Erasing one case destroys its row's key; erasing a
period destroys the period's key, and with it every row key it sealed (crypto-shredding). A destroyed key's
payloads then fail with infra.codec.PayloadErased, naming when and why.

A row is written once: (workflow_id, run_id) is unique, and a writer that finds it there (a retried activity, a
sweeper rerun, two sweepers at once) writes nothing.
"""

import dataclasses
import hashlib
import os
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf.message import Message
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.common.v1 import Payload
from temporalio.api.history.v1 import History
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from database.models import ArchivedHistory, ArchiveKey, Erasure
from database.sessions import transaction
from infra.codec import ENCODING, EncryptionCodec
from workflows.visibility import WORKFLOW_ID_PREFIX

ARCHIVED_TYPES = ("ComplaintWorkflow", "HotspotReviewWorkflow")
_SKIPPED_MESSAGES = frozenset({"temporal.api.common.v1.SearchAttributes", "temporal.api.common.v1.Header"})


def messages_in(message: Message) -> Iterator[Message]:
    """`message` and every message inside it, except search attributes and headers (the codec never seals them)."""
    if message.DESCRIPTOR.full_name in _SKIPPED_MESSAGES:
        return
    yield message
    for field, value in message.ListFields():
        if field.type != field.TYPE_MESSAGE:
            continue
        if field.message_type.GetOptions().map_entry:
            if field.message_type.fields_by_name["value"].type == field.TYPE_MESSAGE:
                for item in value.values():
                    yield from messages_in(item)
        elif field.is_repeated:
            for item in value:
                yield from messages_in(item)
        else:
            yield from messages_in(value)


def payloads_of(message: Message) -> Iterator[Payload]:
    for inner in messages_in(message):
        if isinstance(inner, Payload):
            yield inner


def operational_codec(converter: DataConverter) -> EncryptionCodec:
    codec = converter.payload_codec
    if not isinstance(codec, EncryptionCodec):
        raise TypeError("the archive needs the client's data converter with FOAD's payload codec")
    return codec


def period_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def tracking_code_of(workflow_id: str) -> str | None:
    return workflow_id.removeprefix(WORKFLOW_ID_PREFIX) if workflow_id.startswith(WORKFLOW_ID_PREFIX) else None


def _wrap(codec: EncryptionCodec, key: bytes) -> bytes:
    return codec.seal(Payload(metadata={"encoding": b"binary/null"}, data=key)).SerializeToString()


def _unwrap(codec: EncryptionCodec, sealed: bytes) -> bytes:
    return codec.open(Payload.FromString(sealed)).data


@dataclass(frozen=True)
class ClosedRun:
    """What visibility says of one closed run."""

    workflow_id: str
    run_id: str
    workflow_type: str
    status: str
    started_at: datetime
    closed_at: datetime


async def archived(session: AsyncSession, workflow_id: str, run_id: str) -> bool:
    found = await session.scalar(
        select(ArchivedHistory.id).where(ArchivedHistory.workflow_id == workflow_id, ArchivedHistory.run_id == run_id)
    )
    return found is not None


async def _period_key(session: AsyncSession, period: str, operational: EncryptionCodec) -> tuple[ArchiveKey, bytes]:
    row = await session.scalar(select(ArchiveKey).where(ArchiveKey.period == period))
    if row is None:
        key = os.urandom(32)
        row = ArchiveKey(
            key_id=f"archive-{period}",
            period=period,
            sealed_key=_wrap(operational, key),
            created_at=datetime.now(UTC),
        )
        session.add(row)
        await session.flush()
        return row, key
    if row.sealed_key is None:
        raise RuntimeError(f"the archive key of {period} was destroyed; nothing more can be archived in that period")
    return row, _unwrap(operational, row.sealed_key)


def seal_events(history: WorkflowHistory, opener: EncryptionCodec, sealer: EncryptionCodec) -> bytes:
    """The history's protobuf with every payload the operational codec sealed opened and sealed by the row's.

    A payload it did not seal stays as it is: the SDK's own, such as a patch marker's `patch-data`, which the
    replayer reads without any codec (sealed, the replay would no longer see the patch)."""
    copy = History(events=history.events)
    for payload in payloads_of(copy):
        if payload.metadata.get("encoding") == ENCODING:
            payload.CopyFrom(sealer.seal(opener.open(payload)))
    return copy.SerializeToString()


async def archive_run(
    sessions: async_sessionmaker[AsyncSession], run: ClosedRun, history: WorkflowHistory, converter: DataConverter
) -> bool:
    """Write the run's row unless it is there already; True if this call wrote it."""
    operational = operational_codec(converter)
    try:
        async with transaction(sessions) as session:
            if await archived(session, run.workflow_id, run.run_id):
                return False
            period, period_key = await _period_key(session, period_of(run.closed_at), operational)
            key_id, key = f"a-{uuid.uuid4().hex}", os.urandom(32)
            code = tracking_code_of(run.workflow_id) if run.workflow_type == "ComplaintWorkflow" else None
            # a case erased before the sweeper reached it: archived all the same, its key never kept
            erased = code is not None and await session.get(Erasure, code) is not None
            raw = seal_events(history, operational, EncryptionCodec({key_id: key}, key_id))
            session.add(
                ArchivedHistory(
                    workflow_id=run.workflow_id,
                    run_id=run.run_id,
                    workflow_type=run.workflow_type,
                    tracking_code=tracking_code_of(run.workflow_id)
                    if run.workflow_type == "ComplaintWorkflow"
                    else None,
                    status=run.status,
                    started_at=run.started_at,
                    closed_at=run.closed_at,
                    archived_at=datetime.now(UTC),
                    events=len(history.events),
                    history=zlib.compress(raw, 9),
                    sha256=hashlib.sha256(raw).hexdigest(),
                    period_key_id=period.key_id,
                    key_id=key_id,
                    sealed_key=None
                    if erased
                    else _wrap(EncryptionCodec({period.key_id: period_key}, period.key_id), key),
                )
            )
    except IntegrityError:
        async with sessions() as session:  # another writer got there first (or created the period's key)
            if await archived(session, run.workflow_id, run.run_id):
                return False
        raise
    return True


@dataclass(frozen=True)
class Opened:
    """An archived run ready to read: its history (payloads still sealed) and the converter that opens them, or
    that answers PayloadErased for each payload once the key is destroyed."""

    row: ArchivedHistory
    history: WorkflowHistory
    converter: DataConverter
    erased: str | None  # why, when the key is destroyed

    @property
    def source(self) -> str:
        return "archive"


async def open_row(session: AsyncSession, row: ArchivedHistory, converter: DataConverter) -> Opened:
    raw = zlib.decompress(row.history)
    if hashlib.sha256(raw).hexdigest() != row.sha256:
        raise ValueError(f"archived history {row.workflow_id}/{row.run_id} does not match its digest")
    history = WorkflowHistory(workflow_id=row.workflow_id, events=list(History.FromString(raw).events))
    period = await session.get(ArchiveKey, row.period_key_id)
    erased = None
    if period is None or period.sealed_key is None:
        when = period.destroyed_at.isoformat() if period and period.destroyed_at else "unknown"
        erased = f"the period key {row.period_key_id} was destroyed at {when}: {period and period.destroyed_reason}"
    elif row.sealed_key is None:
        erased = f"the case's archive key was destroyed ({row.key_id})"
    if erased is not None:
        codec = EncryptionCodec({}, None, erased={row.key_id: erased})
    else:
        period_key = _unwrap(operational_codec(converter), period.sealed_key)
        key = _unwrap(EncryptionCodec({period.key_id: period_key}, None), row.sealed_key)
        codec = EncryptionCodec({row.key_id: key}, row.key_id)  # the replayer seals the commands it makes
    return Opened(row, history, dataclasses.replace(converter, payload_codec=codec), erased)


async def latest_run(session: AsyncSession, workflow_id: str) -> ArchivedHistory | None:
    """The last closed run of a workflow id (a case has one; a continued-as-new one would have several)."""
    return await session.scalar(
        select(ArchivedHistory)
        .where(ArchivedHistory.workflow_id == workflow_id)
        .order_by(ArchivedHistory.closed_at.desc(), ArchivedHistory.id.desc())
        .limit(1)
    )
