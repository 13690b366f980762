"""Update ids for the coordinators' actions, so that a retried press attaches to the first one.

A 503 on a Workflow Update does not mean the update was refused: Temporal may have accepted it and will
apply it when a worker returns. Retried with a fresh id, the same press would then be validated afresh
and refused with a 409 although it succeeded. With the same id, Temporal hands the retry the first
attempt's outcome. The id names the action, what it acts on and who acts:

- with an `Idempotency-Key` header, the key (the client says which presses are one);
- otherwise the task the action closes (the review task, the latest approval task, or the handling task
  being completed), read from the read model; failing that (close, or a task not projected yet), the case.

Two coordinators pressing at once therefore send two updates: the first wins, the second is refused by
the workflow's validator (a 409 with the reason).
"""

from typing import Annotated

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import idempotency_key_header
from database.models import Case, Task
from schemas.enums import TaskKind

ActionKey = Annotated[
    str | None,
    idempotency_key_header("A client-chosen key: a retry with the same key is the same action, applied at most once"),
]


def update_id(action: str, anchor: str, actor: str, key: str | None) -> str:
    return f"{action}/{anchor}/{actor}" + (f"/{key}" if key else "")


async def case_action_id(
    session: AsyncSession, *, action: str, case: Case, kind: TaskKind | None, actor: str, key: str | None
) -> str:
    """The update id of an action on the case as a whole: anchored on the latest task of `kind` (open or done,
    so that pressing again after success still names the same task), else on the case itself."""
    anchor = None
    if kind is not None:
        anchor = await session.scalar(
            select(Task.task_id)
            .where(Task.tracking_code == case.tracking_code, Task.kind == kind.value)
            .order_by(Task.opened_at.desc(), func.length(Task.task_id).desc(), Task.task_id.desc())
            .limit(1)
        )
    return update_id(action, anchor or case.tracking_code, actor, key)
