"""The working group's pages ("voice of the voiceless"): the hotspot reviews in the member's view, and one review
with its complaints and their indicators, every member's discussion note, the reform follow-ups on record, and the
decision. Notes and decisions go through api/services/working_group.py, as the JSON API's do."""

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from starlette.responses import Response

from api.auth.access import HOTSPOT_READERS, WORKING_GROUP_ROLES, hotspot_scope
from api.deps import EngineDep, SessionDep, SettingsDep
from api.edge.errors import FieldInvalid
from api.pages import session as page_session
from api.pages.rendering import page, redirect, require_staff
from api.services import working_group
from database.models import Agency, Case, HotspotFollowup, HotspotNote, HotspotReview, Unit
from reports.hotspots import in_scope_complaints
from schemas.enums import INDICATOR_LABELS_FA, STATUS_LABELS_FA, CaseStatus, Indicator, Role
from schemas.hotspot import DECISION_LABELS_FA, HotspotDecision, HotspotDecisionRequest, HotspotScope

router = APIRouter(include_in_schema=False)

COMPLAINTS_SHOWN = 200


async def _subject_names(session, reviews: list[HotspotReview]) -> dict[str, str]:
    units = {r.subject_id for r in reviews if r.scope == HotspotScope.UNIT.value}
    agencies = {r.subject_id for r in reviews} | {r.agency_id for r in reviews}
    names = dict((await session.execute(select(Unit.id, Unit.name_fa).where(Unit.id.in_(units)))).all())
    names |= dict((await session.execute(select(Agency.id, Agency.name_fa).where(Agency.id.in_(agencies)))).all())
    return names


@router.get("/working-group")
async def reviews(request: Request, session: SessionDep) -> Response:
    user = await require_staff(request, session, *HOTSPOT_READERS)
    rows = list(
        await session.scalars(
            select(HotspotReview)
            .where(hotspot_scope(user))
            .order_by(HotspotReview.status.desc(), HotspotReview.opened_at.desc())
        )
    )
    return page(
        request,
        "working_group/reviews.html",
        user=user,
        reviews=rows,
        names=await _subject_names(session, rows),
        decisions=DECISION_LABELS_FA,
    )


async def _review_page(request, session, user, review_id: str, *, errors: dict[str, str] | None = None, form=None):
    review = await working_group.review_in_view(session, user, review_id)
    subject = Case.office_unit_id if review.scope == HotspotScope.UNIT.value else Case.agency_id
    window = (
        subject == review.subject_id,
        in_scope_complaints(),
        Case.registered_at >= review.window_start,
        Case.registered_at < review.window_end,
    )
    complaints = list(
        await session.execute(
            select(Case.tracking_code, Case.registered_at, Case.indicator, Case.status, Case.breached, Unit.name_fa)
            .join(Unit, Unit.id == Case.office_unit_id)
            .where(*window)
            .order_by(Case.registered_at.desc())
            .limit(COMPLAINTS_SHOWN)
        )
    )
    by_indicator = list(
        await session.execute(
            select(Case.indicator, func.count()).where(*window).group_by(Case.indicator).order_by(func.count().desc())
        )
    )
    notes = list(await session.scalars(select(HotspotNote).where(HotspotNote.review_id == review_id)))
    followups = list(
        await session.scalars(
            select(HotspotFollowup).where(HotspotFollowup.review_id == review_id).order_by(HotspotFollowup.round)
        )
    )
    mine = next((n for n in notes if n.username == user.username), None)
    member = user.role in WORKING_GROUP_ROLES
    return page(
        request,
        "working_group/review.html",
        422 if errors else 200,
        user=user,
        review=review,
        names=await _subject_names(session, [review]),
        complaints=complaints,
        total=sum(count for _, count in by_indicator),
        by_indicator=[(INDICATOR_LABELS_FA.get(Indicator(i), str(i)), count) for i, count in by_indicator],
        indicator_fa=lambda i: INDICATOR_LABELS_FA.get(Indicator(i), str(i)),
        status_fa=lambda s: STATUS_LABELS_FA[CaseStatus(s)],
        notes=sorted(notes, key=lambda n: n.updated_at),
        followups=followups,
        decisions=DECISION_LABELS_FA,
        may_note=member,
        may_decide=member
        and review.status == "open"
        and not (user.role is Role.WORKING_GROUP and user.agency_id is not None),
        my_note=(form or {}).get("note", mine.note if mine else ""),
        errors=errors or {},
        form=form or {},
    )


@router.get("/working-group/{review_id}")
async def review(request: Request, review_id: str, session: SessionDep) -> Response:
    user = await require_staff(request, session, *HOTSPOT_READERS)
    return await _review_page(request, session, user, review_id)


@router.post("/working-group/{review_id}/note")
async def note(request: Request, review_id: str, session: SessionDep) -> Response:
    user = await require_staff(request, session, *WORKING_GROUP_ROLES)
    form = await page_session.form_with_csrf(request)
    try:
        await working_group.save_note(session, user, review_id, form.get("note", ""))
    except FieldInvalid as exc:
        return await _review_page(
            request, session, user, review_id, errors={"note": exc.details[0]["message_fa"]}, form=form
        )
    return redirect(request, f"/working-group/{review_id}#notes")


@router.post("/working-group/{review_id}/decision")
async def decision(
    request: Request, review_id: str, session: SessionDep, engine: EngineDep, settings: SettingsDep
) -> Response:
    user = await require_staff(request, session, *WORKING_GROUP_ROLES)
    form = await page_session.form_with_csrf(request)
    errors = {}
    if form.get("decision") not in {d.value for d in HotspotDecision}:
        errors["decision"] = "یکی از تصمیم‌ها را برگزینید."
    if len(form.get("decision_note", "").strip()) < 3:
        errors["decision_note"] = "دلیل تصمیم را دست‌کم در ۳ نویسه بنویسید."
    if errors:
        return await _review_page(request, session, user, review_id, errors=errors, form=form)
    body = HotspotDecisionRequest(decision=form["decision"], note=form["decision_note"].strip())
    await working_group.decide(session, user, review_id, body, engine=engine, settings=settings)
    return redirect(request, f"/working-group/{review_id}")
