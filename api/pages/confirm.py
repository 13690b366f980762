"""The confirmation step of the staff case page's irreversible actions, without JavaScript.

Approving a result, closing a case, rejecting it at review (out of FOAD's remit) and escalating it cannot be
undone from the pages. Their forms first lead to a page that says what will happen, in Persian, with the text
typed; only its button (the same form again, with `confirmed=yes`) sends the action to the workflow. The fields
are checked first (a 422 on the case page), and so is the rule book's "now" rule on the case's live state, so an
action the case no longer allows is refused before anyone confirms it.
"""

from fastapi import Request
from starlette.responses import Response

from api.deps import StaffUser
from api.edge.errors import Conflict
from api.engine import Engine
from api.pages.rendering import page
from schemas.actions import ApproveRequest, ReasonRequest, ReviewRequest
from schemas.enums import HandlingOutcome
from workflows.rules import Action, state_refusal


class Confirmation:
    def __init__(self, title: str, consequence: str, button: str, field: str, label: str) -> None:
        self.title = title
        self.consequence = consequence
        self.button = button
        self.field = field  # the typed text shown back
        self.label = label


CONFIRMATIONS: dict[str, Confirmation] = {
    "approve": Confirmation(
        "تأیید نتیجه",
        "این نتیجه برای شهروند پیامک می‌شود و پرونده به انتظار نظر او می‌رود. پس از تأیید، نتیجه را نمی‌توان پس گرفت.",
        "بله، نتیجه تأیید و به شهروند اعلام شود",
        "result_note",
        "نتیجه برای شهروند",
    ),
    "close": Confirmation(
        "بستن پرونده",
        "پرونده بسته می‌شود و دیگر هیچ اقدامی روی آن ممکن نیست. بستن، تأیید نتیجه نیست.",
        "بله، پرونده بسته شود",
        "reason",
        "دلیل بستن",
    ),
    "escalate": Confirmation(
        "انتقال به سطح بالاتر",
        "وظیفه این واحد بسته می‌شود و پرونده به سطح بالاتر می‌رود؛ به شهروند هم پیامک می‌شود. بازگرداندن آن ممکن نیست.",
        "بله، به سطح بالاتر منتقل شود",
        "reason",
        "دلیل انتقال",
    ),
    "review": Confirmation(
        "خارج از حیطه فواد",
        "پرونده با این راهنمایی برای شهروند پیامک و بسته می‌شود و به هیچ واحدی نمی‌رود.",
        "بله، خارج از حیطه اعلام و بسته شود",
        "referral_note",
        "ارجاع و راهنمایی برای شهروند",
    ),
}


def needed(action: str, form: dict[str, str]) -> bool:
    """Whether this press still needs its confirmation (a review only when it rejects)."""
    if action not in CONFIRMATIONS or form.get("confirmed") == "yes":
        return False
    return action != "review" or form.get("decision") == "reject"


def _check_fields(action: str, form: dict[str, str]) -> None:
    """The fields as the action will read them (pydantic.ValidationError: the case page's 422)."""
    if action == "approve":
        ApproveRequest(result_note=form.get("result_note", ""), outcome=form.get("outcome", ""))
    elif action == "review":
        ReviewRequest(decision="reject", referral_note=form.get("referral_note") or None)
    else:
        ReasonRequest(reason=form.get("reason", ""))


async def confirmation_page(
    request: Request, engine: Engine, user: StaffUser, tracking_code: str, action: str, form: dict[str, str]
) -> Response:
    _check_fields(action, form)
    state = await engine.state(tracking_code)
    # The state's rule only: who may act is the action's own check (a 403), with the task the form names, so a
    # press on a page gone stale gets the workflow's reason (a 409) as it would without this step.
    refused = state_refusal(Action(action), state)
    if refused is not None:
        raise Conflict(refused.message, code=refused.code, message_fa=refused.message_fa)
    what = CONFIRMATIONS[action]
    fields = {k: v for k, v in form.items() if k not in ("csrf", "confirmed")}
    return page(
        request,
        "staff/confirm.html",
        user=user,
        tracking_code=state.tracking_code,
        action=action,
        what=what,
        typed=form.get(what.field, ""),
        outcome=HandlingOutcome(form["outcome"]).label_fa if action == "approve" else None,
        fields=fields,
    )
