"""Filing a complaint: one Idempotency-Key, one tracking code, one workflow, whatever the retries.

The key row is committed before the workflow starts, so a client retrying after a crash or a 503 gets
the same tracking code, and the workflow id (derived from it) lets Temporal refuse a second case.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.deps import release_connection
from api.edge.errors import Conflict, FieldInvalid
from api.engine import Engine
from api.services.tracking import new_tracking_code
from database.models import Agency, Case, IntakeKey, Unit
from database.office_calendar import deadline_for
from database.refdata import unit_chain, unit_ref
from database.referrals import active_target
from database.sessions import transaction
from schemas.case import Actor, CaseStart, Citizen
from schemas.clock import DeadlineRequest, SlaMode
from schemas.enums import CaseStatus, ContactKind, IdentityCheck, Level, Step
from schemas.intake import ComplaintIntake, IntakeReceipt
from schemas.policy import Policy
from schemas.referral import ReferralTarget

_CODE_ATTEMPTS = 5


@dataclass(frozen=True)
class Filed:
    receipt: IntakeReceipt
    replayed: bool


def request_hash(intake: ComplaintIntake) -> str:
    """Hash of the validated body, so the same complaint typed with other digits or spacing still matches."""
    canonical = json.dumps(intake.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _office(session: AsyncSession, unit_id: str) -> tuple[list[Unit], Agency]:
    chain = await unit_chain(session, unit_id)
    if not chain:
        raise FieldInvalid(["body", "unit_id"], "unknown unit", reason_fa="واحد مورد نظر پیدا نشد")
    if chain[-1].level != Level.NATIONAL.value or any(u.agency_id != chain[0].agency_id for u in chain):
        raise FieldInvalid(
            ["body", "unit_id"],
            "the unit's hierarchy does not reach its agency's national HQ",
            reason_fa="سلسله‌مراتب این واحد تا ستاد ملی دستگاه کامل نیست",
        )
    agency = await session.get(Agency, chain[0].agency_id)
    assert agency is not None, "units reference their agency"
    return chain, agency


async def _referral(session: AsyncSession, intake: ComplaintIntake) -> ReferralTarget | None:
    """The registry entry an out-of-scope contact is referred to (422 if missing or unknown)."""
    if intake.contact is not ContactKind.OUT_OF_SCOPE:
        return None
    target = await active_target(session, intake.referral_target_id) if intake.referral_target_id else None
    if target is None:
        reason = "unknown referral target" if intake.referral_target_id else "an out-of-scope contact needs one"
        raise FieldInvalid(
            ["body", "referral_target_id"],
            reason,
            reason_fa="مرجع ارجاع را از فهرست مراجع انتخاب کنید"
            if not intake.referral_target_id
            else "مرجعی با این شناسه در فهرست مراجع ارجاع نیست",
        )
    return target


async def national_code_mismatch(session: AsyncSession, intake: ComplaintIntake) -> bool:
    """True when an earlier filing from this mobile gave another national code (flagged, not refused)."""
    other = await session.scalar(
        select(Case.tracking_code)
        .where(Case.citizen_mobile == intake.mobile, Case.citizen_national_code != intake.national_code)
        .limit(1)
    )
    return other is not None


async def key_is_claimed(sessions: async_sessionmaker[AsyncSession], key: str, intake: ComplaintIntake) -> bool:
    """The same key and body were filed before: a retry, whose identity proof was checked the first time."""
    async with sessions() as session:
        existing = await session.get(IntakeKey, key)
    return existing is not None and existing.request_hash == request_hash(intake)


async def _claim_key(
    sessions: async_sessionmaker[AsyncSession], *, key: str, digest: str, now: datetime
) -> tuple[IntakeKey, bool]:
    """The key's row, inserted and committed now if new; True if this request created it."""
    for _ in range(_CODE_ATTEMPTS):
        async with sessions() as session:
            existing = await session.get(IntakeKey, key)
        if existing is None:
            row = IntakeKey(key=key, tracking_code=new_tracking_code(), request_hash=digest, created_at=now)
            try:
                async with transaction(sessions) as tx:
                    tx.add(row)
            except IntegrityError:
                continue  # the key raced with another request, or (rarely) the code was taken: look again
            return row, True
        if existing.request_hash != digest:
            raise Conflict(
                "this Idempotency-Key was already used for a different complaint",
                code="idempotency_key_reused",
                message_fa="این کلید قبلاً برای شکایت دیگری به کار رفته است",
            )
        return existing, False
    raise RuntimeError("could not allocate a tracking code")  # pragma: no cover - ten random digits


async def file_complaint(
    *,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    engine: Engine,
    intake: ComplaintIntake,
    idempotency_key: str,
    filed_by: Actor,
    policy: Policy,
    identity: IdentityCheck = IdentityCheck.UNVERIFIED,
    client_app: str | None = None,
) -> Filed:
    chain, agency = await _office(session, intake.unit_id)
    referral = await _referral(session, intake)
    mismatch = await national_code_mismatch(session, intake)
    office_chain = [unit_ref(u) for u in chain]
    agency_id, agency_name_fa = agency.id, agency.name_fa
    province_code = next((u.province_code for u in chain if u.province_code), "")
    county_code = chain[0].county_code or ""
    policy = policy.model_copy(update={"sla_mode": SlaMode(agency.sla_mode)})  # the agency's way of counting
    # Hand the request's connection back before claiming the key on a connection of its own: holding one while
    # waiting for another starves the pool once as many intakes run at once as it has connections (the
    # benchmark saw 30 s waits and 503s at 16 concurrent intakes on SQLite's default pool). Nothing was written.
    await release_connection(session)
    key_row, created = await _claim_key(
        sessions, key=idempotency_key, digest=request_hash(intake), now=datetime.now(UTC)
    )
    registered_at = key_row.created_at
    start = CaseStart(
        tracking_code=key_row.tracking_code,
        registered_at=registered_at,
        channel=intake.channel,
        indicator=intake.indicator,
        agency_id=agency_id,
        agency_name_fa=agency_name_fa,
        office=office_chain[0],
        office_chain=office_chain,
        province_code=province_code,
        county_code=county_code,
        citizen=Citizen(national_code=intake.national_code, mobile=intake.mobile, full_name=intake.full_name),
        description=intake.description,
        incident_at=intake.incident_at,
        employee_name=intake.employee_name,
        filed_by=filed_by,
        policy=policy,
        contact=intake.contact,
        referral=referral,
        identity=identity,
        national_code_mismatch=mismatch,
        client_app=client_app,
    )
    await engine.start_case(start)  # connects only now, so a 503 leaves the key reserved
    due_at = registered_at + policy.sla
    if policy.sla_mode is SlaMode.OFFICE_HOURS:
        request = DeadlineRequest(
            agency_id=agency_id,
            unit_id=start.office.id,
            province_code=start.province_code or None,
            start=registered_at,
            budget_seconds=policy.sla.total_seconds(),
            purpose="sla",
        )
        due_at = (await deadline_for(session, request)).due_at  # the same count the workflow's activity makes
    receipt = IntakeReceipt(
        tracking_code=start.tracking_code,
        status=CaseStatus.IN_REVIEW,
        step=Step.REVIEW,
        due_at=due_at,
    )
    if intake.contact is not ContactKind.COMPLAINT:  # recorded and final at once: no 3-hour case
        status = CaseStatus.REFERRED if referral else CaseStatus.FORWARDED
        receipt = IntakeReceipt(
            tracking_code=start.tracking_code, status=status, step=Step.RESULT, due_at=registered_at, referral=referral
        )
    if not created:
        case = await session.scalar(select(Case).where(Case.tracking_code == start.tracking_code))
        if case is not None:
            receipt = IntakeReceipt(
                tracking_code=case.tracking_code,
                status=CaseStatus(case.status),
                step=Step(case.step),
                due_at=case.due_at,
                referral=referral,
            )
    return Filed(receipt=receipt, replayed=not created)
