"""The annual evaluation of people: senior coordinators, unit coordinators and inspectors of one agency's year.

Whose case it is, and the time measured:
- senior coordinator: the cases it reviewed, approved, sent back or closed (its events); time from the case's
  registration to its review decision;
- unit coordinator: the handling tasks it completed (`closed_by`), or holds (`holder`) while open; time from the
  task's opening to its completion;
- inspector: the inspection tasks assigned to it; time from the order to the completion.
For each: cases, median and 90th percentile of the time in minutes, breaches (cases whose deadline was breached),
the satisfied share of the feedback answers, and the reopen rate (reopened among the cases with a result). Only
people with at least `min_cases` cases are ranked, by the same weights as the agencies' sheet, without volume:
1 - breach share, satisfaction (0.5 with no answer), 1 - reopen rate.
"""

from collections import defaultdict

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import Case, CaseEventRow, Task, User
from reports.figures import percentile
from reports.hotspots import in_scope_complaints
from reports.staff import REVIEW_KINDS, SENIOR_KINDS
from schemas.enums import Role, TaskKind, TaskStatus
from schemas.reports import RankingWeights

EVALUATED_ROLES = (Role.SENIOR_COORDINATOR, Role.UNIT_COORDINATOR, Role.INSPECTOR)


class PersonFigures(BaseModel):
    username: str
    full_name: str
    role: Role
    cases: int
    median_minutes: float | None
    p90_minutes: float | None
    breaches: int
    feedback_responses: int
    satisfied_share: float | None
    results: int
    reopen_rate: float | None
    score: float | None
    rank: int | None


class PeopleEvaluation(BaseModel):
    year: int
    agency_id: str
    min_cases: int
    people: dict[Role, list[PersonFigures]]


class _Facts(BaseModel):
    breached: bool
    satisfied: bool | None
    reopened: bool
    has_result: bool


async def people_evaluation(
    session: AsyncSession, *, year: int, agency_id: str, min_cases: int, weights: RankingWeights
) -> PeopleEvaluation:
    rows = await session.execute(
        select(Case.tracking_code, Case.breached, Case.satisfied, Case.reopened, Case.result_approved_at).where(
            Case.jalali_year == year, Case.agency_id == agency_id, in_scope_complaints()
        )
    )
    facts = {code: _Facts(breached=b, satisfied=s, reopened=r, has_result=at is not None) for code, b, s, r, at in rows}
    cases: dict[Role, dict[str, set[str]]] = {role: defaultdict(set) for role in EVALUATED_ROLES}
    minutes: dict[Role, dict[str, list[float]]] = {role: defaultdict(list) for role in EVALUATED_ROLES}

    seniors = select(CaseEventRow.actor_username, CaseEventRow.kind, CaseEventRow.at, CaseEventRow.tracking_code).where(
        CaseEventRow.actor_role == Role.SENIOR_COORDINATOR.value,
        CaseEventRow.kind.in_(SENIOR_KINDS),
        CaseEventRow.tracking_code.in_(select(Case.tracking_code).where(Case.jalali_year == year)),
    )
    registered = dict(
        (await session.execute(select(Case.tracking_code, Case.registered_at).where(Case.jalali_year == year))).all()
    )
    for who, kind, at, code in await session.execute(seniors):
        if code not in facts:
            continue
        cases[Role.SENIOR_COORDINATOR][who].add(code)
        if kind in REVIEW_KINDS:
            minutes[Role.SENIOR_COORDINATOR][who].append((at - registered[code]).total_seconds() / 60)

    roles = dict((await session.execute(select(User.username, User.role))).all())
    tasks = await session.scalars(
        select(Task).where(
            Task.tracking_code.in_(list(facts)),
            Task.kind.in_([TaskKind.HANDLING.value, TaskKind.INSPECTION.value]),
        )
    )
    for task in tasks:
        done = task.status == TaskStatus.COMPLETED.value and task.closed_at is not None
        if task.kind == TaskKind.INSPECTION.value:
            role, who = Role.INSPECTOR, task.assignee
        else:
            role, who = Role.UNIT_COORDINATOR, task.closed_by or task.holder
            if task.assignee is not None and roles.get(task.assignee) == Role.INSPECTOR.value:
                role, who = Role.INSPECTOR, task.assignee  # a handling task named for an inspector, from before
        if who is None or roles.get(who) != role.value:
            continue
        cases[role][who].add(task.tracking_code)
        if done:
            minutes[role][who].append((task.closed_at - task.opened_at).total_seconds() / 60)

    names = dict((await session.execute(select(User.username, User.full_name))).all())
    people = {
        role: _ranked(
            [_figures(who, names, role, codes, minutes[role][who], facts) for who, codes in cases[role].items()],
            min_cases,
            weights,
        )
        for role in EVALUATED_ROLES
    }
    return PeopleEvaluation(year=year, agency_id=agency_id, min_cases=min_cases, people=people)


def _round(value: float | None, digits: int) -> float | None:
    return round(value, digits) if value is not None else None


def _figures(who, names, role: Role, codes: set[str], times: list[float], facts: dict[str, _Facts]) -> PersonFigures:
    mine = [facts[code] for code in codes]
    answers = [f.satisfied for f in mine if f.satisfied is not None]
    results = [f for f in mine if f.has_result]
    return PersonFigures(
        username=who,
        full_name=names.get(who, who),
        role=role,
        cases=len(codes),
        median_minutes=_round(percentile(times, 0.5), 1),
        p90_minutes=_round(percentile(times, 0.9), 1),
        breaches=sum(f.breached for f in mine),
        feedback_responses=len(answers),
        satisfied_share=_round(sum(answers) / len(answers), 4) if answers else None,
        results=len(results),
        reopen_rate=_round(sum(f.reopened for f in results) / len(results), 4) if results else None,
        score=None,
        rank=None,
    )


def _ranked(rows: list[PersonFigures], min_cases: int, weights: RankingWeights) -> list[PersonFigures]:
    for row in rows:
        parts = [
            (weights.sla, 1 - row.breaches / row.cases),
            (weights.satisfaction, row.satisfied_share if row.satisfied_share is not None else 0.5),
        ]
        if row.reopen_rate is not None:
            parts.append((weights.reopen, 1 - row.reopen_rate))
        total = sum(weight for weight, _ in parts)
        row.score = round(sum(weight * value for weight, value in parts) / total, 4) if total else None
    ranked = sorted((r for r in rows if r.cases >= min_cases), key=lambda r: (-(r.score or 0), r.username))
    for position, row in enumerate(ranked, start=1):
        row.rank = position
    return ranked + sorted((r for r in rows if r.cases < min_cases), key=lambda r: (-r.cases, r.username))
