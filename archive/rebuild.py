"""The read model rebuilt from the record: proof that it is a function of the workflows' histories.

Into an empty, migrated database (refused otherwise): the reference data copied from the live database, then,
for every archived run and every history Temporal still holds that the archive lacks (running cases, and closed
ones the sweeper has not reached), each `record_transition` and `record_hotspot_review` the workflow sent,
applied in order by the very projection the activities use. Then every row of cases, case_events, tasks and
hotspot_reviews is compared with the live database's, column by column. Erased cases cannot be rebuilt (their
archived payloads no longer open): they are listed and left out of the comparison.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter

from activities.case import history_data, project_transition
from activities.hotspot import project_review
from archive.reconcile import reviews_in, transitions_in
from archive.store import ARCHIVED_TYPES, open_row
from archive.sweep import closed_runs_query
from database.models import (
    Agency,
    ArchivedHistory,
    Base,
    Case,
    CaseEventRow,
    County,
    Erasure,
    HotspotReview,
    Province,
    Task,
    Unit,
)
from database.sessions import transaction

REFERENCE = (Province, County, Agency)
COMPARED = {
    Case: ("tracking_code",),
    CaseEventRow: ("tracking_code", "seq"),
    Task: ("task_id",),
    HotspotReview: ("review_id",),
}
NOT_COMPARED = {"id"}  # case_events.id is the target's own sequence


class NotEmpty(Exception):
    """The target database already holds rows: a rebuild goes only into an empty one."""


@dataclass
class Difference:
    table: str
    key: tuple
    column: str
    live: Any
    rebuilt: Any


@dataclass
class RebuildReport:
    histories: int = 0
    from_archive: int = 0
    from_temporal: int = 0
    transitions: int = 0
    erased: list[str] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


async def occupied_tables(session: AsyncSession) -> list[str]:
    found = []
    for table in Base.metadata.sorted_tables:
        if await session.scalar(select(func.count()).select_from(table)):
            found.append(table.name)
    return found


def _columns(model: type) -> list[str]:
    return [column.key for column in model.__table__.columns]


async def _copy_reference(live: AsyncSession, target: AsyncSession) -> None:
    for model in REFERENCE:
        for row in await live.scalars(select(model)):
            target.add(model(**{name: getattr(row, name) for name in _columns(model)}))
        await target.flush()
    units = {unit.id: unit for unit in await live.scalars(select(Unit))}
    done: set[str] = set()

    def add(unit: Unit) -> None:  # parents first: units.parent_id is a foreign key
        if unit.id in done:
            return
        if unit.parent_id in units:
            add(units[unit.parent_id])
        target.add(Unit(**{name: getattr(unit, name) for name in _columns(Unit)}))
        done.add(unit.id)

    for unit in units.values():
        add(unit)
    await target.flush()


async def _apply(target: async_sessionmaker[AsyncSession], history: WorkflowHistory, converter: DataConverter) -> int:
    transitions = await transitions_in(history, converter)
    reviews = await reviews_in(history, converter)
    async with transaction(target) as session:
        for transition in transitions:
            await project_transition(session, transition)
            await session.flush()
        for review in reviews:
            await project_review(session, review)
            await session.flush()
    return len(transitions) + len(reviews)


def _row(model: type, row: Any) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in _columns(model) if name not in NOT_COMPARED}
    if model is CaseEventRow:  # whom the projection notified is not in the history, and the rebuild tells no one
        values["data"] = history_data(values["data"])
    return values


async def _table(session: AsyncSession, model: type, skip: set[str]) -> dict[tuple, dict[str, Any]]:
    keys = COMPARED[model]
    rows = {}
    for row in await session.scalars(select(model)):
        if getattr(row, "tracking_code", None) in skip:
            continue
        rows[tuple(getattr(row, k) for k in keys)] = _row(model, row)
    return rows


async def compare(live: AsyncSession, rebuilt: AsyncSession, skip: set[str]) -> list[Difference]:
    differences = []
    for model in COMPARED:
        mine, theirs = await _table(live, model, skip), await _table(rebuilt, model, skip)
        for key in sorted(mine.keys() | theirs.keys(), key=repr):
            a, b = mine.get(key), theirs.get(key)
            if a is None or b is None:
                differences.append(Difference(model.__tablename__, key, "row", a is not None, b is not None))
                continue
            differences += [
                Difference(model.__tablename__, key, name, a[name], b[name]) for name in a if a[name] != b[name]
            ]
    return differences


async def rebuild(
    client: Client,
    live: async_sessionmaker[AsyncSession],
    target: async_sessionmaker[AsyncSession],
    *,
    progress: Callable[[str], None] = lambda _: None,
) -> RebuildReport:
    report = RebuildReport()
    async with target() as session:
        if occupied := await occupied_tables(session):
            raise NotEmpty(f"the target database is not empty: {', '.join(occupied)} hold rows")
    async with live() as source, transaction(target) as session:
        await _copy_reference(source, session)

    archived: set[tuple[str, str]] = set()
    async with live() as session:
        erased_codes = set(await session.scalars(select(Erasure.tracking_code)))
        ids = list(await session.scalars(select(ArchivedHistory.id).order_by(ArchivedHistory.closed_at)))
    for row_id in ids:
        async with live() as session:
            row = await session.get(ArchivedHistory, row_id)
            archived.add((row.workflow_id, row.run_id))
            opened = await open_row(session, row, client.data_converter)
        if opened.erased is not None:
            report.erased.append(row.tracking_code or row.workflow_id)
            continue
        report.transitions += await _apply(target, opened.history, opened.converter)
        report.histories += 1
        report.from_archive += 1
        progress(f"archive  {row.workflow_id}")

    types = ", ".join(f"'{name}'" for name in ARCHIVED_TYPES)
    queries = [f"WorkflowType IN ({types}) AND ExecutionStatus = 'Running'", closed_runs_query(None)]
    for query in queries:
        async for execution in client.list_workflows(query):
            if (execution.id, execution.run_id) in archived:
                continue
            history = await client.get_workflow_handle(execution.id, run_id=execution.run_id).fetch_history()
            report.transitions += await _apply(target, history, client.data_converter)
            report.histories += 1
            report.from_temporal += 1
            progress(f"temporal {execution.id}")

    skip = erased_codes | set(report.erased)
    async with live() as source, target() as rebuilt:
        report.differences = await compare(source, rebuilt, skip)
        counts: dict[str, int] = defaultdict(int)
        for model in COMPARED:
            counts[model.__tablename__] = len(await _table(rebuilt, model, skip))
        report.rows = dict(counts)
    return report
