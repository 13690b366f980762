"""What every finished case of the end-to-end stack must look like in the read model."""

import time
from typing import Any

from tests.e2e.readmodel import events, sms, tasks
from tests.e2e.stack import Stack
from tests.factories import MOBILE

# Which SMS template each timeline event sends (sms/sender.py); other events send none.
SMS_OF_EVENT = {
    "registered": "registered",
    "review_accepted": "accepted",
    "rejected": "rejected",
    "escalated": "escalated",
    "result_approved": "result",
    "reopened": "reopened",
    "breached": "breached",
    "feedback": "feedback_received",  # recorded only when the answer closes the case (else: reopened)
}


def sms_template(event: dict[str, Any]) -> str | None:
    """The SMS template an event sends, if any: a close by the system is the silent one."""
    if event["kind"] == "closed":
        return "closed_silently" if event["actor_role"] == "system" else "closed"
    return SMS_OF_EVENT.get(event["kind"])


def check_no_step_lost_or_doubled(stack: Stack, code: str) -> list[dict[str, Any]]:
    """The case's timeline is 1..N with no gap and no repeat; tasks are T1..Tn, none left open once the case is
    final; the outbox holds exactly one SMS per event that sends one, under that event's key. Returns the events."""
    timeline = events(stack, code)
    seqs = [e["seq"] for e in timeline]
    assert seqs == list(range(1, len(seqs) + 1)), f"{code}: event seqs not contiguous: {seqs}"
    case = stack.case_row(code)
    assert case is not None and case["last_seq"] == len(seqs), f"{code}: last_seq {case and case['last_seq']}"

    found = tasks(stack, code)
    ids = [t["task_id"] for t in found]
    assert ids == [f"{code}-T{i}" for i in range(1, len(ids) + 1)], f"{code}: task ids {ids}"
    still_open = [t["task_id"] for t in found if t["status"] == "open"]
    main_line = [t["task_id"] for t in found if t["status"] == "open" and t["kind"] != "inspection"]
    assert len(main_line) <= 1, f"{code}: more than one open task besides an inspection: {still_open}"
    if case["status"] in ("closed", "rejected"):
        assert not still_open, f"{code}: a final case keeps open tasks {still_open}"

    wanted = {f"{code}:{e['seq']}:{sms_template(e)}" for e in timeline if sms_template(e)}
    deadline = time.monotonic() + 20  # the SMS activity runs just after the event's projection
    while True:
        outbox = sms(stack, code)
        keys = [m["key"] for m in outbox]
        if set(keys) >= wanted or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(keys) == len(set(keys)), f"{code}: duplicate SMS keys {keys}"
    assert set(keys) == wanted, f"{code}: SMS {sorted(keys)} but the timeline calls for {sorted(wanted)}"
    assert {m["mobile"] for m in outbox} == {MOBILE}
    return timeline
