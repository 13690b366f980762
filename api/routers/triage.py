"""Triage: the referral registry (read by the forms, edited by the centre admin) and the information items
(requests and suggestions) forwarded to an agency's senior coordinator."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel

from api.deps import SessionDep, StaffUser, require_roles
from database.information import information_items
from database.models import ReferralTargetRow
from database.referrals import list_targets, target_out
from schemas.enums import ContactKind, Indicator, Role
from schemas.referral import ReferralTargetIn, ReferralTargetOut, TargetId

router = APIRouter(tags=["triage"])

Admin = Annotated[StaffUser, Depends(require_roles(Role.ADMIN))]
InformationReader = Annotated[StaffUser, Depends(require_roles(Role.SENIOR_COORDINATOR, Role.ADMIN, Role.AUDITOR))]


class InformationItem(BaseModel):
    """A forwarded request or suggestion: its text, without the citizen's name or mobile (the case page shows
    those, and records the view in the access log)."""

    tracking_code: str
    contact: ContactKind
    contact_fa: str
    agency_id: str
    office_unit_id: str
    indicator: Indicator
    description: str
    registered_at: datetime
    identity: str | None


@router.get("/referral-targets", response_model=list[ReferralTargetOut], summary="Where out-of-scope contacts go")
async def referral_targets(session: SessionDep) -> list[ReferralTargetOut]:
    return [target_out(row) for row in await list_targets(session)]


@router.get(
    "/admin/referral-targets",
    response_model=list[ReferralTargetOut],
    summary="The referral registry, retired entries included (centre admin)",
)
async def all_referral_targets(session: SessionDep, _: Admin) -> list[ReferralTargetOut]:
    return [target_out(row) for row in await list_targets(session, include_inactive=True)]


@router.put(
    "/admin/referral-targets/{target_id}",
    response_model=ReferralTargetOut,
    summary="Add or change a referral target (centre admin); `active: false` retires it from new referrals",
)
async def put_referral_target(
    target_id: Annotated[TargetId, Path()], body: ReferralTargetIn, session: SessionDep, _: Admin
) -> ReferralTargetOut:
    row = await session.get(ReferralTargetRow, target_id)
    if row is None:
        row = ReferralTargetRow(id=target_id, position=0)
        session.add(row)
    row.name_fa, row.phone, row.address_fa = body.name_fa, body.phone, body.address_fa
    row.handles_fa, row.active = body.handles_fa, body.active
    await session.flush()
    return target_out(row)


@router.get(
    "/information",
    response_model=list[InformationItem],
    summary="Requests and suggestions forwarded as information: the senior coordinator's own agency's, newest first",
)
async def information(session: SessionDep, user: InformationReader) -> list[InformationItem]:
    agency_id = user.agency_id if user.role is Role.SENIOR_COORDINATOR else None
    return [
        InformationItem(
            tracking_code=case.tracking_code,
            contact=ContactKind(case.contact_kind),
            contact_fa=ContactKind(case.contact_kind).label_fa,
            agency_id=case.agency_id,
            office_unit_id=case.office_unit_id,
            indicator=Indicator(case.indicator),
            description=case.description,
            registered_at=case.registered_at,
            identity=case.identity,
        )
        for case in await information_items(session, agency_id=agency_id)
    ]
