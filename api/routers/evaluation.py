"""The annual evaluation (README: The annual evaluation): every agency's sheet for a Jalali year, and one agency's
sheet with its people, as JSON, XLSX, a printable Persian PDF or a page.

The centre (admin, auditor) sees every agency; a senior coordinator only its own agency's sheet (another
agency's is a 403). A year that holds no complaints is a 422, naming the years that do.
"""

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import SessionDep, SettingsDep
from api.edge.errors import FieldInvalid, NotFound
from api.pages.evaluation import evaluation_page, league_page
from api.routers.reports import ReportReader, Year, _agency_scope
from database.models import Agency
from infra.settings import Settings
from reports.evaluation import AgencyLeague, AgencySheet, agency_league, data_years
from reports.evaluation_exports import sheet_to_pdf, sheet_to_xlsx
from reports.evaluation_people import PeopleEvaluation, people_evaluation
from reports.exports import XLSX_MEDIA_TYPE
from reports.written_answer import MEDIA_TYPE as PDF_MEDIA_TYPE
from timekeeping.persian import persian_digits

router = APIRouter(prefix="/evaluation", tags=["annual evaluation (centre)"])

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"


class SheetFormat(StrEnum):
    JSON = "json"
    XLSX = "xlsx"
    PDF = "pdf"
    HTML = "html"


class EvaluationOut(BaseModel):
    sheet: AgencySheet
    people: PeopleEvaluation


async def _league(session: AsyncSession, settings: Settings, year: int) -> AgencyLeague:
    years = await data_years(session)
    if year not in years:
        held = "، ".join(persian_digits(y) for y in years) or "هیچ سالی"
        raise FieldInvalid(
            ["query", "year"],
            f"no complaints in {year}; the data holds {', '.join(map(str, years)) or 'no year'}",
            reason_fa=f"در سال {persian_digits(year)} شکایتی نیست؛ سال‌های دارای داده: {held}",
        )
    return await agency_league(
        session,
        year=year,
        weights=settings.ranking_weights,
        min_cases=settings.ranking_min_cases,
        now=datetime.now(UTC),
    )


@router.get("/agencies", response_model=AgencyLeague, summary="Every agency's sheet for a Jalali year, ranked")
async def league(
    request: Request,
    user: ReportReader,
    session: SessionDep,
    settings: SettingsDep,
    year: Year,
    format: SheetFormat = SheetFormat.JSON,
):
    result = await _league(session, settings, year)
    own = _agency_scope(user, None)
    if own is not None:  # a senior coordinator: its own agency's sheet only
        result.sheets = [sheet for sheet in result.sheets if sheet.agency_id == own]
    if format is SheetFormat.HTML:
        return await league_page(request, result, user, await data_years(session))
    return result


@router.get(
    "/agencies/{agency_id}",
    response_model=EvaluationOut,
    summary="One agency's sheet for a Jalali year, with its people",
)
async def agency_sheet(
    request: Request,
    agency_id: str,
    user: ReportReader,
    session: SessionDep,
    settings: SettingsDep,
    year: Year,
    format: SheetFormat = SheetFormat.JSON,
):
    _agency_scope(user, agency_id)
    if await session.get(Agency, agency_id) is None:
        raise NotFound(f"no agency {agency_id}", message_fa="دستگاهی با این شناسه نیست.")
    result = await _league(session, settings, year)
    sheet = next((s for s in result.sheets if s.agency_id == agency_id), None)
    if sheet is None:
        raise FieldInvalid(
            ["query", "year"],
            f"agency {agency_id} has no complaints in {year}",
            reason_fa=f"این دستگاه در سال {persian_digits(year)} شکایتی ندارد.",
        )
    people = await people_evaluation(
        session,
        year=year,
        agency_id=agency_id,
        min_cases=settings.evaluation_min_person_cases,
        weights=settings.ranking_weights,
    )
    filename = f"foad-evaluation-{agency_id}-{year}"
    if format is SheetFormat.XLSX:
        disposition = {"Content-Disposition": f'attachment; filename="{filename}.xlsx"'}
        return Response(sheet_to_xlsx(sheet, people), media_type=XLSX_MEDIA_TYPE, headers=disposition)
    if format is SheetFormat.PDF:
        disposition = {"Content-Disposition": f'inline; filename="{filename}.pdf"'}
        return Response(sheet_to_pdf(sheet, people, fonts=FONTS), media_type=PDF_MEDIA_TYPE, headers=disposition)
    if format is SheetFormat.HTML:
        return await evaluation_page(request, sheet, people, user)
    return EvaluationOut(sheet=sheet, people=people)
