"""The citizen's written answer (reports/written_answer.py) for the JSON API and the tracking page alike: only
for the mobile the complaint was filed with (proved by one-time code), only once there is a result."""

from pathlib import Path

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from api.edge.errors import Conflict, Forbidden
from api.services.access_log import record_citizen_access
from api.services.readmodel import get_case
from reports.written_answer import MEDIA_TYPE, has_written_answer, render_pdf, written_answer

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"


async def written_answer_pdf(session: AsyncSession, request: Request, *, tracking_code: str, mobile: str) -> Response:
    """The PDF as a download; 403 for another mobile's case, 409 before the result is approved."""
    case = await get_case(session, tracking_code)
    if case.citizen_mobile != mobile:
        raise Forbidden(
            "this complaint was filed with another mobile number",
            code="not_your_case",
            message_fa="این شکایت با شماره همراه دیگری ثبت شده است.",
        )
    if not has_written_answer(case):
        raise Conflict(
            "the written answer is ready once the result is approved",
            code="no_result_yet",
            message_fa="پاسخ مکتوب پس از تأیید نتیجه شکایت آماده می‌شود.",
        )
    answer = await written_answer(session, case)
    await record_citizen_access(session, request, mobile, tracking_code=case.tracking_code, what="written_answer")
    body = render_pdf(answer, fonts=FONTS)
    filename = f"foad128-{case.tracking_code}.pdf"
    return Response(
        body,
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
