"""Tehran time: the zone every person in FOAD reads a moment in (Iran has kept no daylight saving since 2022)."""

from zoneinfo import ZoneInfo

TEHRAN = ZoneInfo("Asia/Tehran")
