"""Proof for an auditor: the recorded history still replays against today's workflow code, and the
read model agrees with what the workflow itself says the case is. The history comes from Temporal while it
holds the case, else from the archive (api.services.history.recorded_history); the same check runs on either."""

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from api.edge.errors import engine_error
from api.engine import Engine
from api.services.history import recorded_history
from api.services.readmodel import case_tasks
from database.models import Case
from schemas.case import CaseState
from workflows.complaint import ComplaintWorkflow


class Mismatch(BaseModel):
    field: str
    read_model: object
    workflow: object


class ReplayReport(BaseModel):
    tracking_code: str
    replayed: bool
    error: str | None = None
    events: int
    matches_read_model: bool | None  # None when nothing could be compared (the archived payloads are erased)
    mismatches: list[Mismatch]
    source: str = "temporal"  # or "archive"
    erased: str | None = None


async def replay(history: WorkflowHistory, converter: DataConverter) -> str | None:
    """None if the history replays cleanly, else the failure (e.g. a non-determinism error).

    `converter` is the client's: it holds the payload keys the history was sealed with."""
    replayer = Replayer(workflows=[ComplaintWorkflow], data_converter=converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    if result.replay_failure is None:
        return None
    return f"{type(result.replay_failure).__name__}: {result.replay_failure}"


async def compare(session: AsyncSession, case: Case, state: CaseState) -> list[Mismatch]:
    expected = {
        "status": state.status.value,
        "step": state.step.value,
        "level": state.level.value if state.level else None,
        "unit_id": state.unit.id if state.unit else None,
        "breached": state.breached,
        "escalations": state.escalations,
        "last_seq": max((e.seq for e in state.events), default=0),
    }
    mismatches = [
        Mismatch(field=name, read_model=getattr(case, name), workflow=value)
        for name, value in expected.items()
        if getattr(case, name) != value
    ]
    rows = {t.task_id: t.status for t in await case_tasks(session, case.tracking_code)}
    tasks = {t.task_id: t.status.value for t in state.tasks}
    for task_id in sorted(rows.keys() | tasks.keys()):
        if rows.get(task_id) != tasks.get(task_id):
            mismatches.append(
                Mismatch(field=f"tasks.{task_id}.status", read_model=rows.get(task_id), workflow=tasks.get(task_id))
            )
    return mismatches


async def _final_state(history: WorkflowHistory, converter: DataConverter) -> CaseState | None:
    last = history.events[-1] if history.events else None
    if last is None or last.event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
        return None
    payloads = last.workflow_execution_completed_event_attributes.result.payloads
    [state] = await converter.decode(payloads, [CaseState])
    return state


async def check_case(session: AsyncSession, engine: Engine, case: Case) -> ReplayReport:
    """The auditor's check, for the JSON API and the audit page alike."""
    recorded = await recorded_history(engine, session, case.tracking_code)
    events = len(recorded.history.events)
    if recorded.erased is not None:
        return ReplayReport(
            tracking_code=case.tracking_code,
            replayed=False,
            error=f"erased: {recorded.erased}",
            events=events,
            matches_read_model=None,
            mismatches=[],
            source=recorded.source,
            erased=recorded.erased,
        )
    error = await replay(recorded.history, recorded.converter)
    if recorded.source == "temporal":
        try:
            state = await engine.state(case.tracking_code)
        except Exception as exc:
            state = await _final_state(recorded.history, recorded.converter) if engine_error(exc) is not None else None
            if state is None:
                raise
    else:  # an archived run: the state its workflow returned (none if it was terminated)
        state = await _final_state(recorded.history, recorded.converter)
    mismatches = await compare(session, case, state) if state is not None else []
    return ReplayReport(
        tracking_code=case.tracking_code,
        replayed=error is None,
        error=error,
        events=events,
        matches_read_model=not mismatches if state is not None else None,
        mismatches=mismatches,
        source=recorded.source,
    )
