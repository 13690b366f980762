"""Queries over reference data (units and their hierarchy) that the API needs to build workflow inputs."""

from sqlalchemy.ext.asyncio import AsyncSession

from database.models import Unit
from schemas.case import UnitRef
from schemas.enums import Level

MAX_DEPTH = 8


def unit_ref(unit: Unit) -> UnitRef:
    return UnitRef(id=unit.id, name_fa=unit.name_fa, level=Level(unit.level))


async def unit_chain(session: AsyncSession, unit_id: str) -> list[Unit]:
    """The unit and its ancestors, bottom up; empty if the unit does not exist."""
    chain: list[Unit] = []
    next_id: str | None = unit_id
    while next_id is not None and len(chain) < MAX_DEPTH:
        unit = await session.get(Unit, next_id)
        if unit is None:
            break
        chain.append(unit)
        next_id = unit.parent_id
    return chain
