"""Reference data for forms and clients: agencies, their units, the eight indicators. Public."""

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from api.deps import SessionDep
from database.models import Agency, Unit
from schemas.enums import INDICATOR_FULL_LABELS_FA, Indicator, Level

router = APIRouter(tags=["reference data"])


class UnitOut(BaseModel):
    id: str
    agency_id: str
    name_fa: str
    name_en: str
    level: Level
    level_fa: str
    parent_id: str | None
    province_code: str | None
    county_code: str | None
    village: str | None


class AgencyOut(BaseModel):
    id: str
    name_fa: str
    name_en: str


class IndicatorOut(BaseModel):
    number: int
    name: str
    label_fa: str
    full_label_fa: str


@router.get("/units", response_model=list[UnitOut], summary="Agencies' units with level, parent, province, county")
async def units(
    session: SessionDep,
    agency_id: str | None = None,
    level: Level | None = None,
    province_code: str | None = None,
    county_code: str | None = None,
) -> list[UnitOut]:
    query = select(Unit).order_by(Unit.agency_id, Unit.id)
    for column, value in (
        (Unit.agency_id, agency_id),
        (Unit.level, level.value if level else None),
        (Unit.province_code, province_code),
        (Unit.county_code, county_code),
    ):
        if value is not None:
            query = query.where(column == value)
    return [
        UnitOut(
            id=u.id,
            agency_id=u.agency_id,
            name_fa=u.name_fa,
            name_en=u.name_en,
            level=Level(u.level),
            level_fa=Level(u.level).label_fa,
            parent_id=u.parent_id,
            province_code=u.province_code,
            county_code=u.county_code,
            village=u.village,
        )
        for u in await session.scalars(query)
    ]


@router.get("/agencies", response_model=list[AgencyOut], summary="The agencies FOAD covers")
async def agencies(session: SessionDep) -> list[AgencyOut]:
    rows = await session.scalars(select(Agency).order_by(Agency.id))
    return [AgencyOut(id=a.id, name_fa=a.name_fa, name_en=a.name_en) for a in rows]


@router.get("/indicators", response_model=list[IndicatorOut], summary="The eight indicators with their Persian labels")
async def indicators() -> list[IndicatorOut]:
    return [
        IndicatorOut(number=int(i), name=i.name.lower(), label_fa=i.label_fa, full_label_fa=INDICATOR_FULL_LABELS_FA[i])
        for i in Indicator
    ]
