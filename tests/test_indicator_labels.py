"""The eight indicators read exactly as the programme writes them: its spelling «ارایه», and the complete phrase
with the official prefix «اختلال، نقص و یا نقض در …», wherever a person reads them."""

from pathlib import Path

import pytest

from schemas.enums import INDICATOR_FULL_LABELS_FA, INDICATOR_LABELS_FA, INDICATOR_PREFIX_FA, Indicator
from tests import ROOT
from tests.apiutil import http, make_app

LABELS = {
    Indicator.PROCESS_INFORMATION: "اطلاع‌رسانی قوانین، مقررات، مراحل و فرایندهای ارایه خدمت",
    Indicator.DECISION_INFORMATION: "اطلاع‌رسانی به‌موقع و شفاف تصمیمات مرتبط با خدمت",
    Indicator.EQUIPMENT_AND_SYSTEMS: "تجهیزات، سامانه‌های اداری یا ابزارهای ارتباطی",
    Indicator.RESPECT_AND_DIGNITY: "احترام، عدالت و رعایت کرامت انسانی",
    Indicator.SERVICE_HOURS: "زمان قانونی شروع و پایان خدمت",
    Indicator.SERVICE_CONTINUITY: "استمرار خدمت؛ موکول کردن به زمان‌های آتی بدون توجیه قانونی",
    Indicator.STAFF_ABSENCE: "عدم حضور کارمند/مدیر یا عدم پیش‌بینی نیروی جایگزین",
    Indicator.WASTE_OF_RESOURCES: "هدررفت انرژی، اسراف و تبذیر منابع",
}


@pytest.mark.parametrize("indicator", list(Indicator), ids=[i.name for i in Indicator])
def test_each_indicator_label_is_the_programmes_phrase(indicator):
    assert INDICATOR_LABELS_FA[indicator] == LABELS[indicator]
    assert indicator.label_fa == LABELS[indicator]
    assert INDICATOR_FULL_LABELS_FA[indicator] == f"اختلال، نقص و یا نقض در {LABELS[indicator]}"


def test_there_are_eight_and_the_prefix_is_the_official_one():
    assert len(INDICATOR_LABELS_FA) == len(INDICATOR_FULL_LABELS_FA) == 8
    assert INDICATOR_PREFIX_FA == "اختلال، نقص و یا نقض در"


def test_nothing_a_person_reads_spells_it_otherwise():
    """The deck writes «ارایه»; the other spelling «ارائه» appears in no label, template, SMS or data file."""
    sources = [p for folder in ("schemas", "api", "sms", "reports", "refdata") for p in (ROOT / folder).rglob("*")]
    offending = [
        str(p.relative_to(ROOT))
        for p in sources
        if p.suffix in {".py", ".html", ".json"} and "ارائه" in Path(p).read_text(encoding="utf-8")
    ]
    assert offending == []


async def test_the_reference_api_gives_the_complete_phrases(seeded):
    async with http(make_app(sessions=seeded)) as client:
        response = await client.get("/indicators")
    assert response.status_code == 200
    by_number = {item["number"]: item for item in response.json()}
    for indicator in Indicator:
        assert by_number[int(indicator)]["label_fa"] == LABELS[indicator]
        assert by_number[int(indicator)]["full_label_fa"] == INDICATOR_FULL_LABELS_FA[indicator]
