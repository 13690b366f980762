"""The annual evaluation (README: The annual evaluation): every agency's sheet for a Jalali year, and one agency's
sheet with its people, as JSON, XLSX, a printable Persian PDF or a page.

The centre (admin, auditor) sees every agency; a senior coordinator only its own agency's sheet (another
agency's is a 403). A year that holds no complaints is a 422, naming the years that do.
"""

from enum import StrEnum
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from api.deps import SessionDep, SettingsDep
from api.pages.evaluation import evaluation_page, league_page
from api.routers.reports import ReportReader, Year
from api.services import evaluation
from reports.evaluation import AgencyLeague, AgencySheet, data_years
from reports.evaluation_exports import sheet_to_pdf, sheet_to_xlsx
from reports.evaluation_people import PeopleEvaluation
from reports.exports import XLSX_MEDIA_TYPE
from reports.written_answer import MEDIA_TYPE as PDF_MEDIA_TYPE

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


@router.get("/agencies", response_model=AgencyLeague, summary="Every agency's sheet for a Jalali year, ranked")
async def league(
    request: Request,
    user: ReportReader,
    session: SessionDep,
    settings: SettingsDep,
    year: Year,
    format: SheetFormat = SheetFormat.JSON,
):
    result = await evaluation.league(session, settings, user, year)
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
    sheet, people = await evaluation.agency_sheet(session, settings, user, agency_id, year)
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
