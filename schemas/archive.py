"""The archive's workflows and activities: what a sweep, a reconciliation and an erasure run are given and say."""

from datetime import datetime

from pydantic import BaseModel, Field

from schemas.actions import Note


class SweepInput(BaseModel):
    overlap_minutes: float = Field(default=60, description="How far before the last archived close to look again")


class SweepResult(BaseModel):
    seen: int = 0
    archived: list[str] = Field(default_factory=list, description="workflow_id/run_id written by this sweep")
    already: int = 0


class Mismatch(BaseModel):
    tracking_code: str
    seq: int | None = None
    field: str
    read_model: object = None
    archive: object = None


class ReconcileInput(BaseModel):
    pass


class ReconcileResult(BaseModel):
    cases: int = 0
    not_archived: list[str] = Field(default_factory=list, description="closed cases with no archived history yet")
    erased: int = 0
    mismatches: list[Mismatch] = Field(default_factory=list)


class ErasureInput(BaseModel):
    now: datetime | None = None


class ErasureResult(BaseModel):
    cutoff: datetime
    cases: list[str] = Field(default_factory=list)
    periods: list[str] = Field(default_factory=list)


class ErasureRequest(BaseModel):
    reason: Note = Field(description="Why this case's personal data is erased now (kept on record)")


class ErasureOut(BaseModel):
    tracking_code: str
    erased_at: datetime
    by: str
    reason: str
    already_erased: bool = Field(description="True if the case had been erased before; nothing changed")
