"""Reports for the national centre: monthly and annual figures per slice (JSON, CSV, XLSX, or a Persian
page with SVG charts), their breakdowns (one row per agency, province, ... side by side),
the annual ranking, staff performance, and the monthly reports the schedule compiled.

The centre (admin, auditor) sees every agency; a senior coordinator sees its own agency's figures only.
"""

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import OptionalUser, SessionDep, SettingsDep, StaffUser, require_roles
from api.edge.errors import FieldInvalid, Forbidden, Unauthorized
from api.pages.breakdowns import breakdown_page
from api.pages.rendering import staff_user
from api.pages.reports import report_page
from database.models import MonthlyReport
from reports.breakdowns import SORT_KEYS, BreakdownOut, Grouping, breakdown, data_years
from reports.exports import BREAKDOWN_COLUMNS, XLSX_MEDIA_TYPE, breakdown_rows, report_rows, to_csv, to_xlsx
from reports.ranking import ranking
from reports.service import annual_report, monthly_report
from reports.staff import staff_performance
from schemas.enums import Role
from schemas.reports import AnnualReportOut, MonthlyReportOut, RankingOut, ReportSlice, StaffOut

router = APIRouter(prefix="/reports", tags=["reports (centre)"])

READER_ROLES = (Role.ADMIN, Role.AUDITOR, Role.SENIOR_COORDINATOR)


async def report_reader(request: Request, bearer: OptionalUser, session: SessionDep) -> StaffUser:
    """A reader by bearer token, or by the pages' staff session: the dashboard links the report pages, and
    every report answer is a GET that changes nothing (so the session cookie needs no CSRF token here)."""
    user = bearer or await staff_user(request, session)
    if user is None:
        raise Unauthorized("a bearer token or a staff page session is required")
    if user.role not in READER_ROLES:
        raise Forbidden(f"this needs one of the roles: {', '.join(READER_ROLES)}")
    return user


ReportReader = Annotated[StaffUser, Depends(report_reader)]
Year = Annotated[int, Query(ge=1300, le=1500, description="Jalali year, e.g. 1404")]
Month = Annotated[int, Query(ge=1, le=12, description="Jalali month, 1 (Farvardin) to 12 (Esfand)")]


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"
    HTML = "html"


class SortOrder(StrEnum):
    ASC = "asc"
    DESC = "desc"


class RankingScope(StrEnum):
    AGENCY = "agency"
    UNIT = "unit"


def _agency_scope(user: StaffUser, agency_id: str | None) -> str | None:
    """A senior coordinator is held to its own agency; asking for another one is refused."""
    if user.role is not Role.SENIOR_COORDINATOR:
        return agency_id
    if agency_id not in (None, user.agency_id):
        raise Forbidden(
            "a senior coordinator sees only its own agency's reports",
            message_fa="راهبر ارشد فقط گزارش دستگاه خود را می‌بیند.",
        )
    return user.agency_id


async def _export(
    report: MonthlyReportOut | AnnualReportOut,
    export: ExportFormat,
    filename: str,
    *,
    request: Request,
    session: AsyncSession,
    user: StaffUser,
):
    if export is ExportFormat.JSON:
        return report
    if export is ExportFormat.HTML:
        return await report_page(request, session, report, user)
    rows = report_rows(report)
    disposition = {"Content-Disposition": f'attachment; filename="{filename}.{export.value}"'}
    if export is ExportFormat.CSV:
        return Response("\ufeff" + to_csv(rows), media_type="text/csv; charset=utf-8", headers=disposition)
    return Response(to_xlsx(rows, title=filename), media_type=XLSX_MEDIA_TYPE, headers=disposition)


@router.get("/monthly", response_model=MonthlyReportOut, summary="One Jalali month of a slice, with the month before")
async def monthly(
    request: Request,
    user: ReportReader,
    session: SessionDep,
    settings: SettingsDep,
    year: Year,
    month: Month,
    report_slice: Annotated[ReportSlice, Query()],
    format: ExportFormat = ExportFormat.JSON,
):
    report_slice = report_slice.model_copy(update={"agency_id": _agency_scope(user, report_slice.agency_id)})
    report = await monthly_report(session, report_slice, year=year, month=month)
    return await _export(report, format, f"foad-{year}-{month:02d}", request=request, session=session, user=user)


@router.get("/annual", response_model=AnnualReportOut, summary="One Jalali year of a slice, month by month")
async def annual(
    request: Request,
    user: ReportReader,
    session: SessionDep,
    settings: SettingsDep,
    year: Year,
    report_slice: Annotated[ReportSlice, Query()],
    format: ExportFormat = ExportFormat.JSON,
):
    report_slice = report_slice.model_copy(update={"agency_id": _agency_scope(user, report_slice.agency_id)})
    report = await annual_report(session, report_slice, year=year)
    return await _export(report, format, f"foad-{year}", request=request, session=session, user=user)


async def check_year(session: AsyncSession, year: int) -> None:
    """A year with no case at all is a mistake (a typo, a Gregorian year), refused with the years there are."""
    years = await data_years(session)
    if not years.holds(year):
        held = f"{years.first}..{years.last}" if years.first is not None else "none (no case yet)"
        raise FieldInvalid(
            ["query", "year"],
            f"no case was registered in Jalali year {year}; the data holds the years {held}",
            reason_fa="در این سال شکایتی ثبت نشده است.",
        )


@router.get(
    "/breakdown",
    response_model=BreakdownOut,
    summary="A month or a year of a slice, one row per agency, province, county, village, office, ... side by side",
)
async def breakdown_report(
    request: Request,
    user: ReportReader,
    session: SessionDep,
    year: Year,
    group_by: Annotated[Grouping, Query(description="The subject of each row")],
    report_slice: Annotated[ReportSlice, Query()],
    month: Annotated[int | None, Query(ge=1, le=12, description="A Jalali month; none for the whole year")] = None,
    sort: Annotated[str, Query(description=f"One of: {', '.join(SORT_KEYS)}")] = "received",
    order: SortOrder = SortOrder.DESC,
    format: ExportFormat = ExportFormat.JSON,
):
    if sort not in SORT_KEYS:
        raise FieldInvalid(["query", "sort"], f"unknown sort {sort!r}; one of: {', '.join(SORT_KEYS)}")
    await check_year(session, year)
    report_slice = report_slice.model_copy(update={"agency_id": _agency_scope(user, report_slice.agency_id)})
    report = await breakdown(
        session,
        report_slice,
        group_by=group_by,
        year=year,
        month=month,
        sort=sort,
        descending=order is SortOrder.DESC,
    )
    if format is ExportFormat.JSON:
        return report
    if format is ExportFormat.HTML:
        return await breakdown_page(request, session, report, user, query=dict(request.query_params))
    filename = f"foad-{year}{f'-{month:02d}' if month else ''}-by-{group_by.value}"
    rows = breakdown_rows(report)
    disposition = {"Content-Disposition": f'attachment; filename="{filename}.{format.value}"'}
    if format is ExportFormat.CSV:
        body = "\ufeff" + to_csv(rows, BREAKDOWN_COLUMNS)
        return Response(body, media_type="text/csv; charset=utf-8", headers=disposition)
    return Response(
        to_xlsx(rows, title=filename, columns=BREAKDOWN_COLUMNS), media_type=XLSX_MEDIA_TYPE, headers=disposition
    )


@router.get("/rankings", response_model=RankingOut, summary="The annual ranking of agencies or offices")
async def rankings(
    user: ReportReader,
    session: SessionDep,
    settings: SettingsDep,
    year: Year,
    scope: RankingScope = RankingScope.AGENCY,
    agency_id: str | None = None,
) -> RankingOut:
    return await ranking(
        session,
        scope=scope.value,
        year=year,
        min_cases=settings.ranking_min_cases,
        weights=settings.ranking_weights,
        agency_id=_agency_scope(user, agency_id),
    )


@router.get("/staff", response_model=StaffOut, summary="Senior coordinators and inspectors: cases, times, breaches")
async def staff(
    user: ReportReader,
    session: SessionDep,
    year: Year,
    month: Annotated[int | None, Query(ge=1, le=12)] = None,
    agency_id: str | None = None,
) -> StaffOut:
    return await staff_performance(session, year=year, month=month, agency_id=_agency_scope(user, agency_id))


@router.get("/compiled", summary="The nationwide monthly reports compiled by the schedule, newest first")
async def compiled(
    user: Annotated[StaffUser, Depends(require_roles(Role.ADMIN, Role.AUDITOR))], session: SessionDep
) -> list[dict]:
    rows = await session.scalars(
        select(MonthlyReport).order_by(MonthlyReport.jalali_year.desc(), MonthlyReport.jalali_month.desc())
    )
    return [
        {"year": r.jalali_year, "month": r.jalali_month, "compiled_at": r.compiled_at, "figures": r.figures}
        for r in rows
    ]
