"""One clock language for every page (inbox, case page, tracking page): what each clock is, and how it reads.

A case has two clocks. The **task's own time** is the budget of the task open now: the review's, or a unit's at its
level (when it runs out the case moves one level up); an approval has none of its own (it is due with the case).
The **case's deadline** is the 3 hours from registration to the approved result. Each is shown with its label,
and its state in words and colour:

- running (`clock-ok`), near: under 20 minutes left (`clock-near`), passed (`clock-passed`, red, «... از مهلت
  گذشته»);
- paused while the citizen is asked for information: «متوقف», with why, and no countdown;
- over: the case left the clock (result approved, out of scope, closed), with whether the deadline was kept.

A duration reads as a person says it: hours and minutes, never seconds («۱ ساعت و ۵ دقیقه», «کمتر از یک دقیقه»).
`api/static/js/app.js` ticks only a clock with `data-due` and words it the same way.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from schemas.enums import CaseStatus, TaskKind, TaskStatus
from timekeeping.persian import duration_fa, moment_fa
from timekeeping.tehran import as_aware

NEAR = timedelta(minutes=20)
RUNNING_STATUSES = (CaseStatus.IN_REVIEW, CaseStatus.IN_HANDLING, CaseStatus.AWAITING_APPROVAL)

CASE_LABEL_FA = "مهلت سه‌ساعته پرونده"
TASK_LABELS_FA = {
    TaskKind.REVIEW: "زمان بررسی",
    TaskKind.HANDLING: "زمان این سطح پیش از انتقال به سطح بالاتر",
    TaskKind.INSPECTION: "زمان بازرسی پیش از سپردن به راهبر ارشد",
}
CITIZEN_TASK_LABEL_FA = "زمان پاسخ اداره در این سطح پیش از رفتن به سطح بالاتر"
PAUSED_WHY_FA = {
    "staff": "در انتظار پاسخ شهروند به پرسش رسیدگی‌کننده؛ تا پاسخ او زمانی شمرده نمی‌شود.",
    "citizen": "در انتظار پاسخ شما به پرسش رسیدگی‌کننده؛ تا پاسخ دهید زمانی شمرده نمی‌شود.",
}


class ClockState(StrEnum):
    OK = "ok"
    NEAR = "near"
    PASSED = "passed"
    PAUSED = "paused"
    MET = "met"  # over, the deadline kept
    OVER = "over"  # over, no deadline to keep (out of scope)


@dataclass(frozen=True)
class Clock:
    label: str
    state: ClockState
    text: str
    due: datetime | None = None
    note: str = ""
    counts: bool = True  # False: stands still although running (a breach on record before the due time)

    @property
    def ticking(self) -> bool:
        """Whether the page's script counts it down (a paused or finished clock stands still)."""
        running = self.state in (ClockState.OK, ClockState.NEAR, ClockState.PASSED)
        return self.counts and self.due is not None and running

    @property
    def css_class(self) -> str:
        return f"clock clock-{self.state.value}"

    @property
    def due_iso(self) -> str:
        return as_aware(self.due).astimezone(UTC).isoformat() if self.ticking and self.due else ""

    @property
    def due_fa(self) -> str:
        return moment_fa(as_aware(self.due)) if self.due else ""


def left_fa(due: datetime, now: datetime) -> tuple[ClockState, str]:
    """The state and words of a running clock at `now`."""
    left = as_aware(due) - now
    if left < timedelta(0):
        return ClockState.PASSED, f"{duration_fa(left)} از مهلت گذشته"
    return (ClockState.NEAR if left < NEAR else ClockState.OK), f"{duration_fa(left)} مانده"


def case_clock(
    *,
    status: str | CaseStatus,
    due_at: datetime,
    breached: bool,
    paused: bool,
    result_approved: bool = False,
    audience: str = "staff",
    now: datetime | None = None,
) -> Clock:
    """The case's 3-hour deadline, as everyone reads it."""
    now = now or datetime.now(UTC)
    status = CaseStatus(status)
    if status in RUNNING_STATUSES:
        if paused:
            return Clock(CASE_LABEL_FA, ClockState.PAUSED, "متوقف", due_at, PAUSED_WHY_FA[audience])
        state, text = left_fa(due_at, now)
        if breached and state is not ClockState.PASSED:
            return Clock(
                CASE_LABEL_FA, ClockState.PASSED, "مهلت گذشته است", due_at, "نقض مهلت در پرونده ثبت شده است.", False
            )
        return Clock(CASE_LABEL_FA, state, text, due_at, f"تا {moment_fa(as_aware(due_at))}")
    if breached:
        return Clock(CASE_LABEL_FA, ClockState.PASSED, "مهلت رعایت نشد", due_at, "نقض مهلت در پرونده ثبت شده است.")
    if result_approved or status in (CaseStatus.AWAITING_FEEDBACK, CaseStatus.CLOSED):
        return Clock(CASE_LABEL_FA, ClockState.MET, "نتیجه در مهلت اعلام شد", due_at)
    return Clock(CASE_LABEL_FA, ClockState.OVER, "مهلتی شمرده نمی‌شود", None, "پرونده خارج از حیطه فواد بود.")


def task_clock(
    *,
    kind: str | TaskKind,
    status: str | TaskStatus,
    due_at: datetime | None,
    paused: bool,
    audience: str = "staff",
    now: datetime | None = None,
) -> Clock | None:
    """The open task's own time; None for a task that is not open or has no time of its own (an approval)."""
    kind = TaskKind(kind)
    if TaskStatus(status) is not TaskStatus.OPEN or due_at is None or kind is TaskKind.APPROVAL:
        return None
    label = CITIZEN_TASK_LABEL_FA if audience == "citizen" else TASK_LABELS_FA[kind]
    if paused:
        return Clock(label, ClockState.PAUSED, "متوقف", due_at, PAUSED_WHY_FA[audience])
    state, text = left_fa(due_at, now or datetime.now(UTC))
    return Clock(label, state, text, due_at, f"تا {moment_fa(as_aware(due_at))}")
