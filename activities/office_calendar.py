"""The office-calendar activity: an office-hours deadline from the office's working week, holidays and closures.

An activity because the office calendar lives in the database and changes (an admin declares a closure);
the workflow keeps the answer in its history, so replay never asks again.
"""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from database.office_calendar import deadline_for
from schemas.clock import Deadline, DeadlineRequest


class OfficeCalendarActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @activity.defn(name="compute_deadline")
    async def compute_deadline(self, request: DeadlineRequest) -> Deadline:
        async with self._sessions() as session:
            deadline = await deadline_for(session, request)
        activity.logger.info("%s deadline %s (%s)", request.purpose, deadline.due_at.isoformat(), deadline.calendar)
        return deadline
