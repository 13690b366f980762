"""A case's story told from the workflow's own Temporal event history: who did what, and when.

Only the meaningful events are kept (workflow tasks are engine bookkeeping); payloads are decoded with the
client's data converter into plain JSON and summarised, so an auditor reads actors and arguments, not bytes.
The history is read from Temporal while Temporal holds the case, and from the archive (archive.store) once
Temporal has forgotten it; `source` says which. An erased case's archived payloads no longer open: its history
then says so in `erased` and lists no events.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.protobuf.duration_pb2 import Duration
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.api.failure.v1 import Failure
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter, decode_search_attributes
from temporalio.service import RPCError, RPCStatusCode

from api.edge.errors import NotFound
from api.engine import Engine
from archive.store import latest_run, open_row
from infra.codec import PayloadErased
from schemas.case import CITIZEN
from workflows.visibility import workflow_id


class HistoryEntry(BaseModel):
    event_id: int
    time: datetime
    kind: str
    name: str | None = None
    actor: dict[str, Any] | None = None
    summary: dict[str, Any] = {}


class CaseHistory(BaseModel):
    tracking_code: str
    workflow_id: str
    run_id: str
    total_events: int
    events: list[HistoryEntry]
    source: str = "temporal"  # or "archive", once Temporal has forgotten the case
    erased: str | None = None  # why the archived payloads no longer open (personal data erased)


_KINDS = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: "workflow_started",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: "workflow_completed",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: "workflow_failed",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: "workflow_timed_out",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: "workflow_terminated",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: "workflow_canceled",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: "workflow_continued_as_new",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: "update_accepted",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED: "update_rejected",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: "update_completed",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: "signal_received",
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: "activity_scheduled",
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: "activity_completed",
    EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: "activity_failed",
    EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: "activity_timed_out",
    EventType.EVENT_TYPE_TIMER_STARTED: "timer_started",
    EventType.EVENT_TYPE_TIMER_FIRED: "timer_fired",
    EventType.EVENT_TYPE_TIMER_CANCELED: "timer_canceled",
    EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: "search_attributes_upserted",
}


# The citizen's own handlers (signals before, updates now) carry no actor: only the citizen sends them.
_CITIZENS_HANDLERS = frozenset({"feedback", "citizen_reply", "give_feedback", "reply_to_question"})


def _actor(name: str, arg: Any) -> dict[str, Any] | None:
    actor = arg.get("actor") if isinstance(arg, dict) else None
    return actor or (CITIZEN.model_dump(mode="json") if name in _CITIZENS_HANDLERS else None)


def _seconds(duration: Duration) -> float:
    return duration.seconds + duration.nanos / 1e9


def _args_summary(args: dict[str, Any]) -> dict[str, Any]:
    """An update's or signal's arguments without the actor; a unit chain shortened to its ids."""
    summary = {k: v for k, v in args.items() if k != "actor" and v is not None}
    if isinstance(summary.get("chain"), list):
        summary["chain"] = [u.get("id") for u in summary["chain"] if isinstance(u, dict)]
    return summary


def _start_summary(start: dict[str, Any]) -> dict[str, Any]:
    keep = ("tracking_code", "registered_at", "channel", "indicator", "agency_id", "province_code", "county_code")
    summary = {k: start.get(k) for k in keep}
    summary["office_unit_id"] = (start.get("office") or {}).get("id")
    return summary


def _activity_summary(name: str, arg: Any) -> dict[str, Any]:
    if not isinstance(arg, dict):
        return {}
    if name == "record_transition":
        event = arg.get("event") or {}
        return {"case_event": event.get("kind"), "seq": event.get("seq")}
    if name == "send_sms":
        return {"template": arg.get("template")}
    if name == "compute_deadline":
        keep = ("purpose", "start", "budget_seconds", "unit_id", "pauses")
        return {k: arg.get(k) for k in keep if arg.get(k) not in (None, [])}
    return {}


def _deadline_summary(deadline: Any) -> dict[str, Any]:
    """How an office-hours deadline was computed: what the auditor needs to check it by hand."""
    if not isinstance(deadline, dict):
        return {}
    keep = ("purpose", "start", "due_at", "open_minutes_counted", "paused_minutes", "calendar", "counted")
    summary = {k: deadline.get(k) for k in keep}
    summary["skipped"] = [
        f"{s.get('day')} {s.get('kind')}: {s.get('reason')}"
        for s in deadline.get("skipped") or []
        if isinstance(s, dict)
    ]
    return summary


class _Reader:
    """Reads events in order, remembering update names/actors and activity types for the later events."""

    def __init__(self, converter: DataConverter) -> None:
        self._converter = converter
        self._updates: dict[str, tuple[str, dict[str, Any] | None]] = {}  # by update id
        self._activities: dict[int, str] = {}  # by scheduled event id
        self._handlers = {
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: self._started,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: self._update_accepted,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED: self._update_rejected,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: self._update_completed,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: self._signaled,
            EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: self._activity_scheduled,
            EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: self._activity_ended,
            EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: self._activity_ended,
            EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: self._activity_ended,
            EventType.EVENT_TYPE_TIMER_STARTED: self._timer,
            EventType.EVENT_TYPE_TIMER_FIRED: self._timer,
            EventType.EVENT_TYPE_TIMER_CANCELED: self._timer,
            EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: self._search_attributes,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: self._completed,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: self._ended_badly,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: self._ended_badly,
        }

    async def entry(self, event: HistoryEvent) -> HistoryEntry | None:
        kind = _KINDS.get(event.event_type)
        if kind is None:
            return None
        entry = HistoryEntry(event_id=event.event_id, time=event.event_time.ToDatetime(tzinfo=UTC), kind=kind)
        handler = self._handlers.get(event.event_type)
        if handler is not None:
            await handler(entry, event)
        return entry

    async def _reason(self, failure: Failure) -> str:
        """A failure's message; the converter seals messages too (they can quote personal data), so open it."""
        if failure.HasField("encoded_attributes"):
            [attributes] = await self._converter.decode([failure.encoded_attributes])
            if isinstance(attributes, dict) and isinstance(attributes.get("message"), str):
                return attributes["message"]
        return failure.message

    async def _failure(self, attrs: Any) -> str | None:
        if "failure" in attrs.DESCRIPTOR.fields_by_name and attrs.HasField("failure"):
            return await self._reason(attrs.failure)
        return None

    async def _first(self, payloads: Payloads) -> Any:
        if not payloads.payloads:
            return None
        values = await self._converter.decode(payloads.payloads)
        return values[0] if values else None

    async def _started(self, entry: HistoryEntry, event: HistoryEvent) -> None:
        attrs = event.workflow_execution_started_event_attributes
        entry.name = attrs.workflow_type.name
        start = await self._first(attrs.input)
        if isinstance(start, dict):
            entry.actor = start.get("filed_by")
            entry.summary = _start_summary(start)

    async def _update_accepted(self, entry: HistoryEntry, event: HistoryEvent) -> None:
        request = event.workflow_execution_update_accepted_event_attributes.accepted_request
        arg = await self._first(request.input.args)
        entry.name = request.input.name
        entry.actor = _actor(entry.name, arg)
        entry.summary = {"update_id": request.meta.update_id} | (_args_summary(arg) if isinstance(arg, dict) else {})
        self._updates[request.meta.update_id] = (entry.name, entry.actor)

    async def _update_rejected(self, entry: HistoryEntry, event: HistoryEvent) -> None:
        attrs = event.workflow_execution_update_rejected_event_attributes
        arg = await self._first(attrs.rejected_request.input.args)
        entry.name = attrs.rejected_request.input.name
        entry.actor = _actor(entry.name, arg)
        entry.summary = {"reason": await self._reason(attrs.failure)}

    async def _update_completed(self, entry: HistoryEntry, event: HistoryEvent) -> None:
        attrs = event.workflow_execution_update_completed_event_attributes
        entry.name, entry.actor = self._updates.get(attrs.meta.update_id, (None, None))
        entry.summary = {"update_id": attrs.meta.update_id}
        if attrs.outcome.HasField("failure"):
            entry.kind = "update_failed"
            entry.summary["reason"] = await self._reason(attrs.outcome.failure)
            return
        state = await self._first(attrs.outcome.success)
        if isinstance(state, dict):
            entry.summary |= {"status": state.get("status"), "step": state.get("step")}

    async def _signaled(self, entry: HistoryEntry, event: HistoryEvent) -> None:
        attrs = event.workflow_execution_signaled_event_attributes
        arg = await self._first(attrs.input)
        entry.name = attrs.signal_name
        entry.actor = _actor(entry.name, arg)
        entry.summary = _args_summary(arg) if isinstance(arg, dict) else {}

    async def _activity_scheduled(self, entry: HistoryEntry, event: HistoryEvent) -> None:
        attrs = event.activity_task_scheduled_event_attributes
        entry.name = attrs.activity_type.name
        self._activities[event.event_id] = entry.name
        entry.summary = _activity_summary(entry.name, await self._first(attrs.input))

    async def _activity_ended(self, entry: HistoryEntry, event: HistoryEvent) -> None:
        field = event.WhichOneof("attributes")
        attrs = getattr(event, field)
        entry.name = self._activities.get(attrs.scheduled_event_id)
        if (reason := await self._failure(attrs)) is not None:
            entry.summary = {"reason": reason}
        elif entry.name == "compute_deadline" and event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            entry.summary = _deadline_summary(await self._first(attrs.result))

    async def _timer(self, entry: HistoryEntry, event: HistoryEvent) -> None:
        attrs = getattr(event, event.WhichOneof("attributes"))
        entry.name = attrs.timer_id
        if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
            entry.summary = {"fires_in_seconds": round(_seconds(attrs.start_to_fire_timeout), 3)}

    async def _search_attributes(self, entry: HistoryEntry, event: HistoryEvent) -> None:
        decoded = decode_search_attributes(event.upsert_workflow_search_attributes_event_attributes.search_attributes)
        entry.summary = {name: (values[0] if len(values) == 1 else values or None) for name, values in decoded.items()}

    async def _completed(self, entry: HistoryEntry, event: HistoryEvent) -> None:
        state = await self._first(event.workflow_execution_completed_event_attributes.result)
        if isinstance(state, dict):
            entry.summary = {"status": state.get("status"), "closed_at": state.get("closed_at")}

    async def _ended_badly(self, entry: HistoryEntry, event: HistoryEvent) -> None:
        attrs = getattr(event, event.WhichOneof("attributes"))
        entry.summary = {"reason": await self._failure(attrs) or getattr(attrs, "reason", "")}


async def read_history(history: WorkflowHistory, *, tracking_code: str, converter: DataConverter) -> CaseHistory:
    reader = _Reader(converter)
    entries = [entry for event in history.events if (entry := await reader.entry(event)) is not None]
    return CaseHistory(
        tracking_code=tracking_code,
        workflow_id=history.workflow_id,
        run_id=history.run_id if history.events else "",
        total_events=len(history.events),
        events=entries,
    )


@dataclass(frozen=True)
class Recorded:
    """A case's event history as recorded, where it was found, and the converter that opens its payloads."""

    history: WorkflowHistory
    converter: DataConverter
    source: str
    erased: str | None = None


async def recorded_history(engine: Engine, session: AsyncSession, tracking_code: str) -> Recorded:
    """From Temporal while it holds the case; from the archive once Temporal answers that it has no such workflow.
    Neither: a 404. Temporal down: a 503, as before (the archive is for what Temporal forgot, not a cache)."""
    converter = (await engine.client()).data_converter
    try:
        return Recorded(await engine.history(tracking_code), converter, "temporal")
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
    row = await latest_run(session, workflow_id(tracking_code))
    if row is None:
        raise NotFound(
            "the case's history is neither in Temporal nor in the archive",
            code="history_not_found",
            message_fa="تاریخچه این پرونده نه در Temporal هست و نه در بایگانی.",
        )
    opened = await open_row(session, row, converter)
    return Recorded(opened.history, opened.converter, opened.source, opened.erased)


async def case_history(engine: Engine, session: AsyncSession, tracking_code: str) -> CaseHistory:
    """The case's history, for the JSON API and the audit page: from Temporal, or from the archive."""
    recorded = await recorded_history(engine, session, tracking_code)
    if recorded.erased is None:
        try:
            history = await read_history(recorded.history, tracking_code=tracking_code, converter=recorded.converter)
            return history.model_copy(update={"source": recorded.source})
        except PayloadErased as error:
            reason = str(error)
    else:
        reason = recorded.erased
    return CaseHistory(
        tracking_code=tracking_code,
        workflow_id=recorded.history.workflow_id,
        run_id=recorded.history.run_id if recorded.history.events else "",
        total_events=len(recorded.history.events),
        events=[],
        source=recorded.source,
        erased=reason,
    )
