"""The office-hours clock and the pause, on the time-skipping server: days of calendar in milliseconds."""

from datetime import UTC, datetime, timedelta

import pytest

from database.models import CaseEventRow, DeclaredClosure, SmsOutbox
from database.sessions import transaction
from schemas.actions import CalendarChangedInput, CitizenReplyInput, InformationRequestInput
from schemas.clock import SlaMode
from schemas.enums import CaseStatus, EventKind, Level
from tests.clockutil import (
    THURSDAY_OPEN,
    at,
    last_working_day_before_nowruz,
    office_policy,
    plain_working_days,
    set_agency_calendar,
    skip_to,
    wednesday_before_holiday,
)
from tests.factories import SENIOR, default_policy
from workflows.complaint import ComplaintWorkflow


def kinds(state) -> list[EventKind]:
    return [e.kind for e in state.events]


def near(actual: datetime, expected: datetime) -> bool:
    """Equal but for the fraction of a second the server's clock ran on after a skip."""
    return abs(actual - expected) < timedelta(seconds=2)


async def test_1355_wednesday_before_a_holiday_in_office_hours_is_due_saturday_morning(cases):
    await set_agency_calendar(cases.sessions, hours=THURSDAY_OPEN)
    wednesday = wednesday_before_holiday(await cases.env.get_current_time())
    await skip_to(cases.env, at(wednesday, 13, 55))
    handle = await cases.start(office_policy())
    state = await cases.settled(handle, 1)
    saturday = wednesday + timedelta(days=3)
    assert state.sla_mode is SlaMode.OFFICE_HOURS
    assert near(state.due_at, at(saturday, 9, 55))
    assert [(s.day, s.kind) for s in state.deadline.skipped] == [
        (wednesday + timedelta(days=1), "holiday"),
        (wednesday + timedelta(days=2), "weekend"),
    ]
    assert state.deadline.open_minutes_counted == 180 and state.deadline.calendar == "agency:tst"
    assert near(state.current_task.due_at, at(saturday, 7, 15)), (
        "the review's 20 minutes: 5 on Wednesday, 15 on Saturday"
    )
    row = await cases.case_row(state.tracking_code)
    assert row.sla_mode == "office_hours" and row.deadline["due_at"].startswith(str(saturday))
    sms = (await cases.rows(SmsOutbox, state.tracking_code))[0]
    assert "۰۹:۵۵" in sms.body

    state = await cases.advance(handle, timedelta(hours=3, minutes=5), events=0)
    assert not state.breached, "16:55 on Wednesday is not a breach when the office has been shut since 14:00"
    await skip_to(cases.env, at(saturday, 9, 56))
    state = await cases.settled(handle, 5)
    assert state.breached and state.breached_at >= at(saturday, 9, 55)
    assert kinds(state)[1:] == [EventKind.REVIEW_OVERDUE, EventKind.REMINDER, EventKind.REMINDER, EventKind.BREACHED]


async def test_1355_wednesday_before_a_holiday_on_the_wall_clock_breaches_at_1655(cases):
    wednesday = wednesday_before_holiday(await cases.env.get_current_time())
    await skip_to(cases.env, at(wednesday, 13, 55))
    handle = await cases.start(default_policy())
    state = await cases.settled(handle, 1)
    assert state.sla_mode is SlaMode.WALL_CLOCK and near(state.due_at, at(wednesday, 16, 55))
    assert state.deadline.mode is SlaMode.WALL_CLOCK and state.deadline.skipped == []
    state = await cases.advance(handle, timedelta(hours=3, minutes=1), events=4)
    assert state.breached and EventKind.BREACHED in kinds(state)


async def test_pause_stops_the_clock_and_the_level_budget_until_the_citizen_answers(cases):
    await set_agency_calendar(cases.sessions)
    day = plain_working_days(await cases.env.get_current_time())
    await skip_to(cases.env, at(day, 8, 0))
    handle, state = await cases.handling(office_policy(level_budgets={level: timedelta(hours=1) for level in Level}))
    assert near(state.due_at, at(day, 11, 0)) and near(state.current_task.due_at, at(day, 9, 0))

    asked = await handle.execute_update(
        ComplaintWorkflow.request_information,
        InformationRequestInput(actor=SENIOR, reason="تصویر رسید مراجعه قبلی را بفرستید"),
    )
    assert asked.open_pause is not None and asked.open_pause.reason.startswith("تصویر")
    state = await cases.settled(handle, 3)
    assert (await cases.case_row(state.tracking_code)).paused_since is not None
    sms = await cases.rows(SmsOutbox, state.tracking_code)
    assert sms[-1].template == "information_requested" and "تصویر رسید" in sms[-1].body

    state = await cases.advance(handle, timedelta(hours=2), events=0)
    assert state.level is Level.COUNTY and not state.breached, "no escalation while the clock is paused"
    await handle.execute_update(
        ComplaintWorkflow.reply_to_question, CitizenReplyInput(answer="رسید را در پیوست فرستادم")
    )
    state = await cases.settled(handle, 4)
    assert kinds(state)[-1] is EventKind.INFORMATION_RECEIVED
    pause = state.pauses[0]
    paused = pause.ended_at - pause.started_at
    assert pause.ended_by == "citizen" and paused >= timedelta(hours=2)
    assert near(state.due_at, at(day, 11, 0) + paused)
    assert near(state.current_task.due_at, at(day, 9, 0) + paused)
    assert state.deadline.paused_minutes == pytest.approx(paused.total_seconds() / 60, abs=0.01)
    row = await cases.case_row(state.tracking_code)
    assert row.paused_since is None and row.due_at == state.due_at
    events = [e.kind for e in await cases.rows(CaseEventRow, state.tracking_code)]
    assert events[-2:] == ["information_requested", "information_received"]


async def test_reply_window_ends_the_pause_without_an_answer(cases):
    policy = default_policy(
        reply_window=timedelta(hours=1), level_budgets={level: timedelta(hours=2) for level in Level}
    )
    handle, state = await cases.handling(policy)
    due = state.due_at
    await handle.execute_update(
        ComplaintWorkflow.request_information, InformationRequestInput(actor=SENIOR, reason="شماره باجه را اعلام کنید")
    )
    with pytest.raises(Exception, match="update failed"):
        await handle.execute_update(
            ComplaintWorkflow.request_information, InformationRequestInput(actor=SENIOR, reason="دوباره")
        )
    state = await cases.advance(handle, timedelta(hours=1, seconds=1), events=1)
    assert kinds(state)[-1] is EventKind.REPLY_WINDOW_ENDED
    assert state.pauses[0].ended_by == "reply_window"
    assert state.due_at == due + (state.pauses[0].ended_at - state.pauses[0].started_at)


async def test_a_closure_declared_after_the_case_started_moves_its_deadline(cases):
    await set_agency_calendar(cases.sessions)
    day = plain_working_days(await cases.env.get_current_time())
    await skip_to(cases.env, at(day, 12, 0))
    handle = await cases.start(office_policy())
    state = await cases.settled(handle, 1)
    next_day = day + timedelta(days=1)
    assert near(state.due_at, at(next_day, 8, 0))
    async with transaction(cases.sessions) as session:
        session.add(
            DeclaredClosure(
                starts_at=at(next_day, 0, 0),
                ends_at=at(next_day + timedelta(days=1), 0, 0),
                reason="تعطیلی به دلیل آلودگی هوا",
                province_code="IR-26",
                declared_by="admin",
                declared_at=datetime.now(UTC),
            )
        )
    await handle.signal(ComplaintWorkflow.calendar_changed, CalendarChangedInput(reason="تعطیلی به دلیل آلودگی هوا"))
    state = await cases.settled(handle, 2)
    assert kinds(state)[-1] is EventKind.DEADLINE_RECOMPUTED
    assert near(state.due_at, at(next_day + timedelta(days=1), 8, 0))
    assert ("closure", "تعطیلی به دلیل آلودگی هوا") in [(s.kind, s.reason) for s in state.deadline.skipped]
    assert near(datetime.fromisoformat(state.events[-1].data["previous_due_at"]), at(next_day, 8, 0))
    assert near(state.current_task.due_at, at(day, 12, 20)), "the review's 20 minutes end before the closure"
    assert (await cases.case_row(state.tracking_code)).due_at == state.due_at


async def test_nowruz_holidays_do_not_count(cases):
    await set_agency_calendar(cases.sessions)
    eve = last_working_day_before_nowruz(await cases.env.get_current_time())
    await skip_to(cases.env, at(eve, 13, 0))
    handle = await cases.start(office_policy())
    state = await cases.settled(handle, 1)
    assert any("نوروز" in s.reason for s in state.deadline.skipped)
    assert state.due_at.astimezone(at(eve, 0, 0).tzinfo).date() > eve + timedelta(days=5)
    assert state.deadline.open_minutes_counted == 180
    assert state.status is CaseStatus.IN_REVIEW
