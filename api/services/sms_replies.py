"""What a citizen's SMS to the line does: a digit 1 to 5 is feedback on that mobile's case that waits for it
(the same give_feedback as the tracking page, api.services.casework); anything else, or a mobile with no case
waiting, gets one help SMS per FOAD_SMS_INBOUND_HELP_HOURS; a mobile no case was filed from changes nothing."""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.deps import release_connection
from api.edge.errors import Conflict
from api.engine import Engine
from api.services import casework
from database.models import Case
from database.ratelimit import Limit, RateLimited, hit
from infra.settings import Settings
from schemas.actions import FeedbackRequest
from schemas.enums import CaseStatus
from schemas.text import mask_mobile
from sms.inbound import InboundSms, rating, satisfied
from sms.sender import SmsSender, render, tracking_link

log = logging.getLogger("foad.sms.inbound")

HELP_TEMPLATE = "inbound_help"


@dataclass(frozen=True)
class ReplyOutcome:
    outcome: str  # feedback_recorded, help_sent, help_withheld, unknown_mobile
    message: str
    message_fa: str
    tracking_code: str | None = None


async def take(
    message: InboundSms,
    *,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    engine: Engine,
    sender: SmsSender,
    settings: Settings,
) -> ReplyOutcome:
    cases = list(
        await session.scalars(
            select(Case).where(Case.citizen_mobile == message.mobile).order_by(Case.registered_at.desc())
        )
    )
    if not cases:
        log.info("inbound sms from %s: no case was filed from this mobile; nothing done", mask_mobile(message.mobile))
        return ReplyOutcome(
            "unknown_mobile",
            "no case was filed from this mobile; nothing was changed and nothing sent",
            "هیچ شکایتی با این شماره همراه ثبت نشده است؛ کاری انجام نشد.",
        )
    waiting = [c for c in cases if c.status == CaseStatus.AWAITING_FEEDBACK.value]
    score = rating(message.text)
    if score is not None and waiting:
        case = waiting[0]
        body = FeedbackRequest(satisfied=satisfied(score), rating=score, comment=None)
        try:
            await casework.give_feedback(
                tracking_code=case.tracking_code, body=body, mobile=message.mobile, session=session, engine=engine
            )
        except Conflict as refused:  # given already (another digit), or closed meanwhile: the citizen is told how
            log.info("inbound sms from %s: feedback refused (%s)", mask_mobile(message.mobile), refused.code)
        else:
            log.info("inbound sms from %s: feedback %d on %s", mask_mobile(message.mobile), score, case.tracking_code)
            return ReplyOutcome(
                "feedback_recorded",
                f"feedback {score} recorded on case {case.tracking_code}",
                "بازخورد شهروند ثبت شد.",
                case.tracking_code,
            )
    else:
        await release_connection(session)
    about = (waiting or cases)[0].tracking_code
    sent = await _help(sessions, sender, settings, message.mobile, about)
    if sent:
        return ReplyOutcome(
            "help_sent",
            "the message is not a rating 1 to 5 of a case awaiting feedback; a help SMS was sent",
            "پیام، عدد ۱ تا ۵ برای پرونده‌ای در انتظار بازخورد نبود؛ پیامک راهنما فرستاده شد.",
            about,
        )
    return ReplyOutcome(
        "help_withheld",
        "the message is not a rating 1 to 5 of a case awaiting feedback; a help SMS went to this mobile recently",
        "پیام، عدد ۱ تا ۵ برای پرونده‌ای در انتظار بازخورد نبود؛ پیامک راهنما به تازگی فرستاده شده است.",
        about,
    )


async def _help(
    sessions: async_sessionmaker[AsyncSession], sender: SmsSender, settings: Settings, mobile: str, tracking_code: str
) -> bool:
    """One help SMS per mobile per window (the database's rate counter, shared by every API process)."""
    limit = Limit("sms-inbound-help", 1, timedelta(hours=settings.sms_inbound_help_hours))
    try:
        await hit(sessions, limit, mobile)
    except RateLimited:
        log.info("inbound sms from %s: help withheld (one sent in this window)", mask_mobile(mobile))
        return False
    body = render(
        HELP_TEMPLATE,
        {"tracking_code": tracking_code, "link": tracking_link(settings.public_base_url, tracking_code)},
    )
    await sender.send(
        key=f"inbound-help:{uuid.uuid4().hex}",
        tracking_code=tracking_code,
        mobile=mobile,
        template=HELP_TEMPLATE,
        body=body,
    )
    log.info("inbound sms from %s: help sent", mask_mobile(mobile))
    return True
