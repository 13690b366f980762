"""People, not logins: the name and role a page shows for each actor of a case (staff by their account's full
name and role; the citizen and the system by what they are)."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.pages.rendering import ROLE_LABELS_FA
from database.models import User
from schemas.enums import Role

NOBODY_FA = {Role.SYSTEM.value: "سامانه", Role.CITIZEN.value: "شهروند"}


class People:
    """The staff accounts a page names, read once: `person(username, role)` words one actor."""

    def __init__(self, accounts: dict[str, tuple[str, str]]) -> None:
        self._accounts = accounts

    @classmethod
    async def of(cls, session: AsyncSession, usernames: Iterable[str | None]) -> "People":
        wanted = {u for u in usernames if u} - set(NOBODY_FA)
        if not wanted:
            return cls({})
        rows = await session.execute(select(User.username, User.full_name, User.role).where(User.username.in_(wanted)))
        return cls({username: (full_name, role) for username, full_name, role in rows})

    def person(self, username: str | None, role: str | None = None) -> str:
        """«امیر قاسمی، هماهنگ‌کننده واحد»; «شهروند»; a login with no account left reads as itself, with its role."""
        if role in NOBODY_FA or (role is None and username in NOBODY_FA):
            return NOBODY_FA[role or username or ""]
        if not username:
            return ""
        full_name, account_role = self._accounts.get(username, (username, role or ""))
        role_fa = ROLE_LABELS_FA.get(role or account_role, role or account_role)
        return f"{full_name}، {role_fa}" if role_fa else full_name

    __call__ = person
