"""The working group's acts on a hotspot review, for the JSON API and the page alike: a member's note (one per
member, edited in place) and the decision (a Workflow Update on the review's workflow; a process reform carries
the follow-up period of the settings)."""

import asyncio
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.service import RPCError, RPCStatusCode

from api.auth.access import WORKING_GROUP_ROLES, ensure_can_see_review
from api.deps import StaffUser
from api.edge.errors import Conflict, EngineUnavailable, FieldInvalid, Forbidden, NotFound
from database.models import HotspotNote, HotspotReview
from infra.settings import Settings
from schemas.enums import Role
from schemas.hotspot import HotspotDecision, HotspotDecisionInput, HotspotDecisionRequest, HotspotState
from workflows.hotspot import HotspotReviewWorkflow

NOTE_MAX = 4000


async def review_in_view(session: AsyncSession, user: StaffUser, review_id: str) -> HotspotReview:
    row = await session.get(HotspotReview, review_id)
    if row is None:
        raise NotFound(f"no hotspot review {review_id}", message_fa="بررسی کانون شکایتی با این شناسه نیست.")
    ensure_can_see_review(user, row)
    return row


def _ensure_member(user: StaffUser) -> None:
    if user.role not in WORKING_GROUP_ROLES:
        raise Forbidden(
            "only the working group's members and the centre's admins act on a review",
            message_fa="فقط اعضای کارگروه و مدیر مرکز می‌توانند درباره این بررسی اقدام کنند.",
        )


async def save_note(session: AsyncSession, user: StaffUser, review_id: str, text: str) -> HotspotNote:
    await review_in_view(session, user, review_id)
    _ensure_member(user)
    text = text.strip()
    if not 3 <= len(text) <= NOTE_MAX:
        raise FieldInvalid(
            ["body", "note"],
            f"a note has 3 to {NOTE_MAX} characters",
            reason_fa="یادداشت باید دست‌کم ۳ نویسه باشد.",
        )
    note = await session.get(HotspotNote, (review_id, user.username))
    if note is None:
        note = HotspotNote(review_id=review_id, username=user.username)
        session.add(note)
    note.full_name, note.agency_id, note.note, note.updated_at = user.full_name, user.agency_id, text, datetime.now(UTC)
    await session.flush()
    return note


async def decide(
    session: AsyncSession, user: StaffUser, review_id: str, body: HotspotDecisionRequest, *, engine, settings: Settings
) -> HotspotState:
    await review_in_view(session, user, review_id)
    _ensure_member(user)
    if user.role is Role.WORKING_GROUP and user.agency_id is not None:
        raise Forbidden(
            "an agency's member adds notes; the decision is the centre's",
            message_fa="تصمیم با اعضای ستادی کارگروه و مدیر مرکز است؛ عضو دستگاه یادداشت می‌گذارد.",
        )
    handle = (await engine.client()).get_workflow_handle_for(HotspotReviewWorkflow.run, review_id)
    followup = settings.reform_followup_period() if body.decision is HotspotDecision.PROCESS_REFORM else None
    request = HotspotDecisionInput(actor=user.actor, decision=body.decision, note=body.note, followup_period=followup)
    try:
        async with asyncio.timeout(engine.rpc_timeout.total_seconds() * 1.5):
            return await handle.execute_update(HotspotReviewWorkflow.decide, request, rpc_timeout=engine.rpc_timeout)
    except TimeoutError as exc:
        raise EngineUnavailable() from exc
    except RPCError as exc:
        # A decided review's workflow ends right after the decision: a second one finds it gone, not refused.
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise Conflict(
                f"hotspot review {review_id} is already closed with a decision",
                message_fa="این بررسی پیش‌تر با تصمیم بسته شده است",
            ) from exc
        raise
