"""A change of the office calendar to carry to the open office-hours cases it may move (CalendarChangeWorkflow)."""

from datetime import datetime

from pydantic import BaseModel, Field


class CalendarChange(BaseModel):
    """Which open office-hours cases a change may touch, and the reason they record. None: no such condition."""

    reason: str = Field(description="What changed, in Persian: recorded on each case whose deadline moves")
    agency_id: str | None = Field(default=None, description="Only this agency's cases")
    unit_id: str | None = Field(default=None, description="Only cases filed about this unit or held by it")
    province_code: str | None = Field(default=None, description="Only cases in this province (or held in it)")
    due_after: datetime | None = Field(default=None, description="Only cases due after this (a closure's start)")
