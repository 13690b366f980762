"""Triage in ComplaintWorkflow on the time-skipping server: contacts that are not complaints, referrals at review,
and the senior coordinator's structured outcome on approval."""

from database.models import Case, SmsOutbox, Task
from schemas.actions import ApproveInput, ReviewInput
from schemas.enums import CaseStatus, ContactKind, EventKind, HandlingOutcome, ReviewDecision, Step
from schemas.referral import ReferralTarget
from tests.factories import SENIOR
from workflows.complaint import ComplaintWorkflow

INSPECTION = ReferralTarget(id="inspection-136", name_fa="سازمان بازرسی کل کشور", phone="136")
JUDICIARY = ReferralTarget(id="judiciary", name_fa="قوه قضاییه", address_fa="نزدیک‌ترین دفتر خدمات الکترونیک قضایی")


async def test_out_of_scope_contact_is_referred_at_once_without_a_review_or_a_clock(cases):
    handle = await cases.start(contact=ContactKind.OUT_OF_SCOPE, referral=INSPECTION)
    final = await handle.result()
    assert final.status is CaseStatus.REFERRED and final.step is Step.RESULT and final.closed_at is not None
    assert [e.kind for e in final.events] == [EventKind.REFERRED]
    assert final.tasks == [] and final.referral_target == INSPECTION
    code = final.tracking_code
    [row] = await cases.rows(Case, code)
    assert (row.status, row.contact_kind, row.referral_target_id) == ("referred", "out_of_scope", "inspection-136")
    [message] = await cases.rows_reaching(SmsOutbox, code, 1)
    assert message.template == "referred" and "سازمان بازرسی کل کشور" in message.body and "۱۳۶" in message.body


async def test_suggestion_is_forwarded_as_information_and_opens_no_task(cases):
    handle = await cases.start(contact=ContactKind.SUGGESTION)
    final = await handle.result()
    assert final.status is CaseStatus.FORWARDED and [e.kind for e in final.events] == [EventKind.FORWARDED]
    assert final.events[0].data == {"contact": "suggestion", "agency_id": final.agency_id}
    code = final.tracking_code
    assert await cases.rows(Task, code) == []
    [message] = await cases.rows_reaching(SmsOutbox, code, 1)
    assert message.template == "forwarded" and "پیشنهاد" in message.body


async def test_rejection_with_a_registry_target_refers_and_tells_the_citizen_where(cases):
    handle = await cases.start()
    await cases.settled(handle, 1)
    rejected = await handle.execute_update(
        ComplaintWorkflow.review,
        ReviewInput(
            actor=SENIOR, decision=ReviewDecision.REJECT, referral_note="حکم دادگاه است", referral_target=JUDICIARY
        ),
    )
    assert rejected.status is CaseStatus.REFERRED and rejected.referral_target == JUDICIARY
    assert rejected.events[-1].data == {"target_id": "judiciary"}
    messages = await cases.rows_reaching(SmsOutbox, rejected.tracking_code, 2)
    assert messages[-1].template == "referred" and "قوه قضاییه" in messages[-1].body


async def test_rejection_without_a_target_is_not_called_a_referral(cases):
    handle = await cases.start()
    await cases.settled(handle, 1)
    rejected = await handle.execute_update(
        ComplaintWorkflow.review, ReviewInput(actor=SENIOR, decision=ReviewDecision.REJECT, referral_note="محتوایی")
    )
    assert rejected.status is CaseStatus.REJECTED and "ارجاع" not in rejected.status.label_fa


async def test_approval_records_the_senior_coordinators_outcome_over_the_units(cases):
    handle, state = await cases.handling()
    state = await cases.complete(handle, state)
    assert state.outcome is HandlingOutcome.SUBSTITUTE_ASSIGNED
    approved = await handle.execute_update(
        ComplaintWorkflow.approve,
        ApproveInput(actor=SENIOR, result_note="با تماس تلفنی حل شد", outcome=HandlingOutcome.RESOLVED_BY_PHONE),
    )
    assert approved.outcome is HandlingOutcome.RESOLVED_BY_PHONE
    assert approved.events[-1].data["outcome"] == "resolved_by_phone"
