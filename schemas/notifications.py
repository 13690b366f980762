"""Staff notifications: what a staff member is told about a case, and how the pages and the API show it."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel


class NotificationKind(StrEnum):
    """What a notification tells; each kind is turned off by FOAD_STAFF_NOTIFICATIONS_OFF."""

    TASK_ARRIVED = "task_arrived"  # a handling task arrived in a unit: its coordinators
    TASK_ASSIGNED = "task_assigned"  # the senior gave a task to a named coordinator: that coordinator
    REMINDER = "reminder"  # before the case's 3-hour deadline: the holder of the open task, else its unit or seniors
    TASK_REMINDER = "task_reminder"  # before a handling task's own deadline: its holder, else its unit
    REVIEW_OVERDUE = "review_overdue"  # the review's budget ran out: the agency's seniors
    APPROVAL_WAITING = "approval_waiting"  # a unit reported its result: the agency's seniors
    BREACHED = "breached"  # the 3-hour deadline passed: the national centre (admins) and the agency's seniors
    ESCALATION_EXHAUSTED = "escalation_exhausted"  # no level above is left: the centre and the seniors
    INFORMATION_FORWARDED = "information_forwarded"  # a request or suggestion forwarded: the agency's seniors
    INSPECTION_ORDERED = "inspection_ordered"  # an on-site inspection ordered: the named inspector
    INSPECTION_OVERDUE = "inspection_overdue"  # an inspection not recorded in time: the agency's seniors
    REPORT_READY = "report_ready"  # the monthly report was compiled: every agency's seniors and the centre


class NotificationOut(BaseModel):
    id: int
    tracking_code: str
    seq: int
    kind: NotificationKind
    body: str
    created_at: datetime
    read_at: datetime | None
    sms: bool
