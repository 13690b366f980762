"""The rule book: which action a person may take on a case now, and if not, why (in English and Persian).

Pure functions over plain data, importable without I/O (schemas and temporalio only), so that the three
places that ask use the same answers:

- the workflow's validators (inside the sandbox) refuse what the case's state does not allow, atomically,
  and the caller of the Workflow Update gets that refusal at once (a 409 with the reason);
- the API, before it calls the workflow, checks who is acting: the actor's role, agency and units against
  the case's agency and the task concerned (looked up in the database by the API, passed here as data);
- the pages offer exactly the actions `allowed` answers for the user and the case's live state.

Two kinds of rule, asked separately or together:

- `actor_refusal` ("who"): may this actor ever take the action on this case, given the task concerned?
  A refusal is `forbidden` (403).
- `state_refusal` ("now"): does the case's state allow the action? A refusal is a conflict (409). These
  are the rules the workflow's validators apply; a validator adds only what its request names (the task a
  completion closes, the unit chain of an action order) and what the workflow holds but the state does not
  (an answer already taken and not yet recorded).

`refusals(state, actor)` answers both for every action.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from temporalio.exceptions import ApplicationError

from schemas.case import CaseState, TaskInfo, UnitRef
from schemas.enums import LEVELS, CaseStatus, Level, Role, TaskKind, TaskStatus


class InvalidTransition(ApplicationError):
    """An action the case's state does not allow. details[0] is the reason in Persian; details[1], when present,
    holds the refusal's stable `code` and the case's `status` (for the API's error body)."""

    def __init__(
        self, message: str, message_fa: str, *, code: str | None = None, status: CaseStatus | None = None
    ) -> None:
        details: list[object] = [message_fa]
        if code is not None or status is not None:
            details.append({"code": code, "status": status.value if status else None})
        super().__init__(message, *details, type="InvalidTransition", non_retryable=True)


class Action(StrEnum):
    """Everything a person may do to a case; the value is the action's last path segment in the API."""

    REVIEW = "review"
    COMPLETE = "complete"
    APPROVE = "approve"
    SEND_BACK = "send-back"
    CLOSE = "close"
    ESCALATE = "escalate"
    REQUEST_INFORMATION = "request-information"
    REPLY = "reply"
    FEEDBACK = "feedback"
    ERASE = "erasure"  # the personal data of a closed case, on the centre admin's order (archive.erasure)
    CLAIM = "claim"
    RELEASE = "release"
    REASSIGN = "reassign"
    ORDER_INSPECTION = "order-inspection"
    RECORD_INSPECTION = "record-inspection"


STAFF_ACTIONS = frozenset(Action) - {Action.REPLY, Action.FEEDBACK}
CITIZEN_ACTIONS = frozenset({Action.REPLY, Action.FEEDBACK})


@dataclass(frozen=True)
class Refusal:
    """Why an action may not be taken: `forbidden` for who acts (403), otherwise the case's state (409)."""

    message: str
    message_fa: str
    code: str = "invalid_action"
    forbidden: bool = False
    status: CaseStatus | None = None

    def error(self) -> InvalidTransition:
        """The refusal as the workflow raises it from a validator."""
        return InvalidTransition(self.message, self.message_fa, code=self.code, status=self.status)


class Person(Protocol):
    """Who acts, as the rule book needs it (api.deps.StaffUser fits, and so does `Scope`)."""

    @property
    def role(self) -> Role: ...

    @property
    def username(self) -> str: ...

    @property
    def agency_id(self) -> str | None: ...

    @property
    def unit_ids(self) -> frozenset[str]: ...


@dataclass(frozen=True)
class Scope:
    """A Person as plain data."""

    role: Role
    username: str = ""
    agency_id: str | None = None
    unit_ids: frozenset[str] = field(default_factory=frozenset)


# The citizen who filed the case: the API has proved the mobile (one-time code) before it asks.
CITIZEN_SCOPE = Scope(role=Role.CITIZEN, username="citizen")


class TaskRef(Protocol):
    """The task an action concerns: schemas.case.TaskInfo, or the read model's row (database.models.Task)."""

    @property
    def unit_id(self) -> str | None: ...

    @property
    def assignee(self) -> str | None: ...

    @property
    def holder(self) -> str | None: ...
    def escalated_at(self) -> datetime | None: ...


# --- "now": what the case's state allows (the workflow's validators) ----------------------------------------

_PAUSED = ("the case is waiting for the citizen's answer", "پرونده در انتظار پاسخ شهروند است")
_STALE_TASK_FA = "این وظیفه دیگر باز نیست؛ پرونده به سطح دیگری رفته یا رسیدگی شده است"


def _unless_status(
    state: CaseState, allowed: tuple[CaseStatus, ...], message: str, message_fa: str, code: str = "invalid_action"
) -> Refusal | None:
    if state.status in allowed:
        return None
    return Refusal(f"{message} (status: {state.status.value})", message_fa, code=code, status=state.status)


def _unless_running(state: CaseState) -> Refusal | None:
    if state.open_pause is None:
        return None
    return Refusal(*_PAUSED, status=state.status)


def _review(state: CaseState) -> Refusal | None:
    return _unless_status(
        state, (CaseStatus.IN_REVIEW,), "the case is not awaiting review", "پرونده در انتظار بررسی نیست"
    ) or _unless_running(state)


def _complete(state: CaseState) -> Refusal | None:
    return _unless_status(
        state, (CaseStatus.IN_HANDLING,), "the case has no handling task open", "پرونده در مرحله رسیدگی نیست"
    ) or _unless_running(state)


def _approve(state: CaseState) -> Refusal | None:
    return _unless_status(
        state, (CaseStatus.AWAITING_APPROVAL,), "there is no result awaiting approval", "نتیجه‌ای در انتظار تأیید نیست"
    )


def _send_back(state: CaseState) -> Refusal | None:
    return _unless_status(
        state, (CaseStatus.AWAITING_APPROVAL,), "there is no result to send back", "نتیجه‌ای برای بازگرداندن نیست"
    )


def _close(state: CaseState) -> Refusal | None:
    return _unless_status(
        state,
        (CaseStatus.AWAITING_FEEDBACK,),
        "only a case whose result was approved can be closed",
        "فقط پرونده‌ای که نتیجه‌اش تأیید شده بسته می‌شود",
    )


def _escalate(state: CaseState) -> Refusal | None:
    refusal = _unless_status(
        state,
        (CaseStatus.IN_HANDLING,),
        "only a case in handling can be escalated",
        "فقط پرونده‌ای که در مرحله رسیدگی است به سطح بالاتر منتقل می‌شود",
    ) or _unless_running(state)
    if refusal is None and state.level is Level.NATIONAL:
        return Refusal(
            "the case is already at the national level; there is no level above it",
            "پرونده در بالاترین سطح (ستاد ملی) است",
            status=state.status,
        )
    return refusal


def _request_information(state: CaseState) -> Refusal | None:
    refusal = _unless_status(
        state,
        (CaseStatus.IN_REVIEW, CaseStatus.IN_HANDLING),
        "information can be asked only in review or handling",
        "فقط در مرحله بررسی یا رسیدگی می‌توان از شهروند اطلاعات خواست",
    ) or _unless_running(state)
    if refusal is not None:
        return refusal
    if state.breached:
        return Refusal(
            "the deadline has already been breached; the clock cannot be paused",
            "مهلت رسیدگی گذشته است و توقف آن ممکن نیست",
            status=state.status,
        )
    if len(state.pauses) >= state.max_information_requests:
        return Refusal(
            f"this case has already asked the citizen {len(state.pauses)} times",
            "سقف درخواست اطلاعات از شهروند برای این پرونده پر شده است",
            status=state.status,
        )
    return None


def _reply(state: CaseState) -> Refusal | None:
    if state.open_pause is not None:
        return None
    return Refusal(
        "no question to the citizen is open on this case",
        "پرسشی از شما در این پرونده باز نیست",
        code="no_question_open",
        status=state.status,
    )


def _feedback(state: CaseState) -> Refusal | None:
    refusal = _unless_status(
        state,
        (CaseStatus.AWAITING_FEEDBACK,),
        "the case is not awaiting feedback",
        "این پرونده در انتظار بازخورد نیست",
        code="feedback_not_due",
    )
    if refusal is None and feedback_given(state):
        return already_taken(Action.FEEDBACK, state)
    return refusal


def erase_refusal(status: CaseStatus) -> Refusal | None:
    """A case's personal data is erased only once it is final: while it runs, its handling needs them."""
    if status.is_final:
        return None
    return Refusal(
        f"the case is still running; its personal data can be erased only once it has closed (status: {status.value})",
        "پرونده هنوز باز است؛ داده‌های شخصی آن تنها پس از بسته شدن پرونده پاک می‌شود.",
        code="case_running",
        status=status,
    )


def _erase(state: CaseState) -> Refusal | None:
    return erase_refusal(state.status)


def _handling_task_open(state: CaseState) -> Refusal | None:
    refusal = _unless_status(
        state, (CaseStatus.IN_HANDLING,), "the case has no handling task open", "پرونده در مرحله رسیدگی نیست"
    ) or _unless_running(state)
    if refusal is None and (state.current_task is None or state.current_task.unit_id is None):
        return Refusal("the case has no handling task open", "پرونده در مرحله رسیدگی نیست", status=state.status)
    return refusal


def _claim(state: CaseState) -> Refusal | None:
    refusal = _handling_task_open(state)
    if refusal is None and state.current_task is not None and state.current_task.holder is not None:
        return held_by(state.current_task.holder, state)
    return refusal


def _release(state: CaseState) -> Refusal | None:
    refusal = _handling_task_open(state)
    if refusal is None and state.current_task is not None and state.current_task.holder is None:
        return Refusal(
            "nobody holds this task", "این کار را کسی برنداشته است", code="task_not_held", status=state.status
        )
    return refusal


def held_by(holder: str, state: CaseState | None = None) -> Refusal:
    """The task is already claimed (by `holder`): a second claim is refused with who holds it."""
    return Refusal(
        f"the task is already held by {holder}",
        f"این کار را پیش‌تر {holder} برداشته است",
        code="task_held",
        status=state.status if state else None,
    )


def claim_refusal(
    action: Action, state: CaseState, task_id: str, username: str, to: str | None = None
) -> Refusal | None:
    """A claim, release or reassignment as the workflow's validator sees it: the task it names must still be the
    open one (a claim on a task that moved on is refused), and the holder must be as the action expects."""
    if (stale := task_refusal(state, task_id)) is not None:
        return stale
    current = state.current_task
    if action is Action.CLAIM and current is not None and current.holder == username:
        return _handling_task_open(state)  # the holder claiming again (a retried press): allowed, nothing changes
    if (refused := state_refusal(action, state)) is not None:
        return refused
    task = state.current_task
    assert task is not None, "task_refusal guarantees the current task"
    if action is Action.RELEASE and task.holder != username:
        return Refusal(
            f"the task is held by {task.holder}, not by {username}",
            f"این کار را {task.holder} برداشته است، نه شما",
            code="task_held",
            status=state.status,
        )
    if action is Action.REASSIGN and to is not None and task.holder == to:
        return Refusal(
            f"{to} already holds the task", f"این کار هم‌اکنون با {to} است", code="task_held", status=state.status
        )
    return None


def open_inspection(state: CaseState) -> TaskInfo | None:
    """The case's on-site inspection still to be recorded, if one was ordered (at most one is open)."""
    return next(
        (t for t in state.tasks if t.kind is TaskKind.INSPECTION and t.status is TaskStatus.OPEN),
        None,
    )


def _order_inspection(state: CaseState) -> Refusal | None:
    refusal = _unless_status(
        state,
        (CaseStatus.IN_HANDLING,),
        "an on-site inspection is ordered with the review's action order, or while the case is in handling",
        "بازرسی حضوری همراه دستور اقدامِ بررسی یا در مرحله رسیدگی دستور داده می‌شود",
    ) or _unless_running(state)
    if refusal is None and open_inspection(state) is not None:
        return Refusal(
            "an on-site inspection is already open on this case",
            "یک بازرسی حضوری برای این پرونده هنوز در جریان است",
            code="inspection_open",
            status=state.status,
        )
    return refusal


def _record_inspection(state: CaseState) -> Refusal | None:
    if open_inspection(state) is not None and not state.status.is_final:
        return None
    return Refusal(
        "no on-site inspection is open on this case",
        "بازرسی حضوری بازی برای این پرونده نیست",
        code="no_inspection_open",
        status=state.status,
    )


def inspection_refusal(state: CaseState, task_id: str) -> Refusal | None:
    """The inspection a record names must be the case's open one."""
    task = open_inspection(state)
    if task is not None and task.task_id == task_id:
        return None
    return Refusal(
        f"task {task_id} is not an open inspection of this case",
        "این بازرسی دیگر باز نیست یا از آنِ این پرونده نیست",
        code="no_inspection_open",
        status=state.status,
    )


_STATE_RULES = {
    Action.REVIEW: _review,
    Action.COMPLETE: _complete,
    Action.APPROVE: _approve,
    Action.SEND_BACK: _send_back,
    Action.CLOSE: _close,
    Action.ESCALATE: _escalate,
    Action.REQUEST_INFORMATION: _request_information,
    Action.REPLY: _reply,
    Action.FEEDBACK: _feedback,
    Action.ERASE: _erase,
    Action.CLAIM: _claim,
    Action.RELEASE: _release,
    Action.REASSIGN: _handling_task_open,
    Action.ORDER_INSPECTION: _order_inspection,
    Action.RECORD_INSPECTION: _record_inspection,
}


def state_refusal(action: Action, state: CaseState) -> Refusal | None:
    """Why the case's state does not allow `action` now, or None: the rules every workflow validator applies."""
    return _STATE_RULES[action](state)


def feedback_given(state: CaseState) -> bool:
    """The citizen has answered on the result now approved (a reopened case's new result awaits a new answer)."""
    approved = state.result_approved_at
    return state.feedback is not None and approved is not None and state.feedback.at >= approved


def already_taken(action: Action, state: CaseState | None = None) -> Refusal:
    """The citizen's answer (feedback, or the reply to the open question) is already taken by the workflow."""
    status = state.status if state else None
    if action is Action.FEEDBACK:
        return Refusal(
            "feedback on this result has already been given",
            "بازخورد شما درباره این نتیجه پیش‌تر ثبت شده است",
            code="feedback_not_due",
            status=status,
        )
    return Refusal(
        "the answer to this question has already been received",
        "پاسخ شما به این پرسش پیش‌تر دریافت شده است",
        code="no_question_open",
        status=status,
    )


def task_refusal(state: CaseState, task_id: str | None) -> Refusal | None:
    """The task an action names (a completion's, the one an escalation saw) must still be the case's open one."""
    if task_id == state.current_task_id:
        return None
    return Refusal(f"task {task_id} is no longer open on this case", _STALE_TASK_FA, status=state.status)


def check_chain(chain: list[UnitRef]) -> None:
    """An action order's chain: the unit, then each level above it, ending at the national HQ."""
    if not chain:
        raise InvalidTransition("an action order needs the unit that must act", "واحد مسئول رسیدگی مشخص نشده است")
    levels = [unit.level for unit in chain]
    expected = list(LEVELS[LEVELS.index(levels[0]) :])
    if levels != expected or levels[-1] is not Level.NATIONAL:
        raise InvalidTransition(
            "the unit's hierarchy must climb one level at a time to the national HQ",
            "سلسله‌مراتب واحد تا ستاد ملی کامل نیست",
        )


# --- "who": the actor's role and scope -------------------------------------------------------------------

_SENIOR_ONLY = Refusal(
    "only a senior coordinator of the case's agency may do this",
    "فقط راهبر ارشد دستگاه مربوط می‌تواند این کار را انجام دهد.",
    code="forbidden",
    forbidden=True,
)
_CITIZEN_ONLY = Refusal(
    "only the citizen who filed the complaint may do this",
    "فقط شهروندی که شکایت را ثبت کرده می‌تواند این کار را انجام دهد.",
    code="forbidden",
    forbidden=True,
)
_ADMIN_ERASES = Refusal(
    "only the centre admin may order the erasure of a case's personal data",
    "فقط مدیر مرکز می‌تواند دستور پاک کردن داده‌های شخصی پرونده را بدهد.",
    code="forbidden",
    forbidden=True,
)
_WHO_COMPLETES = Refusal(
    "only the task's unit coordinator, its assigned inspector or the agency's senior coordinator may complete it",
    "فقط هماهنگ‌کننده واحد مسئول، بازرس مأمور یا راهبر ارشد دستگاه می‌تواند این کار را انجام دهد.",
    code="forbidden",
    forbidden=True,
)
_WHO_ESCALATES = Refusal(
    "only the agency's senior coordinator, the unit holding the task, or an admin may escalate",
    "فقط راهبر ارشد دستگاه، واحدی که رسیدگی با آن است یا مدیر سامانه می‌تواند پرونده را به سطح بالاتر منتقل کند.",
    code="forbidden",
    forbidden=True,
)
_NOT_HOLDING_ESCALATE = Refusal(
    "only the unit holding the case's current task may escalate it",
    "فقط واحدی که رسیدگی پرونده اکنون با آن است می‌تواند آن را به سطح بالاتر منتقل کند.",
    code="forbidden",
    forbidden=True,
)
_WHO_ASKS = Refusal(
    "only the agency's senior coordinator or the unit holding the task may ask the citizen",
    "فقط راهبر ارشد دستگاه یا واحد مسئول رسیدگی می‌تواند از شهروند اطلاعات بخواهد.",
    code="forbidden",
    forbidden=True,
)
_NOT_HOLDING_ASK = Refusal(
    "only the unit holding the case's current task may ask the citizen",
    "فقط واحدی که رسیدگی پرونده اکنون با آن است می‌تواند از شهروند اطلاعات بخواهد.",
    code="forbidden",
    forbidden=True,
)
_WHO_INSPECTS = Refusal(
    "only the inspector named for this inspection (or, once it is overdue, the agency's senior coordinator) may "
    "record it",
    "فقط بازرسی که برای این بازرسی حضوری تعیین شده (یا پس از گذشت مهلت آن، راهبر ارشد دستگاه) می‌تواند نتیجه را "
    "ثبت کند.",
    code="forbidden",
    forbidden=True,
)


_WHO_CLAIMS = Refusal(
    "only a unit coordinator of the task's unit may claim it",
    "فقط هماهنگ‌کننده واحد مسئول می‌تواند این کار را بردارد.",
    code="forbidden",
    forbidden=True,
)
_WHO_RELEASES = Refusal(
    "only the coordinator who holds the task may release it",
    "فقط هماهنگ‌کننده‌ای که این کار را برداشته می‌تواند آن را واگذارد.",
    code="forbidden",
    forbidden=True,
)


def held_by_another(actor: Person, task: TaskRef | None) -> Refusal | None:
    """A unit coordinator acting on a task another coordinator of the unit has claimed: 403 with who holds it."""
    if actor.role is not Role.UNIT_COORDINATOR or task is None or task.holder in (None, actor.username):
        return None
    return Refusal(
        f"the task is held by {task.holder}",
        f"این کار را {task.holder} برداشته است؛ فقط او یا راهبر ارشد دستگاه می‌تواند اقدام کند.",
        code="task_held",
        forbidden=True,
    )


def is_senior_of(actor: Person, agency_id: str) -> bool:
    return actor.role is Role.SENIOR_COORDINATOR and actor.agency_id == agency_id


def holds(actor: Person, task: TaskRef | None) -> bool:
    """The actor is a unit coordinator of the task's unit."""
    return (
        actor.role is Role.UNIT_COORDINATOR
        and task is not None
        and task.unit_id is not None
        and task.unit_id in actor.unit_ids
    )


def actor_refusal(action: Action, actor: Person, *, agency_id: str, task: TaskRef | None) -> Refusal | None:
    """Why `actor` may not take `action` on a case of `agency_id`, or None. `task` is the task concerned: the one
    a completion closes, the inspection a record names, or the case's current handling task for an escalation or a
    question to the citizen."""
    if action in CITIZEN_ACTIONS:
        return None if actor.role is Role.CITIZEN else _CITIZEN_ONLY
    senior = is_senior_of(actor, agency_id)
    if action is Action.CLAIM:
        return None if holds(actor, task) else _WHO_CLAIMS
    if action is Action.RELEASE:
        return (
            None if holds(actor, task) and task is not None and task.holder in (None, actor.username) else _WHO_RELEASES
        )
    if action is Action.REASSIGN:
        return None if senior else _SENIOR_ONLY
    if action in (Action.COMPLETE, Action.ESCALATE, Action.REQUEST_INFORMATION) and (
        other := held_by_another(actor, task)
    ):
        return other
    if action is Action.COMPLETE:
        inspector = actor.role is Role.INSPECTOR and task is not None and task.assignee == actor.username
        return None if senior or holds(actor, task) or inspector else _WHO_COMPLETES
    if action is Action.ESCALATE:
        if senior or actor.role is Role.ADMIN or holds(actor, task):
            return None
        return _NOT_HOLDING_ESCALATE if actor.role is Role.UNIT_COORDINATOR else _WHO_ESCALATES
    if action is Action.REQUEST_INFORMATION:
        if senior or holds(actor, task):
            return None
        return _NOT_HOLDING_ASK if actor.role is Role.UNIT_COORDINATOR else _WHO_ASKS
    if action is Action.ERASE:
        return None if actor.role is Role.ADMIN else _ADMIN_ERASES
    if action is Action.RECORD_INSPECTION:
        named = actor.role is Role.INSPECTOR and task is not None and task.assignee == actor.username
        return None if named or (senior and task is not None and task.escalated_at is not None) else _WHO_INSPECTS
    return None if senior else _SENIOR_ONLY  # review, approve, send back, close, order an inspection


# --- both: what a page offers ----------------------------------------------------------------------------


def refusal(action: Action, state: CaseState, actor: Person) -> Refusal | None:
    """Why `actor` may not take `action` on the case now (who first, then the state), or None."""
    task = open_inspection(state) if action is Action.RECORD_INSPECTION else state.current_task
    who = actor_refusal(action, actor, agency_id=state.agency_id, task=task)
    return who or state_refusal(action, state)


def refusals(state: CaseState, actor: Person) -> Mapping[Action, Refusal | None]:
    """Every action, with why `actor` may not take it now (None: allowed)."""
    return {action: refusal(action, state, actor) for action in Action}


def allowed(state: CaseState, actor: Person) -> frozenset[Action]:
    """The actions `actor` may take on the case now."""
    return frozenset(action for action, refused in refusals(state, actor).items() if refused is None)
