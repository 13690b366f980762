"""Senior coordinators and inspectors: cases handled, median review or handling time, breaches on their watch.

A senior coordinator's review time runs from the case's registration to its review decision (accepted or
rejected); an inspector's from the inspection task's order to its completion, with the time to arrival on site and
the inspections done late (recorded after their deadline, or passed to the senior coordinator). Inspection tasks
(TaskKind.INSPECTION) carry these; a handling task named for an inspector, from before inspections were tasks of
their own, still counts for its cases and time. Times are measured in Python over the period's rows, so SQLite and
PostgreSQL give the same medians.
"""

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import Case, CaseEventRow, Task
from reports.figures import percentile
from schemas.enums import EventKind, Role, TaskKind, TaskStatus
from schemas.reports import StaffOut, StaffPerformance

REVIEW_KINDS = (EventKind.REVIEW_ACCEPTED.value, EventKind.REJECTED.value)
SENIOR_KINDS = (*REVIEW_KINDS, EventKind.RESULT_APPROVED.value, EventKind.SENT_BACK.value, EventKind.CLOSED.value)


def _period(statement, year: int, month: int | None):
    statement = statement.where(Case.jalali_year == year)
    return statement.where(Case.jalali_month == month) if month is not None else statement


async def staff_performance(
    session: AsyncSession, *, year: int, month: int | None = None, agency_id: str | None = None
) -> StaffOut:
    seniors = (
        select(
            CaseEventRow.actor_username,
            CaseEventRow.kind,
            CaseEventRow.at,
            Case.tracking_code,
            Case.registered_at,
            Case.breached,
        )
        .join(Case, Case.tracking_code == CaseEventRow.tracking_code)
        .where(CaseEventRow.actor_role == Role.SENIOR_COORDINATOR.value, CaseEventRow.kind.in_(SENIOR_KINDS))
    )
    inspections = (
        select(Task, Case.tracking_code, Case.breached)
        .join(Case, Case.tracking_code == Task.tracking_code)
        .where(Task.assignee.is_not(None), Task.kind.in_([TaskKind.INSPECTION.value, TaskKind.HANDLING.value]))
    )
    if agency_id is not None:
        seniors = seniors.where(Case.agency_id == agency_id)
        inspections = inspections.where(Case.agency_id == agency_id)

    cases: dict[str, set[str]] = defaultdict(set)
    breached: dict[str, set[str]] = defaultdict(set)
    minutes: dict[str, list[float]] = defaultdict(list)
    for who, kind, at, code, registered_at, was_breached in await session.execute(_period(seniors, year, month)):
        cases[who].add(code)
        if was_breached:
            breached[who].add(code)
        if kind in REVIEW_KINDS:
            minutes[who].append((at - registered_at).total_seconds() / 60)
    senior_rows = _rows(Role.SENIOR_COORDINATOR, cases, breached, minutes)

    cases, breached, minutes = defaultdict(set), defaultdict(set), defaultdict(list)
    late: dict[str, int] = defaultdict(int)
    arrival: dict[str, list[float]] = defaultdict(list)
    for task, code, was_breached in await session.execute(_period(inspections, year, month)):
        who = task.assignee
        cases[who].add(code)
        if was_breached:
            breached[who].add(code)
        if task.status == TaskStatus.COMPLETED.value and task.closed_at is not None:
            minutes[who].append((task.closed_at - task.opened_at).total_seconds() / 60)
        if task.kind != TaskKind.INSPECTION.value:
            continue
        late.setdefault(who, 0)  # an inspector with inspection tasks gets the figures, 0 late included
        if task.escalated_at is not None or (task.closed_at and task.due_at and task.closed_at > task.due_at):
            late[who] += 1
        if task.arrived_at is not None:
            arrival[who].append((task.arrived_at - task.opened_at).total_seconds() / 60)
    inspector_rows = []
    for row in _rows(Role.INSPECTOR, cases, breached, minutes):
        if row.username in late:
            to_arrival = percentile(arrival[row.username], 0.5)
            row.late = late[row.username]
            row.median_minutes_to_arrival = round(to_arrival, 1) if to_arrival is not None else None
        inspector_rows.append(row)
    return StaffOut(year=year, month=month, senior_coordinators=senior_rows, inspectors=inspector_rows)


def _rows(role: Role, cases, breached, minutes) -> list[StaffPerformance]:
    rows = []
    for who in sorted(cases, key=lambda name: (-len(cases[name]), name)):
        median = percentile(minutes[who], 0.5)
        rows.append(
            StaffPerformance(
                username=who,
                role=role.value,
                cases=len(cases[who]),
                breaches=len(breached[who]),
                median_minutes=round(median, 1) if median is not None else None,
            )
        )
    return rows
