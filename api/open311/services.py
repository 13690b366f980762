"""The eight indicators as Open311 services, and the attributes FOAD needs on every request."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import Unit
from schemas.enums import INDICATOR_PREFIX_FA, Indicator

GROUP_FA = "فوریت‌های اداری ۱۲۸"

# What each indicator covers, for a citizen choosing one in a client app.
DESCRIPTIONS_FA: dict[Indicator, str] = {
    Indicator.PROCESS_INFORMATION: "قوانین، مقررات، مدارک لازم یا مراحل انجام کار به شما گفته نشد یا در دسترس نبود.",
    Indicator.DECISION_INFORMATION: "تصمیم دستگاه درباره درخواست شما به‌موقع یا به‌روشنی اعلام نشد.",
    Indicator.EQUIPMENT_AND_SYSTEMS: "سامانه، دستگاه نوبت‌دهی، تلفن یا تجهیزات اداره از کار افتاده بود.",
    Indicator.RESPECT_AND_DIGNITY: "بی‌احترامی، تبعیض، پارتی‌بازی یا توهین در ارایه خدمت.",
    Indicator.SERVICE_HOURS: "خدمت دیرتر از ساعت قانونی شروع شد یا زودتر از آن پایان یافت.",
    Indicator.SERVICE_CONTINUITY: "کار شما بدون دلیل قانونی به روز یا هفته دیگری موکول شد.",
    Indicator.STAFF_ABSENCE: "کارمند یا مدیر مسئول حاضر نبود و جایگزینی هم پیش‌بینی نشده بود.",
    Indicator.WASTE_OF_RESOURCES: "هدررفت انرژی یا اسراف و تبذیر منابع عمومی در اداره.",
}

KEYWORDS: dict[Indicator, str] = {i: i.name.lower() for i in Indicator}


def indicator_for(service_code: str) -> Indicator | None:
    try:
        return Indicator(int(service_code))
    except ValueError:
        return None


def service(indicator: Indicator) -> dict[str, Any]:
    return {
        "service_code": str(indicator.value),
        "service_name": indicator.label_fa,
        "description": f"{INDICATOR_PREFIX_FA} {indicator.label_fa}: {DESCRIPTIONS_FA[indicator]}",
        "metadata": True,
        "type": "realtime",
        "keywords": KEYWORDS[indicator],
        "group": GROUP_FA,
    }


def services() -> list[dict[str, Any]]:
    return [service(i) for i in Indicator]


def _attribute(code: str, order: int, datatype: str, required: bool, description: str, **extra: Any) -> dict:
    return {
        "variable": True,
        "code": code,
        "datatype": datatype,
        "required": required,
        "datatype_description": extra.pop("datatype_description", None),
        "order": order,
        "description": description,
        **extra,
    }


async def definition(session: AsyncSession, indicator: Indicator) -> dict[str, Any]:
    """The service definition: the office (a list of the units in the reference data), the citizen's national
    code, the time of the incident, and optionally the employee's name."""
    units = await session.scalars(select(Unit).order_by(Unit.agency_id, Unit.id))
    return {
        "service_code": str(indicator.value),
        "attributes": [
            _attribute(
                "unit_id",
                1,
                "singlevaluelist",
                True,
                "اداره یا واحدی که شکایت درباره آن است",
                values=[{"key": u.id, "name": u.name_fa} for u in units],
            ),
            _attribute(
                "national_code",
                2,
                "string",
                True,
                "کد ملی شهروند",
                datatype_description="ده رقم، با رقم کنترل درست",
            ),
            _attribute(
                "incident_at",
                3,
                "datetime",
                True,
                "زمان رخداد",
                datatype_description="W3C، با منطقه زمانی؛ مثلاً 2026-11-23T10:30:00+03:30؛ حداکثر ۳۰ روز پیش",
            ),
            _attribute("employee_name", 4, "string", False, "نام کارمند مربوط، اگر می‌دانید"),
        ],
    }
