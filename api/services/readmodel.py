"""Reads of the case read model (cases, tasks, events) the routers share. Nothing here writes."""

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.access import case_scope
from api.deps import StaffUser, release_connection
from api.edge.errors import ApiError, NotFound
from api.services.tracking import is_valid_tracking_code, normalize_tracking_code
from database.models import Case, CaseEventRow, IntakeKey, Task
from schemas.enums import CaseStatus, Level, Role, Step, TaskKind, TaskStatus


def _case_not_found(code: str) -> NotFound:
    return NotFound(f"no case with tracking code {code}", message_fa="پرونده‌ای با این کد رهگیری پیدا نشد")


# Read-your-writes: how long a read of a case filed a moment ago waits for its first projection (the workflow's
# first activity writes the row; it lags the filing's 201 by up to a few hundred milliseconds).
PROJECTION_WAIT_SECONDS = 5.0
_POLL_SECONDS = 0.05


class CaseRegistering(ApiError):
    """Filed (its tracking code was given out) but not in the read model yet, after waiting for it."""

    status_code = 503
    code = "case_registering"
    message_fa = "پرونده در حال ثبت است؛ چند لحظه بعد دوباره تلاش کنید."

    def __init__(self, code: str) -> None:
        super().__init__(f"case {code} was filed and is still being registered", headers={"Retry-After": "2"})


async def get_case(session: AsyncSession, tracking_code: str, *, wait: bool = True) -> Case:
    """The case's row. A case filed a moment ago (its intake key exists) and not projected yet is waited for,
    up to PROJECTION_WAIT_SECONDS, so a staff view or action right after the filing's 201 finds it; then a 503
    with Retry-After, never "no such case" for a code that was given out. `wait=False`: NotFound at once."""
    code = normalize_tracking_code(tracking_code)
    if not is_valid_tracking_code(code):
        raise _case_not_found(tracking_code)
    case = await session.get(Case, code)
    if case is not None:
        return case
    if not wait or await session.scalar(select(IntakeKey.key).where(IntakeKey.tracking_code == code)) is None:
        raise _case_not_found(tracking_code)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PROJECTION_WAIT_SECONDS
    while loop.time() < deadline:
        await release_connection(session)  # a new transaction sees the projection's commit (and frees the pool)
        await asyncio.sleep(_POLL_SECONDS)
        case = await session.get(Case, code)
        if case is not None:
            return case
    raise CaseRegistering(code)


async def get_task(session: AsyncSession, task_id: str) -> Task:
    task = await session.get(Task, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}", message_fa="این وظیفه پیدا نشد")
    return task


async def case_tasks(session: AsyncSession, tracking_code: str) -> list[Task]:
    """In the order the workflow opened them (task ids end in -T<n>; n is not zero-padded)."""
    rows = await session.scalars(select(Task).where(Task.tracking_code == tracking_code))
    return sorted(rows, key=lambda t: (len(t.task_id), t.task_id))


async def case_events(session: AsyncSession, tracking_code: str) -> list[CaseEventRow]:
    rows = await session.scalars(
        select(CaseEventRow).where(CaseEventRow.tracking_code == tracking_code).order_by(CaseEventRow.seq)
    )
    return list(rows)


@dataclass(frozen=True)
class CaseFilters:
    status: CaseStatus | None = None
    step: Step | None = None
    level: Level | None = None
    agency_id: str | None = None
    province_code: str | None = None
    county_code: str | None = None
    indicator: int | None = None
    breached: bool | None = None
    registered_from: datetime | None = None
    registered_to: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        equal = {
            Case.status: self.status,
            Case.step: self.step,
            Case.level: self.level,
            Case.agency_id: self.agency_id,
            Case.province_code: self.province_code,
            Case.county_code: self.county_code,
            Case.indicator: self.indicator,
            Case.breached: self.breached,
        }
        found = [column == value for column, value in equal.items() if value is not None]
        if self.registered_from is not None:
            found.append(Case.registered_at >= self.registered_from)
        if self.registered_to is not None:
            found.append(Case.registered_at < self.registered_to)
        return found


async def list_cases(
    session: AsyncSession, *, user: StaffUser, filters: CaseFilters, limit: int, offset: int
) -> tuple[list[Case], int]:
    where = [case_scope(user), *filters.conditions()]
    total = await session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    rows = await session.scalars(
        select(Case).where(*where).order_by(Case.registered_at.desc(), Case.tracking_code).limit(limit).offset(offset)
    )
    return list(rows), total


def inbox_query(user: StaffUser, status: TaskStatus | None) -> Select[tuple[Task, Case]] | None:
    """The caller's tasks with their cases, soonest due first; None for a role that has no inbox."""
    query = select(Task, Case).join(Case, Case.tracking_code == Task.tracking_code)
    if user.role is Role.SENIOR_COORDINATOR:
        query = query.where(
            Task.agency_id == user.agency_id,
            Task.kind.in_([TaskKind.REVIEW.value, TaskKind.APPROVAL.value])
            | ((Task.kind == TaskKind.INSPECTION.value) & Task.escalated_at.is_not(None)),
        )
    elif user.role is Role.UNIT_COORDINATOR:
        query = query.where(Task.kind == TaskKind.HANDLING.value, Task.unit_id.in_(user.unit_ids))
    elif user.role is Role.INSPECTOR:
        query = query.where(
            Task.kind.in_([TaskKind.INSPECTION.value, TaskKind.HANDLING.value]), Task.assignee == user.username
        )
    elif user.role not in (Role.ADMIN, Role.AUDITOR):
        return None
    if status is not None:
        query = query.where(Task.status == status.value)
    return query.order_by(Task.due_at.is_(None), Task.due_at, Task.task_id)
