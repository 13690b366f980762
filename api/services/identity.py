"""How a filing proved the caller's mobile: the trust level recorded on every case.

A citizen's own filing carries its verified token (CITIZEN_OTP). An operator's filing is proved when the caller
reads back the one-time code sent to that mobile (POST /citizen/otp, or the intake page's button); without it the
filing is recorded, but marked UNVERIFIED for staff. An Open311 app is trusted as far as its registration says.
"""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.auth.otp import OtpRejected, verify_limited
from api.edge.errors import FieldInvalid, Forbidden
from api.services.filing import key_is_claimed
from infra.settings import Settings
from schemas.enums import IdentityCheck
from schemas.intake import ComplaintIntake
from schemas.text import latin_digits


async def operator_identity(
    *, sessions: async_sessionmaker[AsyncSession], settings: Settings, intake: ComplaintIntake, key: str, client: str
) -> IdentityCheck:
    """OPERATOR_OTP once the code the caller read back is spent; a wrong code is a 422 on `caller_code`."""
    if intake.caller_code is None:
        return IdentityCheck.UNVERIFIED
    if await key_is_claimed(sessions, key, intake):
        return IdentityCheck.OPERATOR_OTP  # a retry of a filing whose code was checked (and spent) the first time
    try:
        await verify_limited(
            sessions=sessions,
            settings=settings,
            mobile=intake.mobile,
            code=latin_digits(intake.caller_code),
            client=client,
        )
    except OtpRejected as exc:
        raise FieldInvalid(
            ["body", "caller_code"],
            exc.reason,
            reason_fa="کدی که تماس‌گیرنده خواند درست نیست یا منقضی شده است؛ کد تازه بفرستید",
        ) from exc
    return IdentityCheck.OPERATOR_OTP


def open311_identity(*, verified_app: bool, citizen_mobile: str | None, intake: ComplaintIntake) -> IdentityCheck:
    """An app registered as "verified identity" must pass the citizen's token for the complaint's mobile."""
    if not verified_app:
        return IdentityCheck.UNVERIFIED
    if citizen_mobile is None or citizen_mobile != intake.mobile:
        raise Forbidden(
            "this client app files only with the citizen's verified token (Authorization: Bearer) for the "
            "complaint's mobile",
            code="citizen_token_required",
            message_fa="این برنامه فقط با توکن تأییدشده همراه شهروند شکایت ثبت می‌کند.",
        )
    return IdentityCheck.OPEN311_VERIFIED
