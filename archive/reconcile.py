"""The read model against the record: every closed case's timeline (case_events) compared, row by row, with the
transitions its archived history says the workflow sent to the projection (the `record_transition` inputs).

A mismatch is a row missing on either side or a field that differs: a timeline row changed by hand, a projection
that went wrong, a row lost in a restore. Erased cases are counted apart: their notes are gone on purpose and
their archived payloads no longer open.
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from activities.case import history_data
from archive.store import latest_run, open_row
from database.models import Case, CaseEventRow, Erasure
from schemas.archive import Mismatch, ReconcileResult
from schemas.case import Transition
from schemas.enums import CaseStatus
from schemas.hotspot import HotspotState
from workflows.visibility import workflow_id

TIMELINE_FIELDS = ("kind", "at", "step", "actor_username", "actor_role", "level", "unit_id", "task_id", "note", "data")
FINAL = [status.value for status in CaseStatus if status.is_final]


async def _inputs(history: WorkflowHistory, converter: DataConverter, activity: str, kind: type) -> list[Any]:
    found = []
    for event in history.events:
        if not event.HasField("activity_task_scheduled_event_attributes"):
            continue
        attrs = event.activity_task_scheduled_event_attributes
        if attrs.activity_type.name == activity:
            [value] = await converter.decode(attrs.input.payloads, [kind])
            found.append(value)
    return found


async def transitions_in(history: WorkflowHistory, converter: DataConverter) -> list[Transition]:
    """What the workflow sent to the read model, in the order it sent it."""
    return await _inputs(history, converter, "record_transition", Transition)


async def reviews_in(history: WorkflowHistory, converter: DataConverter) -> list[HotspotState]:
    return await _inputs(history, converter, "record_hotspot_review", HotspotState)


def timeline_row(transition: Transition) -> dict[str, Any]:
    event = transition.event
    return {
        "kind": event.kind.value,
        "at": event.at,
        "step": event.step.value,
        "actor_username": event.actor.username,
        "actor_role": event.actor.role.value,
        "level": event.level.value if event.level else None,
        "unit_id": event.unit_id,
        "task_id": event.task_id,
        "note": event.note,
        "data": event.data,
    }


def _json(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


async def compare_timeline(session: AsyncSession, tracking_code: str, transitions: list[Transition]) -> list[Mismatch]:
    recorded = {t.event.seq: timeline_row(t) for t in transitions}
    rows = await session.scalars(select(CaseEventRow).where(CaseEventRow.tracking_code == tracking_code))
    projected = {row.seq: {name: getattr(row, name) for name in TIMELINE_FIELDS} for row in rows}
    for row in projected.values():
        row["data"] = history_data(row["data"])
    mismatches = []
    for seq in sorted(recorded.keys() | projected.keys()):
        mine, theirs = projected.get(seq), recorded.get(seq)
        if mine is None or theirs is None:
            mismatches.append(
                Mismatch(
                    tracking_code=tracking_code,
                    seq=seq,
                    field="row",
                    read_model=mine and mine["kind"],
                    archive=theirs and theirs["kind"],
                )
            )
            continue
        for name in TIMELINE_FIELDS:
            if mine[name] != theirs[name]:
                mismatches.append(
                    Mismatch(
                        tracking_code=tracking_code,
                        seq=seq,
                        field=name,
                        read_model=_json(mine[name]),
                        archive=_json(theirs[name]),
                    )
                )
    return mismatches


async def reconcile(
    session: AsyncSession, converter: DataConverter, *, progress: Callable[[int], None] = lambda _: None
) -> ReconcileResult:
    """Every closed case of the read model against its archived history."""
    result = ReconcileResult()
    erased = set(await session.scalars(select(Erasure.tracking_code)))
    codes = await session.scalars(select(Case.tracking_code).where(Case.status.in_(FINAL)).order_by(Case.tracking_code))
    for code in list(codes):
        result.cases += 1
        progress(result.cases)
        if code in erased:
            result.erased += 1
            continue
        row = await latest_run(session, workflow_id(code))
        if row is None:
            result.not_archived.append(code)
            continue
        opened = await open_row(session, row, converter)
        if opened.erased is not None:
            result.erased += 1
            continue
        result.mismatches += await compare_timeline(
            session, code, await transitions_in(opened.history, converter=opened.converter)
        )
    return result
