"""Staff accounts from the command line:

    python -m cli.users list
    python -m cli.users create USERNAME --full-name NAME --role ROLE [--agency ID] [--unit ID ...] [--mobile 09...]
    python -m cli.users mobile USERNAME [09...]     (without a number: removes it)
    python -m cli.users disable USERNAME | enable USERNAME | reset USERNAME

A password left out is generated and printed once.
"""

import argparse
import asyncio
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from database.sessions import create_engine, sessionmaker, transaction
from database.users import UserProblem, create_user, list_users, reset_password, set_active, set_mobile
from infra.settings import get_settings, settings_or_exit
from schemas.enums import Role
from schemas.text import mask_mobile
from schemas.users import MobileUpdate, UserCreate, UserOut


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cli.users", description="Manage staff accounts.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every account")
    create = commands.add_parser("create", help="a new account")
    create.add_argument("username")
    create.add_argument("--full-name", required=True)
    create.add_argument(
        "--role", required=True, choices=[r.value for r in Role if r not in (Role.CITIZEN, Role.SYSTEM)]
    )
    create.add_argument("--agency")
    create.add_argument("--unit", action="append", default=[])
    create.add_argument("--mobile", help="where the staff notifications go by SMS")
    mobile = commands.add_parser("mobile", help="set or remove the mobile staff notifications go to")
    mobile.add_argument("username")
    mobile.add_argument("number", nargs="?")
    for name in ("disable", "enable", "reset"):
        commands.add_parser(name, help=f"{name} an account").add_argument("username")
    return parser


def _line(user: UserOut) -> str:
    state = ("active" if user.active else "disabled") + (", locked" if user.locked else "")
    mobile = mask_mobile(user.mobile) if user.mobile else "-"
    return "\t".join((user.username, user.role, user.agency_id or "-", state, mobile))


async def _run(args: argparse.Namespace) -> str:
    engine = create_engine(get_settings().database_url)
    try:
        async with transaction(sessionmaker(engine)) as session:
            if args.command == "list":
                return "\n".join(_line(u) for u in await list_users(session))
            if args.command == "create":
                new = UserCreate(
                    username=args.username,
                    full_name=args.full_name,
                    role=args.role,
                    agency_id=args.agency,
                    unit_ids=args.unit,
                    mobile=args.mobile,
                )
                user, password = await create_user(session, new)
                return f"created {user.username}; password (shown once): {password}"
            if args.command == "mobile":
                number = MobileUpdate(mobile=args.number).mobile
                user = await set_mobile(session, args.username, number)
                return f"{user.username}: mobile {mask_mobile(number) if number else 'removed'}"
            if args.command in ("disable", "enable"):
                user = await set_active(session, args.username, active=args.command == "enable")
                return f"{user.username} {args.command}d"
            user, password = await reset_password(session, args.username)
            return f"{user.username}: new password (shown once): {password}"
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings_or_exit("cli.users")
    try:
        print(asyncio.run(_run(args)))
    except UserProblem as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
