"""The citizen is told by SMS at every step that changes something for them: a close (by the senior, or silently
at the end of the feedback window), a breach, the feedback received. Time-skipping test server, real outbox."""

import re
from datetime import timedelta

from database.models import SmsOutbox
from schemas.actions import CloseInput, FeedbackInput
from schemas.enums import Level
from tests.factories import SENIOR, default_policy
from workflows.complaint import ComplaintWorkflow

LATIN = set("0123456789")
LINK = re.compile(r"https?://\S+")  # a link keeps its Latin digits (sms/sender.py), and only a link does


async def outbox(cases, code: str, count: int) -> list[SmsOutbox]:
    rows = await cases.rows_reaching(SmsOutbox, code, count)
    assert len(rows) == count, [m.template for m in rows]
    assert not any(LATIN & set(LINK.sub("", m.body)) for m in rows), [m.body for m in rows]
    return sorted(rows, key=lambda m: m.id)


async def test_a_close_by_the_senior_is_told_to_the_citizen(cases):
    handle, state = await cases.handling()
    await cases.complete(handle, state)
    await cases.approve(handle)
    await handle.execute_update(ComplaintWorkflow.close, CloseInput(actor=SENIOR, reason="شهروند تلفنی رضایت داد"))
    final = await handle.result()
    sms = await outbox(cases, final.tracking_code, 4)
    assert [m.template for m in sms] == ["registered", "accepted", "result", "closed"]
    assert "۱" in sms[-1].body and "بسته شد" in sms[-1].body


async def test_a_silent_close_at_the_end_of_the_feedback_window_is_told(cases):
    handle, state = await cases.handling(default_policy())
    await cases.complete(handle, state)
    await cases.approve(handle)
    final = await handle.result()
    sms = await outbox(cases, final.tracking_code, 4)
    assert sms[-1].template == "closed_silently" and "مهلت اعلام نظر" in sms[-1].body


async def test_feedback_received_is_told(cases):
    handle, state = await cases.handling()
    await cases.complete(handle, state)
    await cases.approve(handle)
    await handle.execute_update(ComplaintWorkflow.give_feedback, FeedbackInput(satisfied=True, rating=4))
    final = await handle.result()
    sms = await outbox(cases, final.tracking_code, 4)
    assert sms[-1].template == "feedback_received" and "نظر شما" in sms[-1].body


async def test_a_breach_is_told_and_the_move_to_the_top_follows(cases):
    policy = default_policy(level_budgets={level: timedelta(hours=10) for level in Level})
    handle, state = await cases.handling(policy)
    state = await cases.advance(handle, policy.sla + timedelta(seconds=1), events=4)
    sms = await outbox(cases, state.tracking_code, 4)
    assert [m.template for m in sms] == ["registered", "accepted", "breached", "escalated"]
    breach_seq = next(e.seq for e in state.events if e.kind.value == "breached")
    assert sms[2].key == f"{state.tracking_code}:{breach_seq}:breached"
    assert "سه‌ساعته" in sms[2].body
