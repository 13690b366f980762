"""Who opened personal data, when: the one function every such read goes through.

For now a structured log line on the `foad.access` logger (user id, username, role, what was opened, how
much); an access-audit table readable by auditors can take its place here without touching the callers.
"""

import logging

from api.deps import StaffUser

log = logging.getLogger("foad.access")


def record_personal_data_access(user: StaffUser, *, action: str, scope: str, items: int) -> None:
    """`action` names the read (e.g. `codec.decode`), `scope` what it covered (e.g. a Temporal namespace)."""
    log.info(
        "personal data access: action=%s user_id=%s username=%s role=%s scope=%s items=%d",
        action,
        user.id,
        user.username,
        user.role.value,
        scope,
        items,
    )
