"""Rules the workflow's validators apply; pure functions, safe inside the sandbox."""

from temporalio.exceptions import ApplicationError

from schemas.case import UnitRef
from schemas.enums import LEVELS, Level


class InvalidTransition(ApplicationError):
    """An action the case's state does not allow. details[0] is the reason in Persian."""

    def __init__(self, message: str, message_fa: str) -> None:
        super().__init__(message, message_fa, type="InvalidTransition", non_retryable=True)


def check_chain(chain: list[UnitRef]) -> None:
    """An action order's chain: the unit, then each level above it, ending at the national HQ."""
    if not chain:
        raise InvalidTransition("an action order needs the unit that must act", "واحد مسئول رسیدگی مشخص نشده است")
    levels = [unit.level for unit in chain]
    expected = list(LEVELS[LEVELS.index(levels[0]) :])
    if levels != expected or levels[-1] is not Level.NATIONAL:
        raise InvalidTransition(
            "the unit's hierarchy must climb one level at a time to the national HQ",
            "سلسله‌مراتب واحد تا ستاد ملی کامل نیست",
        )
